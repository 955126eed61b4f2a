#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/drive/drive.h"

namespace tessera::drive {

// Wraps a drive and injects the failures real drives have, for tests: going offline,
// failing writes or syncs, and corrupting what reads see (a flipped byte, a segment cut
// short). Corruption is applied on the read path, so it works over any drive and is undone
// by ClearFaults(). Power loss is MemoryDrive::Crash(). Thread-safe.
class FaultyDrive : public Drive {
 public:
  explicit FaultyDrive(std::shared_ptr<Drive> inner);

  uint32_t id() const override { return inner_->id(); }
  Result<std::shared_ptr<SegmentFile>> CreateSegment(uint64_t segment) override;
  Result<std::shared_ptr<SegmentFile>> OpenSegment(uint64_t segment) override;
  Result<std::vector<uint64_t>> ListSegments() override;
  Status RemoveSegment(uint64_t segment) override;
  // Fails while offline or failing syncs.
  Status Probe(bool write) override;
  Result<DriveSpace> Space() override { return inner_->Space(); }

  // Every call (including I/O through files already open) fails with kInternal.
  void SetOffline(bool offline);
  // The `n`-th WriteAt() from now on (0 = the next) and every later one fail; negative
  // turns it off.
  void FailWritesAfter(int n);
  // Every Sync() fails while set.
  void FailSyncs(bool fail);
  // Reads of `segment` see the byte at `offset` inverted.
  void FlipByte(uint64_t segment, uint64_t offset);
  // Reads of `segment` see a file cut to `length` bytes.
  void Tear(uint64_t segment, uint64_t length);
  // Drops every fault.
  void ClearFaults();

  // State shared with open files (implementation detail).
  struct Faults;

 private:
  std::shared_ptr<Drive> inner_;
  std::shared_ptr<Faults> faults_;
};

}  // namespace tessera::drive
