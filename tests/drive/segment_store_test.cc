#include "backend/drive/segment_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/drive/local_drive.h"
#include "tests/drive/segment_fixture.h"

namespace tessera::drive::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(SegmentStoreTest, RoundTripsAllSizes) {
  const uint64_t sizes[] = {0,           1,           kChunk - 1,         kStripe,
                            kStripe + 1, 2 * kStripe, 5 * kStripe + 12345};
  const size_t expected_extents[] = {0, 1, 1, 1, 1, 1, 3};
  for (size_t t = 0; t < std::size(sizes); ++t) {
    SCOPED_TRACE(sizes[t]);
    std::vector<extent::ExtentLocation> ex = Put(sizes[t], static_cast<uint32_t>(t));
    ASSERT_EQ(ex.size(), expected_extents[t]);
    uint64_t total = 0;
    for (const auto& e : ex) {
      EXPECT_TRUE(e.Validate().ok());
      EXPECT_EQ(e.k, 6);
      EXPECT_EQ(e.m, 3);
      EXPECT_EQ(e.chunk_size, kChunk);
      EXPECT_LE(e.size, store_->extent_bytes());
      std::set<uint32_t> drives;
      for (const auto& f : e.fragments) {
        drives.insert(f.drive);
        EXPECT_EQ(f.offset % kWriteUnit, 0u);
      }
      EXPECT_EQ(drives.size(), 9u);
      total += e.size;
    }
    EXPECT_EQ(total, sizes[t]);
    auto back = ReadRange(*store_, ex, 0, sizes[t], 65536 + 3);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == Pattern(sizes[t], static_cast<uint32_t>(t)));
  }
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
}

TEST_F(SegmentStoreTest, ManyExtentsShareSegmentsInsteadOfAFileEach) {
  for (uint32_t i = 0; i < 40; ++i) Put(kStripe / 2, i, /*sized=*/true);
  // 40 extents x 9 fragments of one chunk, 16 chunks per segment: 3 segments per drive.
  EXPECT_EQ(Segments(), 27u);
  // Stripe padding is all the space costs: 9 chunks per extent.
  EXPECT_EQ(StoredBytes(), 40u * 9 * kChunk);
  StoreCounters c = store_->counters();
  EXPECT_EQ(c.user_bytes, 40u * kStripe / 2);
  EXPECT_EQ(c.segment_bytes, 40u * 9 * kChunk);
}

TEST_F(SegmentStoreTest, KnownLengthBodiesGetOneContiguousRangePerFragment) {
  const uint64_t size = 2 * kStripe;  // the largest extent of SmallOptions
  std::vector<extent::ExtentLocation> ex = Put(size, 3, /*sized=*/true);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].stripes, 2u);
  EXPECT_EQ(ex[0].fragment_bytes(), 2 * kChunk);
  // Bodies longer than the largest extent continue in new extents.
  std::vector<extent::ExtentLocation> more = Put(5 * kStripe + 1, 4, /*sized=*/true);
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(more[2].size, kStripe + 1);
  auto back = ReadRange(*store_, more, 0, 5 * kStripe + 1);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == Pattern(5 * kStripe + 1, 4));
}

TEST_F(SegmentStoreTest, ExtentsThatStartInsideTheirStripesReadFromThere) {
  // Describes parts of a written extent the way packed extents are described: a base within
  // the first stripe, and fragment ranges that start at a later stripe.
  std::vector<extent::ExtentLocation> whole = Put(2 * kStripe, 17, /*sized=*/true);
  ASSERT_EQ(whole.size(), 1u);
  const std::string all = Pattern(2 * kStripe, 17);
  extent::ExtentLocation middle = whole[0];
  middle.base = kStripe / 2 + 3;
  middle.size = kStripe;  // ends inside the second stripe
  ASSERT_TRUE(middle.Validate().ok());
  auto got = ReadRange(*store_, {middle}, 0, middle.size, 5000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == all.substr(middle.base, middle.size));
  extent::ExtentLocation second = whole[0];
  second.stripes = 1;
  second.base = 100;
  second.size = 1000;
  second.chunk_crcs.clear();
  for (size_t i = 0; i < second.fragments.size(); ++i) {
    second.fragments[i].offset += kChunk;
    second.chunk_crcs.push_back(whole[0].ChunkCrc(i, 1));
  }
  ASSERT_TRUE(second.Validate().ok());
  got = ReadRange(*store_, {second, middle}, 0, 1000 + kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == all.substr(kStripe + 100, 1000) + all.substr(middle.base, middle.size));
  // A base past the first stripe is not a location.
  second.base = kStripe;
  EXPECT_FALSE(second.Validate().ok());
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
}

