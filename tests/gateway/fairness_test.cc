// Connection fairness on the real binary: thousands of idle connections (no request at
// all) and a hundred uploads trickling their bodies do not keep a normal client from a PUT
// and a GET within 2 s each. The attackers come from other loopback addresses
// (127.0.0.2...), the normal client from 127.0.0.1.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

class FairnessTest : public GatewayFixture {
 protected:
  void SetUp() override {
    // Room for the attackers' sockets here and in the gateway (a child inherits the limit).
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    fds_ = limit.rlim_cur;
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    // Few workers: were a trickling body to pin one, the slow uploads would take them all.
    std::ofstream(dir_ + "/config.json")
        << R"({"limits": {"max_connections": 1024, "max_connections_per_address": 256,
                          "worker_threads": 8}})";
    gateway_ = std::make_unique<Gateway>(
        dir_ + "/data", std::vector<std::string>{"--config", dir_ + "/config.json"});
    ASSERT_TRUE(gateway_->Start());
  }
  static double Since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  // Three rounds of a PUT and a GET of `size` bytes from 127.0.0.1, each within 2 s.
  void ExpectANormalClientIsServed(size_t size) {
    for (int round = 0; round < 3; ++round) {
      const std::string key = "/fair/normal" + std::to_string(round);
      auto t = std::chrono::steady_clock::now();
      RawResponse put = Do("PUT", key, std::string(size, 'n'));
      EXPECT_EQ(put.status, 200) << put.body;
      EXPECT_LT(Since(t), 2.0) << "PUT round " << round;
      t = std::chrono::steady_clock::now();
      RawResponse get = Do("GET", key);
      EXPECT_EQ(get.status, 200);
      EXPECT_EQ(get.body.size(), size);
      EXPECT_LT(Since(t), 2.0) << "GET round " << round;
    }
  }
  // `count` PUTs of `size` bytes from 127.0.0.10-13 that send their head and `first` body
  // bytes at once, then `step` bytes each every second until destroyed.
  class SlowUploads {
   public:
    SlowUploads(FairnessTest& test, const std::string& prefix, int count, size_t size, size_t first,
                size_t step) {
      Request upload;
      upload.method = "PUT";
      upload.body = std::string(size, 's');
      for (int i = 0; i < count; ++i) {
        upload.target = "/fair/" + prefix + std::to_string(i);
        const std::string wire = Serialize(upload, test.gateway_->port());
        auto c = std::make_unique<Connection>(test.gateway_->port(),
                                              "127.0.0." + std::to_string(10 + i % 4));
        EXPECT_TRUE(c->ok());
        EXPECT_TRUE(c->Send(wire.substr(0, wire.size() - size + first)));
        slow_.push_back(std::move(c));
      }
      trickle_ = std::thread([this, step] {
        while (!stop_) {
          for (auto& c : slow_) c->Send(std::string(step, 's'));
          for (int i = 0; i < 10 && !stop_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }
      });
    }
    ~SlowUploads() {
      stop_ = true;
      trickle_.join();
    }

   private:
    std::vector<std::unique_ptr<Connection>> slow_;
    std::atomic<bool> stop_{false};
    std::thread trickle_;
  };

  rlim_t fds_ = 0;
};

TEST_F(FairnessTest, IdleAndTricklingClientsDoNotStarveANormalOne) {
  const int idle_count = fds_ >= 4096 ? 2000 : 600;
  ASSERT_EQ(Do("PUT", "/fair").status, 200);

  // A hundred uploads that send their head and then 1 KB every second.
  SlowUploads slow(*this, "slow", 100, 100 * 1024, 1024, 1024);

  // Thousands of connections that never send a byte, from eight other addresses.
  std::vector<std::unique_ptr<Connection>> idle;
  for (int i = 0; i < idle_count; ++i) {
    idle.push_back(
        std::make_unique<Connection>(gateway_->port(), "127.0.0." + std::to_string(2 + i % 8)));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ExpectANormalClientIsServed(64 * 1024);
}

// Uploads that send more than the gateway reads ahead (64 KiB) and then trickle: their
// handlers wait for body bytes, but waiting gives their worker slots to spare threads, so
// forty of them (five times the workers) do not keep a normal client from a PUT and a GET.
TEST_F(FairnessTest, HandlersWaitingForSlowBodiesDoNotHoldTheWorkers) {
  ASSERT_EQ(Do("PUT", "/fair").status, 200);
  SlowUploads slow(*this, "half", 40, 1024 * 1024, 200 * 1024, 2048);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ExpectANormalClientIsServed(300 * 1024);
}

// A body that trickles below the minimum rate (1 KiB/s over 10 s of waiting) is cut off
// with RequestTimeout and stores nothing.
TEST_F(FairnessTest, ABodyBelowTheMinimumRateIsCutOff) {
  ASSERT_EQ(Do("PUT", "/fair").status, 200);
  Request upload;
  upload.method = "PUT";
  upload.target = "/fair/trickled";
  upload.body = std::string(200 * 1024, 't');
  const std::string wire = Serialize(upload, gateway_->port());
  Connection c(gateway_->port());
  ASSERT_TRUE(c.Send(wire.substr(0, wire.size() - upload.body.size())));
  // 500 bytes every second, half the minimum, for 12 s: the answer waits on the socket.
  for (int i = 0; i < 12; ++i) {
    if (!c.Send(std::string(500, 't'))) break;  // already cut off
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  RawResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("<Code>RequestTimeout</Code>"), std::string::npos) << r.body;
  EXPECT_EQ(Do("HEAD", "/fair/trickled").status, 404);
}

}  // namespace
}  // namespace tessera::testing
