#include "gateway/config.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "common/log.h"

namespace tessera::gateway {

std::vector<drive::DriveSpec> SimulatedDrives(const std::string& data_dir, int regions,
                                              int drives_per_region) {
  std::vector<drive::DriveSpec> drives;
  uint32_t id = 0;
  for (int r = 1; r <= regions; ++r) {
    for (int d = 1; d <= drives_per_region; ++d) {
      std::string region = "region-" + std::to_string(r);
      drives.push_back(
          {id++, region, data_dir + "/regions/" + region + "/drive-" + std::to_string(d)});
    }
  }
  return drives;
}

std::vector<drive::DriveSpec> SimulatedBuffers(const std::string& data_dir, int regions) {
  std::vector<drive::DriveSpec> buffers;
  for (int r = 1; r <= regions; ++r) {
    std::string region = "region-" + std::to_string(r);
    buffers.push_back({kFirstBufferId + static_cast<uint32_t>(r - 1), region,
                       data_dir + "/regions/" + region + "/buffer"});
  }
  return buffers;
}

Config DefaultConfig(const std::string& data_dir) {
  Config config;
  config.data_dir = data_dir;
  config.listeners = {{"127.0.0.1", 9000, Dialect::kS3}, {"127.0.0.1", 10000, Dialect::kBlob}};
  config.drives = SimulatedDrives(data_dir, 3, 3);
  config.buffers = SimulatedBuffers(data_dir, 3);
  config.accounts = {{kDevAccountName, kDevAccountKey}};
  config.admin = ListenAddress{"127.0.0.1", 9001, Dialect::kS3};
  return config;
}

Result<ListenAddress> ParseListenAddress(const std::string& spec) {
  std::string text = spec;
  Dialect dialect = Dialect::kS3;
  bool tls = false;
  if (text.starts_with("https://")) {
    tls = true;
    text = text.substr(8);
  } else if (text.starts_with("http://")) {
    text = text.substr(7);
  }
  if (text.ends_with("/blob")) {
    dialect = Dialect::kBlob;
    text.resize(text.size() - 5);
  } else if (text.ends_with("/s3")) {
    text.resize(text.size() - 3);
  }
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || text.find('/') != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "listen address must be HOST:PORT: " + text);
  }
  ListenAddress address;
  address.dialect = dialect;
  address.tls = tls;
  address.host = text.substr(0, colon);
  if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  std::string_view port = std::string_view(text).substr(colon + 1);
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (ec != std::errc() || p != port.data() + port.size()) {
    return Status(ErrorCode::kInvalidArgument, "bad port in listen address: " + text);
  }
  return address;
}

