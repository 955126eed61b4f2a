#include <charconv>
#include <random>

#include "common/encoding.h"
#include "protocols/blob/service.h"

namespace tessera::blob {

std::string Call::ServiceEndpoint() const {
  std::string host(request.Header("host"));
  if (address.host_style) return "http://" + host + "/";
  return "http://" + host + "/" + address.account + "/";
}

Result<uint64_t> ContentLength(const Call& call, bool required) {
  std::string_view v = call.request.Header("content-length");
  if (v.empty()) {
    bool chunked =
        ToLower(call.request.Header("transfer-encoding")).find("chunked") != std::string::npos;
    if (required && !chunked) {
      return Status(ErrorCode::kMissingContentLength, "Content-Length HTTP header is missing.");
    }
    return uint64_t{0};
  }
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return Status(ErrorCode::kInvalidArgument, "Invalid Content-Length.");
  }
  return n;
}

Result<std::string> ReadSmallBody(Call& call, size_t limit) {
  ASSIGN_OR_RETURN(uint64_t length, ContentLength(call, false));
  if (length > limit) return Status(ErrorCode::kEntityTooLarge, "The request body is too large.");
  std::string body;
  char buf[16384];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, call.raw_body.Read(buf, sizeof(buf)));
    if (n == 0) break;
    if (body.size() + n > limit) {
      return Status(ErrorCode::kEntityTooLarge, "The request body is too large.");
    }
    body.append(buf, n);
  }
  return body;
}

Result<std::string> TierToStorageClass(std::string_view tier) {
  if (tier.empty() || tier == "Hot") return std::string("STANDARD");
  if (tier == "Cool") return std::string("STANDARD_IA");
  if (tier == "Cold") return std::string("GLACIER_IR");
  if (tier == "Archive") return std::string("GLACIER");
  return Status(ErrorCode::kInvalidStorageClass, "The specified access tier is not valid.");
}

std::string StorageClassToTier(const std::string& storage_class) {
  if (storage_class == "STANDARD_IA" || storage_class == "ONEZONE_IA") return "Cool";
  if (storage_class == "GLACIER_IR") return "Cold";
  if (storage_class == "GLACIER" || storage_class == "DEEP_ARCHIVE") return "Archive";
  return "Hot";
}

Result<std::optional<std::string>> ParseMd5Header(const HttpRequest& request,
                                                  std::string_view name) {
  if (!request.HasHeader(name)) return std::optional<std::string>();
  auto raw = Base64Decode(request.Header(name));
  if (!raw || raw->size() != 16) {
    return Status(ErrorCode::kInvalidDigest, "The MD5 value specified in the request is invalid.");
  }
  return std::optional<std::string>(std::move(*raw));
}

Result<std::optional<std::string>> ParseCrc64(const HttpRequest& request) {
  if (!request.HasHeader("x-ms-content-crc64")) return std::optional<std::string>();
  auto raw = Base64Decode(request.Header("x-ms-content-crc64"));
  if (!raw || raw->size() != 8) {
    return Status(ErrorCode::kInvalidArgument, "The CRC64 value specified is invalid.");
  }
  return std::optional<std::string>(std::move(*raw));
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(rng());
  std::string hex = HexEncode(raw);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace tessera::blob
