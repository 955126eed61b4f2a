#include "backend/store/manifest.h"

#include <gtest/gtest.h>

#include "tests/store/fake_extent_store.h"

namespace tessera::store {
namespace {

using meta::Segment;

TEST(ManifestTest, SliceTrimsSegments) {
  meta::Manifest m = {Segment::Inline("abcde"), Segment::Extent(7, 10, 100),
                      Segment::Inline("xyz")};
  EXPECT_EQ(ManifestSize(m), 108u);
  EXPECT_EQ(SliceManifest(m, 0, 108), m);
  EXPECT_EQ(SliceManifest(m, 1, 3), (meta::Manifest{Segment::Inline("bcd")}));
  EXPECT_EQ(SliceManifest(m, 3, 10),
            (meta::Manifest{Segment::Inline("de"), Segment::Extent(7, 10, 8)}));
  EXPECT_EQ(SliceManifest(m, 50, 58),
            (meta::Manifest{Segment::Extent(7, 55, 55), Segment::Inline("xyz")}));
  EXPECT_EQ(SliceManifest(m, 107, 1), (meta::Manifest{Segment::Inline("z")}));
}

TEST(ManifestTest, SourceStreamsSegmentsLazilyAndGroupsContinuations) {
  auto fake = std::make_shared<testing::FakeExtentStore>(10);
  std::string data = "0123456789abcdefghijKLMNO";
  MemorySource body(data.data(), data.size());
  Result<extent::Written> result = fake->Write(body);
  ASSERT_TRUE(result.ok());
  const std::vector<extent::ExtentLocation>& written = result->extents;
  ASSERT_EQ(written.size(), 3u);
  std::map<uint64_t, extent::ExtentLocation> locations;
  for (const auto& loc : written) locations[loc.id] = loc;
  const uint64_t a = written[0].id, b = written[1].id, c = written[2].id;

  // a[5..10) continues into b[0..10): one read; then inline; then c[1..3) and a[0..2).
  meta::Manifest m = {Segment::Extent(a, 5, 5), Segment::Extent(b, 0, 10), Segment::Inline("!"),
                      Segment::Extent(c, 1, 2), Segment::Extent(a, 0, 2)};
  auto opened = NewManifestSource(fake, m, locations);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<BodySource> source = std::move(*opened);
  EXPECT_EQ(source->Size(), 20u);
  EXPECT_EQ(fake->read_calls(), 1);  // the first extent read is opened at once
  std::string out;
  char buf[3];
  while (true) {
    Result<size_t> n = source->Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    out.append(buf, *n);
  }
  EXPECT_EQ(out, "56789abcdefghij!LM01");
  EXPECT_EQ(fake->read_calls(), 3);
}

TEST(ManifestTest, ExtentReadErrorsPropagate) {
  auto fake = std::make_shared<testing::FakeExtentStore>(10);
  std::string data = "0123456789";
  MemorySource body(data.data(), data.size());
  auto result = fake->Write(body);
  ASSERT_TRUE(result.ok());
  const std::vector<extent::ExtentLocation>* written = &result->extents;
  fake->set_fail_reads(true);
  // An object that starts with an unreadable extent fails before anything is sent.
  auto unreadable = NewManifestSource(fake, {Segment::Extent((*written)[0].id, 0, 10)},
                                      {{(*written)[0].id, (*written)[0]}});
  EXPECT_EQ(unreadable.status().code(), ErrorCode::kDataLoss);
  // One that starts with readable bytes fails where the unreadable ones begin.
  auto opened =
      NewManifestSource(fake, {Segment::Inline("ok"), Segment::Extent((*written)[0].id, 0, 10)},
                        {{(*written)[0].id, (*written)[0]}});
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<BodySource> source = std::move(*opened);
  char buf[16];
  Result<size_t> first = source->Read(buf, sizeof(buf));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 2u);
  EXPECT_EQ(source->Read(buf, sizeof(buf)).status().code(), ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace tessera::store
