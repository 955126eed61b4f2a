// Drive health and healing in the segment store: writes hand fragments off while drives
// are down and keep all k + m; the healer rebuilds what is lost, missing or corrupt and
// spreads handed-off fragments out again.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "backend/drive/segment_store.h"
#include "tests/drive/segment_fixture.h"

namespace tessera::drive::testing {
namespace {

// Distinct drives, and fragments per region (drive id / 3), of an extent.
struct Spread {
  size_t drives = 0;
  std::map<uint32_t, int> regions;
  bool lost = false;
};

Spread SpreadOf(const extent::ExtentLocation& loc) {
  Spread s;
  std::set<uint32_t> drives;
  for (const auto& f : loc.fragments) {
    if (f.drive == extent::kLostDrive) {
      s.lost = true;
      continue;
    }
    drives.insert(f.drive);
    ++s.regions[f.drive / 3];
  }
  s.drives = drives.size();
  return s;
}

bool FullySpread(const extent::ExtentLocation& loc) {
  Spread s = SpreadOf(loc);
  return !s.lost && s.drives == 9 && s.regions.size() == 3 && s.regions[0] == 3 &&
         s.regions[1] == 3 && s.regions[2] == 3;
}

TEST_F(SegmentStoreTest, ARegionDownWritesKeepAllFragmentsAndTheHealerSpreadsThemBack) {
  for (int d : {3, 4, 5}) faulty_[d]->SetOffline(true);
  store_->ProbeDrives();
  int down = 0;
  for (const DriveHealth& h : store_->Health()) down += !h.up;
  EXPECT_EQ(down, 3);

  std::vector<extent::ExtentLocation> ex = Put(2 * kStripe, 30, /*sized=*/true);
  ASSERT_EQ(ex.size(), 1u);
  Spread during = SpreadOf(ex[0]);
  EXPECT_FALSE(during.lost);
  EXPECT_EQ(during.drives, 6u);            // all nine fragments, on the six drives up
  EXPECT_EQ(during.regions.count(1), 0u);  // none on the region that is down
  EXPECT_EQ(store_->counters().degraded_writes, 1u);
  auto got = ReadRange(*store_, ex, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 30));

  // The region comes back: the healer moves the stacked fragments onto it.
  for (int d : {3, 4, 5}) faulty_[d]->SetOffline(false);
  store_->ProbeDrives();
  auto healed = store_->Heal();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 1u);
  EXPECT_EQ(healed->fragments, 3u);
  std::vector<extent::ExtentLocation> now = Current(ex);
  EXPECT_TRUE(FullySpread(now[0]));
  // Now any region may go.
  for (int d : {0, 1, 2}) faulty_[d]->SetOffline(true);
  got = ReadRange(*store_, now, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 30));
  // A second pass finds nothing to do.
  for (int d : {0, 1, 2}) faulty_[d]->SetOffline(false);
  store_->ProbeDrives();
  healed = store_->Heal();
  ASSERT_TRUE(healed.ok());
  EXPECT_EQ(healed->healed, 0u);
}

TEST_F(SegmentStoreTest, TooFewDrivesUpFailsWritesRetryably) {
  for (int d : {0, 1, 2, 3, 4}) faulty_[d]->SetOffline(true);  // 4 up < k
  store_->ProbeDrives();
  PatternSource body(kStripe, 31);
  EXPECT_EQ(store_->Write(body).status().code(), ErrorCode::kSlowDown);
  faulty_[0]->SetOffline(false);  // 5 up: still fewer than k
  store_->ProbeDrives();
  PatternSource again(kStripe, 31);
  EXPECT_EQ(store_->Write(again).status().code(), ErrorCode::kSlowDown);
  faulty_[1]->SetOffline(false);  // k up: nine fragments on six drives
  store_->ProbeDrives();
  std::vector<extent::ExtentLocation> ex = Put(kStripe, 31);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(SpreadOf(ex[0]).drives, 6u);
  EXPECT_FALSE(SpreadOf(ex[0]).lost);
}

