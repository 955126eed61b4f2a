// Accounts on the real binary: created, rotated, disabled and deleted through the admin
// API and `tessera admin account`, used by the next request in both dialects with no
// restart; the admin key; per-account rate and bandwidth limits hit and released.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

using nlohmann::json;

constexpr char kAdminKey[] = "adm1n-k3y";

class AccountsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    config_ = dir_ + "/config.json";
    std::ofstream(config_) << R"({"admin_token": ")" << kAdminKey << R"("})";
    Start();
  }
  void Start() {
    gateway_ = std::make_unique<Gateway>(
        dir_ + "/data", std::vector<std::string>{"--config", config_, "--admin", "127.0.0.1:0"});
    ASSERT_TRUE(gateway_->Start()) << ReadFile(dir_ + "/data.log");
  }

  RawResponse Admin(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& key = kAdminKey) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.sign = false;
    if (!key.empty()) r.headers.push_back({"Authorization", "Bearer " + key});
    return Send(gateway_->admin_port(), r);
  }
  // `tessera admin ...` against this gateway; its output, and its exit status in `status_`.
  std::string Cli(const std::string& args, const std::string& key = kAdminKey) {
    std::string out;
    status_ = RunCommand(TesseraBinary() + " admin " + args +
                             " --admin 127.0.0.1:" + std::to_string(gateway_->admin_port()) +
                             (key.empty() ? "" : " --admin-key " + key),
                         &out);
    return out;
  }
  json Create(const std::string& name) {
    const std::string out = Cli("account create " + name);
    EXPECT_EQ(status_, 0) << out;
    return json::parse(out, nullptr, false);
  }
  RawResponse S3(const std::string& account, const std::string& secret, std::string method,
                 std::string target, std::string body = "") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.account = account;
    r.secret = secret;
    return Send(gateway_->port(), r);
  }
  RawResponse BlobAs(const std::string& account, const std::string& key, std::string method,
                     std::string target,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.account = account;
    r.secret = key;
    r.headers = std::move(headers);
    return SendBlob(gateway_->port(), r);
  }

  std::string config_;
  int status_ = 0;
};

bool HasCode(const RawResponse& r, const std::string& code) {
  return r.body.find("<Code>" + code + "</Code>") != std::string::npos;
}

TEST_F(AccountsTest, ANewAccountIsUsedAtOnceInBothDialects) {
  // Unknown before it exists.
  EXPECT_EQ(S3("carol", "c2VjcmV0", "PUT", "/carolbucket").status, 403);

  const json carol = Create("carol");
  ASSERT_TRUE(carol.is_object());
  const std::string key1 = carol["key1"], key2 = carol["key2"];
  EXPECT_EQ(key1.size(), 88u);
  EXPECT_NE(key1, key2);

  RawResponse r = S3("carol", key1, "PUT", "/carolbucket");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(S3("carol", key2, "PUT", "/carolbucket/hello", "hi carol").status, 200);
  r = BlobAs("carol", key1, "GET", "/carol/carolbucket/hello");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "hi carol");
  r = BlobAs("carol", key2, "PUT", "/carol/carolblobs?restype=container");
  EXPECT_EQ(r.status, 201) << r.body;
  // Accounts are namespaces of their own: the development account does not see carol's.
  r = Do("GET", "/");
  EXPECT_EQ(r.body.find("carolbucket"), std::string::npos) << r.body;

  const std::string listed = Cli("account list");
  EXPECT_EQ(status_, 0) << listed;
  EXPECT_NE(listed.find("carol"), std::string::npos) << listed;
  EXPECT_NE(listed.find("devstoreaccount1"), std::string::npos) << listed;
  EXPECT_EQ(listed.find(key1), std::string::npos) << "list shows no keys";

  // Bad names and duplicates are refused.
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "Carol"})").status, 400);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "ab"})").status, 400);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": 7})").status, 400);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", "not json").status, 400);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "carol"})").status, 409);
}

TEST_F(AccountsTest, AccountsNeedTheAdminKey) {
  EXPECT_EQ(Admin("GET", "/admin/v1/accounts", "", "").status, 403);
  EXPECT_EQ(Admin("GET", "/admin/v1/accounts", "", "wrong").status, 403);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "mallory"})", "").status, 403);
  const std::string out = Cli("account create mallory", "wrong");
  EXPECT_NE(status_, 0) << out;
  EXPECT_EQ(Admin("GET", "/admin/v1/accounts/mallory").status, 404);
  EXPECT_EQ(Admin("GET", "/admin/v1/accounts").status, 200);
}

