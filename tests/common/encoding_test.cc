#include "common/encoding.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(EncodingTest, HexRoundTrip) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(*HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g").has_value());
  EXPECT_FALSE(HexDecode("abc").has_value());
}

TEST(EncodingTest, Base64Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYmE="), "fooba");
}

TEST(EncodingTest, Base64RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zm=v").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!!==").has_value());
}

TEST(EncodingTest, UriEncodeIsSigV4Style) {
  EXPECT_EQ(UriEncode("a b/c~d*e", true), "a%20b/c~d%2Ae");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
}

TEST(EncodingTest, UriDecode) {
  EXPECT_EQ(*UriDecode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(*UriDecode("a+b", true), "a b");
  EXPECT_EQ(*UriDecode("a+b", false), "a+b");
  EXPECT_FALSE(UriDecode("%2").has_value());
  EXPECT_FALSE(UriDecode("%zz").has_value());
}

TEST(EncodingTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(EncodingTest, TrimAndLower) {
  EXPECT_EQ(Trim("  a b \t"), "a b");
  EXPECT_EQ(ToLower("X-Amz-Date"), "x-amz-date");
}

TEST(EncodingTest, JsonStringsEscapeQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\nd\x01\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000ad\\u0001\xc3\xa9\"");
  out.clear();
  AppendJsonString(out, "bad\xff\xc3");  // not UTF-8: high bytes become U+FFFD
  EXPECT_EQ(out, "\"bad\\ufffd\\ufffd\"");
  out.clear();
  AppendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
}

}  // namespace
}  // namespace tessera
