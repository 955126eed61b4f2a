// The write buffer and the destager: small writes and tails of large ones are replicated
// to buffer logs, then packed into shared stripes; compaction moves shared ranges once.

#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "backend/drive/segment_store.h"
#include "tests/drive/segment_fixture.h"

namespace tessera::drive::testing {
namespace {

class WriteBufferTest : public SegmentStoreTest {
 protected:
  void SetUp() override {
    SegmentStoreTest::SetUp();
    with_buffer_ = true;
    Reopen();
  }
};

TEST_F(WriteBufferTest, SmallWritesAreReplicatedToTheBufferNotStriped) {
  std::vector<extent::ExtentLocation> ex = Put(5000, 1);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_TRUE(ex[0].buffered());
  ASSERT_EQ(ex[0].fragments.size(), 3u);  // m + 1 = 4 copies wanted, 3 regions hold one each
  std::set<uint32_t> devices;
  for (const auto& f : ex[0].fragments) {
    devices.insert(f.drive);
    EXPECT_EQ(f.offset % 4096, 0u);
  }
  EXPECT_EQ(devices.size(), 3u);
  EXPECT_EQ(StoredBytes(), 0u);
  EXPECT_EQ(BufferedBytes(), 3u * 8192);
  EXPECT_EQ(store_->counters().buffer_bytes, 3u * 8192);
  auto got = ReadRange(*store_, ex, 0, 5000, 333);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(5000, 1));
  got = ReadRange(*store_, ex, 4000, 999);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(5000, 1).substr(4000, 999));
}

TEST_F(WriteBufferTest, TheTailOfALargeBodyIsBuffered) {
  const uint64_t size = 2 * kStripe + 12345;
  std::vector<extent::ExtentLocation> ex = Put(size, 2, /*sized=*/true);
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_FALSE(ex[0].buffered());
  EXPECT_EQ(ex[0].size, 2 * kStripe);
  EXPECT_TRUE(ex[1].buffered());
  EXPECT_EQ(ex[1].size, 12345u);
  auto got = ReadRange(*store_, ex, 0, size);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(size, 2));
}

TEST_F(WriteBufferTest, AnyOneCopyIsEnough) {
  std::vector<extent::ExtentLocation> ex = Put(10000, 3);
  const extent::FragmentAddress& first = ex[0].fragments[0];
  buffer_faulty_[first.drive - kBufferId]->FlipByte(first.segment, first.offset + 7);
  buffer_faulty_[ex[0].fragments[1].drive - kBufferId]->SetOffline(true);
  auto got = ReadRange(*store_, ex, 0, 10000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(10000, 3));
  EXPECT_EQ(store_->counters().degraded_stripes, 1u);
  buffer_faulty_[ex[0].fragments[2].drive - kBufferId]->SetOffline(true);
  EXPECT_EQ(ReadRange(*store_, ex, 0, 10000).status().code(), ErrorCode::kDataLoss);
}

TEST_F(WriteBufferTest, DestagingPacksSmallExtentsIntoSharedStripes) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 60; ++i) objects.push_back(Put(10000 + i, 10 + i));
  Drop(objects[7]);  // deleted before destaging: skipped
  auto report = store_->Destage(/*all=*/false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // 59 x ~10 KB is 1.5 stripes: one pass packs them all, the second stripe padded.
  EXPECT_EQ(report->extents, 59u);
  for (uint32_t i = 0; i < 60; ++i) {
    if (i == 7) continue;
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    ASSERT_FALSE(now[0].buffered()) << i;
    EXPECT_LE(now[0].stripes, 2u);
    auto got = ReadRange(*store_, now, 0, 10000 + i);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == Pattern(10000 + i, 10 + i)) << i;
  }
  EXPECT_EQ(StoredBytes(), 2u * 9 * kChunk);  // two shared stripes for all of them
  // The buffer logs hold nothing live now: once sealed, a pass removes them.
  Reopen();
  ASSERT_TRUE(store_->Compact(0.5).ok());
  EXPECT_EQ(BufferedBytes(), 0u);
}

TEST_F(WriteBufferTest, WithoutAFullStripeOnlyAnIdlePassDestages) {
  std::vector<extent::ExtentLocation> ex = Put(50000, 4);
  auto report = store_->Destage(/*all=*/false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->extents, 0u);
  report = store_->Destage(/*all=*/true);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->extents, 1u);
  auto got = ReadRange(*store_, Current(ex), 0, 50000);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == Pattern(50000, 4));
}

