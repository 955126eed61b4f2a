#pragma once

#include "auth/http_request.h"
#include "backend/api/body.h"
#include "protocols/http_response.h"

namespace tessera {

// One dialect's (or the dispatcher's) entry point. Handle() may block (it calls the
// store) and is called from worker threads, concurrently. It reads from `body` at most
// once to its end or not at all; whatever it leaves unread the gateway drains or closes.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(const HttpRequest& request, BodySource& body) = 0;
  // The response for a request that never reached a handler (header too large, parse
  // error, timeout), in this handler's dialect.
  virtual HttpResponse Reject(const HttpRequest& request, const Status& status) = 0;
};

}  // namespace tessera
