#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backend/drive/drive.h"
#include "backend/ec/codec.h"
#include "backend/placement/placement.h"
#include "backend/store/extent_store.h"

namespace tessera::store {

// A drive of the embedded store: a local directory in a region (failure domain).
struct DriveSpec {
  uint32_t id = 0;
  std::string region;
  std::string path;
};

// How new extents are written. Reads follow what each ExtentLocation records, so
// extents written under another profile stay readable.
struct EcProfile {
  uint8_t k = 6, m = 3;                     // data and parity fragments per stripe
  uint8_t max_per_region = 3;               // placement cap; 0 = uncapped
  uint32_t chunk_size = 64 * 1024;          // bytes per fragment per stripe; multiple of 64 KiB
  uint64_t max_extent_bytes = 64ull << 20;  // rounded down to whole stripes (>= 1 stripe)
};

// An already-built drive and the region it sits in (tests, remote drives).
struct PlacedDrive {
  std::string region;
  std::shared_ptr<drive::Drive> drive;
};

// ExtentStore over erasure-coded fragment files (backend/drive/FORMAT.md).
//
// Write streams the body one stripe at a time (k data chunks, zero-padded at the end of
// the body, plus m parity chunks), appending each chunk to its fragment file on the drive
// placement chose; a new extent starts every extent_bytes(). Memory per concurrent Write
// or Read is one stripe of k + m chunks (576 KiB for RS(6,3) at 64 KiB). Extent ids are
// random 64-bit values, so they stay unique across restarts and gateways.
//
// Failure policy at write time: any failing fragment write fails the whole Write and
// removes every fragment of it written so far (durability is never silently below k+m).
// At read time, each stripe reads only its k data chunks when they are healthy (the code
// is systematic: no decode); a missing file, a CRC32C mismatch or an unreachable drive
// makes it read parity and rebuild that stripe. More than m losses in a stripe is
// kDataLoss.
//
// Thread-safe. Sources returned by Read() must not outlive the store.
class ErasureExtentStore : public ExtentStore {
 public:
  // Opens (creating directories as needed) a LocalDrive per spec. Errors:
  // kInvalidArgument for a bad profile, duplicate drive ids, or drives that cannot hold
  // k + m fragments under the region cap; kInternal if a directory cannot be created.
  static Result<std::unique_ptr<ErasureExtentStore>> Open(std::vector<DriveSpec> drives,
                                                          EcProfile profile = {});
  // The same over drives built by the caller.
  static Result<std::unique_ptr<ErasureExtentStore>> Create(std::vector<PlacedDrive> drives,
                                                            EcProfile profile = {});

  Result<std::vector<ExtentLocation>> Write(BodySource& body) override;
  Result<std::unique_ptr<BodySource>> Read(std::vector<ExtentLocation> extents, uint64_t offset,
                                           uint64_t length) override;
  Status Delete(const ExtentLocation& extent) override;

  const EcProfile& profile() const { return profile_; }
  // Logical bytes per extent: max_extent_bytes rounded down to whole stripes.
  uint64_t extent_bytes() const { return extent_bytes_; }
  // Stripes read that needed parity because a data chunk was lost (for metrics and
  // tests; a repair queue will consume the same events).
  uint64_t degraded_stripes() const { return degraded_stripes_.load(); }

  // The drive with this id, or nullptr if the store does not know it.
  drive::Drive* FindDrive(uint32_t id) const;
  // The codec for RS(k, m), built once and cached.
  Result<const ec::Codec*> CodecFor(int k, int m);
  void CountDegradedStripe() { ++degraded_stripes_; }

 private:
  ErasureExtentStore(std::vector<PlacedDrive> drives, EcProfile profile,
                     std::vector<placement::DriveInfo> infos);

  Result<uint64_t> NewExtentId();

  EcProfile profile_;
  uint64_t extent_bytes_;
  std::unordered_map<uint32_t, std::shared_ptr<drive::Drive>> drives_;
  placement::Placer placer_;
  std::mutex codecs_mu_;
  std::map<std::pair<int, int>, std::unique_ptr<ec::Codec>> codecs_;
  std::atomic<uint64_t> degraded_stripes_{0};
};

}  // namespace tessera::store
