#include "protocols/tags.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera {
namespace {

bool Match(std::string_view expression, const Tags& tags) {
  auto query = TagQuery::Parse(expression, TagQuerySyntax::kCondition);
  EXPECT_TRUE(query.ok()) << expression << ": " << query.status().ToString();
  return query.ok() && query->Matches(tags);
}

TEST(TagQueryTest, ComparesStringsAndCombines) {
  const Tags tags = {{"env", "prod"}, {"date", "2024-05-01"}, {"it's", "o'k"}};
  EXPECT_TRUE(Match("\"env\" = 'prod'", tags));
  EXPECT_FALSE(Match("\"env\" = 'test'", tags));
  EXPECT_TRUE(Match("\"env\" <> 'test'", tags));
  EXPECT_TRUE(Match("\"date\" >= '2024-01-01' AND \"date\" < '2025'", tags));
  EXPECT_FALSE(Match("\"date\" > '2024-05-01'", tags));
  EXPECT_TRUE(Match("\"date\" <= '2024-05-01'", tags));
  EXPECT_TRUE(Match("\"env\" = 'test' OR \"env\" = 'prod'", tags));
  EXPECT_TRUE(Match("(\"env\" = 'test' OR \"date\" > '2024') and \"env\" = 'prod'", tags));
  EXPECT_FALSE(Match("\"env\" = 'prod' AND (\"date\" < '2000' OR \"x\" = 'y')", tags));
  EXPECT_TRUE(Match("\"it's\" = 'o''k'", tags));
  // A missing tag makes every comparison false, <> included.
  EXPECT_FALSE(Match("\"missing\" <> 'x'", tags));
  EXPECT_FALSE(Match("\"missing\" < 'zzz'", tags));
}

TEST(TagQueryTest, MalformedExpressionsAreRefused) {
  for (const char* bad :
       {"", "env = 'prod'", "\"env\" == 'prod'", "\"env\" = prod", "\"env\" = 'prod",
        "\"env\" = 'prod' AND", "(\"env\" = 'prod'", "\"env\" = 'prod')", "\"\" = 'x'",
        "\"env\" = 'prod' XOR \"a\" = 'b'", "@container = 'c'",
        "\"a\"='1' AND \"b\"='2' AND \"c\"='3' AND \"d\"='4' AND \"e\"='5' AND \"f\"='6' AND "
        "\"g\"='7' AND \"h\"='8' AND \"i\"='9' AND \"j\"='10' AND \"k\"='11'"}) {
    EXPECT_FALSE(TagQuery::Parse(bad, TagQuerySyntax::kCondition).ok()) << bad;
  }
  std::string deep(20, '(');
  deep += "\"a\" = 'b'" + std::string(20, ')');
  EXPECT_FALSE(TagQuery::Parse(deep, TagQuerySyntax::kCondition).ok());
}

TEST(TagQueryTest, FindAllowsAndOnlyAndOneContainer) {
  auto q = TagQuery::Parse("@container = 'logs' AND \"env\" = 'prod'", TagQuerySyntax::kFind);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->container(), "logs");
  EXPECT_TRUE(q->Matches({{"env", "prod"}}));
  EXPECT_FALSE(q->Matches({{"env", "dev"}}));
  for (const char* bad : {"\"a\" = 'b' OR \"c\" = 'd'", "\"a\" <> 'b'", "(\"a\" = 'b')",
                          "@container = 'a' AND @container = 'b'", "@container > 'a'"}) {
    EXPECT_FALSE(TagQuery::Parse(bad, TagQuerySyntax::kFind).ok()) << bad;
  }
}

TEST(TagsTest, HeaderFormAndLimits) {
  auto tags = ParseTagHeader("a=1&b%20c=d%2Fe&empty=", TagRules::kBlob);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  EXPECT_EQ(*tags, (Tags{{"a", "1"}, {"b c", "d/e"}, {"empty", ""}}));
  EXPECT_EQ(ParseTagHeader("a=1&a=2", TagRules::kS3).status().code(), ErrorCode::kInvalidTag);
  EXPECT_EQ(ParseTagHeader("a@b=1", TagRules::kBlob).status().code(), ErrorCode::kInvalidTag);
  EXPECT_TRUE(ParseTagHeader("a@b=1", TagRules::kS3).ok());
  EXPECT_EQ(ParseTagHeader("=1", TagRules::kS3).status().code(), ErrorCode::kInvalidTag);
  EXPECT_EQ(CheckTags({{std::string(129, 'k'), "v"}}, TagRules::kS3).code(),
            ErrorCode::kInvalidTag);
  EXPECT_TRUE(CheckTags({{std::string(128, 'k'), std::string(256, 'v')}}, TagRules::kS3).ok());
  EXPECT_EQ(CheckTags({{"k", std::string(257, 'v')}}, TagRules::kS3).code(),
            ErrorCode::kInvalidTag);
}

}  // namespace
}  // namespace tessera
