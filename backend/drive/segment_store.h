#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backend/drive/drive.h"
#include "backend/drive/drive_io.h"
#include "backend/drive/reader_epochs.h"
#include "backend/ec/codec.h"
#include "backend/extent/extent_store.h"
#include "backend/meta/env.h"
#include "backend/placement/placement.h"

namespace tessera::drive {

// A drive of the embedded store: a local directory in a region (failure domain).
struct DriveSpec {
  uint32_t id = 0;
  std::string region;
  std::string path;
};

// An already-built drive and the region it sits in (tests, remote drives).
struct PlacedDrive {
  std::string region;
  std::shared_ptr<Drive> drive;
};

// How new extents are written. Reads follow what each ExtentLocation records, so extents
// written under another profile stay readable.
struct EcProfile {
  uint8_t k = 6, m = 3;                     // data and parity fragments per stripe
  uint8_t max_per_region = 3;               // placement cap; 0 = uncapped
  uint32_t chunk_size = 64 * 1024;          // bytes per fragment per stripe; multiple of 64 KiB
  uint64_t max_extent_bytes = 64ull << 20;  // rounded down to whole stripes (>= 1 stripe)
};

struct SegmentStoreOptions {
  EcProfile profile;
  uint64_t segment_bytes = 256ull << 20;  // a segment is sealed once this much is reserved
  bool direct_io = false;                 // O_DIRECT segment writes (LocalDrive only)
  // Compaction: a sealed segment whose live bytes are below this fraction of its size is
  // rewritten; one with no live bytes is removed.
  double compact_below = 0.5;
  uint64_t compact_bytes_per_second = 64ull << 20;  // copy throttle; 0 = unthrottled
  uint32_t compact_interval_ms = 2000;              // background pass period; 0 = none
  // Write buffer (used when the store has buffer devices): copies of each buffered extent
  // (0 = m + 1, at most one per region holding a buffer), the size of a buffer log, how many
  // stripes the destager packs at a time, and how often it looks (0 = only when asked).
  uint32_t buffer_copies = 0;
  uint64_t buffer_log_bytes = 64ull << 20;
  uint32_t destage_stripes = 16;
  uint32_t destage_interval_ms = 500;
  // Tails (what is left of a body past its last full stripe) at least this long are first
  // offered to the tail packer, which writes the tails of concurrent writes together as
  // shared full stripes; what does not fill a stripe is buffered (0 = buffer every tail).
  // A queued tail waits at most pack_tail_wait_ms for tails that writers still streaming
  // have announced (their bodies' lengths are known).
  uint64_t pack_tail_bytes = 64 << 10;
  uint32_t pack_tail_wait_ms = 10;  // tails are announced within 2 stripes of a body's end
  // Drive health: how often drives are probed (0 = never; failures seen by I/O still take a
  // drive down), how fast the healer rebuilds (0 = unthrottled), and how long a drive may be
  // down before its fragments are rebuilt elsewhere (until then, writes hand its share off
  // to other drives and reads rebuild around it).
  uint32_t probe_interval_ms = 1000;
  uint64_t heal_bytes_per_second = 64ull << 20;
  uint32_t heal_offline_after_ms = 10 * 60 * 1000;
  // Scrubbing: every fragment and buffered copy is read back and checked, the whole store
  // once per `scrub_days` (paced from the bytes on the drives, at least 1 MiB/s; 0 = off).
  uint32_t scrub_days = 7;
};

// What the store has done since it opened.
struct StoreCounters {
  uint64_t user_bytes = 0;      // bytes accepted by Write()
  uint64_t segment_bytes = 0;   // written to segments for Write() (data + parity + pad; tails
                                // packed together included)
  uint64_t buffer_bytes = 0;    // bytes written to write-buffer logs (every copy, padded)
  uint64_t destaged_bytes = 0;  // user bytes packed from the buffer into segments
  uint64_t destage_segment_bytes = 0;  // bytes the destager wrote to segments
  uint64_t compacted_bytes = 0;        // bytes rewritten by compaction
  uint64_t segments_removed = 0;       // segment files removed by compaction
  uint64_t degraded_stripes = 0;       // stripes read that needed parity
  uint64_t degraded_writes = 0;        // extents written with a fragment handed off or lost
  uint64_t healed_extents = 0;         // extents the healer rebuilt or moved fragments of
  uint64_t healed_bytes = 0;           // fragment bytes the healer wrote
  uint64_t scrubbed_bytes = 0;         // bytes the scrubber read back
  uint64_t scrub_bad = 0;              // extents the scrubber found damaged
};

// A drive's state. Offline: I/O failed or the directory is missing, until a probe passes.
// Failed: declared by an operator (SetFailed); never probed, its fragments are rebuilt
// elsewhere at once. Returning: up again after being down, until a heal pass has refilled
// or moved home what it should hold.
enum class DriveStatus { kUp, kOffline, kFailed, kReturning };
const char* DriveStatusName(DriveStatus status);

// A drive as the store sees it now.
struct DriveHealth {
  uint32_t id = 0;
  std::string region;
  bool buffer = false;  // a write-buffer device
  bool up = true;       // takes writes (kUp or kReturning)
  DriveStatus status = DriveStatus::kUp;
  uint64_t down_for_ms = 0;         // offline or failed: for how long
  std::optional<DriveSpace> space;  // its file system's, when the drive has one and says
};

// What healing and scrubbing are doing now (HealStatus()).
struct HealStatus {
  std::vector<DriveHealth> drives;
  // Extents short of the redundancy their profile promises (a fragment lost, missing,
  // stacked, on a drive that is down, or a region over the cap), as the last heal scan
  // counted them, less those healed since.
  uint64_t degraded_extents = 0;
  uint64_t pending_extents = 0;     // queued for the healer now
  uint64_t pending_bytes = 0;       // fragment bytes they need written (an estimate)
  bool healing = false;             // a heal pass is running
  uint64_t heal_rate = 0;           // bytes/s written by the running (or the last) pass
  uint64_t heal_limit = 0;          // heal_bytes_per_second (0 = unthrottled)
  int64_t eta_s = 0;                // pending_bytes at heal_rate (else the limit); -1 = unknown
  int64_t last_scan_s = -1;         // seconds since the last scan of all extents; -1 = none yet
  uint64_t scans = 0;               // scans of all extents completed since the store opened
  uint64_t scrub_rate = 0;          // bytes/s the scrubber is paced at (this cycle)
  uint64_t scrub_cycle_bytes = 0;   // read back in the current cycle
  uint64_t scrub_cycle_target = 0;  // bytes on the drives when the cycle began
  uint64_t scrub_cycles = 0;        // cycles completed since the store opened
};

// Capacity now and how fast it is being used (Capacity()). Raw figures count each file
// system the data drives sit on once; usable ones are raw at the EC profile (k / (k + m)).
struct CapacityReport {
  uint64_t raw_bytes = 0;
  uint64_t raw_free_bytes = 0;
  uint64_t usable_bytes = 0;
  uint64_t usable_free_bytes = 0;
  uint64_t used_bytes = 0;  // segment files on the drives (data and parity, live and dead)
  // Growth of used_bytes per day over the kept samples (hourly, up to 30 days), and the
  // span it was measured over; 0 while there is less than an hour of history.
  double growth_bytes_per_day = 0;
  int64_t window_s = 0;
  int64_t full_unix_s = 0;  // when the raw free space runs out at that growth; 0 = not growing
};

// What one Scrub() call did. A cycle reads every extent once; its cursor survives restarts.
struct ScrubReport {
  uint64_t extents = 0;  // checked
  uint64_t bytes = 0;    // read
  uint64_t bad = 0;      // extents found with a bad fragment or copy (queued for healing)
  uint64_t crowded = 0;  // striped extents not spread as the profile says (see Spread())
  bool cycle_done = false;
};

// What one heal pass did.
struct HealReport {
  uint64_t examined = 0;   // extents whose fragments were checked
  uint64_t healed = 0;     // extents with fragments rebuilt or moved
  uint64_t fragments = 0;  // fragments written
  uint64_t bytes = 0;      // bytes written
  uint64_t failed = 0;     // extents that could not be healed now (retried on a later pass)
};

// Space on the drives now, from the segment files and the fragment index.
struct SpaceReport {
  uint64_t segments = 0;
  uint64_t segment_bytes = 0;  // sum of segment file sizes
  uint64_t live_bytes = 0;     // fragment bytes that metadata references
  uint64_t dead_bytes() const { return segment_bytes - live_bytes; }
};

// What one destage pass did.
struct DestageReport {
  uint64_t extents = 0;  // buffered extents repointed to stripes
  uint64_t bytes = 0;    // their user bytes
};

// What one compaction pass did.
struct CompactReport {
  uint64_t segments_compacted = 0;  // segments whose live fragments were moved
  uint64_t segments_removed = 0;
  uint64_t bytes_moved = 0;
  uint64_t bytes_reclaimed = 0;  // segment bytes removed
};

// ExtentStore over append-only segment files (backend/drive/FORMAT.md).
//
// Write streams the body one stripe at a time: k data chunks (the last zero-padded) plus m
// parity chunks, chunk i going to fragment i on the drive placement chose. Each fragment of
// an extent is a contiguous range of the open segment of its drive, reserved when the
// extent starts (sized from the body's known length, capped by max_extent_bytes); a body
// that runs past it continues in a new extent. The writing thread writes the chunks itself;
// before Write returns, each touched segment is synced by its drive's I/O thread, once per
// batch of concurrent writers (group commit, DriveIo). Memory per Write is one stripe
// (576 KiB for RS(6,3) at 64 KiB chunks).
//
// With buffer devices, whatever is left after the full stripes (a small body, the tail of
// a large one) is not padded to a stripe: it becomes a buffered extent, one copy per region
// in the buffer logs, synced the same way. The destager (destager.cc) packs buffered
// extents into shared stripes and repoints them; reads find the bytes wherever they are.
//
// Nothing on a drive records what a segment holds: metadata does (the extent records and
// their fragment index, backend/meta/extents.h), so bytes that no committed record names
// are dead, whether a crash cut their write short, the caller gave up on them, or their
// extent was deleted. Compaction moves the live fragments out of mostly-dead sealed
// segments (the copy is synced before the extent record is repointed in one transaction)
// and removes segments with nothing live, once no reader that might still use the old
// location remains (ReaderEpochs). So no crash ever leaks space: its bytes are dead and
// counted like any other.
//
// Reads verify every chunk against its CRC32C; a missing, short or corrupt chunk, or an
// unreachable drive, makes that stripe read parity and rebuild (kDataLoss past m losses).
//
// Drives are up or down (healer.cc). A drive goes down on a failed write, sync or segment
// creation, or when a probe finds it missing; a probe that passes brings it back. Writes
// place fragments over the drives that are up: the region cap yields as far as needed, and
// past one fragment per drive, drives take several (handoff), so an extent keeps all k + m
// fragments through a region outage. A write needs k drives up and k + 1 of its fragments
// durable (a fragment whose drive fails mid-write is recorded as lost), or it fails with
// kSlowDown.
// The healer rebuilds lost, corrupt and missing fragments from k good ones and spreads
// stacked ones out again when drives return, writing the new copy and syncing it before one
// transaction repoints the extent; the old bytes are then dead like any other.
//
// Thread-safe. Sources returned by Read() must not outlive the store.
class SegmentStore : public extent::ExtentStore {
 public:
  // Opens (creating directories as needed) a LocalDrive per spec, over metadata `env`.
  // Errors: kInvalidArgument for a bad profile, duplicate drive ids, or drives that cannot
  // hold k + m fragments under the region cap; kInternal on I/O failure.
  // `buffers` are the write-buffer devices (at most one per region counts); without them,
  // small writes and tails of large ones are padded to whole stripes.
  static Result<std::unique_ptr<SegmentStore>> Open(std::shared_ptr<meta::Env> env,
                                                    std::vector<DriveSpec> drives,
                                                    SegmentStoreOptions options = {},
                                                    std::vector<DriveSpec> buffers = {});
  // The same over drives built by the caller.
  static Result<std::unique_ptr<SegmentStore>> Create(std::shared_ptr<meta::Env> env,
                                                      std::vector<PlacedDrive> drives,
                                                      SegmentStoreOptions options = {},
                                                      std::vector<PlacedDrive> buffers = {});
  ~SegmentStore() override;

