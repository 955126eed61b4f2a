// tessera: the gateway binary.
//
//   tessera serve [--data DIR] [--listen HOST:PORT[/blob]]... [--admin HOST:PORT|none]
//                 [--access-log FILE|-] [--tls-cert FILE --tls-key FILE] [--log-level L]
//                 [--config FILE] [--ready-file FILE]
//   tessera compact [--data DIR] [--config FILE] [--below FRACTION]
//   tessera check [--data DIR] [--config FILE]
//   tessera heal|drive|admin ...   (gateway/admin_cli.h)
//
// With no flags: the embedded default on 127.0.0.1:9000 and 127.0.0.1:10000 (admin on
// 127.0.0.1:9001), data under $TESSERA_DATA or ~/.local/share/tessera, the development
// account.

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "backend/drive/segment_store.h"
#include "backend/store/embedded_store.h"
#include "common/log.h"
#include "gateway/accounts.h"
#include "gateway/admin.h"
#include "gateway/admin_cli.h"
#include "gateway/admin_client.h"
#include "gateway/admission.h"
#include "gateway/config.h"
#include "gateway/server.h"
#include "protocols/blob/handler.h"
#include "protocols/s3/handler.h"

namespace tessera::gateway {
namespace {

int Usage(FILE* out = stderr) {
  std::fprintf(
      out,
      "usage: tessera serve [--data DIR] [--listen HOST:PORT]... [--admin HOST:PORT|none]\n"
      "                     [--access-log FILE|-] [--tls-cert FILE --tls-key FILE]\n"
      "                     [--log-level debug|info|warn|error]\n"
      "                     [--config FILE] [--ready-file FILE]\n"
      "       tessera compact [--data DIR] [--config FILE] [--below FRACTION]\n"
      "       tessera check [--data DIR] [--config FILE]\n"
      "       tessera heal status\n"
      "       tessera drive list|fail ID|restore ID\n"
      "       tessera admin capacity\n"
      "       tessera admin account list|create N|show N|keys N|disable N|enable N|delete N\n"
      "       tessera admin account rotate-key N key1|key2\n"
      "       tessera admin account limits N [requests_per_s=R] [bytes_per_s=B]\n"
      "       tessera admin account usage N\n"
      "       tessera admin account quota N [BUCKET] [max_bytes=B] [max_objects=O]\n"
      "  heal, drive and admin take [--admin HOST:PORT | --endpoint URL] [--admin-key KEY]\n"
      "  [--data DIR] [--json]; the key defaults to $TESSERA_ADMIN_TOKEN, else DIR/admin.key\n");
  return 2;
}

Result<Config> ParseArgs(int argc, char** argv, double* below = nullptr) {
  std::string data_dir = DefaultDataDir();
  std::string config_file;
  std::string ready_file;
  std::vector<ListenAddress> listeners;
  std::optional<std::string> admin;
  std::optional<std::string> access_log;
  std::optional<std::string> tls_cert, tls_key, log_level;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> Result<std::string> {
      if (i + 1 >= argc) return Status(ErrorCode::kInvalidArgument, arg + " needs a value");
      return std::string(argv[++i]);
    };
    if (arg == "--data") {
      ASSIGN_OR_RETURN(data_dir, next());
    } else if (arg == "--listen") {
      ASSIGN_OR_RETURN(std::string text, next());
      ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(text));
      listeners.push_back(address);
    } else if (arg == "--admin" && below == nullptr) {
      ASSIGN_OR_RETURN(std::string text, next());
      if (text != "none") RETURN_IF_ERROR(ParseListenAddress(text).status());
      admin = text;
    } else if (arg == "--access-log" && below == nullptr) {
      ASSIGN_OR_RETURN(access_log, next());
    } else if (arg == "--tls-cert" && below == nullptr) {
      ASSIGN_OR_RETURN(std::string text, next());
      tls_cert = text;
    } else if (arg == "--tls-key" && below == nullptr) {
      ASSIGN_OR_RETURN(std::string text, next());
      tls_key = text;
    } else if (arg == "--log-level") {
      ASSIGN_OR_RETURN(log_level, next());
    } else if (arg == "--config") {
      ASSIGN_OR_RETURN(config_file, next());
    } else if (arg == "--ready-file" && below == nullptr) {
      ASSIGN_OR_RETURN(ready_file, next());
    } else if (arg == "--below" && below != nullptr) {
      ASSIGN_OR_RETURN(std::string text, next());
      char* end = nullptr;
      *below = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0' || !(*below > 0 && *below <= 1)) {
        return Status(ErrorCode::kInvalidArgument, "--below takes a fraction in (0, 1]");
      }
    } else {
      return Status(ErrorCode::kInvalidArgument, "unknown option " + arg);
    }
  }
  Config config = DefaultConfig(std::filesystem::absolute(data_dir).string());
  if (!config_file.empty()) RETURN_IF_ERROR(ApplyConfigFile(config_file, config));
  if (!listeners.empty()) {
    config.listeners = listeners;
    // Named listeners replace the defaults, the default admin listener's too (one the
    // config file names stays).
    const ListenAddress fallback = *DefaultConfig("").admin;
    if (config.admin && config.admin->host == fallback.host &&
        config.admin->port == fallback.port) {
      config.admin.reset();
    }
  }
  if (admin) {
    config.admin.reset();
    if (*admin != "none") config.admin = *ParseListenAddress(*admin);
  }
  config.config_file = config_file;
  if (log_level) {
    if (!ParseLogLevel(*log_level)) {
      return Status(ErrorCode::kInvalidArgument, "--log-level is debug, info, warn or error");
    }
    config.log_level = *log_level;
    config.log_level_from_flag = true;
  }
  if (access_log) config.access_log = *access_log;
  if (tls_cert) config.tls_cert = *tls_cert;
  if (tls_key) config.tls_key = *tls_key;
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "a TLS certificate needs its key, and a key its certificate");
  }
  config.ready_file = ready_file;
  return config;
}

