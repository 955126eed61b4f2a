#include "backend/drive/segment_store.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>

#include "backend/drive/local_drive.h"
#include "backend/meta/extents.h"
#include "common/hash.h"

namespace tessera::drive {
namespace {

using extent::ExtentLocation;
using extent::FragmentAddress;

// Stripes reserved at a time for a body of unknown length.
constexpr uint32_t kUnknownLengthStripes = 16;
// Segment ids taken from metadata at a time.
constexpr uint64_t kSegmentIdBatch = 64;
// Segment files kept open for readers, per drive.
constexpr size_t kMaxCachedFiles = 256;

Status CheckOptions(const SegmentStoreOptions& o) {
  const EcProfile& p = o.profile;
  if (p.k < 1 || p.k > ec::Codec::kMaxData || p.m < 1 || p.m > ec::Codec::kMaxParity) {
    return Status(ErrorCode::kInvalidArgument, "unsupported k/m in erasure profile");
  }
  if (p.chunk_size == 0 || p.chunk_size % kWriteUnit != 0) {
    return Status(ErrorCode::kInvalidArgument, "chunk size must be a positive multiple of 64 KiB");
  }
  if (p.max_extent_bytes == 0) return Status(ErrorCode::kInvalidArgument, "zero extent size");
  if (o.segment_bytes < kWriteUnit) {
    return Status(ErrorCode::kInvalidArgument, "segments must hold at least 64 KiB");
  }
  if (o.buffer_log_bytes < kWriteUnit) {
    return Status(ErrorCode::kInvalidArgument, "buffer logs must hold at least 64 KiB");
  }
  if (o.destage_stripes == 0) {
    return Status(ErrorCode::kInvalidArgument, "the destager packs at least one stripe");
  }
  return Status::Ok();
}

// Reads from `body` until `size` bytes or end of stream; sets *eof at the end.
Result<size_t> Fill(BodySource& body, char* buf, size_t size, bool* eof) {
  size_t got = 0;
  while (got < size && !*eof) {
    ASSIGN_OR_RETURN(size_t n, body.Read(buf + got, size - got));
    if (n > size - got) return Status(ErrorCode::kInternal, "body source overran its buffer");
    if (n == 0) *eof = true;
    got += n;
  }
  return got;
}

struct AlignedFree {
  void operator()(char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<char, AlignedFree>;

AlignedBuffer AllocateAligned(size_t bytes) {
  return AlignedBuffer(static_cast<char*>(std::aligned_alloc(kWriteUnit, bytes)));
}

class EpochGuard : public extent::ReadGuard {
 public:
  explicit EpochGuard(ReaderEpochs* epochs) : epochs_(epochs), token_(epochs->Enter()) {}
  ~EpochGuard() override { epochs_->Leave(token_); }

 private:
  ReaderEpochs* epochs_;
  uint64_t token_;
};

}  // namespace

// Releases a finished write's reservations when the caller is done with its extents.
class SegmentStore::Hold : public extent::WriteHold {
 public:
  Hold(SegmentStore* store, std::vector<Reservation> reservations,
       std::vector<std::shared_ptr<extent::WriteHold>> shared)
      : store_(store), reservations_(std::move(reservations)), shared_(std::move(shared)) {}
  ~Hold() override {
    for (const Reservation& r : reservations_) store_->Release(r);
  }

 private:
  SegmentStore* store_;
  std::vector<Reservation> reservations_;
  std::vector<std::shared_ptr<extent::WriteHold>> shared_;  // packed tails' groups
};

// One Write(): streams a body into extents one stripe at a time. Chunks are written by the
// calling thread (a copy into the page cache, or a direct write that runs in parallel with
// the other writers'); only syncs go through the drives' I/O threads, to be shared.
class SegmentStore::Writer {
 public:
  // A `client` write buffers or packs its tail and counts in the store's counters; the
  // store's own writes (destaging, repacking, packed tails) pad their final stripe.
  Writer(SegmentStore& store, const ec::Codec* codec, bool client)
      : store_(store),
        client_(client),
        allow_buffer_(client && !store.buffers_.empty()),
        profile_(store.options_.profile),
        codec_(codec),
        n_(profile_.k + profile_.m),
        chunk_(profile_.chunk_size),
        stripe_data_(static_cast<size_t>(profile_.k) * chunk_) {}

