// The data directory as an operator meets it: one process at a time, and a directory
// written by a build with the older store format, or with a truncated metadata file, is
// refused with a message saying so.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "backend/meta/env.h"
#include "tests/gateway/fixture.h"
#include "tests/gateway/gateway_process.h"
#include "tests/meta/test_env.h"

namespace tessera::testing {
namespace {

const std::string kBinary = TesseraBinary();

TEST(DataDirTest, AStoreFormatOneDirectoryIsRefusedWithAMessage) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  {
    // Metadata as the fragment-file build left it: an extent record of version 1 and no
    // store-format stamp.
    std::unique_ptr<meta::Env> env = OpenTestEnv(dir + "/data/meta");
    ASSERT_TRUE(env);
    SeedStoreFormatOne(*env);
  }
  std::string output;
  const int status =
      RunCommand(kBinary + " serve --data " + dir + "/data --listen 127.0.0.1:0", &output);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("store format 1"), std::string::npos) << output;
  EXPECT_EQ(output.find(dir), std::string::npos) << "the message names no server path";
  output.clear();
  EXPECT_NE(RunCommand(kBinary + " compact --data " + dir + "/data", &output), 0);
  EXPECT_NE(output.find("store format 1"), std::string::npos) << output;
  RemoveTree(dir);
}

TEST(DataDirTest, ATruncatedMetadataFileIsRefusedAtStart) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  {
    std::unique_ptr<meta::Env> env = OpenTestEnv(dir + "/data/meta");
    ASSERT_TRUE(env);
    for (int i = 0; i < 64; ++i) {
      auto txn = env->BeginWrite();
      ASSERT_TRUE(txn.ok());
      ASSERT_TRUE(
          txn->Put(meta::Table::kObjects, "key" + std::to_string(i), std::string(4000, 'x')).ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
  }
  const std::string file = dir + "/data/meta/data.mdb";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  std::string output;
  const int status =
      RunCommand(kBinary + " serve --data " + dir + "/data --listen 127.0.0.1:0", &output);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "exit " << status << ": " << output;
  EXPECT_NE(output.find("data.mdb is truncated"), std::string::npos) << output;
  RemoveTree(dir);
}

TEST(DataDirTest, ASecondProcessCannotOpenARunningGatewaysDirectory) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  {
    Gateway gateway(dir + "/data");
    ASSERT_TRUE(gateway.Start());
    std::string output;
    EXPECT_NE(RunCommand(kBinary + " compact --data " + dir + "/data", &output), 0);
    EXPECT_NE(output.find("in use by another tessera process"), std::string::npos) << output;
    ASSERT_EQ(gateway.Stop(), 0);
  }
  std::string output;
  EXPECT_EQ(RunCommand(kBinary + " compact --data " + dir + "/data", &output), 0) << output;
  EXPECT_NE(output.find("compacted"), std::string::npos) << output;
  RemoveTree(dir);
}

RawResponse S3(int port, const std::string& method, const std::string& target,
               std::string body = "") {
  Request r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  return Send(port, r);
}

