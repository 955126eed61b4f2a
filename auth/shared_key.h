#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/accounts.h"
#include "backend/api/status.h"
#include "http/request.h"

namespace tessera::auth {

// Azure Blob "Authorize with Shared Key": the SharedKey and SharedKeyLite schemes of the
// Authorization header,
//   Authorization: SharedKey <account>:<base64 HMAC-SHA256>
//   Authorization: SharedKeyLite <account>:<base64 HMAC-SHA256>
// keyed with the base64-decoded account key. Pure functions of their arguments; thread-safe.
//
// SharedKey string-to-sign (x-ms-version 2009-09-19 and later):
//   VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n
//   Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n
//   If-Unmodified-Since \n Range \n CanonicalizedHeaders CanonicalizedResource
// Content-Length is empty when it is "0" (x-ms-version 2015-02-21 and later, or no
// x-ms-version). Date is the Date header as sent.
// CanonicalizedHeaders: every x-ms-* header, name lowercased, sorted the way the service
// sorts them ('-' before every other character, then the order of the Azure SDKs' weight
// table), repeated names comma-joined, each "name:value\n".
// CanonicalizedResource: "/" + account + the path exactly as sent (still percent-encoded),
// then for each query parameter, names lowercased and URL-decoded and sorted, values
// URL-decoded, sorted and comma-joined: "\nname:v1,v2".
// SharedKeyLite: VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedHeaders
// "/" + account + path [+ "?comp=" + comp]. A SharedKey request whose x-ms-version is older
// than 2009-09-19 is signed the Lite way too.
//
// Path-style requests (http://127.0.0.1:10000/devstoreaccount1/container/blob): the SDKs
// prefix the account to the URL path, so they sign "/devstoreaccount1/devstoreaccount1/
// container/blob"; Azurite accepts only that. This gateway accepts that form and also the
// single "/devstoreaccount1/container/blob" some hand-written clients produce. A request is
// host-style when its Host header starts with "<account>." and path-style otherwise (only a
// path-style path whose first segment is the account gets the second form). Also accepted,
// since each names the same request: the path URL-decoded instead of as sent, the Date line
// empty when x-ms-date is present (what the REST docs prescribe; the SDKs sign the Date header
// when one is set), and header values with runs of whitespace collapsed to one space (the
// docs' rule; the SDKs sign values as sent). BlobStringToSign() returns the SDK form.

// Largest difference between x-ms-date (or Date) and now.
inline constexpr int64_t kSharedKeyMaxSkewMicros = 15LL * 60 * 1000 * 1000;

struct SharedKeyResult {
  Principal principal;
  std::string string_to_sign;  // the form that matched
};

// True when the Authorization header uses the SharedKey or SharedKeyLite scheme.
bool HasSharedKey(const HttpRequest& request);

// Verifies a SharedKey/SharedKeyLite request. `path_account` is the account the request
// addresses (first path segment for path-style, first host label for host-style), decided by
// the caller.
// Errors:
//   kAuthorizationHeaderMalformed  not "SharedKey[Lite] <account>:<signature>", a signature
//                                  that is not base64 of 32 bytes, no x-ms-date/Date header
//                                  or one that does not parse as an HTTP date
//   kUnknownAccessKey              no account named `path_account`, or its key is not base64
//   kSignatureMismatch             the header names another account than `path_account`, or
//                                  no accepted string-to-sign gives the signature (constant-
//                                  time comparison). The message is Azure's
//                                  AuthenticationErrorDetail, quoting BlobStringToSign().
//   kRequestExpired                the request time is more than 15 minutes from now
Result<SharedKeyResult> VerifySharedKey(const HttpRequest& request, std::string_view path_account,
                                        const AccountDirectory& accounts, int64_t now_micros);

// The SharedKey string-to-sign as the Azure SDKs build it (see above).
std::string BlobStringToSign(const HttpRequest& request, std::string_view path_account);
// The SharedKeyLite string-to-sign as the Azure SDKs build it.
std::string BlobLiteStringToSign(const HttpRequest& request, std::string_view path_account);

// Base64 HMAC-SHA256 of `string_to_sign` keyed with the base64-decoded `base64_key`; "" when
// the key is not valid base64.
std::string SignSharedKey(std::string_view base64_key, std::string_view string_to_sign);

}  // namespace tessera::auth