  Result<extent::Written> Write(BodySource& body) override;
  Result<std::unique_ptr<BodySource>> Read(std::vector<extent::ExtentLocation> extents,
                                           uint64_t offset, uint64_t length,
                                           const std::string& object = {}) override;
  Status Delete(const extent::ExtentLocation& extent) override;
  std::unique_ptr<extent::ReadGuard> GuardReads() override;

  // One compaction pass over every sealed segment: moves the live fragments of those whose
  // live fraction is below `below` (1.0 = every segment with any dead byte) and removes the
  // segments left with nothing live. An open segment that saw no new write since the last
  // pass (or any open segment, when `below` is 1.0) is sealed first, so that an idle store
  // gives back everything. Thread-safe; passes run one at a time.
  Result<CompactReport> Compact(double below);
  // Packs buffered extents, oldest first, into stripes of the drives and repoints them in one
  // transaction per batch of up to destage_stripes stripes. Without `all`, only while there
  // is at least one full stripe's worth; with it, everything (the last stripe padded).
  // Thread-safe; passes run one at a time.
  Result<DestageReport> Destage(bool all);
  // One heal pass: every extent whose fragments are lost, missing, corrupt (as reads
  // reported), on a drive down for longer than heal_offline_after_ms, or crowded onto fewer
  // drives or regions than placement wants. Thread-safe; passes run one at a time.
  Result<HealReport> Heal();
  // Checks extents from the persisted cursor on, reading at most about `budget` bytes, and
  // queues the ones with a bad fragment for the healer; at the end of the extents the cycle
  // is done and the cursor starts over. Thread-safe; one at a time.
  Result<ScrubReport> Scrub(uint64_t budget);
  // Checks every extent now, from the first, leaving the scrub cursor alone (`tessera check`).
  // `damaged` receives the ids of extents with a bad fragment or copy.
  Result<ScrubReport> CheckAll(std::vector<uint64_t>* damaged);
  // Probes every drive now (the background loop does it every probe_interval_ms).
  void ProbeDrives();
  std::vector<DriveHealth> Health() const;
  HealStatus Healing() const;
  // An operator declares drive `id` failed (or takes that back): a failed drive takes no
  // writes and is not probed, and its fragments are rebuilt elsewhere at once. Kept in
  // metadata across restarts. Taking it back lets the next probe bring the drive up as
  // returning (an empty replacement is refilled). kNotFound for an unknown id.
  Status SetFailed(uint32_t id, bool failed);
  Result<SpaceReport> Space();
  Result<CapacityReport> Capacity(int64_t now_unix_s);
  // Keeps a sample of the used bytes at `now_unix_s` (metadata, info "capacity-samples"): at
  // most one an hour, for 30 days. The health loop calls it.
  Status SampleCapacity(int64_t now_unix_s);
  StoreCounters counters() const;

