#pragma once

#include <memory>
#include <string>

#include "backend/drive/drive.h"

namespace tessera::drive {

// A drive that is a local directory (embedded mode): segments live at
// <root>/segments/<16 hex digits>.seg (backend/drive/FORMAT.md). Creating a segment fsyncs
// the directory, so that its name survives a crash. With `direct_io`, writes bypass the page
// cache (O_DIRECT); reads always go through it. Error messages name the drive and the
// segment, never a path. Stateless apart from its root, hence thread-safe.
class LocalDrive : public Drive {
 public:
  // Creates <root>/segments if needed (and <root> itself). kInternal on I/O failure.
  static Result<std::unique_ptr<LocalDrive>> Open(uint32_t id, std::string root,
                                                  bool direct_io = false);

  uint32_t id() const override { return id_; }
  const std::string& root() const { return root_; }
  // Where segment `segment` is (or would be).
  std::string PathOf(uint64_t segment) const;

  Result<std::shared_ptr<SegmentFile>> CreateSegment(uint64_t segment) override;
  Result<std::shared_ptr<SegmentFile>> OpenSegment(uint64_t segment) override;
  Result<std::vector<uint64_t>> ListSegments() override;
  Status RemoveSegment(uint64_t segment) override;
  Status Probe(bool write) override;
  Result<DriveSpace> Space() override;

 private:
  LocalDrive(uint32_t id, std::string root, bool direct_io)
      : id_(id), root_(std::move(root)), direct_io_(direct_io) {}
  Result<std::shared_ptr<SegmentFile>> OpenFile(uint64_t segment, bool create);

  uint32_t id_;
  std::string root_;
  bool direct_io_;
};

}  // namespace tessera::drive
