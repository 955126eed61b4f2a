// tessera-bench: a load generator for the gateway's S3 and Azure Blob endpoints (not a test).
//
//   tessera-bench [--gateway PATH | --endpoint URL [--pid PID] [--data DIR]] [--tmp DIR]
//                 [--seconds S]
//                 [--dialect s3|blob|both]
//   tessera-bench --big N_GIB --clients C [--dialect s3|blob|both] [...]
//
// By default it starts the gateway binary built beside it on a fresh data directory and,
// for each dialect (S3, then Blob), creates a bucket (container) and, for objects of 4 KiB,
// 1 MiB and 64 MiB with 1 and 16 clients, runs a PUT phase and then a GET phase of the same
// keys, printing one table per dialect, one row per phase, with the gateway's peak resident
// memory. --big (S3 unless --dialect says otherwise) has C clients upload one N GiB object
// each at once (then read it back), showing that memory stays flat while gigabytes stream
// through. WA is what the drive holding the gateway's data directory wrote during a PUT phase
// (and the second after it, for deferred writeback) per payload byte, so the machine should
// be otherwise quiet; without a data directory on a block device it is the gateway's
// write_bytes, which counts rewritten pages each time. Everything goes to stdout; the exit status
// is 0 unless the gateway failed or any request failed.

#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/client.h"
#include "bench/gateway_process.h"
#include "bench/load.h"
#include "common/time.h"

#ifndef TESSERA_GATEWAY_BINARY
#define TESSERA_GATEWAY_BINARY "tessera"
#endif

