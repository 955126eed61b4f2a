// The data directory as an operator meets it: one process at a time, and a directory
// written by a build with the older store format, or with a truncated metadata file, is
// refused with a message saying so.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "backend/meta/env.h"
#include "tests/gateway/gateway_process.h"
#include "tests/meta/test_env.h"

namespace tessera::testing {
namespace {

// Runs a command and returns its exit status; its stderr (and stdout) go to `output`.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output->append(buf, n);
  return ::pclose(pipe);
}

const std::string kBinary = std::string(TESSERA_BINARY_DIR) + "/gateway/tessera";

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

}  // namespace
}  // namespace tessera::testing
