#include "auth/sas.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "http/query.h"

namespace tessera::auth {
namespace {

constexpr size_t kSignatureBytes = 32;

Status Malformed(std::string message) {
  return Status(ErrorCode::kAuthorizationHeaderMalformed, std::move(message));
}

// Query parameters that carry SAS fields; each may appear at most once.
constexpr std::string_view kSasParams[] = {"sv",  "ss",   "srt",  "sr",   "sp",   "st",
                                           "se",  "sip",  "spr",  "sig",  "si",   "ses",
                                           "sdd", "rscc", "rscd", "rsce", "rscl", "rsct"};
// Parameters only a user delegation SAS carries.
constexpr std::string_view kDelegationParams[] = {
    "skoid", "sktid", "skt", "ske", "sks", "skv", "saoid", "suoid", "scid", "skdutid", "sduoid"};

bool OnlyLetters(std::string_view s, std::string_view allowed) {
  if (s.empty()) return false;
  for (char c : s) {
    if (allowed.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Dotted IPv4 to a 32-bit number; accepts "::ffff:a.b.c.d".
std::optional<uint32_t> ParseIpv4(std::string_view s) {
  constexpr std::string_view kMapped = "::ffff:";
  if (s.size() > kMapped.size() && ToLower(s.substr(0, kMapped.size())) == kMapped) {
    s = s.substr(kMapped.size());
  }
  uint32_t out = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != '.') return std::nullopt;
      s = s.substr(1);
    }
    size_t digits = 0;
    uint32_t octet = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9' && digits < 3) {
      octet = octet * 10 + (s[digits] - '0');
      ++digits;
    }
    if (digits == 0 || octet > 255) return std::nullopt;
    s = s.substr(digits);
    out = (out << 8) | octet;
  }
  if (!s.empty()) return std::nullopt;
  return out;
}

// Checks sip ("a.b.c.d" or "a.b.c.d-e.f.g.h") against the client address.
Status CheckIp(std::string_view sip, std::string_view client_ip) {
  size_t dash = sip.find('-');
  std::optional<uint32_t> low = ParseIpv4(sip.substr(0, dash));
  std::optional<uint32_t> high =
      dash == std::string_view::npos ? low : ParseIpv4(sip.substr(dash + 1));
  if (!low || !high || *low > *high) return Malformed("sip is not an IPv4 address or range");
  std::optional<uint32_t> client = ParseIpv4(client_ip);
  if (!client || *client < *low || *client > *high) {
    return Status(ErrorCode::kAccessDenied,
                  "AuthorizationSourceIPMismatch: This request is not authorized to perform "
                  "this operation using this source IP " +
                      std::string(client_ip) + ".");
  }
  return Status::Ok();
}

std::string Sign(const std::string& key, std::string_view string_to_sign) {
  return Base64Encode(HmacSha256(key, string_to_sign));
}

// Appends "&name=value" (value percent-encoded, '/' kept) when the value is not empty.
void AddParam(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (!out.empty()) out += '&';
  out += name;
  out += '=';
  out += UriEncode(value, /*keep_slash=*/true);
}

void AddBase(std::string& out, const SasFields& f) {
  AddParam(out, "st", f.start);
  AddParam(out, "se", f.expiry);
  AddParam(out, "sp", f.permissions);
  AddParam(out, "sip", f.ip);
  AddParam(out, "spr", f.protocol);
  AddParam(out, "sv", f.version);
}

// Fills st/se/sp from the stored policy; a field in both places is an error.
Status ApplyPolicy(const AccessPolicy& policy, ServiceSasSpec& spec) {
  SasFields& f = spec.fields;
  if ((policy.start && !f.start.empty()) || (policy.expiry && !f.expiry.empty()) ||
      (!policy.permissions.empty() && !f.permissions.empty())) {
    return Status(ErrorCode::kInvalidRequest,
                  "a SAS field is specified both in the URL and in stored access policy '" +
                      spec.policy_id + "'");
  }
  if (policy.start) f.start = FormatIso8601Millis(*policy.start);
  if (policy.expiry) f.expiry = FormatIso8601Millis(*policy.expiry);
  if (!policy.permissions.empty()) f.permissions = policy.permissions;
  return Status::Ok();
}

// Checks the validity window, protocol and IP shared by both kinds.
Status CheckConditions(const SasFields& f, const SasContext& context, int64_t now_micros) {
  if (f.permissions.empty()) return Malformed("Signed permissions (sp) are missing");
  if (f.expiry.empty()) return Malformed("Signed expiry (se) is missing");
  std::optional<int64_t> expiry = ParseIso8601(f.expiry);
  if (!expiry) return Malformed("Signed expiry (se) is not an ISO 8601 time: " + f.expiry);
  std::optional<int64_t> start;
  if (!f.start.empty()) {
    start = ParseIso8601(f.start);
    if (!start) return Malformed("Signed start (st) is not an ISO 8601 time: " + f.start);
  }
  if (start && now_micros < *start) {
    return Status(ErrorCode::kRequestExpired,
                  "Signed start time " + f.start + " is after the current time.");
  }
  if (now_micros > *expiry) {
    return Status(ErrorCode::kRequestExpired,
                  "Signed expiry time " + f.expiry + " is before the current time.");
  }
  if (f.protocol == "https" && !context.https) {
    return Status(ErrorCode::kAccessDenied,
                  "AuthorizationProtocolMismatch: This request is not authorized to perform "
                  "this operation using this protocol.");
  }
  if (!f.ip.empty()) RETURN_IF_ERROR(CheckIp(f.ip, context.client_ip));
  return Status::Ok();
}

// The signature check common to both kinds.
Status CheckSignature(const std::string& key, const std::string& string_to_sign,
                      const std::string& signature) {
  if (!ConstantTimeEquals(HmacSha256(key, string_to_sign), signature)) {
    return Status(ErrorCode::kSignatureMismatch,
                  "Signature did not match. String to sign used was " + string_to_sign);
  }
  return Status::Ok();
}

// The fields account and service SAS share.
SasFields ReadFields(const Query& params) {
  SasFields f;
  f.version = params.Value("sv");
  f.permissions = params.Value("sp");
  f.start = params.Value("st");
  f.expiry = params.Value("se");
  f.ip = params.Value("sip");
  f.protocol = params.Value("spr");
  f.encryption_scope = params.Value("ses");
  return f;
}

Result<SasGrant> VerifyAccountSas(const Query& params, const SasContext& context,
                                  const std::string& key, const std::string& signature,
                                  int64_t now_micros) {
  AccountSasSpec spec;
  spec.account = context.account;
  SasFields& f = spec.fields;
  f = ReadFields(params);
  spec.services = params.Value("ss");
  spec.resource_types = params.Value("srt");
  if (f.version < "2015-04-05") return Malformed("account SAS needs sv 2015-04-05 or later");
  if (!OnlyLetters(spec.services, "bfqt")) return Malformed("ss must be letters of 'bfqt'");
  if (!OnlyLetters(spec.resource_types, "sco")) return Malformed("srt must be letters of 'sco'");
  if (params.Find("sr") || params.Find("si")) {
    return Malformed("an account SAS cannot carry sr or si");
  }
  RETURN_IF_ERROR(CheckSignature(key, AccountSasStringToSign(spec), signature));
  RETURN_IF_ERROR(CheckConditions(f, context, now_micros));
  if (spec.services.find('b') == std::string::npos) {
    return Status(ErrorCode::kAccessDenied,
                  "AuthorizationServiceMismatch: This request is not authorized to perform "
                  "this operation using this service.");
  }
  SasGrant grant;
  grant.principal.account = context.account;
  grant.kind = SasKind::kAccount;
  grant.permissions = f.permissions;
  grant.resource = spec.resource_types;
  grant.services = spec.services;
  grant.encryption_scope = f.encryption_scope;
  return grant;
}

Result<SasGrant> VerifyServiceSas(const Query& params, const SasContext& context,
                                  const std::string& key, const std::string& signature,
                                  int64_t now_micros) {
  ServiceSasSpec spec;
  spec.account = context.account;
  spec.container = context.container;
  spec.blob = context.blob;
  SasFields& f = spec.fields;
  f = ReadFields(params);
  spec.resource = params.Value("sr");
  spec.policy_id = params.Value("si");
  spec.cache_control = params.Value("rscc");
  spec.content_disposition = params.Value("rscd");
  spec.content_encoding = params.Value("rsce");
  spec.content_language = params.Value("rscl");
  spec.content_type = params.Value("rsct");
  const std::string& sr = spec.resource;
  if (sr != "b" && sr != "c" && sr != "bs" && sr != "bv") {
    return Malformed("sr must be b, c, bs or bv");
  }
  if (f.version < "2012-02-12") return Malformed("service SAS needs sv 2012-02-12 or later");
  if (sr == "bs" || sr == "bv") {
    if (f.version < "2018-11-09") return Malformed("sr=" + sr + " needs sv 2018-11-09 or later");
    const std::string* snapshot = params.Find(sr == "bs" ? "snapshot" : "versionid");
    if (snapshot == nullptr || snapshot->empty()) {
      return Malformed(sr == "bs" ? "sr=bs needs a snapshot parameter"
                                  : "sr=bv needs a versionid parameter");
    }
    spec.snapshot = *snapshot;
  }
  RETURN_IF_ERROR(CheckSignature(key, ServiceSasStringToSign(spec), signature));
  if (!spec.policy_id.empty()) {
    if (!context.policy) {
      return Status(ErrorCode::kAccessDenied,
                    "stored access policy '" + spec.policy_id + "' does not exist");
    }
    RETURN_IF_ERROR(ApplyPolicy(*context.policy, spec));
  }
  RETURN_IF_ERROR(CheckConditions(f, context, now_micros));
  SasGrant grant;
  grant.principal.account = context.account;
  grant.kind = SasKind::kService;
  grant.permissions = f.permissions;
  grant.resource = sr;
  grant.policy_id = spec.policy_id;
  grant.cache_control = spec.cache_control;
  grant.content_disposition = spec.content_disposition;
  grant.content_encoding = spec.content_encoding;
  grant.content_language = spec.content_language;
  grant.content_type = spec.content_type;
  grant.encryption_scope = f.encryption_scope;
  return grant;
}

}  // namespace

