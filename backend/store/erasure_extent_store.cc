#include "backend/store/erasure_extent_store.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <optional>
#include <random>
#include <set>

#include "backend/drive/fragment.h"
#include "backend/drive/local_drive.h"

namespace tessera::store {
namespace {

using drive::FragmentId;
using drive::FragmentReader;
using drive::FragmentWriter;

uint64_t StripesOf(const ExtentLocation& loc) {
  const uint64_t stripe = static_cast<uint64_t>(loc.k) * loc.chunk_size;
  return (loc.size + stripe - 1) / stripe;
}

Status CheckProfile(const EcProfile& p) {
  if (p.k < 1 || p.k > ec::Codec::kMaxData || p.m < 1 || p.m > ec::Codec::kMaxParity) {
    return Status(ErrorCode::kInvalidArgument, "unsupported k/m in erasure profile");
  }
  if (p.chunk_size == 0 || p.chunk_size % drive::kWriteUnit != 0) {
    return Status(ErrorCode::kInvalidArgument, "chunk size must be a positive multiple of 64 KiB");
  }
  if (p.max_extent_bytes == 0) return Status(ErrorCode::kInvalidArgument, "zero extent size");
  return Status::Ok();
}

// Reads from `body` until `size` bytes or end of stream; sets *eof at the end.
Result<size_t> Fill(BodySource& body, char* buf, size_t size, bool* eof) {
  size_t got = 0;
  while (got < size && !*eof) {
    ASSIGN_OR_RETURN(size_t n, body.Read(buf + got, size - got));
    if (n == 0) *eof = true;
    got += n;
  }
  return got;
}

// One extent being written: its location and one writer per fragment.
struct OpenExtent {
  ExtentLocation loc;
  std::vector<std::unique_ptr<FragmentWriter>> writers;

