#include "backend/placement/placement.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace tessera::placement {
namespace {

// `regions` regions named r0.., each with `per_region` drives; ids are 100*region + drive.
std::vector<DriveInfo> Grid(int regions, int per_region) {
  std::vector<DriveInfo> drives;
  for (int r = 0; r < regions; ++r) {
    for (int d = 0; d < per_region; ++d) {
      drives.push_back({static_cast<uint32_t>(100 * r + d), "r" + std::to_string(r)});
    }
  }
  return drives;
}

std::map<uint32_t, std::string> RegionOf(const std::vector<DriveInfo>& drives) {
  std::map<uint32_t, std::string> m;
  for (const auto& d : drives) m[d.id] = d.region;
  return m;
}

TEST(PlacementTest, Rs63OnThreeByThreeUsesEveryDriveOnceAndThreePerRegion) {
  auto drives = Grid(3, 3);
  Placer placer(drives);
  auto region_of = RegionOf(drives);
  for (uint64_t id = 1; id <= 2000; ++id) {
    auto placed = placer.Place(id * 0x9E3779B97F4A7C15ull, 9, 3);
    ASSERT_TRUE(placed.ok()) << placed.status().ToString();
    ASSERT_EQ(placed->size(), 9u);
    std::set<uint32_t> distinct(placed->begin(), placed->end());
    EXPECT_EQ(distinct.size(), 9u);
    std::map<std::string, int> per_region;
    for (uint32_t d : *placed) ++per_region[region_of[d]];
    for (auto& [region, count] : per_region) EXPECT_EQ(count, 3) << region;
  }
}

TEST(PlacementTest, LosingAnyRegionLeavesAtLeastKFragments) {
  auto drives = Grid(3, 3);
  Placer placer(drives);
  auto region_of = RegionOf(drives);
  for (uint64_t id = 0; id < 1000; ++id) {
    auto placed = placer.Place(id, 9, 3);
    ASSERT_TRUE(placed.ok());
    for (const std::string lost : {"r0", "r1", "r2"}) {
      int survivors = 0;
      for (uint32_t d : *placed) survivors += region_of[d] != lost;
      EXPECT_GE(survivors, 6) << "extent " << id << " losing " << lost;
    }
  }
}

TEST(PlacementTest, IsStableAndIndependentOfDriveListOrder) {
  auto drives = Grid(3, 4);
  Placer a(drives);
  std::vector<DriveInfo> reversed(drives.rbegin(), drives.rend());
  Placer b(reversed);
  for (uint64_t id = 0; id < 500; ++id) {
    auto pa = a.Place(id, 9, 3);
    auto pa_again = a.Place(id, 9, 3);
    auto pb = b.Place(id, 9, 3);
    ASSERT_TRUE(pa.ok() && pb.ok() && pa_again.ok());
    EXPECT_EQ(*pa, *pa_again);
    EXPECT_EQ(*pa, *pb);
  }
}

TEST(PlacementTest, SpreadsEvenlyOverManyDrives) {
  auto drives = Grid(4, 10);  // 40 drives, RS(11,5) capped at 4 per region
  Placer placer(drives);
  std::map<uint32_t, int> load;
  std::map<uint32_t, int> data_load;
  const int extents = 20000;
  for (uint64_t id = 0; id < static_cast<uint64_t>(extents); ++id) {
    auto placed = placer.Place(id, 16, 4);
    ASSERT_TRUE(placed.ok());
    for (size_t i = 0; i < placed->size(); ++i) {
      ++load[(*placed)[i]];
      if (i < 11) ++data_load[(*placed)[i]];
    }
  }
  ASSERT_EQ(load.size(), 40u);
  const double mean = extents * 16.0 / 40;
  for (auto& [drive, n] : load) {
    EXPECT_NEAR(n, mean, mean * 0.05) << "drive " << drive;
    EXPECT_NEAR(data_load[drive], extents * 11.0 / 40, extents * 11.0 / 40 * 0.08);
  }
}

TEST(PlacementTest, CapHoldsWithUnevenRegions) {
  std::vector<DriveInfo> drives = Grid(2, 6);
  drives.push_back({900, "small"});
  Placer placer(drives);
  auto region_of = RegionOf(drives);
  for (uint64_t id = 0; id < 300; ++id) {
    auto placed = placer.Place(id, 9, 4);
    ASSERT_TRUE(placed.ok()) << placed.status().ToString();
    std::map<std::string, int> per_region;
    for (uint32_t d : *placed) ++per_region[region_of[d]];
    for (auto& [region, count] : per_region) EXPECT_LE(count, 4) << region;
    EXPECT_EQ(std::set<uint32_t>(placed->begin(), placed->end()).size(), 9u);
  }
}

TEST(PlacementTest, FailsCleanlyWhenFragmentsCannotBePlaced) {
  Placer small(Grid(2, 3));
  EXPECT_EQ(small.Place(1, 9, 3).status().code(), ErrorCode::kInvalidArgument);  // 6 drives
  Placer two_regions(Grid(2, 5));
  EXPECT_EQ(two_regions.Place(1, 9, 3).status().code(), ErrorCode::kInvalidArgument);  // cap
  EXPECT_TRUE(two_regions.Place(1, 9, 0).ok());                                        // uncapped
  Placer dup({{1, "a"}, {1, "b"}, {2, "c"}});
  EXPECT_EQ(dup.Place(1, 3, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(small.Place(1, 0, 3).status().code(), ErrorCode::kInvalidArgument);
}

TEST(PlacementTest, AddingADriveMovesFewFragments) {
  auto drives = Grid(3, 5);
  Placer before(drives);
  drives.push_back({5, "r0"});
  Placer after(drives);
  int moved = 0, total = 0;
  for (uint64_t id = 0; id < 3000; ++id) {
    auto a = before.Place(id, 9, 3);
    auto b = after.Place(id, 9, 3);
    ASSERT_TRUE(a.ok() && b.ok());
    for (size_t i = 0; i < 9; ++i) moved += (*a)[i] != (*b)[i];
    total += 9;
  }
  // The new drive wins about 1/6 of region r0's 3 slots: ~0.5 of 9 fragments per extent.
  EXPECT_LT(moved, total / 10);
  EXPECT_GT(moved, 0);
}

}  // namespace
}  // namespace tessera::placement
