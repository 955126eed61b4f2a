#include "backend/store/erasure_extent_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "backend/drive/memory_drive.h"
#include "tests/drive/temp_dir.h"

namespace tessera::store {
namespace {

namespace fs = std::filesystem;
using drive::FaultyDrive;
using drive::MemoryDrive;

constexpr uint64_t kChunk = 64 * 1024;
constexpr uint64_t kStripe = 6 * kChunk;  // RS(6,3)

char PatternByte(uint64_t i, uint32_t seed) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 29;
  return static_cast<char>(x * 0xBF58476D1CE4E5B9ull >> 56);
}

std::string Pattern(uint64_t size, uint32_t seed) {
  std::string s(size, '\0');
  for (uint64_t i = 0; i < size; ++i) s[i] = PatternByte(i, seed);
  return s;
}

// Yields Pattern(size, seed) in uneven pieces; optionally fails after `fail_after` bytes.
class PatternSource : public BodySource {
 public:
  PatternSource(uint64_t size, uint32_t seed, uint64_t fail_after = UINT64_MAX)
      : size_(size), seed_(seed), fail_after_(fail_after) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    if (pos_ >= fail_after_) return Status(ErrorCode::kPayloadHashMismatch, "injected");
    size_t n = std::min<uint64_t>({capacity, 7777, size_ - pos_, fail_after_ - pos_});
    for (size_t i = 0; i < n; ++i) buf[i] = PatternByte(pos_ + i, seed_);
    pos_ += n;
    return n;
  }

 private:
  uint64_t size_;
  uint32_t seed_;
  uint64_t fail_after_;
  uint64_t pos_ = 0;
};

Result<std::string> ReadAll(BodySource& source, size_t piece) {
  std::string out, buf(piece, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

Result<std::string> ReadRange(ErasureExtentStore& store, const std::vector<ExtentLocation>& ex,
                              uint64_t offset, uint64_t length, size_t piece = 100000) {
  ASSIGN_OR_RETURN(auto source, store.Read(ex, offset, length));
  return ReadAll(*source, piece);
}

// Nine in-memory drives, three per region, each behind a fault injector.
struct MemoryCluster {
  explicit MemoryCluster(EcProfile profile = SmallExtents()) {
    std::vector<PlacedDrive> placed;
    for (uint32_t id = 0; id < 9; ++id) {
      memory.push_back(std::make_shared<MemoryDrive>(id));
      faulty.push_back(std::make_shared<FaultyDrive>(memory.back()));
      placed.push_back({"region" + std::to_string(id / 3), faulty.back()});
    }
    auto created = ErasureExtentStore::Create(std::move(placed), profile);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (created.ok()) store = std::move(*created);
  }
  static EcProfile SmallExtents() {
    EcProfile p;
    p.max_extent_bytes = 2 * kStripe;
    return p;
  }
  size_t Published() const {
    size_t n = 0;
    for (auto& m : memory) n += m->PublishedCount();
    return n;
  }
  size_t Staging() const {
    size_t n = 0;
    for (auto& m : memory) n += m->StagingCount();
    return n;
  }

  std::vector<std::shared_ptr<MemoryDrive>> memory;
  std::vector<std::shared_ptr<FaultyDrive>> faulty;
  std::unique_ptr<ErasureExtentStore> store;
};

TEST(ErasureExtentStoreTest, RoundTripsAllSizes) {
  MemoryCluster c;
  ASSERT_TRUE(c.store);
  const uint64_t sizes[] = {0,           1,           kChunk - 1,         kStripe,
                            kStripe + 1, 2 * kStripe, 5 * kStripe + 12345};
  const size_t expected_extents[] = {0, 1, 1, 1, 1, 1, 3};
  for (size_t t = 0; t < std::size(sizes); ++t) {
    SCOPED_TRACE(sizes[t]);
    PatternSource body(sizes[t], static_cast<uint32_t>(t));
    auto ex = c.store->Write(body);
    ASSERT_TRUE(ex.ok()) << ex.status().ToString();
    ASSERT_EQ(ex->size(), expected_extents[t]);
    uint64_t total = 0;
    for (const auto& e : *ex) {
      EXPECT_EQ(e.k, 6);
      EXPECT_EQ(e.m, 3);
      EXPECT_EQ(e.chunk_size, kChunk);
      EXPECT_LE(e.size, c.store->extent_bytes());
      EXPECT_EQ(std::set<uint32_t>(e.drives.begin(), e.drives.end()).size(), 9u);
      total += e.size;
    }
    EXPECT_EQ(total, sizes[t]);
    auto back = ReadRange(*c.store, *ex, 0, sizes[t], 65536 + 3);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == Pattern(sizes[t], static_cast<uint32_t>(t)));
  }
  EXPECT_EQ(c.store->degraded_stripes(), 0u);
  EXPECT_EQ(c.Staging(), 0u);
}

TEST(ErasureExtentStoreTest, ExtentsAreWholeStripesAndIdsUnique) {
  MemoryCluster c;
  std::set<uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    PatternSource body(5 * kStripe + 1, 9);
    auto ex = c.store->Write(body);
    ASSERT_TRUE(ex.ok());
    ASSERT_EQ(ex->size(), 3u);
    EXPECT_EQ((*ex)[0].size, 2 * kStripe);
    EXPECT_EQ((*ex)[1].size, 2 * kStripe);
    EXPECT_EQ((*ex)[2].size, kStripe + 1);
    for (const auto& e : *ex) EXPECT_TRUE(ids.insert(e.id).second);
  }
  // Each fragment: one chunk per stripe plus a 64 KiB footer block.
  EXPECT_EQ(c.Published(), 5u * 3 * 9);
}

