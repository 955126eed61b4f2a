#include "auth/shared_key.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "http/query.h"

namespace tessera::auth {
namespace {

constexpr std::string_view kSharedKey = "SharedKey";
constexpr std::string_view kSharedKeyLite = "SharedKeyLite";
constexpr size_t kSignatureBytes = 32;

Status Malformed(std::string message) {
  return Status(ErrorCode::kAuthorizationHeaderMalformed, std::move(message));
}

// The parsed Authorization header.
struct Credential {
  bool lite = false;
  std::string account;
  std::string signature;  // base64 as sent
};

// "SharedKey <account>:<signature>" or "SharedKeyLite <account>:<signature>".
Result<Credential> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  size_t space = header.find_first_of(" \t");
  if (space == std::string_view::npos) return Malformed("Authorization header is malformed");
  std::string_view scheme = header.substr(0, space);
  Credential c;
  if (scheme == kSharedKeyLite) {
    c.lite = true;
  } else if (scheme != kSharedKey) {
    return Malformed("unsupported authorization scheme");
  }
  std::string_view rest = Trim(header.substr(space + 1));
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    return Malformed("Authorization must be '" + std::string(scheme) + " account:signature'");
  }
  c.account = std::string(rest.substr(0, colon));
  c.signature = std::string(rest.substr(colon + 1));
  if (c.account.find_first_of(" \t") != std::string::npos) {
    return Malformed("Authorization header has a malformed account name");
  }
  return c;
}

// Sort weights the service uses for canonicalized header names: '-' first, then the order of
// this table; characters outside it sort after, by byte value.
const std::array<int, 256>& HeaderWeights() {
  static const std::array<int, 256> weights = [] {
    constexpr std::string_view kOrder =
        "-!#$%&*.^_|~+\"'(),/`0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]"
        "abcdefghijklmnopqrstuvwxyz{}";
    std::array<int, 256> w{};
    for (int i = 0; i < 256; ++i) w[i] = 1000 + i;
    for (size_t i = 0; i < kOrder.size(); ++i) w[static_cast<unsigned char>(kOrder[i])] = int(i);
    return w;
  }();
  return weights;
}

bool HeaderNameLess(const std::string& a, const std::string& b) {
  const auto& w = HeaderWeights();
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [&w](char x, char y) {
    return w[static_cast<unsigned char>(x)] < w[static_cast<unsigned char>(y)];
  });
}

// Replaces each run of linear whitespace outside double quotes with one space.
std::string CollapseWhitespace(std::string_view value) {
  std::string out;
  bool in_quote = false;
  bool in_space = false;
  for (char c : value) {
    bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (ws && !in_quote) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    if (c == '"') in_quote = !in_quote;
    out += c;
  }
  return out;
}

std::string CanonicalizedHeaders(const HttpRequest& request, bool collapse) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    if (name.size() < 5 || ToLower(name.substr(0, 5)) != "x-ms-") continue;
    std::string lower = ToLower(name);
    std::string v = collapse ? CollapseWhitespace(value) : std::string(Trim(value));
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&lower](const auto& h) { return h.first == lower; });
    if (it == headers.end()) {
      headers.emplace_back(std::move(lower), std::move(v));
    } else {
      it->second += ',';
      it->second += v;
    }
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return HeaderNameLess(a.first, b.first); });
  std::string out;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  return out;
}

// "\nname:v1,v2" for every query parameter: names lowercased, values sorted. Bad escapes
// are kept as sent.
std::string CanonicalizedQuery(std::string_view raw_query, bool plus_is_space) {
  Result<Query> query =
      Query::Parse(raw_query, plus_is_space ? Plus::kSpace : Plus::kLiteral, /*lenient=*/true);
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  for (const QueryParam& p : query->params()) {
    std::string name = ToLower(p.name);
    auto it = std::find_if(params.begin(), params.end(),
                           [&name](const auto& q) { return q.first == name; });
    if (it == params.end()) {
      params.push_back({std::move(name), {p.value}});
    } else {
      it->second.push_back(p.value);
    }
  }
  std::sort(params.begin(), params.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += '\n';
    out += name;
    out += ':';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      out += values[i];
    }
  }
  return out;
}