TEST_F(SegmentStoreTest, RangedReadsAtOddOffsets) {
  const uint64_t size = 5 * kStripe + 999;
  std::vector<extent::ExtentLocation> ex = Put(size, 5);
  const std::string all = Pattern(size, 5);
  const uint64_t cases[][2] = {
      {0, 1},        {1, kChunk}, {kStripe - 1, 2}, {kStripe, 1}, {2 * kStripe - 7, kStripe + 14},
      {size - 1, 1}, {size, 0},   {123, size - 123}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c[0]) + "+" + std::to_string(c[1]));
    auto got = ReadRange(*store_, ex, c[0], c[1], 4099);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == all.substr(c[0], c[1]));
  }
  EXPECT_EQ(store_->Read(ex, size, 1).status().code(), ErrorCode::kInvalidRange);
}

TEST_F(SegmentStoreTest, HealthyReadsNeedNoParityDrive) {
  std::vector<extent::ExtentLocation> ex = Put(3 * kStripe, 6);
  ASSERT_EQ(ex.size(), 2u);
  // The parity drives of the first extent unreachable: a healthy read never notices.
  for (int i = 6; i < 9; ++i) faulty_[ex[0].fragments[i].drive]->SetOffline(true);
  auto got = ReadRange(*store_, {ex[0]}, 0, ex[0].size);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(3 * kStripe, 6).substr(0, ex[0].size));
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
}

// A range inside one stripe reads only the data chunks it covers: the other data drives
// may be unreachable without the read noticing; a bad chunk of its own is still rebuilt.
TEST_F(SegmentStoreTest, RangesInsideAStripeReadOnlyTheirChunks) {
  std::vector<extent::ExtentLocation> ex = Put(2 * kStripe, 9);
  ASSERT_EQ(ex.size(), 1u);
  const std::string all = Pattern(2 * kStripe, 9);
  // Chunks 2 and 3 of the second stripe: every other data drive offline.
  for (int i = 0; i < 6; ++i) {
    if (i != 2 && i != 3) faulty_[ex[0].fragments[i].drive]->SetOffline(true);
  }
  const uint64_t from = kStripe + 2 * kChunk + 10;
  auto got = ReadRange(*store_, ex, from, kChunk + 5, 1000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == all.substr(from, kChunk + 5));
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
  for (int i = 0; i < 9; ++i) faulty_[ex[0].fragments[i].drive]->SetOffline(false);

  // A flipped byte inside the range: the whole stripe is read and the chunk rebuilt.
  const extent::FragmentAddress& f = ex[0].fragments[3];
  faulty_[f.drive]->FlipByte(f.segment, f.offset + kChunk + 7);
  got = ReadRange(*store_, ex, from, kChunk + 5, 1000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == all.substr(from, kChunk + 5));
  EXPECT_EQ(store_->counters().degraded_stripes, 1u);
  // A range that goes on into the next stripe after a partial one reads right too.
  got = ReadRange(*store_, ex, kStripe - 10, 20);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == all.substr(kStripe - 10, 20));
}

TEST_F(SegmentStoreTest, SurvivesEveryPatternOfUpToThreeLostDrives) {
  const uint64_t size = 2 * kStripe - 5;
  std::vector<extent::ExtentLocation> ex = Put(size, 7);
  const std::string want = Pattern(size, 7);
  int patterns = 0;
  for (uint32_t mask = 0; mask < (1u << 9); ++mask) {
    const int lost = __builtin_popcount(mask);
    if (lost > 4) continue;
    for (uint32_t d = 0; d < 9; ++d) faulty_[d]->SetOffline(mask & (1u << d));
    auto got = ReadRange(*store_, ex, 0, size);
    if (lost <= 3) {
      ASSERT_TRUE(got.ok()) << "mask " << mask << ": " << got.status().ToString();
      ASSERT_TRUE(*got == want) << "mask " << mask;
      ++patterns;
    } else {
      ASSERT_EQ(got.status().code(), ErrorCode::kDataLoss) << "mask " << mask;
    }
  }
  EXPECT_EQ(patterns, 1 + 9 + 36 + 84);
}

TEST_F(SegmentStoreTest, FlippedByteIsDetectedAndRebuilt) {
  std::vector<extent::ExtentLocation> ex = Put(kStripe, 8);
  ASSERT_EQ(ex.size(), 1u);
  const extent::FragmentAddress& f = ex[0].fragments[2];  // a data fragment
  faulty_[f.drive]->FlipByte(f.segment, f.offset + 100);
  auto got = ReadRange(*store_, ex, 0, kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(kStripe, 8));
  EXPECT_EQ(store_->counters().degraded_stripes, 1u);
}