  const SegmentStoreOptions& options() const { return options_; }
  uint64_t extent_bytes() const { return extent_bytes_; }

  // For the read path (segment_read.cc).
  Result<std::shared_ptr<SegmentFile>> File(uint32_t drive, uint64_t segment);
  Result<const ec::Codec*> CodecFor(int k, int m);
  // A read of extent `id` (of `object`, when known) needed parity or another copy (`what`
  // says which and why): counted, logged once until the healer has looked, and queued.
  void NoteDegraded(uint64_t id, const std::string& what, const std::string& object = {});
  ReaderEpochs& epochs() { return epochs_; }

 private:
  // One drive or buffer device: its I/O thread, its open segment (buffer log) and the files
  // readers use.
  struct DriveState {
    std::shared_ptr<Drive> drive;
    std::string region;
    bool buffer = false;
    uint32_t align = kWriteUnit;  // reservations are multiples of this
    uint64_t segment_bytes = 0;   // rotate past this
    std::unique_ptr<DriveIo> io;
    std::mutex mu;
    uint64_t open_segment = 0;  // 0: none yet
    std::shared_ptr<SegmentFile> open_file;
    uint64_t reserved_end = 0;                               // of the open segment
    uint64_t reservations = 0;                               // since the last compaction pass
    std::map<uint64_t, uint32_t> outstanding;                // segment -> unreleased reservations
    std::map<uint64_t, std::shared_ptr<SegmentFile>> files;  // opened for reading
    std::set<uint64_t> retiring;                             // removal queued behind readers
    std::atomic<bool> up{true};
    std::atomic<bool> failed{false};        // declared by an operator (implies !up)
    std::atomic<bool> returning{false};     // up again, until a heal scan has passed over it
    std::atomic<int64_t> down_since_ms{0};  // steady clock
  };
  // A contiguous range of a drive's open segment, being written.
  struct Reservation {
    DriveState* drive = nullptr;
    uint64_t segment = 0;
    std::shared_ptr<SegmentFile> file;
    uint64_t offset = 0;
    uint64_t bytes = 0;
  };
  class Writer;
  class Hold;
  friend class Writer;

