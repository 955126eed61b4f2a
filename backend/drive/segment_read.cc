// The read path of the segment store: a source that streams a byte range of a list of
// extents a few stripes at a time, verifying every chunk and rebuilding lost ones. The data
// fragments of a batch are read together (one read per fragment, all drives in parallel).

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "backend/drive/batch_read.h"
#include "backend/drive/segment_store.h"
#include "common/hash.h"

namespace tessera::drive {
namespace {

using extent::ExtentLocation;

// Data bytes a batch loads at most (more when one stripe is bigger).
constexpr uint64_t kBatchBytes = 512 << 10;
// Read buffers are aligned for direct I/O.
constexpr size_t kAlign = 4096;

class SegmentReadSource : public BodySource {
 public:
  SegmentReadSource(SegmentStore* store, std::vector<ExtentLocation> extents, uint64_t offset,
                    uint64_t length, std::unique_ptr<extent::ReadGuard> guard, std::string object)
      : object_(std::move(object)),
        guard_(std::move(guard)),
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
      const char* from;
      uint64_t left;  // contiguous bytes at `from`
      if (loc.buffered()) {
        from = buf_.get() + in_stripe;
        left = stripe_bytes - in_stripe;
      } else {
        const uint64_t in_chunk = in_stripe % loc.chunk_size;
        from = reinterpret_cast<const char*>(
                   Chunk(static_cast<int>(in_stripe / loc.chunk_size), stripe - batch_first_)) +
               in_chunk;
        left = loc.chunk_size - in_chunk;
      }
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>({capacity - done, left, loc.size - in_extent, end_ - pos_}));
      std::memcpy(buf + done, from, n);
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
  // Makes stripe `stripe` of extent `e` resident, with the stripes after it that the range
  // still needs, up to a batch.
  Status Load(size_t e, uint64_t stripe) {
    if (e == loaded_extent_ && stripe >= batch_first_ && stripe < batch_first_ + batch_count_ &&
        LoadedChunk(e, stripe)) {
      return Status::Ok();
    }
    if (e != open_extent_) RETURN_IF_ERROR(SwitchExtent(e));
    loaded_extent_ = SIZE_MAX;
    const ExtentLocation& loc = extents_[e];
    if (loc.buffered()) return LoadBuffered(e);
    const int k = loc.k;
    const uint64_t chunk = loc.chunk_size;

    // The stripes from `stripe` to the one holding the last byte the range wants here.
    const uint64_t range_end = std::min(end_, starts_[e] + loc.size) - starts_[e];
    const uint64_t last = (loc.base + range_end - 1) / loc.stripe_bytes();
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(slots_, last - stripe + 1));
    loaded_lo_ = 0;
    loaded_hi_ = k - 1;
    // A range inside one stripe (a small object packed with others, a short range) needs
    // only the chunks it covers: read those alone when they check out.
    if (count == 1) {
      const uint64_t stripe_start = stripe * loc.stripe_bytes();
      const uint64_t from = loc.base + (pos_ - starts_[e]) - stripe_start;
      const uint64_t to = std::min(loc.base + range_end - stripe_start, loc.stripe_bytes());
      const int lo = static_cast<int>(from / chunk);
      const int hi = static_cast<int>((to - 1) / chunk);
      if (hi - lo + 1 < k && LoadChunks(e, stripe, lo, hi)) return Status::Ok();
    }

    // Data fragments first, all at once: a healthy batch needs no parity and no decode.
    std::vector<ReadOp> ops;
    std::vector<int> which;
    for (int i = 0; i < k; ++i) {
      if (!Open(i)) continue;
      ops.push_back(ReadOp{files_[i].get(), loc.fragments[i].offset + stripe * chunk,
                           reinterpret_cast<char*>(Chunk(i, 0)), count * chunk});
      which.push_back(i);
    }
    ReadAll(ops);
    // good[s][i]: chunk i of stripe stripe+s is read and checks out.
    std::vector<std::vector<bool>> good(count, std::vector<bool>(loc.k + loc.m, false));
    for (size_t j = 0; j < ops.size(); ++j) {
      const int i = which[j];
      if (!ops[j].got.ok()) {
        unusable_[i] = true;  // the drive failed; do not wait on it again for this extent
        continue;
      }
      for (uint32_t s = 0; s < count; ++s) {
        good[s][i] = *ops[j].got >= (s + 1) * chunk && ChunkOk(i, stripe, s);
      }
    }
    for (uint32_t s = 0; s < count; ++s) RETURN_IF_ERROR(Repair(stripe, s, good[s]));
    loaded_extent_ = e;
    batch_first_ = stripe;
    batch_count_ = count;
    return Status::Ok();
  }