  void Abort() {
    for (auto& w : writers) {
      if (w) w->Abort();
    }
  }
};

// Streams a byte range of a list of extents, one stripe at a time.
class ExtentReadSource : public BodySource {
 public:
  ExtentReadSource(ErasureExtentStore* store, std::vector<ExtentLocation> extents, uint64_t offset,
                   uint64_t length)
      : store_(store),
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
      const uint64_t stripe_bytes = static_cast<uint64_t>(loc.k) * loc.chunk_size;
      const uint64_t stripe = in_extent / stripe_bytes;
      RETURN_IF_ERROR(Load(extent_index_, stripe));
      const uint64_t in_stripe = in_extent - stripe * stripe_bytes;
      const uint64_t stripe_left = std::min(stripe_bytes - in_stripe, loc.size - in_extent);
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>({capacity - done, stripe_left, end_ - pos_}));
      std::memcpy(buf + done, buf_.data() + in_stripe, n);
      done += n;
      pos_ += n;
    }
    return done;
  }

  // Makes the stripe at pos_ resident, so that Read() fails early on an unreadable start.
  Status Prime() {
    if (pos_ >= end_) return Status::Ok();
    size_t e = 0;
    while (pos_ >= starts_[e] + extents_[e].size) ++e;
    const uint64_t stripe_bytes = static_cast<uint64_t>(extents_[e].k) * extents_[e].chunk_size;
    return Load(e, (pos_ - starts_[e]) / stripe_bytes);
  }

 private:
  Status Load(size_t e, uint64_t stripe) {
    if (e == loaded_extent_ && stripe == loaded_stripe_) return Status::Ok();
    if (e != open_extent_) RETURN_IF_ERROR(SwitchExtent(e));
    loaded_stripe_ = UINT64_MAX;
    const ExtentLocation& loc = extents_[e];
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
        return Status(ErrorCode::kDataLoss, "extent " + FragmentId{loc.id, 0}.Name() + " stripe " +
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

  Status SwitchExtent(size_t e) {
    const ExtentLocation& loc = extents_[e];
    ASSIGN_OR_RETURN(codec_, store_->CodecFor(loc.k, loc.m));
    const size_t n = static_cast<size_t>(loc.k) + loc.m;
    readers_.clear();
    readers_.resize(n);
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

  // Reads chunk `stripe` of fragment `i` into its slot; false if the fragment is lost.
  // Failures are not reported individually: the stripe either rebuilds or is kDataLoss.
  bool ReadChunk(int i, uint64_t stripe) {
    if (unusable_[i]) return false;
    const ExtentLocation& loc = extents_[open_extent_];
    if (!readers_[i]) {
      drive::Drive* d = store_->FindDrive(loc.drives[i]);
      auto reader = d ? FragmentReader::Open(*d, FragmentId{loc.id, static_cast<uint32_t>(i)})
                      : Result<std::unique_ptr<FragmentReader>>(ErrorCode::kDataLoss, "");
      if (!reader.ok() || !Matches((*reader)->footer(), loc)) {
        unusable_[i] = true;
        return false;
      }
      readers_[i] = std::move(*reader);
    }
    return readers_[i]
        ->ReadChunk(static_cast<uint32_t>(stripe), reinterpret_cast<char*>(Chunk(i)))
        .ok();
  }

  static bool Matches(const drive::FragmentFooter& f, const ExtentLocation& loc) {
    return f.chunk_size == loc.chunk_size && f.k == loc.k && f.m == loc.m &&
           f.logical_length == loc.size && f.chunk_crcs.size() == StripesOf(loc);
  }

  ErasureExtentStore* store_;
  std::vector<ExtentLocation> extents_;
  std::vector<uint64_t> starts_;
  uint64_t pos_;
  uint64_t end_;
  uint64_t length_;
  size_t extent_index_ = 0;

  size_t open_extent_ = SIZE_MAX;  // extent whose fragments readers_ hold
  const ec::Codec* codec_ = nullptr;
  std::vector<std::unique_ptr<FragmentReader>> readers_;
  std::vector<bool> unusable_;
  size_t loaded_extent_ = SIZE_MAX;  // which stripe buf_ holds
  uint64_t loaded_stripe_ = UINT64_MAX;
  std::vector<char> buf_;  // k + m chunks; data chunks first, so the stripe is contiguous
};

}  // namespace

Result<std::unique_ptr<ErasureExtentStore>> ErasureExtentStore::Open(std::vector<DriveSpec> specs,
                                                                     EcProfile profile) {
  RETURN_IF_ERROR(CheckProfile(profile));
  std::vector<PlacedDrive> drives;
  for (auto& spec : specs) {
    auto local = drive::LocalDrive::Open(spec.id, spec.path);
    if (!local.ok()) {
      return Status(local.status().code(),
                    "drive " + std::to_string(spec.id) + ": " + local.status().message());
    }
    drives.push_back({std::move(spec.region), std::shared_ptr<drive::Drive>(std::move(*local))});
  }
  return Create(std::move(drives), profile);
}

Result<std::unique_ptr<ErasureExtentStore>> ErasureExtentStore::Create(
    std::vector<PlacedDrive> drives, EcProfile profile) {
  RETURN_IF_ERROR(CheckProfile(profile));
  std::vector<placement::DriveInfo> infos;
  std::set<uint32_t> ids;
  for (const auto& d : drives) {
    if (!d.drive) return Status(ErrorCode::kInvalidArgument, "null drive");
    if (!ids.insert(d.drive->id()).second) {
      return Status(ErrorCode::kInvalidArgument,
                    "duplicate drive id " + std::to_string(d.drive->id()));
    }
    infos.push_back({d.drive->id(), d.region});
  }
  // Fail now, not on the first PUT, if the drives cannot hold a stripe.
  RETURN_IF_ERROR(
      placement::Placer(infos).Place(0, profile.k + profile.m, profile.max_per_region).status());
  auto store = std::unique_ptr<ErasureExtentStore>(
      new ErasureExtentStore(std::move(drives), profile, std::move(infos)));
  RETURN_IF_ERROR(store->CodecFor(profile.k, profile.m).status());
  return store;
}

ErasureExtentStore::ErasureExtentStore(std::vector<PlacedDrive> drives, EcProfile profile,
                                       std::vector<placement::DriveInfo> infos)
    : profile_(profile), placer_(std::move(infos)) {
  const uint64_t stripe = static_cast<uint64_t>(profile.k) * profile.chunk_size;
  extent_bytes_ = std::max<uint64_t>(1, profile.max_extent_bytes / stripe) * stripe;
  for (auto& d : drives) drives_[d.drive->id()] = std::move(d.drive);
}

drive::Drive* ErasureExtentStore::FindDrive(uint32_t id) const {
  auto it = drives_.find(id);
  return it == drives_.end() ? nullptr : it->second.get();
}

Result<const ec::Codec*> ErasureExtentStore::CodecFor(int k, int m) {
  std::lock_guard<std::mutex> lock(codecs_mu_);
  auto& slot = codecs_[{k, m}];
  if (!slot) {
    auto codec = ec::Codec::Create(k, m);
    if (!codec.ok()) {
      codecs_.erase({k, m});
      return codec.status();
    }
    slot = std::move(*codec);
  }
  return static_cast<const ec::Codec*>(slot.get());
}

// Random ids keep extents unique across restarts without persisting a counter; the
// existence check guards against the (2^-64 per pair) collision.
Result<uint64_t> ErasureExtentStore::NewExtentId() {
  std::random_device rd;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint64_t id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    if (id == 0) continue;
    ASSIGN_OR_RETURN(std::vector<uint32_t> placed,
                     placer_.Place(id, profile_.k + profile_.m, profile_.max_per_region));
    auto exists = FindDrive(placed[0])->Exists(FragmentId{id, 0});
    if (!exists.ok() || !*exists) return id;
  }
  return Status(ErrorCode::kInternal, "could not draw an unused extent id");
}

