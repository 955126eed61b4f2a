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

#include <CLI/CLI.hpp>
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

// What the command line says, before the config file is read.
struct Flags {
  std::string data_dir = DefaultDataDir();
  std::string config_file;
  std::vector<std::string> listen;
  std::string admin;  // "" = as the config says; "none" = no admin listener
  std::optional<std::string> access_log, tls_cert, tls_key, log_level;
  std::string ready_file;
  double below = 1.0;  // tessera compact
};

// The config: the embedded default, the config file over it, the flags over both.
Result<Config> BuildConfig(const Flags& flags) {
  std::vector<ListenAddress> listeners;
  for (const std::string& text : flags.listen) {
    ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(text));
    listeners.push_back(address);
  }
  if (!flags.admin.empty() && flags.admin != "none") {
    RETURN_IF_ERROR(ParseListenAddress(flags.admin).status());
  }
  Config config = DefaultConfig(std::filesystem::absolute(flags.data_dir).string());
  if (!flags.config_file.empty()) RETURN_IF_ERROR(ApplyConfigFile(flags.config_file, config));
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
  if (!flags.admin.empty()) {
    config.admin.reset();
    if (flags.admin != "none") config.admin = *ParseListenAddress(flags.admin);
  }
  config.config_file = flags.config_file;
  if (flags.log_level) {
    config.log_level = *flags.log_level;  // checked by the parser
    config.log_level_from_flag = true;
  }
  if (flags.access_log) config.access_log = *flags.access_log;
  if (flags.tls_cert) config.tls_cert = *flags.tls_cert;
  if (flags.tls_key) config.tls_key = *flags.tls_key;
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "a TLS certificate needs its key, and a key its certificate");
  }
  config.ready_file = flags.ready_file;
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
  options.journal = config.metadata_journal;
  options.checkpoint_ms = config.metadata_checkpoint_ms;
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

