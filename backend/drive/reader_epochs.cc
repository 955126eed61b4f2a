#include "backend/drive/reader_epochs.h"

namespace tessera::drive {

uint64_t ReaderEpochs::Enter() {
  std::lock_guard<std::mutex> lock(mu_);
  ++readers_[epoch_];
  return epoch_;
}

void ReaderEpochs::Leave(uint64_t token) {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = readers_.find(token);
    if (it != readers_.end() && --it->second == 0) readers_.erase(it);
    due = DueLocked();
  }
  for (auto& remove : due) remove();
}

void ReaderEpochs::Retire(std::function<void()> remove) {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Readers that entered at or before this epoch may hold the old location.
    retired_.emplace(epoch_++, std::move(remove));
    due = DueLocked();
  }
  for (auto& r : due) r();
}

size_t ReaderEpochs::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return retired_.size();
}

std::vector<std::function<void()>> ReaderEpochs::DueLocked() {
  const uint64_t oldest = readers_.empty() ? UINT64_MAX : readers_.begin()->first;
  std::vector<std::function<void()>> due;
  while (!retired_.empty() && retired_.begin()->first < oldest) {
    due.push_back(std::move(retired_.begin()->second));
    retired_.erase(retired_.begin());
  }
  return due;
}

}  // namespace tessera::drive
