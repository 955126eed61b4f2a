#include "common/hash.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace tessera {
namespace {

constexpr std::string_view kCheck = "123456789";  // the CRC catalogue's check input

std::string Digest(std::unique_ptr<Hasher> h, std::string_view data) {
  h->Update(data.data(), data.size());
  return HexEncode(h->Finish());
}

TEST(HashTest, Crc32MatchesCatalogue) { EXPECT_EQ(Digest(NewCrc32(), kCheck), "cbf43926"); }

TEST(HashTest, Crc32cMatchesCatalogue) { EXPECT_EQ(Digest(NewCrc32c(), kCheck), "e3069283"); }

TEST(HashTest, Crc64NvmeMatchesCatalogue) {
  EXPECT_EQ(Digest(NewCrc64Nvme(), kCheck), "ae8b14860a799888");
}

TEST(HashTest, Crc64NvmeIncrementalEqualsOneShot) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  auto h = NewCrc64Nvme();
  h->Update(data.data(), 3);
  h->Update(data.data() + 3, 500);
  h->Update(data.data() + 503, data.size() - 503);
  EXPECT_EQ(HexEncode(h->Finish()), Digest(NewCrc64Nvme(), data));
}

TEST(HashTest, Crc32cContinues) {
  uint32_t whole = Crc32c(kCheck.data(), kCheck.size());
  uint32_t part = Crc32c(kCheck.data(), 4);
  EXPECT_EQ(Crc32c(kCheck.data() + 4, kCheck.size() - 4, part), whole);
  EXPECT_EQ(whole, 0xe3069283u);
}

TEST(HashTest, Md5AndSha) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest(NewSha1(), "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(HashTest, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HashTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace tessera
