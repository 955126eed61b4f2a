#include "backend/drive/reader_epochs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace tessera::drive {
namespace {

class ReaderEpochsTest : public ::testing::Test {
 protected:
  // A removal that records its name when it runs.
  std::function<void()> Removal(std::string name) {
    return [this, name = std::move(name)] { removed_.push_back(name); };
  }

  ReaderEpochs epochs_;
  std::vector<std::string> removed_;
};

using Names = std::vector<std::string>;

TEST_F(ReaderEpochsTest, RetireWithoutReadersRunsAtOnce) {
  epochs_.Retire(Removal("a"));
  EXPECT_EQ(removed_, Names{"a"});
  EXPECT_EQ(epochs_.pending(), 0u);
  epochs_.Retire(Removal("b"));
  EXPECT_EQ(removed_, (Names{"a", "b"}));
}

TEST_F(ReaderEpochsTest, ReadersThatLeftDoNotDelay) {
  epochs_.Leave(epochs_.Enter());
  epochs_.Leave(epochs_.Enter());
  epochs_.Retire(Removal("a"));
  EXPECT_EQ(removed_, Names{"a"});
}

TEST_F(ReaderEpochsTest, ReaderFromBeforeRetireDelaysItUntilLeave) {
  const uint64_t reader = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  EXPECT_TRUE(removed_.empty());
  EXPECT_EQ(epochs_.pending(), 1u);
  epochs_.Leave(reader);
  EXPECT_EQ(removed_, Names{"a"});
  EXPECT_EQ(epochs_.pending(), 0u);
}

TEST_F(ReaderEpochsTest, ReaderFromAfterRetireDoesNotDelayIt) {
  const uint64_t early = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  const uint64_t late = epochs_.Enter();
  epochs_.Leave(early);
  // `late` saw the new location, so the old file may go while it still reads.
  EXPECT_EQ(removed_, Names{"a"});
  epochs_.Retire(Removal("b"));
  EXPECT_EQ(removed_, Names{"a"});  // but `late` holds up what is retired after it entered
  epochs_.Leave(late);
  EXPECT_EQ(removed_, (Names{"a", "b"}));
}

TEST_F(ReaderEpochsTest, ReaderEnteringAfterRetireWithNoOneElseNeverWaits) {
  const uint64_t reader = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  epochs_.Leave(reader);
  ASSERT_EQ(removed_, Names{"a"});
  const uint64_t later = epochs_.Enter();
  epochs_.Leave(later);
  EXPECT_EQ(removed_, Names{"a"});  // nothing runs twice
}

TEST_F(ReaderEpochsTest, EveryReaderOfAnEpochMustLeave) {
  const uint64_t r1 = epochs_.Enter();
  const uint64_t r2 = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  epochs_.Leave(r1);
  EXPECT_TRUE(removed_.empty());
  epochs_.Leave(r2);
  EXPECT_EQ(removed_, Names{"a"});
}

TEST_F(ReaderEpochsTest, RemovalsRunInRetireOrderAsTheirReadersLeave) {
  const uint64_t r1 = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  const uint64_t r2 = epochs_.Enter();
  epochs_.Retire(Removal("b"));
  const uint64_t r3 = epochs_.Enter();
  epochs_.Retire(Removal("c"));
  EXPECT_EQ(epochs_.pending(), 3u);

  // The newest reader leaving frees nothing: older readers still hold every removal.
  epochs_.Leave(r3);
  EXPECT_TRUE(removed_.empty());
  EXPECT_EQ(epochs_.pending(), 3u);
  // The oldest leaving frees what only it could still read.
  epochs_.Leave(r1);
  EXPECT_EQ(removed_, Names{"a"});
  EXPECT_EQ(epochs_.pending(), 2u);
  epochs_.Leave(r2);
  EXPECT_EQ(removed_, (Names{"a", "b", "c"}));
  EXPECT_EQ(epochs_.pending(), 0u);
}

TEST_F(ReaderEpochsTest, RetireAlsoRunsRemovalsThatBecameDue) {
  const uint64_t r1 = epochs_.Enter();
  epochs_.Retire(Removal("a"));
  epochs_.Retire(Removal("b"));
  EXPECT_EQ(epochs_.pending(), 2u);
  epochs_.Leave(r1);
  EXPECT_EQ(removed_, (Names{"a", "b"}));
}

TEST_F(ReaderEpochsTest, RemovalMayRetireAgain) {
  // Callbacks run outside the lock, so a removal can call back into the object.
  const uint64_t reader = epochs_.Enter();
  epochs_.Retire([this] {
    removed_.push_back("a");
    epochs_.Retire(Removal("b"));
  });
  epochs_.Leave(reader);
  EXPECT_EQ(removed_, (Names{"a", "b"}));
  EXPECT_EQ(epochs_.pending(), 0u);
}

TEST(ReaderEpochsThreadsTest, EveryRemovalRunsOnceAfterAllReadersLeave) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  ReaderEpochs epochs;
  std::atomic<int> removed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        const uint64_t token = epochs.Enter();
        epochs.Retire([&] { ++removed; });
        epochs.Leave(token);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(removed.load(), kThreads * kRounds);
  EXPECT_EQ(epochs.pending(), 0u);
}

}  // namespace
}  // namespace tessera::drive
