#include "auth/sigv4.h"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "http/query.h"

namespace tessera::auth {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr int64_t kMicrosPerSecond = 1000 * 1000;

Status Malformed(std::string message) {
  return Status(ErrorCode::kAuthorizationHeaderMalformed, std::move(message));
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// SigV4 canonical request, step 2: the path as S3 sees it, encoded exactly once.
Result<std::string> CanonicalUri(std::string_view raw_path) {
  std::optional<std::string> decoded = UriDecode(raw_path, /*plus_is_space=*/false);
  if (!decoded) return Status(ErrorCode::kInvalidArgument, "bad percent-escape in the path");
  if (decoded->empty()) return std::string("/");
  return UriEncode(*decoded, /*keep_slash=*/true);
}

// SigV4 canonical request, step 3.
std::string CanonicalQuery(const Query& params, bool presigned) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.params().size());
  for (const QueryParam& p : params.params()) {
    if (presigned && p.name == "X-Amz-Signature") continue;
    encoded.emplace_back(UriEncode(p.name, false), UriEncode(p.value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// Trims and collapses runs of spaces/tabs into one space (SigV4 canonical headers, step 4).
void AppendCanonicalValue(std::string_view value, std::string& out) {
  value = Trim(value);
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
}

std::vector<std::string_view> SplitSignedHeaders(std::string_view signed_headers) {
  std::vector<std::string_view> names;
  while (!signed_headers.empty()) {
    size_t semi = signed_headers.find(';');
    names.push_back(signed_headers.substr(0, semi));
    if (semi == std::string_view::npos) break;
    signed_headers = signed_headers.substr(semi + 1);
  }
  return names;
}

// Parsed "<key>/<yyyymmdd>/<region>/s3/aws4_request".
struct Credential {
  std::string access_key;
  std::string date;
  std::string region;
  std::string scope;
};

Result<Credential> ParseCredential(std::string_view text) {
  // The access key is everything before the last four components.
  std::string_view parts[4];
  std::string_view rest = text;
  for (int i = 3; i >= 0; --i) {
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return Malformed("credential must have five parts");
    parts[i] = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (rest.empty()) return Malformed("credential has an empty access key");
  if (parts[0].size() != 8 || !IsDigits(parts[0])) {
    return Malformed("credential date must be yyyyMMdd");
  }
  if (parts[1].empty()) return Malformed("credential has an empty region");
  if (parts[2] != "s3") return Malformed("credential service must be s3");
  if (parts[3] != "aws4_request") return Malformed("credential must end in aws4_request");
  Credential c;
  c.access_key = std::string(rest);
  c.date = std::string(parts[0]);
  c.region = std::string(parts[1]);
  c.scope = std::string(text.substr(rest.size() + 1));
  return c;
}

// What either form of SigV4 carries, before verification.
struct SignedParts {
  Credential credential;
  std::string signed_headers;
  std::string signature;  // lowercase hex
  std::string amz_date;   // yyyyMMddTHHmmssZ
  int64_t request_micros = 0;
  std::optional<int64_t> expires_seconds;  // presigned only
  std::string hashed_payload;
};

Status CheckSignature(std::string_view signature) {
  if (signature.size() != 64 || !IsHex(signature)) {
    return Malformed("signature must be 64 hex characters");
  }
  return Status::Ok();
}

Status CheckSignedHeaders(std::string_view signed_headers) {
  if (signed_headers.empty()) return Malformed("SignedHeaders is empty");
  bool has_host = false;
  for (std::string_view name : SplitSignedHeaders(signed_headers)) {
    if (name.empty()) return Malformed("SignedHeaders has an empty name");
    if (name == "host") has_host = true;
  }
  if (!has_host) return Malformed("SignedHeaders must include host");
  return Status::Ok();
}

// Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...
Result<SignedParts> ParseAuthorizationHeader(const HttpRequest& request) {
  std::string_view header = Trim(request.Header("authorization"));
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) {
    return Malformed("unsupported authorization scheme");
  }
  std::string_view rest = header.substr(kAlgorithm.size());
  if (rest.empty() || (rest[0] != ' ' && rest[0] != '\t')) {
    return Malformed("unsupported authorization scheme");
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Malformed("authorization component without '='");
    std::string_view key = Trim(item.substr(0, eq));
    std::string_view value = Trim(item.substr(eq + 1));
    if (key == "Credential") {
      credential = value;
    } else if (key == "SignedHeaders") {
      signed_headers = value;
    } else if (key == "Signature") {
      signature = value;
    } else {
      return Malformed("unknown authorization component");
    }
  }
  if (!credential || !signed_headers || !signature) {
    return Malformed("authorization needs Credential, SignedHeaders and Signature");
  }
  SignedParts parts;
  ASSIGN_OR_RETURN(parts.credential, ParseCredential(*credential));
  RETURN_IF_ERROR(CheckSignedHeaders(*signed_headers));
  RETURN_IF_ERROR(CheckSignature(*signature));
  parts.signed_headers = std::string(*signed_headers);
  parts.signature = ToLower(*signature);

  // The request time: x-amz-date, else Date.
  if (request.HasHeader("x-amz-date")) {
    std::optional<int64_t> t = ParseAmzDate(request.Header("x-amz-date"));
    if (!t) return Malformed("x-amz-date is not yyyyMMddTHHmmssZ");
    parts.amz_date = std::string(request.Header("x-amz-date"));
    parts.request_micros = *t;
  } else if (request.HasHeader("date")) {
    std::optional<int64_t> t = ParseHttpDate(request.Header("date"));
    if (!t) return Malformed("Date header is not an HTTP date");
    parts.request_micros = *t;
    parts.amz_date = FormatAmzDate(*t);
  } else {
    return Malformed("request has neither x-amz-date nor Date");
  }
  if (request.HasHeader("x-amz-content-sha256")) {
    parts.hashed_payload = std::string(request.Header("x-amz-content-sha256"));
  } else {
    parts.hashed_payload = std::string(kEmptySha256);
  }
  return parts;
}

// ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...
//  &X-Amz-SignedHeaders=...&X-Amz-Signature=...
Result<SignedParts> ParsePresignedQuery(const HttpRequest& request, const Query& params) {
  const std::string* algorithm = params.Find("X-Amz-Algorithm");
  const std::string* credential = params.Find("X-Amz-Credential");
  const std::string* date = params.Find("X-Amz-Date");
  const std::string* expires = params.Find("X-Amz-Expires");
  const std::string* signed_headers = params.Find("X-Amz-SignedHeaders");
  const std::string* signature = params.Find("X-Amz-Signature");
  if (!algorithm || !credential || !date || !expires || !signed_headers || !signature) {
    return Malformed("presigned URL is missing an X-Amz-* parameter");
  }
  if (*algorithm != kAlgorithm) return Malformed("unsupported X-Amz-Algorithm");
  SignedParts parts;
  ASSIGN_OR_RETURN(parts.credential, ParseCredential(*credential));
  RETURN_IF_ERROR(CheckSignedHeaders(*signed_headers));
  RETURN_IF_ERROR(CheckSignature(*signature));
  parts.signed_headers = *signed_headers;
  parts.signature = ToLower(*signature);
  std::optional<int64_t> t = ParseAmzDate(*date);
  if (!t) return Malformed("X-Amz-Date is not yyyyMMddTHHmmssZ");
  parts.amz_date = *date;
  parts.request_micros = *t;
  if (!IsDigits(*expires) || expires->size() > 7) {
    return Malformed("X-Amz-Expires must be a number of seconds");
  }
  int64_t seconds = std::stoll(*expires);
  if (seconds > kMaxPresignExpirySeconds) {
    return Malformed("X-Amz-Expires must be less than a week (604800 seconds)");
  }
  parts.expires_seconds = seconds;
  if (const std::string* sha = params.Find("X-Amz-Content-Sha256")) {
    parts.hashed_payload = *sha;
  } else if (request.HasHeader("x-amz-content-sha256")) {
    parts.hashed_payload = std::string(request.Header("x-amz-content-sha256"));
  } else {
    parts.hashed_payload = std::string(kUnsignedPayload);
  }
  return parts;
}

// Maps the x-amz-content-sha256 value onto a payload mode.
Status SetPayloadMode(std::string_view value, SigV4Context& context) {
  if (value == kUnsignedPayload) {
    context.payload_mode = PayloadMode::kUnsigned;
  } else if (value == kStreamingSigned) {
    context.payload_mode = PayloadMode::kStreamingSigned;
  } else if (value == kStreamingSignedTrailer) {
    context.payload_mode = PayloadMode::kStreamingSignedTrailer;
  } else if (value == kStreamingUnsignedTrailer) {
    context.payload_mode = PayloadMode::kStreamingUnsignedTrailer;
  } else if (value.size() == 64 && IsHex(value)) {
    context.payload_mode = PayloadMode::kSha256;
    context.payload_sha256_hex = ToLower(value);
  } else {
    return Status(ErrorCode::kInvalidArgument, "unsupported x-amz-content-sha256 value");
  }
  return Status::Ok();
}

Status CheckTime(const SignedParts& parts, int64_t now_micros) {
  if (parts.amz_date.substr(0, 8) != parts.credential.date) {
    return Malformed("credential date does not match the request date");
  }
  if (parts.expires_seconds) {
    if (parts.request_micros - now_micros > kMaxClockSkewMicros) {
      return Status(ErrorCode::kRequestExpired, "request is not valid yet");
    }
    if (now_micros > parts.request_micros + *parts.expires_seconds * kMicrosPerSecond) {
      return Status(ErrorCode::kRequestExpired, "request has expired");
    }
    return Status::Ok();
  }
  int64_t skew = now_micros - parts.request_micros;
  if (skew > kMaxClockSkewMicros || -skew > kMaxClockSkewMicros) {
    return Status(ErrorCode::kRequestTimeTooSkewed,
                  "The difference between the request time and the current time is too large.");
  }
  return Status::Ok();
}

// Every x-amz-* header a signed request carries must be signed, as AWS requires: an
// unsigned one (metadata, ACL, copy source) would change what the signed request does.
// A presigned URL's client may add x-amz-content-sha256, which only names the payload mode.
Status CheckAmzHeadersSigned(const HttpRequest& request, std::string_view signed_headers,
                             bool presigned) {
  const std::vector<std::string_view> names = SplitSignedHeaders(signed_headers);
  for (const auto& [name, value] : request.headers) {
    if (!name.starts_with("x-amz-")) continue;
    if (presigned && name == "x-amz-content-sha256") continue;
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return Status(ErrorCode::kAccessDenied,
                    "There were headers present in the request which were not signed: " + name);
    }
  }
  return Status::Ok();
}

// A derived signing key changes once a day per secret and region: the last few are kept
// (a slot per hash of the three), sparing four HMACs per request.
std::string CachedSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region) {
  struct Entry {
    std::string secret, date, region, key;
  };
  static std::mutex mu;
  static std::array<Entry, 64> entries;
  const size_t slot =
      (std::hash<std::string_view>{}(secret) ^ std::hash<std::string_view>{}(date)*31 ^
       std::hash<std::string_view>{}(region)*131) %
      entries.size();
  {
    std::lock_guard lock(mu);
    const Entry& e = entries[slot];
    if (e.secret == secret && e.date == date && e.region == region) return e.key;
  }
  std::string key = DeriveSigningKey(secret, date, region, "s3");
  std::lock_guard lock(mu);
  entries[slot] = Entry{std::string(secret), std::string(date), std::string(region), key};
  return key;
}

Result<SigV4Context> VerifyUnsigned(const HttpRequest& request) {
  SigV4Context context;
  context.principal.anonymous = true;
  if (!request.HasHeader("x-amz-content-sha256")) return context;
  RETURN_IF_ERROR(SetPayloadMode(request.Header("x-amz-content-sha256"), context));
  if (context.payload_mode == PayloadMode::kStreamingSigned ||
      context.payload_mode == PayloadMode::kStreamingSignedTrailer) {
    return Status(ErrorCode::kInvalidArgument, "a signed streaming payload needs a signature");
  }
  return context;
}

}  // namespace

bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

bool HasSigV4(const HttpRequest& request) {
  std::string_view auth = Trim(request.Header("authorization"));
  if (auth.size() > kAlgorithm.size() && auth.substr(0, kAlgorithm.size()) == kAlgorithm &&
      (auth[kAlgorithm.size()] == ' ' || auth[kAlgorithm.size()] == '\t')) {
    return true;
  }
  std::string_view query = request.RawQuery();
  return HasRawParam(query, "X-Amz-Algorithm") || HasRawParam(query, "X-Amz-Signature");
}

Result<std::string> CanonicalRequest(const HttpRequest& request, std::string_view signed_headers,
                                     std::string_view hashed_payload, bool presigned) {
  ASSIGN_OR_RETURN(std::string uri, CanonicalUri(request.RawPath()));
  ASSIGN_OR_RETURN(Query params, Query::Parse(request.RawQuery(), Plus::kSpace));
  std::string out;
  out.reserve(256);
  out += request.method;
  out += '\n';
  out += uri;
  out += '\n';
  out += CanonicalQuery(params, presigned);
  out += '\n';
  for (std::string_view name : SplitSignedHeaders(signed_headers)) {
    std::string lower = ToLower(name);
    out += lower;
    out += ':';
    bool first = true;
    for (const auto& [n, v] : request.headers) {
      if (n != lower) continue;
      if (!first) out += ',';
      first = false;
      AppendCanonicalValue(v, out);
    }
    out += '\n';
  }
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += hashed_payload;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += HexEncode(Sha256(canonical_request));
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string key = "AWS4";
  key += secret;
  std::string k_date = HmacSha256(key, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

namespace {

// The streaming string-to-sign shape: algorithm, date, scope, previous signature, then the
// algorithm-specific hash lines.
std::string ChainedStringToSign(std::string_view algorithm, std::string_view amz_date,
                                std::string_view scope, std::string_view previous_signature,
                                std::string_view hashes) {
  std::string out;
  for (std::string_view part : {algorithm, amz_date, scope, previous_signature}) {
    out += part;
    out += '\n';
  }
  out += hashes;
  return out;
}

}  // namespace

std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex) {
  return ChainedStringToSign("AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous_signature,
                             std::string(kEmptySha256) + "\n" + std::string(chunk_sha256_hex));
}

std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailer_sha256_hex) {
  return ChainedStringToSign("AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous_signature,
                             trailer_sha256_hex);
}

Result<SigV4Context> VerifySigV4(const HttpRequest& request, const AccountDirectory& accounts,
                                 int64_t now_micros) {
  ASSIGN_OR_RETURN(Query params, Query::Parse(request.RawQuery(), Plus::kSpace));
  bool has_header = request.HasHeader("authorization");
  bool has_query =
      params.Find("X-Amz-Algorithm") != nullptr || params.Find("X-Amz-Signature") != nullptr;
  if (has_header && has_query) {
    return Status(ErrorCode::kInvalidArgument, "only one auth mechanism allowed");
  }
  if (!has_header && !has_query) {
    if (params.Find("AWSAccessKeyId") != nullptr && params.Find("Signature")) {
      return Malformed("signature version 2 is not supported; use AWS4-HMAC-SHA256");
    }
    return VerifyUnsigned(request);
  }
  SignedParts parts;
  if (has_header) {
    ASSIGN_OR_RETURN(parts, ParseAuthorizationHeader(request));
  } else {
    ASSIGN_OR_RETURN(parts, ParsePresignedQuery(request, params));
  }

  SigV4Context context;
  RETURN_IF_ERROR(SetPayloadMode(parts.hashed_payload, context));
  const std::optional<Account> account = accounts.Find(parts.credential.access_key);
  if (!account) {
    return Status(ErrorCode::kUnknownAccessKey, "the access key id does not exist in our records");
  }
  RETURN_IF_ERROR(CheckTime(parts, now_micros));

  ASSIGN_OR_RETURN(std::string canonical, CanonicalRequest(request, parts.signed_headers,
                                                           parts.hashed_payload, has_query));
  const std::string string_to_sign =
      StringToSign(parts.amz_date, parts.credential.scope, canonical);
  // Either account key may have signed it (one may be being rotated).
  std::string signing_key;
  bool matched = false;
  for (std::string_view secret : account->Keys()) {
    signing_key = CachedSigningKey(secret, parts.credential.date, parts.credential.region);
    if (ConstantTimeEquals(SignatureHex(signing_key, string_to_sign), parts.signature)) {
      matched = true;
      break;
    }
  }
  if (!matched) {
    return Status(ErrorCode::kSignatureMismatch,
                  "the request signature we calculated does not match the signature you "
                  "provided");
  }
  RETURN_IF_ERROR(CheckAmzHeadersSigned(request, parts.signed_headers, has_query));
  if (account->disabled) {
    return Status(ErrorCode::kAccountDisabled, "All access to this account has been disabled.");
  }
  context.principal.account = account->name;
  context.principal.anonymous = false;
  context.signing_key = std::move(signing_key);
  context.amz_date = std::move(parts.amz_date);
  context.scope = std::move(parts.credential.scope);
  context.seed_signature = std::move(parts.signature);
  context.region = std::move(parts.credential.region);
  context.presigned = has_query;
  return context;
}

}  // namespace tessera::auth
