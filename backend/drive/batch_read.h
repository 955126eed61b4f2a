#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/api/status.h"
#include "backend/drive/drive.h"

namespace tessera::drive {

// One positional read of a batch.
struct ReadOp {
  const SegmentFile* file = nullptr;
  uint64_t offset = 0;
  char* buf = nullptr;
  size_t n = 0;
  Result<size_t> got = size_t{0};  // what ReadAt() would have returned
};

// Runs every read of `ops` and fills in each `got`, as ReadAt() on each would. Reads of
// files that expose a descriptor (SegmentFile::ReadFd; a direct one for reads aligned to
// 4 KiB, which then bypass the page cache) are issued together through the
// calling thread's io_uring, so reads on different drives proceed in parallel without a
// thread hand-off; the others (and every read where io_uring is unavailable) run one by one.
void ReadAll(std::vector<ReadOp>& ops);

}  // namespace tessera::drive