// With narrow stripes a read loads several stripes per batch (one read per fragment):
// chunks lost anywhere in a batch are rebuilt stripe by stripe, and ranges that start and
// end inside a batch read right.
TEST_F(SegmentStoreTest, BatchesOfNarrowStripesRebuildWhatTheyLose) {
  SegmentStoreOptions options = SmallOptions();
  options.profile.k = 2;
  options.profile.m = 2;
  options.profile.max_per_region = 2;
  options.profile.max_extent_bytes = 64 * kChunk;
  Reopen(options);
  const uint64_t stripe = 2 * kChunk;
  const uint64_t size = 20 * stripe;
  std::vector<extent::ExtentLocation> ex = Put(size, 21, /*sized=*/true);
  ASSERT_EQ(ex.size(), 1u);
  ASSERT_EQ(ex[0].k, 2);
  const std::string want = Pattern(size, 21);
  for (uint64_t at : {uint64_t{0}, uint64_t{7}, 3 * stripe + 11, 9 * stripe - 1}) {
    for (uint64_t n : {uint64_t{1}, kChunk + 3, 5 * stripe, size - at}) {
      if (at + n > size) continue;
      auto got = ReadRange(*store_, ex, at, n);
      ASSERT_TRUE(got.ok()) << at << "+" << n << ": " << got.status().ToString();
      ASSERT_TRUE(*got == want.substr(at, n)) << at << "+" << n;
    }
  }
  // Data fragment 0 loses chunk 5 to a flipped byte; fragment 1 loses chunks 9 and 10.
  const extent::FragmentAddress& a = ex[0].fragments[0];
  const extent::FragmentAddress& b = ex[0].fragments[1];
  faulty_[a.drive]->FlipByte(a.segment, a.offset + 5 * kChunk + 3);
  faulty_[b.drive]->FlipByte(b.segment, b.offset + 9 * kChunk);
  faulty_[b.drive]->FlipByte(b.segment, b.offset + 10 * kChunk + kChunk - 1);
  auto got = ReadRange(*store_, ex, 0, size);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == want);
  EXPECT_EQ(store_->counters().degraded_stripes, 3u);
  // Both data drives gone: every stripe comes from parity alone.
  faulty_[a.drive]->SetOffline(true);
  faulty_[b.drive]->SetOffline(true);
  got = ReadRange(*store_, ex, stripe + 1, size - stripe - 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == want.substr(stripe + 1));
}

TEST_F(SegmentStoreTest, TornOrMissingSegmentsAreRebuilt) {
  std::vector<extent::ExtentLocation> ex = Put(2 * kStripe, 9, /*sized=*/true);
  ASSERT_EQ(ex.size(), 1u);
  const extent::FragmentAddress& a = ex[0].fragments[0];
  const extent::FragmentAddress& b = ex[0].fragments[4];
  faulty_[a.drive]->Tear(a.segment, a.offset + kChunk + 10);  // second chunk cut short
  ASSERT_TRUE(memory_[b.drive]->RemoveSegment(b.segment).ok());
  auto got = ReadRange(*store_, ex, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 9));
}

