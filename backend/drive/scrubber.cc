// The scrubber of the segment store: reads every fragment and buffered copy back, at a
// pace that covers the store once per scrub_days, and hands what fails to the healer.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "common/log.h"

namespace tessera::drive {
namespace {

constexpr char kScrubCursorKey[] = "scrub-cursor";  // u64: the next extent id to check

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

}  // namespace

bool SegmentStore::FragmentIntact(const extent::ExtentLocation& loc, int i, char* scratch) {
  const extent::FragmentAddress& f = loc.fragments[i];
  DriveState* d = FindDrive(f.drive);
  if (d == nullptr || d->buffer) return false;
  auto file = File(f.drive, f.segment);
  if (!file.ok()) return false;
  for (uint32_t s = 0; s < loc.stripes; ++s) {
    auto got = (*file)->ReadAt(f.offset + static_cast<uint64_t>(s) * loc.chunk_size, scratch,
                               loc.chunk_size);
    if (!got.ok() || *got != loc.chunk_size ||
        Crc32c(scratch, loc.chunk_size) != loc.ChunkCrc(i, s)) {
      return false;
    }
  }
  return true;
}

bool SegmentStore::CopyIntact(const extent::ExtentLocation& loc, size_t i) {
  const extent::FragmentAddress& f = loc.fragments[i];
  auto file = File(f.drive, f.segment);
  if (!file.ok()) return false;
  const size_t padded = loc.fragment_bytes();
  std::unique_ptr<char, FreeDeleter> buf(
      static_cast<char*>(std::aligned_alloc(4096, (padded + 4095) / 4096 * 4096)));
  if (!buf) return false;
  auto got = (*file)->ReadAt(f.offset, buf.get(), padded);
  return got.ok() && *got >= loc.size && Crc32c(buf.get(), loc.size) == loc.crc;
}

bool SegmentStore::Spread(const extent::ExtentLocation& loc) const {
  std::set<uint32_t> drives;
  std::map<std::string, int> regions;
  const int cap = options_.profile.max_per_region;
  for (const extent::FragmentAddress& f : loc.fragments) {
    const DriveState* d = FindDrive(f.drive);
    if (d == nullptr || d->buffer || !d->up.load() || !drives.insert(f.drive).second) return false;
    if (cap > 0 && ++regions[d->region] > cap) return false;
  }
  return true;
}

uint64_t SegmentStore::ScrubRate() {
  if (options_.scrub_days == 0) return 0;
  auto space = Space();
  const uint64_t stored = space.ok() ? space->segment_bytes : 0;
  scrub_cycle_target_ = stored;
  const uint64_t period = static_cast<uint64_t>(options_.scrub_days) * 86400;
  return std::max<uint64_t>(1 << 20, stored / period);
}

Result<ScrubReport> SegmentStore::ScrubFrom(uint64_t* cursor, uint64_t budget,
                                            std::vector<uint64_t>* damaged) {
  ScrubReport report;
  std::vector<extent::ExtentLocation> batch;
  bool end = true;
  // Entered before the locations are looked up: compaction removes no segment they name
  // until the reads are done, so a fragment moved meanwhile is never taken for a lost one.
  std::unique_ptr<extent::ReadGuard> guard = GuardReads();
  {
    // Locations first (a short read transaction), reads after.
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    uint64_t planned = 0;
    RETURN_IF_ERROR(meta::ForEachExtent(
        txn,
        [&](const meta::ExtentRecord& record) -> Result<bool> {
          if (planned >= budget && !batch.empty()) {
            end = false;
            *cursor = record.location.id;
            return false;
          }
          const extent::ExtentLocation& loc = record.location;
          planned += loc.fragment_bytes() * loc.fragments.size();
          batch.push_back(loc);
          return true;
        },
        *cursor));
  }
  std::unique_ptr<char, FreeDeleter> scratch;
  for (const extent::ExtentLocation& loc : batch) {
    ++report.extents;
    bool bad = false;
    if (loc.buffered()) {
      for (size_t i = 0; i < loc.fragments.size(); ++i) {
        const DriveState* d = FindDrive(loc.fragments[i].drive);
        if (d != nullptr && !d->up.load()) continue;
        report.bytes += loc.fragment_bytes();
        bad = bad || !CopyIntact(loc, i);
      }
    } else {
      if (!Spread(loc)) ++report.crowded;
      if (!scratch) {
        scratch.reset(static_cast<char*>(std::aligned_alloc(kWriteUnit, loc.chunk_size)));
      }
      if (!scratch) return Status(ErrorCode::kInternal, "out of memory for a scrub buffer");
      for (size_t i = 0; i < loc.fragments.size(); ++i) {
        const DriveState* d = FindDrive(loc.fragments[i].drive);
        if (d != nullptr && !d->up.load()) continue;  // the healer's business, not a scrub's
        report.bytes += loc.fragment_bytes();
        bad = bad || !FragmentIntact(loc, static_cast<int>(i), scratch.get());
      }
    }
    if (!bad) continue;
    ++report.bad;
    ++scrub_bad_;
    if (damaged != nullptr) damaged->push_back(loc.id);
    Log(LogLevel::kError, "scrub: extent %016llx has a damaged %s\n",
        static_cast<unsigned long long>(loc.id),
        loc.buffered() ? "buffered copy (destaging rewrites it)" : "fragment");
    if (!loc.buffered()) {
      std::lock_guard<std::mutex> lock(heal_ids_mu_);
      heal_ids_.insert(loc.id);
    }
  }
  scrubbed_bytes_ += report.bytes;
  report.cycle_done = end;
  if (end) *cursor = 0;
  return report;
}

Result<ScrubReport> SegmentStore::Scrub(uint64_t budget) {
  std::lock_guard<std::mutex> one(scrub_mu_);
  uint64_t cursor = 0;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.Get(meta::Table::kInfo, kScrubCursorKey));
    if (value) {
      ByteReader r(*value);
      if (!r.U64(&cursor) || !r.done()) cursor = 0;  // unreadable: start a cycle over
    }
  }
  ASSIGN_OR_RETURN(ScrubReport report, ScrubFrom(&cursor, budget, nullptr));
  scrub_cycle_bytes_ += report.bytes;
  if (report.cycle_done) {
    ++scrub_cycles_;
    scrub_cycle_bytes_ = 0;
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  ByteWriter w;
  w.U64(cursor);
  RETURN_IF_ERROR(txn.Put(meta::Table::kInfo, kScrubCursorKey, w.data()));
  RETURN_IF_ERROR(txn.Commit());
  return report;
}

Result<ScrubReport> SegmentStore::CheckAll(std::vector<uint64_t>* damaged) {
  ScrubReport total;
  uint64_t cursor = 0;
  for (;;) {
    ASSIGN_OR_RETURN(ScrubReport step, ScrubFrom(&cursor, 64ull << 20, damaged));
    total.extents += step.extents;
    total.bytes += step.bytes;
    total.bad += step.bad;
    total.crowded += step.crowded;
    if (step.cycle_done) break;
  }
  total.cycle_done = true;
  return total;
}

}  // namespace tessera::drive
