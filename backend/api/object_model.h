#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

// Time as microseconds since the Unix epoch (UTC).
using TimeMicros = int64_t;

// User metadata: name -> value. Names keep the case they were written with; S3 renders
// them lowercased, Blob as stored.
using Metadata = std::map<std::string, std::string>;
// Object tags: S3 object tagging and Blob index tags are the same set (at most 10).
using Tags = std::map<std::string, std::string>;

// Content headers shared by both dialects.
struct ContentHeaders {
  std::string content_type;
  std::string content_encoding;
  std::string content_language;
  std::string content_disposition;
  std::string cache_control;
  std::string expires;  // kept verbatim (S3 stores the header string)
};

enum class ChecksumAlgorithm : uint8_t { kNone = 0, kCrc32, kCrc32c, kSha1, kSha256, kCrc64Nvme };

// A whole-object checksum as the client asked for it. `value` holds raw digest bytes.
// For multipart objects `parts` > 0 and the value is the checksum of the part checksums
// (S3's composite form, rendered "base64-N").
struct Checksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::string value;
  uint32_t parts = 0;
};

// Everything both dialects need to describe one object version.
// A block of a block blob as committed: its id (raw bytes, as decoded from base64) and
// size. For objects written through S3 the parts are the blocks.
struct CommittedBlock {
  std::string id;
  uint64_t size = 0;
};

// The Blob copy operation that produced an object version (Copy Blob is synchronous here,
// so it is always complete).
struct CopyRecord {
  std::string id;
  std::string source;  // the source URL as the client named it
  TimeMicros completed = 0;
  uint64_t bytes = 0;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  // "null" for the null version (unversioned buckets, or written while versioning was
  // suspended); else an id unique among the key's versions that is also its time, as Blob
  // version ids are: "2026-12-07T21:28:30.1234560Z".
  std::string version_id;
  bool delete_marker = false;  // a version that says the key was deleted (no bytes)
  // Whether this is the key's current version (reads by version id may find an older one).
  // Not stored: the store fills it in when it reads.
  bool current = true;
  uint64_t size = 0;
  TimeMicros last_modified = 0;
  std::string content_md5;  // 16 raw bytes; empty for multipart objects
  std::string etag;         // S3 ETag without quotes: hex MD5, or hex(md5 of md5s)-N
  std::string blob_etag;    // opaque Blob ETag without quotes, e.g. 0x8D...
  ContentHeaders content;
  Metadata metadata;
  std::string storage_class;  // "STANDARD" unless set
  Checksum checksum;
  uint32_t parts_count = 0;            // 0 for single-part objects
  std::vector<uint64_t> part_sizes;    // multipart objects: each part's size, in order
  std::vector<CommittedBlock> blocks;  // block blobs committed by block list, in order
  std::optional<CopyRecord> copy;      // set on versions made by a Blob copy
  Tags tags;
};

// Whether a bucket keeps the versions its writes replace (S3 bucket versioning). Once
// enabled it can only be suspended: new writes then replace the null version.
enum class Versioning : uint8_t { kUnversioned = 0, kEnabled = 1, kSuspended = 2 };

// Who may read a bucket without credentials (Blob's container public access level).
enum class PublicAccess : uint8_t { kNone = 0, kObjects = 1, kBucket = 2 };

// A named, stored access policy of a bucket (Blob "signed identifier"), which a service
// SAS may reference. Times are optional bounds; permissions are Blob letters ("racwdl").
struct AccessPolicy {
  std::string id;
  std::optional<TimeMicros> start;
  std::optional<TimeMicros> expiry;
  std::string permissions;
};

struct BucketInfo {
  std::string account;
  std::string name;
  TimeMicros created = 0;
  std::string region;
  // Blob container properties, kept for both dialects.
  Metadata metadata;
  PublicAccess public_access = PublicAccess::kNone;
  std::vector<AccessPolicy> policies;
  std::string etag;              // opaque, changes with metadata/ACL; without quotes
  TimeMicros last_modified = 0;  // creation, or the last metadata/ACL change
  Tags tags;                     // S3 bucket tagging
  Versioning versioning = Versioning::kUnversioned;
};

// A cross-origin resource sharing rule of an account's Blob service.
struct CorsRule {
  std::vector<std::string> allowed_origins;  // exact origins, or "*"
  std::vector<std::string> allowed_methods;  // upper-case verbs
  std::vector<std::string> allowed_headers;  // names, or prefixes ending in '*'
  std::vector<std::string> exposed_headers;  // names, or prefixes ending in '*'
  uint32_t max_age_seconds = 0;
};

// A tenant as stored: its name is the S3 access key id and the Blob account name. Two keys
// (Azure's key1 and key2) are valid at once, so one can be rotated while clients use the
// other; S3 clients use either key string verbatim as their secret, Blob clients its
// base64-decoded bytes. Limits of 0 mean none.
struct AccountInfo {
  std::string name;
  std::string key1;
  std::string key2;  // "" = none
  bool disabled = false;
  TimeMicros created = 0;
  uint64_t max_requests_per_s = 0;  // request rate limit
  uint64_t max_bytes_per_s = 0;     // bandwidth limit, request and response bodies together
};

// What a bucket holds: the sizes of its objects plus the bytes of its staged multipart parts
// and uncommitted blocks, and the number of its objects.
struct Usage {
  uint64_t bytes = 0;
  uint64_t objects = 0;
  bool operator==(const Usage&) const = default;
};

// Limits on a bucket's or an account's usage; 0 means none.
struct Quota {
  uint64_t max_bytes = 0;
  uint64_t max_objects = 0;
  bool operator==(const Quota&) const = default;
};

// Account-wide service settings (Blob Set Service Properties).
struct ServiceSettings {
  std::vector<CorsRule> cors;
  std::string default_service_version;
};

// If-* conditions. ETags are given without quotes; "*" matches any existing object.
// A given ETag matches when it equals either the S3 ETag or the Blob ETag.
struct Preconditions {
  std::optional<std::string> if_match;
  std::optional<std::string> if_none_match;
  std::optional<TimeMicros> if_modified_since;
  std::optional<TimeMicros> if_unmodified_since;
  // A condition on the object's tags (Blob's x-ms-if-tags): false fails like If-Match, and
  // so does a missing object.
  std::function<bool(const Tags&)> if_tags;
  bool empty() const {
    return !if_match && !if_none_match && !if_modified_since && !if_unmodified_since && !if_tags;
  }
};

// A byte range as a client wrote it: bytes=first-last, bytes=first-, or bytes=-suffix.
struct ByteRange {
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
  std::optional<uint64_t> suffix_length;
};

// A range resolved against an object's size: [offset, offset + length).
struct ResolvedRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

}  // namespace tessera
