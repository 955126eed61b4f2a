#include "bench/load.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/gateway_process.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Distinct failures kept per phase; the rest are counted under one line.
constexpr size_t kMaxDistinctFailures = 8;

struct ClientOutcome {
  std::vector<double> latencies_ms;
  std::vector<int> written;
  uint64_t errors = 0;
  uint64_t bytes = 0;
  std::map<std::string, uint64_t> failures;
};

std::string ObjectKey(const PhaseSpec& spec, int client, int index) {
  return spec.key_prefix + "/c" + std::to_string(client) + "/" + std::to_string(index);
}

// Different objects start at different places in the pattern so that no two are equal.
uint64_t PatternOffset(int client, int index) {
  return (static_cast<uint64_t>(client) * 7919 + static_cast<uint64_t>(index) * 104729) * 4099;
}

std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) {
      out.push_back(c);
    }
  }
  return out.substr(0, 300);
}

// Returns "" for success, else a description of the failure.
std::string CheckResponse(const PhaseSpec& spec, int expected_status,
                          const Result<Response>& response) {
  if (!response.ok()) return "transport: " + response.status().message();
  if (response->status != expected_status) {
    std::string code = response->error_code.empty() ? "" : " " + response->error_code;
    return "HTTP " + std::to_string(response->status) + code + ": " +
           OneLine(response->body_prefix);
  }
  if (spec.op == PhaseSpec::Op::kGet &&
      (response->content_length != static_cast<int64_t>(spec.object_size) ||
       response->body_bytes != spec.object_size)) {
    return "GET length: Content-Length " + std::to_string(response->content_length) +
           ", received " + std::to_string(response->body_bytes) + ", expected " +
           std::to_string(spec.object_size);
  }
  return "";
}

void RunClient(const PhaseSpec& spec, int client, const Endpoint& endpoint,
               const Credentials& credentials, const std::vector<int>* keys,
               Clock::time_point deadline, const std::atomic<bool>& cancel, ClientOutcome& out) {
  Connection connection(endpoint, credentials, spec.dialect);
  bool put = spec.op == PhaseSpec::Op::kPut;
  int expected_status = put ? connection.PutObjectStatus() : Connection::kGetObjectStatus;
  for (int i = 0; i < spec.max_ops_per_client; ++i) {
    if (cancel.load() || (i > 0 && Clock::now() >= deadline)) break;
    int index = i;
    if (spec.op == PhaseSpec::Op::kGet) {
      if (keys == nullptr || keys->empty()) break;
      index = (*keys)[static_cast<size_t>(i) % keys->size()];
    }
    std::string key = ObjectKey(spec, client, index);
    auto start = Clock::now();
    Result<Response> response =
        put ? connection.PutObject(spec.bucket, key, spec.object_size, PatternOffset(client, index))
            : connection.GetObject(spec.bucket, key);
    out.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    std::string failure = CheckResponse(spec, expected_status, response);
    if (failure.empty()) {
      out.bytes += spec.object_size;
      if (put) out.written.push_back(index);
      continue;
    }
    ++out.errors;
    if (out.failures.size() < kMaxDistinctFailures || out.failures.count(failure)) {
      ++out.failures[failure];
    } else {
      ++out.failures["(other failures)"];
    }
  }
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace

PhaseResult RunPhase(const PhaseSpec& spec, const Endpoint& endpoint,
                     const Credentials& credentials, const std::vector<std::vector<int>>& written,
                     RssSampler* sampler, const std::atomic<bool>& cancel) {
  PhaseResult result;
  result.spec = spec;
  std::vector<ClientOutcome> outcomes(static_cast<size_t>(spec.clients));
  if (sampler != nullptr) sampler->TakePeak();
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(spec.max_seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < spec.clients; ++c) {
    const std::vector<int>* keys =
        static_cast<size_t>(c) < written.size() ? &written[static_cast<size_t>(c)] : nullptr;
    threads.emplace_back(RunClient, std::cref(spec), c, std::cref(endpoint), std::cref(credentials),
                         keys, deadline, std::cref(cancel),
                         std::ref(outcomes[static_cast<size_t>(c)]));
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (sampler != nullptr) result.rss_peak_kib = sampler->TakePeak();

  std::vector<double> latencies;
  for (auto& o : outcomes) {
    result.ops += o.latencies_ms.size();
    result.errors += o.errors;
    result.bytes += o.bytes;
    latencies.insert(latencies.end(), o.latencies_ms.begin(), o.latencies_ms.end());
    for (const auto& [what, count] : o.failures) result.failures[what] += count;
    result.written.push_back(std::move(o.written));
  }
  std::sort(latencies.begin(), latencies.end());
  result.p50_ms = Percentile(latencies, 0.50);
  result.p99_ms = Percentile(latencies, 0.99);
  return result;
}

std::string FormatSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

std::string TableHeader() {
  char line[160];
  std::snprintf(line, sizeof(line), "%-4s %-7s %5s %6s %9s %9s %9s %9s %7s %8s %9s %5s", "op",
                "size", "conc", "ops", "MB/s", "ops/s", "p50 ms", "p99 ms", "errors", "rss MiB",
                "cpu ms/MB", "WA");
  return line;
}

std::string TableRow(const PhaseResult& r) {
  double secs = r.seconds > 0 ? r.seconds : 1e-9;
  char rss[32] = "-";
  if (r.rss_peak_kib >= 0) {
    std::snprintf(rss, sizeof(rss), "%.1f", static_cast<double>(r.rss_peak_kib) / 1024.0);
  }
  char cpu[32] = "-", wa[32] = "-";
  if (r.cpu_ms_per_mb >= 0) std::snprintf(cpu, sizeof(cpu), "%.2f", r.cpu_ms_per_mb);
  if (r.write_amp >= 0) std::snprintf(wa, sizeof(wa), "%.2f", r.write_amp);
  char line[240];
  std::snprintf(line, sizeof(line), "%-4s %-7s %5d %6llu %9.1f %9.1f %9.2f %9.2f %7llu %8s %9s %5s",
                r.spec.op == PhaseSpec::Op::kPut ? "PUT" : "GET",
                FormatSize(r.spec.object_size).c_str(), r.spec.clients,
                static_cast<unsigned long long>(r.ops), static_cast<double>(r.bytes) / 1e6 / secs,
                static_cast<double>(r.ops - r.errors) / secs, r.p50_ms, r.p99_ms,
                static_cast<unsigned long long>(r.errors), rss, cpu, wa);
  return line;
}

}  // namespace tessera::bench
