// The admin listener on the real binary: health and readiness, Prometheus metrics, heal
// status, and an operator failing a drive and taking it back, through HTTP and through
// `tessera heal status` / `tessera drive`.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The value of an unlabelled sample, or of the first sample whose labels contain `labels`.
double Metric(const std::string& text, const std::string& name, const std::string& labels = "") {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || !line.starts_with(name)) continue;
    const std::string rest = line.substr(name.size());
    if (labels.empty() ? !rest.starts_with(" ") : rest.find(labels) == std::string::npos) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

class AdminTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    config_ = dir_ + "/config.json";
    // Four drives per region: a failed drive's fragments have a home in its own region.
    std::ofstream(config_) << R"({"layout": {"regions": 3, "drives_per_region": 4},
        "store": {"probe_interval_ms": 100, "heal_mib_per_s": 0, "destage_interval_ms": 100},
        "admin_token": "let-me-in", "access_log": ")"
                           << dir_ << R"(/access.log"})";
    Start();
  }
  void Start() {
    gateway_ = std::make_unique<Gateway>(
        dir_ + "/data", std::vector<std::string>{"--config", config_, "--admin", "127.0.0.1:0"});
    ASSERT_TRUE(gateway_->Start()) << ReadFile(dir_ + "/data.log");
    ASSERT_GT(gateway_->admin_port(), 0);
  }

  RawResponse Admin(const std::string& method, const std::string& target,
                    const std::string& token = "") {
    Request r;
    r.method = method;
    r.target = target;
    r.sign = false;
    if (!token.empty()) r.headers.push_back({"Authorization", "Bearer " + token});
    return Send(gateway_->admin_port(), r);
  }
  json Heal() {
    RawResponse r = Admin("GET", "/admin/v1/heal");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::string State(const json& heal, uint32_t id) {
    for (const auto& d : heal["drives"]) {
      if (d["id"] == id) return d["state"];
    }
    return "";
  }
  // Polls the heal status until `done` holds (up to 60 s).
  template <typename Done>
  json WaitFor(Done done) {
    json s;
    for (int i = 0; i < 600; ++i) {
      s = Heal();
      if (done(s)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return s;
  }
  std::string Cli(const std::string& args) {
    std::string out;
    const int status = RunCommand(TesseraBinary() + " " + args + " --admin 127.0.0.1:" +
                                      std::to_string(gateway_->admin_port()),
                                  &out);
    last_cli_status_ = status;
    return out;
  }

  void Put(const std::string& key, size_t size, uint64_t seed) {
    std::string body = SeededBody(size, seed);
    RawResponse r = Do("PUT", "/adm/" + key, body);
    ASSERT_EQ(r.status, 200) << key << ": " << r.body;
    objects_[key] = std::move(body);
  }
  void ReadAll(const std::string& when) {
    for (const auto& [key, body] : objects_) {
      RawResponse r = Do("GET", "/adm/" + key);
      ASSERT_EQ(r.status, 200) << when << ": " << key << ": " << r.body;
      ASSERT_TRUE(r.body == body) << when << ": " << key << " differs";
    }
  }

  std::string config_;
  int last_cli_status_ = 0;
  std::map<std::string, std::string> objects_;
};

TEST_F(AdminTest, HealthReadinessAndMetrics) {
  RawResponse r = Admin("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(Admin("GET", "/readyz").status, 200);
  ASSERT_EQ(Do("PUT", "/adm").status, 200);
  Put("a", 300 * 1024, 1);
  ASSERT_EQ(Do("GET", "/adm/a").status, 200);
  EXPECT_EQ(Do("GET", "/adm/missing").status, 404);

  // A request is counted just after its response went out: wait for the last one.
  for (int i = 0; i < 100; ++i) {
    r = Admin("GET", "/metrics");
    if (Metric(r.body, "tessera_request_duration_seconds_count", "dialect=\"s3\"") >= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(Metric(r.body, "tessera_responses_total", "dialect=\"s3\",code=\"2xx\""), 3);
  EXPECT_EQ(Metric(r.body, "tessera_responses_total", "dialect=\"s3\",code=\"4xx\""), 1);
  EXPECT_EQ(Metric(r.body, "tessera_request_bytes_total", "dialect=\"s3\""), 300 * 1024);
  EXPECT_GE(Metric(r.body, "tessera_response_bytes_total", "dialect=\"s3\""), 300 * 1024);
  EXPECT_EQ(Metric(r.body, "tessera_request_duration_seconds_count", "dialect=\"s3\""), 4);
  EXPECT_EQ(Metric(r.body, "tessera_request_duration_seconds_bucket", "dialect=\"s3\",le=\"+Inf\""),
            4);
  EXPECT_EQ(Metric(r.body, "tessera_store_user_bytes_total"), 300 * 1024);
  EXPECT_EQ(Metric(r.body, "tessera_drive_up", "drive=\"5\""), 1);
  EXPECT_EQ(Metric(r.body, "tessera_drive_state", "drive=\"5\",state=\"up\""), 1);
  EXPECT_EQ(Metric(r.body, "tessera_degraded_extents"), 0);
  // Twelve simulated drives share one file system: it is counted once.
  const double raw = Metric(r.body, "tessera_capacity_raw_bytes");
  EXPECT_GT(raw, 0);
  EXPECT_EQ(Metric(r.body, "tessera_drive_capacity_bytes", "drive=\"5\""), raw);
  EXPECT_NEAR(Metric(r.body, "tessera_capacity_usable_bytes"), raw * 6 / 9, 9);
  EXPECT_GT(Metric(r.body, "tessera_capacity_used_bytes"), 0);
  RawResponse capacity = Admin("GET", "/admin/v1/capacity");
  ASSERT_EQ(capacity.status, 200);
  const json c = json::parse(capacity.body);
  EXPECT_EQ(c["raw_bytes"].get<double>(), raw);
  EXPECT_GT(c["used_bytes"].get<uint64_t>(), 0u);
  const std::string printed = Cli("admin capacity");
  EXPECT_EQ(last_cli_status_, 0) << printed;
  EXPECT_NE(printed.find("usable"), std::string::npos) << printed;
  EXPECT_GT(Metric(r.body, "tessera_capacity_raw_free_bytes"), 0);

  EXPECT_EQ(Admin("GET", "/nothing").status, 404);
  EXPECT_EQ(Admin("PUT", "/healthz").status, 405);
  EXPECT_EQ(Admin("GET", "/admin/v1/drives/5/fail").status, 405);
  EXPECT_EQ(Admin("POST", "/admin/v1/drives/x/fail", "let-me-in").status, 404);
  EXPECT_EQ(Admin("POST", "/admin/v1/drives/99999/fail", "let-me-in").status, 404);
  // The data listener does not serve the admin API, nor the admin listener S3.
  EXPECT_NE(Do("GET", "/admin/v1/heal").status, 200);
  EXPECT_EQ(Admin("GET", "/adm/a").status, 404);
}

TEST_F(AdminTest, AFailedDriveIsRebuiltElsewhereStaysFailedAndReturns) {
  ASSERT_EQ(Do("PUT", "/adm").status, 200);
  for (int i = 0; i < 3; ++i) Put("small" + std::to_string(i), 200 * 1024, 20 + i);
  // Whole stripes until drive 5 (region-2/drive-2) holds some.
  const std::string drive = dir_ + "/data/regions/region-2/drive-2";
  for (int i = 0; i < 64 && (!fs::exists(drive + "/segments") || fs::is_empty(drive + "/segments"));
       ++i) {
    Put("big" + std::to_string(i), 1536 * 1024, 10 + i);
  }
  ASSERT_FALSE(fs::is_empty(drive + "/segments"));

  // The first scan (at start) is done and nothing asks for another.
  const uint64_t scans = WaitFor([](const json& s) { return s["scans"] >= 1; })["scans"];
  ASSERT_GE(scans, 1u);

  // Changes need the token.
  EXPECT_EQ(Admin("POST", "/admin/v1/drives/5/fail").status, 403);
  EXPECT_EQ(Admin("POST", "/admin/v1/drives/5/fail", "wrong").status, 403);
  EXPECT_EQ(State(Heal(), 5), "up");
  std::string out = Cli("drive fail 5 --token let-me-in");
  ASSERT_EQ(last_cli_status_, 0) << out;
  EXPECT_NE(out.find("failed"), std::string::npos) << out;

  // Its fragments are rebuilt on the region's spare drive: nothing degraded is left.
  json s = WaitFor([&](const json& s) {
    return s["scans"] > scans && s["pending_extents"] == 0 && s["degraded_extents"] == 0;
  });
  EXPECT_EQ(State(s, 5), "failed");
  EXPECT_EQ(s["degraded_extents"], 0) << s.dump();
  RawResponse m = Admin("GET", "/metrics");
  EXPECT_GT(Metric(m.body, "tessera_heal_extents_total"), 0) << m.body;
  EXPECT_EQ(Metric(m.body, "tessera_drive_state", "drive=\"5\",state=\"failed\""), 1);
  out = Cli("heal status");
  EXPECT_EQ(last_cli_status_, 0) << out;
  EXPECT_NE(out.find("1 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("degraded extents: 0"), std::string::npos) << out;

  // The failed disk is pulled; after a restart the drive is still failed and every object
  // reads back whole without it.
  ASSERT_EQ(gateway_->Stop(), 0);
  fs::remove_all(drive);
  Start();
  s = Heal();
  EXPECT_EQ(State(s, 5), "failed");
  ReadAll("drive 5 failed and removed");

  // A new disk in its place, taken back: it returns, and once a heal pass has looked it is up.
  fs::create_directories(drive);
  out = Cli("drive restore 5");
  EXPECT_NE(last_cli_status_, 0) << out;  // no token
  out = Cli("drive restore 5 --token let-me-in");
  ASSERT_EQ(last_cli_status_, 0) << out;
  s = WaitFor([&](const json& s) { return State(s, 5) == "up"; });
  EXPECT_EQ(State(s, 5), "up") << s.dump();
  Put("after", 1536 * 1024, 30);
  ReadAll("drive 5 restored");
}

TEST_F(AdminTest, NotReadyWhenWritesCannotBePlaced) {
  // Twelve data drives, RS(6,3): with seven failed, five are up and writes cannot go.
  for (int id = 0; id < 7; ++id) {
    ASSERT_EQ(Admin("POST", "/admin/v1/drives/" + std::to_string(id) + "/fail", "let-me-in").status,
              200);
  }
  RawResponse r = Admin("GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("5 of 12 drives up"), std::string::npos) << r.body;
  ASSERT_EQ(Do("PUT", "/adm").status, 200);
  EXPECT_EQ(Do("PUT", "/adm/x", SeededBody(1 << 20, 3)).status, 503);
  ASSERT_EQ(Admin("POST", "/admin/v1/drives/0/restore", "let-me-in").status, 200);
  for (int i = 0; i < 100 && Admin("GET", "/readyz").status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Admin("GET", "/readyz").status, 200);
  EXPECT_EQ(Do("PUT", "/adm/x", SeededBody(1 << 20, 3)).status, 200);
}

// One access log line per request, S3 and Blob alike, and per-operation counts that match
// what was sent.
TEST_F(AdminTest, EveryRequestIsLoggedAndCountedByOperation) {
  ASSERT_EQ(Do("PUT", "/logged").status, 200);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Do("PUT", "/adm/k" + std::to_string(i), "x").status, 404);  // no such bucket
  }
  ASSERT_EQ(Do("GET", "/adm/k1").status, 404);
  ASSERT_EQ(Do("PUT", "/logged/obj", "12345").status, 200);
  ASSERT_EQ(Do("GET", "/logged/obj").status, 200);
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/box?restype=container").status, 201);
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/box/b", "abc", {{"x-ms-blob-type", "BlockBlob"}}).status,
            201);
  ASSERT_EQ(Blob("GET", "/devstoreaccount1/box/missing").status, 404);
  // 1 + 3 failed PUTs to the missing bucket "adm" + 1 GET + 2 S3 + 3 Blob = 10 requests.
  std::vector<json> lines;
  for (int i = 0; i < 50; ++i) {
    lines.clear();
    std::istringstream in(ReadFile(dir_ + "/access.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    if (lines.size() >= 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(lines.size(), 10u);
  // A line is written just after its response went out, so two requests in a row may be
  // logged in either order: find each by what it was.
  auto line = [&lines](const std::string& method, const std::string& path) {
    for (const json& l : lines) {
      if (l["method"] == method && l["path"] == path) return l;
    }
    ADD_FAILURE() << "no line for " << method << " " << path;
    return json::object();
  };
  const json put = line("PUT", "/logged/obj");
  EXPECT_EQ(put["dialect"], "s3");
  EXPECT_EQ(put["operation"], "PutObject");
  EXPECT_EQ(put["method"], "PUT");
  EXPECT_EQ(put["account"], "devstoreaccount1");
  EXPECT_EQ(put["bucket"], "logged");
  EXPECT_EQ(put["key"], "obj");
  EXPECT_EQ(put["status"], 200);
  EXPECT_EQ(put["bytes_in"], 5);
  EXPECT_EQ(put["remote"], "127.0.0.1");
  EXPECT_FALSE(put["request_id"].get<std::string>().empty());
  EXPECT_FALSE(put.contains("error"));
  EXPECT_EQ(line("GET", "/logged/obj")["operation"], "GetObject");
  EXPECT_EQ(line("GET", "/logged/obj")["bytes_out"], 5);
  EXPECT_EQ(line("PUT", "/adm/k0")["error"], "NoSuchBucket");
  EXPECT_EQ(line("GET", "/adm/k1")["error"], "NoSuchBucket");
  const json blob = line("PUT", "/devstoreaccount1/box/b");
  EXPECT_EQ(line("PUT", "/devstoreaccount1/box")["operation"], "CreateContainer");
  EXPECT_EQ(blob["dialect"], "blob");
  EXPECT_EQ(blob["operation"], "PutBlob");
  EXPECT_EQ(blob["bucket"], "box");
  EXPECT_EQ(blob["key"], "b");
  EXPECT_EQ(blob["status"], 201);
  EXPECT_EQ(line("GET", "/devstoreaccount1/box/missing")["error"], "BlobNotFound");

  const std::string m = Admin("GET", "/metrics").body;
  EXPECT_EQ(
      Metric(m, "tessera_requests_total", "dialect=\"s3\",operation=\"PutObject\",code=\"4xx\""),
      3);
  EXPECT_EQ(
      Metric(m, "tessera_requests_total", "dialect=\"s3\",operation=\"PutObject\",code=\"2xx\""),
      1);
  EXPECT_EQ(
      Metric(m, "tessera_requests_total", "dialect=\"blob\",operation=\"PutBlob\",code=\"2xx\""),
      1);
  EXPECT_EQ(Metric(m, "tessera_operation_duration_seconds_count",
                   "dialect=\"s3\",operation=\"PutObject\""),
            4);
  EXPECT_EQ(Metric(m, "tessera_responses_total", "dialect=\"blob\",code=\"4xx\""), 1);
  // Usage per account: all ten requests were the development account's.
  EXPECT_EQ(Metric(m, "tessera_account_requests_total", "account=\"devstoreaccount1\""), 10);
  // Bodies received: "12345", "abc" and the three 1-byte bodies of the PUTs into the missing
  // bucket (small bodies are read before a worker takes the request).
  EXPECT_EQ(Metric(m, "tessera_account_bytes_in_total", "account=\"devstoreaccount1\""), 5 + 3 + 3);
}

// SIGHUP reopens the access log (log rotation) and stops nothing; only the development
// account's secret is ever printed; --version and --help answer on stdout.
TEST_F(AdminTest, HangupReopensTheAccessLogAndTheCommandLineAnswers) {
  ASSERT_EQ(Do("PUT", "/rotated").status, 200);
  const std::string log = dir_ + "/access.log";
  for (int i = 0; i < 50 && ReadFile(log).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  fs::rename(log, log + ".1");
  gateway_->Signal(SIGHUP);
  for (int i = 0; i < 50 && !fs::exists(log); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(gateway_->Alive());
  ASSERT_EQ(Do("PUT", "/rotated/after", "x").status, 200);
  for (int i = 0; i < 50 && ReadFile(log).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(ReadFile(log + ".1").find("\"CreateBucket\""), std::string::npos);
  EXPECT_NE(ReadFile(log).find("\"PutObject\""), std::string::npos);
  EXPECT_EQ(ReadFile(log).find("\"CreateBucket\""), std::string::npos);

  std::string out;
  EXPECT_EQ(RunCommand(TesseraBinary() + " --version 2>/dev/null", &out), 0);
  EXPECT_TRUE(out.starts_with("tessera ")) << out;
  out.clear();
  EXPECT_EQ(RunCommand(TesseraBinary() + " serve --help 2>/dev/null", &out), 0);
  EXPECT_NE(out.find("Usage: tessera serve"), std::string::npos) << out;
  EXPECT_NE(out.find("--tls-cert"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(RunCommand(TesseraBinary() + " admin --help 2>/dev/null", &out), 0);
  EXPECT_NE(out.find("rotate-key"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(TesseraBinary() + " serve --bogus 2>/dev/null", &out) >> 8, 2);

  // A configured account's key is not printed at start.
  ASSERT_EQ(gateway_->Stop(), 0);
  std::ofstream(config_) << R"({"accounts": [{"name": "tenant", "key": "c2VjcmV0LWtleS0x"}]})";
  Start();
  const std::string printed = ReadFile(dir_ + "/data.log");
  EXPECT_NE(printed.find("account tenant"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("c2VjcmV0LWtleS0x"), std::string::npos) << printed;
}

}  // namespace
}  // namespace tessera::testing
