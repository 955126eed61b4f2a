#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "backend/api/status.h"
#include "gateway/server.h"

namespace tessera::gateway {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string PrometheusLabel(std::string_view value);

// What the gateway records of every request it answers (DESIGN section 2, "record"): one
// JSON line per request in the access log, when one is open, and the per-operation metrics.
// Thread-safe.
//
// An access log line: {"time": "2026-12-02T17:05:26.569Z", "request_id", "remote",
// "dialect": "s3"|"blob", "operation", "method", "path", "account", "bucket", "key",
// "status", "error" (the dialect's code, when it failed), "bytes_in", "bytes_out",
// "ms" (head read to response written), "user_agent", and "cut": true when the connection
// was closed before the response went out whole}.
class RequestLog {
 public:
  RequestLog() = default;
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // Appends access log lines to `path` ("-" = standard output).
  Status OpenAccessLog(const std::string& path);
  // Opens the access log's path again (after it was rotated away); keeps the old file on
  // failure.
  Status ReopenAccessLog();
  void Record(const Completed& request);
  // Prometheus text: tessera_requests_total{dialect,operation,code}, the histogram
  // tessera_operation_duration_seconds{dialect,operation}, and per account (usage):
  // tessera_account_requests_total, tessera_account_bytes_in_total, ..._out_total.
  std::string Metrics() const;
  // Requests and body bytes of one account since the gateway started.
  struct Traffic {
    uint64_t requests = 0, bytes_in = 0, bytes_out = 0;
  };
  Traffic AccountTraffic(const std::string& account) const;
  // The same per bucket of one account (authenticated requests; at most kMaxBuckets buckets
  // are tracked, later ones are not).
  std::map<std::string, Traffic> BucketTraffic(const std::string& account) const;
  static constexpr size_t kMaxBuckets = 65536;

 private:
  struct OperationStats {
    std::array<uint64_t, 6> responses{};  // by status / 100
    std::array<uint64_t, kLatencyBuckets.size() + 1> latency{};
    double seconds = 0;
  };
  void WriteLoop();

  std::mutex fd_mu_;  // guards the three below
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  // Lines go out on a thread of their own, so that a slow log target never holds up the
  // I/O threads; past kMaxQueued waiting lines, new ones are dropped (and counted).
  static constexpr size_t kMaxQueued = 65536;
  static constexpr size_t kBatchLines = 256;
  static constexpr std::chrono::milliseconds kFlushInterval{50};
  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::string> queue_;  // guarded by queue_mu_
  bool stopping_ = false;          // guarded by queue_mu_
  uint64_t dropped_ = 0;           // guarded by queue_mu_
  std::thread writer_;
  mutable std::mutex mu_;
  std::map<std::pair<int, std::string>, OperationStats> operations_;  // guarded by mu_
  using AccountStats = Traffic;
  std::map<std::pair<std::string, std::string>, Traffic> buckets_;  // guarded by mu_
  std::map<std::string, AccountStats> accounts_;  // guarded by mu_; "" = anonymous
};

}  // namespace tessera::gateway
