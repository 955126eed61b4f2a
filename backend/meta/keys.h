#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::meta {

// Key layout of the metadata tables, key format version 2 (kKeyFormatVersion).
//
// Components are joined with a NUL byte, which sorts before every other byte. Accounts,
// bucket names, object keys and upload ids never contain NUL.
//
//   buckets:  account \0 bucket                          -> BucketRecord
//   objects:  P name(key)                                -> ObjectRecord (holds the full key)
//   uploads:  P name(key) \0 upload_id                   -> UploadRecord (holds the full key)
//   parts:    upload_id part_number(u32 big-endian)      -> PartRecord
//   extents:  extent_id(u64 big-endian)                  -> ExtentRecord
//   staged:   P name(key)                                -> StagedRecord (holds the full key)
//   blocks:   stage_id(u64 big-endian) block_id          -> BlockRecord
//   versions: P name(key) \0 hex16(~seq)                 -> ObjectRecord (a noncurrent
//                                                           version or a delete marker)
//   usage:    account \0 bucket                          -> UsageRecord (absent: all zero)
//             account                                    -> QuotaRecord (the account's)
//   info:     "key-format"                               -> u32 little-endian version
//             "stage-seq"                                -> u64 little-endian last stage id
//             "usage-format"                             -> u32 little-endian version, once
//                                                           usage has been counted
//
// An object key with staged blocks has one staged entry, named like its object entry, that
// holds a stage id drawn from the "stage-seq" counter; its blocks are keyed by that id and
// the raw block id (1..kMaxBlockIdBytes bytes, any byte values), so they sort by block id.
//
//   P          := account \0 bucket \0                   (at most kMaxBucketKeyBytes + 1)
//   budget(P)  := kMaxKeyBytes - |P| - kUploadTailBytes - kLongNameSuffixBytes
//   name(key)  := key                                    when |key| <= budget(P)   "short"
//               | key[0, budget(P)) hex(SHA-256(key)[0, 16))  otherwise            "long"
//
// Object keys are up to kMaxObjectKeyBytes (1024) bytes, but LMDB keys are limited to
// kMaxKeyBytes (511, fixed at build time of the system liblmdb). A key that fits the bucket's
// budget is stored as is; a longer one is cut to the budget and followed by 32 lowercase hex
// digits of its SHA-256, so every stored name is either short (<= budget bytes) or exactly
// budget + 32 bytes long; the length tells which. The budget depends only on the bucket, so
// all names of one bucket share it; it is at least 190 bytes and typically over 400.
//
// Order. For names n(a), n(b) of keys a, b of one bucket, byte order of the stored names
// agrees with byte order of the keys, except between two long names that share their first
// budget bytes (a "run"): those are ordered by hash. A short key that equals a long key's
// budget-byte head sorts before it (it is a proper prefix), as do the key's uploads
// (\0 sorts before every hex digit). Walkers therefore visit entries in stored order and
// re-sort each run by the full key kept in the value (NameCursor, names.h); runs only occur
// among keys longer than the budget that agree on their first budget bytes.
//
// Seeking. For any bound x, every key >= x is stored at or after P x[0, budget): seek there,
// then skip the (run) entries whose full key is still below x. For a short x the seek is
// exact.
//
// Lookup. name(key) is the exact LMDB key; for a long name the full key in the value is
// compared, so a hash collision is detected and reported, never silently shared.
//
// Version 1 stored P key untruncated (keys up to 511 - |P| - 33 bytes) and UploadRecord
// without the key; it is identical to version 2 whenever no stored key exceeds the budget.

inline constexpr size_t kMaxKeyBytes = 511;
inline constexpr uint32_t kKeyFormatVersion = 2;
inline constexpr size_t kMaxObjectKeyBytes = 1024;
// account \0 bucket.
inline constexpr size_t kMaxBucketKeyBytes = 255;
inline constexpr size_t kUploadIdBytes = 32;
inline constexpr size_t kUploadTailBytes = 1 + kUploadIdBytes;
inline constexpr size_t kLongNameSuffixBytes = 32;
inline constexpr char kKeyFormatInfoKey[] = "key-format";
inline constexpr char kStageSeqInfoKey[] = "stage-seq";
inline constexpr char kUsageFormatInfoKey[] = "usage-format";
inline constexpr uint32_t kUsageFormatVersion = 1;
inline constexpr size_t kMaxBlockIdBytes = 64;

std::string BucketKey(std::string_view account, std::string_view bucket);
// The common prefix P of every object (or upload) key of one bucket: account \0 bucket \0.
std::string BucketContentsPrefix(std::string_view account, std::string_view bucket);
// budget(P) above, for a bucket contents prefix of `prefix_size` bytes (0 when P is too long
// for any name to fit, which callers reject through kMaxBucketKeyBytes).
size_t NameBudget(size_t prefix_size);
// name(key) for a bucket whose contents prefix is `prefix_size` bytes long.
std::string EncodeName(std::string_view key, size_t prefix_size);
// Whether a stored name (the part of an object key after P, or of an upload key before its
// last NUL) is long, i.e. its full key lives only in the value.
inline bool IsLongName(std::string_view name, size_t prefix_size) {
  return name.size() > NameBudget(prefix_size);
}

std::string ObjectKey(std::string_view account, std::string_view bucket, std::string_view key);
std::string UploadKey(std::string_view account, std::string_view bucket, std::string_view key,
                      std::string_view upload_id);
// A noncurrent version of a key (Table::kVersions): its versions sort newest (highest `seq`)
// first, right after VersionPrefix(), in the order the key's object entry has among others.
std::string VersionKey(std::string_view account, std::string_view bucket, std::string_view key,
                       uint64_t seq);
std::string VersionPrefix(std::string_view account, std::string_view bucket, std::string_view key);
std::string PartKey(std::string_view upload_id, uint32_t part_number);
std::string ExtentKey(uint64_t extent_id);
// The staged entry of an object key (same layout as ObjectKey, in Table::kStaged).
std::string StagedKey(std::string_view account, std::string_view bucket, std::string_view key);
// A staged block; BlockKey(stage_id, "") is the prefix of every block of that stage id.
std::string BlockKey(uint64_t stage_id, std::string_view block_id);
// Reads the block id from a block key of `stage_id`; false when it belongs to another one.
bool ParseBlockKey(std::string_view block_key, uint64_t stage_id, std::string_view* block_id);

// Splits the tail of an upload key (name \0 upload_id) at its last NUL.
bool SplitUploadTail(std::string_view tail, std::string_view* name, std::string_view* upload_id);
// Reads the part number from a part key of `upload_id`; false when malformed.
bool ParsePartKey(std::string_view part_key, std::string_view upload_id, uint32_t* part_number);
// The length of P at the start of an objects/uploads key, or 0 when it has no two NULs.
size_t ContentsPrefixSize(std::string_view key);

// The smallest string greater than every string that starts with `prefix`, or nullopt when
// none exists (empty prefix or all bytes 0xFF).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace tessera::meta
