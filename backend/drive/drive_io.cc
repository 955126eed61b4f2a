#include "backend/drive/drive_io.h"

#include <map>
#include <utility>
#include <vector>

#include "common/log.h"

namespace tessera::drive {

void Completion::Add(int jobs) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ += jobs;
}

void Completion::Done(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!status.ok() && first_.ok()) first_ = status;
  if (--pending_ == 0) cv_.notify_one();  // one waiter: the writer
}

Status Completion::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return pending_ == 0; });
  Status out = std::move(first_);
  first_ = Status::Ok();
  return out;
}

DriveIo::DriveIo() : thread_([this] { Loop(); }) {}

DriveIo::~DriveIo() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DriveIo::Write(std::shared_ptr<SegmentFile> file, uint64_t offset, const char* data, size_t n,
                    Completion* done) {
  done->Add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Job{std::move(file), offset, data, n, false, done});
  }
  cv_.notify_one();
}

void DriveIo::Sync(std::shared_ptr<SegmentFile> file, Completion* done, Status* result) {
  done->Add(1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Job{std::move(file), 0, nullptr, 0, true, done, result});
  }
  cv_.notify_one();
}

uint64_t DriveIo::flushes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return flushes_;
}

uint64_t DriveIo::jobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_;
}

void DriveIo::Loop() {
  NameThread("tessera-drive");
  std::vector<Job> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    // Writes first, in queue order; then one sync per file for every sync job of the batch.
    std::map<SegmentFile*, std::vector<Job*>> syncs;
    for (Job& job : batch) {
      if (job.sync) {
        syncs[job.file.get()].push_back(&job);
        continue;
      }
      job.done->Done(job.file->WriteAt(job.offset, job.data, job.n));
    }
    {
      // Counted before any waiter of this batch wakes, so that they see it.
      std::lock_guard<std::mutex> lock(mu_);
      flushes_ += syncs.size();
      jobs_ += batch.size();
    }
    for (auto& [file, jobs] : syncs) {
      Status status = file->Sync();
      for (Job* job : jobs) {
        if (job->result != nullptr) *job->result = status;
        job->done->Done(status);
      }
    }
    batch.clear();
  }
}

}  // namespace tessera::drive