namespace {

// Every key a config file may hold, by object path ("" = the top level): a misspelt key is
// an error, not silently ignored.
const std::map<std::string, std::set<std::string>>& KnownKeys() {
  static const auto* known = new std::map<std::string, std::set<std::string>>{
      {"",
       {"data_dir", "listen", "region", "s3_domains", "layout", "regions", "ec", "store",
        "accounts", "limits", "admin_listen", "admin_token", "verify_metadata", "metadata_journal",
        "metadata_checkpoint_ms", "access_log", "log_level", "tls"}},
      {"tls", {"cert", "key"}},
      {"layout", {"regions", "drives_per_region"}},
      {"regions[]", {"name", "drives", "buffer"}},
      {"ec", {"k", "m", "max_per_region"}},
      {"store",
       {"segment_mib", "direct_io", "compact_below", "compact_mib_per_s", "compact_interval_ms",
        "buffer_log_mib", "destage_stripes", "destage_interval_ms", "pack_tail_kib",
        "pack_tail_wait_ms", "probe_interval_ms", "heal_mib_per_s", "heal_offline_after_s",
        "scrub_days"}},
      {"accounts[]", {"name", "key", "key2"}},
      {"limits",
       {"header_limit", "header_timeout_s", "idle_timeout_s", "body_timeout_s", "max_connections",
        "max_connections_per_address", "min_body_bytes_per_s", "worker_threads", "io_threads",
        "shutdown_grace_s"}},
  };
  return *known;
}

Status CheckKeys(const nlohmann::json& j, const std::string& path) {
  if (j.is_array()) {
    for (const auto& item : j) RETURN_IF_ERROR(CheckKeys(item, path + "[]"));
    return Status::Ok();
  }
  if (!j.is_object()) return Status::Ok();
  auto known = KnownKeys().find(path);
  if (known == KnownKeys().end()) return Status::Ok();  // a value, not a section
  for (const auto& [key, value] : j.items()) {
    const std::string where = path.empty() ? key : path + "." + key;
    if (known->second.count(key) == 0) {
      return Status(ErrorCode::kInvalidArgument, "unknown key \"" + where + "\"");
    }
    RETURN_IF_ERROR(CheckKeys(value, path.empty() ? key : path + "." + key));
  }
  return Status::Ok();
}

Status ApplyJson(const nlohmann::json& j, Config& config) {
  if (!j.is_object()) return Status(ErrorCode::kInvalidArgument, "a config is a JSON object");
  RETURN_IF_ERROR(CheckKeys(j, ""));
  if (j.contains("data_dir")) {
    config.data_dir = j["data_dir"].get<std::string>();
    config.drives = SimulatedDrives(config.data_dir, 3, 3);
    config.buffers = SimulatedBuffers(config.data_dir, 3);
  }
  if (j.contains("listen")) {
    config.listeners.clear();
    for (const auto& l : j["listen"]) {
      ASSIGN_OR_RETURN(auto address, ParseListenAddress(l.get<std::string>()));
      config.listeners.push_back(address);
    }
    if (!j.contains("admin_listen")) config.admin.reset();
  }
  if (j.contains("admin_listen")) {
    const std::string text = j["admin_listen"].get<std::string>();
    config.admin.reset();
    if (!text.empty()) {
      ASSIGN_OR_RETURN(auto address, ParseListenAddress(text));
      config.admin = address;
    }
  }
  if (j.contains("tls")) {
    config.tls_cert = j["tls"].value("cert", config.tls_cert);
    config.tls_key = j["tls"].value("key", config.tls_key);
  }
  if (j.contains("admin_token")) config.admin_token = j["admin_token"].get<std::string>();
  config.verify_metadata = j.value("verify_metadata", config.verify_metadata);
  config.metadata_journal = j.value("metadata_journal", config.metadata_journal);
  config.metadata_checkpoint_ms = j.value("metadata_checkpoint_ms", config.metadata_checkpoint_ms);
  config.access_log = j.value("access_log", config.access_log);
  if (j.contains("log_level")) {
    config.log_level = j["log_level"].get<std::string>();
    if (!ParseLogLevel(config.log_level)) {
      return Status(ErrorCode::kInvalidArgument, "log_level is debug, info, warn or error");
    }
  }
  if (j.contains("region")) config.region = j["region"].get<std::string>();
  if (j.contains("s3_domains")) config.s3_domains = j["s3_domains"].get<std::vector<std::string>>();
  if (j.contains("layout")) {
    config.drives = SimulatedDrives(config.data_dir, j["layout"].value("regions", 3),
                                    j["layout"].value("drives_per_region", 3));
    config.buffers = SimulatedBuffers(config.data_dir, j["layout"].value("regions", 3));
  }
  if (j.contains("regions")) {
    config.drives.clear();
    config.buffers.clear();
    uint32_t id = 0;
    for (const auto& region : j["regions"]) {
      const std::string name = region["name"].get<std::string>();
      for (const auto& path : region["drives"]) {
        config.drives.push_back({id++, name, path.get<std::string>()});
      }
      const std::string buffer = region.value("buffer", config.data_dir + "/buffers/" + name);
      config.buffers.push_back(
          {kFirstBufferId + static_cast<uint32_t>(config.buffers.size()), name, buffer});
    }
  }
  if (j.contains("ec")) {
    const auto& ec = j["ec"];
    config.profile.k = static_cast<uint8_t>(ec.value("k", 6));
    config.profile.m = static_cast<uint8_t>(ec.value("m", 3));
    config.profile.max_per_region = static_cast<uint8_t>(ec.value("max_per_region", 3));
  }
  if (j.contains("store")) {
    const auto& st = j["store"];
    drive::SegmentStoreOptions& o = config.storage;
    o.segment_bytes = st.value("segment_mib", o.segment_bytes >> 20) << 20;
    o.direct_io = st.value("direct_io", o.direct_io);
    o.compact_below = st.value("compact_below", o.compact_below);
    o.compact_bytes_per_second = st.value("compact_mib_per_s", o.compact_bytes_per_second >> 20)
                                 << 20;
    o.compact_interval_ms = st.value("compact_interval_ms", o.compact_interval_ms);
    o.buffer_log_bytes = st.value("buffer_log_mib", o.buffer_log_bytes >> 20) << 20;
    o.destage_stripes = st.value("destage_stripes", o.destage_stripes);
    o.destage_interval_ms = st.value("destage_interval_ms", o.destage_interval_ms);
    o.pack_tail_bytes = st.value("pack_tail_kib", o.pack_tail_bytes >> 10) << 10;
    o.pack_tail_wait_ms = st.value("pack_tail_wait_ms", o.pack_tail_wait_ms);
    o.probe_interval_ms = st.value("probe_interval_ms", o.probe_interval_ms);
    o.heal_bytes_per_second = st.value("heal_mib_per_s", o.heal_bytes_per_second >> 20) << 20;
    o.heal_offline_after_ms =
        st.value("heal_offline_after_s", o.heal_offline_after_ms / 1000) * 1000;
    o.scrub_days = st.value("scrub_days", o.scrub_days);
  }
  if (j.contains("accounts")) {
    config.accounts.clear();
    for (const auto& a : j["accounts"]) {
      auth::Account account{a["name"].get<std::string>(), a["key"].get<std::string>(),
                            a.value("key2", std::string())};
      // The keys sign Blob requests as their base64-decoded bytes (SharedKey, SAS).
      if (account.name.empty() || !Base64Decode(account.key) || account.key.empty() ||
          !Base64Decode(account.key2)) {
        return Status(ErrorCode::kInvalidArgument,
                      "account \"" + account.name +
                          "\": the name must not be empty and the key must be base64, as "
                          "Azure account keys are");
      }
      config.accounts.push_back(std::move(account));
    }
  }
  if (j.contains("limits")) {
    const auto& l = j["limits"];
    Limits& limits = config.limits;
    limits.header_limit = l.value("header_limit", limits.header_limit);
    limits.header_timeout_s = l.value("header_timeout_s", limits.header_timeout_s);
    limits.idle_timeout_s = l.value("idle_timeout_s", limits.idle_timeout_s);
    limits.body_timeout_s = l.value("body_timeout_s", limits.body_timeout_s);
    limits.max_connections = l.value("max_connections", limits.max_connections);
    limits.max_connections_per_address =
        l.value("max_connections_per_address", limits.max_connections_per_address);
    limits.min_body_bytes_per_s = l.value("min_body_bytes_per_s", limits.min_body_bytes_per_s);
    limits.worker_threads = l.value("worker_threads", limits.worker_threads);
    limits.io_threads = l.value("io_threads", limits.io_threads);
    limits.shutdown_grace_s = l.value("shutdown_grace_s", limits.shutdown_grace_s);
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultDataDir() {
  if (const char* env = std::getenv("TESSERA_DATA"); env && *env) return env;
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.local/share/tessera";
  }
  return ".tessera";
}

Status ApplyConfigFile(const std::string& path, Config& config) {
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::kInvalidArgument, "cannot read config file " + path);
  // nlohmann/json reports errors by exception; convert at this boundary.
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    return ApplyJson(j, config);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInvalidArgument, "config " + path + ": " + e.what());
  }
}

}  // namespace tessera::gateway
