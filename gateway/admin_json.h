#pragma once

// JSON replies of the admin listener (gateway/admin.h).

#include <nlohmann/json.hpp>
#include <string>

#include "protocols/http_response.h"

namespace tessera::gateway {

inline HttpResponse Json(int status, const nlohmann::json& value) {
  HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = value.dump(2) + "\n";
  return r;
}

// {"error": message}
inline HttpResponse Error(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"error", message}});
}

}  // namespace tessera::gateway
