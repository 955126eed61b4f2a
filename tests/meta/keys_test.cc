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

}  // namespace
}  // namespace tessera::meta