  // The devices that get the copies of buffered extent `id` (one per region); empty when
  // the store has no buffer.
  std::vector<DriveState*> BufferCopies(uint64_t id) const;
  // Writes one buffered extent of `data` (aligned, zero-padded to the buffer unit).
  Result<extent::ExtentLocation> WriteBuffered(const char* data, size_t size,
                                               std::vector<Reservation>* held);
  // Syncs every touched file, one sync per file shared with concurrent writers by each
  // drive's I/O thread; returns the drives whose sync failed (now down: new writes go to
  // fresh segments elsewhere, never into a file that failed to sync) and sets *first_error.
  std::set<DriveState*> SyncEach(const std::vector<Reservation>& reservations,
                                 Status* first_error = nullptr);
  // SyncEach() for callers that give up on any failure: the first error.
  Status SyncAll(const std::vector<Reservation>& reservations);
  // Write() without the buffer: every stripe to segments, the last one padded. The store's
  // own writes (destaging, repacking, packed tails): not counted as user or segment bytes.
  Result<extent::Written> WriteStripes(BodySource& body);
  // A writer's tail offered to the tail packer (packer.cc). `data` stays valid and unchanged
  // until PackTail returns.
  struct TailRequest {
    const char* data = nullptr;
    size_t size = 0;
    // Written by the leader of the batch it is in, read by its writer once `done`.
    size_t packed = 0;  // bytes [0, packed) are in `slices`, in order; the rest is the writer's
    int batches = 0;    // batches it took part in
    bool done = false;  // guarded by pack_mu_
    std::chrono::steady_clock::time_point arrived;
    std::vector<extent::ExtentLocation> slices;
    std::vector<std::shared_ptr<extent::WriteHold>> holds;  // keep the slices' groups reserved
  };
  // Packs a prefix of the tail (possibly empty, possibly all of it) together with the tails
  // of concurrent writers into full stripes, written and synced before it returns.
  // `announced` is what the writer announced for it (retracted here).
  void PackTail(TailRequest& request, uint64_t announced);
  // A writer that knows its body's length tells the packer early how long its tail will be,
  // so that tails already queued may wait for it; every announcement is retracted once.
  void AnnounceTail(uint64_t bytes);
  void RetractTail(uint64_t bytes);
  // One batch, run by its leader: writes floor(total / stripe) stripes of the queued tails;
  // false when it wrote none.
  bool RunTailBatch(const std::vector<TailRequest*>& batch);
  // Writes `packed`, the bytes of the extents in `placed` back to back (each at its
  // offset), as one striped extent (the group), synced; then, in one transaction, repoints
  // each extent still where it was read from to its slice of the group. Used by the
  // destager and by compaction's repacking.
  struct Packed {
    uint64_t extents = 0;      // repointed
    uint64_t bytes = 0;        // their user bytes
    uint64_t group_bytes = 0;  // written to segments (data, parity, padding)
  };
  Result<Packed> WritePacked(
      const std::string& packed,
      const std::vector<std::pair<const extent::ExtentLocation*, uint64_t>>& placed);
  void DestageLoop();