  // Reads data chunks lo..hi of stripe `stripe` of extent `e` (the open one); true when
  // every one was read and checks out. Otherwise the caller loads the whole stripe, which
  // rebuilds what is bad.
  bool LoadChunks(size_t e, uint64_t stripe, int lo, int hi) {
    const ExtentLocation& loc = extents_[e];
    std::vector<ReadOp> ops;
    for (int i = lo; i <= hi; ++i) {
      if (!Open(i)) return false;
      ops.push_back(ReadOp{files_[i].get(), loc.fragments[i].offset + stripe * loc.chunk_size,
                           reinterpret_cast<char*>(Chunk(i, 0)), loc.chunk_size});
    }
    ReadAll(ops);
    for (int i = lo; i <= hi; ++i) {
      const ReadOp& op = ops[static_cast<size_t>(i - lo)];
      if (!op.got.ok()) {
        unusable_[i] = true;
        return false;
      }
      if (*op.got < loc.chunk_size || !ChunkOk(i, stripe, 0)) return false;
    }
    loaded_extent_ = e;
    batch_first_ = stripe;
    batch_count_ = 1;
    loaded_lo_ = lo;
    loaded_hi_ = hi;
    return true;
  }

  // Whether the loaded batch holds the chunk of extent `e` that pos_ is in (a batch read
  // for part of a stripe holds only the chunks of that part).
  bool LoadedChunk(size_t e, uint64_t stripe) const {
    const ExtentLocation& loc = extents_[e];
    if (loc.buffered()) return true;
    const uint64_t in_stripe = loc.base + (pos_ - starts_[e]) - stripe * loc.stripe_bytes();
    const int c = static_cast<int>(in_stripe / loc.chunk_size);
    return c >= loaded_lo_ && c <= loaded_hi_;
  }

  // Rebuilds the data chunks of batch stripe `s` (stripe `first + s`) that `good` lacks from
  // parity, reading parity chunks one by one until k are good.
  Status Repair(uint64_t first, uint32_t s, std::vector<bool>& good) {
    const ExtentLocation& loc = extents_[open_extent_];
    const int k = loc.k, n = loc.k + loc.m;
    const uint64_t stripe = first + s;
    std::vector<int> have;
    for (int i = 0; i < k; ++i) {
      if (good[i]) have.push_back(i);
    }
    if (static_cast<int>(have.size()) == k) return Status::Ok();
    for (int i = k; i < n && static_cast<int>(have.size()) < k; ++i) {
      if (!Open(i)) continue;
      auto got = files_[i]->ReadAt(loc.fragments[i].offset + stripe * loc.chunk_size,
                                   reinterpret_cast<char*>(Chunk(i, s)), loc.chunk_size);
      if (!got.ok()) {
        unusable_[i] = true;
        continue;
      }
      if (*got == loc.chunk_size && ChunkOk(i, first, s)) have.push_back(i);
    }
    if (static_cast<int>(have.size()) < k) {
      return Status(ErrorCode::kDataLoss, "extent " + std::to_string(loc.id) + " stripe " +
                                              std::to_string(stripe) + ": " +
                                              std::to_string(have.size()) + " of " +
                                              std::to_string(k) + " fragments readable");
    }
    std::vector<const uint8_t*> present;
    std::vector<int> missing;
    std::vector<uint8_t*> out;
    for (int i : have) present.push_back(Chunk(i, s));
    for (int i = 0; i < k; ++i) {
      if (!good[i]) {
        missing.push_back(i);
        out.push_back(Chunk(i, s));
      }
    }
    RETURN_IF_ERROR(codec_->Reconstruct(have, present, missing, out, loc.chunk_size));
    std::string what;
    for (int i : missing) {
      const uint32_t drive = loc.fragments[i].drive;
      what += (what.empty() ? "" : ", ") + std::string("fragment ") + std::to_string(i) +
              (drive == extent::kLostDrive
                   ? std::string(" (lost when written)")
                   : " on drive " + std::to_string(drive) +
                         (unusable_[i] ? " (unreadable)" : " (checksum mismatch)"));
    }
    store_->NoteDegraded(loc.id, what, object_);
    return Status::Ok();
  }

