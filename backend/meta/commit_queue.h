#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "backend/api/status.h"
#include "backend/meta/env.h"

namespace tessera::meta {

// Group commit of metadata changes. Writers hand their change to Run(); the changes queued
// while a commit is in flight form the next batch, which one writer (the leader) applies in
// one write transaction, each change in a nested transaction of its own, and commits with
// one sync. A change that fails is rolled back alone; the others of its batch commit. No one
// sleeps to gather a batch: a batch is whatever arrived during the previous commit.
// Thread-safe.
class CommitQueue {
 public:
  explicit CommitQueue(Env* env) : env_(env) {}

  // Runs `change` inside the next batch (possibly on another writer's thread) and returns
  // once that batch is durable: `change`'s own error, or the batch's commit error. `change`
  // must not commit the transaction it is given, nor call Run() or begin another write
  // transaction on this environment.
  Status Run(const std::function<Status(Txn&)>& change);

  // Batches committed and changes run so far, and changes waiting for a batch now.
  uint64_t batches() const;
  uint64_t changes() const;
  size_t pending() const;

 private:
  struct Pending {
    const std::function<Status(Txn&)>* change = nullptr;
    Status status;
    bool done = false;
    std::condition_variable wake;  // its writer waits here: woken when done or to lead
  };

  void RunBatch(std::deque<std::shared_ptr<Pending>>& batch);

  Env* env_;
  mutable std::mutex mu_;
  // Shared with the leader, which wakes writers after letting go of mu_ (a writer woken
  // while the leader holds it would only block again) and must find their Pending alive.
  std::deque<std::shared_ptr<Pending>> queue_;  // guarded by mu_
  bool leading_ = false;                        // a leader is running a batch
  uint64_t batches_ = 0;
  uint64_t changes_ = 0;
};

}  // namespace tessera::meta
