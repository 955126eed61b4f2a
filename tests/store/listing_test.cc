#include <gtest/gtest.h>

#include <set>

#include "backend/meta/keys.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

// A reference listing over a sorted key set: the S3 rules written the obvious, slow way.
ListObjectsResult Model(const std::set<std::string>& keys, const ListObjectsRequest& r) {
  ListObjectsResult out;
  std::string last_prefix;
  for (const std::string& key : keys) {
    if (key <= r.start_after || key.compare(0, r.prefix.size(), r.prefix) != 0) continue;
    std::string entry = key;
    bool is_prefix = false;
    if (!r.delimiter.empty()) {
      size_t pos = key.find(r.delimiter, r.prefix.size());
      if (pos != std::string::npos) {
        entry = key.substr(0, pos + r.delimiter.size());
        is_prefix = true;
        if (entry == last_prefix || r.start_after.compare(0, entry.size(), entry) == 0) continue;
      }
    }
    if (out.objects.size() + out.common_prefixes.size() == r.max_keys) {
      out.truncated = true;
      break;
    }
    if (is_prefix) {
      out.common_prefixes.push_back(entry);
      last_prefix = entry;
    } else {
      ObjectInfo info;
      info.key = entry;
      out.objects.push_back(info);
    }
    out.next_marker = entry;
  }
  if (!out.truncated) out.next_marker.clear();
  return out;
}

std::vector<std::string> Keys(const ListObjectsResult& r) {
  std::vector<std::string> keys;
  for (const ObjectInfo& info : r.objects) keys.push_back(info.key);
  return keys;
}

class ListingTest : public StoreTest {
 protected:
  void PutAll(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      ASSERT_TRUE(Put(key, key).ok()) << key;
      keys_.insert(key);
    }
  }
  ListObjectsResult List(std::string prefix, std::string delimiter, std::string start_after,
                         uint32_t max_keys) {
    ListObjectsRequest request{{kAccount, kBucket}, prefix, delimiter, start_after, max_keys};
    Result<ListObjectsResult> result = store_->ListObjects(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : ListObjectsResult{};
  }
  void ExpectMatchesModel(std::string prefix, std::string delimiter, std::string start_after,
                          uint32_t max_keys) {
    ListObjectsRequest request{{kAccount, kBucket}, prefix, delimiter, start_after, max_keys};
    ListObjectsResult got = List(prefix, delimiter, start_after, max_keys);
    ListObjectsResult want = Model(keys_, request);
    SCOPED_TRACE("prefix=" + prefix + " delimiter=" + delimiter + " start_after=" + start_after +
                 " max=" + std::to_string(max_keys));
    EXPECT_EQ(Keys(got), Keys(want));
    EXPECT_EQ(got.common_prefixes, want.common_prefixes);
    EXPECT_EQ(got.truncated, want.truncated);
    EXPECT_EQ(got.next_marker, want.next_marker);
  }
  std::set<std::string> keys_;
};

TEST_F(ListingTest, SmallExactCases) {
  PutAll({"a", "b/1", "b/2", "b/c/3", "c", "d/1"});
  ListObjectsResult all = List("", "", "", 1000);
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"a", "b/1", "b/2", "b/c/3", "c", "d/1"}));
  EXPECT_FALSE(all.truncated);
  EXPECT_EQ(all.objects[1].size, 3u);
  EXPECT_EQ(all.objects[1].bucket, kBucket);

  ListObjectsResult top = List("", "/", "", 1000);
  EXPECT_EQ(Keys(top), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(top.common_prefixes, (std::vector<std::string>{"b/", "d/"}));

  ListObjectsResult under_b = List("b/", "/", "", 1000);
  EXPECT_EQ(Keys(under_b), (std::vector<std::string>{"b/1", "b/2"}));
  EXPECT_EQ(under_b.common_prefixes, (std::vector<std::string>{"b/c/"}));

  ListObjectsResult page = List("", "/", "", 2);
  EXPECT_EQ(Keys(page), (std::vector<std::string>{"a"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"b/"}));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_marker, "b/");
  ListObjectsResult next = List("", "/", page.next_marker, 2);
  EXPECT_EQ(Keys(next), (std::vector<std::string>{"c"}));
  EXPECT_EQ(next.common_prefixes, (std::vector<std::string>{"d/"}));
  EXPECT_FALSE(next.truncated);
  EXPECT_EQ(next.next_marker, "");

  EXPECT_EQ(Keys(List("", "", "b/2", 1000)), (std::vector<std::string>{"b/c/3", "c", "d/1"}));
  EXPECT_EQ(Keys(List("b", "", "", 1000)), (std::vector<std::string>{"b/1", "b/2", "b/c/3"}));
  EXPECT_TRUE(List("zzz", "", "", 1000).objects.empty());
  EXPECT_TRUE(List("", "", "", 0).objects.empty());
  EXPECT_EQ(store_->ListObjects({{kAccount, "nobucket"}, "", "", "", 10}).status().code(),
            ErrorCode::kNoSuchBucket);
}

TEST_F(ListingTest, OtherBucketsAndAccountsDoNotLeakIn) {
  ASSERT_TRUE(store_->CreateBucket({{kAccount, "bkt2"}, ""}).ok());
  ASSERT_TRUE(store_->CreateBucket({{kAccount, "bk"}, ""}).ok());
  PutAll({"x", "y"});
  PutObjectRequest other;
  other.object.bucket = "bkt2";
  ASSERT_TRUE(Put("in-bkt2", "v", other).ok());
  other.object.bucket = "bk";
  ASSERT_TRUE(Put("t", "v", other).ok());
  EXPECT_EQ(Keys(List("", "", "", 100)), (std::vector<std::string>{"x", "y"}));
}