  // A buffered extent is read whole from the first copy that checks out.
  Status LoadBuffered(size_t e) {
    const ExtentLocation& loc = extents_[e];
    for (size_t i = 0; i < loc.fragments.size(); ++i) {
      const extent::FragmentAddress& at = loc.fragments[i];
      auto file = store_->File(at.drive, at.segment);
      if (!file.ok()) continue;
      // The whole padded copy, so that the read is aligned (direct where writes are).
      auto got = (*file)->ReadAt(at.offset, buf_.get(), loc.fragment_bytes());
      if (got.ok() && *got >= loc.size && Crc32c(buf_.get(), loc.size) == loc.crc) {
        if (i > 0) {
          store_->NoteDegraded(
              loc.id,
              "buffered copy 0 on drive " + std::to_string(loc.fragments[0].drive) + " unreadable",
              object_);
        }
        loaded_extent_ = e;
        batch_first_ = 0;
        batch_count_ = 1;
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
    if (loc.buffered()) return Reserve(loc.fragment_bytes());
    ASSIGN_OR_RETURN(codec_, store_->CodecFor(loc.k, loc.m));
    const size_t n = static_cast<size_t>(loc.k) + loc.m;
    files_.assign(n, nullptr);
    unusable_.assign(n, false);
    slots_ = static_cast<uint32_t>(std::max<uint64_t>(1, kBatchBytes / loc.stripe_bytes()));
    RETURN_IF_ERROR(Reserve(n * slots_ * loc.chunk_size));
    open_extent_ = e;
    loaded_extent_ = SIZE_MAX;
    return Status::Ok();
  }

  // Makes buf_ hold at least `bytes`.
  Status Reserve(size_t bytes) {
    if (bytes <= buf_size_) return Status::Ok();
    const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
    buf_.reset(static_cast<char*>(std::aligned_alloc(kAlign, rounded)));
    buf_size_ = buf_ ? rounded : 0;
    if (!buf_) return Status(ErrorCode::kInternal, "out of memory for a read buffer");
    return Status::Ok();
  }

  // Chunk `s` of the batch for fragment `i`: fragment-major, so that one read fills a
  // fragment's run of the batch.
  uint8_t* Chunk(int i, uint64_t s) {
    return reinterpret_cast<uint8_t*>(buf_.get()) +
           (static_cast<size_t>(i) * slots_ + s) * extents_[open_extent_].chunk_size;
  }

  // Whether chunk `s` of the batch starting at stripe `first`, fragment `i`, matches its
  // CRC32C.
  bool ChunkOk(int i, uint64_t first, uint64_t s) {
    const ExtentLocation& loc = extents_[open_extent_];
    return Crc32c(Chunk(i, s), loc.chunk_size) == loc.ChunkCrc(i, static_cast<uint32_t>(first + s));
  }

  // Opens fragment `i`'s segment file once per extent; false if it is lost. Failures are
  // not reported one by one: the stripe either rebuilds or is kDataLoss.
  bool Open(int i) {
    if (unusable_[i]) return false;
    if (!files_[i]) {
      const extent::FragmentAddress& at = extents_[open_extent_].fragments[i];
      auto file = store_->File(at.drive, at.segment);
      if (!file.ok()) {
        unusable_[i] = true;
        return false;
      }
      files_[i] = std::move(*file);
    }
    return true;
  }

  // Declared first, so released last: the files stay until the source is gone.
  std::string object_;  // "bucket/key", for what is logged
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
  uint32_t slots_ = 1;               // stripes a batch holds for the open extent
  size_t loaded_extent_ = SIZE_MAX;  // which stripes buf_ holds
  uint64_t batch_first_ = 0;
  uint32_t batch_count_ = 0;
  int loaded_lo_ = 0, loaded_hi_ = 0;  // data chunks the batch holds (all but for part reads)
  // (k + m) x slots_ chunks, fragment-major; aligned for direct reads.
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> buf_;
  size_t buf_size_ = 0;
};

}  // namespace

Result<std::unique_ptr<BodySource>> SegmentStore::Read(std::vector<ExtentLocation> extents,
                                                       uint64_t offset, uint64_t length,
                                                       const std::string& object) {
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
  auto source = std::make_unique<SegmentReadSource>(this, std::move(extents), offset, length,
                                                    GuardReads(), object);
  RETURN_IF_ERROR(source->Prime());
  return std::unique_ptr<BodySource>(std::move(source));
}

}  // namespace tessera::drive
