#include "backend/extent/location.h"

namespace tessera::extent {
namespace {

constexpr uint32_t kWriteUnit = 64 * 1024;
// Bounds that keep a corrupt record from asking for absurd allocations.
constexpr uint32_t kMaxFragments = 64;
constexpr uint32_t kMaxStripes = 1u << 20;
constexpr uint32_t kMaxChunkSize = 16u << 20;
constexpr uint64_t kMaxBufferedSize = 64ull << 20;

Status Corrupt(std::string_view what) {
  return Status(ErrorCode::kInternal, "corrupt metadata: extent location: " + std::string(what));
}

}  // namespace

Status ExtentLocation::Validate() const {
  if (buffered()) {
    if (fragments.empty() || fragments.size() > kMaxFragments) return Corrupt("copy count");
    if (size > kMaxBufferedSize) return Corrupt("buffered size");
    if (k != 0 || m != 0 || chunk_size != 0 || stripes != 0 || base != 0 || !chunk_crcs.empty()) {
      return Corrupt("buffered fields");
    }
    for (const FragmentAddress& f : fragments) {
      if (f.offset % kBufferUnit != 0) return Corrupt("unaligned copy");
    }
    return Status::Ok();
  }
  if (kind != Kind::kStriped) return Corrupt("kind");
  if (k < 1 || m < 1 || static_cast<uint32_t>(k) + m > kMaxFragments) return Corrupt("k/m");
  if (chunk_size == 0 || chunk_size % kWriteUnit != 0 || chunk_size > kMaxChunkSize) {
    return Corrupt("chunk size");
  }
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

ExtentLocation Slice(const ExtentLocation& loc, uint64_t id, uint64_t offset, uint64_t size) {
  const uint64_t stripe = loc.stripe_bytes();
  const uint64_t at = loc.base + offset;
  const uint32_t first = static_cast<uint32_t>(at / stripe);
  const uint32_t last = static_cast<uint32_t>((at + (size > 0 ? size : 1) - 1) / stripe);
  ExtentLocation out = loc;
  out.id = id;
  out.size = size;
  out.base = at - static_cast<uint64_t>(first) * stripe;
  out.stripes = last - first + 1;
  out.chunk_crcs.clear();
  for (size_t i = 0; i < loc.fragments.size(); ++i) {
    out.fragments[i].offset += static_cast<uint64_t>(first) * loc.chunk_size;
    for (uint32_t s = first; s <= last; ++s) out.chunk_crcs.push_back(loc.ChunkCrc(i, s));
  }
  return out;
}

void EncodeLocation(const ExtentLocation& loc, ByteWriter& w) {
  w.U8(static_cast<uint8_t>(loc.kind));
  w.U64(loc.id);
  w.U64(loc.size);
  if (loc.buffered()) {
    w.U32(loc.crc);
  } else {
    w.U64(loc.base);
    w.U8(loc.k);
    w.U8(loc.m);
    w.U32(loc.chunk_size);
    w.U32(loc.stripes);
  }
  w.U32(static_cast<uint32_t>(loc.fragments.size()));
  for (const FragmentAddress& f : loc.fragments) {
    w.U32(f.drive);
    w.U64(f.segment);
    w.U64(f.offset);
  }
  if (loc.buffered()) return;
  w.U32(static_cast<uint32_t>(loc.chunk_crcs.size()));
  for (uint32_t crc : loc.chunk_crcs) w.U32(crc);
}

Result<ExtentLocation> DecodeLocation(ByteReader& r) {
  ExtentLocation loc;
  uint8_t kind = 0;
  if (!r.U8(&kind) || kind > static_cast<uint8_t>(ExtentLocation::Kind::kBuffered)) {
    return Corrupt("kind");
  }
  loc.kind = static_cast<ExtentLocation::Kind>(kind);
  if (!r.U64(&loc.id) || !r.U64(&loc.size)) return Corrupt("header");
  if (loc.buffered()) {
    if (!r.U32(&loc.crc)) return Corrupt("header");
  } else if (!r.U64(&loc.base) || !r.U8(&loc.k) || !r.U8(&loc.m) || !r.U32(&loc.chunk_size) ||
             !r.U32(&loc.stripes)) {
    return Corrupt("header");
  }
  uint32_t n = 0;
  if (!r.U32(&n) || n > kMaxFragments) return Corrupt("header");
  loc.fragments.resize(n);
  for (FragmentAddress& f : loc.fragments) {
    if (!r.U32(&f.drive) || !r.U64(&f.segment) || !r.U64(&f.offset)) return Corrupt("fragment");
  }
  if (!loc.buffered()) {
    uint32_t c = 0;
    if (!r.U32(&c) || c > kMaxFragments * kMaxStripes || c > r.remaining() / 4) {
      return Corrupt("checksums");
    }
    loc.chunk_crcs.resize(c);
    for (uint32_t& crc : loc.chunk_crcs) {
      if (!r.U32(&crc)) return Corrupt("checksums");
    }
  }
  RETURN_IF_ERROR(loc.Validate());
  return loc;
}

}  // namespace tessera::extent