// One data endpoint per line, then "admin ENDPOINT" when there is an admin listener.
void WriteReadyFile(const std::string& path, const std::vector<std::string>& endpoints,
                    const std::string& admin) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    for (const auto& e : endpoints) out << e << "\n";
    if (!admin.empty()) out << "admin " << admin << "\n";
  }
  std::filesystem::rename(tmp, path);
}

// The stores of one data directory, opened in dependency order.
struct Stores {
  int lock_fd = -1;
  std::shared_ptr<drive::SegmentStore> segments;
  std::unique_ptr<ObjectStore> objects;
  ~Stores() {
    objects.reset();
    segments.reset();
    if (lock_fd >= 0) ::close(lock_fd);
  }
};

// Takes the data directory's lock (one process at a time), then opens metadata, the drive
// store and the object store. Prints what went wrong and returns false on failure.
bool OpenStores(const Config& config, bool background_compaction, Stores* stores) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir + "/meta", ec);
  for (const auto& drive : config.drives) {
    if (!ec) std::filesystem::create_directories(drive.path, ec);
  }
  for (const auto& buffer : config.buffers) {
    if (!ec) std::filesystem::create_directories(buffer.path, ec);
  }
  if (ec) {
    std::fprintf(stderr, "tessera: cannot create %s: %s\n", config.data_dir.c_str(),
                 ec.message().c_str());
    return false;
  }
  const std::string lock_path = config.data_dir + "/LOCK";
  stores->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (stores->lock_fd < 0 || ::flock(stores->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "tessera: %s is in use by another tessera process\n",
                 config.data_dir.c_str());
    return false;
  }
  store::EmbeddedStoreOptions options;
  options.meta_dir = config.data_dir + "/meta";
  options.verify_metadata = config.verify_metadata;
  // Small bodies go to the write buffer, not into metadata; objects stored inline by older
  // builds are still read from there.
  if (!config.buffers.empty()) options.inline_threshold = 0;
  auto env = store::OpenMetadata(options);
  if (!env.ok()) {
    std::fprintf(stderr, "tessera: metadata: %s\n", env.status().ToString().c_str());
    return false;
  }
  drive::SegmentStoreOptions storage = config.storage;
  storage.profile = config.profile;
  if (!background_compaction) {
    // An offline command works alone: no background passes, probes or scrubbing.
    storage.compact_interval_ms = 0;
    storage.destage_interval_ms = 0;
    storage.probe_interval_ms = 0;
  }
  auto segments = drive::SegmentStore::Open(*env, config.drives, storage, config.buffers);
  if (!segments.ok()) {
    std::fprintf(stderr, "tessera: drives: %s\n", segments.status().ToString().c_str());
    return false;
  }
  stores->segments = std::move(segments).value();
  auto objects = store::OpenEmbeddedStore(options, *env, stores->segments);
  if (!objects.ok()) {
    std::fprintf(stderr, "tessera: metadata: %s\n", objects.status().ToString().c_str());
    return false;
  }
  stores->objects = std::move(objects).value();
  return true;
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

