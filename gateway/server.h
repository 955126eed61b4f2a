#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/api/status.h"
#include "gateway/config.h"
#include "protocols/handler.h"

namespace tessera::gateway {

// The HTTP/1.1 front end: listeners, Beast sessions, limits and timeouts. Every listener
// serves both dialects (DetectDialect picks the handler per request). Request handling runs
// on a pool of worker threads so that blocking store calls never stall socket I/O; request
// and response bodies stream between the socket and the handler in bounded chunks.
class Server {
 public:
  // `s3` must be non-null; `blob` may be null (then every request goes to `s3`).
  Server(RequestHandler* s3, RequestHandler* blob, Limits limits);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every address; kInvalidArgument / kInternal when one cannot be bound.
  Status Listen(const std::vector<ListenAddress>& addresses);
  // "http://host:port" per bound listener, in order.
  std::vector<std::string> Endpoints() const;
  // Serves until Stop() (or SIGTERM/SIGINT when `handle_signals`), then lets in-flight
  // requests finish (up to the shutdown grace) and returns.
  void Run(bool handle_signals);
  // Thread-safe: begin graceful shutdown.
  void Stop();

  struct Impl;  // defined in server.cc, the only translation unit that sees Beast

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::gateway
