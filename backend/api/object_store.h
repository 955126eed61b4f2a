#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/api/body.h"
#include "backend/api/object_model.h"
#include "backend/api/status.h"

namespace tessera {

// One struct per operation. `account` is the authenticated tenant that owns the bucket
// namespace being addressed.

struct BucketRef {
  std::string account;
  std::string bucket;
};

struct ObjectRef {
  std::string account;
  std::string bucket;
  std::string key;
  // A version of the key (ObjectInfo::version_id, "null" included); empty: the current one.
  // Reads, deletes and copy sources honour it; writes always make a new current version.
  std::string version_id;
};

// What a writer asks the store to keep alongside the bytes.
struct ObjectAttributes {
  ContentHeaders content;
  Metadata metadata;
  std::string storage_class;
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  Tags tags;
};

struct CreateBucketRequest {
  BucketRef bucket;
  std::string region;
  Metadata metadata;
  PublicAccess public_access = PublicAccess::kNone;
};

// Changes bucket properties; unset fields stay as they are. `if_modified_since` /
// `if_unmodified_since` of `preconditions` apply to the bucket's last_modified.
struct UpdateBucketRequest {
  BucketRef bucket;
  std::optional<Metadata> metadata;
  std::optional<PublicAccess> public_access;
  std::optional<std::vector<AccessPolicy>> policies;
  std::optional<Tags> tags;              // alone, changes neither the ETag nor Last-Modified
  std::optional<Versioning> versioning;  // kUnversioned only while never enabled
  Preconditions preconditions;
};

// Changes an object's content headers and/or metadata without touching its bytes: the
// Blob ETag and Last-Modified change, the S3 ETag (an MD5 of the bytes) does not.
struct UpdateObjectRequest {
  ObjectRef object;
  std::optional<ContentHeaders> content;
  std::optional<std::string> content_md5;  // replaces the stated MD5 (16 raw bytes)
  std::optional<Metadata> metadata;
  // Tags alone change neither the ETags nor the modification time (as in both dialects).
  std::optional<Tags> tags;
  Preconditions preconditions;
};

// Blob blocks: staged per object under a block id, outside any upload.
struct StageBlockRequest {
  ObjectRef object;
  std::string block_id;  // raw bytes (1..64), as decoded from the client's base64
  std::optional<std::string> expected_md5;
  // x-ms-content-crc64 as decoded from base64: Azure's CRC-64 (CRC-64/NVME), 8 bytes in the
  // little-endian order Azure sends them.
  std::optional<std::string> expected_crc64;
};

enum class BlockSource : uint8_t { kCommitted, kUncommitted, kLatest };

struct BlockListEntry {
  std::string block_id;
  BlockSource source = BlockSource::kLatest;
};

struct CommitBlockListRequest {
  ObjectRef object;
  std::vector<BlockListEntry> blocks;
  ObjectAttributes attributes;
  Preconditions preconditions;
  // The whole blob's MD5 as the client states it (x-ms-blob-content-md5): kept as the
  // object's content_md5, not verified.
  std::optional<std::string> content_md5;
};

struct StagedBlock {
  std::string id;
  uint64_t size = 0;
};

struct BlockList {
  std::vector<CommittedBlock> committed;
  std::vector<StagedBlock> uncommitted;
  std::optional<ObjectInfo> object;  // set when a committed object exists
};

struct PutObjectRequest {
  ObjectRef object;
  ObjectAttributes attributes;
  // Expected raw MD5 (Content-MD5); the write fails with kBadDigest on mismatch.
  std::optional<std::string> expected_md5;
  // Expected raw checksum of `attributes.checksum_algorithm`; kChecksumMismatch on mismatch.
  std::optional<std::string> expected_checksum;
  Preconditions preconditions;  // evaluated against the current version at commit
};

struct GetObjectRequest {
  ObjectRef object;
  std::optional<ByteRange> range;
  Preconditions preconditions;
};

// An open object: its description, the resolved range, and a stream of the range's bytes.
struct ObjectReader {
  ObjectInfo info;
  std::optional<ResolvedRange> range;  // set when a range was requested
  std::unique_ptr<BodySource> body;
};

enum class MetadataDirective { kCopy, kReplace };

struct CopyObjectRequest {
  ObjectRef source;
  ObjectRef destination;
  Preconditions source_preconditions;
  // On the destination's current version, as for a write (If-None-Match "*": only if absent).
  Preconditions destination_preconditions;
  MetadataDirective directive = MetadataDirective::kCopy;
  ObjectAttributes attributes;  // used when directive == kReplace (its tags: see below)
  std::optional<Tags> tags;     // the destination's tags; nullopt = the source's
  // Recorded on the destination (Blob copy properties); completion time and byte count
  // are filled in by the store.
  std::optional<CopyRecord> copy_record;
};

struct ListObjectsRequest {
  BucketRef bucket;
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // list keys strictly greater than this
  uint32_t max_keys = 1000;
  // Also list keys that have staged blocks but no committed object (Blob
  // include=uncommittedblobs); such entries have ObjectInfo.size 0 and empty etags.
  bool include_uncommitted = false;
};

struct ListObjectsResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  // When truncated: the last key or common prefix returned (resume strictly after it).
  std::string next_marker;
};

