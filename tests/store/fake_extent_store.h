#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backend/extent/extent_store.h"

namespace tessera::store::testing {

// A source that owns its bytes.
class OwnedSource : public BodySource {
 public:
  explicit OwnedSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    size_t n = std::min(capacity, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override { return data_.size(); }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// A body that yields `data` and then fails instead of ending.
class FailingSource : public BodySource {
 public:
  explicit FailingSource(std::string data) : inner_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    ASSIGN_OR_RETURN(size_t n, inner_.Read(buf, capacity));
    if (n == 0) return Status(ErrorCode::kIncompleteBody, "body ended early");
    return n;
  }

 private:
  OwnedSource inner_;
};

// An in-memory ExtentStore. Splits bodies into extents of at most `max_extent_size` bytes,
// counts calls, and fails on demand. Thread-safe.
class FakeExtentStore : public extent::ExtentStore {
 public:
  explicit FakeExtentStore(uint64_t max_extent_size = 1 << 20)
      : max_extent_size_(max_extent_size) {}

  Result<extent::Written> Write(BodySource& body) override {
    extent::Written written;
    std::string data;
    char buf[8192];
    while (true) {
      Result<size_t> n = body.Read(buf, sizeof(buf));
      if (!n.ok()) return n.status();  // nothing was stored yet
      if (*n == 0) break;
      data.append(buf, *n);
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++write_calls_;
    if (fail_writes_) return Status(ErrorCode::kInternal, "injected write failure");
    for (size_t off = 0; off < data.size(); off += max_extent_size_) {
      extent::ExtentLocation loc;
      loc.id = next_id_++;
      loc.size = std::min<uint64_t>(max_extent_size_, data.size() - off);
      loc.k = 2;
      loc.m = 1;
      loc.chunk_size = 64 * 1024;
      loc.stripes = 1;
      loc.fragments = {{1, 1, 0}, {2, 1, 0}, {3, 1, 0}};
      loc.chunk_crcs = {0, 0, 0};
      extents_[loc.id] = data.substr(off, loc.size);
      written.extents.push_back(loc);
    }
    return written;
  }

  Result<std::unique_ptr<BodySource>> Read(std::vector<extent::ExtentLocation> extents,
                                           uint64_t offset, uint64_t length,
                                           const std::string& object = {}) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++read_calls_;
    if (fail_reads_) return Status(ErrorCode::kDataLoss, "injected read failure");
    std::string all;
    for (const extent::ExtentLocation& loc : extents) {
      auto it = extents_.find(loc.id);
      if (it == extents_.end()) return Status(ErrorCode::kDataLoss, "extent is gone");
      all += it->second;
    }
    if (offset > all.size() || length > all.size() - offset) {
      return Status(ErrorCode::kInternal, "read beyond the extents");
    }
    return std::unique_ptr<BodySource>(new OwnedSource(all.substr(offset, length)));
  }

  Status Delete(const extent::ExtentLocation& extent) override {
    std::lock_guard<std::mutex> lock(mu_);
    deleted_.insert(extent.id);
    extents_.erase(extent.id);
    return Status::Ok();
  }

  void set_fail_writes(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_writes_ = fail;
  }
  void set_fail_reads(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_reads_ = fail;
  }
  int write_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return write_calls_;
  }
  int read_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return read_calls_;
  }
  // Extents currently stored.
  size_t live() const {
    std::lock_guard<std::mutex> lock(mu_);
    return extents_.size();
  }
  std::set<uint64_t> deleted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deleted_;
  }
  bool Has(uint64_t id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return extents_.count(id) > 0;
  }

 private:
  const uint64_t max_extent_size_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::string> extents_;
  std::set<uint64_t> deleted_;
  uint64_t next_id_ = 1;
  int write_calls_ = 0;
  int read_calls_ = 0;
  bool fail_writes_ = false;
  bool fail_reads_ = false;
};

}  // namespace tessera::store::testing