TEST_F(SegmentStoreTest, AFragmentLostMidWriteIsRebuilt) {
  faulty_[2]->FailWritesAfter(1);  // the second chunk on drive 2 fails
  std::vector<extent::ExtentLocation> ex = Put(2 * kStripe, 32, /*sized=*/true);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_TRUE(SpreadOf(ex[0]).lost);
  faulty_[2]->ClearFaults();
  store_->ProbeDrives();
  auto healed = store_->Heal();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 1u);
  std::vector<extent::ExtentLocation> now = Current(ex);
  EXPECT_TRUE(FullySpread(now[0]));
  // Three drives down anywhere: still readable, as on the day it was written.
  for (int d : {2, 4, 8}) faulty_[d]->SetOffline(true);
  auto got = ReadRange(*store_, now, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 32));
}

TEST_F(SegmentStoreTest, AFlippedByteIsRepairedOnDiskAfterARead) {
  std::vector<extent::ExtentLocation> ex = Put(2 * kStripe, 33, /*sized=*/true);
  const extent::FragmentAddress f = ex[0].fragments[1];
  faulty_[f.drive]->FlipByte(f.segment, f.offset + kChunk + 5);
  auto got = ReadRange(*store_, ex, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(store_->counters().degraded_stripes, 1u);
  // The read told the healer; the pass rewrites that fragment and only that one.
  auto healed = store_->Heal();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 1u);
  EXPECT_EQ(healed->fragments, 1u);
  std::vector<extent::ExtentLocation> now = Current(ex);
  EXPECT_NE(now[0].fragments[1], f);
  for (size_t i = 0; i < now[0].fragments.size(); ++i) {
    if (i != 1) {
      EXPECT_EQ(now[0].fragments[i], ex[0].fragments[i]) << i;
    }
  }
  EXPECT_TRUE(FullySpread(now[0]));
  got = ReadRange(*store_, now, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 33));
  EXPECT_EQ(store_->counters().degraded_stripes, 1u);  // no parity needed any more
}

TEST_F(SegmentStoreTest, AReplacedEmptyDriveIsRefilled) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 6; ++i) objects.push_back(Put(kStripe + i * kChunk, 40 + i, true));
  // Drive 7 is replaced by an empty one: every segment it had is gone.
  auto segments = memory_[7]->ListSegments();
  ASSERT_TRUE(segments.ok());
  ASSERT_FALSE(segments->empty());
  for (uint64_t segment : *segments) ASSERT_TRUE(memory_[7]->RemoveSegment(segment).ok());
  store_->ProbeDrives();
  auto healed = store_->Heal();  // the first pass of a store scans everything
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 6u) << healed->examined << " examined, " << healed->failed << " failed";
  EXPECT_EQ(healed->failed, 0u);
  EXPECT_GT(memory_[7]->ListSegments()->size(), 0u);  // refilled in place
  for (int d : {6, 8, 0}) faulty_[d]->SetOffline(true);
  for (uint32_t i = 0; i < 6; ++i) {
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    EXPECT_TRUE(FullySpread(now[0])) << i;
    const uint64_t size = kStripe + i * kChunk;
    auto got = ReadRange(*store_, now, 0, size);
    ASSERT_TRUE(got.ok()) << i << ": " << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(size, 40 + i)) << i;
  }
}

TEST_F(SegmentStoreTest, ScrubFindsAFlippedByteNoReadSawAndTheHealerRepairsIt) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 3; ++i) objects.push_back(Put(2 * kStripe, 50 + i, true));
  const extent::FragmentAddress f = objects[1][0].fragments[7];  // a parity fragment
  faulty_[f.drive]->FlipByte(f.segment, f.offset + kChunk + 9);
  auto scrubbed = store_->Scrub(UINT64_MAX);
  ASSERT_TRUE(scrubbed.ok()) << scrubbed.status().ToString();
  EXPECT_EQ(scrubbed->extents, 3u);
  EXPECT_EQ(scrubbed->bad, 1u);
  EXPECT_TRUE(scrubbed->cycle_done);
  EXPECT_EQ(scrubbed->bytes, 3u * 9 * 2 * kChunk);
  auto healed = store_->Heal();
  ASSERT_TRUE(healed.ok());
  EXPECT_EQ(healed->healed, 1u);
  EXPECT_EQ(healed->fragments, 1u);
  EXPECT_NE(Current(objects[1])[0].fragments[7], f);
  scrubbed = store_->Scrub(UINT64_MAX);
  ASSERT_TRUE(scrubbed.ok());
  EXPECT_EQ(scrubbed->bad, 0u);
  // Three drives down after the repair: the object reads from what is left.
  for (int d : {0, 1, 2}) faulty_[d]->SetOffline(true);
  auto got = ReadRange(*store_, Current(objects[1]), 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 51));
}

