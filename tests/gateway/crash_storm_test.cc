// kill -9 at arbitrary instants while clients write, overwrite and delete: every
// acknowledged write survives (checked by hash after each restart), and once everything is
// deleted, `tessera compact` leaves no segment bytes behind.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

uint64_t Fnv(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// What a key may hold after a crash: its last acknowledged content (or none, after an
// acknowledged delete) and, if a request was in flight, what that request would have left.
struct KeyState {
  std::optional<uint64_t> acked;  // hash; nullopt = absent
  bool in_flight = false;
  std::optional<uint64_t> pending;  // what the in-flight request writes (nullopt = delete)
};

uint64_t SegmentBytes(const std::string& data_dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(data_dir + "/regions")) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

class CrashStormTest : public GatewayFixture {};

TEST_F(CrashStormTest, AcknowledgedWritesSurviveRepeatedKillsAndNothingLeaks) {
  ASSERT_EQ(Do("PUT", "/storm").status, 200);
  const size_t sizes[] = {1000, 200 << 10, 1 << 20, (3 << 20) + 12345};
  constexpr int kThreads = 4, kKeysPerThread = 4, kRounds = 6;
  std::map<std::string, KeyState> keys;
  std::mutex mu;
  uint64_t peak = 0;
  std::mt19937 rng(20261202);
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    const int port = gateway_->port();
    for (int t = 0; t < kThreads; ++t) {
      clients.emplace_back([&, t] {
        for (uint64_t i = 0; !stop.load(); ++i) {
          const std::string key =
              "t" + std::to_string(t) + "/k" + std::to_string(i % kKeysPerThread);
          const bool remove = i % 7 == 6;
          const uint64_t seed = (static_cast<uint64_t>(round) << 32) | (t << 20) | i;
          const std::string body = remove ? "" : SeededBody(sizes[(i + t) % 4], seed);
          {
            std::lock_guard<std::mutex> lock(mu);
            KeyState& k = keys[key];
            k.in_flight = true;
            k.pending = remove ? std::nullopt : std::optional<uint64_t>(Fnv(body));
          }
          Request r;
          r.method = remove ? "DELETE" : "PUT";
          r.target = "/storm/" + key;
          r.body = body;
          RawResponse res = Send(port, r);
          std::lock_guard<std::mutex> lock(mu);
          KeyState& k = keys[key];
          if ((remove && res.status == 204) || (!remove && res.status == 200)) {
            k.acked = k.pending;
            k.in_flight = false;
          } else if (res.status > 0) {
            ADD_FAILURE() << r.method << " " << key << " answered " << res.status;
            k.in_flight = false;
          } else {
            return;  // no answer: the gateway died under this request, its outcome unknown
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    gateway_->Kill();
    stop = true;
    for (auto& c : clients) c.join();
    peak = std::max(peak, SegmentBytes(dir_ + "/data"));
    Restart();
    for (auto& [key, k] : keys) {
      RawResponse got = Do("GET", "/storm/" + key);
      std::optional<uint64_t> now;
      if (got.status == 200) {
        now = Fnv(got.body);
      } else {
        ASSERT_EQ(got.status, 404) << key;
      }
      const bool ok = now == k.acked || (k.in_flight && now == k.pending);
      ASSERT_TRUE(ok) << "round " << round << ": " << key << " holds "
                      << (now ? std::to_string(*now) : "nothing") << " (" << got.body.size()
                      << " bytes) after the crash; acked "
                      << (k.acked ? std::to_string(*k.acked) : "nothing") << ", in flight "
                      << k.in_flight << " " << (k.pending ? std::to_string(*k.pending) : "delete");
      k.acked = now;
      k.in_flight = false;
    }
  }
  EXPECT_GT(peak, 0u);
  std::printf("crash storm: %d kills, peak segment bytes %llu\n", kRounds,
              static_cast<unsigned long long>(peak));
  // Delete everything, stop, compact: nothing of the segments may remain.
  for (auto& [key, k] : keys) {
    if (k.acked) {
      ASSERT_EQ(Do("DELETE", "/storm/" + key).status, 204);
    }
  }
  ASSERT_EQ(gateway_->Stop(), 0);
  const std::string command = std::string(TESSERA_BINARY_DIR) + "/gateway/tessera compact --data " +
                              dir_ + "/data >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(SegmentBytes(dir_ + "/data"), 0u) << "peak was " << peak;
  Restart();
  EXPECT_EQ(Do("GET", "/storm?list-type=2").status, 200);
}

}  // namespace
}  // namespace tessera::testing
