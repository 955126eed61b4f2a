#include "backend/meta/records.h"

#include <utility>

#include "common/bytes.h"

// Record grammar (all integers little-endian; str = u32 length + bytes):
//
//   ServiceSettings := u8 version=1, str default_service_version, u32 n, n * CorsRule
//   CorsRule      := Strings origins, Strings methods, Strings headers, Strings exposed,
//                    u32 max_age_seconds
//   Strings       := u32 n, n * str
//   BucketRecord  := u8 version=4, <version 3 fields>, u8 versioning
//                  | u8 version=3, <version 2 fields>, Tags          (read only)
//                  | u8 version=2, i64 created, str region, Metadata, u8 public_access,
//                    Policies, str etag, i64 last_modified
//                  | u8 version=1, i64 created, str region        (read only)
//   Policies      := u32 n, n * (str id, OptTime start, OptTime expiry, str permissions)
//   OptTime       := u8 0 | u8 1, i64 time
//   ObjectRecord  := u8 version=6, <version 5 fields>, u64 version_seq, u8 delete_marker
//                  | u8 version=5, ObjectInfo, Manifest, PartSizes, Blocks, Copy, Tags (r/o)
//                  | u8 version=4, ObjectInfo, Manifest, PartSizes, Blocks, Copy (read only)
//                  | u8 version=3, ObjectInfo, Manifest, PartSizes, Blocks (read only)
//                  | u8 version=2, ObjectInfo, Manifest, PartSizes  (read only; no blocks)
//   Copy          := u8 0 | u8 1, str id, str source, i64 completed, u64 bytes
//                  | u8 version=1, ObjectInfo, Manifest          (read only; no part sizes)
//   PartSizes     := u32 n, n * u64 size
//   Blocks        := u32 n, n * (str id, u64 size, str md5)
//   StagedRecord  := u8 version=1, str key, u64 stage_id, i64 created, u32 count, u8 id_length
//   BlockRecord   := u8 version=1, u64 size, str md5, i64 staged, Manifest
//   UploadRecord  := u8 version=3, str key, i64 initiated, Attributes, Tags
//                  | u8 version=2, str key, i64 initiated, Attributes (read only)
//                  | u8 version=1, i64 initiated, Attributes      (read only; key unknown)
//   PartRecord    := u8 version=1, u64 size, str md5, i64 last_modified, Checksum, Manifest
//   ExtentRecord  := u8 version=2, u64 refcount, Location       (backend/extent/location.h)
//   UsageRecord   := u8 version=1, u64 bytes, u64 objects, Quota
//   QuotaRecord   := u8 version=1, Quota
//   Quota         := u64 max_bytes, u64 max_objects
//
//   ObjectInfo    := str bucket, str key, str version_id, u64 size, i64 last_modified,
//                    str content_md5, str etag, str blob_etag, Content, Metadata,
//                    str storage_class, Checksum, u32 parts_count
//   Attributes    := Content, Metadata, str storage_class, u8 checksum_algorithm
//   Content       := str type, str encoding, str language, str disposition,
//                    str cache_control, str expires
//   Metadata      := u32 n, n * (str name, str value)
//   Tags          := u32 n, n * (str key, str value)                (n <= 64)
//   Checksum      := u8 algorithm, str value, u32 parts
//   Manifest      := u32 n, n * Segment
//   Segment       := u8 0, str data                              (inline)
//                  | u8 1, u64 extent_id, u64 offset, u64 length  (extent slice)