TEST_F(ListingTest, ThousandKeysAgainstTheModel) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "dir%d/sub%d/file%04d", i % 10, i % 7, i);
    keys.push_back(i % 13 == 0 ? "top" + std::to_string(i) : name);
  }
  PutAll(keys);
  ExpectMatchesModel("", "", "", 1000);
  ExpectMatchesModel("", "", "", 999);
  ExpectMatchesModel("", "/", "", 1000);
  ExpectMatchesModel("", "/", "", 5);
  ExpectMatchesModel("dir3/", "/", "", 1000);
  ExpectMatchesModel("dir3/", "/", "dir3/sub2/", 3);
  ExpectMatchesModel("dir3/sub", "/", "", 1000);
  ExpectMatchesModel("dir", "/sub", "", 1000);
  ExpectMatchesModel("dir5/sub1/", "", "dir5/sub1/file0500", 10);
  ExpectMatchesModel("", "/", "dir4/sub3/file0123", 4);
  ExpectMatchesModel("", "sub", "", 1000);
  ExpectMatchesModel("top", "", "top5", 1000);
}

TEST_F(ListingTest, PaginationVisitsEverythingExactlyOnce) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "p%d/%s%04d", i % 3, i % 2 ? "x/" : "", i);
    keys.push_back(name);
  }
  PutAll(keys);
  for (const std::string& delimiter : {std::string(), std::string("/")}) {
    for (uint32_t page_size : {1u, 7u, 100u, 1000u}) {
      ListObjectsRequest whole{{kAccount, kBucket}, "", delimiter, "", 100000};
      ListObjectsResult want = Model(keys_, whole);
      std::vector<std::string> got_keys, got_prefixes;
      std::string marker;
      int pages = 0;
      while (true) {
        ListObjectsResult page = List("", delimiter, marker, page_size);
        ASSERT_LE(page.objects.size() + page.common_prefixes.size(), page_size);
        for (const auto& k : Keys(page)) got_keys.push_back(k);
        for (const auto& p : page.common_prefixes) got_prefixes.push_back(p);
        ++pages;
        if (!page.truncated) break;
        marker = page.next_marker;
        ASSERT_LT(pages, 2000);
      }
      EXPECT_EQ(got_keys, Keys(want)) << "delimiter '" << delimiter << "' page " << page_size;
      EXPECT_EQ(got_prefixes, want.common_prefixes);
    }
  }
}

// Keys longer than the LMDB key budget that share their first 600 bytes are stored in hash
// order (backend/meta/keys.h); listing must still return them in byte order.
TEST_F(ListingTest, LongKeysSharingAHeadListInByteOrder) {
  const size_t budget = meta::NameBudget(meta::BucketContentsPrefix(kAccount, kBucket).size());
  ASSERT_LT(budget, 600u);
  const std::string head = "d/" + std::string(598, 'h');
  std::vector<std::string> keys;
  for (const char* tail :
       {"", "a", "b", "a/1", "a/2", "a/b/3", "b/x", "c", "\xff", "a\x01", "z/"}) {
    keys.push_back(head + tail);
  }
  for (int i = 0; i < 12; ++i) {
    keys.push_back(head + "/n" + std::to_string(i) + std::string(400 - i, 'q'));
  }
  keys.push_back(head.substr(0, budget));            // exactly the budget: stored as is
  keys.push_back(head.substr(0, budget - 1) + "i");  // just after the shared head
  keys.push_back(std::string(1024, 'e'));
  keys.push_back("d/short");
  keys.push_back("d/" + std::string(1022, 'h'));  // 1024 bytes, in the same run
  PutAll(keys);
  ASSERT_EQ(keys_.size(), keys.size());

  ExpectMatchesModel("", "", "", 1000);
  ExpectMatchesModel("d/", "/", "", 1000);
  ExpectMatchesModel(head, "/", "", 1000);
  ExpectMatchesModel(head + "a", "/", "", 1000);
  ExpectMatchesModel(head + "a/", "", "", 1000);
  ExpectMatchesModel(head, "", head + "a/1", 1000);
  ExpectMatchesModel("", "", head + "a", 3);
  ExpectMatchesModel(head.substr(0, 300), "", "", 1000);
  ExpectMatchesModel(head.substr(0, budget), "", "", 1000);
  ExpectMatchesModel("", "/", "", 1000);
  ExpectMatchesModel(head + "/n1", "", "", 1000);

  for (const std::string& prefix : {std::string(), std::string("d/"), head}) {
    for (const std::string& delimiter : {std::string(), std::string("/")}) {
      for (uint32_t page_size : {1u, 2u, 5u}) {
        ListObjectsRequest whole{{kAccount, kBucket}, prefix, delimiter, "", 100000};
        ListObjectsResult want = Model(keys_, whole);
        std::vector<std::string> got_keys, got_prefixes;
        std::string marker;
        for (int pages = 0;; ++pages) {
          ASSERT_LT(pages, 200);
          ListObjectsResult page = List(prefix, delimiter, marker, page_size);
          for (const auto& k : Keys(page)) got_keys.push_back(k);
          for (const auto& p : page.common_prefixes) got_prefixes.push_back(p);
          if (!page.truncated) break;
          marker = page.next_marker;
        }
        SCOPED_TRACE("prefix size " + std::to_string(prefix.size()) + " delimiter '" + delimiter +
                     "' page " + std::to_string(page_size));
        EXPECT_EQ(got_keys, Keys(want));
        EXPECT_EQ(got_prefixes, want.common_prefixes);
      }
    }
  }
}

}  // namespace
}  // namespace tessera::store::testing
