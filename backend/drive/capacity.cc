// Capacity of the segment store: the file systems under the data drives, what the store
// uses of them, and how fast that grows (hourly samples kept in metadata).

#include <map>
#include <vector>

#include "backend/drive/segment_store.h"
#include "common/bytes.h"

namespace tessera::drive {
namespace {

constexpr char kSamplesKey[] = "capacity-samples";  // (i64 unix seconds, u64 used bytes)*
constexpr int64_t kSampleEvery = 3600;
constexpr int64_t kKeepFor = 30 * 86400;

struct Sample {
  int64_t at = 0;
  uint64_t used = 0;
};

std::vector<Sample> Decode(const std::string& value) {
  std::vector<Sample> samples;
  ByteReader r(value);
  uint64_t at = 0, used = 0;
  while (r.U64(&at) && r.U64(&used)) samples.push_back({static_cast<int64_t>(at), used});
  return samples;
}

}  // namespace

Status SegmentStore::SampleCapacity(int64_t now) {
  ASSIGN_OR_RETURN(SpaceReport space, Space());
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kInfo, kSamplesKey));
  std::vector<Sample> samples = value ? Decode(*value) : std::vector<Sample>{};
  last_capacity_sample_s_ = now;
  if (!samples.empty() && now - samples.back().at < kSampleEvery) return Status::Ok();
  samples.push_back({now, space.segment_bytes});
  ByteWriter w;
  for (const Sample& s : samples) {
    if (now - s.at > kKeepFor) continue;
    w.U64(static_cast<uint64_t>(s.at));
    w.U64(s.used);
  }
  RETURN_IF_ERROR(txn.Put(meta::Table::kInfo, kSamplesKey, w.data()));
  return txn.Commit();
}

Result<CapacityReport> SegmentStore::Capacity(int64_t now) {
  CapacityReport report;
  std::map<uint64_t, DriveSpace> filesystems;
  for (const DriveHealth& h : Health()) {
    if (h.space && !h.buffer) filesystems[h.space->filesystem] = *h.space;
  }
  for (const auto& [id, space] : filesystems) {
    report.raw_bytes += space.total_bytes;
    report.raw_free_bytes += space.free_bytes;
  }
  const EcProfile& p = options_.profile;
  report.usable_bytes = report.raw_bytes / (p.k + p.m) * p.k;
  report.usable_free_bytes = report.raw_free_bytes / (p.k + p.m) * p.k;
  ASSIGN_OR_RETURN(SpaceReport space, Space());
  report.used_bytes = space.segment_bytes;
  std::vector<Sample> samples;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kInfo, kSamplesKey));
    if (value) samples = Decode(*value);
  }
  // From the oldest kept sample to now.
  if (!samples.empty() && now - samples.front().at >= kSampleEvery) {
    report.window_s = now - samples.front().at;
    report.growth_bytes_per_day =
        (static_cast<double>(report.used_bytes) - static_cast<double>(samples.front().used)) *
        86400.0 / static_cast<double>(report.window_s);
    if (report.growth_bytes_per_day > 0) {
      report.full_unix_s = now + static_cast<int64_t>(static_cast<double>(report.raw_free_bytes) /
                                                      report.growth_bytes_per_day * 86400.0);
    }
  }
  return report;
}

}  // namespace tessera::drive