namespace tessera::bench {
namespace {

constexpr char kAccessKey[] = "devstoreaccount1";
constexpr char kSecret[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kMaxPutBlobBytes = 5000 * kMiB;  // Azure's single-shot Put Blob limit

std::atomic<bool> g_cancel{false};

void OnSignal(int) { g_cancel = true; }

struct Options {
  std::string gateway = TESSERA_GATEWAY_BINARY;
  std::string endpoint;  // use a running gateway instead of starting one
  pid_t pid = -1;        // its pid, for memory sampling
  std::string data_dir;  // its data directory, for the drive's write counter
  std::string tmp_root;
  double seconds = 4;
  int big_gib = 0;
  int clients = 16;
  bool clients_set = false;       // --clients given: the matrix runs only that many
  std::vector<Dialect> dialects;  // in run order
  std::string only_size;          // run only this row of the matrix ("4KiB", "1MiB", "64MiB")
  double overwrite = 0;           // after each PUT phase, PUT this fraction of its keys again
  int ops = 0;                    // ops per phase over all clients; 0: the matrix's own
};

int Usage() {
  std::printf(
      "usage: tessera-bench [--gateway PATH | --endpoint http://HOST:PORT [--pid PID]\n"
      "                     [--data DIR]]\n"
      "                     [--tmp DIR] [--seconds S] [--big N_GIB] [--clients C]\n"
      "                     [--dialect s3|blob|both] [--size 4KiB|1MiB|64MiB]\n"
      "                     [--overwrite FRACTION] [--ops N]\n"
      "  default: PUT then GET of 4KiB, 1MiB, 64MiB objects with 1 and 16 clients,\n"
      "           each phase at most S seconds (default 4) or its op count;\n"
      "           one table per dialect (default both: S3, then Blob);\n"
      "           --clients C runs only C clients; --ops N sets each phase's op count\n"
      "  --big:   C clients (default 16) each upload, then read, one N GiB object\n"
      "           (dialect default s3; Blob uses one Put Blob, so N <= 4)\n"
      "  gateway default: %s\n",
      TESSERA_GATEWAY_BINARY);
  return 2;
}

std::optional<Options> ParseOptions(int argc, char** argv) {
  Options o;
  const char* tmp = std::getenv("TMPDIR");
  o.tmp_root = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::nullopt;
    static const std::set<std::string> kFlags = {
        "--gateway", "--endpoint", "--pid",     "--data", "--tmp",       "--seconds",
        "--big",     "--clients",  "--dialect", "--size", "--overwrite", "--ops"};
    if (!kFlags.count(arg)) {
      std::printf("tessera-bench: unknown option %s\n", arg.c_str());
      return std::nullopt;
    }
    if (i + 1 >= argc) {
      std::printf("tessera-bench: %s needs a value\n", arg.c_str());
      return std::nullopt;
    }
    std::string value = argv[++i];
    if (arg == "--dialect") {
      if (value == "s3") {
        o.dialects = {Dialect::kS3};
      } else if (value == "blob") {
        o.dialects = {Dialect::kBlob};
      } else if (value == "both") {
        o.dialects = {Dialect::kS3, Dialect::kBlob};
      } else {
        std::printf("tessera-bench: --dialect takes s3, blob or both, not %s\n", value.c_str());
        return std::nullopt;
      }
    } else if (arg == "--gateway") {
      o.gateway = value;
    } else if (arg == "--endpoint") {
      o.endpoint = value;
    } else if (arg == "--pid") {
      o.pid = static_cast<pid_t>(std::atoi(value.c_str()));
    } else if (arg == "--data") {
      o.data_dir = value;
    } else if (arg == "--tmp") {
      o.tmp_root = value;
    } else if (arg == "--seconds") {
      o.seconds = std::atof(value.c_str());
    } else if (arg == "--big") {
      o.big_gib = std::atoi(value.c_str());
    } else if (arg == "--clients") {
      o.clients = std::atoi(value.c_str());
      o.clients_set = true;
    } else if (arg == "--size") {
      o.only_size = value;
    } else if (arg == "--overwrite") {
      o.overwrite = std::atof(value.c_str());
    } else if (arg == "--ops") {
      o.ops = std::atoi(value.c_str());
    }
  }
  if (o.seconds <= 0 || o.clients <= 0 || o.big_gib < 0 || o.ops < 0) {
    std::printf("tessera-bench: --seconds, --clients, --big and --ops must be positive\n");
    return std::nullopt;
  }
  if (o.dialects.empty()) {
    o.dialects = o.big_gib > 0 ? std::vector<Dialect>{Dialect::kS3}
                               : std::vector<Dialect>{Dialect::kS3, Dialect::kBlob};
  }
  bool blob = std::find(o.dialects.begin(), o.dialects.end(), Dialect::kBlob) != o.dialects.end();
  if (blob && static_cast<uint64_t>(o.big_gib) * kGiB > kMaxPutBlobBytes) {
    std::printf("tessera-bench: --big %d with Blob exceeds the 5000 MiB Put Blob limit\n",
                o.big_gib);
    return std::nullopt;
  }
  return o;
}

// Room for C objects of N GiB on an RS(6,3) store (1.5x) on the data directory's disk.
bool EnoughDisk(const Options& o) {
  struct statvfs fs {};
  if (::statvfs(o.tmp_root.c_str(), &fs) != 0) {
    std::printf("tessera-bench: cannot stat %s\n", o.tmp_root.c_str());
    return false;
  }
  double free_gib = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize) /
                    static_cast<double>(kGiB);
  double need_gib = 1.5 * o.clients * o.big_gib * static_cast<double>(o.dialects.size());
  if (free_gib < need_gib) {
    std::printf(
        "tessera-bench: --big %d --clients %d needs %.1f GiB free under %s (%d x %d GiB per "
        "dialect, x1.5 for erasure coding) but only %.1f GiB is available; use --tmp DIR or "
        "fewer clients\n",
        o.big_gib, o.clients, need_gib, o.tmp_root.c_str(), o.clients, o.big_gib, free_gib);
    return false;
  }
  std::printf("disk: %.1f GiB free under %s, %.1f GiB needed\n", free_gib, o.tmp_root.c_str(),
              need_gib);
  return true;
}

// Prints the row and any failures; returns the phase's error count.
uint64_t Report(const PhaseResult& r) {
  std::printf("%s\n", TableRow(r).c_str());
  for (const auto& [what, count] : r.failures) {
    std::printf("     ! %llux %s\n", static_cast<unsigned long long>(count), what.c_str());
  }
  std::fflush(stdout);
  return r.errors;
}

struct Run {
  pid_t pid = -1;        // the gateway, for CPU and write counters; -1 unknown
  std::string data_dir;  // the gateway's, for the drive's write counter; empty unknown
  Endpoint endpoint;
  Credentials credentials{kAccessKey, kSecret, "us-east-1"};
  RssSampler* sampler = nullptr;
  uint64_t* stored_bytes = nullptr;  // payload bytes of successful PUTs, all phases
  double overwrite = 0;
  Dialect dialect = Dialect::kS3;
  std::string bucket;  // a container for Blob
};

// Runs a phase and adds the gateway's CPU per MB and, for PUT, its write amplification.
template <typename Phase>
PhaseResult Measured(const Run& run, Phase phase) {
  auto device = [&]() -> std::optional<uint64_t> {
    if (run.data_dir.empty()) return std::nullopt;
    return DeviceWrittenBytes(run.data_dir);
  };
  std::optional<uint64_t> device_before = device();
  std::optional<ProcessCost> before = run.pid > 0 ? ReadProcessCost(run.pid) : std::nullopt;
  PhaseResult r = phase();
  std::optional<ProcessCost> after = run.pid > 0 ? ReadProcessCost(run.pid) : std::nullopt;
  if (before && after && r.bytes > 0) {
    r.cpu_ms_per_mb = (after->cpu_seconds - before->cpu_seconds) * 1000 / (r.bytes / 1e6);
    if (r.spec.op == PhaseSpec::Op::kPut) {
      r.write_amp = static_cast<double>(after->write_bytes - before->write_bytes) / r.bytes;
    }
  }
  if (device_before && r.bytes > 0 && r.spec.op == PhaseSpec::Op::kPut) {
    // Metadata pages reach the drive at the next checkpoint (about a second later).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    if (std::optional<uint64_t> device_after = device()) {
      r.write_amp = static_cast<double>(*device_after - *device_before) / r.bytes;
    }
  }
  return r;
}