int Compact(const Flags& flags) {
  const double below = flags.below;
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return 2;
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
int Check(const Flags& flags) {
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return 2;
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

int Serve(const Flags& flags) {
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "tessera: %s\n", config.status().ToString().c_str());
    return 2;
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
    // certificate and key, and from the config file read again (when there is one) the log
    // level (unless --log-level named one) and the limits but the thread counts. Accounts,
    // keys, quotas and rate limits change through the admin API at any time.
    if (!config->config_file.empty()) {
      Config reread = DefaultConfig(config->data_dir);
      Status read = ApplyConfigFile(config->config_file, reread);
      if (!read.ok()) {
        std::fprintf(stderr, "tessera: SIGHUP: config: %s (nothing changed)\n",
                     read.message().c_str());
      } else {
        if (!config->log_level_from_flag) SetLogLevel(*ParseLogLevel(reread.log_level));
        server.UpdateLimits(reread.limits);
        const Limits& l = reread.limits;
        std::fprintf(stderr,
                     "tessera: SIGHUP: log level %s; limits: header %u bytes, %u s; idle %u s; "
                     "body %u s; %u connections; grace %u s%s\n",
                     LogLevelName(GetLogLevel()), l.header_limit, l.header_timeout_s,
                     l.idle_timeout_s, l.body_timeout_s, l.max_connections, l.shutdown_grace_s,
                     l.worker_threads != config->limits.worker_threads ||
                             l.io_threads != config->limits.io_threads
                         ? " (thread counts change at restart)"
                         : "");
      }
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
      "tessera: store: %llu user bytes written; %llu to segments, %llu to the write buffer, "
      "%llu destaged, %llu rewritten by compaction (write amplification %.2fx); %llu segments "
      "removed, %llu degraded reads, %llu degraded writes, %llu extents healed (%llu bytes)\n",
      static_cast<unsigned long long>(c.user_bytes),
      static_cast<unsigned long long>(c.segment_bytes),
      static_cast<unsigned long long>(c.buffer_bytes),
      static_cast<unsigned long long>(c.destage_segment_bytes),
      static_cast<unsigned long long>(c.compacted_bytes),
      c.user_bytes ? static_cast<double>(c.segment_bytes + c.buffer_bytes +
                                         c.destage_segment_bytes + c.compacted_bytes) /
                         c.user_bytes
                   : 0.0,
      static_cast<unsigned long long>(c.segments_removed),
      static_cast<unsigned long long>(c.degraded_stripes),
      static_cast<unsigned long long>(c.degraded_writes),
      static_cast<unsigned long long>(c.healed_extents),
      static_cast<unsigned long long>(c.healed_bytes));
  std::printf("tessera: stopped\n");
  return 0;
}

// The options of `serve`, `compact` and `check`.
void AddStoreOptions(CLI::App* command, Flags& f) {
  command->add_option("--data", f.data_dir,
                      "Data directory (default $TESSERA_DATA or "
                      "~/.local/share/tessera)");
  command->add_option("--config", f.config_file, "JSON config file (see README)");
}

void AddServeOptions(CLI::App* serve, Flags& f) {
  AddStoreOptions(serve, f);
  serve
      ->add_option("--listen", f.listen,
                   "[https://]HOST:PORT[/blob], repeatable (default 127.0.0.1:9000 and "
                   "127.0.0.1:10000/blob)")
      ->allow_extra_args(false);
  serve->add_option("--admin", f.admin, "Admin listener HOST:PORT, or none");
  serve->add_option_function<std::string>(
      "--access-log", [&f](const std::string& v) { f.access_log = v; },
      "One JSON line per request to FILE (- = stdout)");
  serve->add_option_function<std::string>(
      "--tls-cert", [&f](const std::string& v) { f.tls_cert = v; },
      "PEM certificate chain for https:// listeners");
  serve->add_option_function<std::string>(
      "--tls-key", [&f](const std::string& v) { f.tls_key = v; }, "PEM private key");
  serve
      ->add_option_function<std::string>(
          "--log-level", [&f](const std::string& v) { f.log_level = v; },
          "debug, info, warn or error (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  serve->add_option("--ready-file", f.ready_file,
                    "Written with the bound endpoints once listening");
}

// The options of `heal`, `drive` and `admin`; their words are the rest of the line.
void AddAdminOptions(CLI::App* command, AdminArgs& a) {
  command->add_option("--admin,--endpoint", a.address,
                      "The gateway's admin listener, HOST:PORT or http://HOST:PORT "
                      "(default 127.0.0.1:9001)");
  command->add_option("--admin-key,--token", a.token,
                      "The admin key (default $TESSERA_ADMIN_TOKEN, else DATA/admin.key)");
  command->add_option("--data", a.data_dir, "Where to find admin.key");
  command->add_flag("--json", a.json, "Print the JSON reply");
  command->add_option("words", a.words, "What to do")->required();
}

int Main(int argc, char** argv) {
  CLI::App app("tessera " TESSERA_VERSION
               ": one endpoint for the S3 and Azure Blob APIs over erasure-coded storage",
               "tessera");
  app.set_version_flag("--version", "tessera " TESSERA_VERSION);
  app.require_subcommand(0, 1);
  app.footer("With no command: tessera serve on the embedded default.");
  Flags flags;
  AdminArgs admin;
  CLI::App* serve = app.add_subcommand("serve", "Run the gateway");
  AddServeOptions(serve, flags);
  CLI::App* compact = app.add_subcommand(
      "compact", "Destage the write buffer and compact segments of a stopped gateway");
  AddStoreOptions(compact, flags);
  compact->add_option("--below", flags.below, "Rewrite segments whose live fraction is below this")
      ->check(CLI::Range(0.000001, 1.0));
  CLI::App* check =
      app.add_subcommand("check", "Read back and verify every extent of a stopped gateway");
  AddStoreOptions(check, flags);
  CLI::App* heal = app.add_subcommand("heal", "Heal status of a running gateway: heal status");
  AddAdminOptions(heal, admin);
  CLI::App* drive =
      app.add_subcommand("drive", "Drives of a running gateway: drive list | fail ID | restore ID");
  AddAdminOptions(drive, admin);
  CLI::App* admin_command = app.add_subcommand("admin", "Operate a running gateway");
  AddAdminOptions(admin_command, admin);
  admin_command->footer(
      "Commands:\n"
      "  capacity\n"
      "  account list | create N | show N | keys N | disable N | enable N | delete N\n"
      "  account rotate-key N key1|key2\n"
      "  account limits N [requests_per_s=R] [bytes_per_s=B]\n"
      "  account usage N\n"
      "  account quota N [BUCKET] [max_bytes=B] [max_objects=O]");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help, the version or the error
    return status == 0 ? 0 : 2;
  }
  if (*compact) return Compact(flags);
  if (*check) return Check(flags);
  if (*heal) return HealCommand(admin);
  if (*drive) return DriveCommand(admin);
  if (*admin_command) return AdminCommand(admin);
  return Serve(flags);
}

}  // namespace
}  // namespace tessera::gateway

int main(int argc, char** argv) {
  // SIGHUP (a reload) must not kill the process while it starts; the server handles it once
  // it runs.
  std::signal(SIGHUP, SIG_IGN);
  return tessera::gateway::Main(argc, argv);
}
