#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::meta {

// Key layout of the metadata tables. Components are joined with a NUL byte, which sorts
// before every other byte, so a cursor walk over one bucket visits keys in byte order:
//
//   buckets:  account \0 bucket                        -> BucketRecord
//   objects:  account \0 bucket \0 key                 -> ObjectRecord
//   uploads:  account \0 bucket \0 key \0 upload_id    -> UploadRecord
//   parts:    upload_id part_number(u32 big-endian)    -> PartRecord
//   extents:  extent_id(u64 big-endian)                -> ExtentRecord
//
// Accounts, bucket names and upload ids never contain NUL. LMDB limits keys to
// kMaxKeyBytes; callers reject names that do not fit.

inline constexpr size_t kMaxKeyBytes = 511;

std::string BucketKey(std::string_view account, std::string_view bucket);
// The common prefix of every object (or upload) key of one bucket: account \0 bucket \0.
std::string BucketContentsPrefix(std::string_view account, std::string_view bucket);
std::string ObjectKey(std::string_view account, std::string_view bucket, std::string_view key);
std::string UploadKey(std::string_view account, std::string_view bucket, std::string_view key,
                      std::string_view upload_id);
std::string PartKey(std::string_view upload_id, uint32_t part_number);
std::string ExtentKey(uint64_t extent_id);

// Splits the tail of an upload key (key \0 upload_id) at its last NUL.
bool SplitUploadTail(std::string_view tail, std::string_view* key, std::string_view* upload_id);
// Reads the part number from a part key of `upload_id`; false when malformed.
bool ParsePartKey(std::string_view part_key, std::string_view upload_id, uint32_t* part_number);

// The smallest string greater than every string that starts with `prefix`, or nullopt when
// none exists (empty prefix or all bytes 0xFF).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace tessera::meta