// PUT then GET of the same keys; returns the error count.
uint64_t PutThenGet(const Run& run, uint64_t size, int clients, int max_ops_per_client,
                    double seconds) {
  PhaseSpec spec;
  spec.dialect = run.dialect;
  spec.bucket = run.bucket;
  spec.key_prefix = FormatSize(size) + "-x" + std::to_string(clients);
  spec.object_size = size;
  spec.clients = clients;
  spec.max_ops_per_client = max_ops_per_client;
  spec.max_seconds = seconds;
  PhaseResult put = Measured(run, [&] {
    return RunPhase(spec, run.endpoint, run.credentials, {}, run.sampler, g_cancel);
  });
  uint64_t errors = Report(put);
  if (run.stored_bytes != nullptr) *run.stored_bytes += put.bytes;
  if (g_cancel) return errors;
  if (run.overwrite > 0 && !put.written.empty()) {
    // Writes the first keys of every client again: that fraction of the data becomes dead.
    PhaseSpec again = spec;
    again.max_ops_per_client = std::max<int>(
        1, static_cast<int>(run.overwrite * static_cast<double>(put.written[0].size())));
    std::printf("     (overwrite %.0f%% of those keys)\n", run.overwrite * 100);
    PhaseResult over = Measured(run, [&] {
      return RunPhase(again, run.endpoint, run.credentials, {}, run.sampler, g_cancel);
    });
    errors += Report(over);
    if (g_cancel) return errors;
  }
  spec.op = PhaseSpec::Op::kGet;
  PhaseResult get = Measured(run, [&] {
    return RunPhase(spec, run.endpoint, run.credentials, put.written, run.sampler, g_cancel);
  });
  return errors + Report(get);
}

uint64_t DefaultMatrix(const Run& run, double seconds, const std::string& only_size,
                       int only_clients, int ops) {
  struct Size {
    uint64_t bytes;
    int max_ops;  // per phase, over all clients
  };
  const Size sizes[] = {{4 * kKiB, 5000}, {1 * kMiB, 500}, {64 * kMiB, 64}};
  uint64_t errors = 0;
  for (const Size& size : sizes) {
    if (!only_size.empty() && FormatSize(size.bytes) != only_size) continue;
    for (int clients : {1, 16}) {
      if (only_clients > 0) {
        if (clients == 16) break;
        clients = only_clients;
      }
      if (g_cancel) return errors;
      const int phase_ops = ops > 0 ? ops : size.max_ops;
      int per_client = std::max(1, (phase_ops + clients - 1) / clients);
      errors += PutThenGet(run, size.bytes, clients, per_client, seconds);
    }
  }
  return errors;
}

// Creates the dialect's bucket (container) and runs the matrix or --big in it, printing one
// table. Returns the error count; `created` tells whether the bucket exists.
uint64_t RunDialect(const Run& run, const Options& o, bool* created) {
  const char* title = run.dialect == Dialect::kBlob ? "Blob" : "S3";
  const char* noun = run.dialect == Dialect::kBlob ? "container" : "bucket";
  Connection admin(run.endpoint, run.credentials, run.dialect);
  Result<Response> made = admin.CreateBucket(run.bucket);
  *created = made.ok() && made->status == admin.CreateBucketStatus();
  if (!*created) {
    std::string why = made.ok() ? "HTTP " + std::to_string(made->status) + " " + made->error_code +
                                      " " + made->body_prefix
                                : made.status().message();
    std::printf("tessera-bench: create %s %s failed: %s\n", noun, run.bucket.c_str(), why.c_str());
    return 1;
  }
  std::printf("\n%s (%s %s)\n%s\n", title, noun, run.bucket.c_str(), TableHeader().c_str());
  if (o.big_gib > 0) {
    return PutThenGet(run, static_cast<uint64_t>(o.big_gib) * kGiB, o.clients, 1, 0);
  }
  return DefaultMatrix(run, o.seconds, o.only_size, o.clients_set ? o.clients : 0, o.ops);
}