  SegmentStore(std::shared_ptr<meta::Env> env, SegmentStoreOptions options,
               std::vector<placement::DriveInfo> infos);

  DriveState* FindDrive(uint32_t id) const;
  Result<Reservation> Reserve(DriveState& drive, uint64_t bytes);
  void Release(const Reservation& reservation);
  // Whether compaction may touch a segment: not open, nothing reserved, not retiring.
  bool Sealed(DriveState& drive, uint64_t segment);
  Result<uint64_t> AllocateSegmentId();
  Result<uint64_t> NewExtentId();

  // Drive health and healing (healer.cc).
  void MarkDown(DriveState& drive, const Status& why);
  // Drives for the k + m fragments of new extent `id` among those up (see the class note);
  // sets *degraded when that is not the placement all drives would get.
  Result<std::vector<uint32_t>> PlaceWrite(uint64_t id, bool* degraded);
  // Buffer copies needed for a buffered write to be acknowledged.
  uint32_t RequiredBufferCopies() const;
  void RequestHeal() { heal_scan_ = true; }
  // Whether the fragments on `d` are to be rebuilt elsewhere: failed, or down for longer
  // than heal_offline_after_ms (`now` on the steady clock, ms).
  bool Abandoned(const DriveState& d, int64_t now) const;
  Status LoadFailed();
  // Whether extent `id` is now spread as the profile says (or gone, or buffered).
  bool IsSpread(uint64_t id);
  Status HealExtent(uint64_t id, HealReport* report);
  // Whether fragment `i` of `loc` reads back whole with every chunk matching its checksum
  // (`scratch` holds a chunk). False when its drive is unknown or it is lost.
  bool FragmentIntact(const extent::ExtentLocation& loc, int i, char* scratch);
  // Whether copy `i` of buffered `loc` reads back and matches its checksum.
  bool CopyIntact(const extent::ExtentLocation& loc, size_t i);
  // Whether striped `loc` has every fragment on its own known drive that is up, and no
  // region over the cap: the redundancy its profile promises.
  bool Spread(const extent::ExtentLocation& loc) const;
  // Bytes per second the background scrub reads (from scrub_days and the bytes stored).
  uint64_t ScrubRate();
  // Checks extents from id `*cursor` on, about `budget` bytes' worth; sets *cursor to the
  // next id, or 0 at the end (report.cycle_done). Damaged ids go to `damaged` if given.
  Result<ScrubReport> ScrubFrom(uint64_t* cursor, uint64_t budget, std::vector<uint64_t>* damaged);
  void HealthLoop();

