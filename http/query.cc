#include "http/query.h"

#include "common/encoding.h"

namespace tessera {
namespace {

// Calls f(name, value, has_value) for every non-empty item of a raw query, undecoded.
template <typename F>
void ForEachRaw(std::string_view raw, F f) {
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    std::string_view item = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      f(item, std::string_view(), false);
    } else {
      f(item.substr(0, eq), item.substr(eq + 1), true);
    }
  }
}

}  // namespace

Result<Query> Query::Parse(std::string_view raw, Plus plus, bool lenient) {
  Query query;
  bool bad = false;
  const bool plus_is_space = plus == Plus::kSpace;
  auto decode = [&](std::string_view s) {
    std::optional<std::string> d = UriDecode(s, plus_is_space);
    if (d) return std::move(*d);
    bad = true;
    return std::string(s);
  };
  ForEachRaw(raw, [&](std::string_view name, std::string_view value, bool has_value) {
    query.params_.push_back({decode(name), decode(value), has_value});
  });
  if (bad && !lenient) {
    return Status(ErrorCode::kInvalidArgument, "bad percent-escape in the query string");
  }
  return query;
}

bool HasRawParam(std::string_view raw, std::string_view name) {
  bool found = false;
  ForEachRaw(raw, [&](std::string_view n, std::string_view, bool) { found |= n == name; });
  return found;
}

}  // namespace tessera
