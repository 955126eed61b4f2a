#include "backend/drive/fragment.h"

#include <algorithm>
#include <utility>

#include "common/bytes.h"
#include "common/hash.h"

namespace tessera::drive {
namespace {

// Bytes of a footer before its CRC array: magic, version, chunk size, extent id, index,
// k, m, logical length, chunk count.
constexpr size_t kFooterFixed = 8 + 4 + 4 + 8 + 4 + 1 + 1 + 8 + 4;
// A footer bigger than this is corrupt (it would describe a ~1 TiB fragment at 64 KiB).
constexpr uint32_t kMaxFooter = 64u << 20;

Status Corrupt(const std::string& what) {
  return Status(ErrorCode::kDataLoss, "corrupt fragment: " + what);
}

}  // namespace

uint64_t FragmentFooter::BlockSize(uint64_t footer_length) {
  uint64_t raw = footer_length + kTrailerSize;
  return (raw + kWriteUnit - 1) / kWriteUnit * kWriteUnit;
}

std::string FragmentFooter::EncodeBlock() const {
  ByteWriter footer;
  footer.U64(kFragmentMagic);
  footer.U32(version);
  footer.U32(chunk_size);
  footer.U64(extent_id);
  footer.U32(index);
  footer.U8(k);
  footer.U8(m);
  footer.U64(logical_length);
  footer.U32(static_cast<uint32_t>(chunk_crcs.size()));
  for (uint32_t crc : chunk_crcs) footer.U32(crc);
  footer.U32(Crc32c(footer.data().data(), footer.data().size()));
  const uint32_t footer_length = static_cast<uint32_t>(footer.data().size());

  ByteWriter block;
  block.Raw(std::string(BlockSize(footer_length) - footer_length - kTrailerSize, '\0'));
  block.Raw(footer.data());
  block.U32(footer_length);
  block.U64(kFragmentMagic);
  return block.Take();
}

Result<uint32_t> FragmentFooter::DecodeTrailer(std::string_view trailer) {
  ByteReader r(trailer);
  uint32_t length = 0;
  uint64_t magic = 0;
  if (!r.U32(&length) || !r.U64(&magic) || !r.done()) return Corrupt("short trailer");
  if (magic != kFragmentMagic) return Corrupt("bad trailer magic");
  if (length < kFooterFixed + 4 || length > kMaxFooter) return Corrupt("bad footer length");
  return length;
}

Result<FragmentFooter> FragmentFooter::Decode(std::string_view bytes) {
  if (bytes.size() < kFooterFixed + 4) return Corrupt("short footer");
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  ByteReader crc_reader(bytes.substr(bytes.size() - 4));
  uint32_t stored_crc = 0;
  (void)crc_reader.U32(&stored_crc);
  if (Crc32c(body.data(), body.size()) != stored_crc) return Corrupt("footer CRC mismatch");

  FragmentFooter f;
  ByteReader r(body);
  uint64_t magic = 0;
  uint32_t count = 0;
  r.U64(&magic);
  r.U32(&f.version);
  r.U32(&f.chunk_size);
  r.U64(&f.extent_id);
  r.U32(&f.index);
  r.U8(&f.k);
  r.U8(&f.m);
  r.U64(&f.logical_length);
  r.U32(&count);
  if (!r.ok() || magic != kFragmentMagic) return Corrupt("bad footer magic");
  if (f.version != kFormatVersion) {
    return Corrupt("unsupported format version " + std::to_string(f.version));
  }
  if (f.chunk_size == 0 || f.chunk_size % kWriteUnit != 0) return Corrupt("bad chunk size");
  if (static_cast<uint64_t>(count) * 4 != body.size() - kFooterFixed) {
    return Corrupt("CRC array does not match footer length");
  }
  f.chunk_crcs.resize(count);
  for (uint32_t& crc : f.chunk_crcs) r.U32(&crc);
  if (!r.done()) return Corrupt("trailing footer bytes");
  return f;
}

Result<std::unique_ptr<FragmentWriter>> FragmentWriter::Create(Drive& drive, const FragmentId& id,
                                                               uint32_t chunk_size, uint8_t k,
                                                               uint8_t m) {
  if (chunk_size == 0 || chunk_size % kWriteUnit != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "chunk size must be a positive multiple of " + std::to_string(kWriteUnit));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<AppendFile> file, drive.Create(id));
  FragmentFooter footer;
  footer.chunk_size = chunk_size;
  footer.extent_id = id.extent_id;
  footer.index = id.index;
  footer.k = k;
  footer.m = m;
  return std::unique_ptr<FragmentWriter>(new FragmentWriter(std::move(file), std::move(footer)));
}

