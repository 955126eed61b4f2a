#include "backend/extent/location.h"

namespace tessera::extent {
namespace {

constexpr uint32_t kWriteUnit = 64 * 1024;
// Bounds that keep a corrupt record from asking for absurd allocations.
constexpr uint32_t kMaxFragments = 64;
constexpr uint32_t kMaxStripes = 1u << 20;

Status Corrupt(std::string_view what) {
  return Status(ErrorCode::kInternal, "corrupt metadata: extent location: " + std::string(what));
}

}  // namespace

Status ExtentLocation::Validate() const {
  if (k < 1 || m < 1 || static_cast<uint32_t>(k) + m > kMaxFragments) return Corrupt("k/m");
  if (chunk_size == 0 || chunk_size % kWriteUnit != 0) return Corrupt("chunk size");
  if (base >= stripe_bytes()) return Corrupt("base");
  const uint64_t need = (base + size + stripe_bytes() - 1) / stripe_bytes();
  if (stripes != need || stripes > kMaxStripes) return Corrupt("stripe count");
  if (fragments.size() != static_cast<size_t>(k) + m) return Corrupt("fragment count");
  if (chunk_crcs.size() != fragments.size() * stripes) return Corrupt("checksum count");
  for (const FragmentAddress& f : fragments) {
    if (f.offset % kWriteUnit != 0) return Corrupt("unaligned fragment");
  }
  return Status::Ok();
}

void EncodeLocation(const ExtentLocation& loc, ByteWriter& w) {
  w.U64(loc.id);
  w.U64(loc.size);
  w.U64(loc.base);
  w.U8(loc.k);
  w.U8(loc.m);
  w.U32(loc.chunk_size);
  w.U32(loc.stripes);
  w.U32(static_cast<uint32_t>(loc.fragments.size()));
  for (const FragmentAddress& f : loc.fragments) {
    w.U32(f.drive);
    w.U64(f.segment);
    w.U64(f.offset);
  }
  w.U32(static_cast<uint32_t>(loc.chunk_crcs.size()));
  for (uint32_t crc : loc.chunk_crcs) w.U32(crc);
}

Result<ExtentLocation> DecodeLocation(ByteReader& r) {
  ExtentLocation loc;
  uint32_t n = 0;
  if (!r.U64(&loc.id) || !r.U64(&loc.size) || !r.U64(&loc.base) || !r.U8(&loc.k) || !r.U8(&loc.m) ||
      !r.U32(&loc.chunk_size) || !r.U32(&loc.stripes) || !r.U32(&n) || n > kMaxFragments) {
    return Corrupt("header");
  }
  loc.fragments.resize(n);
  for (FragmentAddress& f : loc.fragments) {
    if (!r.U32(&f.drive) || !r.U64(&f.segment) || !r.U64(&f.offset)) return Corrupt("fragment");
  }
  uint32_t c = 0;
  if (!r.U32(&c) || c > kMaxFragments * kMaxStripes || c > r.remaining() / 4) {
    return Corrupt("checksums");
  }
  loc.chunk_crcs.resize(c);
  for (uint32_t& crc : loc.chunk_crcs) {
    if (!r.U32(&crc)) return Corrupt("checksums");
  }
  RETURN_IF_ERROR(loc.Validate());
  return loc;
}

}  // namespace tessera::extent
