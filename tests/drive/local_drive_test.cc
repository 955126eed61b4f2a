#include "backend/drive/local_drive.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/drive/segment_files.h"
#include "tests/drive/temp_dir.h"

namespace tessera::drive {
namespace {

using testing::AlignedBuffer;

AlignedBuffer Pattern(size_t n, uint8_t seed) {
  AlignedBuffer buf(static_cast<char*>(std::aligned_alloc(kWriteUnit, n)));
  for (size_t i = 0; i < n; ++i) buf.get()[i] = static_cast<char>(seed + i % 251);
  return buf;
}

AlignedBuffer Zeroed(size_t n) { return testing::Aligned(n, 0); }

class LocalDriveTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  std::string Root() const { return dir_.path() + "/drive"; }

  std::unique_ptr<LocalDrive> Open(bool direct_io = false) {
    auto drive = LocalDrive::Open(7, Root(), direct_io);
    EXPECT_TRUE(drive.ok()) << drive.status().ToString();
    return drive.ok() ? std::move(drive).value() : nullptr;
  }

  tessera::testing::TempDir dir_;
};

TEST(SegmentFileNameTest, SixteenLowercaseHexDigits) {
  EXPECT_EQ(SegmentFileName(0), "0000000000000000.seg");
  EXPECT_EQ(SegmentFileName(0xabcdef0123456789ull), "abcdef0123456789.seg");
  EXPECT_EQ(SegmentFileName(UINT64_MAX), "ffffffffffffffff.seg");
}

TEST(SegmentFileNameTest, ParseRoundTripsAndRejectsOtherNames) {
  for (uint64_t id : {uint64_t{0}, uint64_t{1}, uint64_t{0x1234abcd}, UINT64_MAX}) {
    uint64_t parsed = 42;
    ASSERT_TRUE(ParseSegmentFileName(SegmentFileName(id), &parsed)) << id;
    EXPECT_EQ(parsed, id);
  }
  uint64_t unused = 0;
  for (const char* name :
       {"", ".", "..", "000000000000000a.tmp", "000000000000000A.seg", "00000000000000a.seg",
        "0000000000000000a.seg", "000000000000000g.seg", "000000000000000a.seg~", "LOCK"}) {
    EXPECT_FALSE(ParseSegmentFileName(name, &unused)) << name;
  }
}

TEST_F(LocalDriveTest, OpenCreatesSegmentsDirectoryAndLaysOutFiles) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  EXPECT_EQ(drive->id(), 7u);
  EXPECT_EQ(drive->root(), Root());
  EXPECT_TRUE(std::filesystem::is_directory(Root() + "/segments"));
  EXPECT_EQ(drive->PathOf(0x2a), Root() + "/segments/000000000000002a.seg");
  ASSERT_TRUE(drive->CreateSegment(0x2a).ok());
  EXPECT_TRUE(std::filesystem::is_regular_file(Root() + "/segments/000000000000002a.seg"));
  // Opening again over an existing directory keeps what is there.
  auto again = Open();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->OpenSegment(0x2a).ok());
}

TEST_F(LocalDriveTest, CreateFailsIfSegmentExists) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  ASSERT_TRUE(drive->CreateSegment(5).ok());
  auto again = drive->CreateSegment(5);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kInternal);
}

TEST_F(LocalDriveTest, OpenOfMissingSegmentIsDataLoss) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  auto file = drive->OpenSegment(9);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), ErrorCode::kDataLoss);
}

TEST_F(LocalDriveTest, WriteReadRoundTripAtAlignedOffsets) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  auto created = drive->CreateSegment(1);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::shared_ptr<SegmentFile> file = *created;
  AlignedBuffer a = Pattern(kWriteUnit, 1);
  AlignedBuffer b = Pattern(2 * kWriteUnit, 2);
  // Out of order, leaving unit 1 a hole.
  ASSERT_TRUE(file->WriteAt(2 * kWriteUnit, b.get(), 2 * kWriteUnit).ok());
  ASSERT_TRUE(file->WriteAt(0, a.get(), kWriteUnit).ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(*file->Size(), 4u * kWriteUnit);

  AlignedBuffer got = Zeroed(4 * kWriteUnit);
  auto n = file->ReadAt(0, got.get(), 4 * kWriteUnit);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u * kWriteUnit);
  EXPECT_EQ(std::memcmp(got.get(), a.get(), kWriteUnit), 0);
  EXPECT_EQ(std::string(got.get() + kWriteUnit, kWriteUnit), std::string(kWriteUnit, '\0'));
  EXPECT_EQ(std::memcmp(got.get() + 2 * kWriteUnit, b.get(), 2 * kWriteUnit), 0);

  // A read past the end returns what there is; at or after the end, nothing.
  n = file->ReadAt(3 * kWriteUnit + 100, got.get(), kWriteUnit);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kWriteUnit - 100);
  EXPECT_EQ(std::memcmp(got.get(), b.get() + kWriteUnit + 100, kWriteUnit - 100), 0);
  n = file->ReadAt(4 * kWriteUnit, got.get(), kWriteUnit);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  // A second handle sees the same bytes.
  auto reopened = drive->OpenSegment(1);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->Size(), 4u * kWriteUnit);
  std::string head(kWriteUnit, '\0');
  ASSERT_EQ(*(*reopened)->ReadAt(0, head.data(), kWriteUnit), kWriteUnit);
  EXPECT_EQ(std::memcmp(head.data(), a.get(), kWriteUnit), 0);
}

