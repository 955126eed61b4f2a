#include "backend/store/extent_pins.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "tests/store/fake_extent_store.h"

namespace tessera::store::testing {
namespace {

// Writes `n` one-byte extents into `fake` and returns their locations.
std::vector<extent::ExtentLocation> Extents(FakeExtentStore& fake, size_t n) {
  OwnedSource body(std::string(n, 'x'));
  Result<extent::Written> written = fake.Write(body);
  EXPECT_TRUE(written.ok());
  return written.ok() ? written->extents : std::vector<extent::ExtentLocation>{};
}

TEST(ExtentPinsTest, UnpinnedExtentsAreDeletedAtOnce) {
  auto fake = std::make_shared<FakeExtentStore>(1);
  auto pins = ExtentPins::Create(fake);
  std::vector<extent::ExtentLocation> extents = Extents(*fake, 2);
  pins->Free(extents);
  EXPECT_EQ(fake->deleted(), (std::set<uint64_t>{1, 2}));
  EXPECT_EQ(pins->pinned(), 0u);
}

TEST(ExtentPinsTest, DeleteWaitsForTheLastPin) {
  auto fake = std::make_shared<FakeExtentStore>(1);
  auto pins = ExtentPins::Create(fake);
  std::vector<extent::ExtentLocation> extents = Extents(*fake, 3);
  bool unchanged = false;
  auto a = pins->Pin({1, 2, 2, 1}, pins->generation(), &unchanged);
  EXPECT_TRUE(unchanged);
  auto b = pins->Pin({2}, pins->generation(), &unchanged);
  EXPECT_EQ(pins->pinned(), 2u);

  pins->Free(extents);
  EXPECT_EQ(fake->deleted(), (std::set<uint64_t>{3}));
  EXPECT_EQ(pins->deferred(), 2u);
  pins->Free({extents[0]});  // freeing twice defers once
  a.reset();
  EXPECT_EQ(fake->deleted(), (std::set<uint64_t>{1, 3}));
  b.reset();
  EXPECT_EQ(fake->deleted(), (std::set<uint64_t>{1, 2, 3}));
  EXPECT_EQ(pins->pinned(), 0u);
  EXPECT_EQ(pins->deferred(), 0u);
  // Unpinning an extent that was never freed deletes nothing.
  std::vector<extent::ExtentLocation> more = Extents(*fake, 1);
  pins->Pin({more[0].id}, 0, &unchanged).reset();
  EXPECT_TRUE(fake->Has(more[0].id));
}

TEST(ExtentPinsTest, PinReportsWhetherAnythingWasFreedSince) {
  auto fake = std::make_shared<FakeExtentStore>(1);
  auto pins = ExtentPins::Create(fake);
  std::vector<extent::ExtentLocation> extents = Extents(*fake, 2);
  uint64_t before = pins->generation();
  pins->Free({extents[1]});
  bool unchanged = true;
  auto lease = pins->Pin({extents[0].id}, before, &unchanged);
  EXPECT_FALSE(unchanged);
  auto again = pins->Pin({extents[0].id}, pins->generation(), &unchanged);
  EXPECT_TRUE(unchanged);
}

TEST(ExtentPinsTest, LeasesOutliveTheRegistryHandle) {
  auto fake = std::make_shared<FakeExtentStore>(1);
  auto pins = ExtentPins::Create(fake);
  std::vector<extent::ExtentLocation> extents = Extents(*fake, 1);
  bool unchanged = false;
  auto lease = pins->Pin({1}, 0, &unchanged);
  pins->Free(extents);
  pins.reset();
  EXPECT_TRUE(fake->Has(1));
  lease.reset();
  EXPECT_FALSE(fake->Has(1));
}

TEST(ExtentPinsTest, ConcurrentPinsAndFreesDeleteEachFreedExtentOnce) {
  auto fake = std::make_shared<FakeExtentStore>(1);
  auto pins = ExtentPins::Create(fake);
  std::vector<extent::ExtentLocation> extents = Extents(*fake, 200);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        bool unchanged = false;
        auto lease = pins->Pin({static_cast<uint64_t>(1 + (round * 7 + t) % 200),
                                static_cast<uint64_t>(1 + (round * 13 + t) % 200)},
                               pins->generation(), &unchanged);
        if (t == 0 && round % 2 == 0) pins->Free({extents[round / 2]});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(pins->pinned(), 0u);
  std::set<uint64_t> freed;
  for (int i = 0; i < 100; ++i) freed.insert(extents[i].id);
  EXPECT_EQ(fake->deleted(), freed);
  EXPECT_EQ(fake->live(), 100u);
}

}  // namespace
}  // namespace tessera::store::testing