// What a delete did: the version it removed (version_id given) or the delete marker it made
// (versioned bucket, none given; delete_marker set). version_id is empty on buckets that were
// never versioned.
struct DeleteObjectResult {
  std::string version_id;
  bool delete_marker = false;
};

// Every version of the keys in key order, newest first per key (S3 ListObjectVersions).
struct ListVersionsRequest {
  BucketRef bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;         // start after this key, or with version_id_marker:
  std::string version_id_marker;  // after this version of key_marker
  uint32_t max_keys = 1000;       // versions and common prefixes together
};

struct ObjectVersion {
  ObjectInfo info;
  bool latest = false;  // the key's current version, or the delete marker that hides it
};

struct ListVersionsResult {
  std::vector<ObjectVersion> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;  // when truncated
  std::string next_version_id_marker;
};

struct MultipartUpload {
  std::string key;
  std::string upload_id;
  TimeMicros initiated = 0;
  ObjectAttributes attributes;
};

struct PartInfo {
  uint32_t part_number = 0;
  uint64_t size = 0;
  std::string etag;  // hex MD5 without quotes
  TimeMicros last_modified = 0;
  Checksum checksum;
};

struct UploadPartRequest {
  ObjectRef object;
  std::string upload_id;
  uint32_t part_number = 0;
  std::optional<std::string> expected_md5;
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  std::optional<std::string> expected_checksum;
};

struct UploadPartCopyRequest {
  ObjectRef object;
  std::string upload_id;
  uint32_t part_number = 0;
  ObjectRef source;
  std::optional<ByteRange> source_range;
  Preconditions source_preconditions;
};

struct CompletedPart {
  uint32_t part_number = 0;
  std::string etag;  // as the client sent it, quotes removed
};

struct CompleteMultipartRequest {
  ObjectRef object;
  std::string upload_id;
  std::vector<CompletedPart> parts;
  Preconditions preconditions;
};

struct ListPartsRequest {
  ObjectRef object;
  std::string upload_id;
  uint32_t part_number_marker = 0;
  uint32_t max_parts = 1000;
};

struct ListPartsResult {
  MultipartUpload upload;
  std::vector<PartInfo> parts;
  bool truncated = false;
  uint32_t next_part_number_marker = 0;
};

struct ListUploadsRequest {
  BucketRef bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  uint32_t max_uploads = 1000;
};

struct ListUploadsResult {
  std::vector<MultipartUpload> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// The one contract between the dialects and storage. Implementations are thread-safe:
// any number of requests may call concurrently. Every mutating call that returns OK has
// been made durable. Errors come back as Status codes from backend/api/status.h; a body
// source that fails aborts the write and leaves nothing behind.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Buckets.
  virtual Result<std::vector<BucketInfo>> ListBuckets(const std::string& account) = 0;

  // Accounts (tenants), in name order. PutAccount creates or replaces one; DeleteAccount
  // removes it (kBucketNotEmpty while it still owns buckets, kNoSuchKey when absent).
  virtual Result<std::vector<AccountInfo>> ListAccounts() = 0;
  virtual Status PutAccount(const AccountInfo& account) = 0;
  virtual Status DeleteAccount(const std::string& name) = 0;