bool HasSas(const HttpRequest& request) {
  // Still a SAS request when a value has a bad escape; VerifySas reports that.
  Result<Query> params = Query::Parse(request.RawQuery(), Plus::kLiteral, /*lenient=*/true);
  return params.ok() && params->Has("sig") && params->Has("sv");
}

std::string ServiceSasStringToSign(const ServiceSasSpec& spec) {
  const SasFields& f = spec.fields;
  const std::string& v = f.version;
  std::string resource = v >= "2015-02-21" ? "/blob/" : "/";
  resource += spec.account;
  resource += '/';
  resource += spec.container;
  if (spec.resource != "c" && !spec.blob.empty()) {
    resource += '/';
    resource += spec.blob;
  }
  std::vector<std::string_view> lines = {f.permissions, f.start, f.expiry, resource,
                                         spec.policy_id};
  if (v >= "2015-04-05") {
    lines.push_back(f.ip);
    lines.push_back(f.protocol);
  }
  lines.push_back(v);
  if (v >= "2018-11-09") {
    lines.push_back(spec.resource);
    lines.push_back(spec.snapshot);
  }
  if (v >= "2020-12-06") lines.push_back(f.encryption_scope);
  if (v >= "2013-08-15") {
    for (const std::string* s :
         {&spec.cache_control, &spec.content_disposition, &spec.content_encoding,
          &spec.content_language, &spec.content_type}) {
      lines.push_back(*s);
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string AccountSasStringToSign(const AccountSasSpec& spec) {
  const SasFields& f = spec.fields;
  std::string out;
  for (std::string_view line :
       {std::string_view(spec.account), std::string_view(f.permissions),
        std::string_view(spec.services), std::string_view(spec.resource_types),
        std::string_view(f.start), std::string_view(f.expiry), std::string_view(f.ip),
        std::string_view(f.protocol), std::string_view(f.version)}) {
    out += line;
    out += '\n';
  }
  if (f.version >= "2020-12-06") {
    out += f.encryption_scope;
    out += '\n';
  }
  return out;
}

std::string MakeServiceSas(const ServiceSasSpec& spec, std::string_view base64_key) {
  std::optional<std::string> key = Base64Decode(base64_key);
  if (!key) return {};
  std::string out;
  AddBase(out, spec.fields);
  AddParam(out, "si", spec.policy_id);
  AddParam(out, "sr", spec.resource);
  AddParam(out, "ses", spec.fields.encryption_scope);
  AddParam(out, "rscc", spec.cache_control);
  AddParam(out, "rscd", spec.content_disposition);
  AddParam(out, "rsce", spec.content_encoding);
  AddParam(out, "rscl", spec.content_language);
  AddParam(out, "rsct", spec.content_type);
  AddParam(out, "sig", Sign(*key, ServiceSasStringToSign(spec)));
  return out;
}

std::string MakeAccountSas(const AccountSasSpec& spec, std::string_view base64_key) {
  std::optional<std::string> key = Base64Decode(base64_key);
  if (!key) return {};
  std::string out;
  AddBase(out, spec.fields);
  AddParam(out, "ss", spec.services);
  AddParam(out, "srt", spec.resource_types);
  AddParam(out, "ses", spec.fields.encryption_scope);
  AddParam(out, "sig", Sign(*key, AccountSasStringToSign(spec)));
  return out;
}

Result<SasGrant> VerifySas(const HttpRequest& request, const SasContext& context,
                           const AccountDirectory& accounts, int64_t now_micros) {
  Result<Query> parsed = Query::Parse(request.RawQuery(), Plus::kLiteral);
  if (!parsed.ok()) return Malformed("bad percent-escape in the query string");
  const Query& params = *parsed;
  for (std::string_view name : kSasParams) {
    int count = 0;
    for (const auto& p : params.params()) count += p.name == name ? 1 : 0;
    if (count > 1) return Malformed("SAS parameter '" + std::string(name) + "' is repeated");
  }
  for (std::string_view name : kDelegationParams) {
    if (params.Find(name)) {
      return Status(ErrorCode::kAccessDenied,
                    "a user delegation SAS needs Microsoft Entra ID, which this service does "
                    "not support");
    }
  }
  if (!params.Find("sv")) return Malformed("SAS without sv");
  // A base64 signature never holds a space; one here is a '+' the client did not escape.
  std::string sig = params.Value("sig");
  std::replace(sig.begin(), sig.end(), ' ', '+');
  std::optional<std::string> signature = Base64Decode(sig);
  if (!signature || signature->size() != kSignatureBytes) {
    return Malformed("sig is not base64 of 32 bytes");
  }
  std::string spr = params.Value("spr");
  if (!spr.empty() && spr != "https" && spr != "https,http") {
    return Malformed("spr must be 'https' or 'https,http'");
  }
  bool account_sas = params.Find("ss") || params.Find("srt");
  if (!account_sas && !params.Find("sr")) return Malformed("SAS needs ss and srt, or sr");

  const std::optional<Account> account = accounts.Find(context.account);
  if (!account) {
    return Status(ErrorCode::kUnknownAccessKey,
                  "The account '" + context.account + "' does not exist.");
  }
  // Either account key may have signed it: the first that verifies, else key1's verdict.
  std::optional<Result<SasGrant>> first;
  for (std::string_view text : account->Keys()) {
    std::optional<std::string> key = Base64Decode(text);
    if (!key) continue;
    Result<SasGrant> grant = account_sas
                                 ? VerifyAccountSas(params, context, *key, *signature, now_micros)
                                 : VerifyServiceSas(params, context, *key, *signature, now_micros);
    if (grant.ok()) {
      if (account->disabled) {
        return Status(ErrorCode::kAccountDisabled, "The specified account is disabled.");
      }
      return grant;
    }
    if (!first) first = std::move(grant);
    if (first->status().code() != ErrorCode::kSignatureMismatch) break;
  }
  if (!first) {
    return Status(ErrorCode::kUnknownAccessKey,
                  "The account '" + account->name + "' has no Shared Key credential.");
  }
  return std::move(*first);
}

bool SasAllows(const SasGrant& grant, char permission, char resource_type) {
  if (grant.permissions.find(permission) == std::string::npos) return false;
  if (grant.kind == SasKind::kAccount) {
    return grant.resource.find(resource_type) != std::string::npos;
  }
  if (resource_type == 'o') return true;
  return resource_type == 'c' && grant.resource == "c";
}

}  // namespace tessera::auth
