#include "protocols/s3/request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::s3 {
namespace {

HttpRequest MakeRequest(std::string target, std::string host = "localhost:9000") {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = {{"host", std::move(host)}};
  return request;
}

Address Resolve(const std::string& target, const std::string& host = "localhost:9000",
                const std::vector<std::string>& domains = {"localhost"}) {
  Result<Address> address = ResolveAddress(MakeRequest(target, host), domains);
  EXPECT_TRUE(address.ok()) << target << " " << address.status().ToString();
  return address.ok() ? *address : Address{"<error>", "<error>", false};
}

// ResolveAddress, path style

TEST(ResolveAddressTest, RootIsService) {
  Address a = Resolve("/");
  EXPECT_EQ(a.bucket, "");
  EXPECT_EQ(a.key, "");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, BucketOnly) {
  Address a = Resolve("/bkt");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, BucketWithTrailingSlash) {
  Address a = Resolve("/bkt/");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "");
}

TEST(ResolveAddressTest, BucketAndKey) {
  Address a = Resolve("/bkt/key");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "key");
}

TEST(ResolveAddressTest, KeyKeepsInnerSlashes) {
  Address a = Resolve("/bkt/a/b/c");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "a/b/c");
}

TEST(ResolveAddressTest, KeyKeepsTrailingSlashAndEmptySegments) {
  EXPECT_EQ(Resolve("/bkt/dir/").key, "dir/");
  EXPECT_EQ(Resolve("/bkt//x").key, "/x");
}

TEST(ResolveAddressTest, QueryIsNotPartOfTheKey) {
  Address a = Resolve("/bkt/key?uploads&x=1");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "key");
}

TEST(ResolveAddressTest, PercentEncodedKey) {
  EXPECT_EQ(Resolve("/bkt/a%20b").key, "a b");
  EXPECT_EQ(Resolve("/bkt/a%2Fb").key, "a/b");
  EXPECT_EQ(Resolve("/bkt/a%2fb").key, "a/b");
  EXPECT_EQ(Resolve("/bkt/%E2%82%AC%20euro").key, "\xE2\x82\xAC euro");
  EXPECT_EQ(Resolve("/bkt/100%25").key, "100%");
  EXPECT_EQ(Resolve("/bkt/q%3Fx%23y").key, "q?x#y");
}

TEST(ResolveAddressTest, RawUtf8KeyIsKept) {
  EXPECT_EQ(Resolve("/bkt/\xC3\xA9t\xC3\xA9").key, "\xC3\xA9t\xC3\xA9");
}

TEST(ResolveAddressTest, PlusInPathIsALiteralPlus) {
  // Only query strings use '+' for space; in a path it is a plus sign.
  EXPECT_EQ(Resolve("/bkt/a+b").key, "a+b");
}

TEST(ResolveAddressTest, BadEscapeInPathFails) {
  Result<Address> a = ResolveAddress(MakeRequest("/bkt/a%zz"), {"localhost"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument);
}

// ResolveAddress, virtual-hosted style

TEST(ResolveAddressTest, VirtualHostedBucketFromHost) {
  Address a = Resolve("/", "bkt.localhost:9000");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, VirtualHostedWholePathIsTheKey) {
  Address a = Resolve("/a/b%20c/d", "bkt.localhost:9000");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "a/b c/d");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, VirtualHostedWithoutPort) {
  Address a = Resolve("/k", "bkt.localhost");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "k");
}

TEST(ResolveAddressTest, VirtualHostedHostIsCaseInsensitive) {
  Address a = Resolve("/k", "Bkt.LocalHost:9000");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, BareDomainStaysPathStyle) {
  Address a = Resolve("/bkt/k", "localhost:9000");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "k");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, HostThatOnlyEndsLikeTheDomainStaysPathStyle) {
  // "notlocalhost" ends in "localhost" but not in ".localhost".
  Address a = Resolve("/bkt/k", "notlocalhost:9000");
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, UnconfiguredHostStaysPathStyle) {
  Address a = Resolve("/bkt/k", "bkt.example.com", {"localhost"});
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "k");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, NoDomainsMeansPathStyle) {
  Address a = Resolve("/bkt/k", "bkt.localhost:9000", {});
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_FALSE(a.virtual_hosted);
}

TEST(ResolveAddressTest, VirtualHostedUnderMultiLabelDomain) {
  Address a = Resolve("/k", "bkt.s3.localhost", {"s3.localhost"});
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_EQ(a.key, "k");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, DottedBucketUnderShorterDomain) {
  // With only "localhost" configured, everything before ".localhost" is the bucket.
  Address a = Resolve("/k", "bkt.s3.localhost", {"localhost"});
  EXPECT_EQ(a.bucket, "bkt.s3");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, LongestMatchingDomainWins) {
  Address a = Resolve("/k", "bkt.s3.localhost", {"localhost", "s3.localhost"});
  EXPECT_EQ(a.bucket, "bkt");
  EXPECT_TRUE(a.virtual_hosted);
}

