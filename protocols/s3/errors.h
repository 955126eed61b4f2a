#pragma once

#include <string>
#include <string_view>

#include "backend/api/status.h"
#include "protocols/http_response.h"

namespace tessera::s3 {

struct WireError {
  int http_status;
  std::string_view code;
};

// The S3 form of every ErrorCode (one exhaustive switch: a new code does not compile
// until it is mapped here).
WireError ToWireError(ErrorCode code);

// An S3 error response: status, and unless `head` the XML
// <Error><Code/><Message/>[<BucketName/>|<Key/>]<Resource/><RequestId/></Error> body;
// BucketName for bucket-level errors, Key for NoSuchKey, when known.
HttpResponse ErrorResponse(const Status& status, std::string_view resource,
                           std::string_view request_id, bool head, std::string_view bucket = {},
                           std::string_view key = {});

}  // namespace tessera::s3
