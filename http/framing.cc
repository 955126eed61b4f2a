#include "http/framing.h"

#include <string>

#include "common/encoding.h"

namespace tessera {

Status CheckFraming(const HttpRequest& request) {
  int lengths = 0;
  int encodings = 0;
  std::string coding;
  for (const auto& [name, value] : request.headers) {
    if (name == "content-length") ++lengths;
    if (name == "transfer-encoding") {
      ++encodings;
      coding = ToLower(value);
    }
  }
  if (lengths > 1) {
    return Status(ErrorCode::kInvalidRequest, "A request may carry one Content-Length header.");
  }
  if (encodings == 0) return Status::Ok();
  if (lengths > 0) {
    return Status(ErrorCode::kInvalidRequest,
                  "A request may not carry both Transfer-Encoding and Content-Length.");
  }
  if (encodings > 1 || coding != "chunked") {
    return Status(ErrorCode::kInvalidRequest,
                  "Transfer-Encoding other than chunked is not supported.");
  }
  return Status::Ok();
}

}  // namespace tessera
