#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "backend/drive/drive.h"

namespace tessera::drive {

// An in-memory drive for tests: published fragments live in a map, files being written
// in a staging map until Commit(). Thread-safe.
class MemoryDrive : public Drive {
 public:
  explicit MemoryDrive(uint32_t id) : id_(id) {}

  uint32_t id() const override { return id_; }
  Result<std::unique_ptr<AppendFile>> Create(const FragmentId& fragment) override;
  Result<std::unique_ptr<ReadFile>> Open(const FragmentId& fragment) override;
  Result<bool> Exists(const FragmentId& fragment) override;
  Status Remove(const FragmentId& fragment) override;

  // Published fragments and files still being written, for assertions.
  size_t PublishedCount() const;
  size_t StagingCount() const;
  // Bytes of all published fragments.
  uint64_t PublishedBytes() const;

 private:
  friend class MemoryAppendFile;
  using Bytes = std::shared_ptr<const std::string>;

  uint32_t id_;
  mutable std::mutex mu_;
  std::map<std::string, Bytes> published_;
  std::map<uint64_t, std::string> staging_;  // writer serial -> bytes so far
  uint64_t next_serial_ = 0;
};

}  // namespace tessera::drive
