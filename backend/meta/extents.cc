#include "backend/meta/extents.h"

#include <algorithm>

#include "backend/meta/keys.h"
#include "common/bytes.h"

namespace tessera::meta {
namespace {

constexpr uint8_t kFragmentEntryVersion = 1;
constexpr char kStoreFormatInfoKey[] = "store-format";
constexpr char kSegmentSeqInfoKey[] = "segment-seq";
constexpr size_t kFragmentKeyBytes = 4 + 8 + 8 + 8;

Status CorruptIndex() {
  return Status(ErrorCode::kInternal, "corrupt metadata: fragment index entry");
}

Status PutIndex(Txn& txn, const extent::ExtentLocation& loc) {
  for (size_t i = 0; i < loc.fragments.size(); ++i) {
    const extent::FragmentAddress& f = loc.fragments[i];
    ByteWriter w;
    w.U8(kFragmentEntryVersion);
    w.U32(static_cast<uint32_t>(i));
    w.U64(loc.fragment_bytes());
    RETURN_IF_ERROR(
        txn.Put(Table::kFragments, FragmentKey(f.drive, f.segment, f.offset, loc.id), w.data()));
  }
  return Status::Ok();
}

Status DeleteIndex(Txn& txn, const extent::ExtentLocation& loc) {
  for (const extent::FragmentAddress& f : loc.fragments) {
    RETURN_IF_ERROR(
        txn.Delete(Table::kFragments, FragmentKey(f.drive, f.segment, f.offset, loc.id)));
  }
  return Status::Ok();
}

uint64_t ReadBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

}  // namespace

std::string FragmentKey(uint32_t drive, uint64_t segment, uint64_t offset, uint64_t extent_id) {
  return BigEndian32(drive) + BigEndian64(segment) + BigEndian64(offset) + BigEndian64(extent_id);
}

Result<std::optional<ExtentRecord>> GetExtent(Txn& txn, uint64_t extent_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   txn.Get(Table::kExtents, ExtentKey(extent_id)));
  if (!value) return std::optional<ExtentRecord>();
  ASSIGN_OR_RETURN(ExtentRecord record, DecodeExtent(*value));
  return std::optional<ExtentRecord>(std::move(record));
}

Status PutExtent(Txn& txn, const ExtentRecord& record, const ExtentRecord* previous) {
  const bool moved =
      previous == nullptr || previous->location.fragments != record.location.fragments;
  if (moved && previous != nullptr) RETURN_IF_ERROR(DeleteIndex(txn, previous->location));
  RETURN_IF_ERROR(txn.Put(Table::kExtents, ExtentKey(record.location.id), EncodeExtent(record)));
  return moved ? PutIndex(txn, record.location) : Status::Ok();
}

Status ForEachExtent(Txn& txn, const std::function<Result<bool>(const ExtentRecord&)>& fn,
                     uint64_t from) {
  ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, Table::kExtents));
  RETURN_IF_ERROR(from == 0 ? cursor.First() : cursor.Seek(ExtentKey(from)));
  while (cursor.valid()) {
    ASSIGN_OR_RETURN(ExtentRecord record, DecodeExtent(cursor.value()));
    ASSIGN_OR_RETURN(bool more, fn(record));
    if (!more) break;
    RETURN_IF_ERROR(cursor.Next());
  }
  return Status::Ok();
}

Status DeleteExtent(Txn& txn, const ExtentRecord& record) {
  RETURN_IF_ERROR(DeleteIndex(txn, record.location));
  return txn.Delete(Table::kExtents, ExtentKey(record.location.id));
}

namespace {

// Walks the index from `prefix` while keys start with it; `fn` returns false to stop.
Status Walk(Txn& txn, const std::string& prefix,
            const std::function<Result<bool>(const FragmentRef&)>& fn) {
  ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, Table::kFragments));
  RETURN_IF_ERROR(prefix.empty() ? cursor.First() : cursor.Seek(prefix));
  while (cursor.valid()) {
    std::string_view key = cursor.key();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (key.size() != kFragmentKeyBytes) return CorruptIndex();
    FragmentRef ref;
    ref.drive = static_cast<uint32_t>(ReadBigEndian(key.substr(0, 4)));
    ref.segment = ReadBigEndian(key.substr(4, 8));
    ref.offset = ReadBigEndian(key.substr(12, 8));
    ref.extent_id = ReadBigEndian(key.substr(20, 8));
    ByteReader r(cursor.value());
    uint8_t version = 0;
    if (!r.U8(&version) || version != kFragmentEntryVersion || !r.U32(&ref.index) ||
        !r.U64(&ref.length) || !r.done()) {
      return CorruptIndex();
    }
    ASSIGN_OR_RETURN(bool more, fn(ref));
    if (!more) break;
    RETURN_IF_ERROR(cursor.Next());
  }
  return Status::Ok();
}

}  // namespace

