#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backend/api/status.h"

namespace tessera::drive {

// Names one fragment file: fragment `index` (0 .. k+m-1) of extent `extent_id`.
struct FragmentId {
  uint64_t extent_id = 0;
  uint32_t index = 0;

  // "<16 lowercase hex digits of extent_id>.<index>", e.g. "00ab...ef.3".
  std::string Name() const;
  bool operator==(const FragmentId&) const = default;
};

// A fragment file being written. Append-only; invisible to Drive::Open() until Commit()
// returns OK. Not thread-safe (one writer per file). Destroying it without Commit()
// discards the file, as Abort() does.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  // Appends `data` at the current end of the file.
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable and publishes the file under its fragment name:
  // data fsync'd, name published, directory fsync'd. After OK the fragment survives a
  // crash; after an error nothing is published.
  virtual Status Commit() = 0;
  // Discards everything written. Safe to call more than once; a no-op after Commit().
  virtual void Abort() = 0;
};

// A published fragment file opened for reading. Thread-safe.
class ReadFile {
 public:
  virtual ~ReadFile() = default;
  virtual uint64_t size() const = 0;
  // Reads up to `n` bytes at `offset`; returns fewer only at end of file.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const = 0;
};

// One failure domain's worth of fragment storage (a local directory, memory, or later a
// remote node). Implementations are thread-safe. Errors: a fragment that does not exist
// is kDataLoss; an unreachable drive or an I/O failure is kInternal. Callers of the
// erasure layer treat every error as one lost fragment.
class Drive {
 public:
  virtual ~Drive() = default;
  virtual uint32_t id() const = 0;

  // Starts a new fragment file. Fails if the drive is unavailable.
  virtual Result<std::unique_ptr<AppendFile>> Create(const FragmentId& fragment) = 0;
  // Opens a published fragment.
  virtual Result<std::unique_ptr<ReadFile>> Open(const FragmentId& fragment) = 0;
  // Whether a published fragment exists.
  virtual Result<bool> Exists(const FragmentId& fragment) = 0;
  // Removes a published fragment; OK if it does not exist.
  virtual Status Remove(const FragmentId& fragment) = 0;
};

}  // namespace tessera::drive
