#include "backend/drive/faulty_drive.h"

#include <algorithm>
#include <utility>

namespace tessera::drive {
namespace {

Status Offline(uint32_t id) {
  return Status(ErrorCode::kInternal, "drive " + std::to_string(id) + " is offline");
}

}  // namespace

struct FaultyDrive::Writer {
  std::mutex mu;
  std::unique_ptr<AppendFile> inner;
  bool lost = false;
};

namespace {

class FaultyAppendFile : public AppendFile {
 public:
  FaultyAppendFile(std::shared_ptr<FaultyDrive::Writer> writer, uint32_t drive_id,
                   std::shared_ptr<std::atomic<bool>> offline,
                   std::shared_ptr<std::atomic<int>> appends_until_failure)
      : writer_(std::move(writer)),
        drive_id_(drive_id),
        offline_(std::move(offline)),
        appends_until_failure_(std::move(appends_until_failure)) {}
  ~FaultyAppendFile() override { Abort(); }

  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> lock(writer_->mu);
    RETURN_IF_ERROR(Check());
    // Counts down to the injected failure; stays at 0 (failing) once reached.
    int left = appends_until_failure_->load();
    while (left > 0 && !appends_until_failure_->compare_exchange_weak(left, left - 1)) {
    }
    if (left == 0) return Status(ErrorCode::kInternal, "injected write failure");
    return writer_->inner->Append(data);
  }

  Status Commit() override {
    std::lock_guard<std::mutex> lock(writer_->mu);
    RETURN_IF_ERROR(Check());
    return writer_->inner->Commit();
  }

  void Abort() override {
    std::lock_guard<std::mutex> lock(writer_->mu);
    if (writer_->inner) writer_->inner->Abort();
  }

 private:
  Status Check() {
    if (offline_->load()) return Offline(drive_id_);
    if (writer_->lost) return Status(ErrorCode::kInternal, "writer lost in a crash");
    return Status::Ok();
  }

  std::shared_ptr<FaultyDrive::Writer> writer_;
  uint32_t drive_id_;
  std::shared_ptr<std::atomic<bool>> offline_;
  std::shared_ptr<std::atomic<int>> appends_until_failure_;
};

class FaultyReadFile : public ReadFile {
 public:
  FaultyReadFile(std::unique_ptr<ReadFile> inner, uint32_t drive_id,
                 std::shared_ptr<std::atomic<bool>> offline, std::vector<uint64_t> flips,
                 uint64_t tear_at)
      : inner_(std::move(inner)),
        drive_id_(drive_id),
        offline_(std::move(offline)),
        flips_(std::move(flips)),
        size_(std::min(inner_->size(), tear_at)) {}

  uint64_t size() const override { return size_; }

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    if (offline_->load()) return Offline(drive_id_);
    if (offset >= size_) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    ASSIGN_OR_RETURN(size_t got, inner_->ReadAt(offset, buf, n));
    for (uint64_t flip : flips_) {
      if (flip >= offset && flip < offset + got) buf[flip - offset] ^= static_cast<char>(0xFF);
    }
    return got;
  }

 private:
  std::unique_ptr<ReadFile> inner_;
  uint32_t drive_id_;
  std::shared_ptr<std::atomic<bool>> offline_;
  std::vector<uint64_t> flips_;
  uint64_t size_;
};

}  // namespace

FaultyDrive::FaultyDrive(std::shared_ptr<Drive> inner)
    : inner_(std::move(inner)),
      offline_(std::make_shared<std::atomic<bool>>(false)),
      appends_until_failure_(std::make_shared<std::atomic<int>>(-1)) {}

Status FaultyDrive::CheckOnline() const {
  if (offline_->load()) return Offline(inner_->id());
  return Status::Ok();
}

Result<std::unique_ptr<AppendFile>> FaultyDrive::Create(const FragmentId& fragment) {
  RETURN_IF_ERROR(CheckOnline());
  ASSIGN_OR_RETURN(std::unique_ptr<AppendFile> inner, inner_->Create(fragment));
  auto writer = std::make_shared<Writer>();
  writer->inner = std::move(inner);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(writers_, [](const std::weak_ptr<Writer>& w) { return w.expired(); });
    writers_.push_back(writer);
  }
  return std::unique_ptr<AppendFile>(
      new FaultyAppendFile(std::move(writer), inner_->id(), offline_, appends_until_failure_));
}

Result<std::unique_ptr<ReadFile>> FaultyDrive::Open(const FragmentId& fragment) {
  RETURN_IF_ERROR(CheckOnline());
  ++opens_;
  ASSIGN_OR_RETURN(std::unique_ptr<ReadFile> inner, inner_->Open(fragment));
  Corruption corruption;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = corruption_.find(fragment.Name());
    if (it != corruption_.end()) corruption = it->second;
  }
  return std::unique_ptr<ReadFile>(new FaultyReadFile(
      std::move(inner), inner_->id(), offline_, std::move(corruption.flips), corruption.tear_at));
}

Result<bool> FaultyDrive::Exists(const FragmentId& fragment) {
  RETURN_IF_ERROR(CheckOnline());
  return inner_->Exists(fragment);
}

Status FaultyDrive::Remove(const FragmentId& fragment) {
  RETURN_IF_ERROR(CheckOnline());
  return inner_->Remove(fragment);
}

void FaultyDrive::SetOffline(bool offline) { offline_->store(offline); }

void FaultyDrive::FailAppendsAfter(int n) { appends_until_failure_->store(n < 0 ? -1 : n); }

void FaultyDrive::Crash() {
  std::vector<std::shared_ptr<Writer>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& w : writers_) {
      if (auto writer = w.lock()) live.push_back(std::move(writer));
    }
    writers_.clear();
  }
  for (auto& writer : live) {
    std::lock_guard<std::mutex> lock(writer->mu);
    if (writer->inner) writer->inner->Abort();
    writer->lost = true;
  }
}

void FaultyDrive::FlipByte(const FragmentId& fragment, uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  corruption_[fragment.Name()].flips.push_back(offset);
}

void FaultyDrive::Tear(const FragmentId& fragment, uint64_t length) {
  std::lock_guard<std::mutex> lock(mu_);
  corruption_[fragment.Name()].tear_at = length;
}

void FaultyDrive::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  corruption_.clear();
  offline_->store(false);
  appends_until_failure_->store(-1);
}

}  // namespace tessera::drive
