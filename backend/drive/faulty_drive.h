#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/drive/drive.h"

namespace tessera::drive {

// Wraps a drive and injects the failures real drives have, for tests: going offline,
// failing writes, losing data that was written but never committed (a crash), and
// corrupting published fragments (a torn file, a flipped byte). Corruption is applied on
// the read path, so it works over any drive and is undone by ClearFaults(). Thread-safe.
class FaultyDrive : public Drive {
 public:
  explicit FaultyDrive(std::shared_ptr<Drive> inner);

  uint32_t id() const override { return inner_->id(); }
  Result<std::unique_ptr<AppendFile>> Create(const FragmentId& fragment) override;
  Result<std::unique_ptr<ReadFile>> Open(const FragmentId& fragment) override;
  Result<bool> Exists(const FragmentId& fragment) override;
  Status Remove(const FragmentId& fragment) override;

  // Every call (including reads through files already open) fails with kInternal.
  void SetOffline(bool offline);
  // Create() succeeds but the `n`-th Append() from now on (0 = the next) and every later
  // one fail with kInternal; negative turns it off.
  void FailAppendsAfter(int n);
  // Power loss: everything appended to files not yet committed is gone, and those
  // writers fail from now on. Published fragments are unaffected.
  void Crash();
  // Reads of `fragment` see the byte at `offset` inverted.
  void FlipByte(const FragmentId& fragment, uint64_t offset);
  // Reads of `fragment` see a file cut to `length` bytes.
  void Tear(const FragmentId& fragment, uint64_t length);
  // Drops every fault (not what Crash() destroyed).
  void ClearFaults();

  // Calls that reached the inner drive's Open(), for asserting which fragments a read
  // touched.
  uint64_t opens() const { return opens_.load(); }

  // Shared between the drive and one of its open writers (implementation detail).
  struct Writer;

 private:
  struct Corruption {
    std::vector<uint64_t> flips;
    uint64_t tear_at = UINT64_MAX;
  };

  Status CheckOnline() const;

  std::shared_ptr<Drive> inner_;
  std::shared_ptr<std::atomic<bool>> offline_;
  std::shared_ptr<std::atomic<int>> appends_until_failure_;
  std::atomic<uint64_t> opens_{0};
  std::mutex mu_;
  std::vector<std::weak_ptr<Writer>> writers_;
  std::map<std::string, Corruption> corruption_;
};

}  // namespace tessera::drive
