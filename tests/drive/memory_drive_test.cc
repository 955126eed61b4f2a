#include "backend/drive/memory_drive.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "tests/drive/segment_files.h"

namespace tessera::drive {
namespace {

using testing::Create;
using testing::ReadAll;
using testing::Units;

Status Write(SegmentFile& file, uint64_t offset, const std::string& data) {
  return file.WriteAt(offset, data.data(), data.size());
}

std::string Read(const SegmentFile& file, uint64_t offset, size_t n) {
  std::string out(n, '\0');
  auto got = file.ReadAt(offset, out.data(), n);
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  out.resize(got.ok() ? *got : 0);
  return out;
}

TEST(MemoryDriveTest, RoundTripAndSegmentLifecycle) {
  MemoryDrive drive(3);
  EXPECT_EQ(drive.id(), 3u);
  auto file = Create(drive, 20);
  ASSERT_TRUE(file);
  ASSERT_TRUE(Create(drive, 10));
  ASSERT_TRUE(Write(*file, 2 * kWriteUnit, Units('b')).ok());
  ASSERT_TRUE(Write(*file, 0, Units('a')).ok());
  EXPECT_EQ(*file->Size(), 3u * kWriteUnit);
  EXPECT_EQ(ReadAll(*file), Units('a') + Units('\0') + Units('b'));
  EXPECT_EQ(Read(*file, 3 * kWriteUnit - 10, kWriteUnit), std::string(10, 'b'));
  EXPECT_EQ(Read(*file, 5 * kWriteUnit, kWriteUnit), "");
  EXPECT_EQ(drive.StoredBytes(), 3u * kWriteUnit);

  EXPECT_EQ(*drive.ListSegments(), (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(drive.CreateSegment(20).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(drive.OpenSegment(30).status().code(), ErrorCode::kDataLoss);
  auto reopened = drive.OpenSegment(20);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(ReadAll(**reopened), ReadAll(*file));

  ASSERT_TRUE(drive.RemoveSegment(20).ok());
  EXPECT_TRUE(drive.RemoveSegment(20).ok());
  EXPECT_EQ(*drive.ListSegments(), (std::vector<uint64_t>{10}));
  EXPECT_EQ(drive.OpenSegment(20).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(Read(*file, 0, 4), "aaaa");  // open files stay readable
}

TEST(MemoryDriveTest, CrashDropsWhatEachSegmentDidNotSync) {
  MemoryDrive drive(1);
  auto mixed = Create(drive, 1);
  auto unsynced = Create(drive, 2);
  auto synced = Create(drive, 3);
  ASSERT_TRUE(mixed && unsynced && synced);
  ASSERT_TRUE(Write(*mixed, 0, Units('a')).ok());
  ASSERT_TRUE(mixed->Sync().ok());
  ASSERT_TRUE(Write(*mixed, kWriteUnit, Units('b', 2)).ok());
  ASSERT_TRUE(Write(*unsynced, 0, Units('c')).ok());
  ASSERT_TRUE(Write(*synced, 0, Units('d', 2)).ok());
  ASSERT_TRUE(synced->Sync().ok());

  drive.Crash();
  EXPECT_EQ(ReadAll(*mixed), Units('a'));
  EXPECT_EQ(ReadAll(*unsynced), "");
  EXPECT_EQ(ReadAll(*synced), Units('d', 2));
  EXPECT_EQ(drive.StoredBytes(), 3u * kWriteUnit);
  // Segments themselves survive: creation is durable.
  EXPECT_EQ(*drive.ListSegments(), (std::vector<uint64_t>{1, 2, 3}));

  // Writing again after the crash works, and a second crash keeps the first survivors.
  ASSERT_TRUE(Write(*unsynced, 0, Units('e')).ok());
  ASSERT_TRUE(unsynced->Sync().ok());
  drive.Crash();
  EXPECT_EQ(ReadAll(*unsynced), Units('e'));
  EXPECT_EQ(ReadAll(*mixed), Units('a'));
}

TEST(MemoryDriveTest, SyncThroughAnyHandleCoversTheSegment) {
  MemoryDrive drive(1);
  auto writer = Create(drive, 1);
  ASSERT_TRUE(writer);
  auto other = drive.OpenSegment(1);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(Write(*writer, 0, Units('a')).ok());
  ASSERT_TRUE((*other)->Sync().ok());
  drive.Crash();
  EXPECT_EQ(ReadAll(*writer), Units('a'));
}

TEST(MemoryDriveTest, CrashCanKeepATornPrefix) {
  MemoryDrive drive(1);
  auto file = Create(drive, 1);
  ASSERT_TRUE(file);
  ASSERT_TRUE(Write(*file, 0, Units('a')).ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(Write(*file, kWriteUnit, Units('b') + Units('c')).ok());
  drive.Crash(/*keep_unsynced=*/100);
  EXPECT_EQ(ReadAll(*file), Units('a') + std::string(100, 'b'));
  // What survived a crash is on the medium now: a clean crash keeps it.
  drive.Crash();
  EXPECT_EQ(*file->Size(), kWriteUnit + 100u);
  // Keeping more than was written keeps exactly what was written.
  ASSERT_TRUE(Write(*file, 2 * kWriteUnit, Units('d')).ok());
  drive.Crash(/*keep_unsynced=*/10 * kWriteUnit);
  EXPECT_EQ(*file->Size(), 3u * kWriteUnit);
}

TEST(MemoryDriveTest, CountsWritesAndSyncs) {
  MemoryDrive drive(1);
  auto a = Create(drive, 1);
  auto b = Create(drive, 2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(drive.writes(), 0u);
  EXPECT_EQ(drive.syncs(), 0u);
  ASSERT_TRUE(Write(*a, 0, Units('a')).ok());
  ASSERT_TRUE(Write(*b, 0, Units('b')).ok());
  ASSERT_TRUE(Write(*a, kWriteUnit, Units('a')).ok());
  ASSERT_TRUE(a->Sync().ok());
  ReadAll(*a);
  EXPECT_EQ(drive.writes(), 3u);
  EXPECT_EQ(drive.syncs(), 1u);
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(drive.writes(), 3u);
  EXPECT_EQ(drive.syncs(), 3u);
}

class FaultyDriveTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemoryDrive> inner_ = std::make_shared<MemoryDrive>(4);
  FaultyDrive drive_{inner_};
};

TEST_F(FaultyDriveTest, PassesThroughWithoutFaults) {
  EXPECT_EQ(drive_.id(), 4u);
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  ASSERT_TRUE(Write(*file, 0, Units('a')).ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(ReadAll(*file), Units('a'));
  EXPECT_EQ(*drive_.ListSegments(), (std::vector<uint64_t>{1}));
  EXPECT_EQ(inner_->writes(), 1u);
  EXPECT_EQ(inner_->syncs(), 1u);
}

TEST_F(FaultyDriveTest, OfflineFailsEveryCallIncludingOpenFiles) {
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  ASSERT_TRUE(Write(*file, 0, Units('a')).ok());
  drive_.SetOffline(true);
  char byte = 0;
  std::vector<Status> errors = {
      drive_.CreateSegment(2).status(),     drive_.OpenSegment(1).status(),
      drive_.ListSegments().status(),       drive_.RemoveSegment(1),
      Write(*file, kWriteUnit, Units('b')), file->Sync(),
      file->ReadAt(0, &byte, 1).status(),   file->Size().status()};
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].code(), ErrorCode::kInternal) << i;
  }
  // Nothing reached the drive underneath.
  EXPECT_EQ(*inner_->ListSegments(), (std::vector<uint64_t>{1}));
  EXPECT_EQ(inner_->writes(), 1u);
  EXPECT_EQ(inner_->syncs(), 0u);

  drive_.SetOffline(false);
  EXPECT_EQ(ReadAll(*file), Units('a'));
  EXPECT_TRUE(drive_.OpenSegment(1).ok());
}

TEST_F(FaultyDriveTest, FailWritesAfterCountsDown) {
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  drive_.FailWritesAfter(2);
  EXPECT_TRUE(Write(*file, 0, Units('a')).ok());
  EXPECT_TRUE(Write(*file, kWriteUnit, Units('b')).ok());
  EXPECT_EQ(Write(*file, 2 * kWriteUnit, Units('c')).code(), ErrorCode::kInternal);
  EXPECT_EQ(Write(*file, 3 * kWriteUnit, Units('d')).code(), ErrorCode::kInternal);
  EXPECT_EQ(inner_->writes(), 2u);
  EXPECT_EQ(ReadAll(*file), Units('a') + Units('b'));
  EXPECT_TRUE(file->Sync().ok());  // only writes fail

  drive_.FailWritesAfter(0);
  EXPECT_FALSE(Write(*file, 2 * kWriteUnit, Units('c')).ok());
  drive_.FailWritesAfter(-1);
  EXPECT_TRUE(Write(*file, 2 * kWriteUnit, Units('c')).ok());
  EXPECT_EQ(inner_->writes(), 3u);
}

TEST_F(FaultyDriveTest, FailedSyncsMakeNothingDurable) {
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  drive_.FailSyncs(true);
  EXPECT_TRUE(Write(*file, 0, Units('a')).ok());
  EXPECT_EQ(file->Sync().code(), ErrorCode::kInternal);
  EXPECT_EQ(inner_->syncs(), 0u);
  inner_->Crash();
  EXPECT_EQ(ReadAll(*file), "");

  drive_.FailSyncs(false);
  EXPECT_TRUE(Write(*file, 0, Units('a')).ok());
  EXPECT_TRUE(file->Sync().ok());
  inner_->Crash();
  EXPECT_EQ(ReadAll(*file), Units('a'));
}

TEST_F(FaultyDriveTest, FlipByteCorruptsOnlyReadsOfThatSegment) {
  auto target = Create(drive_, 1);
  auto bystander = Create(drive_, 2);
  ASSERT_TRUE(target && bystander);
  ASSERT_TRUE(Write(*target, 0, Units('a', 2)).ok());
  ASSERT_TRUE(Write(*bystander, 0, Units('a', 2)).ok());
  const uint64_t at = kWriteUnit + 5;
  drive_.FlipByte(1, at);

  const char flipped = static_cast<char>(~'a');
  EXPECT_EQ(Read(*target, at - 2, 5), std::string("aa") + flipped + "aa");
  EXPECT_EQ(Read(*target, at, 1), std::string(1, flipped));
  EXPECT_EQ(Read(*target, 0, at), std::string(at, 'a'));  // a read that ends before it
  EXPECT_EQ(Read(*target, at + 1, 3), "aaa");             // one that starts after it
  auto reopened = drive_.OpenSegment(1);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Read(**reopened, at, 1), std::string(1, flipped));
  EXPECT_EQ(ReadAll(*bystander), Units('a', 2));
  // The stored bytes are intact.
  EXPECT_EQ(ReadAll(**inner_->OpenSegment(1)), Units('a', 2));

  drive_.ClearFaults();
  EXPECT_EQ(ReadAll(*target), Units('a', 2));
}

TEST_F(FaultyDriveTest, TearCutsOnlyReadsOfThatSegment) {
  auto target = Create(drive_, 1);
  auto bystander = Create(drive_, 2);
  ASSERT_TRUE(target && bystander);
  ASSERT_TRUE(Write(*target, 0, Units('a') + Units('b')).ok());
  ASSERT_TRUE(Write(*bystander, 0, Units('c', 2)).ok());
  drive_.Tear(1, kWriteUnit + 10);

  EXPECT_EQ(Read(*target, 0, 2 * kWriteUnit), Units('a') + std::string(10, 'b'));
  EXPECT_EQ(Read(*target, kWriteUnit, kWriteUnit), std::string(10, 'b'));
  EXPECT_EQ(Read(*target, kWriteUnit + 10, kWriteUnit), "");
  EXPECT_EQ(Read(*target, kWriteUnit + 20, kWriteUnit), "");
  EXPECT_EQ(Read(*target, 0, 5), "aaaaa");
  EXPECT_EQ(Read(*bystander, 0, 2 * kWriteUnit), Units('c', 2));
  EXPECT_EQ(Read(**inner_->OpenSegment(1), 0, 2 * kWriteUnit), Units('a') + Units('b'));

  drive_.ClearFaults();
  EXPECT_EQ(Read(*target, 0, 2 * kWriteUnit), Units('a') + Units('b'));
}

TEST_F(FaultyDriveTest, ClearFaultsDropsEveryFault) {
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  ASSERT_TRUE(Write(*file, 0, Units('a')).ok());
  drive_.SetOffline(true);
  drive_.FailWritesAfter(0);
  drive_.FailSyncs(true);
  drive_.FlipByte(1, 0);
  drive_.Tear(1, 1);
  drive_.ClearFaults();
  EXPECT_TRUE(Write(*file, kWriteUnit, Units('b')).ok());
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_EQ(ReadAll(*file), Units('a') + Units('b'));
  EXPECT_TRUE(drive_.ListSegments().ok());
}

}  // namespace
}  // namespace tessera::drive
