#include "backend/meta/env.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

namespace tessera::meta {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tessera_env_" + std::to_string(std::random_device{}()) + "/nested");
  }
  void TearDown() override { std::filesystem::remove_all(dir_.parent_path()); }
  std::unique_ptr<Env> Open(uint64_t map_size = 16 << 20) {
    auto env = Env::Open({dir_.string(), map_size});
    EXPECT_TRUE(env.ok()) << env.status().ToString();
    return env.ok() ? std::move(env).value() : nullptr;
  }
  std::filesystem::path dir_;
};

TEST_F(EnvTest, CommitIsVisibleAndDurableAbortIsNot) {
  {
    auto env = Open();
    ASSERT_TRUE(env);
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, "k1", "v1").ok());
    ASSERT_TRUE(txn->Put(Table::kBuckets, "k1", "other table").ok());
    ASSERT_TRUE(txn->Commit().ok());
    auto aborted = env->BeginWrite();
    ASSERT_TRUE(aborted.ok());
    ASSERT_TRUE(aborted->Put(Table::kObjects, "k2", "v2").ok());
    // Destroyed without commit.
  }
  auto env = Open();
  ASSERT_TRUE(env);
  auto txn = env->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->Get(Table::kObjects, "k1")->value(), "v1");
  EXPECT_EQ(txn->Get(Table::kBuckets, "k1")->value(), "other table");
  EXPECT_FALSE(txn->Get(Table::kObjects, "k2")->has_value());
  EXPECT_FALSE(txn->Get(Table::kParts, "k1")->has_value());
}

TEST_F(EnvTest, CursorSeeksAndWalksInOrder) {
  auto env = Open();
  ASSERT_TRUE(env);
  auto txn = env->BeginWrite();
  ASSERT_TRUE(txn.ok());
  for (const char* k : {"b", "a", "d", "c"}) ASSERT_TRUE(txn->Put(Table::kObjects, k, k).ok());
  ASSERT_TRUE(txn->Delete(Table::kObjects, "c").ok());
  ASSERT_TRUE(txn->Delete(Table::kObjects, "absent").ok());
  std::string walked;
  {
    auto cursor = Cursor::Open(*txn, Table::kObjects);
    ASSERT_TRUE(cursor.ok());
    ASSERT_TRUE(cursor->Seek("bb").ok());
    ASSERT_TRUE(cursor->valid());
    EXPECT_EQ(cursor->key(), "d");
    ASSERT_TRUE(cursor->Seek("").ok());
    while (cursor->valid()) {
      walked += cursor->key();
      ASSERT_TRUE(cursor->Next().ok());
    }
    ASSERT_TRUE(cursor->Seek("e").ok());
    EXPECT_FALSE(cursor->valid());
  }
  EXPECT_EQ(walked, "abd");
  ASSERT_TRUE(txn->Commit().ok());
}

TEST_F(EnvTest, ATruncatedFileIsRefusedWithAClearMessage) {
  {
    auto env = Open();
    ASSERT_TRUE(env);
    for (int i = 0; i < 50; ++i) {
      auto txn = env->BeginWrite();
      ASSERT_TRUE(txn.ok());
      ASSERT_TRUE(txn->Put(Table::kObjects, "k" + std::to_string(i), std::string(3000, 'v')).ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
  }
  const std::filesystem::path file = dir_ / "data.mdb";
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size / 2);
  auto env = Env::Open({dir_.string(), 16 << 20});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("is truncated"), std::string::npos)
      << env.status().message();
}

TEST_F(EnvTest, FullMapIsAnInternalErrorWithAClearMessage) {
  auto env = Open(1 << 20);
  ASSERT_TRUE(env);
  Status status;
  std::string value(100000, 'x');
  for (int i = 0; i < 100 && status.ok(); ++i) {
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn.ok());
    status = txn->Put(Table::kObjects, "k" + std::to_string(i), value);
    if (status.ok()) status = txn->Commit();
  }
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_NE(status.message().find("map is full"), std::string::npos) << status.message();
}

TEST_F(EnvTest, ReadTransactionsMayMoveBetweenThreads) {
  auto env = Open();
  ASSERT_TRUE(env);
  {
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn->Put(Table::kObjects, "k", "v").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto txn = env->BeginRead();
  ASSERT_TRUE(txn.ok());
  std::string seen;
  std::thread other([&] { seen = txn->Get(Table::kObjects, "k")->value(); });
  other.join();
  EXPECT_EQ(seen, "v");
}

}  // namespace
}  // namespace tessera::meta
