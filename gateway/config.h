#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "backend/api/status.h"
#include "backend/drive/segment_store.h"
#include "protocols/dialect.h"

namespace tessera::gateway {

// A listener serves both dialects; `dialect` is the one assumed when a request carries no
// sign of either (an anonymous GET from a browser, say).
struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0 = ephemeral
  Dialect dialect = Dialect::kS3;
  bool tls = false;  // written "https://HOST:PORT": serves TLS with Config::tls_cert/tls_key
};

struct Limits {
  uint32_t header_limit = 64 * 1024;  // request head, bytes
  uint32_t header_timeout_s = 30;     // first byte to end of head
  uint32_t idle_timeout_s = 60;       // keep-alive wait for the next request
  uint32_t body_timeout_s = 120;      // no body progress for this long
  uint32_t max_connections = 1024;    // past it, the longest idle connection is closed
  uint32_t max_connections_per_address = 256;
  uint32_t min_body_bytes_per_s = 1024;  // over each 10 s spent waiting for a body
  uint32_t worker_threads = 32;          // blocking store calls
  uint32_t io_threads = 2;               // sockets and HTTP parsing
  uint32_t shutdown_grace_s = 30;        // SIGTERM: finish in-flight requests
};

struct Config {
  std::string data_dir;
  std::vector<ListenAddress> listeners;
  std::vector<drive::DriveSpec> drives;
  std::vector<drive::DriveSpec> buffers;  // write-buffer devices, one per region
  drive::EcProfile profile;
  drive::SegmentStoreOptions storage;  // its profile is `profile`
  std::vector<auth::Account> accounts;
  std::vector<std::string> s3_domains = {"localhost", "s3.localhost"};
  std::string region = "us-east-1";
  Limits limits;
  std::string ready_file;  // written with the bound endpoints once listening
  // The admin listener (gateway/admin.h): metrics, health, heal status, drive states. The
  // embedded default has one on 127.0.0.1:9001; naming the data listeners (--listen, or
  // "listen" in a config file) drops it unless it is named too.
  std::optional<ListenAddress> admin;
  std::string tls_cert;  // PEM certificate chain for https listeners (reloaded on SIGHUP)
  std::string tls_key;   // PEM private key
  // The admin key, required by admin changes and the account API. Unset: one is generated
  // into <data_dir>/admin.key on first start and printed at start (development mode).
  std::string admin_token;
  // Read the whole metadata file back at start (its structure and every record's checksum):
  // about 0.5 s per million objects.
  bool verify_metadata = true;
  // Metadata commits are made durable by a journal and checkpointed this often
  // (backend/meta/env.h); false syncs every LMDB commit instead (slower small writes).
  bool metadata_journal = true;
  uint32_t metadata_checkpoint_ms = 1000;
  std::string access_log;          // file for one JSON line per request ("-" = stdout; "" = none)
  std::string log_level = "info";  // the server's own log: debug, info, warn, error
  bool log_level_from_flag = false;
  std::string config_file;  // where it came from (SIGHUP reads it again), "" = none
};

inline constexpr char kDefaultAdminAddress[] = "127.0.0.1:9001";

// $TESSERA_DATA, else ~/.local/share/tessera.
std::string DefaultDataDir();

// The Azurite development account, so that UseDevelopmentStorage=true configs work.
inline constexpr char kDevAccountName[] = "devstoreaccount1";
inline constexpr char kDevAccountKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// The embedded default: 127.0.0.1:9000 (S3 by default) and :10000 (Blob by default, the
// port Azure's development storage uses), 3 regions x 3 drives under
// `data_dir`, RS(6,3) with at most 3 fragments per region, the development account.
Config DefaultConfig(const std::string& data_dir);

// Applies a JSON config file over `config`. Keys (all optional):
//   data_dir, listen: ["host:port"...], region, s3_domains: [..],
//   regions: [{"name": "r1", "drives": ["path", ...], "buffer": "path"}...] (buffer default
//     <data_dir>/buffers/<name>) or
//   layout: {"regions": 3, "drives_per_region": 3},
//   ec: {"k": 6, "m": 3, "max_per_region": 3},
//   store: {"segment_mib": 256, "direct_io": false, "compact_below": 0.5,
//           "compact_mib_per_s": 64, "compact_interval_ms": 2000, "buffer_log_mib": 64,
//           "destage_stripes": 16, "destage_interval_ms": 500, "pack_tail_kib": 64,
//           "pack_tail_wait_ms": 10},
//   accounts: [{"name": "...", "key": "...", "key2": "..."}] (seeds: see AccountManager),
//   limits: {<Limits field>: n},
//   admin_listen: "host:port" ("" = none), admin_token: "...", verify_metadata: true,
//   metadata_journal: true, metadata_checkpoint_ms: 1000,
//   access_log: "path" ("-" = stdout), log_level: "info" (debug, info, warn, error).
Status ApplyConfigFile(const std::string& path, Config& config);

// Buffer devices take ids from here on, apart from drives.
inline constexpr uint32_t kFirstBufferId = 1u << 30;

// Buffer devices of a simulated layout: <data_dir>/regions/region-<r>/buffer.
std::vector<drive::DriveSpec> SimulatedBuffers(const std::string& data_dir, int regions);

// Drive specs for a simulated layout: <data_dir>/regions/region-<r>/drive-<d>.
std::vector<drive::DriveSpec> SimulatedDrives(const std::string& data_dir, int regions,
                                              int drives_per_region);

// "HOST:PORT", "[V6]:PORT", optionally after "http://" or "https://" (TLS) and followed by
// "/s3" or "/blob" naming the default dialect.
Result<ListenAddress> ParseListenAddress(const std::string& text);

}  // namespace tessera::gateway