  ~Writer() {
    if (announced_ > 0) store_.RetractTail(announced_);
    store_.dead_since_pass_ += packed_stored_;  // slices of groups nothing will reference
    // Left only when the write failed: what it reserved is dead now.
    for (const Reservation& r : reservations_) {
      store_.dead_since_pass_ += r.bytes;
      store_.Release(r);
    }
  }

  Result<extent::Written> Run(BodySource& body) {
    declared_ = body.Size();
    buffer_ = AllocateAligned(n_ * chunk_);
    if (!buffer_) return Status(ErrorCode::kInternal, "out of memory for a stripe buffer");
    Status status = Stream(body);
    if (status.ok() && open_) Finish();
    if (status.ok()) status = SyncAndCount();
    if (!status.ok()) return status;
    if (degraded_) {
      ++store_.degraded_writes_;
      store_.RequestHeal();
    }
    if (client_) {
      store_.user_bytes_ += consumed_;
      store_.segment_bytes_ += stored_;
    }
    extent::Written written;
    written.extents = std::move(out_);
    written.hold = std::make_unique<Hold>(&store_, std::move(reservations_), std::move(shared_));
    reservations_.clear();
    packed_stored_ = 0;
    return written;
  }

 private:
  struct OpenExtent {
    ExtentLocation loc;
    std::vector<Reservation> fragments;  // one per fragment index
    std::vector<bool> lost;              // its drive failed a write
    int lost_count = 0;
    uint32_t capacity = 0;  // stripes reserved
    std::vector<std::vector<uint32_t>> crcs;
  };

  static Status TooFewDrives() {
    return Status(ErrorCode::kSlowDown, "too few drives took the write; retry");
  }

  // Syncs what this write touched. Fragments on drives whose sync failed are lost: each
  // extent keeps k + 1 at least (buffered ones their required copies), or the write fails.
  Status SyncAndCount() {
    const std::set<DriveState*> failed = store_.SyncEach(reservations_);
    if (failed.empty()) return Status::Ok();
    std::set<uint32_t> ids;
    for (DriveState* d : failed) ids.insert(d->drive->id());
    degraded_ = true;
    for (ExtentLocation& loc : out_) {
      if (slice_ids_.count(loc.id) > 0) continue;  // synced by its group's writer
      if (loc.buffered()) {
        std::erase_if(loc.fragments, [&](const auto& f) { return ids.count(f.drive) > 0; });
        if (loc.fragments.size() < store_.RequiredBufferCopies()) return TooFewDrives();
        continue;
      }
      int lost = 0;
      for (size_t i = 0; i < loc.fragments.size(); ++i) {
        extent::FragmentAddress& f = loc.fragments[i];
        if (ids.count(f.drive) > 0) f = LostFragment(i);
        if (f.drive == extent::kLostDrive) ++lost;
      }
      if (lost > loc.m - 1) return TooFewDrives();
    }
    return Status::Ok();
  }

  static extent::FragmentAddress LostFragment(size_t i) {
    return extent::FragmentAddress{extent::kLostDrive, 0, i * kWriteUnit};
  }

