#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/accounts.h"
#include "backend/api/status.h"
#include "http/request.h"

namespace tessera::auth {

// AWS Signature Version 4 for S3: the Authorization header form, the presigned query form,
// and what the streaming (aws-chunked) body decoder needs to check chunk signatures.
// Everything here is a pure function of its arguments; thread-safe.

// How the request body is protected, from x-amz-content-sha256 (or X-Amz-Content-Sha256 in
// a presigned query).
enum class PayloadMode {
  kUnsigned,                  // x-amz-content-sha256: UNSIGNED-PAYLOAD, or presigned URL
  kSha256,                    // x-amz-content-sha256: <64 hex> (verify body against it)
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// True for the three aws-chunked modes (the body must go through AwsChunkedSource).
bool IsStreaming(PayloadMode mode);

// What a verified request established.
struct SigV4Context {
  Principal principal;  // account that signed (anonymous=true if request unsigned)
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::string payload_sha256_hex;  // for kSha256, lowercase
  // For streaming modes: what chunk-signature verification needs. Empty when anonymous.
  std::string signing_key;     // raw 32-byte derived key
  std::string amz_date;        // "20130524T000000Z"
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;  // hex signature of the request itself
  std::string region;          // region from the credential scope
  bool presigned = false;      // authenticated by query parameters rather than a header
};

// Largest X-Amz-Expires a presigned URL may carry (seven days).
inline constexpr int64_t kMaxPresignExpirySeconds = 604800;
// Largest difference between the request time and now for header authentication.
inline constexpr int64_t kMaxClockSkewMicros = 15LL * 60 * 1000 * 1000;

// True when the request carries SigV4 in the Authorization header or a presigned query.
bool HasSigV4(const HttpRequest& request);

// Verifies a request signed with SigV4, in the header form
//   Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/s3/aws4_request,
//                  SignedHeaders=<a;b;c>, Signature=<64 hex>
// or the presigned query form (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature; the payload is UNSIGNED-PAYLOAD unless an
// X-Amz-Content-Sha256 parameter or header says otherwise). Any region is accepted; the
// service must be "s3". A header-signed request without x-amz-content-sha256 is taken to have
// an empty body (payload mode kSha256 with the hash of ""), so a body still gets checked.
// Unsigned requests (neither form, no other Authorization scheme) return a context with
// principal.anonymous = true and the payload mode their x-amz-content-sha256 header asks for.
// Errors:
//   kAuthorizationHeaderMalformed  bad header/credential/query syntax, bad or mismatched date,
//                                  service other than s3, X-Amz-Expires not in 0..604800,
//                                  another Authorization scheme (SigV2, SharedKey ...)
//   kUnknownAccessKey              no account with that access key id
//   kSignatureMismatch             the signature does not match (constant-time comparison)
//   kRequestExpired                presigned URL past X-Amz-Expires or not yet valid, or a
//                                  header-signed request more than 15 minutes from now
//   kInvalidArgument               unknown x-amz-content-sha256 value, both auth forms at once,
//                                  a bad percent-escape in the path or query
Result<SigV4Context> VerifySigV4(const HttpRequest& request, const AccountDirectory& accounts,
                                 int64_t now_micros);

// SigV4 canonical request (steps 1-6), exposed for known-answer tests.
//   `signed_headers`  the SignedHeaders value as the client sent it ("host;x-amz-date");
//                     canonical headers are emitted in that order, each the comma-joined,
//                     trimmed, space-collapsed values of every header with that name.
//   `hashed_payload`  the last line: hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value.
//   `presigned`       drop X-Amz-Signature from the canonical query.
// The canonical URI is UriEncode(decoded path, keep '/'), so a path is encoded exactly once
// however the client escaped it; the canonical query UriEncodes every decoded name and value
// ('+' decodes to a space), gives bare names an empty value and sorts by name, then value.
// Errors: kInvalidArgument for a bad percent-escape.
Result<std::string> CanonicalRequest(const HttpRequest& request, std::string_view signed_headers,
                                     std::string_view hashed_payload, bool presigned);

// "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + hex(sha256(canonical_request)).
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request");
// raw 32 bytes.
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign);

// Streaming chunk string-to-sign: "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope +
// "\n" + previous_signature + "\n" + hex(sha256("")) + "\n" + chunk_sha256_hex.
std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex);

// Trailer string-to-sign: "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" +
// previous_signature + "\n" + trailer_sha256_hex, where the hash covers "name:value\n" for
// every trailer but x-amz-trailer-signature.
std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailer_sha256_hex);

}  // namespace tessera::auth