TEST(ErasureExtentStoreTest, RangedReadsAtOddOffsets) {
  MemoryCluster c;
  const uint64_t size = 5 * kStripe + 12345;
  PatternSource body(size, 3);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  const std::string all = Pattern(size, 3);
  const std::pair<uint64_t, uint64_t> ranges[] = {
      {0, 1},
      {kChunk - 1, 2},                     // across a chunk boundary inside a stripe
      {kStripe - 7, 14},                   // across a stripe boundary
      {2 * kStripe - 5, 10},               // across an extent boundary
      {2 * kStripe - 1, 2 * kStripe + 2},  // spans a whole extent
      {12345, size - 12345 - 1},
      {size - 1, 1},
      {size, 0},
      {777, 0},
  };
  for (auto [off, len] : ranges) {
    SCOPED_TRACE(off);
    auto got = ReadRange(*c.store, *ex, off, len, 4099);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == all.substr(off, len));
  }
  EXPECT_EQ(c.store->Read(*ex, size, 1).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(c.store->Read(*ex, size + 1, 0).status().code(), ErrorCode::kInvalidRange);
  EXPECT_EQ(c.store->Read(*ex, 1, UINT64_MAX).status().code(), ErrorCode::kInvalidRange);
}

TEST(ErasureExtentStoreTest, HealthyReadsTouchOnlyDataFragments) {
  MemoryCluster c;
  PatternSource body(kStripe + 100, 4);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 1u);
  ASSERT_TRUE(ReadRange(*c.store, *ex, 0, kStripe + 100).ok());
  const auto& drives = (*ex)[0].drives;
  for (size_t i = 0; i < drives.size(); ++i) {
    EXPECT_EQ(c.faulty[drives[i]]->opens(), i < 6 ? 1u : 0u) << "fragment " << i;
  }
  EXPECT_EQ(c.store->degraded_stripes(), 0u);
}

TEST(ErasureExtentStoreTest, SurvivesEveryPatternOfUpToThreeLostDrives) {
  MemoryCluster c;
  PatternSource body(kStripe + 5000, 5);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  const std::string want = Pattern(kStripe + 5000, 5);
  int patterns = 0;
  for (uint32_t mask = 1; mask < (1u << 9); ++mask) {
    const int lost = __builtin_popcount(mask);
    if (lost > 4) continue;
    for (uint32_t d = 0; d < 9; ++d) c.faulty[d]->SetOffline(mask & (1u << d));
    auto got = ReadRange(*c.store, *ex, 0, want.size());
    if (lost <= 3) {
      ASSERT_TRUE(got.ok()) << "mask " << mask << ": " << got.status().ToString();
      ASSERT_TRUE(*got == want) << "mask " << mask;
      ++patterns;
    } else {
      ASSERT_EQ(got.status().code(), ErrorCode::kDataLoss) << "mask " << mask;
    }
  }
  EXPECT_EQ(patterns, 9 + 36 + 84);
}