TEST_F(WriteBufferTest, AFailedDestageLeavesEverythingBuffered) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 10; ++i) objects.push_back(Put(50000, 20 + i));
  for (int d : {4, 5, 6}) faulty_[d]->FailSyncs(true);  // past m - 1 drives: no stripe
  EXPECT_FALSE(store_->Destage(/*all=*/true).ok());
  for (int d : {4, 5, 6}) faulty_[d]->ClearFaults();
  store_->ProbeDrives();
  for (auto& m : memory_) m->Crash();
  for (uint32_t i = 0; i < 10; ++i) {
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    EXPECT_TRUE(now[0].buffered());
    auto got = ReadRange(*store_, now, 0, 50000);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(*got == Pattern(50000, 20 + i));
  }
  Reopen();
  auto report = store_->Destage(/*all=*/true);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->extents, 10u);
}

TEST_F(WriteBufferTest, CompactionMovesSharedStripesOnceForAllTheirExtents) {
  // A whole stripe that dies, beside one shared stripe of 40 small extents, half of which live.
  std::vector<extent::ExtentLocation> large = Put(kStripe, 39, /*sized=*/true);
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 40; ++i) objects.push_back(Put(9000, 40 + i));
  ASSERT_TRUE(store_->Destage(/*all=*/true).ok());
  EXPECT_EQ(StoredBytes(), 2u * 9 * kChunk);
  Drop(large);
  for (uint32_t i = 0; i < 40; i += 2) Drop(objects[i]);
  Reopen();
  auto report = store_->Compact(1.0);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->bytes_moved, 9u * kChunk);  // the shared stripe, once per drive
  EXPECT_EQ(StoredBytes(), 9u * kChunk);
  for (uint32_t i = 1; i < 40; i += 2) {
    auto got = ReadRange(*store_, Current(objects[i]), 0, 9000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == Pattern(9000, 40 + i)) << i;
  }
}

TEST_F(WriteBufferTest, CompactionRepacksMostlyDeadSharedStripesIntoFewer) {
  // Two shared stripes of 80 small extents; three in four die, spread over both, so every
  // stripe still holds live bytes and no range of either is dead.
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 80; ++i) objects.push_back(Put(9000, 100 + i));
  ASSERT_TRUE(store_->Destage(/*all=*/true).ok());
  EXPECT_EQ(StoredBytes(), 2u * 9 * kChunk);
  for (uint32_t i = 0; i < 80; ++i) {
    if (i % 4 != 0) Drop(objects[i]);
  }
  Reopen();
  auto report = store_->Compact(0.5);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // The 20 live ones (180 KB) fit in one stripe: they were read and packed anew.
  EXPECT_EQ(report->bytes_moved, 9u * kChunk);
  EXPECT_EQ(StoredBytes(), 9u * kChunk);
  for (uint32_t i = 0; i < 80; i += 4) {
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    EXPECT_FALSE(now[0].buffered());
    auto got = ReadRange(*store_, now, 0, 9000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == Pattern(9000, 100 + i)) << i;
  }
  // One stripe cannot get fewer: later passes leave it alone.
  Reopen();
  report = store_->Compact(1.0);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->bytes_moved, 0u);
  EXPECT_EQ(StoredBytes(), 9u * kChunk);
}

TEST_F(WriteBufferTest, ARepackThatFailsToWriteLeavesEveryExtentWhereItWas) {
  std::vector<std::vector<extent::ExtentLocation>> objects;
  for (uint32_t i = 0; i < 80; ++i) objects.push_back(Put(9000, 200 + i));
  ASSERT_TRUE(store_->Destage(/*all=*/true).ok());
  for (uint32_t i = 0; i < 80; ++i) {
    if (i % 4 != 0) Drop(objects[i]);
  }
  std::vector<std::vector<extent::ExtentLocation>> before;
  for (uint32_t i = 0; i < 80; i += 4) before.push_back(Current(objects[i]));
  Reopen();
  // Fewer than k drives left: no new stripe anywhere (with k left, later segments of the
  // pass would hand the failed drives' fragments off and succeed).
  for (int d : {3, 4, 5, 6}) faulty_[d]->FailSyncs(true);
  EXPECT_FALSE(store_->Compact(0.5).ok());
  for (int d : {3, 4, 5, 6}) faulty_[d]->ClearFaults();
  store_->ProbeDrives();
  for (auto& m : memory_) m->Crash();  // what was not synced is gone
  for (uint32_t i = 0; i < 80; i += 4) {
    std::vector<extent::ExtentLocation> now = Current(objects[i]);
    EXPECT_TRUE(now == before[i / 4]) << i;
    auto got = ReadRange(*store_, now, 0, 9000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == Pattern(9000, 200 + i)) << i;
  }
  Reopen();
  auto report = store_->Compact(0.5);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(StoredBytes(), 9u * kChunk);
  for (uint32_t i = 0; i < 80; i += 4) {
    auto got = ReadRange(*store_, Current(objects[i]), 0, 9000);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == Pattern(9000, 200 + i)) << i;
  }
}

