#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"
#include "common/bytes.h"

namespace tessera::extent {

// Where one fragment of an extent lives: a byte range of a segment file on a drive
// (backend/drive/FORMAT.md). Its length is stripes * chunk_size of the extent.
struct FragmentAddress {
  uint32_t drive = 0;
  uint64_t segment = 0;  // segment id, unique per drive and never reused
  uint64_t offset = 0;   // byte offset in the segment; a multiple of the 64 KiB write unit
  bool operator==(const FragmentAddress&) const = default;
};

// The drive of a fragment that no drive holds: its write failed, and the healer rebuilds it
// (segment 0, offset = index * 64 KiB, so that each has its own index entry).
inline constexpr uint32_t kLostDrive = UINT32_MAX;

// Where one immutable extent lives. Its `size` user bytes are bytes [base, base + size) of
// the data of `stripes` stripes, each k data chunks (zero-padded past the data) plus m
// parity chunks; fragment i (the first k are data) is the stripes' chunks i, back to back at
// fragments[i]. An extent written whole starts its stripes (base 0); one packed with others
// into shared stripes starts where it was packed, and its fragment ranges overlap theirs.
// chunk_crcs holds the CRC-32C of every chunk as written, fragment-major: chunk s of
// fragment i is chunk_crcs[i * stripes + s]. Persisted inside extent records by the
// metadata layer; changed only by the drive store when it moves a fragment (compaction).
//
// A buffered extent (kind kBuffered) is small data not yet packed into stripes: `size`
// bytes stored whole at each of fragments[] (one copy per failure domain, in write-buffer
// logs), with `crc` the CRC-32C of those bytes; k, m, chunk_size, stripes, base and
// chunk_crcs are 0 or empty. The destager later repoints it to a striped location.
struct ExtentLocation {
  enum class Kind : uint8_t { kStriped = 0, kBuffered = 1 };
  Kind kind = Kind::kStriped;
  uint64_t id = 0;
  uint64_t size = 0;        // logical (user) bytes in the extent
  uint64_t base = 0;        // where they start in the stripes' data; < one stripe
  uint8_t k = 0;            // data fragments
  uint8_t m = 0;            // parity fragments
  uint32_t chunk_size = 0;  // bytes per fragment chunk (one stripe = k chunks of data)
  uint32_t stripes = 0;     // = ceil((base + size) / (k * chunk_size))
  std::vector<FragmentAddress> fragments;  // k + m entries
  std::vector<uint32_t> chunk_crcs;        // (k + m) * stripes entries
  uint32_t crc = 0;                        // kBuffered: CRC-32C of the bytes

  static constexpr uint32_t kBufferUnit = 4096;  // alignment of buffered copies

  bool buffered() const { return kind == Kind::kBuffered; }
  // Data bytes per stripe; a buffered extent reads as one stripe of its own size.
  uint64_t stripe_bytes() const {
    return buffered() ? (size > 0 ? size : 1) : static_cast<uint64_t>(k) * chunk_size;
  }
  // Bytes of one fragment (or copy) on its drive.
  uint64_t fragment_bytes() const {
    return buffered() ? (size + kBufferUnit - 1) / kBufferUnit * kBufferUnit
                      : static_cast<uint64_t>(stripes) * chunk_size;
  }
  uint32_t ChunkCrc(size_t fragment, uint32_t stripe) const {
    return chunk_crcs[fragment * stripes + stripe];
  }
  // Whether the fields agree with one another (counts, sizes, alignment). Anything read
  // from metadata is checked before it is used to address a drive.
  Status Validate() const;
  bool operator==(const ExtentLocation&) const = default;
};

// The striped part of `location` that holds bytes [offset, offset + size) of its data,
// described as an extent of its own with id `id`: a packed extent (base within its first
// stripe, fragment ranges from its first stripe on).
ExtentLocation Slice(const ExtentLocation& location, uint64_t id, uint64_t offset, uint64_t size);

// Location encoding (little-endian, common/bytes.h):
//   Location := u8 0, u64 id, u64 size, u64 base, u8 k, u8 m, u32 chunk_size, u32 stripes,
//               u32 n, n * Address, u32 c, c * u32 crc                      (striped)
//             | u8 1, u64 id, u64 size, u32 crc, u32 n, n * Address        (buffered)
//   Address  := u32 drive, u64 segment, u64 offset
void EncodeLocation(const ExtentLocation& location, ByteWriter& out);
// Reads one location; kInternal ("corrupt metadata") when malformed or inconsistent.
Result<ExtentLocation> DecodeLocation(ByteReader& in);

}  // namespace tessera::extent
