#include "gateway/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/gateway/gateway_process.h"

namespace tessera::gateway {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { testing::RemoveTree(dir_); }
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/config.json";
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(ConfigTest, DefaultIsThreeRegionsOfThreeDrivesAndTheDevAccount) {
  Config config = DefaultConfig("/data");
  ASSERT_EQ(config.drives.size(), 9u);
  EXPECT_EQ(config.drives[0].path, "/data/regions/region-1/drive-1");
  EXPECT_EQ(config.drives[8].region, "region-3");
  EXPECT_EQ(config.profile.k, 6);
  EXPECT_EQ(config.profile.m, 3);
  EXPECT_EQ(config.profile.max_per_region, 3);
  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_EQ(config.listeners[0].port, 9000);
  EXPECT_EQ(config.listeners[1].port, 10000);
  EXPECT_EQ(config.listeners[0].dialect, Dialect::kS3);
  EXPECT_EQ(config.listeners[1].dialect, Dialect::kBlob);
  ASSERT_EQ(config.accounts.size(), 1u);
  EXPECT_EQ(config.accounts[0].name, "devstoreaccount1");
  ASSERT_EQ(config.buffers.size(), 3u);  // one write-buffer device per region
  EXPECT_EQ(config.buffers[2].path, "/data/regions/region-3/buffer");
  EXPECT_EQ(config.buffers[2].region, "region-3");
  EXPECT_GE(config.buffers[0].id, kFirstBufferId);
}

TEST_F(ConfigTest, StoreOptionsAndBufferDevicesComeFromTheFile) {
  Config config = DefaultConfig("/data");
  std::string path = Write(R"({
    "regions": [{"name": "a", "drives": ["/d1", "/d2"], "buffer": "/nvme/a"},
                {"name": "b", "drives": ["/d3"]}],
    "store": {"segment_mib": 512, "direct_io": true, "compact_below": 0.25,
              "buffer_log_mib": 16, "destage_stripes": 4, "destage_interval_ms": 100,
              "pack_tail_kib": 128}
  })");
  ASSERT_TRUE(ApplyConfigFile(path, config).ok());
  ASSERT_EQ(config.buffers.size(), 2u);
  EXPECT_EQ(config.buffers[0].path, "/nvme/a");
  EXPECT_EQ(config.buffers[1].path, "/data/buffers/b");
  EXPECT_NE(config.buffers[0].id, config.buffers[1].id);
  EXPECT_EQ(config.storage.segment_bytes, 512ull << 20);
  EXPECT_TRUE(config.storage.direct_io);
  EXPECT_EQ(config.storage.compact_below, 0.25);
  EXPECT_EQ(config.storage.buffer_log_bytes, 16ull << 20);
  EXPECT_EQ(config.storage.destage_stripes, 4u);
  EXPECT_EQ(config.storage.destage_interval_ms, 100u);
  EXPECT_EQ(config.storage.pack_tail_bytes, 128u << 10);
}

TEST_F(ConfigTest, FileOverridesListenersLayoutProfileAccountsAndLimits) {
  Config config = DefaultConfig("/data");
  std::string path = Write(R"({
    "data_dir": "/srv/t",
    "listen": ["127.0.0.1:0", "[::1]:9100"],
    "layout": {"regions": 4, "drives_per_region": 4},
    "ec": {"k": 11, "m": 5, "max_per_region": 4},
    "accounts": [{"name": "tenant1", "key": "c2VjcmV0"}],
    "limits": {"header_limit": 8192, "worker_threads": 4}
  })");
  ASSERT_TRUE(ApplyConfigFile(path, config).ok());
  EXPECT_EQ(config.data_dir, "/srv/t");
  ASSERT_EQ(config.listeners.size(), 2u);
  EXPECT_EQ(config.listeners[1].host, "::1");
  EXPECT_EQ(config.listeners[1].port, 9100);
  ASSERT_EQ(config.drives.size(), 16u);
  EXPECT_EQ(config.drives[15].path, "/srv/t/regions/region-4/drive-4");
  EXPECT_EQ(config.profile.k, 11);
  EXPECT_EQ(config.profile.m, 5);
  EXPECT_EQ(config.profile.max_per_region, 4);
  ASSERT_EQ(config.accounts.size(), 1u);
  EXPECT_EQ(config.accounts[0].name, "tenant1");
  EXPECT_EQ(config.limits.header_limit, 8192u);
  EXPECT_EQ(config.limits.worker_threads, 4u);
  EXPECT_EQ(config.limits.io_threads, 2u);  // untouched
}

