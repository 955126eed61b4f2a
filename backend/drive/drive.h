#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/api/status.h"

namespace tessera::drive {

// Every write to a segment is a whole number of write units at a write-unit-aligned
// offset: the indirection unit of dense QLC drives (backend/drive/FORMAT.md).
inline constexpr uint32_t kWriteUnit = 64 * 1024;

// One segment file. The drive store writes each byte at most once, at offsets it reserved,
// and never rewrites one (append-only by contract; concurrent writers use disjoint
// ranges). Positional I/O; thread-safe.
class SegmentFile {
 public:
  virtual ~SegmentFile() = default;
  // Writes `n` bytes at `offset`. Both are multiples of kWriteUnit, and `data` is aligned
  // to kWriteUnit (direct I/O needs it). Not durable until Sync().
  virtual Status WriteAt(uint64_t offset, const char* data, size_t n) = 0;
  // Makes every byte written so far durable (fdatasync). Once a sync failed, every later
  // WriteAt() and Sync() of the file fails too (the kernel may have dropped the bytes).
  virtual Status Sync() = 0;
  // Reads up to `n` bytes at `offset`; fewer only at end of file.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const = 0;
  // Bytes up to the end of the last write.
  virtual Result<uint64_t> Size() const = 0;
  // A descriptor that a read may be issued on asynchronously (batched reads use it), or -1
  // when it should go through ReadAt() (reads served by a copy: memory drives, the page
  // cache; fault-injecting drives). `aligned`: the read's offset, length and buffer are
  // multiples of 4 KiB, so a direct (O_DIRECT) descriptor may serve it.
  virtual int ReadFd(bool aligned) const {
    (void)aligned;
    return -1;
  }
};

// The file system a drive sits on: its size, what is free, and an id that is the same for
// drives sharing one file system (so that capacity is counted once).
struct DriveSpace {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;  // available to the gateway's user
  uint64_t filesystem = 0;
};

// One failure domain's worth of segment storage: a local directory, memory in tests, later
// a remote node. Thread-safe. Errors: a segment that does not exist is kDataLoss; an
// unreachable drive or an I/O failure is kInternal. Readers of the erasure layer treat every
// error as one lost fragment.
class Drive {
 public:
  virtual ~Drive() = default;
  virtual uint32_t id() const = 0;

  // Creates an empty segment. Its name is durable when this returns. Fails if it exists.
  virtual Result<std::shared_ptr<SegmentFile>> CreateSegment(uint64_t segment) = 0;
  virtual Result<std::shared_ptr<SegmentFile>> OpenSegment(uint64_t segment) = 0;
  // Every segment on the drive, ascending.
  virtual Result<std::vector<uint64_t>> ListSegments() = 0;
  // Removes a segment; OK if it does not exist. Files already open stay readable.
  virtual Status RemoveSegment(uint64_t segment) = 0;
  // Whether the drive is there and, with `write`, takes writes now (a small write, synced
  // and removed). An error when it is missing, read-only, full or failing. A local drive
  // whose directory is back, empty, gets its segment directory again (a replacement).
  virtual Status Probe(bool write) {
    (void)write;
    return Status::Ok();
  }
  // The space of the file system the drive sits on; kNotImplemented where that means
  // nothing (memory drives).
  virtual Result<DriveSpace> Space() {
    return Status(ErrorCode::kNotImplemented, "no file system");
  }
};

// "<16 lowercase hex digits>.seg".
std::string SegmentFileName(uint64_t segment);
// The segment id of a file name made by SegmentFileName(); false for any other name.
bool ParseSegmentFileName(const std::string& name, uint64_t* segment);

}  // namespace tessera::drive
