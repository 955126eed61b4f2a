#include "common/time.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

constexpr int64_t kRfcExample = 784111777LL * 1000000;  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(TimeTest, HttpDateFormats) {
  EXPECT_EQ(FormatHttpDate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(*ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(*ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(*ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_FALSE(ParseHttpDate("yesterday").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT junk").has_value());
}

TEST(TimeTest, Iso8601) {
  EXPECT_EQ(FormatIso8601Millis(kRfcExample + 123456), "1994-11-06T08:49:37.123Z");
  EXPECT_EQ(*ParseIso8601("1994-11-06T08:49:37Z"), kRfcExample);
  EXPECT_EQ(*ParseIso8601("1994-11-06T08:49:37.5Z"), kRfcExample + 500000);
  EXPECT_EQ(*ParseIso8601("1994-11-06T08:49Z"), kRfcExample - 37000000);
  EXPECT_FALSE(ParseIso8601("1994-11-06T08:49:37").has_value());
}

TEST(TimeTest, AmzDate) {
  EXPECT_EQ(FormatAmzDate(kRfcExample), "19941106T084937Z");
  EXPECT_EQ(*ParseAmzDate("19941106T084937Z"), kRfcExample);
  EXPECT_FALSE(ParseAmzDate("19941106T084937").has_value());
  EXPECT_FALSE(ParseAmzDate("1994110xT084937Z").has_value());
}

// Found by fuzz_auth: an eight-digit year overflowed the microseconds (UBSan).
TEST(TimeTest, YearsPastFourDigitsAreNoDate) {
  EXPECT_FALSE(ParseHttpDate("Mon, 07 Dec 20267777 00:00:00 GMT").has_value());
  EXPECT_FALSE(ParseIso8601("20267777-12-07T00:00:00Z").has_value());
  EXPECT_TRUE(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT").has_value());
}

}  // namespace
}  // namespace tessera