// The comp parameter's decoded value (its name in any case), or nullopt.
std::optional<std::string> CompParam(std::string_view raw_query) {
  Result<Query> query = Query::Parse(raw_query, Plus::kLiteral, /*lenient=*/true);
  for (const QueryParam& p : query->params()) {
    if (ToLower(p.name) == "comp") return p.value;
  }
  return std::nullopt;
}

// One way of building the string-to-sign; the defaults give the SDK form.
struct Variant {
  std::string resource_path;   // appended to "/" + account
  bool date_empty = false;     // Date line empty because x-ms-date is present
  bool collapse = false;       // header values whitespace-collapsed
  bool plus_is_space = false;  // '+' in the query decoded as a space
};

bool OlderThan(std::string_view version, std::string_view than) {
  return !version.empty() && version < than;
}

std::string Build(const HttpRequest& request, std::string_view account, bool lite,
                  const Variant& v) {
  std::string_view version = Trim(request.Header("x-ms-version"));
  std::string date = v.date_empty ? std::string() : std::string(Trim(request.Header("date")));
  std::string out = request.method;
  out += '\n';
  if (lite || OlderThan(version, "2009-09-19")) {
    out += Trim(request.Header("content-md5"));
    out += '\n';
    out += Trim(request.Header("content-type"));
    out += '\n';
    out += date;
    out += '\n';
    out += CanonicalizedHeaders(request, v.collapse);
    out += '/';
    out += account;
    out += v.resource_path;
    std::optional<std::string> comp = CompParam(request.RawQuery());
    if (comp) out += "?comp=" + *comp;
    return out;
  }
  std::string_view length = Trim(request.Header("content-length"));
  if (length == "0" && !OlderThan(version, "2015-02-21")) length = {};
  const std::string_view lines[] = {Trim(request.Header("content-encoding")),
                                    Trim(request.Header("content-language")),
                                    length,
                                    Trim(request.Header("content-md5")),
                                    Trim(request.Header("content-type")),
                                    date,
                                    Trim(request.Header("if-modified-since")),
                                    Trim(request.Header("if-match")),
                                    Trim(request.Header("if-none-match")),
                                    Trim(request.Header("if-unmodified-since")),
                                    Trim(request.Header("range"))};
  for (std::string_view line : lines) {
    out += line;
    out += '\n';
  }
  out += CanonicalizedHeaders(request, v.collapse);
  out += '/';
  out += account;
  out += v.resource_path;
  out += CanonicalizedQuery(request.RawQuery(), v.plus_is_space);
  return out;
}

std::string SdkResourcePath(const HttpRequest& request) {
  std::string_view path = request.RawPath();
  return path.empty() ? std::string("/") : std::string(path);
}

bool IsHostStyle(const HttpRequest& request, std::string_view account) {
  std::string host = ToLower(Trim(request.Header("host")));
  std::string prefix = ToLower(account) + ".";
  return host.size() > prefix.size() && host.compare(0, prefix.size(), prefix) == 0;
}

// Every accepted string-to-sign, the SDK form first, without duplicates.
std::vector<std::string> Candidates(const HttpRequest& request, std::string_view account,
                                    bool lite) {
  std::vector<std::string> paths = {SdkResourcePath(request)};
  std::optional<std::string> decoded = UriDecode(paths[0], false);
  if (decoded) paths.push_back(*decoded);
  if (!IsHostStyle(request, account)) {
    std::string prefix = "/" + std::string(account);
    for (size_t i = 0, n = paths.size(); i < n; ++i) {
      const std::string& p = paths[i];
      if (p.compare(0, prefix.size(), prefix) != 0) continue;
      if (p.size() != prefix.size() && p[prefix.size()] != '/') continue;
      std::string rest = p.substr(prefix.size());
      paths.push_back(rest.empty() ? std::string("/") : rest);
    }
  }
  bool has_both_dates = request.HasHeader("x-ms-date") && request.HasHeader("date");
  bool has_plus = request.RawQuery().find('+') != std::string_view::npos;
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    for (int date_empty = 0; date_empty <= (has_both_dates ? 1 : 0); ++date_empty) {
      for (int collapse = 0; collapse <= 1; ++collapse) {
        for (int plus = 0; plus <= (has_plus ? 1 : 0); ++plus) {
          Variant v{path, date_empty == 1, collapse == 1, plus == 1};
          std::string s = Build(request, account, lite, v);
          if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
        }
      }
    }
  }
  return out;
}

}  // namespace