  // Compaction (compactor.cc).
  // Copies the live runs of `segment` elsewhere on its drive and repacks sparse ones
  // (compactor.cc); with `repack_only`, only the latter.
  Status MoveLiveFragments(DriveState& drive, uint64_t segment, bool repack_only,
                           CompactReport* report);
  // Reads the extents `ids` (striped, each less than a stripe) and packs them anew.
  Status Repack(const std::vector<uint64_t>& ids, CompactReport* report);
  void RetireSegment(DriveState& drive, uint64_t segment, uint64_t bytes, CompactReport* report);
  void Throttle(uint64_t bytes);
  void CompactLoop();

  std::shared_ptr<meta::Env> env_;
  SegmentStoreOptions options_;
  uint64_t extent_bytes_;
  placement::Placer placer_;
  std::unordered_map<uint32_t, std::unique_ptr<DriveState>> drives_;
  ReaderEpochs epochs_;

  std::mutex codecs_mu_;
  std::map<std::pair<int, int>, std::unique_ptr<ec::Codec>> codecs_;

  std::mutex ids_mu_;
  uint64_t next_segment_id_ = 0;   // guarded by ids_mu_
  uint64_t segment_id_limit_ = 0;  // ids below this are allocated in metadata

  std::atomic<uint64_t> user_bytes_{0};
  std::atomic<uint64_t> segment_bytes_{0};
  std::atomic<uint64_t> compacted_bytes_{0};
  std::atomic<uint64_t> segments_removed_{0};
  std::atomic<uint64_t> degraded_stripes_{0};
  std::atomic<uint64_t> buffer_bytes_{0};
  std::atomic<uint64_t> destaged_bytes_{0};
  std::atomic<uint64_t> destage_segment_bytes_{0};
  std::atomic<uint64_t> buffered_since_pass_{0};  // user bytes buffered since the last destage
  std::vector<DriveState*> buffers_;              // one per region at most, in region order
  uint32_t buffer_copies_ = 0;
  std::mutex destage_mu_;  // one destage pass at a time
  std::mutex pack_mu_;     // the tail packer's queue
  std::condition_variable pack_cv_;
  std::deque<TailRequest*> pack_queue_;  // guarded by pack_mu_
  bool pack_leading_ = false;            // a batch is being written; guarded by pack_mu_
  uint64_t pack_announced_ = 0;          // tail bytes announced, not yet queued; pack_mu_
  std::thread destager_;
  std::atomic<uint64_t> dead_since_pass_{0};  // fragment bytes freed since the last pass
  std::atomic<bool> reseal_pending_{false};   // the last pass left a used segment open

