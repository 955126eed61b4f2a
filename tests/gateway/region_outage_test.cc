// A region lost and replaced under a running gateway: writes keep succeeding while it is
// gone, everything reads back by hash, the healer refills the replacement, and afterwards
// the store survives losing a drive of another region.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class RegionOutageTest : public GatewayFixture {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    const std::string config = dir_ + "/config.json";
    std::ofstream(config) << R"({"store": {"probe_interval_ms": 100, "heal_mib_per_s": 0,
                                 "destage_interval_ms": )"
                          << destage_interval_ms_ << "}}";
    gateway_ =
        std::make_unique<Gateway>(dir_ + "/data", std::vector<std::string>{"--config", config});
    ASSERT_TRUE(gateway_->Start()) << ReadFile(dir_ + "/data.log");
  }

  void Put(const std::string& key, size_t size, uint64_t seed) {
    std::string body = SeededBody(size, seed);
    RawResponse r = Do("PUT", "/outage/" + key, body);
    ASSERT_EQ(r.status, 200) << key << ": " << r.body;
    objects_[key] = std::move(body);
  }

  void ReadAll(const std::string& when) {
    for (const auto& [key, body] : objects_) {
      RawResponse r = Do("GET", "/outage/" + key);
      ASSERT_EQ(r.status, 200) << when << ": " << key << ": " << r.body;
      ASSERT_TRUE(r.body == body) << when << ": " << key << " differs";
    }
  }

  std::string Log() { return ReadFile(dir_ + "/data.log"); }

  uint32_t destage_interval_ms_ = 100;

  // Waits until no extent has been healed for 2 s; returns how many were healed so far.
  size_t WaitForHealer() {
    size_t healed = Count(Log(), "healed extent");
    for (int quiet = 0, i = 0; quiet < 20 && i < 600; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const size_t now = Count(Log(), "healed extent");
      quiet = now == healed ? quiet + 1 : 0;
      healed = now;
    }
    return healed;
  }

  std::map<std::string, std::string> objects_;
};

