#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/api/status.h"

namespace tessera::placement {

// A drive as placement sees it: an id unique in the cluster and the region (failure
// domain) it lives in.
struct DriveInfo {
  uint32_t id = 0;
  std::string region;
};

// Deterministic placement of an extent's fragments: any process holding the same drive
// list computes the same drives for the same extent id, without asking anyone.
//
// Rendezvous (highest-random-weight) hashing: every region gets a score
// hash(extent id, region name) and regions are visited in score order. Fragment i goes
// round-robin over the regions in that order, skipping a region that already holds
// `max_per_region` fragments or has no unused drive; it then takes the unused drive of
// that region with the best score hash(extent id, i, drive id). So with RS(6,3) over
// 3 regions x 3 drives every drive holds one fragment and every region three, and adding
// or removing a drive moves only the fragments that drive wins or held. Immutable and
// thread-safe after construction.
class Placer {
 public:
  // Drive ids must be unique (checked by Place(): a duplicate makes it fail).
  explicit Placer(std::vector<DriveInfo> drives);

  // Drive id per fragment (index i = fragment i), `fragments` entries, all distinct.
  // Fails with kInvalidArgument when the drives cannot hold `fragments` distinct fragments
  // under the per-region cap (too few drives, or too few regions for the cap), or when
  // drive ids repeat. `max_per_region` 0 means no cap.
  Result<std::vector<uint32_t>> Place(uint64_t extent_id, int fragments, int max_per_region) const;

  const std::vector<DriveInfo>& drives() const { return drives_; }

 private:
  struct Region {
    std::string name;
    uint64_t name_hash = 0;
    std::vector<uint32_t> drive_ids;
  };

  std::vector<DriveInfo> drives_;
  std::vector<Region> regions_;
  bool duplicate_ids_ = false;
};

// The rendezvous score of `key` for `extent_id`: a 64-bit mix that is identical on every
// platform and build (never std::hash).
uint64_t RendezvousScore(uint64_t extent_id, uint64_t key);

// FNV-1a of a region name, fed to RendezvousScore().
uint64_t HashName(const std::string& name);

}  // namespace tessera::placement
