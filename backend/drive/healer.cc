// Drive health and healing for the segment store: which drives are up, where writes go
// while some are not, and the healer that restores every extent's k + m fragments.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "common/log.h"

namespace tessera::drive {
namespace {

using extent::ExtentLocation;
using extent::FragmentAddress;

std::string Encoded(const ExtentLocation& loc) {
  ByteWriter w;
  extent::EncodeLocation(loc, w);
  return std::string(w.data());
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

constexpr char kFailedDrivesKey[] = "failed-drives";  // u32 ids an operator declared failed

}  // namespace

const char* DriveStatusName(DriveStatus status) {
  switch (status) {
    case DriveStatus::kUp:
      return "up";
    case DriveStatus::kOffline:
      return "offline";
    case DriveStatus::kFailed:
      return "failed";
    case DriveStatus::kReturning:
      return "returning";
  }
  return "unknown";
}

bool SegmentStore::Abandoned(const DriveState& d, int64_t now) const {
  if (d.failed.load()) return true;
  return !d.up.load() && now - d.down_since_ms.load() >= options_.heal_offline_after_ms;
}

void SegmentStore::MarkDown(DriveState& d, const Status& why) {
  if (!d.up.exchange(false)) return;
  d.down_since_ms = NowMs();
  d.returning = false;
  heal_scan_ = true;  // recount what is degraded
  Log(LogLevel::kWarn, "drive %u (region %s%s) is down: %s\n", d.drive->id(), d.region.c_str(),
      d.buffer ? ", write buffer" : "", why.message().c_str());
  // New writes go elsewhere, and nothing is read through files opened before (a directory
  // removed under a running process leaves its open files readable, and then lost).
  std::lock_guard<std::mutex> lock(d.mu);
  d.open_file.reset();
  d.open_segment = 0;
  d.files.clear();
}

void SegmentStore::NoteDegraded(uint64_t id, const std::string& what, const std::string& object) {
  ++degraded_stripes_;
  std::lock_guard<std::mutex> lock(heal_ids_mu_);
  if (heal_ids_.size() >= 65536 || !heal_ids_.insert(id).second) return;
  Log(LogLevel::kWarn, "degraded read of extent %016llx%s%s: %s\n",
      static_cast<unsigned long long>(id), object.empty() ? "" : " of object ", object.c_str(),
      what.c_str());
}

uint32_t SegmentStore::RequiredBufferCopies() const {
  // One copy fewer than configured may be lost with a device; never fewer than one.
  return std::max<uint32_t>(1, buffer_copies_ > 1 ? buffer_copies_ - 1 : buffer_copies_);
}

std::vector<DriveHealth> SegmentStore::Health() const {
  std::vector<DriveHealth> out;
  const int64_t now = NowMs();
  for (const auto& [id, d] : drives_) {
    DriveHealth h{id, d->region, d->buffer, d->up.load()};
    if (d->failed.load()) {
      h.status = DriveStatus::kFailed;
    } else if (!h.up) {
      h.status = DriveStatus::kOffline;
    } else if (d->returning.load()) {
      h.status = DriveStatus::kReturning;
    }
    if (!h.up) h.down_for_ms = static_cast<uint64_t>(std::max<int64_t>(0, now - d->down_since_ms));
    if (auto space = d->drive->Space(); space.ok()) h.space = *space;
    out.push_back(h);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

HealStatus SegmentStore::Healing() const {
  HealStatus s;
  s.drives = Health();
  s.degraded_extents = degraded_extents_.load();
  s.pending_extents = pending_extents_.load();
  s.pending_bytes = pending_bytes_.load();
  s.healing = healing_.load();
  s.heal_rate = heal_rate_.load();
  s.heal_limit = options_.heal_bytes_per_second;
  const uint64_t rate = s.heal_rate > 0 ? s.heal_rate : s.heal_limit;
  s.eta_s = s.pending_bytes == 0 ? 0
            : rate == 0          ? -1
                                 : static_cast<int64_t>((s.pending_bytes + rate - 1) / rate);
  const int64_t scanned = last_scan_ms_.load();
  if (scanned > 0) s.last_scan_s = (NowMs() - scanned) / 1000;
  s.scans = scans_.load();
  s.scrub_rate = scrub_rate_.load();
  s.scrub_cycle_bytes = scrub_cycle_bytes_.load();
  s.scrub_cycle_target = scrub_cycle_target_.load();
  s.scrub_cycles = scrub_cycles_.load();
  return s;
}

Status SegmentStore::LoadFailed() {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kInfo, kFailedDrivesKey));
  if (!value) return Status::Ok();
  ByteReader r(*value);
  const int64_t now = NowMs();
  uint32_t id = 0;
  while (r.U32(&id)) {
    DriveState* d = FindDrive(id);
    if (d == nullptr) continue;  // no longer configured
    d->failed = true;
    d->up = false;
    d->down_since_ms = now;
    Log(LogLevel::kWarn, "drive %u (region %s%s) is failed (declared by an operator)\n", id,
        d->region.c_str(), d->buffer ? ", write buffer" : "");
  }
  return Status::Ok();
}

Status SegmentStore::SetFailed(uint32_t id, bool failed) {
  DriveState* d = FindDrive(id);
  if (d == nullptr) return Status(ErrorCode::kInvalidArgument, "no drive " + std::to_string(id));
  {
    // Recorded first: a failed drive stays failed across a restart. (The write transaction
    // serialises changes of the list.)
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.Get(meta::Table::kInfo, kFailedDrivesKey));
    std::set<uint32_t> ids;
    if (value) {
      ByteReader r(*value);
      uint32_t v = 0;
      while (r.U32(&v)) ids.insert(v);
    }
    if (failed) {
      ids.insert(id);
    } else {
      ids.erase(id);
    }
    ByteWriter w;
    for (uint32_t v : ids) w.U32(v);
    RETURN_IF_ERROR(txn.Put(meta::Table::kInfo, kFailedDrivesKey, w.data()));
    RETURN_IF_ERROR(txn.Commit());
  }
  if (failed) {
    if (!d->failed.exchange(true)) {
      MarkDown(*d, Status(ErrorCode::kInternal, "declared failed by an operator"));
    }
  } else if (d->failed.exchange(false)) {
    Log(LogLevel::kInfo, "drive %u (region %s%s) is no longer declared failed\n", id,
        d->region.c_str(), d->buffer ? ", write buffer" : "");
  }
  heal_scan_ = true;
  return Status::Ok();
}

Result<std::vector<uint32_t>> SegmentStore::PlaceWrite(uint64_t id, bool* degraded) {
  const EcProfile& p = options_.profile;
  const int n = p.k + p.m;
  std::vector<placement::DriveInfo> up;
  for (const placement::DriveInfo& info : placer_.drives()) {
    if (FindDrive(info.id)->up.load()) up.push_back(info);
  }
  *degraded = false;
  if (up.size() == placer_.drives().size()) return placer_.Place(id, n, p.max_per_region);
  if (up.size() < static_cast<size_t>(p.k)) {
    return Status(ErrorCode::kSlowDown, "too few drives are up for a write; retry");
  }
  *degraded = true;
  // The region cap yields only as far as needed; past one fragment per drive, drives take
  // several (in placement order), so that the extent keeps all k + m fragments.
  placement::Placer placer(up);
  const int distinct = std::min<int>(n, static_cast<int>(up.size()));
  Result<std::vector<uint32_t>> placed = Status(ErrorCode::kSlowDown, "no placement");
  for (int cap = p.max_per_region; cap <= n && cap > 0; ++cap) {
    placed = placer.Place(id, distinct, cap);
    if (placed.ok()) break;
  }
  if (!placed.ok()) placed = placer.Place(id, distinct, 0);
  if (!placed.ok()) return Status(ErrorCode::kSlowDown, "no placement over the drives that are up");
  std::vector<uint32_t> out = std::move(*placed);
  for (int f = distinct; f < n; ++f) out.push_back(out[f % distinct]);
  return out;
}

void SegmentStore::ProbeDrives() {
  for (auto& [id, d] : drives_) {
    if (d->failed.load()) continue;  // an operator's word: not probed until taken back
    const bool was_up = d->up.load();
    // A drive that is up only needs to be there (its writes report failures); one that is
    // down must take a synced write before it is trusted again.
    Status status = d->drive->Probe(/*write=*/!was_up);
    if (was_up && !status.ok()) {
      MarkDown(*d, status);
    } else if (!was_up && status.ok()) {
      d->returning = true;
      d->up = true;
      if (d->failed.load()) {  // declared failed while the probe ran: the operator wins
        d->up = false;
        d->returning = false;
        continue;
      }
      Log(LogLevel::kInfo, "drive %u (region %s%s) is up again\n", id, d->region.c_str(),
          d->buffer ? ", write buffer" : "");
      heal_scan_ = true;  // its fragments may be gone (a replacement), and handoffs go home
    }
  }
}

void SegmentStore::HealthLoop() {
  NameThread("tessera-health");
  const auto interval = std::chrono::milliseconds(options_.probe_interval_ms);
  uint64_t scrub_rate = 0;  // bytes per second, set at the start of each scrub cycle
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!stopping_) {
    health_cv_.wait_for(lock, interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    ProbeDrives();
    bool wanted = heal_scan_.load();
    {
      std::lock_guard<std::mutex> ids(heal_ids_mu_);
      wanted = wanted || !heal_ids_.empty();
    }
    if (wanted) (void)Heal();  // what fails is retried on a later pass
    const int64_t unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (unix_now - last_capacity_sample_s_.load() >= 3600) (void)SampleCapacity(unix_now);
    if (options_.scrub_days > 0) {
      if (scrub_rate == 0) scrub_rate = ScrubRate();
      scrub_rate_ = scrub_rate;
      auto scrubbed = Scrub(scrub_rate * options_.probe_interval_ms / 1000);
      if (scrubbed.ok() && scrubbed->cycle_done) scrub_rate = 0;
    }
    lock.lock();
  }
}

Result<HealReport> SegmentStore::Heal() {
  std::lock_guard<std::mutex> pass(heal_mu_);
  HealReport report;
  const int64_t started = NowMs();
  const bool scan = heal_scan_.exchange(false);
  std::set<uint64_t> ids;
  {
    std::lock_guard<std::mutex> lock(heal_ids_mu_);
    ids.swap(heal_ids_);
  }
  // Drives back up when the pass began: they stop "returning" once a scan passed cleanly.
  std::vector<DriveState*> returning;
  for (auto& [id, d] : drives_) {
    if (d->returning.load()) returning.push_back(d.get());
  }
  std::map<uint64_t, uint64_t> estimate;  // extent -> fragment bytes it needs written
  std::set<uint64_t> degraded;            // extents the scan found short of redundancy
  // Should the scan fail (metadata unreadable), what was asked for is asked again.
  bool scanned = false;
  auto requeue = [&] {
    if (scanned) return;
    if (scan) heal_scan_ = true;
    std::lock_guard<std::mutex> lock(heal_ids_mu_);
    heal_ids_.insert(ids.begin(), ids.end());
  };
  struct Requeue {
    std::function<void()> fn;
    ~Requeue() { fn(); }
  } requeue_on_exit{requeue};
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    if (scan) {
      // Segments each up drive has now: an extent naming one it lacks lost that fragment
      // (a replaced drive). Listed before the snapshot, so a segment made since is no loss
      // (HealExtent reads before it writes).
      std::map<uint32_t, std::set<uint64_t>> present;
      for (auto& [id, d] : drives_) {
        if (d->buffer || !d->up.load()) continue;
        auto listed = d->drive->ListSegments();
        if (!listed.ok()) continue;
        std::set<uint64_t>& have = present[id];
        have.insert(listed->begin(), listed->end());
        // Files opened before a segment vanished (a replaced drive) would still read:
        // forget them, so that reads and the healer see what the drive holds now.
        std::lock_guard<std::mutex> lock(d->mu);
        std::erase_if(d->files, [&](const auto& entry) { return have.count(entry.first) == 0; });
        if (d->open_file && have.count(d->open_segment) == 0) {
          d->open_file.reset();
          d->open_segment = 0;
        }
      }
      const EcProfile& p = options_.profile;
      const int64_t now = NowMs();
      RETURN_IF_ERROR(
          meta::ForEachExtent(txn, [&](const meta::ExtentRecord& record) -> Result<bool> {
            const ExtentLocation& loc = record.location;
            if (loc.buffered()) return true;  // the destager moves these into stripes
            std::set<uint32_t> drives;
            std::map<std::string, int> regions;
            int needs = 0;        // fragments to rebuild or move now
            bool short_ = false;  // redundancy below the profile's
            for (const FragmentAddress& f : loc.fragments) {
              DriveState* d = FindDrive(f.drive);
              if (d == nullptr || d->buffer || !drives.insert(f.drive).second) {
                ++needs;  // lost, unknown, or sharing a drive (a handoff)
                continue;
              }
              if (!d->up.load()) {
                short_ = true;
                needs += Abandoned(*d, now);
                continue;
              }
              auto it = present.find(f.drive);
              if (it != present.end() && it->second.count(f.segment) == 0) ++needs;
              if (p.max_per_region > 0 && ++regions[d->region] > p.max_per_region) ++needs;
            }
            if (needs > 0 || short_) degraded.insert(loc.id);
            if (needs > 0) {
              ids.insert(loc.id);
              estimate[loc.id] = loc.fragment_bytes() * static_cast<uint64_t>(needs);
            }
            return true;
          }));
      degraded_extents_ = degraded.size();
      last_scan_ms_ = NowMs();
    }
    // Extents reads or the scrubber found damaged: one fragment each, as far as is known.
    for (uint64_t id : ids) {
      if (estimate.count(id) > 0) continue;
      auto record = meta::GetExtent(txn, id);
      if (record.ok() && *record) estimate[id] = (*record)->location.fragment_bytes();
    }
  }
  scanned = true;
  uint64_t pending = 0;
  for (const auto& [id, bytes] : estimate) pending += bytes;
  pending_extents_ = ids.size();
  pending_bytes_ = pending;
  healing_ = !ids.empty();
  for (uint64_t id : ids) {
    ++report.examined;
    Status status = HealExtent(id, &report);
    if (!status.ok()) {
      ++report.failed;
      Log(LogLevel::kError, "heal of extent %016llx failed: %s\n",
          static_cast<unsigned long long>(id), status.message().c_str());
    } else if (degraded.count(id) > 0 && IsSpread(id) && degraded_extents_.load() > 0) {
      --degraded_extents_;
    }
    const uint64_t done = estimate.count(id) > 0 ? estimate[id] : 0;
    pending_bytes_ = pending_bytes_.load() > done ? pending_bytes_.load() - done : 0;
    --pending_extents_;
    const int64_t elapsed = NowMs() - started;
    if (elapsed > 0) heal_rate_ = report.bytes * 1000 / static_cast<uint64_t>(elapsed);
  }
  healing_ = false;
  pending_extents_ = 0;
  pending_bytes_ = 0;
  if (report.failed > 0) {
    heal_scan_ = true;
  } else if (scan) {
    for (DriveState* d : returning) d->returning = false;
  }
  if (scan) ++scans_;
  return report;
}

