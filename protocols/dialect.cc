#include "protocols/dialect.h"

#include "common/encoding.h"

namespace tessera {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// True when the raw query has a parameter with this exact (case-sensitive) name.
bool HasQueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::string_view key = pair.substr(0, pair.find('='));
    if (key == name) return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace

Dialect DetectDialect(const HttpRequest& request, Dialect listener_default) {
  std::string_view authorization = request.Header("authorization");
  if (StartsWith(authorization, "AWS4-HMAC-SHA256") || StartsWith(authorization, "AWS ")) {
    return Dialect::kS3;
  }
  if (StartsWith(authorization, "SharedKey")) return Dialect::kBlob;

  std::string_view query = request.RawQuery();
  if (HasQueryParam(query, "X-Amz-Signature") || HasQueryParam(query, "X-Amz-Credential")) {
    return Dialect::kS3;
  }
  if (HasQueryParam(query, "sig") && HasQueryParam(query, "sv")) return Dialect::kBlob;

  bool amz = false;
  for (const auto& [name, value] : request.headers) {
    if (StartsWith(name, "x-ms-")) return Dialect::kBlob;
    if (StartsWith(name, "x-amz-")) amz = true;
  }
  if (amz) return Dialect::kS3;

  std::string host = ToLower(request.Header("host"));
  if (host.find(".blob.") != std::string::npos) return Dialect::kBlob;
  return listener_default;
}

}  // namespace tessera
