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
// Runs less than half full of live data (packed stripes whose neighbours died, small
// extents padded to a stripe) are repacked instead of copied, when their extents fit in
// fewer stripes than the runs span: the extents are read (checked, rebuilt if need be),
// packed back to back as the destager packs buffered ones, and repointed in one
// transaction each still where it was read. Every repack lowers the number of stripes, so
// passes converge.
//
// A crash anywhere leaves either the old location referenced (the copy is dead bytes in
// the open segment) or the new one (the old segment is dead and goes in the next pass).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <tuple>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"
#include "common/log.h"

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
  // Live ranges (what copying keeps) and live data (what repacking keeps) per segment.
  std::map<std::pair<uint32_t, uint64_t>, uint64_t> live, data;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    ASSIGN_OR_RETURN(live, meta::LiveBytes(txn));
    ASSIGN_OR_RETURN(data, meta::LiveDataBytes(txn));
  }
  // Segments with nothing live go first: they cost nothing and free the most, which matters
  // most when a drive is full and moves cannot reserve space. A segment whose ranges are
  // live but whose data is not (sparse packed stripes) is only repacked.
  std::vector<std::tuple<DriveState*, uint64_t, uint64_t, bool>> partly_live;
  for (auto [d, segment] : sealed) {
    auto file = d->drive->OpenSegment(segment);  // not cached: a pass touches every segment
    if (!file.ok()) continue;                    // unreadable drive: nothing to gain now
    auto size = (*file)->Size();
    if (!size.ok()) continue;
    const uint64_t used = live[{d->drive->id(), segment}];
    if (used == 0) {
      RetireSegment(*d, segment, *size, &report);
    } else if (!d->buffer) {  // buffer logs are emptied by the destager, never rewritten
      const double limit = below * static_cast<double>(*size);
      if (used < *size && static_cast<double>(used) < limit) {
        partly_live.emplace_back(d, segment, *size, false);
      } else if (static_cast<double>(data[{d->drive->id(), segment}]) < limit) {
        partly_live.emplace_back(d, segment, *size, true);
      }
    }
  }
  Status first_error;
  for (auto [d, segment, size, repack_only] : partly_live) {
    Status moved = MoveLiveFragments(*d, segment, repack_only, &report);
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

Status SegmentStore::MoveLiveFragments(DriveState& d, uint64_t segment, bool repack_only,
                                       CompactReport* report) {
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
  {
    // Sparse runs (see the top of the file): less than half of what their stripes hold is
    // live, every extent in them is striped and smaller than a stripe.
    std::vector<bool> sparse(runs.size(), false);
    std::set<uint64_t> ids;
    uint64_t span = 0, live = 0;  // stripes the sparse runs cover; their extents' bytes
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    for (size_t i = 0; i < runs.size(); ++i) {
      std::set<uint64_t> members;
      uint64_t bytes = 0, chunk = 0, k = 0;
      bool fits = true;
      for (const meta::FragmentRef& ref : runs[i].refs) {
        if (!members.insert(ref.extent_id).second) continue;
        ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record,
                         meta::GetExtent(txn, ref.extent_id));
        if (!record) continue;
        const extent::ExtentLocation& loc = record->location;
        if (loc.buffered() || loc.size >= static_cast<uint64_t>(loc.k) * loc.chunk_size) {
          fits = false;
          break;
        }
        bytes += loc.size;
        chunk = loc.chunk_size;
        k = loc.k;
      }
      if (!fits || chunk == 0) continue;
      const uint64_t stripes = (runs[i].end - runs[i].start + chunk - 1) / chunk;
      if (bytes * 2 >= stripes * k * chunk) continue;
      sparse[i] = true;
      span += stripes;
      live += bytes;
      ids.insert(members.begin(), members.end());
    }
    const uint64_t stripe = static_cast<uint64_t>(options_.profile.k) * options_.profile.chunk_size;
    if (!ids.empty() && (live + stripe - 1) / stripe < span) {
      RETURN_IF_ERROR(Repack(std::vector<uint64_t>(ids.begin(), ids.end()), report));
      size_t kept = 0;
      for (size_t i = 0; i < runs.size(); ++i) {
        if (!sparse[i]) runs[kept++] = std::move(runs[i]);
      }
      runs.resize(kept);
    }
  }
  if (runs.empty() || repack_only) return Status::Ok();
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

Status SegmentStore::Repack(const std::vector<uint64_t>& ids, CompactReport* report) {
  const uint64_t stripe = static_cast<uint64_t>(options_.profile.k) * options_.profile.chunk_size;
  const uint64_t limit =
      std::min<uint64_t>(extent_bytes_, std::max<uint64_t>(1, options_.destage_stripes) * stripe);
  std::vector<char> step(kCopyStep);
  size_t next = 0;
  while (next < ids.size()) {
    std::vector<extent::ExtentLocation> batch;
    uint64_t total = 0;
    {
      ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
      for (; next < ids.size(); ++next) {
        ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record, meta::GetExtent(txn, ids[next]));
        if (!record || record->location.buffered()) continue;  // gone, or not ours to move
        if (total + record->location.size > limit && !batch.empty()) break;
        total += record->location.size;
        batch.push_back(std::move(record->location));
      }
    }
    std::string packed;
    packed.reserve(total);
    std::vector<std::pair<const extent::ExtentLocation*, uint64_t>> placed;
    for (const extent::ExtentLocation& loc : batch) {
      auto source = Read({loc}, 0, loc.size);
      if (!source.ok()) continue;  // unreadable now: it stays where it is, for the healer
      const size_t start = packed.size();
      bool whole = true;
      while (packed.size() - start < loc.size) {
        auto got = (*source)->Read(step.data(), step.size());
        if (!got.ok() || *got == 0) {
          whole = false;
          break;
        }
        packed.append(step.data(), *got);
      }
      if (!whole || packed.size() - start != loc.size) {
        packed.resize(start);
        continue;
      }
      placed.emplace_back(&loc, start);
    }
    if (placed.empty()) continue;
    ASSIGN_OR_RETURN(Packed done, WritePacked(packed, placed));
    report->bytes_moved += done.group_bytes;
    compacted_bytes_ += done.group_bytes;
    dead_since_pass_ += packed.size();  // their old stripes, on every drive
    Throttle(done.group_bytes);
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
  NameThread("tessera-compact");
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
