#include "backend/store/conditions.h"

#include <gtest/gtest.h>

namespace tessera::store {
namespace {

constexpr TimeMicros kSecond = 1000000;
constexpr TimeMicros kModified = 1700000000 * kSecond + 250000;  // 0.25 s into a second

ObjectInfo Object() {
  ObjectInfo info;
  info.etag = "0123456789abcdef0123456789abcdef";
  info.blob_etag = "0x8DC0000000000ABC";
  info.last_modified = kModified;
  return info;
}

struct Case {
  const char* name;
  Preconditions conditions;
  ErrorCode read;   // expected for GET/HEAD
  ErrorCode write;  // expected for a write
};

Preconditions P(std::optional<std::string> if_match, std::optional<std::string> if_none_match,
                std::optional<TimeMicros> if_modified_since,
                std::optional<TimeMicros> if_unmodified_since) {
  return Preconditions{if_match, if_none_match, if_modified_since, if_unmodified_since};
}

const std::string kEtag = Object().etag;
const TimeMicros kBefore = kModified - 10 * kSecond;
const TimeMicros kAfter = kModified + 10 * kSecond;
const TimeMicros kSameSecond = kModified - 250000;  // the HTTP date of last_modified

TEST(PreconditionsTest, Table) {
  using E = ErrorCode;
  const Case cases[] = {
      {"none", P({}, {}, {}, {}), E::kOk, E::kOk},
      {"if-match etag", P(kEtag, {}, {}, {}), E::kOk, E::kOk},
      {"if-match quoted uppercase", P("\"0123456789ABCDEF0123456789ABCDEF\"", {}, {}, {}), E::kOk,
       E::kOk},
      {"if-match blob etag", P("0x8DC0000000000ABC", {}, {}, {}), E::kOk, E::kOk},
      {"if-match list", P("\"zz\", \"" + kEtag + "\"", {}, {}, {}), E::kOk, E::kOk},
      {"if-match star", P("*", {}, {}, {}), E::kOk, E::kOk},
      {"if-match other", P("ffff", {}, {}, {}), E::kPreconditionFailed, E::kPreconditionFailed},
      {"if-none-match etag", P({}, kEtag, {}, {}), E::kNotModified, E::kPreconditionFailed},
      {"if-none-match star", P({}, "*", {}, {}), E::kNotModified, E::kPreconditionFailed},
      {"if-none-match other", P({}, "ffff", {}, {}), E::kOk, E::kOk},
      {"modified since before", P({}, {}, kBefore, {}), E::kOk, E::kOk},
      {"modified since after", P({}, {}, kAfter, {}), E::kNotModified, E::kOk},
      {"modified since same second", P({}, {}, kSameSecond, {}), E::kNotModified, E::kOk},
      {"unmodified since after", P({}, {}, {}, kAfter), E::kOk, E::kOk},
      {"unmodified since same second", P({}, {}, {}, kSameSecond), E::kOk, E::kOk},
      {"unmodified since before", P({}, {}, {}, kBefore), E::kPreconditionFailed,
       E::kPreconditionFailed},
      // S3: If-Match true and If-Unmodified-Since false -> proceed.
      {"match + unmodified false", P(kEtag, {}, {}, kBefore), E::kOk, E::kOk},
      {"match false + unmodified true", P("ffff", {}, {}, kAfter), E::kPreconditionFailed,
       E::kPreconditionFailed},
      // S3: If-None-Match false and If-Modified-Since true -> 304.
      {"none-match false + modified true", P({}, kEtag, kBefore, {}), E::kNotModified,
       E::kPreconditionFailed},
      {"none-match true + modified false", P({}, "ffff", kAfter, {}), E::kOk, E::kOk},
      {"match + none-match", P(kEtag, kEtag, {}, {}), E::kNotModified, E::kPreconditionFailed},
  };
  const ObjectInfo info = Object();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(EvaluatePreconditions(&info, c.conditions, ConditionMode::kRead).code(), c.read);
    EXPECT_EQ(EvaluatePreconditions(&info, c.conditions, ConditionMode::kWrite).code(), c.write);
  }
}

TEST(PreconditionsTest, MissingObject) {
  EXPECT_EQ(EvaluatePreconditions(nullptr, P("*", {}, {}, {}), ConditionMode::kWrite).code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(EvaluatePreconditions(nullptr, P({}, "*", {}, {}), ConditionMode::kWrite).ok());
  EXPECT_TRUE(EvaluatePreconditions(nullptr, P({}, {}, {}, kBefore), ConditionMode::kWrite).ok());
}

TEST(RangeTest, Resolution) {
  auto resolve = [](std::optional<uint64_t> first, std::optional<uint64_t> last,
                    std::optional<uint64_t> suffix, uint64_t size) {
    return ResolveRange(ByteRange{first, last, suffix}, size);
  };
  Result<ResolvedRange> r = resolve(0, 9, {}, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 0u);
  EXPECT_EQ(r->length, 10u);
  r = resolve(90, 500, {}, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 90u);
  EXPECT_EQ(r->length, 10u);
  r = resolve(99, {}, {}, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->length, 1u);
  r = resolve({}, {}, 30, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 70u);
  EXPECT_EQ(r->length, 30u);
  r = resolve({}, {}, 300, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 0u);
  EXPECT_EQ(r->length, 100u);
  EXPECT_EQ(resolve(100, {}, {}, 100).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(resolve(5, 4, {}, 100).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(resolve({}, {}, 0, 100).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(resolve(0, {}, {}, 0).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(resolve({}, {}, 5, 0).status().code(), ErrorCode::kInvalidRange);
}

}  // namespace
}  // namespace tessera::store