  Status Stream(BodySource& body) {
    std::vector<const uint8_t*> data(profile_.k);
    std::vector<uint8_t*> parity(profile_.m);
    char* buf = buffer_.get();
    bool eof = false;
    while (!eof) {
      MaybeAnnounceTail();
      ASSIGN_OR_RETURN(size_t got, Fill(body, buf, stripe_data_, &eof));
      if (got == 0) break;
      if (got < stripe_data_ && allow_buffer_) {
        // Less than a stripe left (a small body, or the tail of a large one): a long one is
        // first packed with concurrent writers' tails into shared full stripes; the write
        // buffer takes the rest, and the destager packs it with others later.
        if (open_) Finish();
        size_t rest = got;
        if (store_.options_.pack_tail_bytes > 0 && got >= store_.options_.pack_tail_bytes) {
          TailRequest tail;
          tail.data = buf;
          tail.size = got;
          store_.PackTail(tail, announced_);
          announced_ = 0;
          for (ExtentLocation& slice : tail.slices) {
            slice_ids_.insert(slice.id);
            packed_stored_ += slice.size * n_ / profile_.k;
            out_.push_back(std::move(slice));
          }
          for (auto& hold : tail.holds) shared_.push_back(std::move(hold));
          rest = got - tail.packed;
          if (tail.packed > 0 && rest > 0) std::memmove(buf, buf + tail.packed, rest);
        }
        if (rest > 0) {
          const size_t padded = (rest + extent::ExtentLocation::kBufferUnit - 1) /
                                extent::ExtentLocation::kBufferUnit *
                                extent::ExtentLocation::kBufferUnit;
          std::memset(buf + rest, 0, padded - rest);
          ASSIGN_OR_RETURN(ExtentLocation loc, store_.WriteBuffered(buf, rest, &reservations_));
          out_.push_back(std::move(loc));
        }
        consumed_ += got;
        break;
      }
      if (open_ && open_->loc.stripes == open_->capacity) Finish();
      if (!open_) RETURN_IF_ERROR(Start());
      std::memset(buf + got, 0, stripe_data_ - got);
      for (int i = 0; i < n_; ++i) {
        uint8_t* p = reinterpret_cast<uint8_t*>(buf) + static_cast<size_t>(i) * chunk_;
        if (i < profile_.k) {
          data[i] = p;
        } else {
          parity[i - profile_.k] = p;
        }
      }
      codec_->Encode(data, parity, chunk_);
      const uint64_t at = static_cast<uint64_t>(open_->loc.stripes) * chunk_;
      for (int i = 0; i < n_; ++i) {
        const char* c = buf + static_cast<size_t>(i) * chunk_;
        open_->crcs[i].push_back(Crc32c(c, chunk_));
        if (open_->lost[i]) continue;
        const Reservation& r = open_->fragments[i];
        Status written = r.file->WriteAt(r.offset + at, c, chunk_);
        if (!written.ok()) {
          // The drive goes down; the fragment is lost, to be rebuilt by the healer, as long
          // as k + 1 fragments of the extent remain.
          store_.MarkDown(*r.drive, written);
          open_->lost[i] = true;
          degraded_ = true;
          if (++open_->lost_count > profile_.m - 1) return TooFewDrives();
        }
      }
      ++open_->loc.stripes;
      open_->loc.size += got;
      consumed_ += got;
    }
    return Status::Ok();
  }

  // Tells the tail packer how long this body's tail will be once the body is within two
  // stripes of its declared end (early enough for tails queued meanwhile to wait for it,
  // late enough that a long upload does not keep them waiting).
  void MaybeAnnounceTail() {
    const uint64_t pack_min = store_.options_.pack_tail_bytes;
    if (announce_checked_ || !allow_buffer_ || pack_min == 0 || !declared_) return;
    if (*declared_ > consumed_ + 2 * stripe_data_) return;
    announce_checked_ = true;
    if (*declared_ % stripe_data_ < pack_min) return;
    announced_ = *declared_ % stripe_data_;
    store_.AnnounceTail(announced_);
  }