TEST_F(RegionOutageTest, LoseARegionWriteOnRefillItThenLoseADriveElsewhere) {
  ASSERT_EQ(Do("PUT", "/outage").status, 200);
  const size_t sizes[] = {1000, 200 << 10, 1 << 20, (3 << 20) + 12345};
  for (int i = 0; i < 8; ++i) Put("before/" + std::to_string(i), sizes[i % 4], i);

  // Region 3 goes: its drives and its write-buffer device.
  const std::string region = dir_ + "/data/regions/region-3";
  ASSERT_TRUE(fs::is_directory(region + "/drive-1"));
  fs::remove_all(region);
  for (int i = 0; i < 50 && Count(Log(), "is down") < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Count(Log(), "is down"), 4u) << Log();
  for (int i = 0; i < 8; ++i) Put("during/" + std::to_string(i), sizes[i % 4], 100 + i);
  ReadAll("region 3 gone");
  // Each degraded read is logged once, naming the object and the drive.
  EXPECT_NE(Log().find("degraded read of extent"), std::string::npos) << Log();
  EXPECT_NE(Log().find(" of object outage/"), std::string::npos) << Log();

  // It comes back as empty directories (replaced drives): the healer refills them.
  for (const char* d : {"/drive-1", "/drive-2", "/drive-3", "/buffer"}) {
    fs::create_directories(region + d);
  }
  for (int i = 0; i < 100 && Count(Log(), "is up again") < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Count(Log(), "is up again"), 4u) << Log();
  EXPECT_GT(WaitForHealer(), 0u);
  size_t refilled = 0;
  for (const char* d : {"/drive-1", "/drive-2", "/drive-3"}) {
    for (const auto& e : fs::directory_iterator(region + d + "/segments")) {
      refilled += e.path().extension() == ".seg" ? fs::file_size(e.path()) : 0;
    }
  }
  EXPECT_GT(refilled, 0u);
  ReadAll("region 3 refilled");

  // Now a drive of another region fails too: every object is still whole.
  fs::remove_all(dir_ + "/data/regions/region-1/drive-2");
  for (int i = 0; i < 50 && Count(Log(), "is down") < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ReadAll("region 3 refilled, then region 1 drive 2 gone");
  EXPECT_EQ(Count(Log(), "heal of extent"), 0u) << Log();

  // That drive is replaced too; once healed, the stopped directory checks out whole, every
  // extent spread as the profile says.
  fs::create_directories(dir_ + "/data/regions/region-1/drive-2");
  for (int i = 0; i < 100 && Count(Log(), "is up again") < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  WaitForHealer();
  ReadAll("region 1 drive 2 refilled");
  ASSERT_EQ(gateway_->Stop(), 0);
  std::string output;
  EXPECT_EQ(RunCommand(TesseraBinary() + " check --data " + dir_ + "/data", &output), 0) << output;
  EXPECT_NE(output.find("0 damaged, 0 not spread"), std::string::npos) << output;
}

// Without the destager, so that a small object stays in the write buffer however long the
// drives take to go (an idle destage pass would otherwise stripe it onto them first).
class RegionOutageBufferedTest : public RegionOutageTest {
 protected:
  void SetUp() override {
    destage_interval_ms_ = 0;
    RegionOutageTest::SetUp();
  }
};

// Past m lost fragments a read cannot be served: the client hears so in its dialect before
// any byte of the body, with nothing about the server in the message. With fewer than k
// drives up, writes are refused retryably (SlowDown / ServerBusy).
TEST_F(RegionOutageBufferedTest, PastMLossesReadsAndWritesFailInTheirDialectBeforeAnyBody) {
  ASSERT_EQ(Do("PUT", "/outage").status, 200);
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/box?restype=container").status, 201);
  const std::string big = SeededBody((3 << 20) + 5, 7);
  ASSERT_EQ(Do("PUT", "/outage/big", big).status, 200);
  const std::string small = SeededBody(1000, 8);
  ASSERT_EQ(Do("PUT", "/outage/small", small).status, 200);
  for (const char* d :
       {"region-1/drive-1", "region-1/drive-2", "region-2/drive-1", "region-3/drive-3"}) {
    fs::remove_all(dir_ + "/data/regions/" + d);
  }
  for (int i = 0; i < 50 && Count(Log(), "is down") < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Count(Log(), "is down"), 4u) << Log();

  RawResponse s3 = Do("GET", "/outage/big");
  EXPECT_EQ(s3.status, 500);
  EXPECT_NE(s3.body.find("<Code>InternalError</Code>"), std::string::npos) << s3.body;
  EXPECT_EQ(s3.body.find(dir_), std::string::npos) << s3.body;
  EXPECT_EQ(s3.body.find("drive"), std::string::npos) << s3.body;
  RawResponse blob = Blob("GET", "/devstoreaccount1/outage/big");
  EXPECT_EQ(blob.status, 500);
  EXPECT_EQ(blob.Header("x-ms-error-code"), "InternalError");
  EXPECT_EQ(blob.body.find(dir_), std::string::npos) << blob.body;
  // A small object lives in the write buffer (three copies): still there.
  RawResponse kept = Do("GET", "/outage/small");
  EXPECT_EQ(kept.status, 200);
  EXPECT_TRUE(kept.body == small);

  RawResponse put = Do("PUT", "/outage/more", SeededBody(2 << 20, 9));
  EXPECT_EQ(put.status, 503);
  EXPECT_NE(put.body.find("<Code>SlowDown</Code>"), std::string::npos) << put.body;
  EXPECT_EQ(put.body.find(dir_), std::string::npos) << put.body;
  RawResponse bput = Blob("PUT", "/devstoreaccount1/box/more", SeededBody(2 << 20, 9),
                          {{"x-ms-blob-type", "BlockBlob"}});
  EXPECT_EQ(bput.status, 503);
  EXPECT_EQ(bput.Header("x-ms-error-code"), "ServerBusy");
  // Nothing half-made: the failed writes left no object behind.
  EXPECT_EQ(Do("GET", "/outage/more").status, 404);
  EXPECT_EQ(Blob("GET", "/devstoreaccount1/box/more").status, 404);
}

}  // namespace
}  // namespace tessera::testing