TEST_F(SegmentStoreTest, FailingBodyOrDrivesFailTheWriteAndLeaveOnlyDeadBytes) {
  PatternSource failing(5 * kStripe, 10, 3 * kStripe + 17);
  EXPECT_EQ(store_->Write(failing).status().code(), ErrorCode::kPayloadHashMismatch);
  // A write keeps k + 1 fragments at least: m failing drives fail it, retryably.
  for (int d : {4, 5, 6}) faulty_[d]->FailWritesAfter(1);
  PatternSource body(3 * kStripe, 11);
  EXPECT_EQ(store_->Write(body).status().code(), ErrorCode::kSlowDown);
  for (int d : {4, 5, 6}) faulty_[d]->ClearFaults();
  store_->ProbeDrives();
  for (int d : {7, 8, 0}) faulty_[d]->FailSyncs(true);
  PatternSource synced(kStripe, 12);
  EXPECT_EQ(store_->Write(synced).status().code(), ErrorCode::kSlowDown);
  for (int d : {7, 8, 0}) faulty_[d]->ClearFaults();
  store_->ProbeDrives();
  // Nothing was committed, so one pass removes every byte those writes left.
  EXPECT_GT(StoredBytes(), 0u);
  auto report = store_->Compact(1.0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(Segments(), 0u);
  EXPECT_EQ(StoredBytes(), 0u);
}

TEST_F(SegmentStoreTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  bool ok[8] = {};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t size = (t + 1) * kStripe / 3 + t;
      for (int round = 0; round < 3; ++round) {
        PatternSource body(size, 100 + t * 10 + round, UINT64_MAX, t % 2 == 0);
        auto written = store_->Write(body);
        if (!written.ok()) return;
        auto got = ReadRange(*store_, written->extents, 0, size);
        if (!got.ok() || *got != Pattern(size, 100 + t * 10 + round)) return;
      }
      ok[t] = true;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_TRUE(ok[t]) << t;
}

TEST_F(SegmentStoreTest, AcknowledgedWritesSurvivePowerLoss) {
  std::vector<extent::ExtentLocation> ex = Put(3 * kStripe + 5, 13);
  for (auto& m : memory_) m->Crash(/*keep_unsynced=*/kChunk);  // a torn tail where there is one
  Reopen();
  auto got = ReadRange(*store_, Current(ex), 0, 3 * kStripe + 5);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(3 * kStripe + 5, 13));
  EXPECT_EQ(store_->counters().degraded_stripes, 0u);
  // After the restart, writes go to new segments: ids are never reused.
  std::set<std::pair<uint32_t, uint64_t>> before;
  for (const auto& e : ex) {
    for (const auto& f : e.fragments) before.insert({f.drive, f.segment});
  }
  for (const auto& e : Put(kStripe, 14)) {
    for (const auto& f : e.fragments) EXPECT_EQ(before.count({f.drive, f.segment}), 0u);
  }
}

TEST_F(SegmentStoreTest, RejectsBadConfigurations) {
  std::vector<PlacedDrive> six;
  for (uint32_t id = 0; id < 6; ++id) {
    six.push_back({"r" + std::to_string(id % 3), std::make_shared<MemoryDrive>(id)});
  }
  EXPECT_EQ(SegmentStore::Create(env_, six).status().code(), ErrorCode::kInvalidArgument);
  SegmentStoreOptions rs42;
  rs42.profile.k = 4;
  rs42.profile.m = 2;
  rs42.profile.max_per_region = 2;
  rs42.compact_interval_ms = 0;
  EXPECT_TRUE(SegmentStore::Create(env_, six, rs42).ok());
  SegmentStoreOptions odd = rs42;
  odd.profile.chunk_size = 4096;
  EXPECT_EQ(SegmentStore::Create(env_, six, odd).status().code(), ErrorCode::kInvalidArgument);
  std::vector<PlacedDrive> dup = six;
  dup.push_back({"r9", std::make_shared<MemoryDrive>(0)});
  EXPECT_EQ(SegmentStore::Create(env_, dup, rs42).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SegmentStore::Create(nullptr, six, rs42).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SegmentStoreTest, MetadataOfStoreFormatOneIsRefused) {
  tessera::testing::TempDir other;
  std::unique_ptr<meta::Env> env = tessera::testing::OpenTestEnv(other.path());
  ASSERT_TRUE(env);
  tessera::testing::SeedStoreFormatOne(*env);
  std::vector<PlacedDrive> drives;
  for (uint32_t id = 0; id < 9; ++id) {
    drives.push_back({"r" + std::to_string(id / 3), std::make_shared<MemoryDrive>(id)});
  }
  auto opened =
      SegmentStore::Create(std::shared_ptr<meta::Env>(std::move(env)), drives, SmallOptions());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("store format 1"), std::string::npos)
      << opened.status().message();
}

// The embedded layout: nine directories in three regions.
std::vector<DriveSpec> LocalSpecs(const std::string& root) {
  std::vector<DriveSpec> specs;
  for (uint32_t id = 0; id < 9; ++id) {
    specs.push_back({id, "region" + std::to_string(id / 3), root + "/d" + std::to_string(id)});
  }
  return specs;
}

TEST_F(SegmentStoreTest, LocalDrivesSurviveLosingAWholeRegion) {
  tessera::testing::TempDir dir;
  const uint64_t size = 5 * kStripe + 4321;
  std::vector<extent::ExtentLocation> ex;
  {
    auto local = SegmentStore::Open(env_, LocalSpecs(dir.path()), SmallOptions());
    ASSERT_TRUE(local.ok()) << local.status().ToString();
    PatternSource body(size, 15);
    auto written = (*local)->Write(body);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    ex = written->extents;
  }
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 9u);  // one segment per drive, whatever the number of extents

  for (int d = 3; d < 6; ++d) fs::remove_all(dir.path() + "/d" + std::to_string(d));
  auto local = SegmentStore::Open(env_, LocalSpecs(dir.path()), SmallOptions());
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto got = ReadRange(**local, ex, 0, size);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(size, 15));
  // Every full stripe lost chunks; the last stripe holds 4321 bytes, all in chunk 0, and is
  // degraded only when that chunk was in the lost region.
  const uint32_t tail_drive = ex.back().fragments[0].drive;
  EXPECT_EQ((*local)->counters().degraded_stripes, tail_drive >= 3 && tail_drive < 6 ? 6u : 5u);
  // One more lost drive outside that region is past m for some stripe.
  local->reset();
  fs::remove_all(dir.path() + "/d0");
  local = SegmentStore::Open(env_, LocalSpecs(dir.path()), SmallOptions());
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(ReadRange(**local, ex, 0, size).status().code(), ErrorCode::kDataLoss);
}

