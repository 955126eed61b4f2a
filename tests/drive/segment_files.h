#pragma once

// Small helpers for tests of segment files and drives.

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "backend/drive/drive.h"

namespace tessera::drive::testing {

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
// Memory aligned to the write unit, as direct I/O wants it.
using AlignedBuffer = std::unique_ptr<char, FreeDeleter>;

// `n` bytes of `fill`, aligned to the write unit.
inline AlignedBuffer Aligned(size_t n, char fill = 0) {
  // aligned_alloc wants a size that is a multiple of the alignment (ASan checks).
  const size_t rounded = (n + kWriteUnit - 1) / kWriteUnit * kWriteUnit;
  AlignedBuffer buf(
      static_cast<char*>(std::aligned_alloc(kWriteUnit, rounded == 0 ? kWriteUnit : rounded)));
  std::memset(buf.get(), fill, n);
  return buf;
}

// `units` write units of byte `c`.
inline std::string Units(char c, size_t units = 1) { return std::string(units * kWriteUnit, c); }

inline std::shared_ptr<SegmentFile> Create(Drive& drive, uint64_t segment) {
  auto file = drive.CreateSegment(segment);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? *file : nullptr;
}

// Every byte of the file, as reads see it.
inline std::string ReadAll(const SegmentFile& file) {
  auto size = file.Size();
  EXPECT_TRUE(size.ok());
  std::string out(size.ok() ? *size : 0, '\0');
  auto n = file.ReadAt(0, out.data(), out.size());
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  out.resize(n.ok() ? *n : 0);
  return out;
}

}  // namespace tessera::drive::testing
