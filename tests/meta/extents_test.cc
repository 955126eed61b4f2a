#include "backend/meta/extents.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/drive/temp_dir.h"
#include "tests/meta/test_env.h"

namespace tessera::meta {
namespace {

// One stripe of RS(2,1) at 64 KiB chunks, fragments at `offset` of segment 5 on drives 1-3.
ExtentRecord Record(uint64_t id, uint64_t offset, uint64_t base = 0, uint64_t size = 1000) {
  ExtentRecord r;
  r.refcount = 1;
  extent::ExtentLocation& loc = r.location;
  loc.id = id;
  loc.size = size;
  loc.base = base;
  loc.k = 2;
  loc.m = 1;
  loc.chunk_size = 65536;
  loc.stripes = 1;
  for (uint32_t d = 1; d <= 3; ++d) loc.fragments.push_back({d, 5, offset});
  loc.chunk_crcs = {1, 2, 3};
  return r;
}

class ExtentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = tessera::testing::OpenTestEnv(dir_.path());
    ASSERT_TRUE(env_);
  }
  std::vector<FragmentRef> Index() {
    std::vector<FragmentRef> out;
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    EXPECT_TRUE(ForEachFragment(*txn, std::nullopt, [&](const FragmentRef& ref) {
                  out.push_back(ref);
                  return Status::Ok();
                }).ok());
    return out;
  }

  tessera::testing::TempDir dir_;
  std::unique_ptr<Env> env_;
};

TEST_F(ExtentsTest, TheIndexFollowsEveryPutMoveAndDelete) {
  ExtentRecord a = Record(7, 0);
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(PutExtent(*txn, a, nullptr).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  std::vector<FragmentRef> index = Index();
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(index[0].drive, 1u);
  EXPECT_EQ(index[0].segment, 5u);
  EXPECT_EQ(index[0].extent_id, 7u);
  EXPECT_EQ(index[2].index, 2u);
  EXPECT_EQ(index[2].length, 65536u);
  // A refcount change leaves the index alone; a move rewrites it.
  ExtentRecord moved = a;
  moved.location.fragments[1] = {2, 9, 131072};
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(PutExtent(*txn, moved, &a).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  index = Index();
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(index[1].segment, 9u);
  EXPECT_EQ(index[1].offset, 131072u);
  {
    auto txn = env_->BeginWrite();
    auto got = GetExtent(*txn, 7);
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_EQ((*got)->location, moved.location);
    ASSERT_TRUE(DeleteExtent(*txn, moved).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_TRUE(Index().empty());
}

TEST_F(ExtentsTest, SharedStripesAreLiveOnceAndKeptApartByExtent) {
  // Two extents packed into the same stripe share every fragment range; a third sits after.
  ExtentRecord a = Record(1, 0, 0, 1000), b = Record(2, 0, 1000, 5000), c = Record(3, 65536);
  {
    auto txn = env_->BeginWrite();
    for (const ExtentRecord* r : {&a, &b, &c}) ASSERT_TRUE(PutExtent(*txn, *r, nullptr).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Index().size(), 9u);
  {
    auto txn = env_->BeginRead();
    auto live = LiveBytes(*txn);
    ASSERT_TRUE(live.ok());
    EXPECT_EQ(live->size(), 3u);  // drives 1-3, segment 5
    EXPECT_EQ((*live)[std::make_pair(1u, uint64_t{5})], 2u * 65536);
  }
  // Deleting one sharer keeps the other's entries.
  {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(DeleteExtent(*txn, a).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Index().size(), 6u);
  auto txn = env_->BeginRead();
  auto live = LiveBytes(*txn, std::make_pair(2u, uint64_t{5}));
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[std::make_pair(2u, uint64_t{5})], 2u * 65536);
}

TEST_F(ExtentsTest, StoreFormatIsStampedOnceAndOlderFormatsAreRefused) {
  ASSERT_TRUE(EnsureStoreFormat(*env_).ok());
  ASSERT_TRUE(EnsureStoreFormat(*env_).ok());
  // A directory without the stamp but with extents was written by format 1.
  tessera::testing::TempDir other;
  std::unique_ptr<Env> old = tessera::testing::OpenTestEnv(other.path());
  ASSERT_TRUE(old);
  tessera::testing::SeedStoreFormatOne(*old);
  Status refused = EnsureStoreFormat(*old);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("store format 1"), std::string::npos);
}

TEST_F(ExtentsTest, SegmentIdsAreNeverHandedOutTwice) {
  uint64_t first = 0, second = 0;
  {
    auto txn = env_->BeginWrite();
    auto a = ReserveSegmentIds(*txn, 64);
    auto b = ReserveSegmentIds(*txn, 64);
    ASSERT_TRUE(a.ok() && b.ok());
    first = *a;
    second = *b;
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(second, 65u);
  auto txn = env_->BeginWrite();
  auto c = ReserveSegmentIds(*txn, 1);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, 129u);
}

}  // namespace
}  // namespace tessera::meta