// A sized body whose first read waits until every writer of a group has started, so that
// all of them have announced their tails before any tail reaches the packer.
class TogetherSource : public PatternSource {
 public:
  TogetherSource(uint64_t size, uint32_t seed, std::latch* started)
      : PatternSource(size, seed, UINT64_MAX, /*sized=*/true), started_(started) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    if (started_ != nullptr) std::exchange(started_, nullptr)->arrive_and_wait();
    return PatternSource::Read(buf, capacity);
  }

 private:
  std::latch* started_;
};

class TailPackingTest : public WriteBufferTest {
 protected:
  // Writes bodies of `sizes` at once, one thread each; returns their extents in order.
  std::vector<std::vector<extent::ExtentLocation>> PutTogether(const std::vector<uint64_t>& sizes) {
    std::latch started(static_cast<std::ptrdiff_t>(sizes.size()));
    std::vector<std::vector<extent::ExtentLocation>> out(sizes.size());
    std::vector<Status> failed(sizes.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < sizes.size(); ++i) {
      threads.emplace_back([&, i] {
        TogetherSource body(sizes[i], 300 + static_cast<uint32_t>(i), &started);
        auto written = store_->Write(body);
        if (!written.ok()) {
          failed[i] = written.status();
          return;
        }
        failed[i] = Commit(written->extents);
        out[i] = written->extents;
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& s : failed) EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  void ExpectReadsBack(const std::vector<std::vector<extent::ExtentLocation>>& objects,
                       const std::vector<uint64_t>& sizes) {
    for (size_t i = 0; i < objects.size(); ++i) {
      auto got = ReadRange(*store_, Current(objects[i]), 0, sizes[i]);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(*got == Pattern(sizes[i], 300 + static_cast<uint32_t>(i))) << i;
    }
  }
};

TEST_F(TailPackingTest, ConcurrentTailsFillSharedStripesInsteadOfTheBuffer) {
  SegmentStoreOptions o = SmallOptions();
  o.pack_tail_wait_ms = 60000;  // the other writer has announced its tail: wait for it
  Reopen(o);
  const std::vector<uint64_t> sizes = {kStripe + 200 * 1024, kStripe + 200 * 1024};
  auto objects = PutTogether(sizes);
  ASSERT_EQ(objects.size(), 2u);
  // 400 KiB of tails: one stripe of them (384 KiB) is written as a shared group, whole for
  // the first tail to arrive and the head of the other; the other's last 16 KiB is buffered.
  std::vector<extent::ExtentLocation> slices;
  uint64_t buffered = 0;
  for (const auto& ex : objects) {
    ASSERT_GE(ex.size(), 2u);
    EXPECT_FALSE(ex[0].buffered());
    EXPECT_EQ(ex[0].size, kStripe);
    EXPECT_FALSE(ex[1].buffered());
    slices.push_back(ex[1]);
    if (ex.size() == 3) {
      EXPECT_TRUE(ex[2].buffered());
      buffered += ex[2].size;
    }
  }
  EXPECT_EQ(buffered, 400 * 1024 - kStripe);
  EXPECT_EQ(slices[0].size + slices[1].size, kStripe);
  EXPECT_EQ(slices[0].fragments, slices[1].fragments);  // one group: the same ranges
  EXPECT_NE(slices[0].id, slices[1].id);
  const StoreCounters c = store_->counters();
  EXPECT_EQ(c.user_bytes, sizes[0] + sizes[1]);
  EXPECT_EQ(c.segment_bytes, 3u * 9 * kChunk);  // two own stripes and the group
  EXPECT_EQ(c.buffer_bytes, 3u * (400 * 1024 - kStripe));
  EXPECT_EQ(StoredBytes(), 3u * 9 * kChunk);
  ExpectReadsBack(objects, sizes);
  // Destaging, a crash and compaction keep every byte where metadata says.
  ASSERT_TRUE(store_->Destage(/*all=*/true).ok());
  for (auto& m : memory_) m->Crash();
  Reopen(o);
  ASSERT_TRUE(store_->Compact(1.0).ok());
  ExpectReadsBack(objects, sizes);
}

TEST_F(TailPackingTest, TailsThatDoNotFillAStripeAreBuffered) {
  SegmentStoreOptions o = SmallOptions();
  o.pack_tail_wait_ms = 60000;
  Reopen(o);
  // 300 KiB of tails in all, and nobody else announced: each goes to the buffer, no waiting
  // for what will never come.
  const std::vector<uint64_t> sizes = {100 * 1024, 200 * 1024};
  auto objects = PutTogether(sizes);
  for (const auto& ex : objects) {
    ASSERT_EQ(ex.size(), 1u);
    EXPECT_TRUE(ex[0].buffered());
  }
  EXPECT_EQ(StoredBytes(), 0u);
  ExpectReadsBack(objects, sizes);
}

TEST_F(TailPackingTest, AGroupThatFailsToWriteLeavesEachTailToTheBuffer) {
  SegmentStoreOptions o = SmallOptions();
  o.pack_tail_wait_ms = 60000;
  Reopen(o);
  for (int d : {3, 4, 5, 6}) faulty_[d]->FailSyncs(true);  // fewer than k drives: no stripe
  const std::vector<uint64_t> sizes = {250 * 1024, 250 * 1024};
  auto objects = PutTogether(sizes);
  for (const auto& ex : objects) {
    ASSERT_EQ(ex.size(), 1u);
    EXPECT_TRUE(ex[0].buffered());
  }
  for (int d : {3, 4, 5, 6}) faulty_[d]->ClearFaults();
  store_->ProbeDrives();
  for (auto& m : memory_) m->Crash();
  ExpectReadsBack(objects, sizes);
}

TEST_F(TailPackingTest, ManyConcurrentWritersReadBackWhateverBecameOfTheirTails) {
  SegmentStoreOptions o = SmallOptions();
  o.pack_tail_wait_ms = 2;
  Reopen(o);
  constexpr int kThreads = 8, kEach = 12;
  std::vector<std::vector<std::vector<extent::ExtentLocation>>> objects(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const uint32_t seed = 1000 + static_cast<uint32_t>(t * kEach + i);
        const uint64_t size = (seed % 3) * kStripe + 70 * 1024 + (seed * 7919) % (300 * 1024);
        PatternSource body(size, seed, UINT64_MAX, /*sized=*/true);
        auto written = store_->Write(body);
        ASSERT_TRUE(written.ok()) << written.status().ToString();
        ASSERT_TRUE(Commit(written->extents).ok());
        objects[t].push_back(written->extents);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(objects[t].size(), static_cast<size_t>(kEach));
    for (int i = 0; i < kEach; ++i) {
      const uint32_t seed = 1000 + static_cast<uint32_t>(t * kEach + i);
      const uint64_t size = (seed % 3) * kStripe + 70 * 1024 + (seed * 7919) % (300 * 1024);
      auto got = ReadRange(*store_, Current(objects[t][i]), 0, size);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE(*got == Pattern(size, seed)) << t << " " << i;
    }
  }
  EXPECT_EQ(store_->counters().user_bytes, [&] {
    uint64_t n = 0;
    for (auto& per : objects)
      for (auto& ex : per)
        for (auto& loc : ex) n += loc.size;
    return n;
  }());
}

TEST_F(WriteBufferTest, DestagedMegabyteObjectsTakeAboutOnePointFiveTimesTheirSize) {
  for (uint32_t i = 0; i < 6; ++i) Put(1 << 20, 60 + i, /*sized=*/true);
  ASSERT_TRUE(store_->Destage(/*all=*/true).ok());
  Reopen();
  ASSERT_TRUE(store_->Compact(0.5).ok());  // drops the buffer logs
  EXPECT_EQ(BufferedBytes(), 0u);
  const double amplification = static_cast<double>(StoredBytes()) / (6 << 20);
  EXPECT_LE(amplification, 1.55);
  EXPECT_GE(amplification, 1.5);
}

}  // namespace
}  // namespace tessera::drive::testing
