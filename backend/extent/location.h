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

// Where one immutable extent lives. Its `size` user bytes are bytes [base, base + size) of
// the data of `stripes` stripes, each k data chunks (zero-padded past the data) plus m
// parity chunks; fragment i (the first k are data) is the stripes' chunks i, back to back at
// fragments[i]. An extent written whole starts its stripes (base 0); one packed with others
// into shared stripes starts where it was packed, and its fragment ranges overlap theirs.
// chunk_crcs holds the CRC-32C of every chunk as written, fragment-major: chunk s of
// fragment i is chunk_crcs[i * stripes + s]. Persisted inside extent records by the
// metadata layer; changed only by the drive store when it moves a fragment (compaction).
struct ExtentLocation {
  uint64_t id = 0;
  uint64_t size = 0;        // logical (user) bytes in the extent
  uint64_t base = 0;        // where they start in the stripes' data; < one stripe
  uint8_t k = 0;            // data fragments
  uint8_t m = 0;            // parity fragments
  uint32_t chunk_size = 0;  // bytes per fragment chunk (one stripe = k chunks of data)
  uint32_t stripes = 0;     // = ceil((base + size) / (k * chunk_size))
  std::vector<FragmentAddress> fragments;  // k + m entries
  std::vector<uint32_t> chunk_crcs;        // (k + m) * stripes entries

  uint64_t stripe_bytes() const { return static_cast<uint64_t>(k) * chunk_size; }
  // Bytes of one fragment on its drive.
  uint64_t fragment_bytes() const { return static_cast<uint64_t>(stripes) * chunk_size; }
  uint32_t ChunkCrc(size_t fragment, uint32_t stripe) const {
    return chunk_crcs[fragment * stripes + stripe];
  }
  // Whether the fields agree with one another (counts, sizes, alignment). Anything read
  // from metadata is checked before it is used to address a drive.
  Status Validate() const;
  bool operator==(const ExtentLocation&) const = default;
};

// Location encoding (little-endian, common/bytes.h), version 2 of the extent location:
//   Location := u64 id, u64 size, u64 base, u8 k, u8 m, u32 chunk_size, u32 stripes,
//               u32 n, n * (u32 drive, u64 segment, u64 offset), u32 c, c * u32 crc
void EncodeLocation(const ExtentLocation& location, ByteWriter& out);
// Reads one location; kInternal ("corrupt metadata") when malformed or inconsistent.
Result<ExtentLocation> DecodeLocation(ByteReader& in);

}  // namespace tessera::extent