TEST_F(ConfigTest, ExplicitRegionsListRealDrives) {
  Config config = DefaultConfig("/data");
  std::string path = Write(R"({"regions": [
    {"name": "eu", "drives": ["/mnt/a", "/mnt/b"]},
    {"name": "us", "drives": ["/mnt/c"]}]})");
  ASSERT_TRUE(ApplyConfigFile(path, config).ok());
  ASSERT_EQ(config.drives.size(), 3u);
  EXPECT_EQ(config.drives[1].region, "eu");
  EXPECT_EQ(config.drives[2].region, "us");
  EXPECT_EQ(config.drives[2].id, 2u);
}

TEST_F(ConfigTest, TheAdminListenerIsOnByDefaultAndGoesWithNamedListeners) {
  Config config = DefaultConfig(dir_);
  ASSERT_TRUE(config.admin.has_value());
  EXPECT_EQ(config.admin->host, "127.0.0.1");
  EXPECT_EQ(config.admin->port, 9001);
  EXPECT_TRUE(config.admin_token.empty());
  // Naming the data listeners drops the default admin listener ...
  ASSERT_TRUE(ApplyConfigFile(Write(R"({"listen": ["127.0.0.1:0"]})"), config).ok());
  EXPECT_FALSE(config.admin.has_value());
  // ... unless it is named too.
  config = DefaultConfig(dir_);
  ASSERT_TRUE(ApplyConfigFile(Write(R"({"listen": ["127.0.0.1:0"], "admin_listen": "[::1]:9100",
                                        "admin_token": "t0ken"})"),
                              config)
                  .ok());
  ASSERT_TRUE(config.admin.has_value());
  EXPECT_EQ(config.admin->host, "::1");
  EXPECT_EQ(config.admin->port, 9100);
  EXPECT_EQ(config.admin_token, "t0ken");
  ASSERT_TRUE(ApplyConfigFile(Write(R"({"admin_listen": ""})"), config).ok());
  EXPECT_FALSE(config.admin.has_value());
  EXPECT_FALSE(ApplyConfigFile(Write(R"({"admin_listen": "nohostport"})"), config).ok());
}

TEST_F(ConfigTest, MalformedFilesAreErrorsNotCrashes) {
  Config config = DefaultConfig("/data");
  EXPECT_FALSE(ApplyConfigFile(Write("{not json"), config).ok());
  EXPECT_FALSE(ApplyConfigFile(Write(R"({"listen": ["nohostport"]})"), config).ok());
  EXPECT_FALSE(ApplyConfigFile(Write(R"({"listen": [5]})"), config).ok());
  EXPECT_FALSE(ApplyConfigFile(Write(R"({"accounts": [{"name": 1}]})"), config).ok());
  EXPECT_FALSE(ApplyConfigFile(dir_ + "/missing.json", config).ok());
  EXPECT_FALSE(ApplyConfigFile(Write("[1, 2]"), config).ok());
}

TEST_F(ConfigTest, TheExampleProductionConfigLoads) {
  Config config = DefaultConfig("/data");
  Status s = ApplyConfigFile(TESSERA_SOURCE_DIR "/packaging/tessera.example.json", config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config.drives.size(), 9u);
  EXPECT_EQ(config.buffers.size(), 3u);
  ASSERT_EQ(config.listeners.size(), 3u);
  EXPECT_TRUE(config.listeners[0].tls);
  EXPECT_EQ(config.tls_cert, "/etc/tessera/fullchain.pem");
  ASSERT_TRUE(config.admin.has_value());
  EXPECT_EQ(config.admin->port, 9001);
  EXPECT_EQ(config.access_log, "/var/log/tessera/access.log");
}