Result<std::vector<ExtentLocation>> ErasureExtentStore::Write(BodySource& body) {
  const int k = profile_.k, n = profile_.k + profile_.m;
  const size_t chunk = profile_.chunk_size;
  const size_t data_bytes = static_cast<size_t>(k) * chunk;
  ASSIGN_OR_RETURN(const ec::Codec* codec, CodecFor(k, profile_.m));

  std::vector<ExtentLocation> done;
  std::unique_ptr<OpenExtent> open;
  // Every failure path removes everything this Write produced.
  auto fail = [&](Status status) -> Status {
    if (open) open->Abort();
    for (const auto& loc : done) (void)Delete(loc);
    return status;
  };
  auto finish = [&]() -> Status {
    // Footers and fdatasyncs of the k + m fragments go to different drives: run them in
    // parallel so an extent costs one flush latency, not k + m.
    std::vector<std::future<Status>> pending;
    for (auto& w : open->writers) {
      FragmentWriter* writer = w.get();
      uint64_t size = open->loc.size;
      pending.push_back(
          std::async(std::launch::async, [writer, size] { return writer->Finish(size); }));
    }
    Status first;
    for (auto& f : pending) {
      Status s = f.get();
      if (!s.ok() && first.ok()) first = s;
    }
    if (!first.ok()) {
      (void)Delete(open->loc);  // some fragments may already be renamed into place
      return first;
    }
    done.push_back(std::move(open->loc));
    open.reset();
    return Status::Ok();
  };

  std::vector<char> stripe(static_cast<size_t>(n) * chunk);
  std::vector<const uint8_t*> data_ptrs(k);
  std::vector<uint8_t*> parity_ptrs(profile_.m);
  for (int i = 0; i < n; ++i) {
    uint8_t* p = reinterpret_cast<uint8_t*>(stripe.data()) + static_cast<size_t>(i) * chunk;
    if (i < k) {
      data_ptrs[i] = p;
    } else {
      parity_ptrs[i - k] = p;
    }
  }

  bool eof = false;
  while (!eof) {
    auto got = Fill(body, stripe.data(), data_bytes, &eof);
    if (!got.ok()) return fail(got.status());
    if (*got == 0) break;
    if (open && open->loc.size >= extent_bytes_) {
      Status st = finish();
      if (!st.ok()) return fail(st);
    }
    if (!open) {
      auto id = NewExtentId();
      if (!id.ok()) return fail(id.status());
      open = std::make_unique<OpenExtent>();
      open->loc = ExtentLocation{*id, 0, profile_.k, profile_.m, profile_.chunk_size, {}};
      auto placed = placer_.Place(*id, n, profile_.max_per_region);
      if (!placed.ok()) return fail(placed.status());
      open->loc.drives = std::move(*placed);
      for (int i = 0; i < n; ++i) {
        auto w = FragmentWriter::Create(*FindDrive(open->loc.drives[i]),
                                        FragmentId{*id, static_cast<uint32_t>(i)},
                                        profile_.chunk_size, profile_.k, profile_.m);
        if (!w.ok()) return fail(w.status());
        open->writers.push_back(std::move(*w));
      }
    }
    std::memset(stripe.data() + *got, 0, data_bytes - *got);
    codec->Encode(data_ptrs, parity_ptrs, chunk);
    for (int i = 0; i < n; ++i) {
      Status st = open->writers[i]->AppendChunk(stripe.data() + static_cast<size_t>(i) * chunk);
      if (!st.ok()) return fail(st);
    }
    open->loc.size += *got;
  }
  if (open) {
    Status st = finish();
    if (!st.ok()) return fail(st);
  }
  return done;
}

Result<std::unique_ptr<BodySource>> ErasureExtentStore::Read(std::vector<ExtentLocation> extents,
                                                             uint64_t offset, uint64_t length) {
  uint64_t total = 0;
  for (const auto& e : extents) {
    if (e.k < 1 || e.m < 1 || e.drives.size() != static_cast<size_t>(e.k) + e.m ||
        e.chunk_size == 0 || e.chunk_size % drive::kWriteUnit != 0) {
      return Status(ErrorCode::kInternal,
                    "malformed extent location " + drive::FragmentId{e.id, 0}.Name());
    }
    total += e.size;
  }
  if (offset > total || length > total - offset) {
    return Status(ErrorCode::kInvalidRange, "range [" + std::to_string(offset) + ", +" +
                                                std::to_string(length) + ") past " +
                                                std::to_string(total) + " bytes");
  }
  auto source = std::make_unique<ExtentReadSource>(this, std::move(extents), offset, length);
  RETURN_IF_ERROR(source->Prime());
  return std::unique_ptr<BodySource>(std::move(source));
}

Status ErasureExtentStore::Delete(const ExtentLocation& extent) {
  Status first;
  for (size_t i = 0; i < extent.drives.size(); ++i) {
    drive::Drive* d = FindDrive(extent.drives[i]);
    if (d == nullptr) continue;  // a drive that left the cluster holds nothing we can reach
    Status st = d->Remove(FragmentId{extent.id, static_cast<uint32_t>(i)});
    if (!st.ok() && first.ok()) first = st;
  }
  return first;
}

}  // namespace tessera::store
