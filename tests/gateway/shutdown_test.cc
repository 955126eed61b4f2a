// Shutdown whatever clients do: SIGTERM with an upload that stalls halfway exits within the
// grace period (plus the 5 s the gateway allows for closing), and a second signal exits at
// once; objects acknowledged before are intact afterwards.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

class ShutdownTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    std::ofstream(dir_ + "/config.json") << R"({"limits": {"shutdown_grace_s": 2}})";
    gateway_ = std::make_unique<Gateway>(
        dir_ + "/data", std::vector<std::string>{"--config", dir_ + "/config.json"});
    ASSERT_TRUE(gateway_->Start());
    ASSERT_EQ(Do("PUT", "/bkt").status, 200);
    ASSERT_EQ(Do("PUT", "/bkt/kept", "acknowledged").status, 200);
  }
  // A signed upload whose body stops halfway: a worker is reading it when the signal comes.
  void StallAnUpload() {
    Request r;
    r.method = "PUT";
    r.target = "/bkt/stalled";
    r.body = Pattern(1 << 20);
    const std::string wire = Serialize(r, gateway_->port());
    stalled_ = std::make_unique<Connection>(gateway_->port());
    ASSERT_TRUE(stalled_->Send(wire.substr(0, wire.size() - r.body.size() / 2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  double SecondsToExit(const std::chrono::steady_clock::time_point& since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  }
  std::unique_ptr<Connection> stalled_;
};

TEST_F(ShutdownTest, AStalledUploadDoesNotHoldTheProcessPastItsGrace) {
  StallAnUpload();
  const auto signalled = std::chrono::steady_clock::now();
  gateway_->Signal(SIGTERM);
  const int status = gateway_->Wait();
  const double took = SecondsToExit(signalled);
  EXPECT_EQ(status, 0);
  EXPECT_GE(took, 1.5);      // it waited for the upload...
  EXPECT_LT(took, 2 + 5.0);  // ...but not past the grace and the closing allowance
  Restart();
  EXPECT_EQ(Do("GET", "/bkt/kept").body, "acknowledged");
  EXPECT_EQ(Do("HEAD", "/bkt/stalled").status, 404);
}

TEST_F(ShutdownTest, ASecondSignalExitsAtOnce) {
  StallAnUpload();
  const auto signalled = std::chrono::steady_clock::now();
  gateway_->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gateway_->Signal(SIGINT);
  const int status = gateway_->Wait();
  EXPECT_LT(SecondsToExit(signalled), 1.5);
  EXPECT_NE(status, 0);
  Restart();
  EXPECT_EQ(Do("GET", "/bkt/kept").body, "acknowledged");
}

}  // namespace
}  // namespace tessera::testing
