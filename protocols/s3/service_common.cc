#include <charconv>

#include "auth/payload.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "protocols/s3/parse_object.h"
#include "protocols/s3/service.h"

namespace tessera::s3 {
namespace {

std::optional<uint64_t> HeaderNumber(const HttpRequest& request, std::string_view name) {
  std::string_view v = request.Header(name);
  if (v.empty()) return std::nullopt;
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

}  // namespace

Result<std::unique_ptr<Payload>> OpenPayload(Call& call, bool require_length) {
  const HttpRequest& request = call.request;
  auto payload = std::make_unique<Payload>();
  bool chunked_transfer =
      ToLower(request.Header("transfer-encoding")).find("chunked") != std::string::npos;
  std::optional<uint64_t> content_length = HeaderNumber(request, "content-length");
  if (!content_length && !chunked_transfer) {
    if (require_length) {
      return Status(ErrorCode::kMissingContentLength,
                    "You must provide the Content-Length HTTP header.");
    }
    content_length = 0;
  }
  switch (call.auth.payload_mode) {
    case auth::PayloadMode::kUnsigned:
      payload->top_ = &call.raw_body;
      payload->decoded_length = content_length;
      break;
    case auth::PayloadMode::kSha256:
      payload->decoder =
          auth::NewSha256VerifyingSource(call.raw_body, call.auth.payload_sha256_hex);
      payload->top_ = payload->decoder.get();
      payload->decoded_length = content_length;
      break;
    case auth::PayloadMode::kStreamingSigned:
    case auth::PayloadMode::kStreamingSignedTrailer:
    case auth::PayloadMode::kStreamingUnsignedTrailer: {
      std::optional<uint64_t> decoded = HeaderNumber(request, "x-amz-decoded-content-length");
      if (request.HasHeader("x-amz-decoded-content-length") && !decoded) {
        return Status(ErrorCode::kInvalidArgument, "Invalid x-amz-decoded-content-length");
      }
      if (!decoded && call.auth.payload_mode == auth::PayloadMode::kStreamingSigned) {
        return Status(ErrorCode::kMissingContentLength,
                      "You must provide the x-amz-decoded-content-length HTTP header.");
      }
      payload->decoder = auth::NewAwsChunkedSource(call.raw_body, call.auth, decoded,
                                                   std::string(request.Header("x-amz-trailer")));
      payload->top_ = payload->decoder.get();
      payload->decoded_length = decoded;
      break;
    }
  }
  if (payload->decoded_length && *payload->decoded_length > call.options.max_object_size) {
    return Status(ErrorCode::kEntityTooLarge,
                  "Your proposed upload exceeds the maximum allowed size");
  }
  return payload;
}

Result<std::string> ReadSmallBody(Call& call, size_t limit) {
  ASSIGN_OR_RETURN(auto payload, OpenPayload(call, /*require_length=*/false));
  std::string body;
  char buf[16384];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, payload->source().Read(buf, sizeof(buf)));
    if (n == 0) break;
    if (body.size() + n > limit) {
      return Status(ErrorCode::kEntityTooLarge, "Your request body is too large");
    }
    body.append(buf, n);
  }
  // Content-MD5, when sent, covers the body (and a SigV2 signature covers Content-MD5).
  ASSIGN_OR_RETURN(std::optional<std::string> md5, ParseContentMd5(call.request));
  if (md5 && Md5(body) != *md5) {
    return Status(ErrorCode::kBadDigest,
                  "The Content-MD5 you specified did not match what we received.");
  }
  return body;
}

std::string QuotedEtag(const std::string& etag) { return "\"" + etag + "\""; }

HttpResponse XmlResponse(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  response.Set("Content-Type", "application/xml");
  return response;
}

Result<uint32_t> ParseMaxKeys(const Query& query, const char* name, uint32_t default_value) {
  auto value = query.Get(name);
  if (!value) return default_value;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc() || p != value->data() + value->size() || n < 0) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string("Provided ") + name + " not an integer or within integer range");
  }
  return static_cast<uint32_t>(n > 1000 ? 1000 : n);
}

std::string EncodeKey(std::string_view key, bool url) {
  return url ? UriEncode(key, true) : std::string(key);
}

}  // namespace tessera::s3
