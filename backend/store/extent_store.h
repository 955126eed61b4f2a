#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/api/body.h"
#include "backend/api/status.h"

namespace tessera::store {

// Where one immutable extent lives: its id, its logical size, the erasure profile it was
// written with, and the drive holding each fragment (index i = fragment i; the first k
// are data fragments). Persisted inside object manifests by the metadata layer.
struct ExtentLocation {
  uint64_t id = 0;
  uint64_t size = 0;             // logical (user) bytes in the extent
  uint8_t k = 0;                 // data fragments
  uint8_t m = 0;                 // parity fragments
  uint32_t chunk_size = 0;       // bytes per fragment chunk (one stripe = k chunks)
  std::vector<uint32_t> drives;  // drive id per fragment, size k + m
};

// Stores byte streams as erasure-coded extents on drives. Thread-safe.
class ExtentStore {
 public:
  virtual ~ExtentStore() = default;

  // Consumes `body` to its end and stores it as one or more extents, in order. Every
  // fragment is durable (fsync'd) before this returns OK. If `body` fails, or a drive
  // write fails beyond what the profile tolerates, every fragment written so far is
  // removed and the error is returned. An empty body yields no extents.
  virtual Result<std::vector<ExtentLocation>> Write(BodySource& body) = 0;

  // Streams bytes [offset, offset + length) of the concatenation of `extents`. Reads
  // verify each chunk's CRC32C; a missing or corrupt fragment chunk is rebuilt from any
  // k healthy ones (degraded read). Fails with kDataLoss past m losses in a stripe.
  virtual Result<std::unique_ptr<BodySource>> Read(std::vector<ExtentLocation> extents,
                                                   uint64_t offset, uint64_t length) = 0;

  // Removes the fragments of an extent whose last reference is gone. Idempotent.
  virtual Status Delete(const ExtentLocation& extent) = 0;
};

}  // namespace tessera::store
