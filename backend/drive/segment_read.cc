// The read path of the segment store: a source that streams a byte range of a list of
// extents one stripe at a time, verifying every chunk and rebuilding lost ones.

#include <algorithm>
#include <cstring>

#include "backend/drive/segment_store.h"
#include "common/hash.h"

namespace tessera::drive {
namespace {

using extent::ExtentLocation;

class SegmentReadSource : public BodySource {
 public:
  SegmentReadSource(SegmentStore* store, std::vector<ExtentLocation> extents, uint64_t offset,
                    uint64_t length, std::unique_ptr<extent::ReadGuard> guard)
      : guard_(std::move(guard)),
        store_(store),
        extents_(std::move(extents)),
        pos_(offset),
        end_(offset + length),
        length_(length) {
    uint64_t start = 0;
    for (const auto& e : extents_) {
      starts_.push_back(start);
      start += e.size;
    }
  }

  std::optional<uint64_t> Size() const override { return length_; }

  Result<size_t> Read(char* buf, size_t capacity) override {
    size_t done = 0;
    while (done < capacity && pos_ < end_) {
      while (pos_ >= starts_[extent_index_] + extents_[extent_index_].size) ++extent_index_;
      const ExtentLocation& loc = extents_[extent_index_];
      const uint64_t in_extent = pos_ - starts_[extent_index_];
      const uint64_t in_data = loc.base + in_extent;  // where that byte is in the stripes
      const uint64_t stripe_bytes = loc.stripe_bytes();
      const uint64_t stripe = in_data / stripe_bytes;
      RETURN_IF_ERROR(Load(extent_index_, stripe));
      const uint64_t in_stripe = in_data - stripe * stripe_bytes;
      const uint64_t stripe_left = std::min(stripe_bytes - in_stripe, loc.size - in_extent);
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>({capacity - done, stripe_left, end_ - pos_}));
      std::memcpy(buf + done, buf_.data() + in_stripe, n);
      done += n;
      pos_ += n;
    }
    return done;
  }

  // Makes the stripe at pos_ resident, so that an unreadable start fails before any byte
  // (and before a response status) goes out.
  Status Prime() {
    if (pos_ >= end_) return Status::Ok();
    size_t e = 0;
    while (pos_ >= starts_[e] + extents_[e].size) ++e;
    return Load(e, (extents_[e].base + pos_ - starts_[e]) / extents_[e].stripe_bytes());
  }

 private:
  Status Load(size_t e, uint64_t stripe) {
    if (e == loaded_extent_ && stripe == loaded_stripe_) return Status::Ok();
    if (e != open_extent_) RETURN_IF_ERROR(SwitchExtent(e));
    loaded_stripe_ = UINT64_MAX;
    const ExtentLocation& loc = extents_[e];
    if (loc.buffered()) return LoadBuffered(e);
    const int k = loc.k, n = loc.k + loc.m;

    // Data chunks first: a healthy stripe needs no parity and no decode.
    std::vector<int> good;
    for (int i = 0; i < k; ++i) {
      if (ReadChunk(i, stripe)) good.push_back(i);
    }
    if (static_cast<int>(good.size()) < k) {
      for (int i = k; i < n && static_cast<int>(good.size()) < k; ++i) {
        if (ReadChunk(i, stripe)) good.push_back(i);
      }
      if (static_cast<int>(good.size()) < k) {
        return Status(ErrorCode::kDataLoss, "extent " + std::to_string(loc.id) + " stripe " +
                                                std::to_string(stripe) + ": " +
                                                std::to_string(good.size()) + " of " +
                                                std::to_string(k) + " fragments readable");
      }
      std::vector<const uint8_t*> present;
      std::vector<int> missing;
      std::vector<uint8_t*> out;
      for (int i : good) present.push_back(Chunk(i));
      for (int i = 0; i < k; ++i) {
        if (std::find(good.begin(), good.end(), i) == good.end()) {
          missing.push_back(i);
          out.push_back(Chunk(i));
        }
      }
      RETURN_IF_ERROR(codec_->Reconstruct(good, present, missing, out, loc.chunk_size));
      store_->CountDegradedStripe();
    }
    loaded_extent_ = e;
    loaded_stripe_ = stripe;
    return Status::Ok();
  }

