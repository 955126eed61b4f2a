#include "backend/drive/batch_read.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "backend/drive/local_drive.h"
#include "backend/drive/memory_drive.h"
#include "tests/drive/segment_files.h"
#include "tests/drive/temp_dir.h"

namespace tessera::drive {
namespace {

using testing::Aligned;
using testing::AlignedBuffer;

// kSegment bytes, each a function of the segment's seed and its offset.
constexpr size_t kSegment = 4 * kWriteUnit;

char ByteAt(uint8_t seed, size_t i) { return static_cast<char>(seed * 31 + i % 253); }

std::shared_ptr<SegmentFile> Filled(Drive& drive, uint64_t segment, uint8_t seed) {
  auto file = drive.CreateSegment(segment);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return nullptr;
  AlignedBuffer data = Aligned(kSegment, 0);
  for (size_t i = 0; i < kSegment; ++i) data.get()[i] = ByteAt(seed, i);
  EXPECT_TRUE((*file)->WriteAt(0, data.get(), kSegment).ok());
  EXPECT_TRUE((*file)->Sync().ok());
  return *file;
}

// For direct and page-cache drives alike: every read of a batch returns what ReadAt()
// returns, whether it went through the ring (aligned reads of a direct file) or not
// (unaligned reads, memory and fault-injecting drives), including short reads at the end
// of a file and failures.
class BatchReadTest : public ::testing::TestWithParam<bool> {};

TEST_P(BatchReadTest, EveryReadMatchesReadAt) {
  tessera::testing::TempDir dir;
  const bool direct = GetParam();
  std::vector<std::shared_ptr<SegmentFile>> files;
  std::vector<std::unique_ptr<LocalDrive>> drives;
  for (uint32_t d = 0; d < 6; ++d) {
    auto drive = LocalDrive::Open(d, dir.path() + "/d" + std::to_string(d), direct);
    ASSERT_TRUE(drive.ok()) << drive.status().ToString();
    files.push_back(Filled(**drive, 1, static_cast<uint8_t>(d)));
    ASSERT_TRUE(files.back());
    drives.push_back(std::move(*drive));
  }
  auto memory = std::make_shared<MemoryDrive>(9);
  files.push_back(Filled(*memory, 1, 9));
  auto faulty = std::make_shared<FaultyDrive>(std::make_shared<MemoryDrive>(10));
  files.push_back(Filled(*faulty, 1, 10));
  faulty->SetOffline(true);

  struct Want {
    size_t file;
    uint64_t offset;
    size_t n;
    size_t expect;  // bytes ReadAt would return
    bool fails;
  };
  const std::vector<Want> wants = {
      {0, 0, kWriteUnit, kWriteUnit, false},                          // aligned
      {1, kWriteUnit, 2 * kWriteUnit, 2 * kWriteUnit, false},         // aligned, longer
      {2, 4096, 8192, 8192, false},                                   // 4 KiB-aligned
      {3, 1000, 5000, 5000, false},                                   // unaligned
      {4, kSegment - kWriteUnit, 2 * kWriteUnit, kWriteUnit, false},  // short: end of file
      {5, kSegment, kWriteUnit, 0, false},                            // past the end
      {6, 123, 456, 456, false},                                      // memory drive
      {7, 0, kWriteUnit, 0, true},                                    // offline drive
      {0, 2 * kWriteUnit, kWriteUnit, kWriteUnit, false},             // same file again
  };
  std::vector<AlignedBuffer> bufs;
  std::vector<ReadOp> ops;
  for (const Want& w : wants) {
    bufs.push_back(Aligned(2 * kWriteUnit, '\x5a'));
    ops.push_back(ReadOp{files[w.file].get(), w.offset, bufs.back().get(), w.n});
  }
  ReadAll(ops);
  for (size_t i = 0; i < wants.size(); ++i) {
    const Want& w = wants[i];
    if (w.fails) {
      EXPECT_FALSE(ops[i].got.ok()) << i;
      continue;
    }
    ASSERT_TRUE(ops[i].got.ok()) << i << ": " << ops[i].got.status().ToString();
    EXPECT_EQ(*ops[i].got, w.expect) << i;
    const uint8_t seed = static_cast<uint8_t>(w.file == 6 ? 9 : w.file);
    for (size_t b = 0; b < w.expect; ++b) {
      ASSERT_EQ(bufs[i].get()[b], ByteAt(seed, w.offset + b)) << "read " << i << " byte " << b;
    }
  }
}

TEST_P(BatchReadTest, BatchesLargerThanTheRingRunInRounds) {
  tessera::testing::TempDir dir;
  auto drive = LocalDrive::Open(0, dir.path() + "/d", GetParam());
  ASSERT_TRUE(drive.ok());
  auto file = Filled(**drive, 1, 3);
  ASSERT_TRUE(file);
  std::vector<AlignedBuffer> bufs;
  std::vector<ReadOp> ops;
  for (size_t i = 0; i < 100; ++i) {
    bufs.push_back(Aligned(4096, 0));
    ops.push_back(ReadOp{file.get(), (i * 4096) % kSegment, bufs.back().get(), 4096});
  }
  ReadAll(ops);
  for (size_t i = 0; i < ops.size(); ++i) {
    ASSERT_TRUE(ops[i].got.ok()) << i;
    ASSERT_EQ(*ops[i].got, 4096u) << i;
    EXPECT_EQ(bufs[i].get()[17], ByteAt(3, ops[i].offset + 17)) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(DirectAndCached, BatchReadTest, ::testing::Bool());

}  // namespace
}  // namespace tessera::drive