TEST_F(SegmentStoreTest, ScrubResumesFromItsCursorAfterARestart) {
  for (uint32_t i = 0; i < 6; ++i) Put(kStripe, 60 + i, true);
  uint64_t checked = 0;
  auto step = store_->Scrub(1);  // the smallest budget still checks one extent
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->extents, 1u);
  EXPECT_FALSE(step->cycle_done);
  checked += step->extents;
  Reopen();
  for (int i = 0; i < 10; ++i) {
    step = store_->Scrub(1);
    ASSERT_TRUE(step.ok());
    checked += step->extents;
    if (step->cycle_done) break;
  }
  EXPECT_TRUE(step->cycle_done);
  EXPECT_EQ(checked, 6u);            // each once: the cycle went on where it stopped
  step = store_->Scrub(UINT64_MAX);  // and a new cycle starts from the beginning
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->extents, 6u);
}

TEST_F(SegmentStoreTest, AFailedDriveIsRebuiltAtOnceStaysFailedAndReturnsWhenTakenBack) {
  std::vector<extent::ExtentLocation> a = Put(2 * kStripe, 70, /*sized=*/true);
  std::vector<extent::ExtentLocation> b = Put(kStripe, 71, /*sized=*/true);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(store_->SetFailed(99, true).code(), ErrorCode::kInvalidArgument);

  // Failed, though the drive itself is fine: no probe brings it back, and although the
  // store waits heal_offline_after_ms (10 min) for an offline drive, a failed one's
  // fragments are rebuilt on the next pass.
  ASSERT_TRUE(store_->SetFailed(4, true).ok());
  store_->ProbeDrives();
  HealStatus status = store_->Healing();
  ASSERT_EQ(status.drives.size(), 9u);
  EXPECT_EQ(status.drives[4].status, DriveStatus::kFailed);
  EXPECT_FALSE(status.drives[4].up);
  EXPECT_EQ(status.drives[3].status, DriveStatus::kUp);
  auto healed = store_->Heal();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 2u);
  EXPECT_EQ(healed->fragments, 2u);
  EXPECT_EQ(healed->bytes, 3 * kChunk);  // one fragment of 2 stripes, one of 1
  for (const auto& loc : Current(a)) {
    for (const auto& f : loc.fragments) EXPECT_NE(f.drive, 4u);
  }
  status = store_->Healing();
  EXPECT_EQ(status.degraded_extents, 2u);  // on 8 drives: short of the profile's spread
  EXPECT_EQ(status.pending_extents, 0u);
  EXPECT_GE(status.last_scan_s, 0);

  // Across a restart it stays failed.
  Reopen();
  store_->ProbeDrives();
  EXPECT_EQ(store_->Healing().drives[4].status, DriveStatus::kFailed);
  std::vector<extent::ExtentLocation> c = Put(kStripe, 72, /*sized=*/true);
  ASSERT_EQ(c.size(), 1u);
  for (const auto& f : c[0].fragments) EXPECT_NE(f.drive, 4u);

  // Taken back (a replaced disk): the next probe brings it up as returning, and a heal pass
  // moves fragments home onto it, after which it is simply up.
  ASSERT_TRUE(store_->SetFailed(4, false).ok());
  EXPECT_EQ(store_->Healing().drives[4].status, DriveStatus::kOffline);
  store_->ProbeDrives();
  EXPECT_EQ(store_->Healing().drives[4].status, DriveStatus::kReturning);
  healed = store_->Heal();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_EQ(healed->healed, 3u);
  status = store_->Healing();
  EXPECT_EQ(status.drives[4].status, DriveStatus::kUp);
  EXPECT_EQ(status.degraded_extents, 0u);
  EXPECT_GT(status.heal_rate, 0u);
  for (const auto& ex : {a, b, c}) EXPECT_TRUE(FullySpread(Current(ex)[0]));
  Reopen();
  EXPECT_EQ(store_->Healing().drives[4].status, DriveStatus::kUp);
}

}  // namespace
}  // namespace tessera::drive::testing