TEST(ErasureExtentStoreTest, FlippedByteIsDetectedAndRebuilt) {
  MemoryCluster c;
  const uint64_t size = 3 * kStripe;
  PatternSource body(size, 6);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 2u);
  // Data fragment 2 of the first extent, stripe 1.
  const ExtentLocation& e = (*ex)[0];
  c.faulty[e.drives[2]]->FlipByte(drive::FragmentId{e.id, 2}, kChunk + 4242);
  auto got = ReadRange(*c.store, *ex, 0, size);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(size, 6));
  EXPECT_EQ(c.store->degraded_stripes(), 1u);
}

TEST(ErasureExtentStoreTest, TornAndMissingFragmentsAreRebuilt) {
  MemoryCluster c;
  PatternSource body(2 * kStripe, 7);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  const ExtentLocation& e = (*ex)[0];
  c.faulty[e.drives[0]]->Tear(drive::FragmentId{e.id, 0}, kChunk);
  ASSERT_TRUE(c.memory[e.drives[4]]->Remove(drive::FragmentId{e.id, 4}).ok());
  c.faulty[e.drives[7]]->FlipByte(drive::FragmentId{e.id, 7}, 10);  // parity, stripe 0
  auto got = ReadRange(*c.store, *ex, 0, 2 * kStripe);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(2 * kStripe, 7));
  // A fourth loss in stripe 0 is past m.
  c.faulty[e.drives[1]]->SetOffline(true);
  EXPECT_EQ(ReadRange(*c.store, *ex, 0, 10).status().code(), ErrorCode::kDataLoss);
}

TEST(ErasureExtentStoreTest, FailingBodyLeavesNoFragments) {
  MemoryCluster c;
  for (uint64_t fail_after : {uint64_t{0}, uint64_t{100}, kStripe, 2 * kStripe + 1, 5 * kStripe}) {
    SCOPED_TRACE(fail_after);
    PatternSource body(6 * kStripe, 8, fail_after);
    auto ex = c.store->Write(body);
    EXPECT_EQ(ex.status().code(), ErrorCode::kPayloadHashMismatch);
    EXPECT_EQ(c.Published(), 0u);
    EXPECT_EQ(c.Staging(), 0u);
  }
}

TEST(ErasureExtentStoreTest, FailingDriveWriteFailsTheWholeWriteCleanly) {
  MemoryCluster c;
  c.faulty[4]->FailAppendsAfter(3);  // the 4th chunk to drive 4: inside the second extent
  PatternSource body(5 * kStripe, 9);
  auto ex = c.store->Write(body);
  EXPECT_EQ(ex.status().code(), ErrorCode::kInternal);
  EXPECT_EQ(c.Published(), 0u);
  EXPECT_EQ(c.Staging(), 0u);
  c.faulty[4]->ClearFaults();
  PatternSource again(5 * kStripe, 9);
  EXPECT_TRUE(c.store->Write(again).ok());
}

TEST(ErasureExtentStoreTest, DeleteRemovesAllFragmentsAndIsIdempotent) {
  MemoryCluster c;
  PatternSource body(3 * kStripe, 10);
  auto ex = c.store->Write(body);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(c.Published(), 18u);
  const ExtentLocation& e = (*ex)[0];
  ASSERT_TRUE(c.memory[e.drives[3]]->Remove(drive::FragmentId{e.id, 3}).ok());
  EXPECT_TRUE(c.store->Delete(e).ok());
  EXPECT_EQ(c.Published(), 9u);
  EXPECT_TRUE(c.store->Delete(e).ok());
  EXPECT_TRUE(c.store->Delete((*ex)[1]).ok());
  EXPECT_EQ(c.Published(), 0u);
  EXPECT_EQ(c.store->Read(*ex, 0, 1).status().code(), ErrorCode::kDataLoss);
}

