#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "backend/api/status.h"

namespace tessera::bench {

// A gateway started as a child process for the length of a run:
//   <binary> serve --data <dir>/data --listen 127.0.0.1:0 --ready-file <dir>/ready
// in a fresh directory <tmp_root>/tessera-bench-XXXXXX, its stdout and stderr going to
// <dir>/gateway.log. The destructor stops it (if Stop() was not called) and removes the
// directory.
class GatewayProcess {
 public:
  // Waits up to `ready_timeout_s` for the ready file, whose first line is the endpoint URL.
  // Errors: kInternal when the directory cannot be made, the binary cannot be started, it
  // exits early (the message carries the end of its log) or the ready file never appears.
  static Result<std::unique_ptr<GatewayProcess>> Start(const std::string& binary,
                                                       const std::string& tmp_root,
                                                       int ready_timeout_s = 60);
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }

  // False once the child has exited (reaps it; the exit is then described by Stop()).
  bool Running();
  // SIGTERM, then SIGKILL after `grace_s`. Returns how it ended ("exit 0", "signal 9", ...);
  // calling it again returns the same description.
  std::string Stop(int grace_s = 40);
  // The last `max_bytes` of the gateway's log.
  std::string LogTail(size_t max_bytes) const;

 private:
  GatewayProcess() = default;
  std::string dir_;
  std::string url_;
  pid_t pid_ = -1;
  std::optional<int> wait_status_;  // set once reaped
};

// Memory of a process from /proc/<pid>/status, in KiB.
struct MemoryUsage {
  int64_t rss_kib = 0;  // VmRSS
  int64_t hwm_kib = 0;  // VmHWM (peak RSS since start or since the last ResetPeakRss)
};
std::optional<MemoryUsage> ReadMemoryUsage(pid_t pid);

// What a process has cost so far: CPU time (user + system, /proc/<pid>/stat) and bytes it
// caused to be written to storage (write_bytes of /proc/<pid>/io: data and metadata flushed
// to the drives, page-cache writeback included).
struct ProcessCost {
  double cpu_seconds = 0;
  uint64_t write_bytes = 0;
};
std::optional<ProcessCost> ReadProcessCost(pid_t pid);

// Bytes written so far to the block device holding `dir` (sectors written, from
// /sys/dev/block/MAJ:MIN/stat); nullopt when `dir` is not on a block device.
std::optional<uint64_t> DeviceWrittenBytes(const std::string& dir);

// Bytes allocated on disk (st_blocks) by the regular files under `dir`.
uint64_t DiskUsage(const std::string& dir);

// Samples VmRSS of `pid` every `interval_ms` on its own thread and keeps the maximum.
// TakePeak() returns the maximum since the previous TakePeak (or start) and starts over;
// -1 when no sample could be read. Thread-safe.
class RssSampler {
 public:
  RssSampler(pid_t pid, int interval_ms);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  int64_t TakePeak();

 private:
  void Sample();
  pid_t pid_;
  int interval_ms_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  int64_t peak_kib_ = -1;
  std::thread thread_;
};

}  // namespace tessera::bench
