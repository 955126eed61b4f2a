#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "backend/extent/extent_store.h"

namespace tessera::store {

// Keeps the extents that open readers still stream from. A GET that has started returns the
// version it opened, even when a delete or overwrite drops that version's last reference
// meanwhile: the reader pins the extent ids its manifest names, and freeing an extent that is
// pinned is deferred until its last pin goes, when ExtentStore::Delete runs.
//
// How a reader pins safely (EmbeddedStore::GetObject): read generation(), begin the read
// transaction that finds the manifest, then Pin() with that generation. A writer calls Free()
// only after committing, so any writer that unreferences a pinned extent after the reader's
// snapshot either frees it after the pin (deferred) or bumps the generation first, in which
// case Pin() reports `unchanged == false` and the reader re-checks, in a transaction begun
// after pinning, that every pinned extent still exists (and starts over if not).
//
// In memory only: after a restart nothing is pinned, and no reader is open either.
// Thread-safe. Leases may outlive the store that handed them out.
class ExtentPins : public std::enable_shared_from_this<ExtentPins> {
 public:
  // Unpins its extents when destroyed, running the deletes that were waiting for it.
  class Lease {
   public:
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    friend class ExtentPins;
    Lease(std::shared_ptr<ExtentPins> pins, std::vector<uint64_t> ids)
        : pins_(std::move(pins)), ids_(std::move(ids)) {}
    std::shared_ptr<ExtentPins> pins_;
    std::vector<uint64_t> ids_;  // distinct
  };

  static std::shared_ptr<ExtentPins> Create(std::shared_ptr<extent::ExtentStore> extents);

  // A counter that moves on every Free().
  uint64_t generation() const;

  // Pins every id in `ids` (duplicates allowed) until the lease is destroyed. Sets
  // `*unchanged` to whether no Free() ran since generation() returned `generation`.
  std::unique_ptr<Lease> Pin(const std::vector<uint64_t>& ids, uint64_t generation,
                             bool* unchanged);

  // Deletes each extent through the ExtentStore now or, while it is pinned, at its last
  // unpin. Best effort: a failed delete is only wasted space.
  void Free(const std::vector<extent::ExtentLocation>& extents);

  // Distinct extents pinned now, and those among them waiting to be deleted.
  size_t pinned() const;
  size_t deferred() const;

 private:
  struct Entry {
    uint64_t pins = 0;
    std::optional<extent::ExtentLocation> freed;  // set once freed while pinned
  };

  explicit ExtentPins(std::shared_ptr<extent::ExtentStore> extents)
      : extents_(std::move(extents)) {}
  void Unpin(const std::vector<uint64_t>& ids);

  const std::shared_ptr<extent::ExtentStore> extents_;
  mutable std::mutex mu_;
  uint64_t generation_ = 0;         // guarded by mu_
  std::map<uint64_t, Entry> pins_;  // guarded by mu_; only ids with pins > 0
};

}  // namespace tessera::store
