#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "backend/drive/memory_drive.h"
#include "backend/drive/segment_store.h"
#include "backend/meta/extents.h"
#include "tests/drive/temp_dir.h"
#include "tests/meta/test_env.h"

namespace tessera::drive::testing {

inline constexpr uint64_t kChunk = 64 * 1024;
inline constexpr uint64_t kStripe = 6 * kChunk;  // RS(6,3)

inline char PatternByte(uint64_t i, uint32_t seed) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 29;
  return static_cast<char>(x * 0xBF58476D1CE4E5B9ull >> 56);
}

inline std::string Pattern(uint64_t size, uint32_t seed) {
  std::string s(size, '\0');
  for (uint64_t i = 0; i < size; ++i) s[i] = PatternByte(i, seed);
  return s;
}

// Yields Pattern(size, seed) in uneven pieces; optionally fails after `fail_after` bytes, and
// optionally tells its size up front (as a request with Content-Length does).
class PatternSource : public BodySource {
 public:
  PatternSource(uint64_t size, uint32_t seed, uint64_t fail_after = UINT64_MAX, bool sized = false)
      : size_(size), seed_(seed), fail_after_(fail_after), sized_(sized) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    if (pos_ >= fail_after_) return Status(ErrorCode::kPayloadHashMismatch, "injected");
    size_t n = std::min<uint64_t>({capacity, 7777, size_ - pos_, fail_after_ - pos_});
    for (size_t i = 0; i < n; ++i) buf[i] = PatternByte(pos_ + i, seed_);
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override {
    return sized_ ? std::optional<uint64_t>(size_) : std::nullopt;
  }

 private:
  uint64_t size_;
  uint32_t seed_;
  uint64_t fail_after_;
  bool sized_;
  uint64_t pos_ = 0;
};

inline Result<std::string> ReadAll(BodySource& source, size_t piece) {
  std::string out, buf(piece, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

inline Result<std::string> ReadRange(SegmentStore& store,
                                     const std::vector<extent::ExtentLocation>& ex, uint64_t offset,
                                     uint64_t length, size_t piece = 100000) {
  ASSIGN_OR_RETURN(auto source, store.Read(ex, offset, length));
  return ReadAll(*source, piece);
}

// Nine in-memory drives, three per region, each behind a fault injector, over a fresh
// metadata environment. Background compaction is off: tests call Compact().
class SegmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = tessera::testing::OpenTestEnv(dir_.path() + "/meta", 256ull << 20);
    ASSERT_TRUE(env_);
    for (uint32_t id = 0; id < 9; ++id) {
      memory_.push_back(std::make_shared<MemoryDrive>(id));
      faulty_.push_back(std::make_shared<FaultyDrive>(memory_.back()));
    }
    for (uint32_t r = 0; r < 3; ++r) {
      buffer_memory_.push_back(std::make_shared<MemoryDrive>(kBufferId + r));
      buffer_faulty_.push_back(std::make_shared<FaultyDrive>(buffer_memory_.back()));
    }
    Reopen();
  }

  static SegmentStoreOptions SmallOptions() {
    SegmentStoreOptions o;
    o.profile.max_extent_bytes = 2 * kStripe;
    o.segment_bytes = 1 << 20;  // 16 chunks per segment
    o.compact_interval_ms = 0;
    o.compact_bytes_per_second = 0;
    o.destage_interval_ms = 0;
    o.probe_interval_ms = 0;  // tests probe with ProbeDrives()
    return o;
  }

  void Reopen(SegmentStoreOptions options = SmallOptions()) {
    store_.reset();
    std::vector<PlacedDrive> placed;
    for (uint32_t id = 0; id < 9; ++id)
      placed.push_back({"region" + std::to_string(id / 3), faulty_[id]});
    std::vector<PlacedDrive> buffers;
    for (uint32_t r = 0; with_buffer_ && r < 3; ++r) {
      buffers.push_back({"region" + std::to_string(r), buffer_faulty_[r]});
    }
    auto created = SegmentStore::Create(env_, std::move(placed), options, std::move(buffers));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    store_ = std::move(*created);
  }

  // Writes a pattern and commits its extents, as the object store does.
  std::vector<extent::ExtentLocation> Put(uint64_t size, uint32_t seed, bool sized = false) {
    PatternSource body(size, seed, UINT64_MAX, sized);
    auto written = store_->Write(body);
    EXPECT_TRUE(written.ok()) << written.status().ToString();
    if (!written.ok()) return {};
    EXPECT_TRUE(Commit(written->extents).ok());
    return written->extents;
  }

  Status Commit(const std::vector<extent::ExtentLocation>& extents) {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    for (const auto& loc : extents) RETURN_IF_ERROR(meta::PutExtent(txn, {1, loc}, nullptr));
    return txn.Commit();
  }

  // Drops extents as the object store does when their last reference goes.
  void Drop(const std::vector<extent::ExtentLocation>& extents) {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    for (const auto& loc : extents) {
      auto record = meta::GetExtent(*txn, loc.id);
      ASSERT_TRUE(record.ok() && *record);
      ASSERT_TRUE(meta::DeleteExtent(*txn, **record).ok());
    }
    ASSERT_TRUE(txn->Commit().ok());
    for (const auto& loc : extents) ASSERT_TRUE(store_->Delete(loc).ok());
  }

  // The extents as metadata records them now (compaction repoints them).
  std::vector<extent::ExtentLocation> Current(const std::vector<extent::ExtentLocation>& ex) {
    std::vector<extent::ExtentLocation> out;
    auto txn = env_->BeginRead();
    EXPECT_TRUE(txn.ok());
    for (const auto& loc : ex) {
      auto record = meta::GetExtent(*txn, loc.id);
      EXPECT_TRUE(record.ok() && *record);
      if (record.ok() && *record) out.push_back((*record)->location);
    }
    return out;
  }

  // Waits up to 5 s for background passes to bring the segment count down to `n`.
  void WaitForSegments(size_t n) {
    for (int i = 0; i < 500 && Segments() > n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  size_t Segments() {
    size_t n = 0;
    for (auto& m : memory_) n += m->ListSegments()->size();
    return n;
  }
  uint64_t StoredBytes() {
    uint64_t n = 0;
    for (auto& m : memory_) n += m->StoredBytes();
    return n;
  }
  uint64_t BufferedBytes() {
    uint64_t n = 0;
    for (auto& m : buffer_memory_) n += m->StoredBytes();
    return n;
  }

  static constexpr uint32_t kBufferId = 100;
  bool with_buffer_ = false;  // set before Reopen()

  tessera::testing::TempDir dir_;
  std::shared_ptr<meta::Env> env_;
  std::vector<std::shared_ptr<MemoryDrive>> memory_;
  std::vector<std::shared_ptr<FaultyDrive>> faulty_;
  std::vector<std::shared_ptr<MemoryDrive>> buffer_memory_;
  std::vector<std::shared_ptr<FaultyDrive>> buffer_faulty_;
  std::unique_ptr<SegmentStore> store_;
};

}  // namespace tessera::drive::testing
