#include "protocols/query.h"

#include "common/encoding.h"

namespace tessera {

Result<Query> Query::Parse(std::string_view raw) {
  Query query;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    QueryParam param;
    auto name = UriDecode(pair.substr(0, eq), true);
    if (!name) return Status(ErrorCode::kInvalidArgument, "bad escape in query parameter name");
    param.name = std::move(*name);
    if (eq != std::string_view::npos) {
      auto value = UriDecode(pair.substr(eq + 1), true);
      if (!value) return Status(ErrorCode::kInvalidArgument, "bad escape in query parameter value");
      param.value = std::move(*value);
      param.has_value = true;
    }
    query.params_.push_back(std::move(param));
  }
  return query;
}

}  // namespace tessera
