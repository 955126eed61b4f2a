// A full disk under a running gateway: writes are refused retryably in each dialect (503
// SlowDown / ServerBusy, nothing about the server in the message), nothing written before
// is damaged, and once space comes back writes succeed again.

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

class DiskFullTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    mount_ = dir_ + "/small";
    fs::create_directories(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=64m") != 0) {
      GTEST_SKIP() << "cannot mount a small file system here (needs root): " << strerror(errno);
    }
    mounted_ = true;
    const std::string config = dir_ + "/config.json";
    std::ofstream(config) << R"({"store": {"probe_interval_ms": 100, "segment_mib": 4,
                                 "buffer_log_mib": 1}})";
    gateway_ =
        std::make_unique<Gateway>(mount_ + "/data", std::vector<std::string>{"--config", config});
    ASSERT_TRUE(gateway_->Start());
  }
  void TearDown() override {
    gateway_.reset();
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
    RemoveTree(dir_);
  }

  std::string mount_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, WritesAreRefusedRetryablyNothingIsDamagedAndSpaceBackMeansWritesBack) {
  ASSERT_EQ(Do("PUT", "/full").status, 200);
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/box?restype=container").status, 201);
  // Something else takes most of the file system.
  const std::string filler = mount_ + "/filler";
  std::ofstream(filler) << std::string(36 << 20, 'f');
  std::vector<std::string> stored;
  RawResponse refused;
  for (int i = 0; i < 100; ++i) {
    std::string body = SeededBody(3 << 20, i);
    RawResponse r = Do("PUT", "/full/o" + std::to_string(i), body);
    if (r.status != 200) {
      refused = r;
      break;
    }
    stored.push_back(std::move(body));
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("<Code>SlowDown</Code>"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(mount_), std::string::npos) << refused.body;
  EXPECT_GT(stored.size(), 0u);
  RawResponse blob = Blob("PUT", "/devstoreaccount1/box/b", SeededBody(3 << 20, 999),
                          {{"x-ms-blob-type", "BlockBlob"}});
  EXPECT_EQ(blob.status, 503) << blob.body;
  EXPECT_EQ(blob.Header("x-ms-error-code"), "ServerBusy");

  // Everything acknowledged before is whole.
  for (size_t i = 0; i < stored.size(); ++i) {
    RawResponse r = Do("GET", "/full/o" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i;
    ASSERT_TRUE(r.body == stored[i]) << i;
  }
  // Space comes back: the drives pass their probes again and take writes.
  fs::remove(filler);
  RawResponse again;
  for (int i = 0; i < 100; ++i) {
    again = Do("PUT", "/full/again", SeededBody(3 << 20, 12345));
    if (again.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(again.status, 200) << again.body;
  RawResponse back = Do("GET", "/full/again");
  EXPECT_EQ(back.status, 200);
  EXPECT_TRUE(back.body == SeededBody(3 << 20, 12345));
  for (size_t i = 0; i < stored.size(); ++i) {
    RawResponse r = Do("GET", "/full/o" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i;
    ASSERT_TRUE(r.body == stored[i]) << i;
  }
}

}  // namespace
}  // namespace tessera::testing
