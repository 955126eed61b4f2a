#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/api/object_model.h"
#include "http/request.h"
#include "protocols/http_response.h"

namespace tessera::blob {

// The first rule admitting `origin` with `method` and every one of `request_headers`, or
// nullptr. Origins and header names compare case-insensitively; "*" matches anything and
// an entry ending in '*' matches by prefix.
const CorsRule* MatchCors(const ServiceSettings& settings, std::string_view origin,
                          std::string_view method, const std::vector<std::string>& request_headers);

// The answer to an OPTIONS preflight: 200 with the Access-Control-* headers of the
// matching rule, 403 CorsPreflightFailure when no rule matches (or CORS is off), 400 when
// Origin or Access-Control-Request-Method is missing.
HttpResponse Preflight(const HttpRequest& request, const ServiceSettings& settings);

// For a request carrying Origin: the Access-Control-* headers of the matching rule.
void AddCorsHeaders(const HttpRequest& request, const ServiceSettings& settings,
                    HttpResponse& response);

}  // namespace tessera::blob
