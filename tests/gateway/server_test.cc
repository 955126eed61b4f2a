// The HTTP front end with a handler of its own: how response bodies leave the server
// (read whole on the worker when small, streamed in chunks when not) and what a body that
// fails to read turns into on each path.

#include "gateway/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "tests/gateway/gateway_process.h"

namespace tessera::gateway {
namespace {

// `size` bytes of 'a' + i % 26 that fail with kDataLoss after `fail_at` bytes, if set.
class PatternBody : public BodySource {
 public:
  PatternBody(uint64_t size, uint64_t fail_at) : size_(size), fail_at_(fail_at) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    if (at_ >= fail_at_) return Status(ErrorCode::kDataLoss, "fragments unreadable");
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>({capacity, size_ - at_, fail_at_ - at_}));
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>('a' + (at_ + i) % 26);
    at_ += n;
    reads++;
    return n;
  }
  std::optional<uint64_t> Size() const override { return size_; }
  static inline std::atomic<int> reads{0};

 private:
  uint64_t size_, fail_at_, at_ = 0;
};

std::string Expected(uint64_t size) {
  std::string s(size, '\0');
  for (uint64_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

// GET /SIZE[/FAIL_AT] answers SIZE pattern bytes (failing after FAIL_AT of them); HEAD the
// same without a body.
class BodyHandler : public RequestHandler {
 public:
  HttpResponse Handle(const HttpRequest& request, BodySource&) override {
    HttpResponse response;
    const std::string path = request.target.substr(1);
    const uint64_t size = std::stoull(path);
    const size_t slash = path.find('/');
    const uint64_t fail_at =
        slash == std::string::npos ? UINT64_MAX : std::stoull(path.substr(slash + 1));
    response.stream = std::make_unique<PatternBody>(size, fail_at);
    response.content_length = size;
    response.head = request.method == "HEAD";
    response.Set("x-test", "yes");
    return response;
  }
  HttpResponse Reject(const HttpRequest&, const Status& status) override {
    HttpResponse response;
    response.status = 500;
    response.body = "rejected: " + status.message();
    response.close = true;
    return response;
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Limits limits;
    limits.worker_threads = 2;
    server_ = std::make_unique<Server>(&handler_, nullptr, limits);
    ListenAddress address;
    address.host = "127.0.0.1";
    address.port = 0;
    ASSERT_TRUE(server_->Listen({address}).ok());
    const std::string endpoint = server_->Endpoints().at(0);
    port_ = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    thread_ = std::thread([this] { server_->Run(false); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }
  static std::string Get(const std::string& target, const std::string& method = "GET") {
    return method + " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  BodyHandler handler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerTest, SmallAndLargeBodiesArriveWholeOnOneKeptAliveConnection) {
  testing::Connection c(port_);
  ASSERT_TRUE(c.ok());
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{4096}, uint64_t{256 * 1024},
                        uint64_t{256 * 1024 + 1}, uint64_t{3 * 1024 * 1024 + 7}}) {
    SCOPED_TRACE(size);
    ASSERT_TRUE(c.Send(Get("/" + std::to_string(size))));
    testing::RawResponse r;
    ASSERT_TRUE(c.Read(&r));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("x-test"), "yes");
    EXPECT_EQ(r.Header("content-length"), std::to_string(size));
    EXPECT_TRUE(r.body == Expected(size));
  }
  // HEAD advertises the length and reads nothing.
  const int reads = PatternBody::reads;
  ASSERT_TRUE(c.Send(Get("/4096", "HEAD")));
  testing::RawResponse r;
  ASSERT_TRUE(c.Read(&r, true));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-length"), "4096");
  EXPECT_EQ(PatternBody::reads, reads);
  EXPECT_EQ(server_->Stats().bytes_out[0], 2 * 256 * 1024 + 1 + 4096 + 1 + 3 * 1024 * 1024 + 7);
}

// A small body is read before the status goes out: a read that fails becomes the
// dialect's error response, not a 200 cut short.
TEST_F(ServerTest, ASmallBodyThatFailsToReadIsAnErrorStatus) {
  testing::Connection c(port_);
  ASSERT_TRUE(c.Send(Get("/100000/5000")));
  testing::RawResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("fragments unreadable"), std::string::npos) << r.body;
}

// A large body streams: once its status is out, a failed read can only cut the connection
// before Content-Length bytes arrived.
TEST_F(ServerTest, ALargeBodyThatFailsMidwayIsCutShort) {
  testing::Connection c(port_);
  ASSERT_TRUE(c.Send(Get("/3000000/1000000")));
  testing::RawResponse r;
  EXPECT_FALSE(c.Read(&r));
}

}  // namespace
}  // namespace tessera::gateway
