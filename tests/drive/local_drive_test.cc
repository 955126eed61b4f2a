#include "backend/drive/local_drive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/drive/temp_dir.h"

namespace tessera::drive {
namespace {

namespace fs = std::filesystem;

TEST(LocalDriveTest, OpenCreatesTheLayout) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(3, dir.path() + "/a/b/");
  EXPECT_FALSE(drive.ok()) << "parents are not created implicitly";
  drive = LocalDrive::Open(3, dir.path() + "/d3/");
  ASSERT_TRUE(drive.ok()) << drive.status().ToString();
  EXPECT_TRUE(fs::is_directory(dir.path() + "/d3/fragments"));
  EXPECT_EQ((*drive)->id(), 3u);
  EXPECT_EQ((*drive)->root(), dir.path() + "/d3");
}

TEST(LocalDriveTest, FragmentPathUsesFanOutByTopByte) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(1, dir.path());
  ASSERT_TRUE(drive.ok());
  FragmentId id{0xab00000000000042ull, 7};
  EXPECT_EQ(id.Name(), "ab00000000000042.7");
  EXPECT_EQ((*drive)->PathOf(id), dir.path() + "/fragments/ab/ab00000000000042.7");
}

TEST(LocalDriveTest, FileIsInvisibleUntilCommit) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(1, dir.path());
  ASSERT_TRUE(drive.ok());
  FragmentId id{0x1000000000000001ull, 0};
  auto file = (*drive)->Create(id);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("hello ").ok());
  ASSERT_TRUE((*file)->Append("world").ok());
  EXPECT_EQ((*drive)->Open(id).status().code(), ErrorCode::kDataLoss);
  EXPECT_FALSE(*(*drive)->Exists(id));
  EXPECT_TRUE(fs::exists((*drive)->PathOf(id) + ".tmp"));
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_FALSE(fs::exists((*drive)->PathOf(id) + ".tmp"));
  EXPECT_TRUE(*(*drive)->Exists(id));

  auto reader = (*drive)->Open(id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->size(), 11u);
  std::string buf(20, '\0');
  auto n = (*reader)->ReadAt(6, buf.data(), buf.size());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "world");
}

TEST(LocalDriveTest, AbortAndDestructionRemoveTheTemporaryFile) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(1, dir.path());
  ASSERT_TRUE(drive.ok());
  FragmentId a{0x2000000000000001ull, 0}, b{0x2000000000000001ull, 1};
  {
    auto file = (*drive)->Create(a);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("x").ok());
    (*file)->Abort();
    EXPECT_FALSE(fs::exists((*drive)->PathOf(a) + ".tmp"));
    auto other = (*drive)->Create(b);
    ASSERT_TRUE(other.ok());
  }
  EXPECT_FALSE(fs::exists((*drive)->PathOf(b) + ".tmp"));
  EXPECT_TRUE(fs::is_empty(dir.path() + "/fragments/20"));
}

TEST(LocalDriveTest, RemoveIsIdempotent) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(1, dir.path());
  ASSERT_TRUE(drive.ok());
  FragmentId id{0x3000000000000001ull, 2};
  auto file = (*drive)->Create(id);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_TRUE(fs::exists((*drive)->PathOf(id)));
  EXPECT_TRUE((*drive)->Remove(id).ok());
  EXPECT_FALSE(fs::exists((*drive)->PathOf(id)));
  EXPECT_TRUE((*drive)->Remove(id).ok());
}

TEST(LocalDriveTest, DeletedDirectoryFailsCleanly) {
  testing::TempDir dir;
  auto drive = LocalDrive::Open(1, dir.path() + "/gone");
  ASSERT_TRUE(drive.ok());
  fs::remove_all(dir.path() + "/gone");
  FragmentId id{0x4000000000000001ull, 0};
  EXPECT_FALSE((*drive)->Create(id).ok());
  EXPECT_EQ((*drive)->Open(id).status().code(), ErrorCode::kDataLoss);
  EXPECT_TRUE((*drive)->Remove(id).ok());
}

}  // namespace
}  // namespace tessera::drive