  // Usage and quotas (Usage, Quota in object_model.h). A write that would take a bucket or
  // its account past a quota fails with kQuotaExceeded and stores nothing; removals are never
  // refused. GetBucketUsage: kNoSuchBucket when absent. GetAccountUsage: every bucket of the
  // account by name (empty when it has none). GetQuota/SetQuota with bucket "" address the
  // account's quota (bytes and objects of all its buckets together), else the bucket's
  // (kNoSuchBucket when absent). A quota below the current usage refuses further growth only.
  virtual Result<Usage> GetBucketUsage(const BucketRef& bucket) = 0;
  virtual Result<std::map<std::string, Usage>> GetAccountUsage(const std::string& account) = 0;
  virtual Result<Quota> GetQuota(const std::string& account, const std::string& bucket) = 0;
  virtual Status SetQuota(const std::string& account, const std::string& bucket,
                          const Quota& quota) = 0;

  virtual Status CreateBucket(const CreateBucketRequest& request) = 0;
  virtual Result<BucketInfo> HeadBucket(const BucketRef& bucket) = 0;
  // kBucketNotEmpty while objects or uploads remain.
  virtual Status DeleteBucket(const BucketRef& bucket) = 0;
  virtual Result<BucketInfo> UpdateBucket(const UpdateBucketRequest& request) = 0;

  // Objects.
  virtual Result<ObjectInfo> PutObject(const PutObjectRequest& request, BodySource& body) = 0;
  // Evaluates preconditions (kPreconditionFailed / kNotModified) and the range
  // (kInvalidRange); the reader streams only the requested bytes.
  virtual Result<ObjectReader> GetObject(const GetObjectRequest& request) = 0;
  virtual Result<ObjectInfo> HeadObject(const GetObjectRequest& request) = 0;
  // kNoSuchKey when absent (dialects decide whether that is an error). `conditions` are
  // evaluated as for a write, on the version the delete would remove and in the same
  // transaction (kPreconditionFailed; If-Match on a missing object fails too). On a versioned
  // bucket, without object.version_id it adds a delete marker (even for a missing key); with
  // one it removes that version for good (a missing version is not an error).
  virtual Result<DeleteObjectResult> DeleteObject(const ObjectRef& object,
                                                  const Preconditions& conditions) = 0;
  virtual Result<ListVersionsResult> ListObjectVersions(const ListVersionsRequest& request) = 0;
  // Shares the source's extents: no data is copied.
  virtual Result<ObjectInfo> CopyObject(const CopyObjectRequest& request) = 0;
  virtual Result<ListObjectsResult> ListObjects(const ListObjectsRequest& request) = 0;

  // Multipart uploads (S3) / staged extents.
  virtual Result<MultipartUpload> CreateMultipartUpload(const ObjectRef& object,
                                                        const ObjectAttributes& attributes) = 0;
  virtual Result<PartInfo> UploadPart(const UploadPartRequest& request, BodySource& body) = 0;
  virtual Result<PartInfo> UploadPartCopy(const UploadPartCopyRequest& request) = 0;
  virtual Result<ObjectInfo> CompleteMultipartUpload(const CompleteMultipartRequest& request) = 0;
  virtual Status AbortMultipartUpload(const ObjectRef& object, const std::string& upload_id) = 0;
  virtual Result<ListPartsResult> ListParts(const ListPartsRequest& request) = 0;
  virtual Result<ListUploadsResult> ListMultipartUploads(const ListUploadsRequest& request) = 0;

  // Content headers / metadata of an existing object (Blob Set Blob Properties/Metadata).
  virtual Result<ObjectInfo> UpdateObject(const UpdateObjectRequest& request) = 0;

  // Blob blocks. A staged block replaces one with the same id. Committing a block list
  // builds the object from the listed blocks (no data copy; committed blocks of the current
  // object may be reused) and discards every other staged block of that object.
  // kInvalidPart (InvalidBlockList) when a listed block does not exist where it is sought.
  virtual Result<StagedBlock> StageBlock(const StageBlockRequest& request, BodySource& body) = 0;
  virtual Result<ObjectInfo> CommitBlockList(const CommitBlockListRequest& request) = 0;
  virtual Result<BlockList> GetBlockList(const ObjectRef& object) = 0;

  // Account-wide settings; an account that never set any gets the defaults.
  virtual Result<ServiceSettings> GetServiceSettings(const std::string& account) = 0;
  virtual Status SetServiceSettings(const std::string& account,
                                    const ServiceSettings& settings) = 0;
};

}  // namespace tessera