namespace tessera::meta {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kBucketPropertiesVersion = 2;
constexpr uint8_t kBucketTagsVersion = 3;
constexpr uint8_t kBucketFormatVersion = 4;
constexpr uint8_t kObjectBlocksVersion = 3;
constexpr uint8_t kObjectCopyVersion = 4;
constexpr uint8_t kObjectTagsVersion = 5;
constexpr uint8_t kObjectFormatVersion = 6;
constexpr uint32_t kMaxTags = 64;
constexpr uint8_t kObjectPartSizesVersion = 2;
constexpr uint32_t kMaxPartSizes = 10000;
constexpr uint32_t kMaxBlocks = 50000;
constexpr uint32_t kMaxPolicies = 64;
constexpr uint8_t kUploadKeyVersion = 2;
constexpr uint8_t kUploadFormatVersion = 3;
constexpr uint8_t kExtentFormatVersion = 2;

Status Corrupt(std::string_view what) {
  return Status(ErrorCode::kInternal, "corrupt metadata: " + std::string(what) + " record");
}

void PutContent(ByteWriter& w, const ContentHeaders& c) {
  w.Str(c.content_type);
  w.Str(c.content_encoding);
  w.Str(c.content_language);
  w.Str(c.content_disposition);
  w.Str(c.cache_control);
  w.Str(c.expires);
}

bool GetContent(ByteReader& r, ContentHeaders* c) {
  return r.Str(&c->content_type) && r.Str(&c->content_encoding) && r.Str(&c->content_language) &&
         r.Str(&c->content_disposition) && r.Str(&c->cache_control) && r.Str(&c->expires);
}

void PutMetadata(ByteWriter& w, const Metadata& m) {
  w.U32(static_cast<uint32_t>(m.size()));
  for (const auto& [name, value] : m) {
    w.Str(name);
    w.Str(value);
  }
}

bool GetMetadata(ByteReader& r, Metadata* m) {
  uint32_t n = 0;
  if (!r.U32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string name, value;
    if (!r.Str(&name) || !r.Str(&value)) return false;
    (*m)[std::move(name)] = std::move(value);
  }
  return true;
}

bool GetAlgorithm(ByteReader& r, ChecksumAlgorithm* algorithm) {
  uint8_t a = 0;
  if (!r.U8(&a) || a > static_cast<uint8_t>(ChecksumAlgorithm::kCrc64Nvme)) return false;
  *algorithm = static_cast<ChecksumAlgorithm>(a);
  return true;
}

void PutChecksum(ByteWriter& w, const Checksum& c) {
  w.U8(static_cast<uint8_t>(c.algorithm));
  w.Str(c.value);
  w.U32(c.parts);
}

bool GetChecksum(ByteReader& r, Checksum* c) {
  return GetAlgorithm(r, &c->algorithm) && r.Str(&c->value) && r.U32(&c->parts);
}

void PutManifest(ByteWriter& w, const Manifest& manifest) {
  w.U32(static_cast<uint32_t>(manifest.size()));
  for (const Segment& s : manifest) {
    w.U8(static_cast<uint8_t>(s.kind));
    if (s.kind == Segment::Kind::kInline) {
      w.Str(s.data);
    } else {
      w.U64(s.extent_id);
      w.U64(s.offset);
      w.U64(s.length);
    }
  }
}

bool GetManifest(ByteReader& r, Manifest* manifest) {
  uint32_t n = 0;
  if (!r.U32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t kind = 0;
    if (!r.U8(&kind)) return false;
    Segment s;
    if (kind == static_cast<uint8_t>(Segment::Kind::kInline)) {
      if (!r.Str(&s.data)) return false;
      s.length = s.data.size();
    } else if (kind == static_cast<uint8_t>(Segment::Kind::kExtent)) {
      s.kind = Segment::Kind::kExtent;
      if (!r.U64(&s.extent_id) || !r.U64(&s.offset) || !r.U64(&s.length)) return false;
    } else {
      return false;
    }
    manifest->push_back(std::move(s));
  }
  return true;
}

void PutInfo(ByteWriter& w, const ObjectInfo& info) {
  w.Str(info.bucket);
  w.Str(info.key);
  w.Str(info.version_id);
  w.U64(info.size);
  w.I64(info.last_modified);
  w.Str(info.content_md5);
  w.Str(info.etag);
  w.Str(info.blob_etag);
  PutContent(w, info.content);
  PutMetadata(w, info.metadata);
  w.Str(info.storage_class);
  PutChecksum(w, info.checksum);
  w.U32(info.parts_count);
}

bool GetInfo(ByteReader& r, ObjectInfo* info) {
  return r.Str(&info->bucket) && r.Str(&info->key) && r.Str(&info->version_id) &&
         r.U64(&info->size) && r.I64(&info->last_modified) && r.Str(&info->content_md5) &&
         r.Str(&info->etag) && r.Str(&info->blob_etag) && GetContent(r, &info->content) &&
         GetMetadata(r, &info->metadata) && r.Str(&info->storage_class) &&
         GetChecksum(r, &info->checksum) && r.U32(&info->parts_count);
}

void PutTags(ByteWriter& w, const Tags& tags) {
  w.U32(static_cast<uint32_t>(tags.size()));
  for (const auto& [key, value] : tags) {
    w.Str(key);
    w.Str(value);
  }
}

bool GetTags(ByteReader& r, Tags* tags) {
  uint32_t n = 0;
  if (!r.U32(&n) || n > kMaxTags) return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string key, value;
    if (!r.Str(&key) || !r.Str(&value)) return false;
    (*tags)[std::move(key)] = std::move(value);
  }
  return true;
}

