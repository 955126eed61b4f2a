#include "gateway/admin.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/hash.h"
#include "common/log.h"
#include "gateway/admin_json.h"

namespace tessera::gateway {
namespace {

using nlohmann::json;

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

json DriveJson(const drive::DriveHealth& h) {
  json j{{"id", h.id},
         {"region", h.region},
         {"buffer", h.buffer},
         {"state", drive::DriveStatusName(h.status)},
         {"down_for_s", h.down_for_ms / 1000}};
  if (h.space) {
    j["capacity_bytes"] = h.space->total_bytes;
    j["free_bytes"] = h.space->free_bytes;
  }
  return j;
}

json HealJson(const drive::HealStatus& s) {
  json drives = json::array();
  for (const auto& h : s.drives) drives.push_back(DriveJson(h));
  const uint64_t target = s.scrub_cycle_target;
  return json{
      {"drives", drives},
      {"degraded_extents", s.degraded_extents},
      {"pending_extents", s.pending_extents},
      {"pending_bytes", s.pending_bytes},
      {"healing", s.healing},
      {"heal_rate_bytes_per_s", s.heal_rate},
      {"heal_limit_bytes_per_s", s.heal_limit},
      {"eta_s", s.eta_s},
      {"last_scan_s", s.last_scan_s},
      {"scans", s.scans},
      {"scrub",
       {{"rate_bytes_per_s", s.scrub_rate},
        {"cycle_bytes", s.scrub_cycle_bytes},
        {"cycle_target_bytes", target},
        {"cycle_fraction",
         target == 0 ? 0.0 : std::min(1.0, static_cast<double>(s.scrub_cycle_bytes) / target)},
        {"cycles_done", s.scrub_cycles}}}};
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Loopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

// Prometheus text exposition, one metric family at a time.
class Exposition {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void Sample(const std::string& name, const std::string& labels, double value) {
    char number[64];
    std::snprintf(number, sizeof(number), "%.17g", value);
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += number;
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

bool AdminHandler::MayChange(const HttpRequest& request) const {
  if (token_.empty()) return Loopback(request.remote_address);
  std::string_view auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  return auth.starts_with(kBearer) && ConstantTimeEquals(auth.substr(kBearer.size()), token_);
}

HttpResponse AdminHandler::Handle(const HttpRequest& request, BodySource& body) {
  HttpResponse r = Route(request, body);
  if (request.method != "GET" && request.method != "HEAD") {  // the operator's changes
    Log(r.status < 400 ? LogLevel::kInfo : LogLevel::kWarn, "admin: %s %s from %s -> %d",
        request.method.c_str(), std::string(request.RawPath()).c_str(),
        request.remote_address.c_str(), r.status);
  }
  if (request.method == "HEAD") {  // the head of what GET would answer
    r.content_length = r.body.size();
    r.body.clear();
    r.head = true;
  }
  return r;
}

HttpResponse AdminHandler::Route(const HttpRequest& request, BodySource& body) {
  std::string_view path = request.target;
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const bool get = request.method == "GET" || request.method == "HEAD";
  auto only_get = [&]() { return Error(405, "method not allowed"); };

  if (path == "/healthz") return get ? Text(200, "ok\n") : only_get();
  if (path == "/readyz") {
    if (!get) return only_get();
    int up = 0, total = 0;
    for (const auto& h : store_.Health()) {
      if (h.buffer) continue;
      ++total;
      up += h.up;
    }
    const int k = store_.options().profile.k;
    if (up >= k) return Text(200, "ready\n");
    return Text(503, "not ready: " + std::to_string(up) + " of " + std::to_string(total) +
                         " drives up, writes need " + std::to_string(k) + "\n");
  }
  if (path == "/metrics") return get ? Metrics() : only_get();
  if (path == "/admin/v1/heal") return get ? Json(200, HealJson(store_.Healing())) : only_get();
  if (path == "/admin/v1/capacity") {
    if (!get) return only_get();
    auto c = store_.Capacity(UnixNow());
    if (!c.ok()) return Error(500, c.status().message());
    return Json(200, json{{"raw_bytes", c->raw_bytes},
                          {"raw_free_bytes", c->raw_free_bytes},
                          {"usable_bytes", c->usable_bytes},
                          {"usable_free_bytes", c->usable_free_bytes},
                          {"used_bytes", c->used_bytes},
                          {"growth_bytes_per_day", c->growth_bytes_per_day},
                          {"window_s", c->window_s},
                          {"full_unix_s", c->full_unix_s}});
  }
  if (path == "/admin/v1/drives") {
    if (!get) return only_get();
    json drives = json::array();
    for (const auto& h : store_.Health()) drives.push_back(DriveJson(h));
    return Json(200, json{{"drives", drives}});
  }
  if (path == "/admin/v1/accounts") return RouteAccounts(request, "", body);
  if (constexpr std::string_view kAccounts = "/admin/v1/accounts/"; path.starts_with(kAccounts)) {
    return RouteAccounts(request, path.substr(kAccounts.size()), body);
  }
  constexpr std::string_view kDrives = "/admin/v1/drives/";
  if (path.starts_with(kDrives)) {
    std::string_view rest = path.substr(kDrives.size());
    size_t slash = rest.find('/');
    std::string_view id_text = rest.substr(0, slash);
    std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    uint32_t id = 0;
    bool numeric = !id_text.empty() && id_text.size() <= 10;
    for (char c : id_text) numeric = numeric && c >= '0' && c <= '9';
    if (numeric) {
      const uint64_t v = std::stoull(std::string(id_text));
      numeric = v <= UINT32_MAX;
      id = static_cast<uint32_t>(v);
    }
    if (!numeric || (action != "fail" && action != "restore"))
      return Error(404, "no such resource");
    if (request.method != "POST") return Error(405, "method not allowed");
    if (!MayChange(request)) return Error(403, "changes need the admin token");
    Status s = store_.SetFailed(id, action == "fail");
    if (!s.ok()) {
      return Error(s.code() == ErrorCode::kInvalidArgument ? 404 : 500, s.message());
    }
    for (const auto& h : store_.Health()) {
      if (h.id == id) return Json(200, DriveJson(h));
    }
    return Error(404, "no such drive");
  }
  return Error(404, "no such resource");
}

HttpResponse AdminHandler::Reject(const HttpRequest&, const Status& status) {
  return Error(status.code() == ErrorCode::kRequestHeaderTooLarge ? 431 : 400, status.message());
}

HttpResponse AdminHandler::Metrics() {
  Exposition m;
  const ServerStats stats = stats_();
  const char* dialects[2] = {"s3", "blob"};
  m.Family("tessera_open_connections", "gauge", "Open client connections.");
  m.Sample("tessera_open_connections", "", static_cast<double>(stats.open_connections));
  m.Family("tessera_responses_total", "counter", "Responses sent, by dialect and status class.");
  for (int d = 0; d < 2; ++d) {
    for (int c = 1; c <= 5; ++c) {
      m.Sample("tessera_responses_total",
               std::string("dialect=\"") + dialects[d] + "\",code=\"" + std::to_string(c) + "xx\"",
               static_cast<double>(stats.responses[d][c]));
    }
  }
  m.Family("tessera_request_bytes_total", "counter", "Request body bytes read, by dialect.");
  for (int d = 0; d < 2; ++d) {
    m.Sample("tessera_request_bytes_total", std::string("dialect=\"") + dialects[d] + "\"",
             static_cast<double>(stats.bytes_in[d]));
  }
  m.Family("tessera_response_bytes_total", "counter", "Response body bytes written, by dialect.");
  for (int d = 0; d < 2; ++d) {
    m.Sample("tessera_response_bytes_total", std::string("dialect=\"") + dialects[d] + "\"",
             static_cast<double>(stats.bytes_out[d]));
  }
  m.Family("tessera_request_duration_seconds", "histogram",
           "From the end of the request head to the end of the response, by dialect.");
  for (int d = 0; d < 2; ++d) {
    const std::string dialect = std::string("dialect=\"") + dialects[d] + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kLatencyBuckets.size(); ++b) {
      cumulative += stats.latency[d][b];
      char le[32];
      if (b < kLatencyBuckets.size()) {
        std::snprintf(le, sizeof(le), "%g", kLatencyBuckets[b]);
      } else {
        std::snprintf(le, sizeof(le), "+Inf");
      }
      m.Sample("tessera_request_duration_seconds_bucket",
               dialect + ",le=\"" + std::string(le) + "\"", static_cast<double>(cumulative));
    }
    m.Sample("tessera_request_duration_seconds_sum", dialect, stats.latency_sum_s[d]);
    m.Sample("tessera_request_duration_seconds_count", dialect, static_cast<double>(cumulative));
  }

  const drive::HealStatus heal = store_.Healing();
  m.Family("tessera_drive_up", "gauge", "1 when the drive takes writes.");
  for (const auto& h : heal.drives) {
    m.Sample("tessera_drive_up",
             "drive=\"" + std::to_string(h.id) + "\",region=\"" + PrometheusLabel(h.region) +
                 "\",kind=\"" + (h.buffer ? "buffer" : "data") + "\"",
             h.up ? 1 : 0);
  }
  m.Family("tessera_drive_state", "gauge", "1 for the state each drive is in.");
  for (const auto& h : heal.drives) {
    for (auto st : {drive::DriveStatus::kUp, drive::DriveStatus::kOffline,
                    drive::DriveStatus::kFailed, drive::DriveStatus::kReturning}) {
      m.Sample(
          "tessera_drive_state",
          "drive=\"" + std::to_string(h.id) + "\",state=\"" + drive::DriveStatusName(st) + "\"",
          h.status == st ? 1 : 0);
    }
  }
  m.Family("tessera_drive_capacity_bytes", "gauge", "Size of the file system a drive is on.");
  for (const auto& h : heal.drives) {
    if (h.space) {
      m.Sample("tessera_drive_capacity_bytes", "drive=\"" + std::to_string(h.id) + "\"",
               static_cast<double>(h.space->total_bytes));
    }
  }
  m.Family("tessera_drive_free_bytes", "gauge", "Free space of the file system a drive is on.");
  for (const auto& h : heal.drives) {
    if (h.space) {
      m.Sample("tessera_drive_free_bytes", "drive=\"" + std::to_string(h.id) + "\"",
               static_cast<double>(h.space->free_bytes));
    }
  }
  // The data drives' file systems, each counted once (simulated drives share one), what
  // that holds at the EC profile, and how fast it fills.
  if (auto capacity = store_.Capacity(UnixNow()); capacity.ok()) {
    const struct {
      const char* name;
      const char* help;
      double value;
    } gauges[] = {
        {"tessera_capacity_raw_bytes", "Data drives' file systems, each once.",
         static_cast<double>(capacity->raw_bytes)},
        {"tessera_capacity_raw_free_bytes", "Free space of those file systems.",
         static_cast<double>(capacity->raw_free_bytes)},
        {"tessera_capacity_usable_bytes", "Raw capacity at the EC profile (k / (k + m)).",
         static_cast<double>(capacity->usable_bytes)},
        {"tessera_capacity_usable_free_bytes", "Free raw space at the EC profile.",
         static_cast<double>(capacity->usable_free_bytes)},
        {"tessera_capacity_used_bytes", "Segment files on the drives (data and parity).",
         static_cast<double>(capacity->used_bytes)},
        {"tessera_capacity_growth_bytes_per_day", "Growth of the used bytes over the kept samples.",
         capacity->growth_bytes_per_day},
        {"tessera_capacity_full_timestamp_seconds",
         "When the free space runs out at that growth (0: not growing).",
         static_cast<double>(capacity->full_unix_s)},
    };
    for (const auto& g : gauges) {
      m.Family(g.name, "gauge", g.help);
      m.Sample(g.name, "", g.value);
    }
  }
  m.Family("tessera_degraded_extents", "gauge",
           "Extents short of their profile's redundancy at the last heal scan, less those healed.");
  m.Sample("tessera_degraded_extents", "", static_cast<double>(heal.degraded_extents));
  m.Family("tessera_heal_pending_bytes", "gauge", "Fragment bytes the healer has still to write.");
  m.Sample("tessera_heal_pending_bytes", "", static_cast<double>(heal.pending_bytes));
  m.Family("tessera_heal_rate_bytes_per_second", "gauge", "Rate of the running or last heal pass.");
  m.Sample("tessera_heal_rate_bytes_per_second", "", static_cast<double>(heal.heal_rate));
  m.Family("tessera_scrub_cycle_fraction", "gauge", "How far the current scrub cycle has read.");
  m.Sample("tessera_scrub_cycle_fraction", "",
           heal.scrub_cycle_target == 0
               ? 0.0
               : std::min(1.0, static_cast<double>(heal.scrub_cycle_bytes) /
                                   static_cast<double>(heal.scrub_cycle_target)));
  m.Family("tessera_scrub_cycles_total", "counter", "Scrub cycles completed since start.");
  m.Sample("tessera_scrub_cycles_total", "", static_cast<double>(heal.scrub_cycles));

  const drive::StoreCounters c = store_.counters();
  struct Counter {
    const char* name;
    const char* help;
    uint64_t value;
  };
  const Counter counters[] = {
      {"tessera_store_user_bytes_total", "Bytes accepted from clients.", c.user_bytes},
      {"tessera_store_segment_bytes_total", "Bytes written to segments (client writes).",
       c.segment_bytes},
      {"tessera_store_buffer_bytes_total", "Bytes written to write-buffer logs (every copy).",
       c.buffer_bytes},
      {"tessera_store_destage_bytes_total", "Bytes the destager wrote to segments.",
       c.destage_segment_bytes},
      {"tessera_store_compacted_bytes_total", "Bytes rewritten by compaction.", c.compacted_bytes},
      {"tessera_store_degraded_stripes_total", "Stripes read that needed parity or another copy.",
       c.degraded_stripes},
      {"tessera_store_degraded_writes_total", "Extents written with a fragment handed off or lost.",
       c.degraded_writes},
      {"tessera_heal_extents_total", "Extents the healer rebuilt or moved fragments of.",
       c.healed_extents},
      {"tessera_heal_bytes_total", "Fragment bytes the healer wrote.", c.healed_bytes},
      {"tessera_scrub_bytes_total", "Bytes the scrubber read back.", c.scrubbed_bytes},
      {"tessera_scrub_damaged_extents_total", "Extents the scrubber found damaged.", c.scrub_bad},
  };
  for (const Counter& counter : counters) {
    m.Family(counter.name, "counter", counter.help);
    m.Sample(counter.name, "", static_cast<double>(counter.value));
  }
  if (auto space = store_.Space(); space.ok()) {
    m.Family("tessera_store_segment_file_bytes", "gauge", "Bytes of segment files on the drives.");
    m.Sample("tessera_store_segment_file_bytes", "", static_cast<double>(space->segment_bytes));
    m.Family("tessera_store_live_bytes", "gauge", "Fragment bytes metadata references.");
    m.Sample("tessera_store_live_bytes", "", static_cast<double>(space->live_bytes));
    m.Family("tessera_store_dead_bytes", "gauge", "Segment bytes nothing references.");
    m.Sample("tessera_store_dead_bytes", "", static_cast<double>(space->dead_bytes()));
  }
  std::string text = m.Take();
  if (requests_ != nullptr) text += requests_->Metrics();
  HttpResponse r = Text(200, std::move(text));
  r.headers.clear();
  r.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

}  // namespace tessera::gateway
