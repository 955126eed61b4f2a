// The destager: packs buffered extents into full stripes on the drives (FORMAT.md,
// "Destaging"). One pass, oldest buffered extents first:
//
//   1. Read the buffered extents named by the buffer devices' fragment index, up to
//      destage_stripes stripes of data, and check each against its CRC-32C (another copy
//      when one is bad).
//   2. Write their bytes back to back as one striped extent, synced (the group).
//   3. In one metadata transaction, repoint each of them that is still buffered where it
//      was read to its slice of the group. An extent deleted meanwhile is skipped: its
//      bytes in the group are dead from the start.
//
// A crash before step 3 commits leaves every extent buffered (the group is dead bytes);
// after it, the copies in the buffer logs are dead and compaction removes the logs.

#include <algorithm>
#include <set>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"
#include "common/hash.h"
#include "common/log.h"

namespace tessera::drive {
using extent::ExtentLocation;

Result<DestageReport> SegmentStore::Destage(bool all) {
  std::lock_guard<std::mutex> pass(destage_mu_);
  DestageReport report;
  if (buffers_.empty()) return report;
  buffered_since_pass_ = 0;
  const uint64_t stripe = static_cast<uint64_t>(options_.profile.k) * options_.profile.chunk_size;
  const uint64_t limit =
      std::min<uint64_t>(extent_bytes_, std::max<uint64_t>(1, options_.destage_stripes) * stripe);
  std::set<uint64_t> skip;  // unreadable in this pass
  while (true) {
    // Step 1: the oldest buffered extents, until the limit.
    std::vector<ExtentLocation> batch;
    uint64_t total = 0;
    {
      ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
      std::set<uint64_t> seen;
      for (DriveState* b : buffers_) {
        RETURN_IF_ERROR(meta::ForEachFragmentOnDrive(
            txn, b->drive->id(), [&](const meta::FragmentRef& ref) -> Result<bool> {
              if (!seen.insert(ref.extent_id).second || skip.count(ref.extent_id)) return true;
              ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record,
                               meta::GetExtent(txn, ref.extent_id));
              if (!record || !record->location.buffered()) return true;
              if (total + record->location.size > limit && !batch.empty()) return false;
              total += record->location.size;
              batch.push_back(std::move(record->location));
              return total < limit;
            }));
        if (total >= limit) break;
      }
    }
    if (batch.empty() || (!all && total < stripe)) break;

    std::string packed;
    packed.reserve(total);
    std::vector<std::pair<const ExtentLocation*, uint64_t>> placed;  // extent, offset
    for (const ExtentLocation& loc : batch) {
      std::string bytes(loc.size, '\0');
      bool good = false;
      for (const extent::FragmentAddress& copy : loc.fragments) {
        auto file = File(copy.drive, copy.segment);
        if (!file.ok()) continue;
        auto got = (*file)->ReadAt(copy.offset, bytes.data(), bytes.size());
        if (got.ok() && *got == bytes.size() && Crc32c(bytes.data(), bytes.size()) == loc.crc) {
          good = true;
          break;
        }
      }
      if (!good) {
        skip.insert(loc.id);  // stays buffered; reads report it, healing is for later
        continue;
      }
      placed.emplace_back(&loc, packed.size());
      packed += bytes;
    }
    if (placed.empty()) continue;

    // Steps 2 and 3.
    ASSIGN_OR_RETURN(Packed done, WritePacked(packed, placed));
    report.extents += done.extents;
    report.bytes += done.bytes;
    destaged_bytes_ += packed.size();
    destage_segment_bytes_ += done.group_bytes;
    // The buffer copies are dead now; an idle buffer log gets sealed and removed by the
    // next compaction pass.
    dead_since_pass_ += packed.size();
  }
  return report;
}

void SegmentStore::DestageLoop() {
  NameThread("tessera-destage");
  const auto interval = std::chrono::milliseconds(options_.destage_interval_ms);
  const uint64_t threshold = static_cast<uint64_t>(options_.destage_stripes) * options_.profile.k *
                             options_.profile.chunk_size;
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    loop_cv_.wait_for(lock, interval,
                      [&] { return stopping_ || buffered_since_pass_.load() >= threshold; });
    if (stopping_) break;
    // Nothing new for a whole interval: destage everything, the last stripe padded.
    const bool idle = buffered_since_pass_.load() == 0;
    lock.unlock();
    (void)Destage(idle);  // a failed pass is retried on the next tick
    lock.lock();
  }
}

}  // namespace tessera::drive