TEST_F(LocalDriveTest, ListSegmentsIsAscendingAndIgnoresForeignFiles) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  for (uint64_t id : {uint64_t{300}, uint64_t{2}, UINT64_MAX, uint64_t{17}}) {
    ASSERT_TRUE(drive->CreateSegment(id).ok());
  }
  std::ofstream(Root() + "/segments/notes.txt") << "x";
  std::ofstream(Root() + "/segments/000000000000000A.seg") << "x";
  std::ofstream(Root() + "/segments/0000000000000003.seg.tmp") << "x";
  std::filesystem::create_directory(Root() + "/segments/lost+found");
  auto list = drive->ListSegments();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<uint64_t>{2, 17, 300, UINT64_MAX}));
}

TEST_F(LocalDriveTest, RemoveIsIdempotentAndOpenFilesStayReadable) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  auto file = drive->CreateSegment(4);
  ASSERT_TRUE(file.ok());
  AlignedBuffer data = Pattern(kWriteUnit, 9);
  ASSERT_TRUE((*file)->WriteAt(0, data.get(), kWriteUnit).ok());

  ASSERT_TRUE(drive->RemoveSegment(4).ok());
  EXPECT_FALSE(std::filesystem::exists(drive->PathOf(4)));
  EXPECT_TRUE(drive->ListSegments()->empty());
  EXPECT_EQ(drive->OpenSegment(4).status().code(), ErrorCode::kDataLoss);
  EXPECT_TRUE(drive->RemoveSegment(4).ok());
  EXPECT_TRUE(drive->RemoveSegment(12345).ok());

  AlignedBuffer got = Zeroed(kWriteUnit);
  auto n = (*file)->ReadAt(0, got.get(), kWriteUnit);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, kWriteUnit);
  EXPECT_EQ(std::memcmp(got.get(), data.get(), kWriteUnit), 0);
  EXPECT_EQ(*(*file)->Size(), kWriteUnit);
}

TEST_F(LocalDriveTest, DirectIoRoundTrip) {
  // Probe whether this filesystem takes O_DIRECT at all.
  const std::string probe = dir_.path() + "/probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EINVAL) GTEST_SKIP() << "O_DIRECT not supported here: EINVAL";
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);

  auto drive = Open(/*direct_io=*/true);
  ASSERT_TRUE(drive);
  auto file = drive->CreateSegment(3);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  AlignedBuffer first = Pattern(kWriteUnit, 3);
  AlignedBuffer second = Pattern(3 * kWriteUnit, 4);
  ASSERT_TRUE((*file)->WriteAt(0, first.get(), kWriteUnit).ok());
  Status st = (*file)->WriteAt(kWriteUnit, second.get(), 3 * kWriteUnit);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(*(*file)->Size(), 4u * kWriteUnit);

  // Reads go through the page cache, on a fresh handle too.
  auto reopened = drive->OpenSegment(3);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  for (const std::shared_ptr<SegmentFile>& f : {*file, *reopened}) {
    AlignedBuffer got = Zeroed(4 * kWriteUnit);
    ASSERT_EQ(*f->ReadAt(0, got.get(), 4 * kWriteUnit), 4u * kWriteUnit);
    EXPECT_EQ(std::memcmp(got.get(), first.get(), kWriteUnit), 0);
    EXPECT_EQ(std::memcmp(got.get() + kWriteUnit, second.get(), 3 * kWriteUnit), 0);
  }
}

TEST_F(LocalDriveTest, ErrorsNameTheDriveNotThePath) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  ASSERT_TRUE(drive->CreateSegment(5).ok());
  std::vector<Status> errors = {drive->CreateSegment(5).status(), drive->OpenSegment(6).status()};
  for (const Status& st : errors) {
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("drive 7"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find(dir_.path()), std::string::npos) << st.message();
  }
  EXPECT_NE(errors[0].message().find(SegmentFileName(5)), std::string::npos);
  EXPECT_NE(errors[1].message().find(SegmentFileName(6)), std::string::npos);

  // A root that cannot be created: its parent is a regular file.
  std::ofstream(dir_.path() + "/file") << "x";
  auto bad = LocalDrive::Open(8, dir_.path() + "/file/drive");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInternal);
  EXPECT_NE(bad.status().message().find("drive 8"), std::string::npos);
  EXPECT_EQ(bad.status().message().find(dir_.path()), std::string::npos);
}

TEST_F(LocalDriveTest, DeletedRootFailsCleanly) {
  auto drive = Open();
  ASSERT_TRUE(drive);
  auto file = drive->CreateSegment(1);
  ASSERT_TRUE(file.ok());
  std::filesystem::remove_all(Root());

  auto list = drive->ListSegments();
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), ErrorCode::kInternal);
  std::vector<Status> errors = {list.status(), drive->CreateSegment(2).status(),
                                drive->OpenSegment(1).status()};
  for (const Status& st : errors) {
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("drive 7"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find(Root()), std::string::npos) << st.message();
  }
  // Nothing left to remove is not an error.
  EXPECT_TRUE(drive->RemoveSegment(1).ok());
  // The handle opened before keeps working on the unlinked inode.
  AlignedBuffer data = Pattern(kWriteUnit, 5);
  EXPECT_TRUE((*file)->WriteAt(0, data.get(), kWriteUnit).ok());
  EXPECT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(*(*file)->Size(), kWriteUnit);
}

}  // namespace
}  // namespace tessera::drive
