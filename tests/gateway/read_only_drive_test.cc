// A region whose file system turns read-only under a running gateway while clients write
// (ext4 on a loop device, its error handling set to remount read-only, then an error
// triggered through sysfs): writes go on (one under way at that instant may be refused
// retryably and succeeds when retried), everything acknowledged reads back by hash, and
// once the file system is repaired and the gateway restarted the healer moves every
// fragment home, so `tessera check` finds the profile's spread again. Needs root and loop
// devices; elsewhere it is reported as skipped.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

class ReadOnlyDriveTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    region_ = dir_ + "/data/regions/region-2";
    fs::create_directories(region_);
    image_ = dir_ + "/region-2.img";
    std::string out;
    if (RunCommand("truncate -s 256M " + image_ + " && mkfs.ext4 -q -F " + image_, &out) != 0) {
      GTEST_SKIP() << "cannot make an ext4 image here: " << out;
    }
    loop_.clear();
    if (RunCommand("losetup -f --show " + image_, &loop_) != 0 || !loop_.starts_with("/dev/")) {
      GTEST_SKIP() << "cannot attach a loop device here (needs root): " << loop_;
    }
    while (!loop_.empty() && (loop_.back() == '\n' || loop_.back() == ' ')) loop_.pop_back();
    RunCommand("blockdev --setrw " + loop_, &out);  // a device left read-only by others
    ASSERT_TRUE(Mount()) << "cannot mount " << loop_;
    config_ = dir_ + "/config.json";
    std::ofstream(config_) << R"({"store": {"probe_interval_ms": 100, "heal_mib_per_s": 0,
        "destage_interval_ms": 100, "segment_mib": 8, "buffer_log_mib": 4}})";
    Start();
  }
  void TearDown() override {
    gateway_.reset();
    std::string out;
    if (mounted_) RunCommand("umount -l " + region_, &out);
    if (!loop_.empty()) RunCommand("losetup -d " + loop_, &out);
    RemoveTree(dir_);
  }
  bool Mount() {
    std::string out;
    mounted_ = RunCommand("mount -o errors=remount-ro " + loop_ + " " + region_, &out) == 0;
    return mounted_;
  }
  void Start() {
    gateway_ = std::make_unique<Gateway>(
        dir_ + "/data", std::vector<std::string>{"--config", config_, "--admin", "127.0.0.1:0"});
    ASSERT_TRUE(gateway_->Start()) << ReadFile(dir_ + "/data.log");
  }
  nlohmann::json Heal() {
    Request r;
    r.target = "/admin/v1/heal";
    r.sign = false;
    return nlohmann::json::parse(Send(gateway_->admin_port(), r).body, nullptr, false);
  }

  std::string region_, image_, loop_, config_;
  bool mounted_ = false;
};

TEST_F(ReadOnlyDriveTest, ARegionTurningReadOnlyMidWriteLosesNoWriteAndHealsAfterRepair) {
  ASSERT_EQ(Do("PUT", "/rofs").status, 200);
  std::mutex mu;
  std::map<std::string, std::string> stored;
  std::vector<std::string> failures;
  std::atomic<int> done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> retried{0};
  std::thread writer([&] {
    const size_t sizes[] = {100 << 10, 700 << 10, 2 << 20};
    for (int i = 0; !stop && i < 200; ++i) {
      const std::string key = "o" + std::to_string(i);
      std::string body = SeededBody(sizes[i % 3], 100 + i);
      RawResponse r = Do("PUT", "/rofs/" + key, body);
      // A write under way when the whole region failed may keep only k of its fragments:
      // that is refused retryably (503 SlowDown), and clients retry it, as SDKs do.
      for (int attempt = 0; attempt < 3 && r.status == 503; ++attempt) {
        EXPECT_NE(r.body.find("<Code>SlowDown</Code>"), std::string::npos) << r.body;
        ++retried;
        r = Do("PUT", "/rofs/" + key, body);
      }
      std::lock_guard<std::mutex> lock(mu);
      if (r.status == 200) {
        stored[key] = std::move(body);
      } else {
        failures.push_back(key + ": " + std::to_string(r.status) + " " + r.body);
      }
      ++done;
    }
  });
  while (done < 10) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // The region's file system fails under the writes: ext4 turns itself read-only.
  std::ofstream("/sys/fs/ext4/" + fs::path(loop_).filename().string() + "/trigger_fs_error")
      << "test\n";
  const int at_error = done;
  while (done < at_error + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  std::string mounts = ReadFile("/proc/mounts");
  EXPECT_TRUE(mounts.find(region_ + " ext4 ro") != std::string::npos ||
              mounts.find("emergency_ro") != std::string::npos)
      << mounts;
  EXPECT_TRUE(failures.empty()) << failures.size() << " writes failed, first " << failures[0];
  EXPECT_LE(retried, 4);  // only writes under way at the failure
  for (const auto& [key, body] : stored) {
    RawResponse r = Do("GET", "/rofs/" + key);
    ASSERT_EQ(r.status, 200) << key;
    ASSERT_TRUE(r.body == body) << key << " differs";
  }
  const std::string log = ReadFile(dir_ + "/data.log");
  EXPECT_NE(log.find("(region region-2) is down"), std::string::npos) << log;

  // Repaired and back: the healer moves the handed-off fragments home.
  ASSERT_EQ(gateway_->Stop(), 0);
  std::string out;
  ASSERT_EQ(RunCommand("umount " + region_, &out), 0) << out;
  mounted_ = false;
  RunCommand("e2fsck -fy " + loop_, &out);  // exit 1: errors fixed
  ASSERT_TRUE(Mount());
  Start();
  nlohmann::json s;
  for (int i = 0; i < 600; ++i) {
    s = Heal();
    bool all_up = true;
    for (const auto& d : s["drives"]) all_up = all_up && d["state"] == "up";
    if (all_up && s["scans"] >= 1 && s["pending_extents"] == 0 && s["degraded_extents"] == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(s["degraded_extents"], 0) << s.dump();
  for (const auto& [key, body] : stored) {
    RawResponse r = Do("GET", "/rofs/" + key);
    ASSERT_EQ(r.status, 200) << key;
    ASSERT_TRUE(r.body == body) << key << " differs after healing";
  }
  ASSERT_EQ(gateway_->Stop(), 0);
  const int status =
      RunCommand(TesseraBinary() + " check --data " + dir_ + "/data --config " + config_, &out);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("0 damaged, 0 not spread"), std::string::npos) << out;
}

}  // namespace
}  // namespace tessera::testing