TEST(ErasureExtentStoreTest, ConcurrentWritersAndReaders) {
  MemoryCluster c;
  std::vector<std::thread> threads;
  std::vector<bool> ok(4, false);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t size = (t + 1) * kStripe + 99;
      PatternSource body(size, 100 + t);
      auto ex = c.store->Write(body);
      if (!ex.ok()) return;
      auto got = ReadRange(*c.store, *ex, 0, size);
      ok[t] = got.ok() && *got == Pattern(size, 100 + t);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(ok[t]) << t;
}

TEST(ErasureExtentStoreTest, RejectsBadConfigurations) {
  std::vector<PlacedDrive> six;
  for (uint32_t id = 0; id < 6; ++id) {
    six.push_back({"r" + std::to_string(id % 3), std::make_shared<MemoryDrive>(id)});
  }
  EXPECT_EQ(ErasureExtentStore::Create(six).status().code(), ErrorCode::kInvalidArgument);
  EcProfile rs42;
  rs42.k = 4;
  rs42.m = 2;
  rs42.max_per_region = 2;
  EXPECT_TRUE(ErasureExtentStore::Create(six, rs42).ok());
  EcProfile odd = rs42;
  odd.chunk_size = 4096;
  EXPECT_EQ(ErasureExtentStore::Create(six, odd).status().code(), ErrorCode::kInvalidArgument);
  std::vector<PlacedDrive> dup = six;
  dup.push_back({"r9", std::make_shared<MemoryDrive>(0)});
  EXPECT_EQ(ErasureExtentStore::Create(dup, rs42).status().code(), ErrorCode::kInvalidArgument);
}

// The embedded layout: nine directories in three regions.
std::vector<DriveSpec> LocalSpecs(const std::string& root) {
  std::vector<DriveSpec> specs;
  for (uint32_t id = 0; id < 9; ++id) {
    specs.push_back({id, "region" + std::to_string(id / 3), root + "/d" + std::to_string(id)});
  }
  return specs;
}

size_t FilesUnder(const std::string& root) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) n += entry.is_regular_file();
  return n;
}

TEST(ErasureExtentStoreTest, LocalDrivesSurviveLosingAWholeRegion) {
  testing::TempDir dir;
  auto store = ErasureExtentStore::Open(LocalSpecs(dir.path()), MemoryCluster::SmallExtents());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const uint64_t size = 5 * kStripe + 4321;
  PatternSource body(size, 11);
  auto ex = (*store)->Write(body);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  EXPECT_EQ(FilesUnder(dir.path()), 3u * 9);
  store->reset();

  for (int d = 3; d < 6; ++d) fs::remove_all(dir.path() + "/d" + std::to_string(d));
  store = ErasureExtentStore::Open(LocalSpecs(dir.path()), MemoryCluster::SmallExtents());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto got = ReadRange(**store, *ex, 0, size);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(size, 11));
  EXPECT_EQ((*store)->degraded_stripes(), 6u);

  // New extents after the restart get fresh ids.
  PatternSource more(10, 12);
  auto ex2 = (*store)->Write(more);
  ASSERT_TRUE(ex2.ok());
  for (const auto& e : *ex) EXPECT_NE(e.id, (*ex2)[0].id);

  // One more lost drive outside that region is past m for some stripe.
  fs::remove_all(dir.path() + "/d0");
  EXPECT_EQ(ReadRange(**store, *ex, 0, size).status().code(), ErrorCode::kDataLoss);
}

TEST(ErasureExtentStoreTest, LocalFailedWriteLeavesNoFiles) {
  testing::TempDir dir;
  auto store = ErasureExtentStore::Open(LocalSpecs(dir.path()), MemoryCluster::SmallExtents());
  ASSERT_TRUE(store.ok());
  PatternSource body(5 * kStripe, 13, 3 * kStripe + 17);
  EXPECT_FALSE((*store)->Write(body).ok());
  EXPECT_EQ(FilesUnder(dir.path()), 0u);
}

}  // namespace
}  // namespace tessera::store
