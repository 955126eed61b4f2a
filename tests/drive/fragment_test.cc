#include "backend/drive/fragment.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "backend/drive/local_drive.h"
#include "backend/drive/memory_drive.h"
#include "common/bytes.h"
#include "tests/drive/temp_dir.h"

namespace tessera::drive {
namespace {

constexpr uint32_t kChunk = kWriteUnit;

// Records the size of every append and the offset it lands at.
class RecordingDrive : public MemoryDrive {
 public:
  using MemoryDrive::MemoryDrive;
  struct Write {
    uint64_t offset;
    size_t size;
  };
  Result<std::unique_ptr<AppendFile>> Create(const FragmentId& fragment) override {
    ASSIGN_OR_RETURN(auto inner, MemoryDrive::Create(fragment));
    return std::unique_ptr<AppendFile>(new File(std::move(inner), &writes));
  }
  std::vector<Write> writes;

 private:
  class File : public AppendFile {
   public:
    File(std::unique_ptr<AppendFile> inner, std::vector<Write>* log)
        : inner_(std::move(inner)), log_(log) {}
    Status Append(std::string_view data) override {
      log_->push_back({offset_, data.size()});
      offset_ += data.size();
      return inner_->Append(data);
    }
    Status Commit() override { return inner_->Commit(); }
    void Abort() override { inner_->Abort(); }

