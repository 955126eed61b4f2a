#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backend/drive/drive.h"

namespace tessera::drive {

// An in-memory drive for tests. Tracks what Sync() made durable, so that Crash() can lose
// exactly what a power cut loses. Thread-safe.
class MemoryDrive : public Drive {
 public:
  explicit MemoryDrive(uint32_t id) : id_(id) {}

  uint32_t id() const override { return id_; }
  Result<std::shared_ptr<SegmentFile>> CreateSegment(uint64_t segment) override;
  Result<std::shared_ptr<SegmentFile>> OpenSegment(uint64_t segment) override;
  Result<std::vector<uint64_t>> ListSegments() override;
  Status RemoveSegment(uint64_t segment) override;

  // Power loss: every segment returns to its contents at its last Sync(), except that the
  // first `keep_unsynced` bytes past that end survive (a torn append).
  void Crash(uint64_t keep_unsynced = 0);

  // Bytes of all segments, WriteAt() calls and Sync() calls so far.
  uint64_t StoredBytes() const;
  uint64_t writes() const { return writes_.load(); }
  uint64_t syncs() const { return syncs_.load(); }

  struct Segment;  // implementation detail, shared with open files

 private:
  uint32_t id_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Segment>> segments_;
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace tessera::drive
