#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"
#include "backend/drive/drive.h"

namespace tessera::drive {

// The fragment file format (backend/drive/FORMAT.md): fixed-size chunks, then a footer
// block holding every chunk's CRC32C. Every write is a multiple of kWriteUnit at a
// kWriteUnit-aligned offset, the indirection unit of dense QLC drives.
inline constexpr uint32_t kWriteUnit = 64 * 1024;
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kFragmentMagic = 0x47415246'53534554ull;  // "TESSFRAG"

// What the footer records about a fragment.
struct FragmentFooter {
  uint32_t version = kFormatVersion;
  uint32_t chunk_size = 0;
  uint64_t extent_id = 0;
  uint32_t index = 0;
  uint8_t k = 0;
  uint8_t m = 0;
  uint64_t logical_length = 0;  // user bytes in the whole extent
  std::vector<uint32_t> chunk_crcs;

  // The trailer closing every file: footer length u32, magic u64.
  static constexpr size_t kTrailerSize = 12;

  // The footer block: zero padding, footer, trailer; a multiple of kWriteUnit bytes.
  std::string EncodeBlock() const;
  // The footer length a trailer announces; kDataLoss on a bad magic.
  static Result<uint32_t> DecodeTrailer(std::string_view trailer);
  // Parses a footer (without trailer); kDataLoss on a bad magic, version, CRC or shape.
  static Result<FragmentFooter> Decode(std::string_view footer);
  // Size of the footer block for a footer of `footer_length` bytes.
  static uint64_t BlockSize(uint64_t footer_length);
};

// Writes one fragment file. Not thread-safe. Destroying it before Finish() discards the
// file.
class FragmentWriter {
 public:
  // `chunk_size` must be a positive multiple of kWriteUnit (kInvalidArgument otherwise).
  static Result<std::unique_ptr<FragmentWriter>> Create(Drive& drive, const FragmentId& id,
                                                        uint32_t chunk_size, uint8_t k, uint8_t m);

  // Appends exactly chunk_size bytes and records their CRC32C.
  Status AppendChunk(const char* chunk);
  // Writes the footer and commits: after OK the fragment is durable and readable.
  Status Finish(uint64_t logical_length);
  // Discards the file.
  void Abort();

  uint64_t bytes_written() const { return bytes_written_; }

 private:
  FragmentWriter(std::unique_ptr<AppendFile> file, FragmentFooter footer)
      : file_(std::move(file)), footer_(std::move(footer)) {}

  std::unique_ptr<AppendFile> file_;
  FragmentFooter footer_;
  uint64_t bytes_written_ = 0;
};

// Reads one fragment file, checking every chunk against its CRC32C. Thread-safe.
class FragmentReader {
 public:
  // Opens the fragment and validates its footer (kDataLoss if missing or malformed, or if
  // the footer names a different extent or fragment than `id`).
  static Result<std::unique_ptr<FragmentReader>> Open(Drive& drive, const FragmentId& id);

  const FragmentFooter& footer() const { return footer_; }
  uint32_t chunk_count() const { return static_cast<uint32_t>(footer_.chunk_crcs.size()); }

  // Reads chunk `chunk` (chunk_size bytes) into `out`. kDataLoss on a CRC mismatch, a
  // short read or a chunk past the end; kInternal if the drive fails.
  Status ReadChunk(uint32_t chunk, char* out) const;

 private:
  FragmentReader(std::unique_ptr<ReadFile> file, FragmentFooter footer, FragmentId id)
      : file_(std::move(file)), footer_(std::move(footer)), id_(id) {}

  std::unique_ptr<ReadFile> file_;
  FragmentFooter footer_;
  FragmentId id_;
};

}  // namespace tessera::drive
