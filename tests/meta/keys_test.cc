#include "backend/meta/keys.h"

#include <gtest/gtest.h>

namespace tessera::meta {
namespace {

TEST(KeysTest, Layout) {
  EXPECT_EQ(BucketKey("a", "b"), std::string("a\0b", 3));
  EXPECT_EQ(ObjectKey("a", "b", "k/1"), std::string("a\0b\0k/1", 7));
  EXPECT_EQ(UploadKey("a", "b", "k", "id"), std::string("a\0b\0k\0id", 8));
  EXPECT_EQ(PartKey("id", 258), std::string("id\0\0\x01\x02", 6));
  EXPECT_EQ(ExtentKey(1), std::string("\0\0\0\0\0\0\0\x01", 8));
}

TEST(KeysTest, OrderFollowsComponents) {
  // A key sorts before its extensions, and part/extent numbers sort numerically.
  EXPECT_LT(ObjectKey("a", "b", "k"), ObjectKey("a", "b", "k0"));
  EXPECT_LT(UploadKey("a", "b", "k", "zzz"), UploadKey("a", "b", "k!", "aaa"));
  EXPECT_LT(ObjectKey("a", "b", "\xff"), ObjectKey("a", "b0", ""));
  EXPECT_LT(PartKey("id", 255), PartKey("id", 256));
  EXPECT_LT(ExtentKey(255), ExtentKey(256));
}

TEST(KeysTest, ParseBack) {
  std::string_view key, id;
  ASSERT_TRUE(SplitUploadTail(std::string_view("dir/k\0abc", 9), &key, &id));
  EXPECT_EQ(key, "dir/k");
  EXPECT_EQ(id, "abc");
  EXPECT_FALSE(SplitUploadTail("no-nul", &key, &id));
  uint32_t n = 0;
  ASSERT_TRUE(ParsePartKey(PartKey("up", 10000), "up", &n));
  EXPECT_EQ(n, 10000u);
  EXPECT_FALSE(ParsePartKey(PartKey("uq", 1), "up", &n));
  EXPECT_FALSE(ParsePartKey("up\x01", "up", &n));
}

TEST(KeysTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("a/"), "a0");
  EXPECT_EQ(PrefixSuccessor("a\xff\xff"), "b");
  EXPECT_EQ(PrefixSuccessor("\xff"), std::nullopt);
  EXPECT_EQ(PrefixSuccessor(""), std::nullopt);
  // Every string with the prefix sorts below the successor.
  EXPECT_LT(std::string("a/\xff\xff\xff"), *PrefixSuccessor("a/"));
}

TEST(KeysTest, LongNamesAreTruncatedWithAHashSuffix) {
  const std::string prefix = BucketContentsPrefix("a", "b");
  const size_t budget = NameBudget(prefix.size());
  EXPECT_EQ(budget, kMaxKeyBytes - kUploadTailBytes - kLongNameSuffixBytes - prefix.size());
  EXPECT_EQ(NameBudget(kMaxBucketKeyBytes + 1), 190u);
  EXPECT_EQ(NameBudget(kMaxKeyBytes), 0u);

  const std::string fits(budget, 'k');
  EXPECT_EQ(EncodeName(fits, prefix.size()), fits);
  EXPECT_FALSE(IsLongName(fits, prefix.size()));
  const std::string long1 = fits + "1", long2 = fits + "2";
  std::string name1 = EncodeName(long1, prefix.size());
  EXPECT_EQ(name1.size(), budget + kLongNameSuffixBytes);
  EXPECT_EQ(name1.substr(0, budget), fits);
  EXPECT_EQ(name1.find_first_not_of("0123456789abcdef", budget), std::string::npos);
  EXPECT_TRUE(IsLongName(name1, prefix.size()));
  EXPECT_NE(name1, EncodeName(long2, prefix.size()));
  EXPECT_EQ(name1, EncodeName(long1, prefix.size()));  // stable

  // Every key, even 1024 bytes long under the longest bucket, fits LMDB in both tables.
  const std::string account(100, 'a'), bucket(kMaxBucketKeyBytes - 101, 'b');
  const std::string longest(kMaxObjectKeyBytes, 'z');
  EXPECT_LE(UploadKey(account, bucket, longest, std::string(kUploadIdBytes, 'i')).size(),
            kMaxKeyBytes);
  EXPECT_EQ(ObjectKey("a", "b", long1), prefix + name1);
  EXPECT_EQ(UploadKey("a", "b", long1, "id"), prefix + name1 + std::string("\0id", 3));
}

TEST(KeysTest, StoredOrderAgreesWithKeyOrderOutsideRuns) {
  const size_t p = BucketContentsPrefix("a", "b").size();
  const size_t budget = NameBudget(p);
  const std::string head(budget, 'm');
  // A short key that is the long key's head, or a prefix of it, sorts first, uploads too.
  EXPECT_LT(ObjectKey("a", "b", head), ObjectKey("a", "b", head + "x"));
  EXPECT_LT(ObjectKey("a", "b", "m"), ObjectKey("a", "b", head + "x"));
  EXPECT_LT(UploadKey("a", "b", head, "zz"), UploadKey("a", "b", head + "x", "aa"));
  // Keys that differ within the budget keep their order whatever their lengths.
  EXPECT_LT(ObjectKey("a", "b", "l" + std::string(1000, 'z')), ObjectKey("a", "b", head));
  EXPECT_LT(ObjectKey("a", "b", head + "x"), ObjectKey("a", "b", "n"));
  EXPECT_LT(ObjectKey("a", "b", head + "x"), ObjectKey("a", "b", "m" + std::string(budget, 'n')));
}

TEST(KeysTest, ContentsPrefixSize) {
  EXPECT_EQ(ContentsPrefixSize(ObjectKey("acct", "bkt", "k/1")), 9u);
  EXPECT_EQ(ContentsPrefixSize(std::string("acct\0bkt", 8)), 0u);
}

}  // namespace
}  // namespace tessera::meta
