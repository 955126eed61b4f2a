#include "backend/store/extent_pins.h"

#include <algorithm>
#include <utility>

namespace tessera::store {

std::shared_ptr<ExtentPins> ExtentPins::Create(std::shared_ptr<extent::ExtentStore> extents) {
  return std::shared_ptr<ExtentPins>(new ExtentPins(std::move(extents)));
}

ExtentPins::Lease::~Lease() { pins_->Unpin(ids_); }

uint64_t ExtentPins::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::unique_ptr<ExtentPins::Lease> ExtentPins::Pin(const std::vector<uint64_t>& ids,
                                                   uint64_t generation, bool* unchanged) {
  std::vector<uint64_t> distinct = ids;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    *unchanged = generation_ == generation;
    for (uint64_t id : distinct) ++pins_[id].pins;
  }
  return std::unique_ptr<Lease>(new Lease(shared_from_this(), std::move(distinct)));
}

void ExtentPins::Unpin(const std::vector<uint64_t>& ids) {
  std::vector<extent::ExtentLocation> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (uint64_t id : ids) {
      auto it = pins_.find(id);
      if (it == pins_.end()) continue;
      if (--it->second.pins > 0) continue;
      if (it->second.freed) ready.push_back(std::move(*it->second.freed));
      pins_.erase(it);
    }
  }
  for (const extent::ExtentLocation& loc : ready) (void)extents_->Delete(loc);
}

void ExtentPins::Free(const std::vector<extent::ExtentLocation>& extents) {
  std::vector<const extent::ExtentLocation*> now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    for (const extent::ExtentLocation& loc : extents) {
      auto it = pins_.find(loc.id);
      if (it == pins_.end()) {
        now.push_back(&loc);
      } else if (!it->second.freed) {
        it->second.freed = loc;
      }
    }
  }
  for (const extent::ExtentLocation* loc : now) (void)extents_->Delete(*loc);
}

size_t ExtentPins::pinned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pins_.size();
}

size_t ExtentPins::deferred() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [id, entry] : pins_) n += entry.freed ? 1 : 0;
  return n;
}

}  // namespace tessera::store
