#include "backend/placement/placement.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace tessera::placement {
namespace {

// SplitMix64 finaliser: a bijective, well-avalanched 64-bit mix.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Indices into `keys` sorted by descending score for `extent_id`; ties (which need a
// 64-bit collision) fall back to the key itself so the order stays total.
template <typename KeyFn>
std::vector<size_t> RankByScore(uint64_t extent_id, size_t count, KeyFn key_of) {
  std::vector<std::pair<uint64_t, uint64_t>> scored(count);
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i) {
    scored[i] = {RendezvousScore(extent_id, key_of(i)), key_of(i)};
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scored[a] > scored[b]; });
  return order;
}

}  // namespace

uint64_t RendezvousScore(uint64_t extent_id, uint64_t key) {
  return Mix(Mix(extent_id) ^ Mix(key ^ 0x5851F42D4C957F2Dull));
}

uint64_t HashName(const std::string& name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

Placer::Placer(std::vector<DriveInfo> drives) : drives_(std::move(drives)) {
  std::map<std::string, std::vector<uint32_t>> by_region;
  std::set<uint32_t> ids;
  for (const DriveInfo& d : drives_) {
    if (!ids.insert(d.id).second) duplicate_ids_ = true;
    by_region[d.region].push_back(d.id);
  }
  for (auto& [name, ids_in_region] : by_region) {
    regions_.push_back(Region{name, HashName(name), std::move(ids_in_region)});
  }
}

Result<std::vector<uint32_t>> Placer::Place(uint64_t extent_id, int fragments,
                                            int max_per_region) const {
  if (duplicate_ids_) return Status(ErrorCode::kInvalidArgument, "duplicate drive ids");
  if (fragments <= 0) return Status(ErrorCode::kInvalidArgument, "no fragments to place");
  if (static_cast<size_t>(fragments) > drives_.size()) {
    return Status(ErrorCode::kInvalidArgument, "fewer drives (" + std::to_string(drives_.size()) +
                                                   ") than fragments (" +
                                                   std::to_string(fragments) + ")");
  }
  const size_t cap = max_per_region > 0 ? static_cast<size_t>(max_per_region) : SIZE_MAX;

  std::vector<size_t> region_order =
      RankByScore(extent_id, regions_.size(), [&](size_t i) { return regions_[i].name_hash; });

  // Pass 1: fragment slots to regions, round-robin in score order under the cap.
  std::vector<size_t> used(regions_.size(), 0);
  std::vector<size_t> region_of(static_cast<size_t>(fragments));
  size_t cursor = 0;  // position in region_order where the next fragment starts looking
  for (int f = 0; f < fragments; ++f) {
    bool placed = false;
    for (size_t step = 0; step < region_order.size() && !placed; ++step) {
      const size_t r = region_order[(cursor + step) % region_order.size()];
      if (used[r] >= cap || used[r] >= regions_[r].drive_ids.size()) continue;
      region_of[f] = r;
      ++used[r];
      cursor = (cursor + step + 1) % region_order.size();
      placed = true;
    }
    if (!placed) {
      return Status(ErrorCode::kInvalidArgument,
                    "cannot place " + std::to_string(fragments) + " fragments with at most " +
                        std::to_string(max_per_region) + " per region over " +
                        std::to_string(regions_.size()) + " regions");
    }
  }

  // Pass 2: each slot takes the unused drive of its region that scores highest for
  // (extent, slot). Scoring per slot, not per region, means a new drive takes over only
  // the slots it now wins instead of shifting every slot of its region down one.
  std::vector<uint32_t> out(static_cast<size_t>(fragments));
  std::set<uint32_t> taken;
  for (int f = 0; f < fragments; ++f) {
    const auto& ids = regions_[region_of[f]].drive_ids;
    uint64_t best_score = 0;
    bool found = false;
    for (uint32_t id : ids) {
      if (taken.count(id)) continue;
      const uint64_t score = RendezvousScore(extent_id, (static_cast<uint64_t>(f) << 32) | id);
      if (!found || score > best_score || (score == best_score && id < out[f])) {
        best_score = score;
        out[f] = id;
        found = true;
      }
    }
    taken.insert(out[f]);  // pass 1 guaranteed a free drive
  }
  return out;
}

}  // namespace tessera::placement
