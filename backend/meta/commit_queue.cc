#include "backend/meta/commit_queue.h"

#include <utility>

namespace tessera::meta {

Status CommitQueue::Run(const std::function<Status(Txn&)>& change) {
  auto pending = std::make_shared<Pending>();
  pending->change = &change;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(pending);
  while (!pending->done) {
    if (leading_) {
      pending->wake.wait(lock);
      continue;
    }
    // Lead one batch (it holds our own change), then let a waiter lead the next.
    leading_ = true;
    std::deque<std::shared_ptr<Pending>> batch = std::move(queue_);
    queue_.clear();
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    leading_ = false;
    ++batches_;
    changes_ += batch.size();
    for (auto& p : batch) p->done = true;
    std::shared_ptr<Pending> next = queue_.empty() ? nullptr : queue_.front();
    // Wake exactly the writers of this batch, and one writer of the next to lead it, once
    // mu_ is free for them to take.
    lock.unlock();
    for (auto& p : batch) {
      if (p != pending) p->wake.notify_one();
    }
    if (next) next->wake.notify_one();
    lock.lock();
  }
  return pending->status;
}

void CommitQueue::RunBatch(std::deque<std::shared_ptr<Pending>>& batch) {
  Result<Txn> txn = env_->BeginWrite();
  if (!txn.ok()) {
    for (auto& p : batch) p->status = txn.status();
    return;
  }
  for (auto& p : batch) {
    Result<Txn> child = txn->BeginNested();
    if (!child.ok()) {
      p->status = child.status();
      continue;
    }
    Status status = (*p->change)(*child);
    if (status.ok()) {
      status = child->Commit();
    } else {
      child->Abort();
    }
    p->status = std::move(status);
  }
  Status committed = txn->Commit();
  if (!committed.ok()) {
    for (auto& p : batch) {
      if (p->status.ok()) p->status = committed;
    }
  }
}

uint64_t CommitQueue::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

size_t CommitQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

uint64_t CommitQueue::changes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return changes_;
}

}  // namespace tessera::meta
