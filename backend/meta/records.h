#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/object_model.h"
#include "backend/api/object_store.h"
#include "backend/api/status.h"
#include "backend/extent/location.h"

namespace tessera::meta {

// Values of the metadata tables. Each encodes as: u8 format version, then the fields in
// the order listed, little-endian (common/bytes.h): integers fixed width, strings as u32
// length + bytes, lists as u32 count + items, optional/enum values as u8. Decoding checks
// the version, every length and that the input ends exactly; anything else is kInternal
// ("corrupt metadata"), never a crash. The grammar per record is in records.cc.

// One piece of an object: either bytes kept in the manifest, or a slice of an extent.
struct Segment {
  enum class Kind : uint8_t { kInline = 0, kExtent = 1 };
  Kind kind = Kind::kInline;
  std::string data;        // kInline: the bytes
  uint64_t extent_id = 0;  // kExtent: which extent
  uint64_t offset = 0;     // kExtent: first byte within the extent
  uint64_t length = 0;     // bytes in this segment (both kinds)

  static Segment Inline(std::string bytes);
  static Segment Extent(uint64_t id, uint64_t offset, uint64_t length);
  bool operator==(const Segment&) const = default;
};

using Manifest = std::vector<Segment>;

// Version 1 records carry only created and region: they decode with no metadata, no
// policies, an empty etag and last_modified == created.
struct BucketRecord {
  TimeMicros created = 0;
  std::string region;
  Metadata metadata;
  PublicAccess public_access = PublicAccess::kNone;
  std::vector<AccessPolicy> policies;
  std::string etag;
  TimeMicros last_modified = 0;
  Tags tags;
  Versioning versioning = Versioning::kUnversioned;
};

// One object version: everything ObjectInfo says plus where its bytes are. For an object
// committed from a block list, info.blocks lists its blocks in order (their sizes are the
// block boundaries within `manifest`) and block_md5s holds each block's raw MD5, in the same
// order; both are empty otherwise.
struct ObjectRecord {
  ObjectInfo info;
  Manifest manifest;
  std::vector<std::string> block_md5s;
  // Orders the key's versions (keys.h, VersionKey): microseconds of the install, made unique
  // and increasing per key. 0 on records older than versioning.
  uint64_t version_seq = 0;
};

// The staged blocks of one object key: how to find them and what they have in common.
struct StagedRecord {
  std::string key;         // the full object key
  uint64_t stage_id = 0;   // prefix of the key's blocks in Table::kBlocks
  TimeMicros created = 0;  // when the first of the current staged blocks was staged
  uint32_t count = 0;      // staged blocks
  uint8_t id_length = 0;   // length of every staged block id
};

// One staged block: its bytes (references to extents, like a part) and digests.
struct BlockRecord {
  uint64_t size = 0;
  std::string md5;  // raw 16 bytes
  TimeMicros staged = 0;
  Manifest manifest;
};

struct UploadRecord {
  std::string key;  // the full object key (empty in version 1 records)
  TimeMicros initiated = 0;
  ObjectAttributes attributes;
};

struct PartRecord {
  uint64_t size = 0;
  std::string md5;  // raw 16 bytes; the part ETag is its hex form
  TimeMicros last_modified = 0;
  Checksum checksum;
  Manifest manifest;
};

// One stored extent: how many manifest segments (of objects and parts) reference it.
struct ExtentRecord {
  uint64_t refcount = 0;
  extent::ExtentLocation location;
};

// One bucket's usage (Table::kUsage, key account \0 bucket) and its quota.
struct UsageRecord {
  Usage usage;
  Quota quota;
};

std::string EncodeAccountInfo(const AccountInfo& account);
Result<AccountInfo> DecodeAccountInfo(std::string_view bytes);
std::string EncodeUsage(const UsageRecord& record);
Result<UsageRecord> DecodeUsage(std::string_view bytes);
// An account's quota (Table::kUsage, key account).
std::string EncodeQuota(const Quota& quota);
Result<Quota> DecodeQuota(std::string_view bytes);
std::string EncodeServiceSettings(const ServiceSettings& settings);
Result<ServiceSettings> DecodeServiceSettings(std::string_view bytes);
std::string EncodeBucket(const BucketRecord& record);
Result<BucketRecord> DecodeBucket(std::string_view bytes);
std::string EncodeObject(const ObjectRecord& record);
Result<ObjectRecord> DecodeObject(std::string_view bytes);
// Only the object key of an encoded ObjectRecord (cheaper than DecodeObject).
Result<std::string> DecodeObjectKey(std::string_view bytes);
std::string EncodeUpload(const UploadRecord& record);
Result<UploadRecord> DecodeUpload(std::string_view bytes);
std::string EncodePart(const PartRecord& record);
Result<PartRecord> DecodePart(std::string_view bytes);
std::string EncodeExtent(const ExtentRecord& record);
Result<ExtentRecord> DecodeExtent(std::string_view bytes);
std::string EncodeStaged(const StagedRecord& record);
Result<StagedRecord> DecodeStaged(std::string_view bytes);
std::string EncodeBlock(const BlockRecord& record);
Result<BlockRecord> DecodeBlock(std::string_view bytes);

}  // namespace tessera::meta
