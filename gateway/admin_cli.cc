#include "gateway/admin_cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gateway/admin_client.h"
#include "gateway/config.h"

namespace tessera::gateway {
namespace {

int CommandUsage() {
  std::fprintf(stderr, "tessera: see tessera --help\n");
  return 2;
}

// The admin key when none was given: $TESSERA_ADMIN_TOKEN, else DATA/admin.key; the
// address without a scheme or trailing slash.
AdminArgs Resolved(AdminArgs args) {
  for (const char* scheme : {"http://", "https://"}) {
    if (args.address.starts_with(scheme)) args.address.erase(0, std::strlen(scheme));
  }
  while (args.address.ends_with("/")) args.address.pop_back();
  if (args.token.empty()) {
    if (const char* env = std::getenv("TESSERA_ADMIN_TOKEN"); env) args.token = env;
  }
  if (args.token.empty()) {
    std::ifstream in((args.data_dir.empty() ? DefaultDataDir() : args.data_dir) + "/admin.key");
    if (in) std::getline(in, args.token);
  }
  return args;
}

std::string Size(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

void PrintDrives(const nlohmann::json& drives) {
  for (const auto& d : drives) {
    std::string state = d.value("state", "");
    std::printf("  drive %-10u %-12s %-10s", d.value("id", 0u), d.value("region", "").c_str(),
                state.c_str());
    if (d.value("buffer", false)) std::printf(" write buffer");
    if (state == "offline" || state == "failed") {
      std::printf(" (for %llu s)", static_cast<unsigned long long>(d.value("down_for_s", 0ull)));
    }
    std::printf("\n");
  }
}

// Sends one admin request and prints what went wrong; the parsed JSON reply on success.
std::optional<nlohmann::json> AdminCall(const AdminArgs& args, const std::string& method,
                                        const std::string& path, const std::string& body = "") {
  auto reply = AdminRequest(args.address, method, path, args.token, body);
  if (!reply.ok()) {
    std::fprintf(stderr, "tessera: %s (is the gateway running with --admin %s?)\n",
                 reply.status().message().c_str(), args.address.c_str());
    return std::nullopt;
  }
  if (reply->status == 204) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (reply->status / 100 != 2 || json.is_discarded()) {
    std::string message = json.is_object() ? json.value("error", "") : reply->body;
    std::fprintf(stderr, "tessera: %s %s: %d %s\n", method.c_str(), path.c_str(), reply->status,
                 message.c_str());
    return std::nullopt;
  }
  return json;
}

// `tessera heal status`: what a running gateway's healer and scrubber are doing.
// `tessera admin capacity`: capacity, use and growth of a running gateway.
int CapacityCommand(const AdminArgs& args) {
  auto c = AdminCall(args, "GET", "/admin/v1/capacity");
  if (!c) return 1;
  if (args.json) {
    std::printf("%s\n", c->dump(2).c_str());
    return 0;
  }
  std::printf("raw:    %s, %s free (each file system under the data drives once)\n",
              Size(c->value("raw_bytes", 0ull)).c_str(),
              Size(c->value("raw_free_bytes", 0ull)).c_str());
  std::printf("usable: %s, %s free (at the EC profile)\n",
              Size(c->value("usable_bytes", 0ull)).c_str(),
              Size(c->value("usable_free_bytes", 0ull)).c_str());
  std::printf("used:   %s on the drives (data and parity)\n",
              Size(c->value("used_bytes", 0ull)).c_str());
  const double growth = c->value("growth_bytes_per_day", 0.0);
  const int64_t window = c->value("window_s", 0ll);
  if (window == 0) {
    std::printf("growth: not known yet (samples are hourly)\n");
    return 0;
  }
  std::printf("growth: %s%s/day over the last %.1f days\n", growth < 0 ? "-" : "",
              Size(static_cast<uint64_t>(growth < 0 ? -growth : growth)).c_str(),
              static_cast<double>(window) / 86400);
  const int64_t full = c->value("full_unix_s", 0ll);
  if (full > 0) {
    const time_t at = static_cast<time_t>(full);
    std::tm tm{};
    gmtime_r(&at, &tm);
    char date[32];
    std::strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    std::printf("full:   about %s at that growth\n", date);
  } else {
    std::printf("full:   not while it does not grow\n");
  }
  return 0;
}

}  // namespace

int HealCommand(const AdminArgs& given) {
  const AdminArgs resolved = Resolved(given);
  const AdminArgs* args = &resolved;
  if (args->words != std::vector<std::string>{"status"}) return CommandUsage();
  auto s = AdminCall(*args, "GET", "/admin/v1/heal");
  if (!s) return 1;
  if (args->json) {
    std::printf("%s\n", s->dump(2).c_str());
    return 0;
  }
  std::map<std::string, int> states;
  for (const auto& d : (*s)["drives"]) ++states[d.value("state", "")];
  std::string summary;
  for (const auto& [state, n] : states) {
    summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  }
  std::printf("drives: %zu (%s)\n", (*s)["drives"].size(), summary.c_str());
  PrintDrives((*s)["drives"]);
  std::printf("degraded extents: %llu\n",
              static_cast<unsigned long long>(s->value("degraded_extents", 0ull)));
  const uint64_t pending = s->value("pending_bytes", 0ull);
  const int64_t eta = s->value("eta_s", 0ll);
  std::printf("to heal: %llu extents, %s; %s %s/s (limit %s/s), ETA %s\n",
              static_cast<unsigned long long>(s->value("pending_extents", 0ull)),
              Size(pending).c_str(),
              s->value("healing", false) ? "healing at" : "idle, last pass at",
              Size(s->value("heal_rate_bytes_per_s", 0ull)).c_str(),
              s->value("heal_limit_bytes_per_s", 0ull) == 0
                  ? "none"
                  : Size(s->value("heal_limit_bytes_per_s", 0ull)).c_str(),
              eta < 0 ? "unknown" : (std::to_string(eta) + " s").c_str());
  const int64_t scanned = s->value("last_scan_s", -1ll);
  std::printf("last heal scan: %s\n",
              scanned < 0 ? "not yet" : (std::to_string(scanned) + " s ago").c_str());
  const auto& scrub = (*s)["scrub"];
  std::printf("scrub: %.1f%% of this cycle (%s of %s) at %s/s, %llu cycles done\n",
              100.0 * scrub.value("cycle_fraction", 0.0),
              Size(scrub.value("cycle_bytes", 0ull)).c_str(),
              Size(scrub.value("cycle_target_bytes", 0ull)).c_str(),
              Size(scrub.value("rate_bytes_per_s", 0ull)).c_str(),
              static_cast<unsigned long long>(scrub.value("cycles_done", 0ull)));
  return 0;
}

// `tessera drive list|fail ID|restore ID`: drive states of a running gateway.
int DriveCommand(const AdminArgs& given) {
  const AdminArgs resolved = Resolved(given);
  const AdminArgs* args = &resolved;
  const std::vector<std::string>& w = args->words;
  if (w.size() == 1 && w[0] == "list") {
    auto drives = AdminCall(*args, "GET", "/admin/v1/drives");
    if (!drives) return 1;
    PrintDrives((*drives)["drives"]);
    return 0;
  }
  if (w.size() != 2 || (w[0] != "fail" && w[0] != "restore")) return CommandUsage();
  auto drive = AdminCall(*args, "POST", "/admin/v1/drives/" + w[1] + "/" + w[0]);
  if (!drive) return 1;
  PrintDrives(nlohmann::json::array({*drive}));
  return 0;
}

namespace {

// Prints an account as JSON (keys included where the reply has them).
int PrintJson(const std::optional<nlohmann::json>& reply) {
  if (!reply) return 1;
  std::printf("%s\n", reply->dump(2).c_str());
  return 0;
}

// "name=value" words into a JSON object of non-negative integers.
std::optional<nlohmann::json> Settings(const std::vector<std::string>& words, size_t from,
                                       const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t i = from; i < words.size(); ++i) {
    const size_t eq = words[i].find('=');
    const std::string name = words[i].substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : words[i].substr(eq + 1);
    const bool known = std::find(names.begin(), names.end(), name) != names.end();
    if (!known || value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
        value.size() > 19) {
      std::fprintf(stderr, "tessera: expected NAME=N with NAME one of");
      for (const auto& n : names) std::fprintf(stderr, " %s", n.c_str());
      std::fprintf(stderr, ", got %s\n", words[i].c_str());
      return std::nullopt;
    }
    out[name] = std::stoull(value);
  }
  return out;
}

// `tessera admin account ...`.
int AccountCommand(const AdminArgs& args) {
  const std::vector<std::string>& w = args.words;  // "account", VERB, NAME, ...
  const std::string verb = w.size() > 1 ? w[1] : "";
  if (verb == "list" && w.size() == 2) {
    auto reply = AdminCall(args, "GET", "/admin/v1/accounts");
    if (!reply || args.json) return PrintJson(reply);
    for (const auto& a : (*reply)["accounts"]) {
      const auto& limits = a["limits"];
      std::printf("%-24s %-8s requests/s %-8s bytes/s %s\n", a.value("name", "").c_str(),
                  a.value("disabled", false) ? "disabled" : "enabled",
                  limits.value("requests_per_s", 0ull) == 0
                      ? "none"
                      : std::to_string(limits.value("requests_per_s", 0ull)).c_str(),
                  limits.value("bytes_per_s", 0ull) == 0
                      ? "none"
                      : std::to_string(limits.value("bytes_per_s", 0ull)).c_str());
    }
    return 0;
  }
  if (w.size() < 3) return CommandUsage();
  const std::string& name = w[2];
  const std::string path = "/admin/v1/accounts/" + name;
  if (verb == "create" && w.size() == 3) {
    return PrintJson(
        AdminCall(args, "POST", "/admin/v1/accounts", nlohmann::json{{"name", name}}.dump()));
  }
  if (verb == "show" && w.size() == 3) return PrintJson(AdminCall(args, "GET", path));
  if (verb == "keys" && w.size() == 3) return PrintJson(AdminCall(args, "GET", path + "/keys"));
  if ((verb == "disable" || verb == "enable") && w.size() == 3) {
    return PrintJson(AdminCall(args, "POST", path + "/" + verb));
  }
  if (verb == "delete" && w.size() == 3) {
    if (!AdminCall(args, "DELETE", path)) return 1;
    std::printf("tessera: account %s deleted\n", name.c_str());
    return 0;
  }
  if (verb == "rotate-key" && w.size() == 4 && (w[3] == "key1" || w[3] == "key2")) {
    return PrintJson(AdminCall(args, "POST", path + "/rotate-key?key=" + w[3]));
  }
  if (verb == "limits" && w.size() > 3) {
    auto limits = Settings(w, 3, {"requests_per_s", "bytes_per_s"});
    if (!limits) return 2;
    return PrintJson(AdminCall(args, "PUT", path + "/limits", limits->dump()));
  }
  if (verb == "usage" && w.size() == 3) return PrintJson(AdminCall(args, "GET", path + "/usage"));
  if (verb == "quota" && w.size() > 3) {  // quota N [BUCKET] max_bytes=B max_objects=O
    const bool bucket = w[3].find('=') == std::string::npos;
    auto quota = Settings(w, bucket ? 4 : 3, {"max_bytes", "max_objects"});
    if (!quota) return 2;
    const std::string target = bucket ? path + "/buckets/" + w[3] + "/quota" : path + "/quota";
    return PrintJson(AdminCall(args, quota->empty() ? "GET" : "PUT", target,
                               quota->empty() ? "" : quota->dump()));
  }
  return CommandUsage();
}

}  // namespace

int AdminCommand(const AdminArgs& given) {
  const AdminArgs resolved = Resolved(given);
  const AdminArgs* args = &resolved;
  const std::vector<std::string>& w = args->words;
  if (w.size() == 1 && w[0] == "capacity") return CapacityCommand(*args);
  if (!w.empty() && w[0] == "account") return AccountCommand(*args);
  return CommandUsage();
}

}  // namespace tessera::gateway