int Compact(int argc, char** argv) {
  double below = 1.0;
  auto config = ParseArgs(argc, argv, &below);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return Usage();
  }
  Stores stores;
  if (!OpenStores(*config, /*background_compaction=*/false, &stores)) return 1;
  auto destaged = stores.segments->Destage(/*all=*/true);
  if (!destaged.ok()) {
    std::fprintf(stderr, "tessera: destage: %s\n", destaged.status().ToString().c_str());
    return 1;
  }
  std::printf("tessera: destaged %llu buffered extents (%s)\n",
              static_cast<unsigned long long>(destaged->extents), Mib(destaged->bytes).c_str());
  auto before = stores.segments->Space();
  auto report = stores.segments->Compact(below);
  auto after = stores.segments->Space();
  if (!before.ok() || !report.ok() || !after.ok()) {
    const Status& s = !before.ok()   ? before.status()
                      : !report.ok() ? report.status()
                                     : after.status();
    std::fprintf(stderr, "tessera: compact: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("tessera: compacted %llu segments, removed %llu, moved %s, reclaimed %s\n",
              static_cast<unsigned long long>(report->segments_compacted),
              static_cast<unsigned long long>(report->segments_removed),
              Mib(report->bytes_moved).c_str(), Mib(report->bytes_reclaimed).c_str());
  std::printf("tessera: segments %s -> %s (%llu files), live %s\n",
              Mib(before->segment_bytes).c_str(), Mib(after->segment_bytes).c_str(),
              static_cast<unsigned long long>(after->segments), Mib(after->live_bytes).c_str());
  return 0;
}

// Verifies a stopped gateway's directory: every extent metadata references is read back
// and checked (every fragment and buffered copy), and the bytes on the drives that nothing
// references are counted. Exit status 1 when something is damaged.
int Check(int argc, char** argv) {
  auto config = ParseArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return Usage();
  }
  config->verify_metadata = true;  // whatever the config says: checking is the point
  Stores stores;
  if (!OpenStores(*config, /*background_compaction=*/false, &stores)) return 1;
  drive::SegmentStore& segments = *stores.segments;
  segments.ProbeDrives();
  int down = 0;
  for (const drive::DriveHealth& h : segments.Health()) {
    if (h.up) continue;
    ++down;
    std::printf("tessera: check: drive %u (region %s%s) is not usable\n", h.id, h.region.c_str(),
                h.buffer ? ", write buffer" : "");
  }
  std::vector<uint64_t> damaged;
  auto checked = segments.CheckAll(&damaged);
  auto space = segments.Space();
  if (!checked.ok() || !space.ok()) {
    const Status& s = !checked.ok() ? checked.status() : space.status();
    std::fprintf(stderr, "tessera: check: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf(
      "tessera: check: %llu extents, %s read back, %llu damaged, %llu not spread as "
      "the profile says\n",
      static_cast<unsigned long long>(checked->extents), Mib(checked->bytes).c_str(),
      static_cast<unsigned long long>(checked->bad),
      static_cast<unsigned long long>(checked->crowded));
  for (uint64_t id : damaged) {
    std::printf("tessera: check: extent %016llx has a damaged fragment or copy\n",
                static_cast<unsigned long long>(id));
  }
  std::printf(
      "tessera: check: %llu segment files, %s; %s referenced, %s unreferenced (tessera compact "
      "reclaims it)\n",
      static_cast<unsigned long long>(space->segments), Mib(space->segment_bytes).c_str(),
      Mib(space->live_bytes).c_str(), Mib(space->dead_bytes()).c_str());
  if (checked->bad > 0 || checked->crowded > 0 || down > 0) {
    std::printf(
        "tessera: check: redundancy is short of the profile; a running gateway rebuilds and "
        "spreads what it can from the fragments that are good\n");
    return 1;
  }
  std::printf("tessera: check: ok\n");
  return 0;
}

