#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "backend/api/status.h"

namespace tessera {

// A pull-based stream of bytes: a request body on its way into the store, or object bytes
// on their way out. Read() fills up to `capacity` bytes and returns how many it wrote; 0
// means the stream ended cleanly. An error means the stream is unusable: a writer that
// sees one discards everything it wrote from this stream. Wrappers (signature checks,
// checksums, aws-chunked decoding) verify at end of stream and fail the final Read() so
// that nothing unverified is ever committed. Not thread-safe; one reader at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual Result<size_t> Read(char* buf, size_t capacity) = 0;
  // Total bytes this stream will yield, when known up front.
  virtual std::optional<uint64_t> Size() const { return std::nullopt; }
};

// A source over a fixed in-memory buffer (small bodies, tests).
class MemorySource : public BodySource {
 public:
  MemorySource(const char* data, size_t size) : data_(data), size_(size) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    size_t n = capacity < size_ - pos_ ? capacity : size_ - pos_;
    for (size_t i = 0; i < n; ++i) buf[i] = data_[pos_ + i];
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override { return size_; }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace tessera