Status FragmentWriter::AppendChunk(const char* chunk) {
  RETURN_IF_ERROR(file_->Append(std::string_view(chunk, footer_.chunk_size)));
  footer_.chunk_crcs.push_back(Crc32c(chunk, footer_.chunk_size));
  bytes_written_ += footer_.chunk_size;
  return Status::Ok();
}

Status FragmentWriter::Finish(uint64_t logical_length) {
  footer_.logical_length = logical_length;
  std::string block = footer_.EncodeBlock();
  RETURN_IF_ERROR(file_->Append(block));
  bytes_written_ += block.size();
  return file_->Commit();
}

void FragmentWriter::Abort() { file_->Abort(); }

Result<std::unique_ptr<FragmentReader>> FragmentReader::Open(Drive& drive, const FragmentId& id) {
  ASSIGN_OR_RETURN(std::unique_ptr<ReadFile> file, drive.Open(id));
  const uint64_t size = file->size();
  if (size < kWriteUnit || size % kWriteUnit != 0) return Corrupt("bad file size");

  // One read of the last write unit holds the footer of any fragment up to ~1 GiB.
  std::string tail(kWriteUnit, '\0');
  ASSIGN_OR_RETURN(size_t got, file->ReadAt(size - kWriteUnit, tail.data(), tail.size()));
  if (got != tail.size()) return Corrupt("short read of footer");
  ASSIGN_OR_RETURN(uint32_t footer_length,
                   FragmentFooter::DecodeTrailer(
                       std::string_view(tail).substr(tail.size() - FragmentFooter::kTrailerSize)));
  const uint64_t block = FragmentFooter::BlockSize(footer_length);
  if (block > size) return Corrupt("footer larger than file");
  std::string footer_bytes;
  if (footer_length + FragmentFooter::kTrailerSize <= tail.size()) {
    footer_bytes =
        tail.substr(tail.size() - FragmentFooter::kTrailerSize - footer_length, footer_length);
  } else {
    footer_bytes.resize(footer_length);
    const uint64_t at = size - FragmentFooter::kTrailerSize - footer_length;
    ASSIGN_OR_RETURN(size_t n, file->ReadAt(at, footer_bytes.data(), footer_length));
    if (n != footer_length) return Corrupt("short read of footer");
  }
  ASSIGN_OR_RETURN(FragmentFooter footer, FragmentFooter::Decode(footer_bytes));
  if (footer.extent_id != id.extent_id || footer.index != id.index) {
    return Corrupt("footer names another fragment than " + id.Name());
  }
  if (static_cast<uint64_t>(footer.chunk_crcs.size()) * footer.chunk_size + block != size) {
    return Corrupt("file size does not match chunk count");
  }
  return std::unique_ptr<FragmentReader>(
      new FragmentReader(std::move(file), std::move(footer), id));
}

Status FragmentReader::ReadChunk(uint32_t chunk, char* out) const {
  if (chunk >= chunk_count()) {
    return Status(ErrorCode::kDataLoss,
                  "chunk " + std::to_string(chunk) + " past the end of " + id_.Name());
  }
  const uint64_t offset = static_cast<uint64_t>(chunk) * footer_.chunk_size;
  ASSIGN_OR_RETURN(size_t got, file_->ReadAt(offset, out, footer_.chunk_size));
  if (got != footer_.chunk_size) return Corrupt("short read of " + id_.Name());
  if (Crc32c(out, got) != footer_.chunk_crcs[chunk]) {
    return Corrupt("CRC32C mismatch in chunk " + std::to_string(chunk) + " of " + id_.Name());
  }
  return Status::Ok();
}

}  // namespace tessera::drive
