#pragma once

#include <string>
#include <string_view>

#include "backend/api/status.h"
#include "protocols/http_response.h"

namespace tessera::blob {

struct WireError {
  int http_status;
  std::string_view code;
};

// The Blob form of every ErrorCode (one exhaustive switch).
WireError ToWireError(ErrorCode code);

// An Azure error: status, x-ms-error-code, and unless `head` the XML body
// <Error><Code/><Message/>[<AuthenticationErrorDetail/>]</Error>. `code_override` replaces
// the mapped wire code where the operation knows a more precise one.
HttpResponse ErrorResponse(const Status& status, std::string_view request_id, bool head,
                           std::string_view code_override = {}, std::string_view auth_detail = {});

}  // namespace tessera::blob
