#include "backend/meta/commit_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/drive/temp_dir.h"
#include "tests/meta/test_env.h"

namespace tessera::meta {
namespace {

class CommitQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = tessera::testing::OpenTestEnv(dir_.path());
    ASSERT_TRUE(env_);
    queue_ = std::make_unique<CommitQueue>(env_.get());
  }
  std::optional<std::string> Get(const std::string& key) {
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto value = txn->Get(Table::kInfo, key);
    EXPECT_TRUE(value.ok());
    return value.ok() ? *value : std::nullopt;
  }

  tessera::testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  std::unique_ptr<CommitQueue> queue_;
};

TEST_F(CommitQueueTest, AChangeIsDurableWhenRunReturns) {
  ASSERT_TRUE(queue_->Run([](Txn& txn) { return txn.Put(Table::kInfo, "a", "1"); }).ok());
  EXPECT_EQ(Get("a"), "1");
  Status failed = queue_->Run([](Txn& txn) -> Status {
    RETURN_IF_ERROR(txn.Put(Table::kInfo, "b", "2"));
    return Status(ErrorCode::kPreconditionFailed, "no");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(Get("b"), std::nullopt);  // its own change was rolled back
  EXPECT_EQ(queue_->batches(), 2u);
}

TEST_F(CommitQueueTest, WritersThatArriveDuringACommitShareTheNextOne) {
  // The first change holds its batch open until every other writer has queued.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<bool> running{false};
  std::thread first([&] {
    EXPECT_TRUE(queue_
                    ->Run([&](Txn& txn) {
                      running = true;
                      std::unique_lock<std::mutex> lock(mu);
                      cv.wait(lock, [&] { return release; });
                      return txn.Put(Table::kInfo, "first", "x");
                    })
                    .ok());
  });
  // Once the first change is running (the leader's whole batch), nothing is queued.
  while (!running.load()) std::this_thread::yield();
  constexpr int kWriters = 12;
  std::vector<std::thread> writers;
  std::vector<Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[i] = queue_->Run([i](Txn& txn) -> Status {
        RETURN_IF_ERROR(txn.Put(Table::kInfo, "w" + std::to_string(i), "v"));
        if (i == 5) return Status(ErrorCode::kPreconditionFailed, "this one fails");
        return Status::Ok();
      });
    });
  }
  // Let the first batch finish only once every writer waits in the queue.
  while (queue_->pending() < kWriters) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  first.join();
  for (auto& w : writers) w.join();
  for (int i = 0; i < kWriters; ++i) {
    if (i == 5) {
      EXPECT_FALSE(results[i].ok());
      EXPECT_EQ(Get("w5"), std::nullopt);
    } else {
      EXPECT_TRUE(results[i].ok()) << i;
      EXPECT_EQ(Get("w" + std::to_string(i)), "v");
    }
  }
  EXPECT_EQ(Get("first"), "x");
  EXPECT_EQ(queue_->changes(), kWriters + 1u);
  EXPECT_EQ(queue_->batches(), 2u);  // the twelve waiting writers shared one commit
}

}  // namespace
}  // namespace tessera::meta