TEST_F(AccountsTest, KeysRotateWhileTheOtherKeyWorksAndStayRotatedAfterRestart) {
  const json dave = Create("dave");
  const std::string old1 = dave["key1"], key2 = dave["key2"];
  ASSERT_EQ(S3("dave", old1, "PUT", "/davebucket").status, 200);

  const std::string out = Cli("account rotate-key dave key1");
  ASSERT_EQ(status_, 0) << out;
  const json rotated = json::parse(out);
  const std::string new1 = rotated["key1"];
  EXPECT_NE(new1, old1);
  EXPECT_EQ(rotated["key2"], key2);

  RawResponse r = S3("dave", old1, "GET", "/davebucket");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "SignatureDoesNotMatch")) << r.body;
  EXPECT_EQ(BlobAs("dave", old1, "GET", "/dave?comp=list").status, 403);
  EXPECT_EQ(S3("dave", key2, "GET", "/davebucket").status, 200);
  EXPECT_EQ(S3("dave", new1, "GET", "/davebucket").status, 200);
  EXPECT_EQ(BlobAs("dave", new1, "GET", "/dave?comp=list").status, 200);

  EXPECT_EQ(Admin("POST", "/admin/v1/accounts/dave/rotate-key?key=key3").status, 400);
  EXPECT_EQ(Admin("POST", "/admin/v1/accounts/nobody/rotate-key?key=key1").status, 404);

  // Stored state wins over a restart.
  gateway_.reset();
  Start();
  EXPECT_EQ(S3("dave", old1, "GET", "/davebucket").status, 403);
  EXPECT_EQ(S3("dave", new1, "GET", "/davebucket").status, 200);
}

TEST_F(AccountsTest, ADisabledAccountIsRefusedUntilEnabled) {
  const json erin = Create("erin");
  const std::string key = erin["key1"];
  ASSERT_EQ(S3("erin", key, "PUT", "/erinbucket").status, 200);

  std::string out = Cli("account disable erin");
  ASSERT_EQ(status_, 0) << out;
  RawResponse r = S3("erin", key, "GET", "/erinbucket");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "AllAccessDisabled")) << r.body;
  r = BlobAs("erin", key, "GET", "/erin?comp=list");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "AccountIsDisabled")) << r.body;
  // A wrong key still gets a signature error, not a hint that the account exists.
  r = S3("erin", "d3Jvbmc=", "GET", "/erinbucket");
  EXPECT_TRUE(HasCode(r, "SignatureDoesNotMatch")) << r.body;

  out = Cli("account enable erin");
  ASSERT_EQ(status_, 0) << out;
  EXPECT_EQ(S3("erin", key, "GET", "/erinbucket").status, 200);
  EXPECT_EQ(BlobAs("erin", key, "GET", "/erin?comp=list").status, 200);
}

TEST_F(AccountsTest, AnAccountIsDeletedOnlyWithoutBuckets) {
  const json frank = Create("frank");
  const std::string key = frank["key1"];
  ASSERT_EQ(S3("frank", key, "PUT", "/frankbucket").status, 200);
  EXPECT_EQ(Admin("DELETE", "/admin/v1/accounts/frank").status, 409);
  std::string out = Cli("account delete frank");
  EXPECT_NE(status_, 0) << out;
  ASSERT_EQ(S3("frank", key, "DELETE", "/frankbucket").status, 204);
  out = Cli("account delete frank");
  EXPECT_EQ(status_, 0) << out;
  RawResponse r = S3("frank", key, "GET", "/");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "InvalidAccessKeyId")) << r.body;
  EXPECT_EQ(Admin("DELETE", "/admin/v1/accounts/frank").status, 404);
  // The name can be taken again, with new keys.
  const json again = Create("frank");
  EXPECT_NE(again["key1"], frank["key1"]);
}

