#include "common/bytes.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(BytesTest, RoundTripIsLittleEndian) {
  ByteWriter w;
  w.U8(7);
  w.U32(0x01020304);
  w.U64(0x1122334455667788ULL);
  w.I64(-5);
  w.Str("key");
  EXPECT_EQ(w.data().substr(1, 4), std::string("\x04\x03\x02\x01", 4));
  ByteReader r(w.data());
  uint8_t a;
  uint32_t b;
  uint64_t c;
  int64_t d;
  std::string e;
  ASSERT_TRUE(r.U8(&a) && r.U32(&b) && r.U64(&c) && r.I64(&d) && r.Str(&e));
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 0x01020304u);
  EXPECT_EQ(c, 0x1122334455667788ULL);
  EXPECT_EQ(d, -5);
  EXPECT_EQ(e, "key");
  EXPECT_TRUE(r.done());
}

TEST(BytesTest, ShortInputFailsAndStaysFailed) {
  ByteWriter w;
  w.Str("abcdef");
  std::string truncated = w.data().substr(0, 6);
  ByteReader r(truncated);
  std::string s;
  EXPECT_FALSE(r.Str(&s));
  uint8_t b;
  EXPECT_FALSE(r.U8(&b));
  EXPECT_FALSE(r.ok());
}

TEST(BytesTest, BigEndianKeysSortNumerically) {
  EXPECT_LT(BigEndian64(255), BigEndian64(256));
  EXPECT_LT(BigEndian32(9), BigEndian32(10));
}

}  // namespace
}  // namespace tessera