  std::mutex compact_mu_;  // one pass at a time
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread compactor_;

  std::atomic<uint64_t> degraded_writes_{0};
  std::atomic<uint64_t> healed_extents_{0};
  std::atomic<uint64_t> healed_bytes_{0};
  std::mutex heal_mu_;                 // one heal pass at a time
  std::mutex heal_ids_mu_;             // guards heal_ids_
  std::set<uint64_t> heal_ids_;        // extents reads found degraded
  std::atomic<bool> heal_scan_{true};  // a full pass is wanted (start, drive back, handoff)
  std::condition_variable health_cv_;  // with loop_mu_
  std::mutex scrub_mu_;                // one scrub step at a time
  std::atomic<uint64_t> scrubbed_bytes_{0};
  std::atomic<uint64_t> scrub_bad_{0};
  // Progress for HealStatus: set by Heal() and the scrub steps.
  std::atomic<uint64_t> degraded_extents_{0};
  std::atomic<uint64_t> pending_extents_{0};
  std::atomic<uint64_t> pending_bytes_{0};
  std::atomic<bool> healing_{false};
  std::atomic<uint64_t> heal_rate_{0};
  std::atomic<int64_t> last_scan_ms_{0};  // steady clock; 0 = none yet
  std::atomic<uint64_t> scans_{0};
  std::atomic<uint64_t> scrub_rate_{0};
  std::atomic<uint64_t> scrub_cycle_bytes_{0};
  std::atomic<uint64_t> scrub_cycle_target_{0};
  std::atomic<uint64_t> scrub_cycles_{0};
  std::atomic<int64_t> last_capacity_sample_s_{0};
  std::thread health_;
};

}  // namespace tessera::drive
