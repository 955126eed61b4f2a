#include "protocols/dialect.h"

#include "common/encoding.h"
#include "http/query.h"

namespace tessera {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Dialect DetectDialect(const HttpRequest& request, Dialect listener_default) {
  std::string_view authorization = request.Header("authorization");
  if (StartsWith(authorization, "AWS4-HMAC-SHA256") || StartsWith(authorization, "AWS ")) {
    return Dialect::kS3;
  }
  if (StartsWith(authorization, "SharedKey")) return Dialect::kBlob;

  std::string_view query = request.RawQuery();
  if (HasRawParam(query, "X-Amz-Signature") || HasRawParam(query, "X-Amz-Credential") ||
      (HasRawParam(query, "AWSAccessKeyId") && HasRawParam(query, "Signature"))) {
    return Dialect::kS3;
  }
  if (HasRawParam(query, "sig") && HasRawParam(query, "sv")) return Dialect::kBlob;

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
