// Compaction of the segment store: moves the live fragments out of mostly-dead sealed
// segments and removes segments with nothing live. The protocol (FORMAT.md, "Compaction"):
//
//   1. Note which segments are sealed (not open, nothing reserved). No new fragment ever
//      lands in a sealed segment, and every write that reserved space in it has been
//      committed or abandoned.
//   2. Only then read the fragment index: it names every live fragment of those segments.
//   3. Copy each live fragment to the open segment of the same drive; sync the copies.
//   4. In one metadata transaction, repoint each extent whose fragment is still where it
//      was copied from (a concurrent delete simply wins).
//   5. A sealed segment with no live fragment left is removed once no reader that may
//      have looked up an old location remains (ReaderEpochs).
//
// A crash anywhere leaves either the old location referenced (the copy is dead bytes in
// the open segment) or the new one (the old segment is dead and goes in the next pass).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"

namespace tessera::drive {
namespace {

// Bytes copied per metadata transaction, and per read/write step.
constexpr uint64_t kMoveBatchBytes = 32ull << 20;
constexpr size_t kCopyStep = 1 << 20;

struct Freer {
  void operator()(char* p) const { std::free(p); }
};

}  // namespace

Result<CompactReport> SegmentStore::Compact(double below) {
  std::lock_guard<std::mutex> pass(compact_mu_);
  dead_since_pass_ = 0;
  CompactReport report;
  bool left_open = false;  // an open segment with bytes stayed open: look again next pass
  // Step 1 before step 2: see the protocol above.
  std::vector<std::pair<DriveState*, uint64_t>> sealed;
  for (auto& [id, d] : drives_) {
    {
      std::lock_guard<std::mutex> lock(d->mu);
      if (d->open_file && d->reserved_end > 0) {
        if (below >= 1.0 || d->reservations == 0) {
          d->open_file.reset();  // the next reservation starts a new segment
          d->open_segment = 0;
        } else {
          left_open = true;
        }
      }
      d->reservations = 0;
    }
    auto segments = d->drive->ListSegments();
    if (!segments.ok()) continue;  // an unreachable drive: the others still get their pass
    for (uint64_t segment : *segments) {
      if (Sealed(*d, segment)) sealed.emplace_back(d.get(), segment);
    }
  }
  reseal_pending_ = left_open;
  std::map<std::pair<uint32_t, uint64_t>, uint64_t> live;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    ASSIGN_OR_RETURN(live, meta::LiveBytes(txn));
  }
  // Segments with nothing live go first: they cost nothing and free the most, which matters
  // most when a drive is full and moves cannot reserve space.
  std::vector<std::tuple<DriveState*, uint64_t, uint64_t>> partly_live;
  for (auto [d, segment] : sealed) {
    auto file = d->drive->OpenSegment(segment);  // not cached: a pass touches every segment
    if (!file.ok()) continue;                    // unreadable drive: nothing to gain now
    auto size = (*file)->Size();
    if (!size.ok()) continue;
    const uint64_t used = live[{d->drive->id(), segment}];
    if (used == 0) {
      RetireSegment(*d, segment, *size, &report);
    } else if (!d->buffer && used < *size &&
               static_cast<double>(used) < below * static_cast<double>(*size)) {
      // Buffer logs are emptied by the destager, never rewritten.
      partly_live.emplace_back(d, segment, *size);
    }
  }
  Status first_error;
  for (auto [d, segment, size] : partly_live) {
    Status moved = MoveLiveFragments(*d, segment, &report);
    if (!moved.ok()) {
      // One bad segment or full drive must not stop the pass for the rest.
      if (first_error.ok()) first_error = moved;
      continue;
    }
    ++report.segments_compacted;
    uint64_t left = 0;
    {
      ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
      RETURN_IF_ERROR(meta::ForEachFragment(txn, std::make_pair(d->drive->id(), segment),
                                            [&](const meta::FragmentRef& ref) {
                                              left += ref.length;
                                              return Status::Ok();
                                            }));
    }
    if (left == 0) RetireSegment(*d, segment, size, &report);
  }
  RETURN_IF_ERROR(first_error);
  return report;
}

