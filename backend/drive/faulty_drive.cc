#include "backend/drive/faulty_drive.h"

#include <algorithm>

namespace tessera::drive {

struct FaultyDrive::Faults {
  std::atomic<bool> offline{false};
  std::atomic<int> writes_until_failure{-1};
  std::atomic<bool> fail_syncs{false};
  std::mutex mu;
  std::map<uint64_t, std::vector<uint64_t>> flips;  // segment -> offsets
  std::map<uint64_t, uint64_t> tears;               // segment -> visible length

  Status Online() const {
    if (offline.load()) return Status(ErrorCode::kInternal, "injected: drive offline");
    return Status::Ok();
  }
};

namespace {

class FaultySegmentFile : public SegmentFile {
 public:
  FaultySegmentFile(std::shared_ptr<SegmentFile> inner, uint64_t segment,
                    std::shared_ptr<FaultyDrive::Faults> faults)
      : inner_(std::move(inner)), segment_(segment), faults_(std::move(faults)) {}

  Status WriteAt(uint64_t offset, const char* data, size_t n) override {
    RETURN_IF_ERROR(faults_->Online());
    int left = faults_->writes_until_failure.load();
    while (left >= 0) {
      if (left == 0) return Status(ErrorCode::kInternal, "injected: write failure");
      if (faults_->writes_until_failure.compare_exchange_weak(left, left - 1)) break;
    }
    return inner_->WriteAt(offset, data, n);
  }
  Status Sync() override {
    RETURN_IF_ERROR(faults_->Online());
    if (faults_->fail_syncs.load()) return Status(ErrorCode::kInternal, "injected: sync failure");
    return inner_->Sync();
  }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    RETURN_IF_ERROR(faults_->Online());
    std::vector<uint64_t> flips;
    uint64_t visible = UINT64_MAX;
    {
      std::lock_guard<std::mutex> lock(faults_->mu);
      if (auto it = faults_->flips.find(segment_); it != faults_->flips.end()) flips = it->second;
      if (auto it = faults_->tears.find(segment_); it != faults_->tears.end()) visible = it->second;
    }
    if (offset >= visible) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, visible - offset));
    ASSIGN_OR_RETURN(size_t got, inner_->ReadAt(offset, buf, n));
    for (uint64_t at : flips) {
      if (at >= offset && at < offset + got)
        buf[at - offset] = static_cast<char>(~buf[at - offset]);
    }
    return got;
  }
  Result<uint64_t> Size() const override {
    RETURN_IF_ERROR(faults_->Online());
    ASSIGN_OR_RETURN(uint64_t size, inner_->Size());
    std::lock_guard<std::mutex> lock(faults_->mu);
    if (auto it = faults_->tears.find(segment_); it != faults_->tears.end()) {
      size = std::min(size, it->second);
    }
    return size;
  }

 private:
  std::shared_ptr<SegmentFile> inner_;
  uint64_t segment_;
  std::shared_ptr<FaultyDrive::Faults> faults_;
};

}  // namespace

FaultyDrive::FaultyDrive(std::shared_ptr<Drive> inner)
    : inner_(std::move(inner)), faults_(std::make_shared<Faults>()) {}

Result<std::shared_ptr<SegmentFile>> FaultyDrive::CreateSegment(uint64_t segment) {
  RETURN_IF_ERROR(faults_->Online());
  ASSIGN_OR_RETURN(std::shared_ptr<SegmentFile> file, inner_->CreateSegment(segment));
  return std::shared_ptr<SegmentFile>(
      std::make_shared<FaultySegmentFile>(std::move(file), segment, faults_));
}

Result<std::shared_ptr<SegmentFile>> FaultyDrive::OpenSegment(uint64_t segment) {
  RETURN_IF_ERROR(faults_->Online());
  ASSIGN_OR_RETURN(std::shared_ptr<SegmentFile> file, inner_->OpenSegment(segment));
  return std::shared_ptr<SegmentFile>(
      std::make_shared<FaultySegmentFile>(std::move(file), segment, faults_));
}

Result<std::vector<uint64_t>> FaultyDrive::ListSegments() {
  RETURN_IF_ERROR(faults_->Online());
  return inner_->ListSegments();
}

Status FaultyDrive::RemoveSegment(uint64_t segment) {
  RETURN_IF_ERROR(faults_->Online());
  return inner_->RemoveSegment(segment);
}

Status FaultyDrive::Probe(bool write) {
  RETURN_IF_ERROR(faults_->Online());
  if (faults_->fail_syncs) {
    return Status(ErrorCode::kInternal, "drive " + std::to_string(id()) + ": syncs fail");
  }
  return inner_->Probe(write);
}

void FaultyDrive::SetOffline(bool offline) { faults_->offline = offline; }
void FaultyDrive::FailWritesAfter(int n) { faults_->writes_until_failure = n; }
void FaultyDrive::FailSyncs(bool fail) { faults_->fail_syncs = fail; }

void FaultyDrive::FlipByte(uint64_t segment, uint64_t offset) {
  std::lock_guard<std::mutex> lock(faults_->mu);
  faults_->flips[segment].push_back(offset);
}

void FaultyDrive::Tear(uint64_t segment, uint64_t length) {
  std::lock_guard<std::mutex> lock(faults_->mu);
  faults_->tears[segment] = length;
}

void FaultyDrive::ClearFaults() {
  faults_->offline = false;
  faults_->writes_until_failure = -1;
  faults_->fail_syncs = false;
  std::lock_guard<std::mutex> lock(faults_->mu);
  faults_->flips.clear();
  faults_->tears.clear();
}

}  // namespace tessera::drive
