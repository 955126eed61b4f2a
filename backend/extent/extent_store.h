#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "backend/api/body.h"
#include "backend/api/status.h"
#include "backend/extent/location.h"

namespace tessera::extent {

// Held by a reader for as long as it may still read locations it looked up: while any
// guard taken before a location changed is alive, the bytes at the old location stay
// readable (the drive store defers removing files until then). Take it before the metadata
// read that yields the locations.
class ReadGuard {
 public:
  virtual ~ReadGuard() = default;
};

// Keeps the bytes of a finished Write() where they are until its caller has recorded them in
// metadata or given up on them: drop it after that commit (or failure), never before.
class WriteHold {
 public:
  virtual ~WriteHold() = default;
};

// What Write() stored: the extents in order, and the hold that protects them until the caller
// has committed or abandoned them (null when the store needs none).
struct Written {
  std::vector<ExtentLocation> extents;
  std::unique_ptr<WriteHold> hold;
};

// Stores byte streams as erasure-coded extents on drives. Thread-safe.
class ExtentStore {
 public:
  virtual ~ExtentStore() = default;

  // Consumes `body` to its end and stores it as one or more extents, in order. Every
  // fragment is durable before this returns OK. If `body` fails, or a drive write fails
  // beyond what the profile tolerates, the error is returned and nothing written is ever
  // referenced. An empty body yields no extents. The caller records the locations in
  // metadata, or calls Delete() for each when it gives up, and only then drops the hold.
  virtual Result<Written> Write(BodySource& body) = 0;

  // Streams bytes [offset, offset + length) of the concatenation of `extents`. Reads
  // verify each chunk's CRC32C; a missing or corrupt fragment chunk is rebuilt from any
  // k healthy ones (degraded read). Fails with kDataLoss past m losses in a stripe.
  // `object` names what is read ("bucket/key") in what the store logs about it.
  virtual Result<std::unique_ptr<BodySource>> Read(std::vector<ExtentLocation> extents,
                                                   uint64_t offset, uint64_t length,
                                                   const std::string& object = {}) = 0;

  // Tells the store that the last reference to an extent is gone (already committed in
  // metadata): its bytes are dead. Idempotent.
  virtual Status Delete(const ExtentLocation& extent) = 0;

  // A guard for readers (see ReadGuard); null when the store never moves data.
  virtual std::unique_ptr<ReadGuard> GuardReads() { return nullptr; }
};

}  // namespace tessera::extent