bool GetVersion(ByteReader& r) {
  uint8_t version = 0;
  return r.U8(&version) && version == kFormatVersion;
}

void PutOptTime(ByteWriter& w, const std::optional<TimeMicros>& t) {
  w.U8(t ? 1 : 0);
  if (t) w.I64(*t);
}

bool GetOptTime(ByteReader& r, std::optional<TimeMicros>* t) {
  uint8_t present = 0;
  if (!r.U8(&present) || present > 1) return false;
  if (present == 0) return true;
  TimeMicros v = 0;
  if (!r.I64(&v)) return false;
  *t = v;
  return true;
}

}  // namespace

Segment Segment::Inline(std::string bytes) {
  Segment s;
  s.length = bytes.size();
  s.data = std::move(bytes);
  return s;
}

Segment Segment::Extent(uint64_t id, uint64_t offset, uint64_t length) {
  Segment s;
  s.kind = Kind::kExtent;
  s.extent_id = id;
  s.offset = offset;
  s.length = length;
  return s;
}

std::string EncodeBucket(const BucketRecord& record) {
  ByteWriter w;
  w.U8(kBucketFormatVersion);
  w.I64(record.created);
  w.Str(record.region);
  PutMetadata(w, record.metadata);
  w.U8(static_cast<uint8_t>(record.public_access));
  w.U32(static_cast<uint32_t>(record.policies.size()));
  for (const AccessPolicy& p : record.policies) {
    w.Str(p.id);
    PutOptTime(w, p.start);
    PutOptTime(w, p.expiry);
    w.Str(p.permissions);
  }
  w.Str(record.etag);
  w.I64(record.last_modified);
  PutTags(w, record.tags);
  w.U8(static_cast<uint8_t>(record.versioning));
  return w.Take();
}

Result<BucketRecord> DecodeBucket(std::string_view bytes) {
  ByteReader r(bytes);
  BucketRecord record;
  uint8_t version = 0;
  if (!r.U8(&version) || version < kFormatVersion || version > kBucketFormatVersion ||
      !r.I64(&record.created) || !r.Str(&record.region)) {
    return Corrupt("bucket");
  }
  record.last_modified = record.created;
  if (version >= kBucketPropertiesVersion) {
    uint8_t access = 0;
    uint32_t n = 0;
    if (!GetMetadata(r, &record.metadata) || !r.U8(&access) ||
        access > static_cast<uint8_t>(PublicAccess::kBucket) || !r.U32(&n) || n > kMaxPolicies) {
      return Corrupt("bucket");
    }
    record.public_access = static_cast<PublicAccess>(access);
    record.policies.resize(n);
    for (AccessPolicy& p : record.policies) {
      if (!r.Str(&p.id) || !GetOptTime(r, &p.start) || !GetOptTime(r, &p.expiry) ||
          !r.Str(&p.permissions)) {
        return Corrupt("bucket");
      }
    }
    if (!r.Str(&record.etag) || !r.I64(&record.last_modified)) return Corrupt("bucket");
  }
  if (version >= kBucketTagsVersion && !GetTags(r, &record.tags)) return Corrupt("bucket");
  if (version >= kBucketFormatVersion) {
    uint8_t versioning = 0;
    if (!r.U8(&versioning) || versioning > static_cast<uint8_t>(Versioning::kSuspended)) {
      return Corrupt("bucket");
    }
    record.versioning = static_cast<Versioning>(versioning);
  }
  if (!r.done()) return Corrupt("bucket");
  return record;
}