// `tessera check` reads back everything metadata references: a clean directory passes; a
// flipped byte in a segment fails it, naming the extent; once a running gateway has found
// the damage (by a read or by its scrubber) and healed it, it passes again.
TEST(DataDirTest, CheckFindsAFlippedByteThatTheGatewayThenRepairs) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string data = dir + "/data";
  std::string body(2 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 + i / 4093);
  {
    Gateway gateway(data);
    ASSERT_TRUE(gateway.Start());
    ASSERT_EQ(S3(gateway.port(), "PUT", "/checked").status, 200);
    ASSERT_EQ(S3(gateway.port(), "PUT", "/checked/object", body).status, 200);
    ASSERT_EQ(gateway.Stop(), 0);
  }
  std::string output;
  EXPECT_EQ(RunCommand(kBinary + " check --data " + data, &output), 0) << output;
  EXPECT_NE(output.find("0 damaged"), std::string::npos) << output;

  // One byte of the first segment on region 1's first drive, inverted.
  std::string segment;
  for (const auto& e :
       std::filesystem::directory_iterator(data + "/regions/region-1/drive-1/segments")) {
    if (e.path().extension() == ".seg") segment = e.path().string();
  }
  ASSERT_FALSE(segment.empty());
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(1000);
    char c = 0;
    f.read(&c, 1);
    f.seekp(1000);
    c = static_cast<char>(~c);
    f.write(&c, 1);
  }
  output.clear();
  EXPECT_NE(RunCommand(kBinary + " check --data " + data, &output), 0) << output;
  EXPECT_NE(output.find("1 damaged"), std::string::npos) << output;
  EXPECT_NE(output.find("has a damaged fragment"), std::string::npos) << output;

  {
    Gateway gateway(data);
    ASSERT_TRUE(gateway.Start());
    RawResponse got = S3(gateway.port(), "GET", "/checked/object");
    ASSERT_EQ(got.status, 200);
    EXPECT_TRUE(got.body == body);
    // A read that needed parity tells the healer; the scrubber finds the damage anyway (a
    // parity chunk is not read by a GET). Either way the healer rewrites the fragment.
    auto healed = [&] {
      std::ifstream log(data + ".log");
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      return text.find("healed extent") != std::string::npos;
    };
    for (int i = 0; i < 300 && !healed(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(healed());
    ASSERT_EQ(gateway.Stop(), 0);
  }
  output.clear();
  EXPECT_EQ(RunCommand(kBinary + " check --data " + data, &output), 0) << output;
  EXPECT_NE(output.find("0 damaged"), std::string::npos) << output;
  RemoveTree(dir);
}

// A buffered copy torn by a crash (its log cut short in the middle of the record):
// `tessera check` names the damage, reads are served whole from another copy, and once the
// destager has packed the buffered objects into stripes from good copies, check passes.
TEST(DataDirTest, ATornBufferRecordIsReadFromAnotherCopyAndDestagedWhole) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string data = dir + "/data";
  const std::string hold = dir + "/hold.json";  // no destaging: the copies stay in the logs
  std::ofstream(hold) << R"({"store": {"destage_interval_ms": 0}})";
  std::vector<std::string> bodies;
  {
    Gateway gateway(data, {"--config", hold});
    ASSERT_TRUE(gateway.Start());
    ASSERT_EQ(S3(gateway.port(), "PUT", "/torn").status, 200);
    for (int i = 0; i < 4; ++i) {
      bodies.push_back(SeededBody(40000 + i, 500 + i));
      ASSERT_EQ(S3(gateway.port(), "PUT", "/torn/o" + std::to_string(i), bodies.back()).status,
                200);
    }
    ASSERT_EQ(gateway.Stop(), 0);
  }
  // The newest log of region 1's buffer loses the second half of its last record.
  std::string log;
  for (const auto& e :
       std::filesystem::directory_iterator(data + "/regions/region-1/buffer/segments")) {
    if (e.path().string() > log) log = e.path().string();
  }
  ASSERT_FALSE(log.empty());
  const auto size = std::filesystem::file_size(log);
  ASSERT_GT(size, 20000u);
  std::filesystem::resize_file(log, size - 20000);
  std::string output;
  EXPECT_NE(RunCommand(kBinary + " check --data " + data + " --config " + hold, &output), 0)
      << output;
  EXPECT_NE(output.find("1 damaged"), std::string::npos) << output;

  {
    Gateway gateway(data, {"--admin", "127.0.0.1:0"});
    ASSERT_TRUE(gateway.Start());
    for (size_t i = 0; i < bodies.size(); ++i) {
      RawResponse got = S3(gateway.port(), "GET", "/torn/o" + std::to_string(i));
      ASSERT_EQ(got.status, 200) << i;
      EXPECT_TRUE(got.body == bodies[i]) << i;
    }
    // The destager (idle store: everything) packs them from good copies.
    auto destaged = [&] {
      Request r;
      r.target = "/metrics";
      r.sign = false;
      const std::string text = Send(gateway.admin_port(), r).body;
      const std::string name = "\ntessera_store_destage_bytes_total ";
      const size_t at = text.find(name);
      return at == std::string::npos ? 0.0 : std::stod(text.substr(at + name.size()));
    };
    for (int i = 0; i < 300 && destaged() < 4 * 40000 * 1.5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_GE(destaged(), 4 * 40000 * 1.5);
    ASSERT_EQ(gateway.Stop(), 0);
  }
  output.clear();
  EXPECT_EQ(RunCommand(kBinary + " check --data " + data, &output), 0) << output;
  EXPECT_NE(output.find("0 damaged"), std::string::npos) << output;
  {
    Gateway gateway(data);
    ASSERT_TRUE(gateway.Start());
    for (size_t i = 0; i < bodies.size(); ++i) {
      RawResponse got = S3(gateway.port(), "GET", "/torn/o" + std::to_string(i));
      ASSERT_EQ(got.status, 200) << i;
      EXPECT_TRUE(got.body == bodies[i]) << i;
    }
    ASSERT_EQ(gateway.Stop(), 0);
  }
  RemoveTree(dir);
}

// Bytes changed inside data.mdb (LMDB keeps no checksums; every record carries one, and the
// file's structure is checked before LMDB maps it): every command refuses the directory
// with a message, nothing crashes and nothing is served from it.
TEST(DataDirTest, ACorruptedMetadataFileIsRefusedAtStart) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string data = dir + "/data";
  {
    Gateway gateway(data);
    ASSERT_TRUE(gateway.Start());
    ASSERT_EQ(S3(gateway.port(), "PUT", "/meta-damage").status, 200);
    ASSERT_EQ(S3(gateway.port(), "PUT", "/meta-damage/a-key-whose-record-is-damaged", "x").status,
              200);
    ASSERT_EQ(gateway.Stop(), 0);
  }
  const std::string file = data + "/meta/data.mdb";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t at = bytes.find("a-key-whose-record-is-damaged");
  ASSERT_NE(at, std::string::npos);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at + 6));
    f.put('X');
  }
  std::string output;
  int status = RunCommand(kBinary + " serve --data " + data + " --listen 127.0.0.1:0", &output);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "exit " << status << ": " << output;
  EXPECT_NE(output.find("data.mdb is damaged"), std::string::npos) << output;
  output.clear();
  status = RunCommand(kBinary + " check --data " + data, &output);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "exit " << status << ": " << output;
  EXPECT_NE(output.find("data.mdb is damaged"), std::string::npos) << output;
  RemoveTree(dir);
}

}  // namespace
}  // namespace tessera::testing
