#pragma once

// AWS Signature Version 2 for S3 (the legacy HMAC-SHA1 scheme that older SDKs still use to
// presign URLs): the header form `Authorization: AWS <key>:<signature>` and the query form
// `?AWSAccessKeyId=<key>&Expires=<unix seconds>&Signature=<signature>`.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/accounts.h"
#include "auth/sigv4.h"
#include "backend/api/status.h"
#include "http/request.h"

namespace tessera::auth {

// True when the request carries a SigV2 Authorization header or presigned query.
bool HasSigV2(const HttpRequest& request);

// The string SigV2 signs:
//   Method \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//   CanonicalizedAmzHeaders CanonicalizedResource
// CanonicalizedAmzHeaders: every x-amz-* header, lowercased and sorted, "name:value\n" with
// the values of repeated headers comma-joined. CanonicalizedResource: "/" + the bucket when
// it came from the Host (`virtual_bucket`), then the path as sent ("/bucket/" for a bucket
// however it was written), then the sub-resources
// and response overrides among the query parameters, sorted, decoded, "?a&b=c".
// `date` is the Date header (empty when x-amz-date is sent) or the query's Expires.
Result<std::string> SigV2StringToSign(const HttpRequest& request, std::string_view date,
                                      std::string_view virtual_bucket);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign);

// Verifies a SigV2 request. The payload is not signed (kUnsigned; Content-MD5, when sent,
// is signed and checked by the operation). Errors as VerifySigV4: kAuthorizationHeaderMalformed,
// kUnknownAccessKey, kSignatureMismatch, kRequestExpired (a presigned URL past Expires),
// kRequestTimeTooSkewed (a header-signed request more than 15 minutes from now),
// kAccessDenied for a missing Date.
Result<SigV4Context> VerifySigV2(const HttpRequest& request, const AccountDirectory& accounts,
                                 int64_t now_micros, std::string_view virtual_bucket);

}  // namespace tessera::auth
