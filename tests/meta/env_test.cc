#include "backend/meta/env.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
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

// Flips one byte of the first occurrence of `needle` in `file`; false when not found.
bool FlipByteOf(const std::filesystem::path& file, const std::string& needle, size_t at) {
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t pos = bytes.find(needle);
  if (pos == std::string::npos) return false;
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(pos + at));
  const char c = static_cast<char>(~bytes[pos + at]);
  f.write(&c, 1);
  return true;
}

TEST_F(EnvTest, ADamagedRecordIsRefusedAtOpenAndNeverServed) {
  {
    auto env = Open();
    ASSERT_TRUE(env);
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, "a", "value of a").ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, "b", "value-of-b-to-be-damaged").ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, "c", "value of c").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  ASSERT_TRUE(FlipByteOf(dir_ / "data.mdb", "value-of-b-to-be-damaged", 3));
  auto refused = Env::Open({dir_.string(), 16 << 20});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("data.mdb is damaged"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("table objects"), std::string::npos)
      << refused.status().message();

  // Opened without the check, the damaged record is an error on every path; the others read.
  EnvOptions options{dir_.string(), 16 << 20};
  options.verify = false;
  auto env = Env::Open(options);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto txn = (*env)->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->Get(Table::kObjects, "a")->value_or(""), "value of a");
  auto b = txn->Get(Table::kObjects, "b");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("fails its checksum"), std::string::npos);
  auto cursor = Cursor::Open(*txn, Table::kObjects);
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->First().ok());
  EXPECT_EQ(cursor->value(), "value of a");
  EXPECT_FALSE(cursor->Next().ok());
  EXPECT_FALSE(cursor->valid());
  // The key is covered too: a record moved under another key does not verify.
  ASSERT_TRUE(cursor->Seek("c").ok());
  EXPECT_EQ(cursor->value(), "value of c");
}

TEST_F(EnvTest, RecordsWrittenBeforeChecksumsAreConvertedOnOpen) {
  // An environment as builds before record checksums left it: plain LMDB values.
  std::filesystem::create_directories(dir_);
  {
    MDB_env* raw = nullptr;
    ASSERT_EQ(mdb_env_create(&raw), 0);
    ASSERT_EQ(mdb_env_set_maxdbs(raw, 16), 0);
    ASSERT_EQ(mdb_env_open(raw, dir_.c_str(), 0, 0644), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(raw, nullptr, 0, &txn), 0);
    MDB_dbi dbi;
    ASSERT_EQ(mdb_dbi_open(txn, "buckets", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < 100; ++i) {
      std::string key = "bucket" + std::to_string(i), value(i * 10, 'v');
      MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
      ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(raw);
  }
  for (int round = 0; round < 2; ++round) {  // converted once, then read as is
    auto env = Open();
    ASSERT_TRUE(env);
    auto txn = env->BeginRead();
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < 100; ++i) {
      auto got = txn->Get(Table::kBuckets, "bucket" + std::to_string(i));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(got->has_value());
      EXPECT_EQ(**got, std::string(i * 10, 'v'));
    }
  }
}

// Random damage anywhere in the file past the meta pages: Open either refuses it with an
// error or finds nothing reachable was hit; it never crashes and never serves a bad value.
TEST_F(EnvTest, RandomDamageIsRefusedOrHarmless) {
  const char* seeds = std::getenv("TESSERA_DAMAGE_SEEDS");  // more, for a longer hunt
  const uint32_t kSeeds = seeds != nullptr ? static_cast<uint32_t>(std::atoi(seeds)) : 16;
  int refused = 0;
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    std::filesystem::remove_all(dir_);
    std::map<std::string, std::string> written;
    {
      auto env = Open();
      ASSERT_TRUE(env);
      std::mt19937 rng(seed);
      for (int t = 0; t < 20; ++t) {
        auto txn = env->BeginWrite();
        ASSERT_TRUE(txn.ok());
        for (int i = 0; i < 50; ++i) {
          std::string key = "k" + std::to_string(rng() % 2000);
          std::string value(rng() % 300, static_cast<char>('a' + rng() % 26));
          ASSERT_TRUE(txn->Put(Table::kObjects, key, value).ok());
          written[key] = value;
        }
        ASSERT_TRUE(txn->Commit().ok());
      }
    }
    const std::filesystem::path file = dir_ / "data.mdb";
    const uint64_t size = std::filesystem::file_size(file);
    {
      std::mt19937 rng(seed * 7919);
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      for (int i = 0; i < 8; ++i) {
        const uint64_t at = 8192 + rng() % (size - 8192 - 64);  // past the two meta pages
        f.seekp(static_cast<std::streamoff>(at));
        for (int j = 0; j < 16; ++j) f.put(static_cast<char>(rng()));
      }
    }
    auto env = Env::Open({dir_.string(), 16 << 20});
    if (!env.ok()) {
      EXPECT_NE(env.status().message().find("data.mdb"), std::string::npos)
          << seed << ": " << env.status().message();
      ++refused;
      continue;
    }
    // Opened: every record read back is one that was written.
    auto txn = (*env)->BeginRead();
    ASSERT_TRUE(txn.ok());
    for (const auto& [key, value] : written) {
      auto got = txn->Get(Table::kObjects, key);
      if (got.ok() && got->has_value()) {
        EXPECT_EQ(**got, value) << seed << ": " << key;
      }
    }
  }
  // Most damage lands on pages in use: the check must be what refuses it.
  EXPECT_GT(refused, 0);
  std::printf("%d of %u damaged files refused\n", refused, kSeeds);
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