std::string EncodeObject(const ObjectRecord& record) {
  ByteWriter w;
  w.U8(kObjectFormatVersion);
  PutInfo(w, record.info);
  PutManifest(w, record.manifest);
  w.U32(static_cast<uint32_t>(record.info.part_sizes.size()));
  for (uint64_t size : record.info.part_sizes) w.U64(size);
  w.U32(static_cast<uint32_t>(record.info.blocks.size()));
  for (size_t i = 0; i < record.info.blocks.size(); ++i) {
    w.Str(record.info.blocks[i].id);
    w.U64(record.info.blocks[i].size);
    w.Str(i < record.block_md5s.size() ? record.block_md5s[i] : std::string());
  }
  w.U8(record.info.copy ? 1 : 0);
  if (record.info.copy) {
    w.Str(record.info.copy->id);
    w.Str(record.info.copy->source);
    w.I64(record.info.copy->completed);
    w.U64(record.info.copy->bytes);
  }
  PutTags(w, record.info.tags);
  w.U64(record.version_seq);
  w.U8(record.info.delete_marker ? 1 : 0);
  return w.Take();
}

Result<std::string> DecodeObjectKey(std::string_view bytes) {
  ByteReader r(bytes);
  std::string bucket, key;
  uint8_t version = 0;
  if (!r.U8(&version) || version < kFormatVersion || version > kObjectFormatVersion ||
      !r.Str(&bucket) || !r.Str(&key)) {
    return Corrupt("object");
  }
  return key;
}

Result<ObjectRecord> DecodeObject(std::string_view bytes) {
  ByteReader r(bytes);
  ObjectRecord record;
  uint8_t version = 0;
  if (!r.U8(&version) || version < kFormatVersion || version > kObjectFormatVersion ||
      !GetInfo(r, &record.info) || !GetManifest(r, &record.manifest)) {
    return Corrupt("object");
  }
  if (version >= kObjectPartSizesVersion) {
    uint32_t n = 0;
    if (!r.U32(&n) || n > kMaxPartSizes) return Corrupt("object");
    record.info.part_sizes.resize(n);
    for (uint64_t& size : record.info.part_sizes) {
      if (!r.U64(&size)) return Corrupt("object");
    }
  }
  if (version >= kObjectBlocksVersion) {
    uint32_t n = 0;
    if (!r.U32(&n) || n > kMaxBlocks) return Corrupt("object");
    record.info.blocks.resize(n);
    record.block_md5s.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (!r.Str(&record.info.blocks[i].id) || !r.U64(&record.info.blocks[i].size) ||
          !r.Str(&record.block_md5s[i])) {
        return Corrupt("object");
      }
    }
  }
  if (version >= kObjectCopyVersion) {
    uint8_t has_copy = 0;
    if (!r.U8(&has_copy) || has_copy > 1) return Corrupt("object");
    if (has_copy) {
      CopyRecord copy;
      if (!r.Str(&copy.id) || !r.Str(&copy.source) || !r.I64(&copy.completed) ||
          !r.U64(&copy.bytes)) {
        return Corrupt("object");
      }
      record.info.copy = std::move(copy);
    }
  }
  if (version >= kObjectTagsVersion && !GetTags(r, &record.info.tags)) return Corrupt("object");
  if (version >= kObjectFormatVersion) {
    uint8_t marker = 0;
    if (!r.U64(&record.version_seq) || !r.U8(&marker) || marker > 1) return Corrupt("object");
    record.info.delete_marker = marker == 1;
  }
  if (!r.done()) return Corrupt("object");
  return record;
}

