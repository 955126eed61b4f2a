#include "auth/sigv2.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "http/query.h"

namespace tessera::auth {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;

// The query parameters SigV2 signs (its "sub-resources" and response overrides), as S3 and
// botocore's HmacV1 list them.
constexpr std::string_view kSignedParams[] = {"accelerate",
                                              "acl",
                                              "analytics",
                                              "cors",
                                              "defaultObjectAcl",
                                              "delete",
                                              "inventory",
                                              "lifecycle",
                                              "location",
                                              "logging",
                                              "metrics",
                                              "notification",
                                              "object-lock",
                                              "partNumber",
                                              "policy",
                                              "replication",
                                              "requestPayment",
                                              "restore",
                                              "select",
                                              "select-type",
                                              "storageClass",
                                              "tagging",
                                              "torrent",
                                              "uploadId",
                                              "uploads",
                                              "versionId",
                                              "versioning",
                                              "versions",
                                              "website",
                                              "response-cache-control",
                                              "response-content-disposition",
                                              "response-content-encoding",
                                              "response-content-language",
                                              "response-content-type",
                                              "response-expires"};

// The static queries of botocore's operation URIs that it joins to a path-style resource.
constexpr std::string_view kBotocoreStaticQueries[] = {
    "list-type=2",    "uploads",    "versioning",  "versions",     "delete",
    "tagging",        "acl",        "cors",        "lifecycle",    "location",
    "policy",         "website",    "logging",     "notification", "replication",
    "requestPayment", "accelerate", "object-lock", "restore",      "attributes"};

bool IsSigned(std::string_view name) {
  return std::find(std::begin(kSignedParams), std::end(kSignedParams), name) !=
         std::end(kSignedParams);
}

Status Malformed(std::string message) {
  return Status(ErrorCode::kAuthorizationHeaderMalformed, std::move(message));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool HasSigV2(const HttpRequest& request) {
  if (request.Header("authorization").starts_with("AWS ")) return true;
  std::string_view q = request.RawQuery();
  return HasRawParam(q, "AWSAccessKeyId") && HasRawParam(q, "Signature");
}

namespace {

// SigV2StringToSign, also telling where the resource starts and where its sub-resources do
// (npos when there are none).
Result<std::string> BuildStringToSign(const HttpRequest& request, std::string_view date,
                                      std::string_view virtual_bucket, size_t* resource_at,
                                      size_t* subresources_at) {
  std::string out;
  out.append(request.method).push_back('\n');
  out.append(Trim(request.Header("content-md5"))).push_back('\n');
  out.append(Trim(request.Header("content-type"))).push_back('\n');
  out.append(date).push_back('\n');
  std::map<std::string, std::string> amz;  // lowercased name -> comma-joined values
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (!lower.starts_with("x-amz-")) continue;
    std::string& joined = amz[lower];
    if (!joined.empty()) joined.push_back(',');
    joined.append(Trim(value));
  }
  for (const auto& [name, value] : amz) out.append(name).append(":").append(value).push_back('\n');
  *resource_at = out.size();
  std::string resource;
  if (!virtual_bucket.empty()) resource.append("/").append(virtual_bucket);
  resource.append(request.RawPath());
  // A bucket's own resource is "/bucket/", however the path was written.
  if (resource.size() > 1 && resource.find('/', 1) == std::string::npos) resource.push_back('/');
  out.append(resource);
  ASSIGN_OR_RETURN(Query query, Query::Parse(request.RawQuery(), Plus::kSpace));
  std::vector<std::string> names, signed_params;
  for (const QueryParam& p : query.params()) {
    if (!IsSigned(p.name)) continue;
    // One value per signed parameter: the operation reads the first, the signature would
    // cover them all, sorted.
    if (std::find(names.begin(), names.end(), p.name) != names.end()) {
      return Status(ErrorCode::kInvalidArgument, "a signed query parameter is repeated");
    }
    names.push_back(p.name);
    signed_params.push_back(p.has_value ? p.name + "=" + p.value : p.name);
  }
  std::sort(signed_params.begin(), signed_params.end());
  *subresources_at = signed_params.empty() ? std::string::npos : out.size();
  for (size_t i = 0; i < signed_params.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out.append(signed_params[i]);
  }
  return out;
}

}  // namespace

Result<std::string> SigV2StringToSign(const HttpRequest& request, std::string_view date,
                                      std::string_view virtual_bucket) {
  size_t resource_at = 0, subresources_at = 0;
  return BuildStringToSign(request, date, virtual_bucket, &resource_at, &subresources_at);
}

std::string SigV2Signature(std::string_view secret, std::string_view string_to_sign) {
  return Base64Encode(HmacSha1(secret, string_to_sign));
}

Result<SigV4Context> VerifySigV2(const HttpRequest& request, const AccountDirectory& accounts,
                                 int64_t now_micros, std::string_view virtual_bucket) {
  std::string access_key, signature, date;
  const std::string_view header = request.Header("authorization");
  if (!header.empty()) {
    if (!header.starts_with("AWS ")) return Malformed("unsupported Authorization scheme");
    std::string_view credential = Trim(header.substr(4));
    const size_t colon = credential.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == credential.size()) {
      return Malformed("Authorization must be AWS AccessKeyId:Signature");
    }
    access_key = std::string(credential.substr(0, colon));
    signature = std::string(credential.substr(colon + 1));
    // With x-amz-date, the Date line is empty and x-amz-date is signed among the headers.
    const std::string_view amz_date = request.Header("x-amz-date");
    const std::string_view when = amz_date.empty() ? request.Header("date") : amz_date;
    std::optional<int64_t> at = ParseHttpDate(when);
    if (!at && when.ends_with(" +0000")) {  // RFC 2822's zone, as the S3 guide writes it
      at = ParseHttpDate(std::string(when.substr(0, when.size() - 6)) + " GMT");
    }
    if (!at) at = ParseAmzDate(when);
    if (!at) {
      return Status(ErrorCode::kAccessDenied,
                    "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (amz_date.empty()) date = std::string(when);
    const int64_t skew = now_micros - *at;
    if (skew > kMaxClockSkewMicros || -skew > kMaxClockSkewMicros) {
      return Status(ErrorCode::kRequestTimeTooSkewed,
                    "The difference between the request time and the current time is too large.");
    }
  } else {
    ASSIGN_OR_RETURN(Query query, Query::Parse(request.RawQuery(), Plus::kSpace));
    access_key = query.Value("AWSAccessKeyId");
    signature = query.Value("Signature");
    date = query.Value("Expires");
    int64_t expires = 0;
    auto [end, ec] = std::from_chars(date.data(), date.data() + date.size(), expires);
    if (access_key.empty() || signature.empty() || ec != std::errc() ||
        end != date.data() + date.size()) {
      return Malformed("a presigned URL needs AWSAccessKeyId, Signature and Expires");
    }
    if (now_micros / kMicrosPerSecond > expires) {
      return Status(ErrorCode::kRequestExpired, "Request has expired");
    }
  }
  const std::optional<Account> account = accounts.Find(access_key);
  if (!account) {
    return Status(ErrorCode::kUnknownAccessKey, "the access key id does not exist in our records");
  }
  size_t resource_at = 0, subresources_at = 0;
  ASSIGN_OR_RETURN(std::string string_to_sign, BuildStringToSign(request, date, virtual_bucket,
                                                                 &resource_at, &subresources_at));
  std::vector<std::string> candidates = {string_to_sign};
  // botocore signs path-style requests whose operation URI has a static query with that
  // query joined to the path as sent, before the sub-resources: "/bucket?list-type=2",
  // "/bucket?versioning?versioning", "/bucket/key?uploads?uploads". Only those queries.
  const std::string_view query = request.RawQuery();
  const std::string_view first = query.substr(0, query.find('&'));
  if (virtual_bucket.empty() &&
      std::find(std::begin(kBotocoreStaticQueries), std::end(kBotocoreStaticQueries), first) !=
          std::end(kBotocoreStaticQueries)) {
    std::string quirk = string_to_sign.substr(0, resource_at);
    quirk.append(request.RawPath()).append("?").append(first);
    if (subresources_at != std::string::npos) quirk.append(string_to_sign.substr(subresources_at));
    candidates.push_back(std::move(quirk));
  }
  bool matched = false;
  for (std::string_view secret : account->Keys()) {
    for (const std::string& candidate : candidates) {
      if (ConstantTimeEquals(SigV2Signature(secret, candidate), signature)) matched = true;
    }
  }
  if (!matched) {
    return Status(ErrorCode::kSignatureMismatch,
                  "the request signature we calculated does not match the signature you "
                  "provided");
  }
  if (account->disabled) {
    return Status(ErrorCode::kAccountDisabled, "All access to this account has been disabled.");
  }
  SigV4Context context;
  context.principal.account = account->name;
  context.principal.anonymous = false;
  context.payload_mode = PayloadMode::kUnsigned;
  context.presigned = header.empty();
  return context;
}

}  // namespace tessera::auth