// The admin key of a gateway whose config names none: made once, kept in `path` (0600).
Result<std::string> LoadOrCreateAdminKey(const std::string& path) {
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && !key.empty()) return key;
  key = NewAccountKey().substr(0, 43);  // 256 random bits, base64
  for (char& c : key) {
    if (c == '/' || c == '+') c = 'x';  // safe in a shell and a URL
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kInternal, "cannot write " + tmp);
  const std::string line = key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status(ErrorCode::kInternal, "cannot write " + path);
  }
  return key;
}

int Serve(int argc, char** argv) {
  auto config = ParseArgs(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return Usage();
  }
  Stores stores;
  if (!OpenStores(*config, /*background_compaction=*/true, &stores)) return 1;
  ObjectStore& object_store = *stores.objects;
  auth::AccountDirectory accounts;
  RateLimiter limiter;
  AccountManager account_manager(object_store, accounts,
                                 [&limiter](const auto& all) { limiter.SetLimits(all); });
  if (Status s = account_manager.Seed(config->accounts); !s.ok()) {
    std::fprintf(stderr, "tessera: accounts: %s\n", s.ToString().c_str());
    return 1;
  }
  const bool generated_admin_key = config->admin_token.empty();
  if (generated_admin_key) {
    auto key = LoadOrCreateAdminKey(config->data_dir + "/admin.key");
    if (!key.ok()) {
      std::fprintf(stderr, "tessera: admin key: %s\n", key.status().ToString().c_str());
      return 1;
    }
    config->admin_token = *key;
  }
  s3::S3Options s3_options;
  s3_options.virtual_host_domains = config->s3_domains;
  s3_options.region = config->region;
  s3_options.gate = &limiter;
  s3::S3Handler s3_handler(object_store, accounts, s3_options);
  blob::BlobOptions blob_options;
  blob_options.gate = &limiter;
  blob::BlobHandler blob_handler(object_store, accounts, blob_options);

  // Declared before the server: its destructor waits for requests still running on its
  // workers, which may use these.
  RequestLog requests;
  if (!config->access_log.empty()) {
    if (Status s = requests.OpenAccessLog(config->access_log); !s.ok()) {
      std::fprintf(stderr, "tessera: %s\n", s.message().c_str());
      return 1;
    }
  }
  const Server* serving = nullptr;
  AdminHandler admin(
      *stores.segments, [&serving] { return serving ? serving->Stats() : ServerStats{}; },
      &requests, config->admin_token, &account_manager);
  Server server(&s3_handler, &blob_handler, config->limits);
  serving = &server;
  server.OnCompleted([&requests, &limiter](const Completed& done) {
    limiter.Charge(done.record.account, done.bytes_out);
    requests.Record(done);
  });
  SetLogLevel(*ParseLogLevel(config->log_level));
  server.OnHangup([&requests, &server, &config] {
    // What can change without a restart: the access log file (after rotation), the TLS
    // certificate and key, the log level (read again from the config file, when there is
    // one and it does not name one on the command line). Accounts, keys, quotas and rate
    // limits change through the admin API at any time.
    if (!config->config_file.empty() && !config->log_level_from_flag) {
      Config reread = DefaultConfig(config->data_dir);
      Status read = ApplyConfigFile(config->config_file, reread);
      if (read.ok()) SetLogLevel(*ParseLogLevel(reread.log_level));
      std::fprintf(stderr, "tessera: SIGHUP: log level %s\n",
                   read.ok() ? reread.log_level.c_str() : read.message().c_str());
    }
    Status s = requests.ReopenAccessLog();
    std::fprintf(stderr, "tessera: SIGHUP: access log %s\n",
                 s.ok() ? "reopened" : s.message().c_str());
    s = server.ReloadTls();
    std::fprintf(stderr, "tessera: SIGHUP: TLS %s\n", s.ok() ? "reloaded" : s.message().c_str());
  });
  Status listening = Status::Ok();
  if (!config->tls_cert.empty()) listening = server.SetTls(config->tls_cert, config->tls_key);
  if (listening.ok()) listening = server.Listen(config->listeners);
  if (listening.ok() && config->admin) listening = server.ListenAdmin(*config->admin, &admin);
  if (!listening.ok()) {
    std::fprintf(stderr, "tessera: %s\n", listening.ToString().c_str());
    return 1;
  }
  std::printf(
      "tessera: data directory %s (%zu drives, RS(%d,%d), at most %d fragments per region)\n",
      config->data_dir.c_str(), config->drives.size(), config->profile.k, config->profile.m,
      config->profile.max_per_region);
  std::vector<std::string> endpoints = server.Endpoints();
  std::string blob_endpoint = endpoints.back();
  for (size_t i = 0; i < endpoints.size(); ++i) {
    bool blob_default = config->listeners[i].dialect == Dialect::kBlob;
    if (blob_default) blob_endpoint = endpoints[i];
    std::printf("tessera: listening on %s (S3 and Blob; unsigned requests: %s)\n",
                endpoints[i].c_str(), blob_default ? "Blob" : "S3");
  }
  if (config->admin) {
    std::printf("tessera: admin on %s (/metrics, /healthz, /readyz, /admin/v1/heal)\n",
                server.AdminEndpoint().c_str());
  }
  if (config->admin && generated_admin_key) {
    std::printf("tessera: admin key %s (in %s/admin.key; set admin_token to choose one)\n",
                config->admin_token.c_str(), config->data_dir.c_str());
  }
  for (const auto& a : accounts.all()) {
    // Only the development account's secret is public; others' stay secret.
    if (a.name != kDevAccountName || a.key != kDevAccountKey) {
      std::printf("tessera: account %s%s\n", a.name.c_str(), a.disabled ? " (disabled)" : "");
      continue;
    }
    std::printf(
        "tessera: account %s\n  S3:   access key id %s, secret %s\n"
        "  Blob: DefaultEndpointsProtocol=%s;AccountName=%s;AccountKey=%s;"
        "BlobEndpoint=%s/%s;\n",
        a.name.c_str(), a.name.c_str(), a.key.c_str(),
        blob_endpoint.starts_with("https:") ? "https" : "http", a.name.c_str(), a.key.c_str(),
        blob_endpoint.c_str(), a.name.c_str());
  }
  std::fflush(stdout);
  if (!config->ready_file.empty()) {
    WriteReadyFile(config->ready_file, server.Endpoints(), server.AdminEndpoint());
  }
  server.Run(/*handle_signals=*/true);
  const drive::StoreCounters c = stores.segments->counters();
  std::printf(
      "tessera: store: %llu user bytes written, %llu to segments (%.2fx with destaging), %llu "
      "to the write buffer, %llu rewritten by compaction, %llu segments removed, %llu "
      "degraded reads, %llu degraded writes, %llu extents healed (%llu bytes)\n",
      static_cast<unsigned long long>(c.user_bytes),
      static_cast<unsigned long long>(c.segment_bytes + c.destage_segment_bytes),
      c.user_bytes ? static_cast<double>(c.segment_bytes + c.destage_segment_bytes) / c.user_bytes
                   : 0.0,
      static_cast<unsigned long long>(c.buffer_bytes),
      static_cast<unsigned long long>(c.compacted_bytes),
      static_cast<unsigned long long>(c.segments_removed),
      static_cast<unsigned long long>(c.degraded_stripes),
      static_cast<unsigned long long>(c.degraded_writes),
      static_cast<unsigned long long>(c.healed_extents),
      static_cast<unsigned long long>(c.healed_bytes));
  std::printf("tessera: stopped\n");
  return 0;
}

}  // namespace
}  // namespace tessera::gateway

int main(int argc, char** argv) {
  // SIGHUP (a reload) must not kill the process while it starts; the server handles it once
  // it runs.
  std::signal(SIGHUP, SIG_IGN);
  if (argc < 2) return tessera::gateway::Serve(argc, argv);
  std::string command = argv[1];
  if (command == "--version" || command == "version") {
    std::printf("tessera %s\n", TESSERA_VERSION);
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("tessera %s\n", TESSERA_VERSION);
      tessera::gateway::Usage(stdout);
      return 0;
    }
  }
  if (command == "serve") return tessera::gateway::Serve(argc, argv);
  if (command == "compact") return tessera::gateway::Compact(argc, argv);
  if (command == "check") return tessera::gateway::Check(argc, argv);
  if (command == "heal") return tessera::gateway::HealCommand(argc, argv);
  if (command == "drive") return tessera::gateway::DriveCommand(argc, argv);
  if (command == "admin") return tessera::gateway::AdminCommand(argc, argv);
  if (command == "help") {
    tessera::gateway::Usage(stdout);
    return 0;
  }
  return tessera::gateway::Usage();
}
