#pragma once

#include <cstdint>
#include <string_view>

#include "backend/api/body.h"
#include "http/request.h"
#include "protocols/http_response.h"

namespace tessera {

// What the gateway is asked before an authenticated request runs (DESIGN section 2,
// "admit"): the account it acts for ("" when anonymous), the dialect's operation name and
// the request body's declared size.
struct Admission {
  std::string_view account;
  std::string_view operation;
  uint64_t body_bytes = 0;
};

// The gateway's admission policy (rate and bandwidth limits per account). An error status
// (kSlowDown) refuses the request in the dialect's own words; nothing has run yet.
// Thread-safe.
class Gate {
 public:
  virtual ~Gate() = default;
  virtual Status Admit(const Admission& admission) = 0;
};

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
