#include "backend/meta/names.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "backend/meta/keys.h"
#include "backend/meta/records.h"
#include "common/bytes.h"

namespace tessera::meta {
namespace {

class NamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tessera_names_" + std::to_string(std::random_device{}()));
    env_ = Open();
    ASSERT_NE(env_, nullptr);
  }
  void TearDown() override {
    env_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<Env> Open() {
    auto env = Env::Open({dir_.string(), 16 << 20});
    EXPECT_TRUE(env.ok()) << env.status().ToString();
    return env.ok() ? std::move(env).value() : nullptr;
  }
  void PutObject(const std::string& bucket, const std::string& key) {
    ObjectRecord record;
    record.info.bucket = bucket;
    record.info.key = key;
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, ObjectKey("a", bucket, key), EncodeObject(record)).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  void PutUpload(const std::string& key, const std::string& id) {
    UploadRecord record;
    record.key = key;
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kUploads, UploadKey("a", "b", key, id), EncodeUpload(record)).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  // (key, upload id) of every entry from the first >= (key, id), in walk order.
  std::vector<std::pair<std::string, std::string>> Walk(Table table, const std::string& key = "",
                                                        const std::string& id = "") {
    std::vector<std::pair<std::string, std::string>> out;
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto cursor = NameCursor::Open(*txn, table, "a", "b");
    EXPECT_TRUE(cursor.ok());
    EXPECT_TRUE(cursor->Seek(key, id).ok());
    while (cursor->valid()) {
      out.emplace_back(cursor->key(), cursor->upload_id());
      EXPECT_TRUE(cursor->Next().ok());
    }
    return out;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Env> env_;
};

TEST_F(NamesTest, ObjectsWalkInFullKeyOrderAcrossRuns) {
  const size_t budget = NameBudget(BucketContentsPrefix("a", "b").size());
  const std::string head(budget, 'h');
  std::set<std::string> keys = {"a",
                                head.substr(0, 10),
                                head,
                                head + "z",
                                head + "a",
                                head + "m",
                                head + std::string(500, 'b'),
                                head.substr(0, budget - 1) + "i",
                                "h" + std::string(1023, 'g'),
                                "z"};
  for (int i = 0; i < 20; ++i) keys.insert(head + std::to_string(i * 7919));
  for (const std::string& key : keys) PutObject("b", key);
  PutObject("b0", head + "other bucket");
  PutObject("a", head + "other bucket");

  std::vector<std::pair<std::string, std::string>> want;
  for (const std::string& key : keys) want.emplace_back(key, "");
  EXPECT_EQ(Walk(Table::kObjects), want);
  // Seeking lands on the first key >= the target, inside runs too.
  for (const std::string& target : {head + "m", head + "l", head + "1", head + "zz", head,
                                    head.substr(0, 5), std::string("h"), std::string("zz")}) {
    auto from = std::lower_bound(keys.begin(), keys.end(), target);
    std::vector<std::pair<std::string, std::string>> tail;
    for (auto it = from; it != keys.end(); ++it) tail.emplace_back(*it, "");
    EXPECT_EQ(Walk(Table::kObjects, target), tail) << target.size();
  }
}

TEST_F(NamesTest, UploadsWalkByKeyThenId) {
  const size_t budget = NameBudget(BucketContentsPrefix("a", "b").size());
  const std::string head(budget, 'u');
  std::vector<std::pair<std::string, std::string>> want;
  for (const std::string& key : {head + "b", head + "a", head, head.substr(0, 3), head + "a/1"}) {
    for (const char* id : {"id2", "id1", "id3"}) {
      PutUpload(key, id);
      want.emplace_back(key, id);
    }
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Walk(Table::kUploads), want);
  auto from =
      std::lower_bound(want.begin(), want.end(), std::make_pair(head + "a", std::string("id2")));
  EXPECT_EQ(Walk(Table::kUploads, head + "a", "id2"),
            (std::vector<std::pair<std::string, std::string>>(from, want.end())));
  const std::string after_id1("id1\0", 4);
  from = std::lower_bound(want.begin(), want.end(), std::make_pair(head, after_id1));
  EXPECT_EQ(Walk(Table::kUploads, head, after_id1),
            (std::vector<std::pair<std::string, std::string>>(from, want.end())));
}

TEST_F(NamesTest, KeyFormatIsStampedAndChecked) {
  ASSERT_TRUE(EnsureKeyFormat(*env_).ok());
  {
    auto txn = env_->BeginRead();
    ASSERT_TRUE(txn.ok());
    auto stamp = txn->Get(Table::kInfo, kKeyFormatInfoKey);
    ASSERT_TRUE(stamp.ok() && stamp->has_value());
    EXPECT_EQ(**stamp, std::string("\x02\0\0\0", 4));
  }
  ASSERT_TRUE(EnsureKeyFormat(*env_).ok());  // idempotent
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ByteWriter w;
    w.U32(7);
    ASSERT_TRUE(txn->Put(Table::kInfo, kKeyFormatInfoKey, w.data()).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  Status future = EnsureKeyFormat(*env_);
  EXPECT_EQ(future.code(), ErrorCode::kInternal);
  EXPECT_NE(future.message().find("key format 7"), std::string::npos);
}

TEST_F(NamesTest, UnstampedFormatOneIsAcceptedOnlyWhenItReadsTheSame) {
  const size_t budget = NameBudget(BucketContentsPrefix("a", "b").size());
  {
    // Format 1 keys: untruncated, uploads without the key in the value.
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, BucketContentsPrefix("a", "b") + "short", "v").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  ASSERT_TRUE(EnsureKeyFormat(*env_).ok());
  env_.reset();
  std::filesystem::remove_all(dir_);
  env_ = Open();
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    std::string key = BucketContentsPrefix("a", "b") + std::string(budget + 1, 'k') + '\0' + "id";
    ASSERT_TRUE(txn->Put(Table::kUploads, key, "v").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(EnsureKeyFormat(*env_).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace tessera::meta
