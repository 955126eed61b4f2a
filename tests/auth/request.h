#pragma once

#include <string>
#include <utility>
#include <vector>

#include "http/request.h"

namespace tessera::auth::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A request as the HTTP layer hands it over: header names lowercased.
inline HttpRequest MakeRequest(std::string method, std::string target, Headers headers) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

}  // namespace tessera::auth::testing
