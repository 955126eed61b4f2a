// Packing several extents' bytes into shared full stripes (FORMAT.md, "Destaging" and
// "Packed tails"): the one write both the destager and compaction's repacking use, and the
// tail packer that lets concurrent writes fill stripes together instead of buffering their
// tails.

#include <algorithm>
#include <cstring>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"

namespace tessera::drive {
namespace {

using extent::ExtentLocation;

// A tail takes part in at most this many batches (the later ones only while the batch it
// was in wrote stripes, so more tails are arriving); what is left of it is then buffered.
constexpr int kMaxTailBatches = 2;

// Serves a packed buffer as a body of known size.
class PackedSource : public BodySource {
 public:
  explicit PackedSource(const std::string& data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    const size_t n = std::min(capacity, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override { return data_.size(); }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

}  // namespace

Result<SegmentStore::Packed> SegmentStore::WritePacked(
    const std::string& packed,
    const std::vector<std::pair<const ExtentLocation*, uint64_t>>& placed) {
  PackedSource source(packed);
  ASSIGN_OR_RETURN(extent::Written group, WriteStripes(source));
  if (group.extents.size() != 1) {
    return Status(ErrorCode::kInternal, "a packed group spans several extents");
  }
  const ExtentLocation& g = group.extents[0];
  Packed done;
  done.group_bytes = g.fragment_bytes() * g.fragments.size();
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  for (const auto& [loc, offset] : placed) {
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record, meta::GetExtent(txn, loc->id));
    if (!record || record->location != *loc) continue;  // deleted or moved meanwhile
    meta::ExtentRecord moved = *record;
    moved.location = extent::Slice(g, loc->id, offset, loc->size);
    RETURN_IF_ERROR(meta::PutExtent(txn, moved, &*record));
    ++done.extents;
    done.bytes += loc->size;
  }
  RETURN_IF_ERROR(txn.Commit());
  return done;
}

void SegmentStore::AnnounceTail(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(pack_mu_);
  pack_announced_ += bytes;
}

void SegmentStore::RetractTail(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(pack_mu_);
  pack_announced_ -= std::min(bytes, pack_announced_);
  pack_cv_.notify_all();  // a queue waiting for these bytes stops waiting
}

// Group commit for tails: a writer that finds no batch running leads one, made of every tail
// queued meanwhile (its own included); the others wait for the batch they are in. While the
// queue holds less than a stripe, but writers still streaming have announced enough tail
// bytes to fill one, the queue waits for them, at most pack_tail_wait_ms after its oldest
// tail.
void SegmentStore::PackTail(TailRequest& request, uint64_t announced) {
  const uint64_t stripe = static_cast<uint64_t>(options_.profile.k) * options_.profile.chunk_size;
  std::unique_lock<std::mutex> lock(pack_mu_);
  pack_announced_ -= std::min(announced, pack_announced_);
  request.arrived = std::chrono::steady_clock::now();
  pack_queue_.push_back(&request);
  pack_cv_.notify_all();
  while (!request.done) {
    if (pack_leading_) {
      pack_cv_.wait(lock);
      continue;
    }
    uint64_t queued = 0;
    for (const TailRequest* r : pack_queue_) queued += r->size - r->packed;
    const auto deadline =
        pack_queue_.front()->arrived + std::chrono::milliseconds(options_.pack_tail_wait_ms);
    if (queued < stripe && queued + pack_announced_ >= stripe &&
        std::chrono::steady_clock::now() < deadline) {
      pack_cv_.wait_until(lock, deadline);
      continue;
    }
    pack_leading_ = true;
    std::vector<TailRequest*> batch(pack_queue_.begin(), pack_queue_.end());
    pack_queue_.clear();
    lock.unlock();
    const bool wrote = RunTailBatch(batch);
    lock.lock();
    // `done` is set under the lock only: a writer that sees it returns and its request is
    // gone. Tails carried over go before those that arrived during the batch.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      TailRequest* r = *it;
      r->done = !wrote || r->packed == r->size || r->batches >= kMaxTailBatches;
      if (!r->done) pack_queue_.push_front(r);
    }
    pack_leading_ = false;
    pack_cv_.notify_all();
  }
}

bool SegmentStore::RunTailBatch(const std::vector<TailRequest*>& batch) {
  const uint64_t stripe = static_cast<uint64_t>(options_.profile.k) * options_.profile.chunk_size;
  uint64_t total = 0;
  for (const TailRequest* r : batch) total += r->size - r->packed;
  const uint64_t full = std::min(total / stripe * stripe, extent_bytes_);
  if (full == 0) return false;  // not a stripe's worth: each is buffered

  // Whole tails in arrival order; the one that crosses the end of the last stripe gives
  // only its head, and its rest may fill the next batch.
  struct Take {
    TailRequest* request;
    uint64_t offset;  // in the group
    uint64_t length;
  };
  std::vector<Take> takes;
  std::string packed;
  packed.reserve(full);
  for (TailRequest* r : batch) {
    if (packed.size() == full) break;
    const uint64_t length = std::min<uint64_t>(r->size - r->packed, full - packed.size());
    takes.push_back({r, packed.size(), length});
    packed.append(r->data + r->packed, length);
  }
  PackedSource source(packed);
  Result<extent::Written> group = WriteStripes(source);
  if (!group.ok() || group->extents.size() != 1) return false;  // each buffers instead
  const ExtentLocation& g = group->extents[0];
  segment_bytes_ += g.fragment_bytes() * g.fragments.size();
  // The group's reservations stay held until every writer with a slice of it is done.
  std::shared_ptr<extent::WriteHold> hold(std::move(group->hold));
  for (const Take& take : takes) {
    Result<uint64_t> id = NewExtentId();
    if (!id.ok()) continue;  // that part is dead; the writer buffers it instead
    take.request->slices.push_back(extent::Slice(g, *id, take.offset, take.length));
    take.request->holds.push_back(hold);
    take.request->packed += take.length;
  }
  for (TailRequest* r : batch) ++r->batches;
  return true;
}

}  // namespace tessera::drive