TEST_F(AccountsTest, RateLimitsAreHitAndReleased) {
  const json gina = Create("gina");
  const std::string key = gina["key1"];
  ASSERT_EQ(S3("gina", key, "PUT", "/ginabucket").status, 200);
  std::string out = Cli("account limits gina requests_per_s=2");
  ASSERT_EQ(status_, 0) << out;

  int ok = 0, slow = 0, busy = 0;
  for (int i = 0; i < 12; ++i) {
    RawResponse r = i % 2 == 0 ? S3("gina", key, "GET", "/ginabucket")
                               : BlobAs("gina", key, "GET", "/gina?comp=list");
    if (r.status == 200) ++ok;
    if (r.status == 503 && HasCode(r, "SlowDown")) ++slow;
    if (r.status == 503 && HasCode(r, "ServerBusy")) ++busy;
  }
  EXPECT_GE(ok, 2);
  EXPECT_GT(slow, 0);
  EXPECT_GT(busy, 0);
  EXPECT_EQ(ok + slow + busy, 12);
  // Other tenants are not held back.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Do("GET", "/").status, 200);
  // The bucket refills.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(S3("gina", key, "GET", "/ginabucket").status, 200);

  // Bandwidth: one body may run into debt, the next waits it out.
  out = Cli("account limits gina requests_per_s=0 bytes_per_s=1000");
  ASSERT_EQ(status_, 0) << out;
  EXPECT_EQ(S3("gina", key, "PUT", "/ginabucket/big", std::string(20000, 'x')).status, 200);
  RawResponse r = S3("gina", key, "PUT", "/ginabucket/small", "x");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(HasCode(r, "SlowDown")) << r.body;
  EXPECT_EQ(S3("gina", key, "HEAD", "/ginabucket/small").status, 503);

  // Lifted: served at once.
  out = Cli("account limits gina bytes_per_s=0");
  ASSERT_EQ(status_, 0) << out;
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(S3("gina", key, "PUT", "/ginabucket/small", "x").status, 200);
  const json shown = json::parse(Cli("account show gina"));
  EXPECT_EQ(shown["limits"]["requests_per_s"], 0);
  EXPECT_EQ(shown["limits"]["bytes_per_s"], 0);
  EXPECT_FALSE(shown.contains("key1"));

  // Usage counts what gina's requests did since start.
  const json usage = json::parse(Cli("account usage gina"));
  EXPECT_GE(usage["since_start"]["requests"].get<int>(), 20);
  EXPECT_GE(usage["since_start"]["bytes_in"].get<int>(), 20000);
}

TEST_F(AccountsTest, QuotasAreHitAndReleased) {
  const json ivy = Create("ivy");
  const std::string key = ivy["key1"];
  ASSERT_EQ(S3("ivy", key, "PUT", "/ivybucket").status, 200);
  ASSERT_EQ(S3("ivy", key, "PUT", "/ivyother").status, 200);
  std::string out = Cli("account quota ivy ivybucket max_bytes=1000");
  ASSERT_EQ(status_, 0) << out;
  EXPECT_EQ(json::parse(out)["max_bytes"], 1000);

  ASSERT_EQ(S3("ivy", key, "PUT", "/ivybucket/a", std::string(600, 'a')).status, 200);
  RawResponse r = S3("ivy", key, "PUT", "/ivybucket/b", std::string(600, 'b'));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "QuotaExceeded")) << r.body;
  EXPECT_EQ(S3("ivy", key, "HEAD", "/ivybucket/b").status, 404);
  Request blob;
  blob.method = "PUT";
  blob.target = "/ivy/ivybucket/c";
  blob.account = "ivy";
  blob.secret = key;
  blob.body = std::string(600, 'c');
  blob.headers = {{"x-ms-blob-type", "BlockBlob"}};
  r = SendBlob(gateway_->port(), blob);
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "QuotaExceeded")) << r.body;
  // An overwrite is charged the difference.
  EXPECT_EQ(S3("ivy", key, "PUT", "/ivybucket/a", std::string(900, 'a')).status, 200);
  // The other bucket has no quota of its own.
  EXPECT_EQ(S3("ivy", key, "PUT", "/ivyother/x", std::string(2000, 'x')).status, 200);

  // Requests per bucket since start: the PUTs above (the refused ones too) and the HEAD. A
  // request is counted just after its response went out: wait for the last one.
  json usage;
  for (int i = 0; i < 50; ++i) {
    usage = json::parse(Cli("account usage ivy"));
    if (usage["buckets"]["ivyother"]["since_start"]["requests"] == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(usage["buckets"]["ivybucket"]["since_start"]["requests"], 6) << usage.dump();
  EXPECT_EQ(usage["buckets"]["ivyother"]["since_start"]["requests"], 2) << usage.dump();
  EXPECT_EQ(usage["bytes"], 2900) << usage.dump();
  EXPECT_EQ(usage["objects"], 2) << usage.dump();
  EXPECT_EQ(usage["buckets"]["ivybucket"]["bytes"], 900) << usage.dump();
  EXPECT_EQ(usage["buckets"]["ivybucket"]["quota"]["max_bytes"], 1000) << usage.dump();

  // The account's quota covers every bucket.
  out = Cli("account quota ivy max_objects=2");
  ASSERT_EQ(status_, 0) << out;
  r = S3("ivy", key, "PUT", "/ivyother/y", "y");
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(HasCode(r, "QuotaExceeded")) << r.body;

  // Released: both quotas lifted, the writes go through.
  ASSERT_EQ(Admin("PUT", "/admin/v1/accounts/ivy/quota", R"({"max_objects": 0})").status, 200);
  ASSERT_EQ(
      Admin("PUT", "/admin/v1/accounts/ivy/buckets/ivybucket/quota", R"({"max_bytes": 0})").status,
      200);
  EXPECT_EQ(S3("ivy", key, "PUT", "/ivyother/y", "y").status, 200);
  EXPECT_EQ(S3("ivy", key, "PUT", "/ivybucket/b", std::string(600, 'b')).status, 200);
  usage = json::parse(Cli("account usage ivy"));
  EXPECT_EQ(usage["objects"], 4) << usage.dump();

  EXPECT_EQ(
      Admin("PUT", "/admin/v1/accounts/ivy/buckets/nobucket/quota", R"({"max_bytes": 1})").status,
      404);
  EXPECT_EQ(Admin("PUT", "/admin/v1/accounts/ivy/quota", R"({"max_bytes": -1})").status, 400);
  EXPECT_EQ(Admin("PUT", "/admin/v1/accounts/nobody/quota", R"({"max_bytes": 1})").status, 404);
}

// The operator's changes are logged at info; SIGHUP reads the log level again.
TEST_F(AccountsTest, TheLogLevelIsReadAgainOnSighup) {
  auto reload = [&](const std::string& level, const std::string& limits = "{}") {
    std::ofstream(config_) << R"({"admin_token": ")" << kAdminKey << R"(", "log_level": ")" << level
                           << R"(", "limits": )" << limits << "}";
    gateway_->Signal(SIGHUP);
    for (int i = 0; i < 100; ++i) {
      if (ReadFile(dir_ + "/data.log").find("SIGHUP: log level " + level) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  ASSERT_TRUE(reload("warn")) << ReadFile(dir_ + "/data.log");
  ASSERT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "quiet"})").status, 201);
  EXPECT_EQ(ReadFile(dir_ + "/data.log").find("admin: POST /admin/v1/accounts"), std::string::npos);
  // Refused changes are warnings.
  ASSERT_EQ(Admin("POST", "/admin/v1/accounts/nobody/disable").status, 404);
  EXPECT_NE(ReadFile(dir_ + "/data.log").find("admin: POST /admin/v1/accounts/nobody/disable"),
            std::string::npos);

  ASSERT_TRUE(reload("info", R"({"idle_timeout_s": 1})")) << ReadFile(dir_ + "/data.log");
  EXPECT_NE(ReadFile(dir_ + "/data.log").find("idle 1 s"), std::string::npos);
  ASSERT_EQ(Admin("POST", "/admin/v1/accounts", R"({"name": "loud"})").status, 201);
  const std::string log = ReadFile(dir_ + "/data.log");
  EXPECT_NE(log.find(" info  admin: POST /admin/v1/accounts from 127.0.0.1 -> 201"),
            std::string::npos)
      << log;
  EXPECT_TRUE(gateway_->Alive());

  // The new idle timeout holds for connections already open: a keep-alive connection that
  // waits 2.5 s is closed.
  Connection connection(gateway_->port());
  ASSERT_TRUE(connection.ok());
  Request list;
  ASSERT_TRUE(connection.Send(Serialize(list, gateway_->port())));
  RawResponse first;
  ASSERT_TRUE(connection.Read(&first));
  EXPECT_EQ(first.status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  RawResponse second;
  EXPECT_FALSE(connection.Send(Serialize(list, gateway_->port())) && connection.Read(&second));
}