int Main(int argc, char** argv) {
  std::optional<Options> options = ParseOptions(argc, argv);
  if (!options) return Usage();
  const Options& o = *options;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::unique_ptr<GatewayProcess> gateway;
  Run run;
  pid_t pid = o.pid;
  std::string url = o.endpoint;
  if (url.empty()) {
    if (o.big_gib > 0 && !EnoughDisk(o)) return 1;
    Result<std::unique_ptr<GatewayProcess>> started = GatewayProcess::Start(o.gateway, o.tmp_root);
    if (!started.ok()) {
      std::printf("tessera-bench: gateway failed to start: %s\n",
                  started.status().message().c_str());
      return 1;
    }
    gateway = std::move(started).value();
    url = gateway->url();
    pid = gateway->pid();
    std::printf("gateway: %s (pid %d), data in %s\n", url.c_str(), static_cast<int>(pid),
                gateway->dir().c_str());
  } else if (o.big_gib > 0) {
    std::printf("note: --endpoint given, free disk space of the gateway is not checked\n");
  }
  Result<Endpoint> endpoint = ParseEndpoint(url);
  if (!endpoint.ok()) {
    std::printf("tessera-bench: %s: %s\n", url.c_str(), endpoint.status().message().c_str());
    return 1;
  }
  run.endpoint = *endpoint;
  run.pid = pid;
  run.data_dir = gateway ? gateway->dir() : o.data_dir;
  run.overwrite = o.overwrite;
  uint64_t stored_bytes = 0;
  run.stored_bytes = &stored_bytes;
  std::unique_ptr<RssSampler> sampler;
  if (pid > 0) sampler = std::make_unique<RssSampler>(pid, /*interval_ms=*/100);
  run.sampler = sampler.get();
  std::string suffix = std::to_string(NowMicros() / 1000000);

  uint64_t errors = 0;
  std::vector<std::string> left;  // buckets and containers holding the bench's objects
  for (Dialect dialect : o.dialects) {
    if (g_cancel) break;
    run.dialect = dialect;
    run.bucket = std::string("tessera-bench-") + DialectName(dialect) + "-" + suffix;
    bool created = false;
    errors += RunDialect(run, o, &created);
    if (created) left.push_back(run.bucket);
  }

  bool gateway_ok = true;
  if (gateway && stored_bytes > 0) {
    const uint64_t on_disk = DiskUsage(gateway->dir());
    std::printf("\nspace: %.1f MB of objects take %.1f MB on disk (data and metadata): %.2fx\n",
                stored_bytes / 1e6, on_disk / 1e6, static_cast<double>(on_disk) / stored_bytes);
  }
  if (pid > 0) {
    if (std::optional<MemoryUsage> mem = ReadMemoryUsage(pid)) {
      std::printf("\ngateway memory: peak RSS (VmHWM) %.1f MiB, current RSS %.1f MiB\n",
                  static_cast<double>(mem->hwm_kib) / 1024.0,
                  static_cast<double>(mem->rss_kib) / 1024.0);
    }
  }
  sampler.reset();
  if (gateway) {
    bool died = !gateway->Running();
    std::string how = gateway->Stop();
    gateway_ok = !died && how == "exit 0";
    std::printf("gateway: %s%s\n", died ? "died during the run, " : "stopped, ", how.c_str());
    // The gateway reports what its drive store wrote when it stops.
    const std::string tail = gateway->LogTail(4096);
    const size_t at = tail.rfind("tessera: store: ");
    if (at != std::string::npos) {
      std::printf("gateway %s\n", tail.substr(at + 9, tail.find('\n', at) - at - 9).c_str());
    }
    if (!gateway_ok || errors > 0) {
      std::printf("--- end of gateway log ---\n%s\n---\n", gateway->LogTail(4096).c_str());
    }
  } else {
    for (const std::string& bucket : left) std::printf("objects left in %s\n", bucket.c_str());
  }
  if (g_cancel) std::printf("interrupted\n");
  std::printf("%s: %llu errors\n", errors == 0 && gateway_ok ? "ok" : "FAILED",
              static_cast<unsigned long long>(errors));
  return errors == 0 && gateway_ok && !g_cancel ? 0 : 1;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) { return tessera::bench::Main(argc, argv); }