Status ForEachFragment(Txn& txn, std::optional<std::pair<uint32_t, uint64_t>> only,
                       const std::function<Status(const FragmentRef&)>& fn) {
  std::string prefix;
  if (only) prefix = BigEndian32(only->first) + BigEndian64(only->second);
  return Walk(txn, prefix, [&](const FragmentRef& ref) -> Result<bool> {
    RETURN_IF_ERROR(fn(ref));
    return true;
  });
}

Status ForEachFragmentOnDrive(Txn& txn, uint32_t drive,
                              const std::function<Result<bool>(const FragmentRef&)>& fn) {
  return Walk(txn, BigEndian32(drive), fn);
}

Result<std::map<std::pair<uint32_t, uint64_t>, uint64_t>> LiveBytes(
    Txn& txn, std::optional<std::pair<uint32_t, uint64_t>> only) {
  std::map<std::pair<uint32_t, uint64_t>, uint64_t> live;
  std::pair<uint32_t, uint64_t> current{UINT32_MAX, UINT64_MAX};
  uint64_t covered = 0;  // end of the union of the ranges seen so far in `current`
  RETURN_IF_ERROR(ForEachFragment(txn, only, [&](const FragmentRef& ref) {
    const std::pair<uint32_t, uint64_t> segment{ref.drive, ref.segment};
    if (segment != current) {
      current = segment;
      covered = 0;
    }
    const uint64_t end = ref.offset + ref.length;
    if (end > covered) {
      live[segment] += end - std::max(covered, ref.offset);
      covered = end;
    }
    return Status::Ok();
  }));
  return live;
}

Result<std::map<std::pair<uint32_t, uint64_t>, uint64_t>> LiveDataBytes(Txn& txn) {
  std::map<std::pair<uint32_t, uint64_t>, uint64_t> live;
  RETURN_IF_ERROR(ForEachFragment(txn, std::nullopt, [&](const FragmentRef& ref) -> Status {
    ASSIGN_OR_RETURN(std::optional<ExtentRecord> record, GetExtent(txn, ref.extent_id));
    uint64_t share = ref.length;
    if (record && !record->location.buffered() && record->location.k > 0) {
      const uint64_t k = record->location.k;
      share = std::min(share, (record->location.size + k - 1) / k);
    }
    live[{ref.drive, ref.segment}] += share;
    return Status::Ok();
  }));
  return live;
}

Status EnsureStoreFormat(Env& env) {
  ASSIGN_OR_RETURN(Txn txn, env.BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> stamp, txn.Get(Table::kInfo, kStoreFormatInfoKey));
  uint32_t version = 1;
  if (stamp) {
    ByteReader r(*stamp);
    if (!r.U32(&version) || !r.done()) {
      return Status(ErrorCode::kInternal, "corrupt metadata: store format stamp");
    }
  } else {
    ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, Table::kExtents));
    RETURN_IF_ERROR(cursor.First());
    if (!cursor.valid()) version = kStoreFormatVersion;  // nothing stored in extents yet
  }
  if (version != kStoreFormatVersion) {
    return Status(ErrorCode::kInternal,
                  "this data directory was written in store format " + std::to_string(version) +
                      " (one file per fragment); this build stores extents in segments (format " +
                      std::to_string(kStoreFormatVersion) +
                      ") and cannot read it: copy the objects out with the build that wrote "
                      "them (any S3 or Blob client), then start on an empty data directory");
  }
  if (stamp) return Status::Ok();
  ByteWriter w;
  w.U32(kStoreFormatVersion);
  RETURN_IF_ERROR(txn.Put(Table::kInfo, kStoreFormatInfoKey, w.data()));
  return txn.Commit();
}

Result<uint64_t> TakeFromSequence(Txn& txn, std::string_view info_key, uint64_t count) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(Table::kInfo, info_key));
  uint64_t last = 0;
  if (value) {
    ByteReader r(*value);
    if (!r.U64(&last) || !r.done()) {
      return Status(ErrorCode::kInternal, "corrupt metadata: sequence " + std::string(info_key));
    }
  }
  ByteWriter w;
  w.U64(last + count);
  RETURN_IF_ERROR(txn.Put(Table::kInfo, info_key, w.data()));
  return last + 1;
}

Result<uint64_t> ReserveSegmentIds(Txn& txn, uint64_t count) {
  return TakeFromSequence(txn, kSegmentSeqInfoKey, count);
}

}  // namespace tessera::meta
