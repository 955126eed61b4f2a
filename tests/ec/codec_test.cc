#include "backend/ec/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tessera::ec {
namespace {

using Buffers = std::vector<std::vector<uint8_t>>;

// Random data plus its parity, for one stripe of `len` bytes per fragment.
Buffers EncodedStripe(const Codec& codec, size_t len, uint32_t seed) {
  std::mt19937 rng(seed);
  Buffers frags(static_cast<size_t>(codec.k() + codec.m()), std::vector<uint8_t>(len));
  std::vector<const uint8_t*> data;
  std::vector<uint8_t*> parity;
  for (int i = 0; i < codec.k(); ++i) {
    for (auto& b : frags[i]) b = static_cast<uint8_t>(rng());
    data.push_back(frags[i].data());
  }
  for (int i = codec.k(); i < codec.k() + codec.m(); ++i) parity.push_back(frags[i].data());
  codec.Encode(data, parity, len);
  return frags;
}

// Calls fn(mask) for every subset of n fragments with exactly `lost` members.
template <typename Fn>
void ForEachLossPattern(int n, int lost, Fn fn) {
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) == lost) fn(mask);
  }
}

Status RebuildMasked(const Codec& codec, const Buffers& frags, uint32_t lost_mask,
                     Buffers* rebuilt) {
  std::vector<int> present_index, missing_index;
  std::vector<const uint8_t*> present;
  std::vector<uint8_t*> out;
  const size_t len = frags[0].size();
  rebuilt->assign(frags.size(), std::vector<uint8_t>(len, 0xAA));
  for (int i = 0; i < codec.k() + codec.m(); ++i) {
    if (lost_mask & (1u << i)) {
      missing_index.push_back(i);
      out.push_back((*rebuilt)[i].data());
    } else {
      present_index.push_back(i);
      present.push_back(frags[i].data());
    }
  }
  return codec.Reconstruct(present_index, present, missing_index, out, len);
}

void CheckEveryLossPattern(int k, int m, size_t len) {
  auto codec = Codec::Create(k, m);
  ASSERT_TRUE(codec.ok());
  Buffers frags = EncodedStripe(**codec, len, 7u * k + m);
  int patterns = 0;
  for (int lost = 1; lost <= m; ++lost) {
    ForEachLossPattern(k + m, lost, [&](uint32_t mask) {
      Buffers rebuilt;
      Status st = RebuildMasked(**codec, frags, mask, &rebuilt);
      ASSERT_TRUE(st.ok()) << st.ToString() << " mask=" << mask;
      for (int i = 0; i < k + m; ++i) {
        if (mask & (1u << i)) {
          ASSERT_EQ(rebuilt[i], frags[i]) << "fragment " << i;
        }
      }
      ++patterns;
    });
  }
  int expected = 0;
  for (int lost = 1; lost <= m; ++lost)
    ForEachLossPattern(k + m, lost, [&](uint32_t) { ++expected; });
  EXPECT_EQ(patterns, expected);

  // Every pattern of m + 1 losses leaves k - 1 fragments: a clean kDataLoss.
  ForEachLossPattern(k + m, m + 1, [&](uint32_t mask) {
    Buffers rebuilt;
    Status st = RebuildMasked(**codec, frags, mask, &rebuilt);
    ASSERT_EQ(st.code(), ErrorCode::kDataLoss) << "mask=" << mask;
  });
}

TEST(CodecTest, Rs63SurvivesEveryLossPatternUpToThree) { CheckEveryLossPattern(6, 3, 4096 + 3); }

TEST(CodecTest, Rs42SurvivesEveryLossPatternUpToTwo) { CheckEveryLossPattern(4, 2, 1000); }

TEST(CodecTest, Rs21SurvivesEveryLossPattern) { CheckEveryLossPattern(2, 1, 17); }

TEST(CodecTest, Rs115SurvivesSampledLossPatterns) {
  auto codec = Codec::Create(11, 5);
  ASSERT_TRUE(codec.ok());
  Buffers frags = EncodedStripe(**codec, 513, 11);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int> order(16);
    for (int i = 0; i < 16; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    uint32_t mask = 0;
    for (int i = 0; i < 5; ++i) mask |= 1u << order[i];
    Buffers rebuilt;
    ASSERT_TRUE(RebuildMasked(**codec, frags, mask, &rebuilt).ok());
    for (int i = 0; i < 16; ++i) {
      if (mask & (1u << i)) {
        ASSERT_EQ(rebuilt[i], frags[i]);
      }
    }
  }
}

TEST(CodecTest, ParityIsNotTrivialAndDependsOnData) {
  auto codec = Codec::Create(6, 3);
  ASSERT_TRUE(codec.ok());
  Buffers a = EncodedStripe(**codec, 64, 1);
  Buffers b = a;
  b[2][10] ^= 1;
  std::vector<const uint8_t*> data;
  std::vector<uint8_t*> parity;
  for (int i = 0; i < 6; ++i) data.push_back(b[i].data());
  for (int i = 6; i < 9; ++i) parity.push_back(b[i].data());
  (*codec)->Encode(data, parity, 64);
  for (int i = 6; i < 9; ++i) {
    EXPECT_NE(a[i], b[i]) << "parity " << i << " ignores a data change";
    EXPECT_NE(a[i], std::vector<uint8_t>(64, 0));
  }
}

TEST(CodecTest, RejectsUnsupportedProfiles) {
  EXPECT_EQ(Codec::Create(0, 3).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Codec::Create(33, 3).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Codec::Create(6, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Codec::Create(6, 17).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Codec::Create(32, 16).ok());
}

TEST(CodecTest, RejectsBadIndices) {
  auto codec = Codec::Create(2, 1);
  ASSERT_TRUE(codec.ok());
  std::vector<uint8_t> a(8), b(8), c(8);
  std::vector<const uint8_t*> present = {a.data(), b.data()};
  std::vector<uint8_t*> out = {c.data()};
  std::vector<int> dup = {0, 0}, good = {0, 1}, want_present = {1}, want_bad = {3};
  EXPECT_EQ((*codec)->Reconstruct(dup, present, std::vector<int>{2}, out, 8).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*codec)->Reconstruct(good, present, want_present, out, 8).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*codec)->Reconstruct(good, present, want_bad, out, 8).code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::ec
