// Compaction of the segment store: live fragments move out of mostly-dead segments, dead
// segments go, readers and writers in flight keep what they use, crashes leak nothing.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/drive/segment_store.h"
#include "tests/drive/segment_fixture.h"

namespace tessera::drive::testing {
namespace {

TEST_F(SegmentStoreTest, DroppingEverythingThenCompactingFreesEverySegment) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 20; ++i) objects.push_back(Put(kStripe + i * 1000, i));
  EXPECT_GT(Segments(), 9u);
  for (const auto& ex : objects) Drop(ex);
  auto report = store_->Compact(0.5);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // Only the open segments stay (one per drive), and they are open, so not even those
  // hold anything that a pass could not take once sealed.
  auto space = store_->Space();
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->live_bytes, 0u);
  EXPECT_LE(Segments(), 9u);
  EXPECT_EQ(report->bytes_moved, 0u);
  EXPECT_GT(report->segments_removed, 0u);
  // After a restart nothing is open: a pass removes the rest.
  Reopen();
  ASSERT_TRUE(store_->Compact(0.5).ok());
  EXPECT_EQ(Segments(), 0u);
  EXPECT_EQ(StoredBytes(), 0u);
}

TEST_F(SegmentStoreTest, LiveFragmentsMoveOutOfMostlyDeadSegments) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 32; ++i) objects.push_back(Put(kStripe, i, /*sized=*/true));
  // Keep every fourth object.
  std::vector<uint32_t> kept;
  for (uint32_t i = 0; i < 32; ++i) {
    if (i % 4 == 0) {
      kept.push_back(i);
    } else {
      Drop(objects[i]);
    }
  }
  const uint64_t before = StoredBytes();
  Reopen();  // seals every segment
  auto report = store_->Compact(0.5);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->segments_compacted, 0u);
  EXPECT_EQ(report->bytes_moved, kept.size() * 9 * kChunk);
  EXPECT_LT(StoredBytes(), before / 3);
  auto space = store_->Space();
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->live_bytes, kept.size() * 9 * kChunk);
  EXPECT_EQ(space->segment_bytes, space->live_bytes);  // nothing dead is left
  for (uint32_t i : kept) {
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    EXPECT_NE(now[0].fragments, objects[i][0].fragments);  // moved
    auto got = ReadRange(*store_, now, 0, kStripe);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(kStripe, i));
  }
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
}

TEST_F(SegmentStoreTest, AReaderKeepsTheSegmentItLookedUpUntilItIsDone) {
  std::vector<extent::ExtentLocation> keep = Put(2 * kStripe, 1, /*sized=*/true);
  std::vector<extent::ExtentLocation> gone = Put(2 * kStripe, 2, /*sized=*/true);
  Drop(gone);
  Reopen();
  // The reader guards, looks up, and opens before compaction moves its extent.
  auto source = store_->Read(Current(keep), 0, 2 * kStripe);
  ASSERT_TRUE(source.ok());
  const size_t segments_before = Segments();
  auto report = store_->Compact(1.0);
  ASSERT_TRUE(report.ok());
  EXPECT_GT(report->segments_removed, 0u);
  EXPECT_EQ(Segments(), segments_before + 9);  // the old ones wait for the reader
  auto got = ReadAll(**source, 4096);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 1));
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
  source->reset();
  EXPECT_EQ(Segments(), 9u);  // the reader left: the old segments went
  auto again = ReadRange(*store_, Current(keep), 0, 2 * kStripe);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == Pattern(2 * kStripe, 1));
}

TEST_F(SegmentStoreTest, AnUncommittedWriteIsSafeUntilItsHoldIsDropped) {
  PatternSource body(kStripe, 3);
  auto written = store_->Write(body);
  ASSERT_TRUE(written.ok());
  // Not yet committed: a pass must not take its segments, open or not.
  std::vector<extent::ExtentLocation> other = Put(kStripe, 4);
  ASSERT_TRUE(store_->Compact(1.0).ok());
  ASSERT_TRUE(Commit(written->extents).ok());
  written->hold.reset();
  auto got = ReadRange(*store_, Current(written->extents), 0, kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(kStripe, 3));
  // Abandoned (never committed): the next pass after sealing reclaims it.
  PatternSource dropped(kStripe, 5);
  auto abandoned = store_->Write(dropped);
  ASSERT_TRUE(abandoned.ok());
  abandoned->hold.reset();
  Drop(other);
  Drop(written->extents);
  Reopen();
  ASSERT_TRUE(store_->Compact(0.5).ok());
  EXPECT_EQ(Segments(), 0u);
}

