#include "backend/drive/faulty_drive.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "backend/drive/memory_drive.h"

namespace tessera::drive {
namespace {

std::string ReadAll(Drive& drive, const FragmentId& id) {
  auto file = drive.Open(id);
  if (!file.ok()) return "<" + file.status().ToString() + ">";
  std::string buf((*file)->size(), '\0');
  auto n = (*file)->ReadAt(0, buf.data(), buf.size());
  if (!n.ok()) return "<" + n.status().ToString() + ">";
  buf.resize(*n);
  return buf;
}

Status Put(Drive& drive, const FragmentId& id, std::string_view data) {
  ASSIGN_OR_RETURN(auto file, drive.Create(id));
  RETURN_IF_ERROR(file->Append(data));
  return file->Commit();
}

TEST(FaultyDriveTest, PassesThroughWhenHealthy) {
  auto inner = std::make_shared<MemoryDrive>(5);
  FaultyDrive drive(inner);
  EXPECT_EQ(drive.id(), 5u);
  ASSERT_TRUE(Put(drive, {1, 0}, "abc").ok());
  EXPECT_EQ(ReadAll(drive, {1, 0}), "abc");
  EXPECT_EQ(ReadAll(*inner, {1, 0}), "abc");
  EXPECT_TRUE(*drive.Exists({1, 0}));
  ASSERT_TRUE(drive.Remove({1, 0}).ok());
  EXPECT_EQ(inner->PublishedCount(), 0u);
}

TEST(FaultyDriveTest, OfflineFailsEverythingIncludingOpenFiles) {
  auto inner = std::make_shared<MemoryDrive>(1);
  FaultyDrive drive(inner);
  ASSERT_TRUE(Put(drive, {1, 0}, "abc").ok());
  auto open = drive.Open({1, 0});
  ASSERT_TRUE(open.ok());
  drive.SetOffline(true);
  char buf[3];
  EXPECT_EQ((*open)->ReadAt(0, buf, 3).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(drive.Open({1, 0}).status().code(), ErrorCode::kInternal);
  EXPECT_FALSE(drive.Create({2, 0}).ok());
  EXPECT_FALSE(drive.Exists({1, 0}).ok());
  EXPECT_FALSE(drive.Remove({1, 0}).ok());
  drive.SetOffline(false);
  EXPECT_EQ(ReadAll(drive, {1, 0}), "abc");
}

TEST(FaultyDriveTest, CrashLosesUncommittedWritesOnly) {
  auto inner = std::make_shared<MemoryDrive>(1);
  FaultyDrive drive(inner);
  ASSERT_TRUE(Put(drive, {1, 0}, "durable").ok());
  auto pending = drive.Create({2, 0});
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE((*pending)->Append("volatile").ok());
  EXPECT_EQ(inner->StagingCount(), 1u);
  drive.Crash();
  EXPECT_EQ(inner->StagingCount(), 0u);
  EXPECT_FALSE((*pending)->Append("more").ok());
  EXPECT_FALSE((*pending)->Commit().ok());
  EXPECT_EQ(drive.Open({2, 0}).status().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(ReadAll(drive, {1, 0}), "durable");
}

TEST(FaultyDriveTest, FailAppendsAfterCountsDown) {
  FaultyDrive drive(std::make_shared<MemoryDrive>(1));
  drive.FailAppendsAfter(2);
  auto file = drive.Create({1, 0});
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE((*file)->Append("a").ok());
  EXPECT_TRUE((*file)->Append("b").ok());
  EXPECT_EQ((*file)->Append("c").code(), ErrorCode::kInternal);
  EXPECT_EQ((*file)->Append("d").code(), ErrorCode::kInternal);
  drive.FailAppendsAfter(-1);
  EXPECT_TRUE((*file)->Append("e").ok());
}

TEST(FaultyDriveTest, FlipAndTearAffectReadsOfThatFragmentOnly) {
  auto inner = std::make_shared<MemoryDrive>(1);
  FaultyDrive drive(inner);
  ASSERT_TRUE(Put(drive, {1, 0}, "abcdef").ok());
  ASSERT_TRUE(Put(drive, {1, 1}, "abcdef").ok());
  drive.FlipByte({1, 0}, 2);
  EXPECT_EQ(ReadAll(drive, {1, 0}), std::string("ab") + static_cast<char>('c' ^ 0xFF) + "def");
  EXPECT_EQ(ReadAll(drive, {1, 1}), "abcdef");
  EXPECT_EQ(ReadAll(*inner, {1, 0}), "abcdef");
  drive.Tear({1, 1}, 4);
  EXPECT_EQ(ReadAll(drive, {1, 1}), "abcd");
  drive.ClearFaults();
  EXPECT_EQ(ReadAll(drive, {1, 0}), "abcdef");
  EXPECT_EQ(ReadAll(drive, {1, 1}), "abcdef");
}

}  // namespace
}  // namespace tessera::drive