std::string EncodeUpload(const UploadRecord& record) {
  ByteWriter w;
  w.U8(kUploadFormatVersion);
  w.Str(record.key);
  w.I64(record.initiated);
  PutContent(w, record.attributes.content);
  PutMetadata(w, record.attributes.metadata);
  w.Str(record.attributes.storage_class);
  w.U8(static_cast<uint8_t>(record.attributes.checksum_algorithm));
  PutTags(w, record.attributes.tags);
  return w.Take();
}

Result<UploadRecord> DecodeUpload(std::string_view bytes) {
  ByteReader r(bytes);
  UploadRecord record;
  ObjectAttributes& a = record.attributes;
  uint8_t version = 0;
  if (!r.U8(&version) || version < kFormatVersion || version > kUploadFormatVersion ||
      (version >= kUploadKeyVersion && !r.Str(&record.key)) || !r.I64(&record.initiated) ||
      !GetContent(r, &a.content) || !GetMetadata(r, &a.metadata) || !r.Str(&a.storage_class) ||
      !GetAlgorithm(r, &a.checksum_algorithm) ||
      (version >= kUploadFormatVersion && !GetTags(r, &a.tags)) || !r.done()) {
    return Corrupt("upload");
  }
  return record;
}

std::string EncodePart(const PartRecord& record) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.U64(record.size);
  w.Str(record.md5);
  w.I64(record.last_modified);
  PutChecksum(w, record.checksum);
  PutManifest(w, record.manifest);
  return w.Take();
}

Result<PartRecord> DecodePart(std::string_view bytes) {
  ByteReader r(bytes);
  PartRecord record;
  if (!GetVersion(r) || !r.U64(&record.size) || !r.Str(&record.md5) ||
      !r.I64(&record.last_modified) || !GetChecksum(r, &record.checksum) ||
      !GetManifest(r, &record.manifest) || !r.done()) {
    return Corrupt("part");
  }
  return record;
}

std::string EncodeExtent(const ExtentRecord& record) {
  ByteWriter w;
  w.U8(kExtentFormatVersion);
  w.U64(record.refcount);
  extent::EncodeLocation(record.location, w);
  return w.Take();
}

Result<ExtentRecord> DecodeExtent(std::string_view bytes) {
  ByteReader r(bytes);
  ExtentRecord record;
  uint8_t version = 0;
  if (!r.U8(&version)) return Corrupt("extent");
  if (version != kExtentFormatVersion) {
    return Status(ErrorCode::kInternal,
                  "metadata: extent record in store format " + std::to_string(version) +
                      " (fragment files); this build reads store format 2 (segments)");
  }
  if (!r.U64(&record.refcount)) return Corrupt("extent");
  ASSIGN_OR_RETURN(record.location, extent::DecodeLocation(r));
  if (!r.done()) return Corrupt("extent");
  return record;
}

std::string EncodeStaged(const StagedRecord& record) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.Str(record.key);
  w.U64(record.stage_id);
  w.I64(record.created);
  w.U32(record.count);
  w.U8(record.id_length);
  return w.Take();
}

Result<StagedRecord> DecodeStaged(std::string_view bytes) {
  ByteReader r(bytes);
  StagedRecord record;
  if (!GetVersion(r) || !r.Str(&record.key) || !r.U64(&record.stage_id) ||
      !r.I64(&record.created) || !r.U32(&record.count) || !r.U8(&record.id_length) || !r.done()) {
    return Corrupt("staged");
  }
  return record;
}

std::string EncodeBlock(const BlockRecord& record) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.U64(record.size);
  w.Str(record.md5);
  w.I64(record.staged);
  PutManifest(w, record.manifest);
  return w.Take();
}

Result<BlockRecord> DecodeBlock(std::string_view bytes) {
  ByteReader r(bytes);
  BlockRecord record;
  if (!GetVersion(r) || !r.U64(&record.size) || !r.Str(&record.md5) || !r.I64(&record.staged) ||
      !GetManifest(r, &record.manifest) || !r.done()) {
    return Corrupt("block");
  }
  return record;
}

