#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/api/status.h"
#include "gateway/config.h"
#include "protocols/handler.h"

namespace tessera::gateway {

// Request latency buckets (upper bounds, seconds) of ServerStats, Prometheus style.
inline constexpr std::array<double, 12> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5,   10};

// What the data listeners have served since start, per dialect (0 = S3, 1 = Blob).
struct ServerStats {
  uint64_t open_connections = 0;
  std::array<std::array<uint64_t, 6>, 2> responses{};  // [dialect][status / 100], 0 unused
  std::array<uint64_t, 2> bytes_in{};                  // request body bytes read
  std::array<uint64_t, 2> bytes_out{};                 // response body bytes written
  // Request latency, from the end of the request head to the end of the response:
  // [dialect][bucket] counts requests at most kLatencyBuckets[bucket]; the last is +Inf.
  std::array<std::array<uint64_t, kLatencyBuckets.size() + 1>, 2> latency{};
  std::array<double, 2> latency_sum_s{};
};

// One request as a data listener answered it: what the access log and the per-operation
// metrics record.
struct Completed {
  int64_t time_us = 0;  // when its head had arrived (system clock, microseconds since 1970)
  std::string remote;   // peer address
  int dialect = 0;      // 0 = S3, 1 = Blob
  std::string method;
  std::string path;  // the request target without its query (it may carry a SAS)
  std::string user_agent;
  int status = 0;
  uint64_t bytes_in = 0;   // request body bytes read
  uint64_t bytes_out = 0;  // response body bytes written
  double seconds = 0;      // head read to response written
  bool whole = true;       // the response went out whole (false: the connection was cut)
  RequestRecord record;
};

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

  // Loads the certificate chain and private key (PEM files) that https listeners serve;
  // kInvalidArgument when they do not load or do not match. Call before Listen.
  Status SetTls(const std::string& cert_file, const std::string& key_file);
  // Reads the TLS files again (new connections use them; open ones keep theirs). On
  // failure the previous certificate stays in use. Thread-safe.
  Status ReloadTls();
  // Applies new timeouts, header limit, connection limit and shutdown grace to the running
  // server (the next request of every connection uses them); the thread counts stay as
  // started.
  void UpdateLimits(const Limits& limits);
  // Binds every address; kInvalidArgument / kInternal when one cannot be bound (or an https
  // address without SetTls).
  Status Listen(const std::vector<ListenAddress>& addresses);
  // Binds a listener whose every request goes to `handler` (the admin API); not counted in
  // Stats() nor listed in Endpoints().
  Status ListenAdmin(const ListenAddress& address, RequestHandler* handler);
  // "http://host:port" (or "https://...") per bound data listener, in order.
  std::vector<std::string> Endpoints() const;
  // "http://host:port" of the admin listener, or "" without one.
  std::string AdminEndpoint() const;
  ServerStats Stats() const;
  // Called once per request answered on a data listener, on an I/O thread (keep it short).
  // Set before Run().
  void OnCompleted(std::function<void(const Completed&)> sink);
  // Called on SIGHUP (when Run handles signals), on an I/O thread. Set before Run().
  void OnHangup(std::function<void()> reload);
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