Status SegmentStore::MoveLiveFragments(DriveState& d, uint64_t segment, CompactReport* report) {
  const uint32_t drive_id = d.drive->id();
  // Live runs: the union of the fragment ranges, in offset order. Extents packed into shared
  // stripes share ranges; a run is copied once and all of them move with it.
  struct Run {
    uint64_t start = 0, end = 0;
    std::vector<meta::FragmentRef> refs;
  };
  std::vector<Run> runs;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    RETURN_IF_ERROR(meta::ForEachFragment(txn, std::make_pair(drive_id, segment),
                                          [&](const meta::FragmentRef& ref) {
                                            const uint64_t end = ref.offset + ref.length;
                                            if (runs.empty() || ref.offset >= runs.back().end) {
                                              runs.push_back(Run{ref.offset, end, {}});
                                            }
                                            runs.back().end = std::max(runs.back().end, end);
                                            runs.back().refs.push_back(ref);
                                            return Status::Ok();
                                          }));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<SegmentFile> from, File(drive_id, segment));
  std::unique_ptr<char, Freer> buf(static_cast<char*>(std::aligned_alloc(kWriteUnit, kCopyStep)));
  if (!buf) return Status(ErrorCode::kInternal, "out of memory for compaction");

  size_t next = 0;
  while (next < runs.size()) {
    // Copy one batch of runs and sync it.
    std::vector<std::pair<const Run*, Reservation>> moves;
    uint64_t batch_bytes = 0;
    Status status;
    while (next < runs.size() && batch_bytes < kMoveBatchBytes && status.ok()) {
      const Run& run = runs[next++];
      const uint64_t length = run.end - run.start;
      auto reserved = Reserve(d, length);
      if (!reserved.ok()) {
        status = reserved.status();
        break;
      }
      moves.emplace_back(&run, *reserved);
      for (uint64_t done = 0; done < length && status.ok();) {
        const size_t step = static_cast<size_t>(std::min<uint64_t>(kCopyStep, length - done));
        auto got = from->ReadAt(run.start + done, buf.get(), step);
        if (!got.ok()) {
          status = got.status();
          break;
        }
        // A short read (a torn or truncated segment) copies as zeros: the checksums in the
        // extent records still tell that those bytes are bad.
        std::memset(buf.get() + *got, 0, step - *got);
        status = reserved->file->WriteAt(reserved->offset + done, buf.get(), step);
        done += step;
      }
      batch_bytes += length;
    }
    if (status.ok()) {
      std::vector<Reservation> held;
      for (auto& [run, r] : moves) held.push_back(r);
      status = SyncAll(held);
    }
    if (status.ok()) {
      auto repoint = [&]() -> Status {
        ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
        for (auto& [run, r] : moves) {
          for (const meta::FragmentRef& ref : run->refs) {
            ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record,
                             meta::GetExtent(txn, ref.extent_id));
            if (!record || ref.index >= record->location.fragments.size()) continue;
            const extent::FragmentAddress old{drive_id, segment, ref.offset};
            if (record->location.fragments[ref.index] != old) continue;
            meta::ExtentRecord moved = *record;
            moved.location.fragments[ref.index] =
                extent::FragmentAddress{drive_id, r.segment, r.offset + (ref.offset - run->start)};
            RETURN_IF_ERROR(meta::PutExtent(txn, moved, &*record));
          }
        }
        return txn.Commit();
      };
      status = repoint();
    }
    for (auto& [run, r] : moves) Release(r);
    if (!status.ok()) {
      dead_since_pass_ += batch_bytes;  // the copies are dead; the next pass tries again
      return status;
    }
    report->bytes_moved += batch_bytes;
    compacted_bytes_ += batch_bytes;
    Throttle(batch_bytes);
  }
  return Status::Ok();
}

void SegmentStore::RetireSegment(DriveState& d, uint64_t segment, uint64_t bytes,
                                 CompactReport* report) {
  {
    std::lock_guard<std::mutex> lock(d.mu);
    d.retiring.insert(segment);
  }
  ++report->segments_removed;
  report->bytes_reclaimed += bytes;
  ++segments_removed_;
  DriveState* drive = &d;
  epochs_.Retire([drive, segment] {
    (void)drive->drive->RemoveSegment(segment);  // a failure leaves it for the next pass
    std::lock_guard<std::mutex> lock(drive->mu);
    drive->files.erase(segment);
    drive->retiring.erase(segment);
  });
}

void SegmentStore::Throttle(uint64_t bytes) {
  const uint64_t rate = options_.compact_bytes_per_second;
  if (rate == 0) return;
  const auto pause = std::chrono::microseconds(bytes * 1000000 / rate);
  std::unique_lock<std::mutex> lock(loop_mu_);
  loop_cv_.wait_for(lock, pause, [&] { return stopping_; });
}

void SegmentStore::CompactLoop() {
  const auto interval = std::chrono::milliseconds(options_.compact_interval_ms);
  bool first = true;  // crash leftovers are only found by a pass
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    loop_cv_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    if (!first && dead_since_pass_.load() == 0 && !reseal_pending_.load()) continue;
    first = false;
    lock.unlock();
    (void)Compact(options_.compact_below);  // a failed pass is retried on the next tick
    lock.lock();
  }
}

}  // namespace tessera::drive