namespace {

void PutStrings(ByteWriter& w, const std::vector<std::string>& values) {
  w.U32(static_cast<uint32_t>(values.size()));
  for (const auto& v : values) w.Str(v);
}

bool GetStrings(ByteReader& r, std::vector<std::string>* values) {
  uint32_t n = 0;
  if (!r.U32(&n) || n > 64) return false;
  values->resize(n);
  for (auto& v : *values) {
    if (!r.Str(&v)) return false;
  }
  return true;
}

void PutQuota(ByteWriter& w, const Quota& quota) {
  w.U64(quota.max_bytes);
  w.U64(quota.max_objects);
}

bool GetQuota(ByteReader& r, Quota* quota) {
  return r.U64(&quota->max_bytes) && r.U64(&quota->max_objects);
}

}  // namespace

// AccountInfo, version kFormatVersion: name key1 key2 (Str), disabled (U8), created (I64),
// max_requests_per_s, max_bytes_per_s (U64).
std::string EncodeAccountInfo(const AccountInfo& account) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.Str(account.name);
  w.Str(account.key1);
  w.Str(account.key2);
  w.U8(account.disabled ? 1 : 0);
  w.I64(account.created);
  w.U64(account.max_requests_per_s);
  w.U64(account.max_bytes_per_s);
  return w.Take();
}

Result<AccountInfo> DecodeAccountInfo(std::string_view bytes) {
  ByteReader r(bytes);
  AccountInfo account;
  uint8_t disabled = 0;
  if (!GetVersion(r) || !r.Str(&account.name) || !r.Str(&account.key1) || !r.Str(&account.key2) ||
      !r.U8(&disabled) || disabled > 1 || !r.I64(&account.created) ||
      !r.U64(&account.max_requests_per_s) || !r.U64(&account.max_bytes_per_s) || !r.done()) {
    return Corrupt("account");
  }
  account.disabled = disabled == 1;
  return account;
}

std::string EncodeUsage(const UsageRecord& record) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.U64(record.usage.bytes);
  w.U64(record.usage.objects);
  PutQuota(w, record.quota);
  return w.Take();
}

Result<UsageRecord> DecodeUsage(std::string_view bytes) {
  ByteReader r(bytes);
  UsageRecord record;
  if (!GetVersion(r) || !r.U64(&record.usage.bytes) || !r.U64(&record.usage.objects) ||
      !GetQuota(r, &record.quota) || !r.done()) {
    return Corrupt("usage");
  }
  return record;
}

std::string EncodeQuota(const Quota& quota) {
  ByteWriter w;
  w.U8(kFormatVersion);
  PutQuota(w, quota);
  return w.Take();
}

Result<Quota> DecodeQuota(std::string_view bytes) {
  ByteReader r(bytes);
  Quota quota;
  if (!GetVersion(r) || !GetQuota(r, &quota) || !r.done()) return Corrupt("quota");
  return quota;
}

std::string EncodeServiceSettings(const ServiceSettings& settings) {
  ByteWriter w;
  w.U8(kFormatVersion);
  w.Str(settings.default_service_version);
  w.U32(static_cast<uint32_t>(settings.cors.size()));
  for (const CorsRule& rule : settings.cors) {
    PutStrings(w, rule.allowed_origins);
    PutStrings(w, rule.allowed_methods);
    PutStrings(w, rule.allowed_headers);
    PutStrings(w, rule.exposed_headers);
    w.U32(rule.max_age_seconds);
  }
  return w.Take();
}

Result<ServiceSettings> DecodeServiceSettings(std::string_view bytes) {
  ByteReader r(bytes);
  ServiceSettings settings;
  uint32_t n = 0;
  if (!GetVersion(r) || !r.Str(&settings.default_service_version) || !r.U32(&n) || n > 5) {
    return Corrupt("service settings");
  }
  settings.cors.resize(n);
  for (CorsRule& rule : settings.cors) {
    if (!GetStrings(r, &rule.allowed_origins) || !GetStrings(r, &rule.allowed_methods) ||
        !GetStrings(r, &rule.allowed_headers) || !GetStrings(r, &rule.exposed_headers) ||
        !r.U32(&rule.max_age_seconds)) {
      return Corrupt("service settings");
    }
  }
  if (!r.done()) return Corrupt("service settings");
  return settings;
}

}  // namespace tessera::meta