  // A buffered extent is read whole from the first copy that checks out.
  Status LoadBuffered(size_t e) {
    const ExtentLocation& loc = extents_[e];
    for (size_t i = 0; i < loc.fragments.size(); ++i) {
      const extent::FragmentAddress& at = loc.fragments[i];
      auto file = store_->File(at.drive, at.segment);
      if (!file.ok()) continue;
      auto got = (*file)->ReadAt(at.offset, buf_.data(), loc.size);
      if (got.ok() && *got == loc.size && Crc32c(buf_.data(), loc.size) == loc.crc) {
        if (i > 0) store_->CountDegradedStripe();
        loaded_extent_ = e;
        loaded_stripe_ = 0;
        return Status::Ok();
      }
    }
    return Status(ErrorCode::kDataLoss, "buffered extent " + std::to_string(loc.id) + ": none of " +
                                            std::to_string(loc.fragments.size()) +
                                            " copies readable");
  }

  Status SwitchExtent(size_t e) {
    const ExtentLocation& loc = extents_[e];
    open_extent_ = e;
    loaded_extent_ = SIZE_MAX;
    if (loc.buffered()) {
      buf_.resize(loc.size);
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(codec_, store_->CodecFor(loc.k, loc.m));
    const size_t n = static_cast<size_t>(loc.k) + loc.m;
    files_.assign(n, nullptr);
    unusable_.assign(n, false);
    buf_.resize(n * loc.chunk_size);
    open_extent_ = e;
    loaded_extent_ = SIZE_MAX;
    return Status::Ok();
  }

  uint8_t* Chunk(int i) {
    return reinterpret_cast<uint8_t*>(buf_.data()) +
           static_cast<size_t>(i) * extents_[open_extent_].chunk_size;
  }

  // Reads chunk `stripe` of fragment `i` into its slot and checks its CRC32C; false if it is
  // lost. Failures are not reported one by one: the stripe either rebuilds or is kDataLoss.
  bool ReadChunk(int i, uint64_t stripe) {
    if (unusable_[i]) return false;
    const ExtentLocation& loc = extents_[open_extent_];
    const extent::FragmentAddress& at = loc.fragments[i];
    if (!files_[i]) {
      auto file = store_->File(at.drive, at.segment);
      if (!file.ok()) {
        unusable_[i] = true;
        return false;
      }
      files_[i] = std::move(*file);
    }
    char* out = reinterpret_cast<char*>(Chunk(i));
    auto got = files_[i]->ReadAt(at.offset + stripe * loc.chunk_size, out, loc.chunk_size);
    if (!got.ok()) {
      unusable_[i] = true;  // the drive failed; do not wait on it again for this extent
      return false;
    }
    return *got == loc.chunk_size &&
           Crc32c(out, loc.chunk_size) == loc.ChunkCrc(i, static_cast<uint32_t>(stripe));
  }

  // Declared first, so released last: the files stay until the source is gone.
  std::unique_ptr<extent::ReadGuard> guard_;
  SegmentStore* store_;
  std::vector<ExtentLocation> extents_;
  std::vector<uint64_t> starts_;
  uint64_t pos_;
  uint64_t end_;
  uint64_t length_;
  size_t extent_index_ = 0;

  size_t open_extent_ = SIZE_MAX;  // extent whose fragments files_ hold
  const ec::Codec* codec_ = nullptr;
  std::vector<std::shared_ptr<SegmentFile>> files_;
  std::vector<bool> unusable_;
  size_t loaded_extent_ = SIZE_MAX;  // which stripe buf_ holds
  uint64_t loaded_stripe_ = UINT64_MAX;
  std::vector<char> buf_;  // k + m chunks; data chunks first, so the stripe is contiguous
};

}  // namespace

Result<std::unique_ptr<BodySource>> SegmentStore::Read(std::vector<ExtentLocation> extents,
                                                       uint64_t offset, uint64_t length) {
  uint64_t total = 0;
  for (const auto& e : extents) {
    RETURN_IF_ERROR(e.Validate());
    total += e.size;
  }
  if (offset > total || length > total - offset) {
    return Status(ErrorCode::kInvalidRange, "range [" + std::to_string(offset) + ", +" +
                                                std::to_string(length) + ") past " +
                                                std::to_string(total) + " bytes");
  }
  auto source =
      std::make_unique<SegmentReadSource>(this, std::move(extents), offset, length, GuardReads());
  RETURN_IF_ERROR(source->Prime());
  return std::unique_ptr<BodySource>(std::move(source));
}

}  // namespace tessera::drive
