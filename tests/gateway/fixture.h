#pragma once

// The integration-test fixture: a fresh gateway on an ephemeral port over a temp dir.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/gateway/gateway_process.h"

namespace tessera::testing {

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    gateway_ = std::make_unique<Gateway>(dir_ + "/data");
    ASSERT_TRUE(gateway_->Start()) << "gateway did not start";
  }
  void TearDown() override {
    gateway_.reset();
    RemoveTree(dir_);
  }

  RawResponse Do(std::string method, std::string target, std::string body = "",
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    return Send(gateway_->port(), r);
  }
  RawResponse Blob(std::string method, std::string target, std::string body = "",
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    return SendBlob(gateway_->port(), r);
  }
  void Restart() {
    gateway_ = std::make_unique<Gateway>(dir_ + "/data");
    ASSERT_TRUE(gateway_->Start());
  }

  std::string dir_;
  std::unique_ptr<Gateway> gateway_;
};

// Deterministic pseudo-random bytes.
inline std::string Pattern(size_t size) {
  std::string s(size, '\0');
  uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

// Deterministic pseudo-random bytes, different for every seed (xorshift).
inline std::string SeededBody(size_t size, uint64_t seed) {
  std::string s(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

}  // namespace tessera::testing
