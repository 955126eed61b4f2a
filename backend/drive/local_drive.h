#pragma once

#include <memory>
#include <string>

#include "backend/drive/drive.h"

namespace tessera::drive {

// A drive that is a local directory (embedded mode). Fragments live at
// <root>/fragments/<xx>/<extent-id-hex>.<index>, where <xx> is the extent id's top byte in
// hex: 256 fan-out directories keep each directory small. A file being written is
// <name>.tmp until Commit() fsyncs it, renames it and fsyncs its directory. See
// backend/drive/FORMAT.md. Stateless apart from its root, hence thread-safe.
class LocalDrive : public Drive {
 public:
  // Creates <root>/fragments if needed (and <root> itself). kInternal on I/O failure.
  static Result<std::unique_ptr<LocalDrive>> Open(uint32_t id, std::string root);

  uint32_t id() const override { return id_; }
  const std::string& root() const { return root_; }
  // Where `fragment` is (or would be) published.
  std::string PathOf(const FragmentId& fragment) const;

  Result<std::unique_ptr<AppendFile>> Create(const FragmentId& fragment) override;
  Result<std::unique_ptr<ReadFile>> Open(const FragmentId& fragment) override;
  Result<bool> Exists(const FragmentId& fragment) override;
  Status Remove(const FragmentId& fragment) override;

 private:
  LocalDrive(uint32_t id, std::string root) : id_(id), root_(std::move(root)) {}
  std::string FanOutDir(const FragmentId& fragment) const;

  uint32_t id_;
  std::string root_;
};

}  // namespace tessera::drive
