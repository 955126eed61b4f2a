#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/client.h"

namespace tessera::bench {

class RssSampler;

// One phase of load: `clients` threads, each on its own keep-alive connection in `dialect`,
// doing the same operation on objects of `object_size` bytes. A client stops after
// `max_ops_per_client` operations or once `max_seconds` have passed since the phase began,
// whichever comes first, but always does at least one. Client c's i-th PUT writes key
// "<key_prefix>/c<c>/<i>" of `bucket` (a container for Blob; Put Blob is one single-shot
// BlockBlob upload at every size), expecting the dialect's success status (S3 200, Blob 201);
// a GET phase reads back the keys a PUT phase wrote (cycling through them), expecting status
// 200 and Content-Length == object_size.
struct PhaseSpec {
  enum class Op { kPut, kGet };
  Op op = Op::kPut;
  Dialect dialect = Dialect::kS3;
  std::string bucket;
  std::string key_prefix;
  uint64_t object_size = 0;
  int clients = 1;
  int max_ops_per_client = 1;
  double max_seconds = 5;
};

struct PhaseResult {
  PhaseSpec spec;
  uint64_t ops = 0;     // completed operations, failed ones included
  uint64_t errors = 0;  // transport failures, unexpected status or length
  uint64_t bytes = 0;   // payload bytes of successful operations
  double seconds = 0;   // wall time of the phase
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t rss_peak_kib = -1;  // gateway VmRSS, max sampled; -1 unknown
  double cpu_ms_per_mb = -1;  // gateway CPU per MB of payload; -1 unknown
  double write_amp = -1;      // PUT: bytes written to storage per payload byte (see bench.cc)
  std::map<std::string, uint64_t> failures;  // distinct failure descriptions -> count
  std::vector<std::vector<int>> written;     // PUT: per client, the key indexes stored
};

// Runs one phase against `endpoint`. For a GET phase `written` is the PUT phase's
// PhaseResult::written. `sampler` (may be null) is reset at the start and read at the end.
// `cancel` stops clients before their next operation. Thread-safe with respect to other
// phases (it owns all its threads and connections).
PhaseResult RunPhase(const PhaseSpec& spec, const Endpoint& endpoint,
                     const Credentials& credentials, const std::vector<std::vector<int>>& written,
                     RssSampler* sampler, const std::atomic<bool>& cancel);

// "4KiB", "1MiB", "64MiB", "1GiB", or bytes.
std::string FormatSize(uint64_t bytes);

// The table: a header line and then one row per phase, columns
//   op size conc ops MB/s ops/s p50 ms p99 ms errors rss MiB cpu ms/MB WA
// (MB = 10^6 bytes; "-" when unknown; WA for PUT only).
std::string TableHeader();
std::string TableRow(const PhaseResult& result);

}  // namespace tessera::bench
