#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "backend/api/status.h"
#include "backend/drive/drive.h"

namespace tessera::drive {

// A countdown of queued I/O jobs that a writer waits on. The first error wins.
// Thread-safe.
class Completion {
 public:
  void Add(int jobs);
  void Done(const Status& status);
  // Blocks until every job added so far is done; returns the first error, and resets the
  // error so the object can be reused.
  Status Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_ = 0;
  Status first_;
};

// The I/O thread of one drive. Any number of writers queue writes and syncs; the thread
// runs them in batches, a batch being every job queued while the previous batch ran. A
// batch's writes go first, then one Sync() per file that any job of the batch asked to
// sync: concurrent writers share flushes (group commit) without anyone sleeping, and a
// sync job completes only once the bytes written before it was queued are durable.
// Thread-safe. The destructor finishes every queued job, then joins.
class DriveIo {
 public:
  DriveIo();
  ~DriveIo();
  DriveIo(const DriveIo&) = delete;
  DriveIo& operator=(const DriveIo&) = delete;

  // Queues a write of `n` bytes from `data` (kept alive by the caller until `done` counts
  // it) at `offset` of `file`.
  void Write(std::shared_ptr<SegmentFile> file, uint64_t offset, const char* data, size_t n,
             Completion* done);
  // Queues a sync of `file`; its own outcome also goes to `result` when given (so that one
  // Completion can wait for syncs on several drives and still tell which failed).
  void Sync(std::shared_ptr<SegmentFile> file, Completion* done, Status* result = nullptr);

  // Flushes issued and jobs run so far (for tests of group commit).
  uint64_t flushes() const;
  uint64_t jobs() const;

 private:
  struct Job {
    std::shared_ptr<SegmentFile> file;
    uint64_t offset = 0;
    const char* data = nullptr;
    size_t n = 0;
    bool sync = false;  // a sync of `file`, not a write
    Completion* done = nullptr;
    Status* result = nullptr;  // a sync's own outcome, when the caller asked for it
  };

  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  uint64_t flushes_ = 0;
  uint64_t jobs_ = 0;
  std::thread thread_;
};

}  // namespace tessera::drive
