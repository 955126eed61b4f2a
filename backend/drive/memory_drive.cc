#include "backend/drive/memory_drive.h"

#include <algorithm>
#include <cstring>

namespace tessera::drive {

struct MemoryDrive::Segment {
  std::mutex mu;
  std::string data;
  std::string durable;  // the contents as of the last Sync(): what survives Crash()
};

namespace {

class MemorySegmentFile : public SegmentFile {
 public:
  MemorySegmentFile(std::shared_ptr<MemoryDrive::Segment> segment, std::atomic<uint64_t>* writes,
                    std::atomic<uint64_t>* syncs)
      : segment_(std::move(segment)), writes_(writes), syncs_(syncs) {}

  Status WriteAt(uint64_t offset, const char* data, size_t n) override {
    std::lock_guard<std::mutex> lock(segment_->mu);
    std::string& bytes = segment_->data;
    if (bytes.size() < offset + n) bytes.resize(offset + n, '\0');
    std::memcpy(bytes.data() + offset, data, n);
    ++*writes_;
    return Status::Ok();
  }
  Status Sync() override {
    std::lock_guard<std::mutex> lock(segment_->mu);
    segment_->durable = segment_->data;
    ++*syncs_;
    return Status::Ok();
  }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    std::lock_guard<std::mutex> lock(segment_->mu);
    const std::string& bytes = segment_->data;
    if (offset >= bytes.size()) return size_t{0};
    size_t got = std::min<uint64_t>(n, bytes.size() - offset);
    std::memcpy(buf, bytes.data() + offset, got);
    return got;
  }
  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(segment_->mu);
    return static_cast<uint64_t>(segment_->data.size());
  }

 private:
  std::shared_ptr<MemoryDrive::Segment> segment_;
  std::atomic<uint64_t>* writes_;
  std::atomic<uint64_t>* syncs_;
};

}  // namespace

Result<std::shared_ptr<SegmentFile>> MemoryDrive::CreateSegment(uint64_t segment) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = segments_[segment];
  if (slot) return Status(ErrorCode::kInternal, "segment exists: " + SegmentFileName(segment));
  slot = std::make_shared<Segment>();
  return std::shared_ptr<SegmentFile>(std::make_shared<MemorySegmentFile>(slot, &writes_, &syncs_));
}

Result<std::shared_ptr<SegmentFile>> MemoryDrive::OpenSegment(uint64_t segment) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = segments_.find(segment);
  if (it == segments_.end()) {
    return Status(ErrorCode::kDataLoss, "no segment " + SegmentFileName(segment));
  }
  return std::shared_ptr<SegmentFile>(
      std::make_shared<MemorySegmentFile>(it->second, &writes_, &syncs_));
}

Result<std::vector<uint64_t>> MemoryDrive::ListSegments() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, segment] : segments_) out.push_back(id);
  return out;
}

Status MemoryDrive::RemoveSegment(uint64_t segment) {
  std::lock_guard<std::mutex> lock(mu_);
  segments_.erase(segment);
  return Status::Ok();
}

void MemoryDrive::Crash(uint64_t keep_unsynced) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, segment] : segments_) {
    std::lock_guard<std::mutex> seg_lock(segment->mu);
    // Unsynced writes are lost, except that the first `keep_unsynced` bytes past the
    // durable end may have reached the medium (a torn append).
    const size_t end = segment->durable.size();
    const size_t torn = std::min<uint64_t>(
        keep_unsynced, segment->data.size() > end ? segment->data.size() - end : 0);
    std::string survived = segment->durable;
    survived.append(segment->data, end, torn);
    segment->data = survived;
    segment->durable = std::move(survived);
  }
}

uint64_t MemoryDrive::StoredBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [id, segment] : segments_) {
    std::lock_guard<std::mutex> seg_lock(segment->mu);
    total += segment->data.size();
  }
  return total;
}

}  // namespace tessera::drive