bool HasSharedKey(const HttpRequest& request) {
  std::string_view header = Trim(request.Header("authorization"));
  for (std::string_view scheme : {kSharedKey, kSharedKeyLite}) {
    if (header.size() > scheme.size() && header.substr(0, scheme.size()) == scheme &&
        (header[scheme.size()] == ' ' || header[scheme.size()] == '\t')) {
      return true;
    }
  }
  return false;
}

std::string BlobStringToSign(const HttpRequest& request, std::string_view path_account) {
  return Build(request, path_account, false, Variant{SdkResourcePath(request)});
}

std::string BlobLiteStringToSign(const HttpRequest& request, std::string_view path_account) {
  return Build(request, path_account, true, Variant{SdkResourcePath(request)});
}

std::string SignSharedKey(std::string_view base64_key, std::string_view string_to_sign) {
  std::optional<std::string> key = Base64Decode(base64_key);
  if (!key) return {};
  return Base64Encode(HmacSha256(*key, string_to_sign));
}

Result<SharedKeyResult> VerifySharedKey(const HttpRequest& request, std::string_view path_account,
                                        const AccountDirectory& accounts, int64_t now_micros) {
  ASSIGN_OR_RETURN(Credential credential, ParseAuthorization(request.Header("authorization")));
  std::optional<std::string> signature = Base64Decode(credential.signature);
  if (!signature || signature->size() != kSignatureBytes) {
    return Malformed("the signature in the Authorization header is not base64 of 32 bytes");
  }
  bool use_ms_date = request.HasHeader("x-ms-date");
  std::string_view date_text = Trim(request.Header(use_ms_date ? "x-ms-date" : "date"));
  if (date_text.empty()) return Malformed("Request date header not specified.");
  std::optional<int64_t> request_micros = ParseHttpDate(date_text);
  if (!request_micros) {
    return Malformed("The " + std::string(use_ms_date ? "x-ms-date" : "Date") +
                     " header is not a valid HTTP date: '" + std::string(date_text) + "'");
  }

  const std::optional<Account> account = accounts.Find(path_account);
  if (!account) {
    return Status(ErrorCode::kUnknownAccessKey,
                  "The account '" + std::string(path_account) + "' does not exist.");
  }
  std::vector<std::string> keys;
  for (std::string_view text : account->Keys()) {
    if (std::optional<std::string> key = Base64Decode(text)) keys.push_back(std::move(*key));
  }
  if (keys.empty()) {
    return Status(ErrorCode::kUnknownAccessKey,
                  "The account '" + account->name + "' has no Shared Key credential.");
  }
  std::string sdk_form = credential.lite ? BlobLiteStringToSign(request, path_account)
                                         : BlobStringToSign(request, path_account);
  auto mismatch = [&](std::string why) {
    return Status(ErrorCode::kSignatureMismatch,
                  why + "The MAC signature found in the HTTP request '" + credential.signature +
                      "' is not the same as any computed signature. Server used following "
                      "string to sign: '" +
                      sdk_form + "'.");
  };
  if (credential.account != path_account) {
    return mismatch(
        "The account in the Authorization header is not the account of the "
        "request. ");
  }

  std::optional<std::string> matched;
  for (std::string& candidate : Candidates(request, path_account, credential.lite)) {
    // Every candidate is checked so the time taken does not depend on which one matched.
    for (const std::string& key : keys) {
      bool equal = ConstantTimeEquals(HmacSha256(key, candidate), *signature);
      if (equal && !matched) matched = candidate;
    }
  }
  if (!matched) return mismatch("");
  if (account->disabled) {
    return Status(ErrorCode::kAccountDisabled, "The specified account is disabled.");
  }

  int64_t skew = now_micros - *request_micros;
  if (skew > kSharedKeyMaxSkewMicros || -skew > kSharedKeyMaxSkewMicros) {
    return Status(
        ErrorCode::kRequestExpired,
        "Request date header too old or too far in the future: '" + std::string(date_text) + "'");
  }
  SharedKeyResult result;
  result.principal.account = account->name;
  result.string_to_sign = std::move(*matched);
  return result;
}

}  // namespace tessera::auth