bool SegmentStore::IsSpread(uint64_t id) {
  auto txn = env_->BeginRead();
  if (!txn.ok()) return false;
  auto record = meta::GetExtent(*txn, id);
  return record.ok() && (!*record || (*record)->location.buffered() || Spread((*record)->location));
}

Status SegmentStore::HealExtent(uint64_t id, HealReport* report) {
  // As for any reader: the segments the record names stay until the rebuild is done.
  std::unique_ptr<extent::ReadGuard> guard = GuardReads();
  ExtentLocation loc;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record, meta::GetExtent(txn, id));
    if (!record || record->location.buffered()) return Status::Ok();  // gone, or the destager's
    loc = record->location;
  }
  const std::string before = Encoded(loc);
  const int k = loc.k, n = loc.k + loc.m;
  const uint64_t chunk = loc.chunk_size;
  const int64_t now = NowMs();
  ASSIGN_OR_RETURN(const ec::Codec* codec, CodecFor(k, loc.m));

  // Which fragments stay: on a known drive that is up (or down only briefly), the first
  // on its drive, and, read back whole, every chunk matching its checksum.
  std::vector<bool> keep(n, false), readable(n, false);
  std::set<uint32_t> used;
  std::vector<std::shared_ptr<SegmentFile>> files(n);
  std::unique_ptr<char, FreeDeleter> buf(
      static_cast<char*>(std::aligned_alloc(kWriteUnit, static_cast<size_t>(n) * chunk)));
  if (!buf) return Status(ErrorCode::kInternal, "out of memory for a heal buffer");
  auto chunk_at = [&](int i) { return buf.get() + static_cast<size_t>(i) * chunk; };
  for (int i = 0; i < n; ++i) {
    const FragmentAddress& f = loc.fragments[i];
    DriveState* d = FindDrive(f.drive);
    if (d == nullptr || d->buffer) continue;
    if (!d->up.load()) {
      // Down briefly: not read, not rewritten (it may come back whole).
      if (!Abandoned(*d, now)) {
        keep[i] = true;
        used.insert(f.drive);
      }
      continue;
    }
    if (!FragmentIntact(loc, i, chunk_at(0))) continue;
    auto file = File(f.drive, f.segment);
    if (!file.ok()) continue;
    readable[i] = true;  // a source either way
    files[i] = std::move(*file);
    if (used.count(f.drive) > 0) continue;  // a second fragment on one drive moves
    keep[i] = true;
    used.insert(f.drive);
  }
  // The region cap: kept fragments past it move when a drive elsewhere can take them.
  const EcProfile& p = options_.profile;
  std::map<std::string, int> per_region;
  for (int i = 0; i < n; ++i) {
    if (keep[i]) ++per_region[FindDrive(loc.fragments[i].drive)->region];
  }

  // Past the region cap, readable fragments move (they stay sources) while a drive in a
  // region under the cap is free.
  for (int i = n - 1; i >= 0 && p.max_per_region > 0; --i) {
    if (!keep[i] || !readable[i]) continue;
    DriveState* d = FindDrive(loc.fragments[i].drive);
    if (per_region[d->region] <= p.max_per_region) continue;
    bool room = false;
    for (const placement::DriveInfo& info : placer_.drives()) {
      DriveState* c = FindDrive(info.id);
      room = room ||
             (c->up.load() && used.count(info.id) == 0 && per_region[c->region] < p.max_per_region);
    }
    if (!room) break;
    keep[i] = false;
    --per_region[d->region];
    used.erase(loc.fragments[i].drive);
  }

  // Targets for the others: an up drive holding nothing of this extent, in the region with
  // the fewest fragments under the cap, ranked by rendezvous score; failing that, stacked.
  std::vector<int> rewrite;
  std::vector<uint32_t> target;
  for (int i = 0; i < n; ++i) {
    if (keep[i]) continue;
    DriveState* best = nullptr;
    uint64_t best_score = 0;
    int best_load = 0;
    for (const placement::DriveInfo& info : placer_.drives()) {
      DriveState* d = FindDrive(info.id);
      if (!d->up.load() || used.count(info.id) > 0) continue;
      const int load = per_region[d->region];
      if (p.max_per_region > 0 && load >= p.max_per_region) continue;
      const uint64_t score =
          placement::RendezvousScore(id, (static_cast<uint64_t>(i) << 32) | info.id);
      if (best == nullptr || load < best_load || (load == best_load && score > best_score)) {
        best = d;
        best_score = score;
        best_load = load;
      }
    }
    if (best == nullptr) {
      // No free drive: stack on the up drive with the fewest of this extent (still better
      // than a lost fragment), unless the fragment is only crowded.
      std::map<uint32_t, int> counts;
      for (int j = 0; j < n; ++j) {
        if (keep[j]) ++counts[loc.fragments[j].drive];
      }
      for (uint32_t t : target) ++counts[t];
      for (const placement::DriveInfo& info : placer_.drives()) {
        DriveState* d = FindDrive(info.id);
        if (!d->up.load()) continue;
        if (best == nullptr || counts[info.id] < counts[best->drive->id()]) best = d;
      }
      if (best == nullptr) return Status(ErrorCode::kSlowDown, "no drive is up to heal onto");
      // Readable where it is but crowded: leave it until a drive frees up.
      if (readable[i]) continue;
    }
    rewrite.push_back(i);
    target.push_back(best->drive->id());
    used.insert(best->drive->id());
    ++per_region[best->region];
  }
  if (rewrite.empty()) return Status::Ok();
  std::vector<int> sources;
  for (int i = 0; i < n && static_cast<int>(sources.size()) < k; ++i) {
    if (readable[i]) sources.push_back(i);
  }
  if (static_cast<int>(sources.size()) < k) {
    return Status(ErrorCode::kDataLoss, "only " + std::to_string(sources.size()) + " of " +
                                            std::to_string(k) + " fragments readable");
  }

  // Write the rebuilt fragments to fresh ranges, then sync them.
  std::vector<Reservation> held;
  auto release = [&] {
    for (const Reservation& r : held) Release(r);
  };
  const uint64_t bytes = static_cast<uint64_t>(loc.stripes) * chunk;
  for (uint32_t t : target) {
    auto r = Reserve(*FindDrive(t), bytes);
    if (!r.ok()) {
      MarkDown(*FindDrive(t), r.status());
      release();
      return r.status();
    }
    held.push_back(*r);
  }
  std::unique_ptr<char, FreeDeleter> out(
      static_cast<char*>(std::aligned_alloc(kWriteUnit, rewrite.size() * chunk)));
  if (!out) {
    release();
    return Status(ErrorCode::kInternal, "out of memory for a heal buffer");
  }
  for (uint32_t s = 0; s < loc.stripes; ++s) {
    std::vector<const uint8_t*> present;
    std::vector<uint8_t*> rebuilt;
    for (size_t j = 0; j < sources.size(); ++j) {
      const int i = sources[j];
      auto got = files[i]->ReadAt(loc.fragments[i].offset + s * chunk, chunk_at(i), chunk);
      if (!got.ok() || *got != chunk || Crc32c(chunk_at(i), chunk) != loc.ChunkCrc(i, s)) {
        release();
        return Status(ErrorCode::kInternal, "a source fragment changed under the healer");
      }
      present.push_back(reinterpret_cast<const uint8_t*>(chunk_at(i)));
    }
    // A fragment that moves while it reads back whole may be a source itself: it is
    // copied; the others are rebuilt.
    std::vector<int> missing;
    for (size_t j = 0; j < rewrite.size(); ++j) {
      char* slot = out.get() + j * chunk;
      if (std::find(sources.begin(), sources.end(), rewrite[j]) != sources.end()) {
        std::memcpy(slot, chunk_at(rewrite[j]), chunk);
        continue;
      }
      missing.push_back(rewrite[j]);
      rebuilt.push_back(reinterpret_cast<uint8_t*>(slot));
    }
    Status status = missing.empty() ? Status::Ok()
                                    : codec->Reconstruct(sources, present, missing, rebuilt, chunk);
    for (size_t j = 0; status.ok() && j < rewrite.size(); ++j) {
      // What is written is what the extent recorded, checked before it goes out.
      if (Crc32c(out.get() + j * chunk, chunk) != loc.ChunkCrc(rewrite[j], s)) {
        status = Status(ErrorCode::kInternal, "a rebuilt chunk does not match its checksum");
      }
      if (status.ok())
        status = held[j].file->WriteAt(held[j].offset + s * chunk, out.get() + j * chunk, chunk);
    }
    if (!status.ok()) {
      release();
      return status;
    }
  }
  if (Status synced = SyncAll(held); !synced.ok()) {
    release();
    return synced;
  }

  // Repoint, unless the extent moved meanwhile (compaction, destaging, deletion).
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> current, meta::GetExtent(txn, id));
    if (!current || Encoded(current->location) != before) {
      release();
      return Status::Ok();  // the rebuilt ranges are dead; the next pass looks again
    }
    meta::ExtentRecord next = *current;
    for (size_t j = 0; j < rewrite.size(); ++j) {
      next.location.fragments[rewrite[j]] =
          FragmentAddress{target[j], held[j].segment, held[j].offset};
    }
    Status status = meta::PutExtent(txn, next, &*current);
    if (status.ok()) status = txn.Commit();
    if (!status.ok()) {
      release();
      return status;
    }
  }
  release();
  dead_since_pass_ += bytes * rewrite.size();
  ++healed_extents_;
  healed_bytes_ += bytes * rewrite.size();
  ++report->healed;
  report->fragments += rewrite.size();
  report->bytes += bytes * rewrite.size();
  std::string moved;
  for (size_t j = 0; j < rewrite.size(); ++j) {
    const FragmentAddress& f = loc.fragments[rewrite[j]];
    moved += (j ? ", " : "") + std::to_string(rewrite[j]) + ":" +
             (f.drive == extent::kLostDrive ? std::string("lost") : std::to_string(f.drive)) +
             "->" + std::to_string(target[j]);
  }
  Log(LogLevel::kInfo, "healed extent %016llx (fragment:drive %s)\n",
      static_cast<unsigned long long>(id), moved.c_str());
  const uint64_t rate = options_.heal_bytes_per_second;
  if (rate > 0) {
    const auto pause = std::chrono::microseconds(bytes * rewrite.size() * 1000000 / rate);
    std::unique_lock<std::mutex> lock(loop_mu_);
    health_cv_.wait_for(lock, pause, [&] { return stopping_; });
  }
  return Status::Ok();
}

}  // namespace tessera::drive