TEST_F(ConfigTest, TheLogLevelIsOneOfFour) {
  Config config = DefaultConfig("/data");
  EXPECT_EQ(config.log_level, "info");
  ASSERT_TRUE(ApplyConfigFile(Write(R"({"log_level": "warn"})"), config).ok());
  EXPECT_EQ(config.log_level, "warn");
  Status s = ApplyConfigFile(Write(R"({"log_level": "verbose"})"), config);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("log_level"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, MisspeltKeysAndKeysThatAreNotBase64AreRefused) {
  Config config = DefaultConfig("/data");
  Status s = ApplyConfigFile(Write(R"({"store": {"compact_belwo": 0.5}})"), config);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown key \"store.compact_belwo\""), std::string::npos)
      << s.message();
  s = ApplyConfigFile(Write(R"({"listne": ["127.0.0.1:1"]})"), config);
  EXPECT_NE(s.message().find("unknown key \"listne\""), std::string::npos) << s.message();
  s = ApplyConfigFile(Write(R"({"regions": [{"name": "r", "drives": ["/d"], "bufer": "/b"}]})"),
                      config);
  EXPECT_NE(s.message().find("unknown key \"regions[].bufer\""), std::string::npos) << s.message();
  s = ApplyConfigFile(Write(R"({"accounts": [{"name": "t1", "key": "not base64!"}]})"), config);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("must be base64"), std::string::npos) << s.message();
  EXPECT_TRUE(
      ApplyConfigFile(Write(R"({"accounts": [{"name": "t1", "key": "c2VjcmV0IGtleQ=="}]})"), config)
          .ok());
  ASSERT_EQ(config.accounts.size(), 1u);
  EXPECT_EQ(config.accounts[0].name, "t1");
}

TEST(ListenAddressTest, Parses) {
  auto a = ParseListenAddress("0.0.0.0:80");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 80);
  EXPECT_EQ(a->dialect, Dialect::kS3);
  auto b = ParseListenAddress("127.0.0.1:10000/blob");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 10000);
  EXPECT_EQ(b->dialect, Dialect::kBlob);
  EXPECT_EQ(ParseListenAddress("[::1]:9000/s3")->host, "::1");
  EXPECT_FALSE(ParseListenAddress("host:99999").ok());
  EXPECT_FALSE(ParseListenAddress("host:80/ftp").ok());
  EXPECT_FALSE(ParseListenAddress(":80").ok());
  EXPECT_FALSE(ParseListenAddress("host:").ok());
  auto tls = ParseListenAddress("https://0.0.0.0:443/blob");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->dialect, Dialect::kBlob);
  auto plain = ParseListenAddress("http://127.0.0.1:80");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_FALSE(a->tls);
  EXPECT_FALSE(ParseListenAddress("ftp://host:80").ok());
}

TEST_F(ConfigTest, TlsFilesComeFromTheTlsObject) {
  Config config = DefaultConfig("/data");
  Status s = ApplyConfigFile(
      Write(
          R"({"listen": ["https://127.0.0.1:9443"], "tls": {"cert": "/c.pem", "key": "/k.pem"}})"),
      config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(config.listeners.size(), 1u);
  EXPECT_TRUE(config.listeners[0].tls);
  EXPECT_EQ(config.tls_cert, "/c.pem");
  EXPECT_EQ(config.tls_key, "/k.pem");
  s = ApplyConfigFile(Write(R"({"tls": {"certificate": "/c.pem"}})"), config);
  EXPECT_NE(s.message().find("unknown key \"tls.certificate\""), std::string::npos) << s.message();
}

}  // namespace
}  // namespace tessera::gateway
