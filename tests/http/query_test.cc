#include "http/query.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(QueryParseTest, EmptyQueryHasNoParameters) {
  Result<Query> q = Query::Parse("");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->params().empty());
}

TEST(QueryParseTest, KeepsArrivalOrderAndDecodes) {
  Result<Query> q = Query::Parse("prefix=a%2Fb&delimiter=%2F&max-keys=10");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->params().size(), 3u);
  EXPECT_EQ(q->params()[0].name, "prefix");
  EXPECT_EQ(q->params()[0].value, "a/b");
  EXPECT_EQ(q->params()[1].name, "delimiter");
  EXPECT_EQ(q->params()[1].value, "/");
  EXPECT_EQ(q->params()[2].name, "max-keys");
  EXPECT_EQ(q->params()[2].value, "10");
}

TEST(QueryParseTest, PlusIsSpace) {
  Result<Query> q = Query::Parse("prefix=a+b%20c&na+me=v");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("prefix"), "a b c");
  EXPECT_TRUE(q->Has("na me"));
}

TEST(QueryParseTest, EncodedPlusIsAPlus) {
  Result<Query> q = Query::Parse("prefix=a%2Bb");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("prefix"), "a+b");
}

TEST(QueryParseTest, HasValueDistinguishesBareFromEmpty) {
  Result<Query> q = Query::Parse("uploads&delete=&x=1");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->params().size(), 3u);
  EXPECT_EQ(q->params()[0].name, "uploads");
  EXPECT_FALSE(q->params()[0].has_value);
  EXPECT_EQ(q->params()[1].name, "delete");
  EXPECT_TRUE(q->params()[1].has_value);
  EXPECT_EQ(q->params()[1].value, "");
  EXPECT_TRUE(q->params()[2].has_value);
  EXPECT_EQ(q->Get("uploads"), "");
}

TEST(QueryParseTest, ValueKeepsLaterEqualsSigns) {
  Result<Query> q = Query::Parse("continuation-token=abc==");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("continuation-token"), "abc==");
}

TEST(QueryParseTest, EmptyPairsAreSkipped) {
  Result<Query> q = Query::Parse("&&a=1&&b&");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->params().size(), 2u);
  EXPECT_EQ(q->params()[0].name, "a");
  EXPECT_EQ(q->params()[1].name, "b");
}

TEST(QueryParseTest, GetReturnsFirstOfRepeatedNames) {
  Result<Query> q = Query::Parse("a=1&a=2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("a"), "1");
  EXPECT_EQ(q->params().size(), 2u);
  EXPECT_EQ(q->Get("b"), std::nullopt);
  EXPECT_FALSE(q->Has("b"));
}

TEST(QueryParseTest, NamesAreCaseSensitive) {
  Result<Query> q = Query::Parse("UPLOADS");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->Has("uploads"));
}

TEST(QueryParseTest, BadEscapeInValueFails) {
  for (const char* raw : {"a=%zz", "a=%4", "a=%", "a=b%g1"}) {
    Result<Query> q = Query::Parse(raw);
    ASSERT_FALSE(q.ok()) << raw;
    EXPECT_EQ(q.status().code(), ErrorCode::kInvalidArgument) << raw;
  }
}

TEST(QueryParseTest, BadEscapeInNameFails) {
  Result<Query> q = Query::Parse("%x1=v");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), ErrorCode::kInvalidArgument);
}

TEST(QueryParseTest, PlusIsLiteralWhenAsked) {
  Result<Query> q = Query::Parse("sig=ab+c%2Bd&na+me=v", Plus::kLiteral);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Value("sig"), "ab+c+d");
  EXPECT_TRUE(q->Has("na+me"));
}

TEST(QueryParseTest, LenientKeepsBadEscapesAsSent) {
  Result<Query> q = Query::Parse("a=%zz&b%=1&c=%41", Plus::kLiteral, /*lenient=*/true);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Value("a"), "%zz");
  EXPECT_EQ(q->Value("b%"), "1");
  EXPECT_EQ(q->Value("c"), "A");
  EXPECT_EQ(q->Find("missing"), nullptr);
  EXPECT_EQ(q->Value("missing"), "");
}

TEST(HasRawParamTest, MatchesUndecodedNamesExactly) {
  EXPECT_TRUE(HasRawParam("a=1&X-Amz-Signature=abc", "X-Amz-Signature"));
  EXPECT_TRUE(HasRawParam("sig&sv=1", "sig"));
  EXPECT_FALSE(HasRawParam("x-amz-signature=abc", "X-Amz-Signature"));
  EXPECT_FALSE(HasRawParam("%73ig=1", "sig"));
  EXPECT_FALSE(HasRawParam("asig=1&sigx=2", "sig"));
  EXPECT_FALSE(HasRawParam("", "sig"));
}

}  // namespace
}  // namespace tessera