TEST(ResolveAddressTest, MissingHostIsPathStyle) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/bkt/k";
  Result<Address> a = ResolveAddress(request, {"localhost"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->bucket, "bkt");
  EXPECT_EQ(a->key, "k");
}

// IsValidBucketName

TEST(BucketNameTest, LengthBounds) {
  EXPECT_FALSE(IsValidBucketName(""));
  EXPECT_FALSE(IsValidBucketName("ab"));
  EXPECT_TRUE(IsValidBucketName("abc"));
  EXPECT_TRUE(IsValidBucketName(std::string(63, 'a')));
  EXPECT_FALSE(IsValidBucketName(std::string(64, 'a')));
}

TEST(BucketNameTest, AllowedCharacters) {
  EXPECT_TRUE(IsValidBucketName("my-bucket.2024"));
  EXPECT_TRUE(IsValidBucketName("0123456789"));
  EXPECT_FALSE(IsValidBucketName("MyBucket"));
  EXPECT_FALSE(IsValidBucketName("my_bucket"));
  EXPECT_FALSE(IsValidBucketName("my bucket"));
  EXPECT_FALSE(IsValidBucketName("my/bucket"));
  EXPECT_FALSE(IsValidBucketName("caf\xC3\xA9"));
}

TEST(BucketNameTest, MustStartAndEndWithLetterOrDigit) {
  EXPECT_FALSE(IsValidBucketName("-abc"));
  EXPECT_FALSE(IsValidBucketName("abc-"));
  EXPECT_FALSE(IsValidBucketName(".abc"));
  EXPECT_FALSE(IsValidBucketName("abc."));
  EXPECT_TRUE(IsValidBucketName("1bc"));
  EXPECT_TRUE(IsValidBucketName("ab9"));
}

TEST(BucketNameTest, NoAdjacentPeriods) {
  EXPECT_FALSE(IsValidBucketName("a..b"));
  EXPECT_TRUE(IsValidBucketName("a.b.c"));
  EXPECT_TRUE(IsValidBucketName("a--b"));
}

TEST(BucketNameTest, NotAnIpv4Address) {
  EXPECT_FALSE(IsValidBucketName("192.168.5.4"));
  EXPECT_FALSE(IsValidBucketName("10.0.0.1"));
  EXPECT_TRUE(IsValidBucketName("192.168.5"));
  EXPECT_TRUE(IsValidBucketName("192.168.5.4.5"));
  EXPECT_TRUE(IsValidBucketName("192.168.5.a4"));
}

TEST(BucketNameTest, ReservedPrefixesAndSuffixesAreRejected) {
  EXPECT_FALSE(IsValidBucketName("xn--bucket"));
  EXPECT_FALSE(IsValidBucketName("sthree-bucket"));
  EXPECT_FALSE(IsValidBucketName("amzn-s3-demo-bucket"));
  EXPECT_FALSE(IsValidBucketName("bucket-s3alias"));
  EXPECT_FALSE(IsValidBucketName("bucket--ol-s3"));
  EXPECT_FALSE(IsValidBucketName("bucket.mrap"));
  EXPECT_FALSE(IsValidBucketName("bucket--x-s3"));
}

// IsValidObjectKey

TEST(ObjectKeyTest, EmptyIsInvalid) { EXPECT_FALSE(IsValidObjectKey("")); }

TEST(ObjectKeyTest, LengthLimitIs1024Bytes) {
  EXPECT_TRUE(IsValidObjectKey("k"));
  EXPECT_TRUE(IsValidObjectKey(std::string(1024, 'k')));
  EXPECT_FALSE(IsValidObjectKey(std::string(1025, 'k')));
}

TEST(ObjectKeyTest, LengthCountsBytesNotCharacters) {
  // 512 two-byte characters are 1024 bytes; one more character is over.
  std::string e_acute = "\xC3\xA9";
  std::string key;
  for (int i = 0; i < 512; ++i) key += e_acute;
  EXPECT_TRUE(IsValidObjectKey(key));
  EXPECT_FALSE(IsValidObjectKey(key + e_acute));
}

TEST(ObjectKeyTest, NulIsInvalid) {
  EXPECT_FALSE(IsValidObjectKey(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidObjectKey(std::string("\0", 1)));
}

TEST(ObjectKeyTest, ValidUtf8AndSpecialCharactersAreAccepted) {
  EXPECT_TRUE(IsValidObjectKey("dir/sub dir/file (1).txt"));
  EXPECT_TRUE(IsValidObjectKey("&<>\"'?#%+"));
  EXPECT_TRUE(IsValidObjectKey("\xE2\x82\xAC\xF0\x9F\x98\x80"));
}

TEST(ObjectKeyTest, InvalidUtf8IsRejected) {
  EXPECT_FALSE(IsValidObjectKey("\xFF"));
  EXPECT_FALSE(IsValidObjectKey("a\xC3"));         // truncated sequence
  EXPECT_FALSE(IsValidObjectKey("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidObjectKey("\xED\xA0\x80"));  // UTF-16 surrogate
  EXPECT_FALSE(
      IsValidObjectKey("\x80"
                       "abc"));  // lone continuation byte
}

}  // namespace
}  // namespace tessera::s3