TEST_F(SegmentStoreTest, ACrashBeforeTheRepointLeavesTheOldCopyInUse) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 8; ++i) objects.push_back(Put(kStripe, 20 + i, /*sized=*/true));
  for (uint32_t i = 1; i < 8; ++i) Drop(objects[i]);
  Reopen();
  // Syncs fail on one drive: the copies are never repointed to, the pass fails.
  faulty_[0]->FailSyncs(true);
  EXPECT_FALSE(store_->Compact(1.0).ok());
  faulty_[0]->ClearFaults();
  for (auto& m : memory_) m->Crash();
  Reopen();
  auto got = ReadRange(*store_, Current(objects[0]), 0, kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(kStripe, 20));
  // The next pass finishes the job and leaves only live bytes.
  ASSERT_TRUE(store_->Compact(1.0).ok());
  auto space = store_->Space();
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->segment_bytes, space->live_bytes);
  EXPECT_EQ(space->live_bytes, 9 * kChunk);
  got = ReadRange(*store_, Current(objects[0]), 0, kStripe);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(kStripe, 20));
}

TEST_F(SegmentStoreTest, RepeatedCrashesMidWriteNeverLeakSpace) {
  std::vector<extent::ExtentLocation> kept = Put(kStripe, 30);
  for (int round = 0; round < 5; ++round) {
    // Writes in flight when the power goes: some synced, none committed.
    PatternSource a(3 * kStripe, 31 + round);
    ASSERT_TRUE(store_->Write(a).ok());
    PatternSource b(3 * kStripe, 40 + round, 2 * kStripe);
    EXPECT_FALSE(store_->Write(b).ok());
    for (auto& m : memory_) m->Crash(/*keep_unsynced=*/kChunk / 2);
    Reopen();
    ASSERT_TRUE(store_->Compact(0.5).ok());
  }
  ASSERT_TRUE(store_->Compact(1.0).ok());
  auto space = store_->Space();
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->live_bytes, 9 * kChunk);
  EXPECT_EQ(space->segment_bytes, 9 * kChunk);
  auto got = ReadRange(*store_, Current(kept), 0, kStripe);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(kStripe, 30));
}

TEST_F(SegmentStoreTest, AnUnreachableDriveDoesNotStopThePassForTheOthers) {
  std::vector<extent::ExtentLocation> ex = Put(kStripe, 60);
  Drop(ex);
  Reopen();
  faulty_[0]->SetOffline(true);
  auto report = store_->Compact(0.5);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->segments_removed, 8u);
  faulty_[0]->ClearFaults();
  ASSERT_TRUE(store_->Compact(0.5).ok());
  EXPECT_EQ(Segments(), 0u);
}

TEST_F(SegmentStoreTest, AFailedSyncRetiresTheOpenSegment) {
  std::vector<extent::ExtentLocation> before = Put(kStripe, 61);
  faulty_[4]->FailSyncs(true);
  PatternSource body(kStripe, 62);
  auto written = store_->Write(body);
  // The write stands on the other eight fragments; drive 4's is recorded as lost.
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  size_t lost = 0;
  for (const auto& f : written->extents[0].fragments) lost += f.drive == extent::kLostDrive;
  EXPECT_EQ(lost, 1u);
  faulty_[4]->ClearFaults();
  store_->ProbeDrives();
  // The next write on that drive goes to a fresh segment, never into the one whose sync
  // failed (whose unsynced bytes the kernel may have dropped).
  std::vector<extent::ExtentLocation> after = Put(kStripe, 63);
  auto on_drive = [](const extent::ExtentLocation& e, uint32_t drive) {
    for (const auto& f : e.fragments) {
      if (f.drive == drive) return f.segment;
    }
    return uint64_t{0};
  };
  EXPECT_NE(on_drive(after[0], 4), on_drive(before[0], 4));
  auto got = ReadRange(*store_, Current(after), 0, kStripe);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(kStripe, 63));
}

TEST_F(SegmentStoreTest, AnIdleStoreGivesBackWhatWasDeletedWithoutARestart) {
  SegmentStoreOptions options = SmallOptions();
  options.compact_interval_ms = 20;
  Reopen(options);
  std::vector<extent::ExtentLocation> ex = Put(kStripe, 64);
  Drop(ex);
  WaitForSegments(0);
  EXPECT_EQ(Segments(), 0u);
}

TEST_F(SegmentStoreTest, BackgroundPassesReclaimWithoutBeingAsked) {
  SegmentStoreOptions options = SmallOptions();
  options.compact_interval_ms = 20;
  Reopen(options);
  std::vector<extent::ExtentLocation> ex = Put(kStripe, 50);
  Drop(ex);
  Reopen(options);  // seals; the first pass runs on its own
  WaitForSegments(0);
  EXPECT_EQ(Segments(), 0u);
}

}  // namespace
}  // namespace tessera::drive::testing
