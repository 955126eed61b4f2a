#include "backend/store/manifest.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace tessera::store {
namespace {

// One ExtentStore::Read, or inline bytes.
struct ReadStep {
  std::string inline_data;
  std::vector<extent::ExtentLocation> extents;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool is_inline = true;
};

std::vector<ReadStep> PlanReads(const meta::Manifest& manifest,
                                const std::map<uint64_t, extent::ExtentLocation>& locations) {
  std::vector<ReadStep> steps;
  bool can_extend = false;  // the last step ends at the end of its last extent
  for (const meta::Segment& s : manifest) {
    if (s.length == 0) continue;
    if (s.kind == meta::Segment::Kind::kInline) {
      ReadStep step;
      step.inline_data = s.data;
      step.length = s.length;
      steps.push_back(std::move(step));
      can_extend = false;
      continue;
    }
    const extent::ExtentLocation& loc = locations.at(s.extent_id);
    if (can_extend && s.offset == 0) {
      steps.back().extents.push_back(loc);
      steps.back().length += s.length;
    } else {
      ReadStep step;
      step.is_inline = false;
      step.extents.push_back(loc);
      step.offset = s.offset;
      step.length = s.length;
      steps.push_back(std::move(step));
    }
    can_extend = s.offset + s.length == loc.size;
  }
  return steps;
}

class ManifestSource : public BodySource {
 public:
  ManifestSource(std::shared_ptr<extent::ExtentStore> extents, std::vector<ReadStep> steps,
                 std::unique_ptr<ExtentPins::Lease> lease, std::unique_ptr<extent::ReadGuard> guard,
                 std::string object)
      : object_(std::move(object)),
        extents_(std::move(extents)),
        guard_(std::move(guard)),
        lease_(std::move(lease)),
        steps_(std::move(steps)) {
    for (const ReadStep& step : steps_) size_ += step.length;
  }

  Result<size_t> Read(char* buf, size_t capacity) override {
    if (capacity == 0) return size_t{0};
    while (index_ < steps_.size()) {
      ReadStep& step = steps_[index_];
      if (step.is_inline) {
        size_t n = std::min<uint64_t>(capacity, step.length - pos_);
        std::memcpy(buf, step.inline_data.data() + pos_, n);
        pos_ += n;
        if (pos_ == step.length) Advance();
        if (n > 0) return n;
        continue;
      }
      if (!current_) {
        ASSIGN_OR_RETURN(current_, extents_->Read(step.extents, step.offset, step.length, object_));
      }
      ASSIGN_OR_RETURN(size_t n, current_->Read(buf, capacity));
      pos_ += n;
      if (n == 0 || pos_ >= step.length) {
        if (pos_ != step.length) {
          return Status(ErrorCode::kInternal, "extent read returned " + std::to_string(pos_) +
                                                  " bytes, expected " +
                                                  std::to_string(step.length));
        }
        Advance();
      }
      if (n > 0) return n;
    }
    return size_t{0};
  }

  std::optional<uint64_t> Size() const override { return size_; }

  // Opens the first step when it is an extent read (which reads its first stripe).
  Status Prime() {
    if (steps_.empty() || steps_[0].is_inline || steps_[0].length == 0) return Status::Ok();
    ASSIGN_OR_RETURN(
        current_, extents_->Read(steps_[0].extents, steps_[0].offset, steps_[0].length, object_));
    return Status::Ok();
  }

 private:
  void Advance() {
    ++index_;
    pos_ = 0;
    current_.reset();
  }

  // Destroyed in reverse: current_ first, then the lease (unpinning may delete extents
  // through the store), then the guard, and the store last, so that neither outlives it.
  std::string object_;  // "bucket/key", for what the store logs
  std::shared_ptr<extent::ExtentStore> extents_;
  std::unique_ptr<extent::ReadGuard> guard_;
  std::unique_ptr<ExtentPins::Lease> lease_;
  std::vector<ReadStep> steps_;
  uint64_t size_ = 0;
  size_t index_ = 0;
  uint64_t pos_ = 0;  // bytes delivered from steps_[index_]
  std::unique_ptr<BodySource> current_;
};

}  // namespace

uint64_t ManifestSize(const meta::Manifest& manifest) {
  uint64_t size = 0;
  for (const meta::Segment& s : manifest) size += s.length;
  return size;
}

meta::Manifest SliceManifest(const meta::Manifest& manifest, uint64_t offset, uint64_t length) {
  meta::Manifest out;
  uint64_t start = 0;  // object offset of the current segment
  const uint64_t end = offset + length;
  for (const meta::Segment& s : manifest) {
    uint64_t s_end = start + s.length;
    if (s_end > offset && start < end && s.length > 0) {
      uint64_t from = std::max(offset, start) - start;
      uint64_t to = std::min(end, s_end) - start;
      if (s.kind == meta::Segment::Kind::kInline) {
        out.push_back(meta::Segment::Inline(s.data.substr(from, to - from)));
      } else {
        out.push_back(meta::Segment::Extent(s.extent_id, s.offset + from, to - from));
      }
    }
    start = s_end;
    if (start >= end) break;
  }
  return out;
}

std::optional<std::vector<meta::Manifest>> SplitManifest(const meta::Manifest& manifest,
                                                         const std::vector<uint64_t>& sizes) {
  std::vector<meta::Manifest> pieces;
  pieces.reserve(sizes.size());
  size_t seg = 0;
  uint64_t used = 0;  // bytes of manifest[seg] already handed out
  for (uint64_t size : sizes) {
    meta::Manifest piece;
    while (size > 0) {
      if (seg == manifest.size()) return std::nullopt;
      const meta::Segment& s = manifest[seg];
      const uint64_t take = std::min(size, s.length - used);
      if (take > 0) {
        if (s.kind == meta::Segment::Kind::kInline) {
          piece.push_back(meta::Segment::Inline(s.data.substr(used, take)));
        } else {
          piece.push_back(meta::Segment::Extent(s.extent_id, s.offset + used, take));
        }
      }
      used += take;
      size -= take;
      if (used == s.length) {
        ++seg;
        used = 0;
      }
    }
    pieces.push_back(std::move(piece));
  }
  while (seg < manifest.size() && manifest[seg].length == 0) ++seg;
  if (seg != manifest.size()) return std::nullopt;
  return pieces;
}

Result<std::unique_ptr<BodySource>> NewManifestSource(
    std::shared_ptr<extent::ExtentStore> extents, meta::Manifest manifest,
    std::map<uint64_t, extent::ExtentLocation> locations, std::unique_ptr<ExtentPins::Lease> lease,
    std::unique_ptr<extent::ReadGuard> guard, std::string object) {
  auto source =
      std::make_unique<ManifestSource>(std::move(extents), PlanReads(manifest, locations),
                                       std::move(lease), std::move(guard), std::move(object));
  RETURN_IF_ERROR(source->Prime());
  return std::unique_ptr<BodySource>(std::move(source));
}

}  // namespace tessera::store
