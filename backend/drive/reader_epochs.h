#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace tessera::drive {

// Deferred removal of files that readers may still read (epoch-based reclamation). A reader
// Enter()s before it looks up where bytes are and keeps its token while it reads. Once a
// location changed (its metadata committed), Retire() queues the removal of the old file;
// it runs when every reader that entered before the Retire() has left. Readers that enter
// later see the new location, so they never need the old file. Thread-safe; callbacks run
// on the thread whose Leave() or Retire() made them due, outside the lock.
class ReaderEpochs {
 public:
  uint64_t Enter();
  void Leave(uint64_t token);
  void Retire(std::function<void()> remove);

  // Removals waiting for readers.
  size_t pending() const;

 private:
  std::vector<std::function<void()>> DueLocked();

  mutable std::mutex mu_;
  uint64_t epoch_ = 0;
  std::map<uint64_t, uint64_t> readers_;                    // epoch -> readers that entered in it
  std::multimap<uint64_t, std::function<void()>> retired_;  // retire epoch -> removal
};

}  // namespace tessera::drive