  // Opens the next extent: an id, its drives, and a contiguous range on each. A drive that
  // cannot give a range goes down and placement runs again without it.
  Status Start() {
    ASSIGN_OR_RETURN(uint64_t id, store_.NewExtentId());
    const uint64_t max_stripes = store_.extent_bytes_ / stripe_data_;
    uint64_t want = kUnknownLengthStripes;
    if (declared_ && *declared_ > consumed_) {
      // A partial last stripe goes to the buffer when there is one: reserve whole ones.
      const uint64_t left = *declared_ - consumed_;
      want = allow_buffer_ ? left / stripe_data_ : (left + stripe_data_ - 1) / stripe_data_;
    }
    const uint32_t capacity = static_cast<uint32_t>(std::clamp<uint64_t>(want, 1, max_stripes));
    for (int attempt = 0;; ++attempt) {
      bool handoff = false;
      ASSIGN_OR_RETURN(std::vector<uint32_t> placed, store_.PlaceWrite(id, &handoff));
      std::vector<Reservation> got;
      Status failed;
      for (int i = 0; i < n_ && failed.ok(); ++i) {
        DriveState* d = store_.FindDrive(placed[i]);
        auto r = store_.Reserve(*d, static_cast<uint64_t>(capacity) * chunk_);
        if (r.ok()) {
          got.push_back(*r);
        } else {
          store_.MarkDown(*d, r.status());
          failed = r.status();
        }
      }
      if (failed.ok()) {
        auto open = std::make_unique<OpenExtent>();
        open->capacity = capacity;
        open->loc.id = id;
        open->loc.k = profile_.k;
        open->loc.m = profile_.m;
        open->loc.chunk_size = chunk_;
        open->crcs.resize(n_);
        open->lost.assign(n_, false);
        open->fragments = got;
        reservations_.insert(reservations_.end(), got.begin(), got.end());
        open_ = std::move(open);
        degraded_ = degraded_ || handoff;
        return Status::Ok();
      }
      for (const Reservation& r : got) {
        store_.dead_since_pass_ += r.bytes;
        store_.Release(r);
      }
      if (attempt >= 3) return TooFewDrives();
    }
  }

  void Finish() {
    ExtentLocation& loc = open_->loc;
    stored_ += loc.fragment_bytes() * static_cast<uint64_t>(n_);
    for (int i = 0; i < n_; ++i) {
      const Reservation& r = open_->fragments[i];
      loc.fragments.push_back(open_->lost[i]
                                  ? LostFragment(i)
                                  : FragmentAddress{r.drive->drive->id(), r.segment, r.offset});
      loc.chunk_crcs.insert(loc.chunk_crcs.end(), open_->crcs[i].begin(), open_->crcs[i].end());
    }
    out_.push_back(std::move(loc));
    open_.reset();
  }

