#include "backend/drive/memory_drive.h"

#include <algorithm>
#include <utility>

namespace tessera::drive {

class MemoryAppendFile : public AppendFile {
 public:
  MemoryAppendFile(MemoryDrive* drive, uint64_t serial, std::string name)
      : drive_(drive), serial_(serial), name_(std::move(name)) {}
  ~MemoryAppendFile() override { Abort(); }

  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(drive_->mu_);
    auto it = drive_->staging_.find(serial_);
    if (it == drive_->staging_.end()) {
      return Status(ErrorCode::kInternal, "append to a closed fragment file");
    }
    it->second.append(data);
    return Status::Ok();
  }

  Status Commit() override {
    std::lock_guard<std::mutex> lock(drive_->mu_);
    auto it = drive_->staging_.find(serial_);
    if (it == drive_->staging_.end()) {
      return Status(ErrorCode::kInternal, "commit of a closed fragment file");
    }
    drive_->published_[name_] = std::make_shared<const std::string>(std::move(it->second));
    drive_->staging_.erase(it);
    return Status::Ok();
  }

  void Abort() override {
    std::lock_guard<std::mutex> lock(drive_->mu_);
    drive_->staging_.erase(serial_);
  }

 private:
  MemoryDrive* drive_;
  uint64_t serial_;
  std::string name_;
};

namespace {

// Holds its own reference to the bytes, so a concurrent Remove() does not pull them away.
class MemoryReadFile : public ReadFile {
 public:
  explicit MemoryReadFile(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_->size(); }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    if (offset >= bytes_->size()) return size_t{0};
    size_t count = std::min<uint64_t>(n, bytes_->size() - offset);
    std::copy_n(bytes_->data() + offset, count, buf);
    return count;
  }

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace

Result<std::unique_ptr<AppendFile>> MemoryDrive::Create(const FragmentId& fragment) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t serial = next_serial_++;
  staging_[serial];
  return std::unique_ptr<AppendFile>(new MemoryAppendFile(this, serial, fragment.Name()));
}

Result<std::unique_ptr<ReadFile>> MemoryDrive::Open(const FragmentId& fragment) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = published_.find(fragment.Name());
  if (it == published_.end()) {
    return Status(ErrorCode::kDataLoss, "missing fragment " + fragment.Name());
  }
  return std::unique_ptr<ReadFile>(new MemoryReadFile(it->second));
}

Result<bool> MemoryDrive::Exists(const FragmentId& fragment) {
  std::lock_guard<std::mutex> lock(mu_);
  return published_.count(fragment.Name()) > 0;
}

Status MemoryDrive::Remove(const FragmentId& fragment) {
  std::lock_guard<std::mutex> lock(mu_);
  published_.erase(fragment.Name());
  return Status::Ok();
}

size_t MemoryDrive::PublishedCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return published_.size();
}

size_t MemoryDrive::StagingCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return staging_.size();
}

uint64_t MemoryDrive::PublishedBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [name, bytes] : published_) total += bytes->size();
  return total;
}

}  // namespace tessera::drive