   private:
    std::unique_ptr<AppendFile> inner_;
    std::vector<Write>* log_;
    uint64_t offset_ = 0;
  };
};

std::vector<std::string> RandomChunks(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> chunks(count, std::string(kChunk, '\0'));
  for (auto& c : chunks) {
    for (auto& b : c) b = static_cast<char>(rng());
  }
  return chunks;
}

Status WriteFragment(Drive& drive, FragmentId id, const std::vector<std::string>& chunks,
                     uint64_t logical) {
  ASSIGN_OR_RETURN(auto writer, FragmentWriter::Create(drive, id, kChunk, 6, 3));
  for (const auto& c : chunks) RETURN_IF_ERROR(writer->AppendChunk(c.data()));
  return writer->Finish(logical);
}

void ExpectReadsBack(Drive& drive, FragmentId id, const std::vector<std::string>& chunks) {
  auto reader = FragmentReader::Open(drive, id);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->chunk_count(), chunks.size());
  std::string buf(kChunk, '\0');
  for (uint32_t i = 0; i < chunks.size(); ++i) {
    ASSERT_TRUE((*reader)->ReadChunk(i, buf.data()).ok());
    EXPECT_EQ(buf, chunks[i]) << "chunk " << i;
  }
  EXPECT_EQ((*reader)->ReadChunk(static_cast<uint32_t>(chunks.size()), buf.data()).code(),
            ErrorCode::kDataLoss);
}

TEST(FragmentTest, RoundTripsOnMemoryAndLocalDrives) {
  auto chunks = RandomChunks(5, 1);
  FragmentId id{0x0123456789abcdefull, 4};
  MemoryDrive memory(1);
  ASSERT_TRUE(WriteFragment(memory, id, chunks, 1234567).ok());
  ExpectReadsBack(memory, id, chunks);

  testing::TempDir dir;
  auto local = LocalDrive::Open(2, dir.path() + "/d2");
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(WriteFragment(**local, id, chunks, 1234567).ok());
  ExpectReadsBack(**local, id, chunks);
  auto reader = FragmentReader::Open(**local, id);
  ASSERT_TRUE(reader.ok());
  const FragmentFooter& f = (*reader)->footer();
  EXPECT_EQ(f.logical_length, 1234567u);
  EXPECT_EQ(f.k, 6);
  EXPECT_EQ(f.m, 3);
  EXPECT_EQ(f.chunk_size, kChunk);
  EXPECT_EQ(f.version, kFormatVersion);
}

TEST(FragmentTest, EveryWriteIsWholeAlignedWriteUnits) {
  RecordingDrive drive(1);
  ASSERT_TRUE(WriteFragment(drive, {7, 0}, RandomChunks(3, 2), 100).ok());
  ASSERT_EQ(drive.writes.size(), 4u);  // three chunks and the footer block
  for (const auto& w : drive.writes) {
    EXPECT_EQ(w.offset % kWriteUnit, 0u);
    EXPECT_EQ(w.size % kWriteUnit, 0u);
    EXPECT_GT(w.size, 0u);
  }
  EXPECT_EQ(drive.PublishedBytes(), 4u * kWriteUnit);
}

TEST(FragmentTest, EmptyFragmentIsOneFooterBlock) {
  MemoryDrive drive(1);
  ASSERT_TRUE(WriteFragment(drive, {8, 1}, {}, 0).ok());
  EXPECT_EQ(drive.PublishedBytes(), kWriteUnit);
  ExpectReadsBack(drive, {8, 1}, {});
}

TEST(FragmentTest, FlippedByteFailsOnlyThatChunk) {
  auto memory = std::make_shared<MemoryDrive>(1);
  FaultyDrive drive(memory);
  auto chunks = RandomChunks(3, 3);
  FragmentId id{9, 2};
  ASSERT_TRUE(WriteFragment(drive, id, chunks, 10).ok());
  drive.FlipByte(id, kChunk + 77);
  auto reader = FragmentReader::Open(drive, id);
  ASSERT_TRUE(reader.ok());
  std::string buf(kChunk, '\0');
  EXPECT_TRUE((*reader)->ReadChunk(0, buf.data()).ok());
  EXPECT_EQ((*reader)->ReadChunk(1, buf.data()).code(), ErrorCode::kDataLoss);
  EXPECT_TRUE((*reader)->ReadChunk(2, buf.data()).ok());
}

TEST(FragmentTest, CorruptFooterOrTornFileIsDataLoss) {
  auto memory = std::make_shared<MemoryDrive>(1);
  FaultyDrive drive(memory);
  FragmentId id{10, 0};
  ASSERT_TRUE(WriteFragment(drive, id, RandomChunks(2, 4), 10).ok());
  const uint64_t size = 3ull * kChunk;

  drive.FlipByte(id, size - FragmentFooter::kTrailerSize - 5);  // inside the CRC array
  EXPECT_EQ(FragmentReader::Open(drive, id).status().code(), ErrorCode::kDataLoss);
  drive.ClearFaults();
  drive.FlipByte(id, size - 1);  // trailer magic
  EXPECT_EQ(FragmentReader::Open(drive, id).status().code(), ErrorCode::kDataLoss);
  drive.ClearFaults();
  for (uint64_t cut : {uint64_t{0}, uint64_t{100}, uint64_t{kChunk}, size - kChunk, size - 1}) {
    drive.Tear(id, cut);
    EXPECT_EQ(FragmentReader::Open(drive, id).status().code(), ErrorCode::kDataLoss) << cut;
  }
  drive.ClearFaults();
  EXPECT_TRUE(FragmentReader::Open(drive, id).ok());
}

TEST(FragmentTest, FooterNamingAnotherFragmentIsRejected) {
  testing::TempDir dir;
  auto local = LocalDrive::Open(1, dir.path());
  ASSERT_TRUE(local.ok());
  FragmentId a{0xaa00000000000001ull, 0}, b{0xaa00000000000001ull, 1};
  ASSERT_TRUE(WriteFragment(**local, a, RandomChunks(1, 5), 1).ok());
  std::filesystem::rename((*local)->PathOf(a), (*local)->PathOf(b));
  EXPECT_EQ(FragmentReader::Open(**local, b).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(FragmentReader::Open(**local, a).status().code(), ErrorCode::kDataLoss);
}

TEST(FragmentTest, FooterEncodingIsLittleEndianAndVersioned) {
  FragmentFooter f;
  f.chunk_size = kChunk;
  f.extent_id = 0x1122334455667788ull;
  f.index = 3;
  f.k = 4;
  f.m = 2;
  f.logical_length = 99;
  f.chunk_crcs = {0xdeadbeef, 0x01020304};
  std::string block = f.EncodeBlock();
  ASSERT_EQ(block.size(), kWriteUnit);
  std::string_view trailer = std::string_view(block).substr(block.size() - 12);
  EXPECT_EQ(trailer.substr(4), "TESSFRAG");
  auto length = FragmentFooter::DecodeTrailer(trailer);
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, 42u + 8u + 4u);  // fixed part, two CRCs, footer CRC
  std::string_view footer = std::string_view(block).substr(block.size() - 12 - *length, *length);
  EXPECT_EQ(footer.substr(0, 8), "TESSFRAG");
  EXPECT_EQ(footer.substr(8, 4), std::string("\x01\0\0\0", 4));         // version 1
  EXPECT_EQ(footer.substr(16, 8), "\x88\x77\x66\x55\x44\x33\x22\x11");  // extent id
  auto decoded = FragmentFooter::Decode(footer);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->chunk_crcs, f.chunk_crcs);
  EXPECT_EQ(decoded->extent_id, f.extent_id);

  // A future version is refused even with a valid CRC.
  f.version = 2;
  std::string v2 = f.EncodeBlock();
  std::string_view v2_footer = std::string_view(v2).substr(v2.size() - 12 - *length, *length);
  EXPECT_EQ(FragmentFooter::Decode(v2_footer).status().code(), ErrorCode::kDataLoss);
}

TEST(FragmentTest, RejectsUnalignedChunkSize) {
  MemoryDrive drive(1);
  EXPECT_EQ(FragmentWriter::Create(drive, {1, 0}, 4096, 6, 3).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(drive.StagingCount(), 0u);
}

TEST(FragmentTest, DestroyingAnUnfinishedWriterLeavesNothing) {
  MemoryDrive drive(1);
  {
    auto writer = FragmentWriter::Create(drive, {1, 0}, kChunk, 6, 3);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->AppendChunk(std::string(kChunk, 'x').data()).ok());
    EXPECT_EQ(drive.StagingCount(), 1u);
  }
  EXPECT_EQ(drive.StagingCount(), 0u);
  EXPECT_EQ(drive.PublishedCount(), 0u);
}

}  // namespace
}  // namespace tessera::drive