  SegmentStore& store_;
  const bool client_;
  const bool allow_buffer_;
  const EcProfile& profile_;
  const ec::Codec* codec_;
  const int n_;
  const size_t chunk_;
  const size_t stripe_data_;
  std::optional<uint64_t> declared_;
  uint64_t consumed_ = 0;
  uint64_t stored_ = 0;     // segment bytes of the extents this writer wrote itself
  uint64_t announced_ = 0;  // tail bytes announced to the packer and not yet retracted
  bool announce_checked_ = false;
  std::set<uint64_t> slice_ids_;  // extents that are slices of packed tails' groups
  uint64_t packed_stored_ = 0;    // their share of their groups' segment bytes
  bool degraded_ = false;         // a fragment handed off or lost
  AlignedBuffer buffer_;
  std::vector<Reservation> reservations_;
  std::vector<std::shared_ptr<extent::WriteHold>> shared_;  // groups holding packed tails
  std::unique_ptr<OpenExtent> open_;
  std::vector<ExtentLocation> out_;
};

Result<std::unique_ptr<SegmentStore>> SegmentStore::Open(std::shared_ptr<meta::Env> env,
                                                         std::vector<DriveSpec> specs,
                                                         SegmentStoreOptions options,
                                                         std::vector<DriveSpec> buffer_specs) {
  RETURN_IF_ERROR(CheckOptions(options));
  auto open = [&](std::vector<DriveSpec>& from, bool direct) -> Result<std::vector<PlacedDrive>> {
    std::vector<PlacedDrive> out;
    for (auto& spec : from) {
      ASSIGN_OR_RETURN(std::unique_ptr<LocalDrive> local,
                       LocalDrive::Open(spec.id, spec.path, direct));
      out.push_back({std::move(spec.region), std::shared_ptr<Drive>(std::move(local))});
    }
    return out;
  };
  ASSIGN_OR_RETURN(std::vector<PlacedDrive> drives, open(specs, options.direct_io));
  ASSIGN_OR_RETURN(std::vector<PlacedDrive> buffers, open(buffer_specs, options.direct_io));
  return Create(std::move(env), std::move(drives), options, std::move(buffers));
}

Result<std::unique_ptr<SegmentStore>> SegmentStore::Create(std::shared_ptr<meta::Env> env,
                                                           std::vector<PlacedDrive> drives,
                                                           SegmentStoreOptions options,
                                                           std::vector<PlacedDrive> buffers) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (!env) return Status(ErrorCode::kInvalidArgument, "segment store: no metadata");
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
  for (const auto& b : buffers) {
    if (!b.drive) return Status(ErrorCode::kInvalidArgument, "null buffer device");
    if (!ids.insert(b.drive->id()).second) {
      return Status(ErrorCode::kInvalidArgument,
                    "duplicate drive id " + std::to_string(b.drive->id()));
    }
  }
  const EcProfile& p = options.profile;
  // Fail now, not on the first PUT, if the drives cannot hold a stripe.
  RETURN_IF_ERROR(placement::Placer(infos).Place(0, p.k + p.m, p.max_per_region).status());
  RETURN_IF_ERROR(meta::EnsureStoreFormat(*env));
  auto store = std::unique_ptr<SegmentStore>(new SegmentStore(env, options, std::move(infos)));
  auto add = [&](PlacedDrive& d, bool buffer) {
    auto state = std::make_unique<DriveState>();
    state->drive = std::move(d.drive);
    state->region = d.region;
    state->buffer = buffer;
    state->align = buffer ? extent::ExtentLocation::kBufferUnit : kWriteUnit;
    state->segment_bytes = buffer ? options.buffer_log_bytes : options.segment_bytes;
    state->io = std::make_unique<DriveIo>();
    DriveState* raw = state.get();
    store->drives_[state->drive->id()] = std::move(state);
    return raw;
  };
  for (auto& d : drives) add(d, false);
  std::set<std::string> regions;
  for (auto& b : buffers) {
    DriveState* state = add(b, true);
    if (regions.insert(state->region).second) store->buffers_.push_back(state);
  }
  const uint32_t wanted = options.buffer_copies > 0 ? options.buffer_copies : p.m + 1u;
  store->buffer_copies_ = std::min<uint32_t>(wanted, static_cast<uint32_t>(store->buffers_.size()));
  RETURN_IF_ERROR(store->CodecFor(p.k, p.m).status());
  RETURN_IF_ERROR(store->LoadFailed());
  if (options.compact_interval_ms > 0) {
    store->compactor_ = std::thread([s = store.get()] { s->CompactLoop(); });
  }
  if (!store->buffers_.empty() && options.destage_interval_ms > 0) {
    store->destager_ = std::thread([s = store.get()] { s->DestageLoop(); });
  }
  if (options.probe_interval_ms > 0) {
    store->health_ = std::thread([s = store.get()] { s->HealthLoop(); });
  }
  return store;
}

SegmentStore::SegmentStore(std::shared_ptr<meta::Env> env, SegmentStoreOptions options,
                           std::vector<placement::DriveInfo> infos)
    : env_(std::move(env)), options_(options), placer_(std::move(infos)) {
  const uint64_t stripe = static_cast<uint64_t>(options.profile.k) * options.profile.chunk_size;
  extent_bytes_ = std::max<uint64_t>(1, options.profile.max_extent_bytes / stripe) * stripe;
}

SegmentStore::~SegmentStore() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  health_cv_.notify_all();
  if (compactor_.joinable()) compactor_.join();
  if (destager_.joinable()) destager_.join();
  if (health_.joinable()) health_.join();
}

SegmentStore::DriveState* SegmentStore::FindDrive(uint32_t id) const {
  auto it = drives_.find(id);
  return it == drives_.end() ? nullptr : it->second.get();
}

Result<const ec::Codec*> SegmentStore::CodecFor(int k, int m) {
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

Result<uint64_t> SegmentStore::AllocateSegmentId() {
  std::lock_guard<std::mutex> lock(ids_mu_);
  if (next_segment_id_ >= segment_id_limit_) {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    ASSIGN_OR_RETURN(uint64_t first, meta::ReserveSegmentIds(txn, kSegmentIdBatch));
    RETURN_IF_ERROR(txn.Commit());
    next_segment_id_ = first;
    segment_id_limit_ = first + kSegmentIdBatch;
  }
  return next_segment_id_++;
}

// Random ids keep extents unique across restarts and gateways without a shared counter;
// the metadata layer refuses to insert an id that exists (a 2^-64 event per pair).
Result<uint64_t> SegmentStore::NewExtentId() {
  thread_local std::mt19937_64 rng([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  uint64_t id = 0;
  while (id == 0) id = rng();
  return id;
}

Result<SegmentStore::Reservation> SegmentStore::Reserve(DriveState& d, uint64_t bytes) {
  bytes = (bytes + d.align - 1) / d.align * d.align;
  std::lock_guard<std::mutex> lock(d.mu);
  if (!d.open_file || (d.reserved_end > 0 && d.reserved_end + bytes > d.segment_bytes)) {
    ASSIGN_OR_RETURN(uint64_t id, AllocateSegmentId());
    ASSIGN_OR_RETURN(std::shared_ptr<SegmentFile> file, d.drive->CreateSegment(id));
    d.open_segment = id;
    d.open_file = file;
    d.files[id] = std::move(file);
    d.reserved_end = 0;
  }
  Reservation r{&d, d.open_segment, d.open_file, d.reserved_end, bytes};
  d.reserved_end += bytes;
  ++d.reservations;
  ++d.outstanding[d.open_segment];
  return r;
}

void SegmentStore::Release(const Reservation& r) {
  std::lock_guard<std::mutex> lock(r.drive->mu);
  auto it = r.drive->outstanding.find(r.segment);
  if (it != r.drive->outstanding.end() && --it->second == 0) r.drive->outstanding.erase(it);
}

bool SegmentStore::Sealed(DriveState& d, uint64_t segment) {
  std::lock_guard<std::mutex> lock(d.mu);
  return segment != d.open_segment && d.outstanding.count(segment) == 0 &&
         d.retiring.count(segment) == 0;
}

Result<std::shared_ptr<SegmentFile>> SegmentStore::File(uint32_t drive, uint64_t segment) {
  DriveState* d = FindDrive(drive);
  if (d == nullptr) {
    return Status(ErrorCode::kDataLoss, "unknown drive " + std::to_string(drive));
  }
  std::lock_guard<std::mutex> lock(d->mu);
  auto it = d->files.find(segment);
  if (it != d->files.end()) return it->second;
  ASSIGN_OR_RETURN(std::shared_ptr<SegmentFile> file, d->drive->OpenSegment(segment));
  // Bounded: readers keep the files they use, so dropping one from the cache only closes it
  // once its last reader is done. The open segment stays.
  if (d->files.size() >= kMaxCachedFiles) {
    auto victim = d->files.begin();
    if (victim->first == d->open_segment) ++victim;
    if (victim != d->files.end()) d->files.erase(victim);
  }
  d->files[segment] = file;
  return file;
}

Result<extent::Written> SegmentStore::Write(BodySource& body) {
  const EcProfile& p = options_.profile;
  ASSIGN_OR_RETURN(const ec::Codec* codec, CodecFor(p.k, p.m));
  Writer writer(*this, codec, /*client=*/true);
  return writer.Run(body);
}

Result<extent::Written> SegmentStore::WriteStripes(BodySource& body) {
  const EcProfile& p = options_.profile;
  ASSIGN_OR_RETURN(const ec::Codec* codec, CodecFor(p.k, p.m));
  Writer writer(*this, codec, /*client=*/false);
  return writer.Run(body);
}

std::vector<SegmentStore::DriveState*> SegmentStore::BufferCopies(uint64_t id) const {
  std::vector<std::pair<uint64_t, DriveState*>> ranked;
  for (DriveState* b : buffers_) {
    if (b->up.load()) ranked.emplace_back(placement::RendezvousScore(id, b->drive->id()), b);
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<DriveState*> out;
  for (uint32_t i = 0; i < buffer_copies_ && i < ranked.size(); ++i)
    out.push_back(ranked[i].second);
  return out;
}

Result<ExtentLocation> SegmentStore::WriteBuffered(const char* data, size_t size,
                                                   std::vector<Reservation>* held) {
  ASSIGN_OR_RETURN(uint64_t id, NewExtentId());
  ExtentLocation loc;
  loc.kind = ExtentLocation::Kind::kBuffered;
  loc.id = id;
  loc.size = size;
  loc.crc = Crc32c(data, size);
  const uint64_t padded = loc.fragment_bytes();
  for (DriveState* d : BufferCopies(id)) {
    auto r = Reserve(*d, padded);
    if (!r.ok()) {
      MarkDown(*d, r.status());
      continue;
    }
    held->push_back(*r);
    Status written = r->file->WriteAt(r->offset, data, padded);
    if (!written.ok()) {
      MarkDown(*d, written);
      continue;
    }
    loc.fragments.push_back(FragmentAddress{d->drive->id(), r->segment, r->offset});
  }
  if (loc.fragments.size() < RequiredBufferCopies()) {
    return Status(ErrorCode::kSlowDown, "too few buffer devices took the write; retry");
  }
  buffer_bytes_ += padded * loc.fragments.size();
  const uint64_t threshold = static_cast<uint64_t>(options_.destage_stripes) * options_.profile.k *
                             options_.profile.chunk_size;
  if ((buffered_since_pass_ += size) >= threshold) loop_cv_.notify_all();
  return loc;
}

std::set<SegmentStore::DriveState*> SegmentStore::SyncEach(
    const std::vector<Reservation>& reservations, Status* first_error) {
  // One sync per file, all waited for at once; each its own outcome.
  std::map<std::pair<DriveState*, SegmentFile*>, Status> syncs;
  Completion done;
  for (const Reservation& r : reservations) {
    auto [it, added] = syncs.try_emplace({r.drive, r.file.get()});
    if (added) r.drive->io->Sync(r.file, &done, &it->second);
  }
  (void)done.Wait();
  std::set<DriveState*> failed;
  for (auto& [key, status] : syncs) {
    if (status.ok()) continue;
    if (first_error != nullptr && first_error->ok()) *first_error = status;
    failed.insert(key.first);
    MarkDown(*key.first, status);
  }
  return failed;
}

Status SegmentStore::SyncAll(const std::vector<Reservation>& reservations) {
  Status first;
  SyncEach(reservations, &first);
  return first;
}

Status SegmentStore::Delete(const ExtentLocation& extent) {
  // The metadata commit that dropped the last reference already made these bytes dead;
  // compaction reclaims them. Only the pass scheduling cares.
  dead_since_pass_ += extent.fragment_bytes() * extent.fragments.size();
  return Status::Ok();
}

std::unique_ptr<extent::ReadGuard> SegmentStore::GuardReads() {
  return std::make_unique<EpochGuard>(&epochs_);
}

Result<SpaceReport> SegmentStore::Space() {
  SpaceReport report;
  for (auto& [id, d] : drives_) {
    ASSIGN_OR_RETURN(std::vector<uint64_t> segments, d->drive->ListSegments());
    for (uint64_t segment : segments) {
      auto file = d->drive->OpenSegment(segment);  // not cached: a report touches them all
      if (!file.ok()) continue;                    // removed meanwhile
      ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
      ++report.segments;
      report.segment_bytes += size;
    }
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(auto live, meta::LiveBytes(txn));
  for (const auto& [segment, bytes] : live) report.live_bytes += bytes;
  report.live_bytes = std::min(report.live_bytes, report.segment_bytes);
  return report;
}

StoreCounters SegmentStore::counters() const {
  StoreCounters c;
  c.user_bytes = user_bytes_.load();
  c.segment_bytes = segment_bytes_.load();
  c.compacted_bytes = compacted_bytes_.load();
  c.segments_removed = segments_removed_.load();
  c.degraded_stripes = degraded_stripes_.load();
  c.buffer_bytes = buffer_bytes_.load();
  c.destaged_bytes = destaged_bytes_.load();
  c.destage_segment_bytes = destage_segment_bytes_.load();
  c.degraded_writes = degraded_writes_.load();
  c.healed_extents = healed_extents_.load();
  c.healed_bytes = healed_bytes_.load();
  c.scrubbed_bytes = scrubbed_bytes_.load();
  c.scrub_bad = scrub_bad_.load();
  return c;
}

}  // namespace tessera::drive
