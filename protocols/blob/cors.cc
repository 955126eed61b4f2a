#include "protocols/blob/cors.h"

#include "common/encoding.h"
#include "protocols/blob/errors.h"

namespace tessera::blob {
namespace {

bool Matches(const std::vector<std::string>& patterns, std::string_view value) {
  std::string v = ToLower(value);
  for (const auto& p : patterns) {
    std::string pattern = ToLower(p);
    if (pattern == "*" || pattern == v) return true;
    if (!pattern.empty() && pattern.back() == '*' &&
        v.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> SplitHeaderList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
  return out;
}

bool AnyOrigin(const CorsRule& rule) {
  for (const auto& o : rule.allowed_origins) {
    if (o == "*") return true;
  }
  return false;
}

}  // namespace

const CorsRule* MatchCors(const ServiceSettings& settings, std::string_view origin,
                          std::string_view method,
                          const std::vector<std::string>& request_headers) {
  for (const CorsRule& rule : settings.cors) {
    if (!Matches(rule.allowed_origins, origin)) continue;
    bool method_ok = false;
    for (const auto& m : rule.allowed_methods) method_ok |= m == method;
    if (!method_ok) continue;
    bool headers_ok = true;
    for (const auto& h : request_headers) headers_ok &= Matches(rule.allowed_headers, h);
    if (headers_ok) return &rule;
  }
  return nullptr;
}

HttpResponse Preflight(const HttpRequest& request, const ServiceSettings& settings) {
  std::string_view origin = request.Header("origin");
  std::string_view method = request.Header("access-control-request-method");
  if (origin.empty() || method.empty()) {
    return ErrorResponse(Status(ErrorCode::kInvalidArgument,
                                "Missing required header for preflight: Origin and "
                                "Access-Control-Request-Method."),
                         "", false, "InvalidHeaderValue");
  }
  std::vector<std::string> headers =
      SplitHeaderList(request.Header("access-control-request-headers"));
  const CorsRule* rule = MatchCors(settings, origin, method, headers);
  if (rule == nullptr) {
    return ErrorResponse(Status(ErrorCode::kAccessDenied,
                                "CORS not enabled or no matching rule found for this request."),
                         "", false, "CorsPreflightFailure");
  }
  HttpResponse response;
  response.Set("Access-Control-Allow-Origin", std::string(origin));
  response.Set("Access-Control-Allow-Methods", std::string(method));
  if (!headers.empty()) response.Set("Access-Control-Allow-Headers", Join(headers));
  response.Set("Access-Control-Max-Age", std::to_string(rule->max_age_seconds));
  response.Set("Access-Control-Allow-Credentials", "true");
  response.Set("Vary", "Origin");
  response.content_length = 0;
  return response;
}

void AddCorsHeaders(const HttpRequest& request, const ServiceSettings& settings,
                    HttpResponse& response) {
  std::string_view origin = request.Header("origin");
  // A preflight's answer carries its own (a rule that lists OPTIONS would add a second
  // Access-Control-Allow-Origin, which browsers refuse).
  if (origin.empty() || !response.Header("access-control-allow-origin").empty()) return;
  const CorsRule* rule = MatchCors(settings, origin, request.method, {});
  if (rule == nullptr) return;
  if (AnyOrigin(*rule)) {
    response.Set("Access-Control-Allow-Origin", "*");
  } else {
    response.Set("Access-Control-Allow-Origin", std::string(origin));
    response.Set("Access-Control-Allow-Credentials", "true");
  }
  if (!rule->exposed_headers.empty()) {
    response.Set("Access-Control-Expose-Headers", Join(rule->exposed_headers));
  }
  response.Set("Vary", "Origin");
}

}  // namespace tessera::blob