TEST_F(SegmentStoreTest, CapacityGrowthAndProjectedFullComeFromHourlySamples) {
  tessera::testing::TempDir dir;
  auto local = SegmentStore::Open(env_, LocalSpecs(dir.path()), SmallOptions());
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  SegmentStore& store = **local;
  PatternSource first(4 * kStripe, 81);
  ASSERT_TRUE(store.Write(first).ok());
  const int64_t t0 = 1800000000;
  ASSERT_TRUE(store.SampleCapacity(t0).ok());
  auto c = store.Capacity(t0 + 1800);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const uint64_t used0 = c->used_bytes;
  EXPECT_GT(used0, 0u);
  EXPECT_GT(c->raw_bytes, 0u);  // nine drives on one file system: counted once
  EXPECT_EQ(c->usable_bytes, c->raw_bytes / 9 * 6);
  EXPECT_EQ(c->window_s, 0);  // less than an hour of history: no growth yet
  EXPECT_EQ(c->growth_bytes_per_day, 0);
  EXPECT_EQ(c->full_unix_s, 0);

  PatternSource more(8 * kStripe, 82);
  ASSERT_TRUE(store.Write(more).ok());
  ASSERT_TRUE(store.SampleCapacity(t0 + 1800).ok());  // within the hour: not kept
  c = store.Capacity(t0 + 86400);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->window_s, 86400);  // from the first sample
  EXPECT_GT(c->used_bytes, used0);
  EXPECT_DOUBLE_EQ(c->growth_bytes_per_day, static_cast<double>(c->used_bytes - used0));
  const double days = static_cast<double>(c->raw_free_bytes) / c->growth_bytes_per_day;
  EXPECT_NEAR(static_cast<double>(c->full_unix_s), t0 + 86400 + days * 86400, 2);
}

TEST_F(SegmentStoreTest, LocalDirectIoRoundTrips) {
  tessera::testing::TempDir dir;
  SegmentStoreOptions options = SmallOptions();
  options.direct_io = true;
  auto local = SegmentStore::Open(env_, LocalSpecs(dir.path()), options);
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  PatternSource body(3 * kStripe + 77, 16);
  auto written = (*local)->Write(body);
  if (!written.ok() && written.status().message().find("O_DIRECT") != std::string::npos) {
    GTEST_SKIP() << "this filesystem refuses O_DIRECT: " << written.status().message();
  }
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto got = ReadRange(**local, written->extents, 0, 3 * kStripe + 77);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(3 * kStripe + 77, 16));
  // Ranged reads start and end inside batches and stripes.
  for (uint64_t at : {uint64_t{1}, kChunk - 1, kStripe + 5, 2 * kStripe - kChunk}) {
    auto part = ReadRange(**local, written->extents, at, kStripe);
    ASSERT_TRUE(part.ok()) << at << ": " << part.status().ToString();
    EXPECT_TRUE(*part == Pattern(3 * kStripe + 77, 16).substr(at, kStripe)) << at;
  }

  // A flipped byte on disk in a data fragment, read directly (no page cache to hide it), is
  // caught by its checksum and rebuilt from parity.
  const extent::ExtentLocation& loc = written->extents.front();
  ASSERT_FALSE(loc.buffered());
  const extent::FragmentAddress& at = loc.fragments[1];
  const std::string file =
      dir.path() + "/d" + std::to_string(at.drive) + "/segments/" + SegmentFileName(at.segment);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << file;
    f.seekp(static_cast<std::streamoff>(at.offset + kChunk + 100));
    f.put('\x7f' ^ Pattern(3 * kStripe + 77, 16)[kStripe + kChunk + 100]);
  }
  got = ReadRange(**local, written->extents, 0, 3 * kStripe + 77);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(3 * kStripe + 77, 16));
  EXPECT_EQ((*local)->counters().degraded_stripes, 1u);
}

}  // namespace
}  // namespace tessera::drive::testing