// A gateway whose config names no admin key makes one, keeps it in DATA/admin.key (readable
// by its owner only), prints it, and the CLI finds it with --data.
TEST(AdminKeyTest, GeneratedOnceKeptInTheDataDirectory) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  std::string key;
  {
    Gateway gateway(dir + "/data", {"--admin", "127.0.0.1:0"});
    ASSERT_TRUE(gateway.Start()) << ReadFile(dir + "/data.log");
    key = ReadFile(dir + "/data/admin.key");
    ASSERT_GE(key.size(), 40u);
    key.pop_back();  // newline
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/data/admin.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    EXPECT_NE(ReadFile(dir + "/data.log").find("admin key " + key), std::string::npos);

    const std::string admin = " --admin 127.0.0.1:" + std::to_string(gateway.admin_port());
    std::string out;
    EXPECT_NE(
        RunCommand(TesseraBinary() + " admin account create hank --admin-key x" + admin, &out), 0)
        << out;
    EXPECT_EQ(
        RunCommand(TesseraBinary() + " admin account create hank --data " + dir + "/data" + admin,
                   &out),
        0)
        << out;
    EXPECT_NE(out.find("\"key1\""), std::string::npos) << out;
  }
  Gateway again(dir + "/data", {"--admin", "127.0.0.1:0"});
  ASSERT_TRUE(again.Start());
  EXPECT_EQ(ReadFile(dir + "/data/admin.key"), key + "\n");
  RemoveTree(dir);
}

}  // namespace
}  // namespace tessera::testing
