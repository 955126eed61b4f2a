#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "backend/api/status.h"
#include "backend/meta/env.h"
#include "backend/meta/records.h"

namespace tessera::meta {

// The extent table and its reverse index, kept in step inside every write transaction:
//
//   extents:   extent_id(u64 BE)                           -> ExtentRecord
//   fragments: drive(u32 BE) segment(u64 BE) offset(u64 BE) extent_id(u64 BE) -> FragmentEntry
//   FragmentEntry := u8 version=1, u32 index, u64 length
//
// The index answers "what lives in this segment" in offset order, so the drive store can
// count a segment's live bytes and move its live fragments (compaction) without scanning
// every extent. Bytes of a segment that the index does not name are dead: crash leftovers
// and fragments of deleted extents alike. Extents packed into shared stripes have fragment
// ranges that overlap; the extent id in the key keeps their entries apart.

// One entry of the reverse index.
struct FragmentRef {
  uint32_t drive = 0;
  uint64_t segment = 0;
  uint64_t offset = 0;
  uint64_t extent_id = 0;
  uint32_t index = 0;   // fragment index within the extent
  uint64_t length = 0;  // bytes on the drive
};

std::string FragmentKey(uint32_t drive, uint64_t segment, uint64_t offset, uint64_t extent_id);

Result<std::optional<ExtentRecord>> GetExtent(Txn& txn, uint64_t extent_id);
// Stores `record`. `previous` is the record it replaces (nullptr for a new extent); the
// reverse index is rewritten only when the location changed.
Status PutExtent(Txn& txn, const ExtentRecord& record, const ExtentRecord* previous);
// Removes an extent and its index entries. OK when absent.
Status DeleteExtent(Txn& txn, const ExtentRecord& record);
// Calls `fn` for every extent record in id order, from id `from` on, until it returns false.
Status ForEachExtent(Txn& txn, const std::function<Result<bool>(const ExtentRecord&)>& fn,
                     uint64_t from = 0);

// Calls `fn` for every indexed fragment, in (drive, segment, offset, extent) order; only
// those of (drive, segment) when `only` is set. Stops early with the first error `fn`
// returns.
//
// LiveBytes() sums what a walk saw per segment, counting bytes that several fragments share
// once (the union of their ranges).
Status ForEachFragment(Txn& txn, std::optional<std::pair<uint32_t, uint64_t>> only,
                       const std::function<Status(const FragmentRef&)>& fn);
// Calls `fn` for the indexed fragments of one drive, in (segment, offset, extent) order,
// until it returns false.
Status ForEachFragmentOnDrive(Txn& txn, uint32_t drive,
                              const std::function<Result<bool>(const FragmentRef&)>& fn);
// Live bytes per (drive, segment), optionally of one segment only.
Result<std::map<std::pair<uint32_t, uint64_t>, uint64_t>> LiveBytes(
    Txn& txn, std::optional<std::pair<uint32_t, uint64_t>> only = std::nullopt);
// Live user data per (drive, segment): each striped fragment counts its extent's share of
// the data, ceil(size / k), at most its length, so that stripes shared with dead extents
// or padded count for what they still hold; a buffered copy counts its length. Looks up
// every extent record: a walk of the whole index and as many lookups.
Result<std::map<std::pair<uint32_t, uint64_t>, uint64_t>> LiveDataBytes(Txn& txn);

// The store format (info "store-format", u32): 2 = extents in segments. A metadata
// environment without the stamp is stamped when it holds no extents; one with extents and
// no stamp, or another stamp, was written by an older build (fragment files, format 1) and is
// refused with a message that says so.
inline constexpr uint32_t kStoreFormatVersion = 2;
Status EnsureStoreFormat(Env& env);

// Takes `count` consecutive values of the u64 sequence kept in the info table under
// `info_key` (little-endian, the last value handed out; 0 when absent) and returns the
// first. Values are never handed out twice.
Result<uint64_t> TakeFromSequence(Txn& txn, std::string_view info_key, uint64_t count);

// Reserves `count` fresh segment ids (info "segment-seq" holds the last one handed out) and
// returns the first. Ids are never reused.
Result<uint64_t> ReserveSegmentIds(Txn& txn, uint64_t count);

}  // namespace tessera::meta
