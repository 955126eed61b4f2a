#include "backend/store/embedded_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "backend/meta/extents.h"
#include "backend/meta/keys.h"
#include "backend/meta/names.h"
#include "backend/store/conditions.h"
#include "backend/store/embedded_store_impl.h"
#include "backend/store/usage.h"
#include "common/time.h"

namespace tessera::store {

namespace {

constexpr size_t kUploadIdLength = meta::kUploadIdBytes;
// Stored access policies per bucket (Blob allows five signed identifiers per container).
constexpr size_t kMaxPolicies = 5;
constexpr int64_t kMicrosPerSecond = 1000000;

BucketInfo ToBucketInfo(std::string account, std::string name, meta::BucketRecord record) {
  BucketInfo info;
  info.account = std::move(account);
  info.name = std::move(name);
  info.created = record.created;
  info.region = std::move(record.region);
  info.metadata = std::move(record.metadata);
  info.public_access = record.public_access;
  info.policies = std::move(record.policies);
  // Version 1 records have no etag: derive a stable one from the creation time.
  info.etag = record.etag.empty() ? FormatBlobEtag(static_cast<uint64_t>(record.created))
                                  : std::move(record.etag);
  info.last_modified = record.last_modified;
  info.tags = std::move(record.tags);
  info.versioning = record.versioning;
  return info;
}

// Bucket conditions: ETags against the bucket's etag, dates against its last_modified (at
// second resolution). Every failure is kPreconditionFailed, as for any write.
Status EvaluateBucketConditions(const BucketInfo& bucket, const Preconditions& conditions) {
  ObjectInfo as_object;
  as_object.blob_etag = bucket.etag;
  const int64_t modified = bucket.last_modified / kMicrosPerSecond;
  if (conditions.if_match && !EtagConditionMatches(*conditions.if_match, as_object)) {
    return Status(ErrorCode::kPreconditionFailed, "If-Match condition not met");
  }
  if (conditions.if_none_match && EtagConditionMatches(*conditions.if_none_match, as_object)) {
    return Status(ErrorCode::kPreconditionFailed, "If-None-Match condition not met");
  }
  if (conditions.if_unmodified_since &&
      modified > *conditions.if_unmodified_since / kMicrosPerSecond) {
    return Status(ErrorCode::kPreconditionFailed, "If-Unmodified-Since condition not met");
  }
  if (conditions.if_modified_since &&
      modified <= *conditions.if_modified_since / kMicrosPerSecond) {
    return Status(ErrorCode::kPreconditionFailed, "If-Modified-Since condition not met");
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<meta::Env>> OpenMetadata(const EmbeddedStoreOptions& options) {
  if (options.meta_dir.empty()) {
    return Status(ErrorCode::kInvalidArgument, "embedded store: meta_dir is empty");
  }
  meta::EnvOptions env_options;
  env_options.dir = options.meta_dir;
  env_options.map_size = options.map_size;
  env_options.verify = options.verify_metadata;
  env_options.journal = options.journal;
  env_options.checkpoint_ms = options.checkpoint_ms;
  ASSIGN_OR_RETURN(std::unique_ptr<meta::Env> env, meta::Env::Open(env_options));
  RETURN_IF_ERROR(meta::EnsureKeyFormat(*env));
  RETURN_IF_ERROR(EnsureUsage(*env));
  return std::shared_ptr<meta::Env>(std::move(env));
}

Result<std::unique_ptr<ObjectStore>> OpenEmbeddedStore(
    const EmbeddedStoreOptions& options, std::shared_ptr<meta::Env> env,
    std::shared_ptr<extent::ExtentStore> extents) {
  if (!env) return Status(ErrorCode::kInvalidArgument, "embedded store: no metadata");
  if (!extents) return Status(ErrorCode::kInvalidArgument, "embedded store: no extent store");
  return std::unique_ptr<ObjectStore>(
      new EmbeddedStore(options, std::move(env), std::move(extents)));
}

Result<std::unique_ptr<ObjectStore>> OpenEmbeddedStore(
    const EmbeddedStoreOptions& options, std::shared_ptr<extent::ExtentStore> extents) {
  ASSIGN_OR_RETURN(std::shared_ptr<meta::Env> env, OpenMetadata(options));
  return OpenEmbeddedStore(options, std::move(env), std::move(extents));
}

Status ValidateObjectKey(const ObjectRef& object) {
  if (object.key.empty()) return Status(ErrorCode::kInvalidObjectName, "empty object key");
  if (object.key.size() > meta::kMaxObjectKeyBytes) {
    return Status(ErrorCode::kInvalidObjectName,
                  "object key longer than " + std::to_string(meta::kMaxObjectKeyBytes) +
                      " bytes (" + std::to_string(object.key.size()) + ")");
  }
  // The metadata key layout uses NUL as its separator.
  if (object.key.find('\0') != std::string::npos) {
    return Status(ErrorCode::kInvalidObjectName, "object key contains a NUL byte");
  }
  return Status::Ok();
}

// ---- Lookups ---------------------------------------------------------------------------

Result<meta::BucketRecord> EmbeddedStore::GetBucket(meta::Txn& txn, std::string_view account,
                                                    std::string_view bucket) {
  std::string key = meta::BucketKey(account, bucket);
  if (bucket.empty() || key.size() > meta::kMaxBucketKeyBytes) {
    return Status(ErrorCode::kNoSuchBucket, "no such bucket");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kBuckets, key));
  if (!value) return Status(ErrorCode::kNoSuchBucket, "no such bucket: " + std::string(bucket));
  return meta::DecodeBucket(*value);
}

Result<std::optional<meta::ObjectRecord>> EmbeddedStore::FindObject(meta::Txn& txn,
                                                                    const ObjectRef& object) {
  if (object.key.empty() || object.key.size() > meta::kMaxObjectKeyBytes) {
    return std::optional<meta::ObjectRecord>();
  }
  std::string key = meta::ObjectKey(object.account, object.bucket, object.key);
  if (key.size() > meta::kMaxKeyBytes) return std::optional<meta::ObjectRecord>();
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kObjects, key));
  if (!value) return std::optional<meta::ObjectRecord>();
  ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(*value));
  if (record.info.key != object.key) {
    return Status(ErrorCode::kInternal, "metadata: stored name of key collides with another key");
  }
  return std::optional<meta::ObjectRecord>(std::move(record));
}

Result<meta::ObjectRecord> EmbeddedStore::GetObjectRecord(meta::Txn& txn, const ObjectRef& object) {
  if (!object.version_id.empty()) {
    bool is_current = false;
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> version,
                     FindVersion(txn, object, &is_current));
    if (!version) return Status(ErrorCode::kNoSuchVersion, "The specified version does not exist.");
    if (version->info.delete_marker) {
      return Status(ErrorCode::kMethodNotAllowed,
                    "The specified method is not allowed against this resource.");
    }
    version->info.current = is_current;
    return std::move(*version);
  }
  ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> record, FindObject(txn, object));
  if (!record) return Status(ErrorCode::kNoSuchKey, "no such key: " + object.key);
  return std::move(*record);
}

Result<meta::UploadRecord> EmbeddedStore::GetUpload(meta::Txn& txn, const ObjectRef& object,
                                                    std::string_view upload_id) {
  if (upload_id.size() != kUploadIdLength || object.key.empty() ||
      object.key.size() > meta::kMaxObjectKeyBytes) {
    return Status(ErrorCode::kNoSuchUpload, "no such upload");
  }
  std::string key = meta::UploadKey(object.account, object.bucket, object.key, upload_id);
  if (key.size() > meta::kMaxKeyBytes) return Status(ErrorCode::kNoSuchUpload, "no such upload");
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kUploads, key));
  if (!value) return Status(ErrorCode::kNoSuchUpload, "no such upload: " + std::string(upload_id));
  ASSIGN_OR_RETURN(meta::UploadRecord record, meta::DecodeUpload(*value));
  // Format 1 records carry no key; their stored name is the key itself.
  if (!record.key.empty() && record.key != object.key) {
    return Status(ErrorCode::kNoSuchUpload, "no such upload: " + std::string(upload_id));
  }
  return record;
}

Result<std::vector<std::pair<uint32_t, meta::PartRecord>>> EmbeddedStore::LoadParts(
    meta::Txn& txn, std::string_view upload_id) {
  std::vector<std::pair<uint32_t, meta::PartRecord>> parts;
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kParts));
  RETURN_IF_ERROR(cursor.Seek(meta::PartKey(upload_id, 0)));
  while (cursor.valid()) {
    uint32_t number = 0;
    if (!meta::ParsePartKey(cursor.key(), upload_id, &number)) break;
    ASSIGN_OR_RETURN(meta::PartRecord part, meta::DecodePart(cursor.value()));
    parts.emplace_back(number, std::move(part));
    RETURN_IF_ERROR(cursor.Next());
  }
  return parts;
}

// ---- Reference counting ------------------------------------------------------------------

Status EmbeddedStore::InsertExtents(meta::Txn& txn,
                                    const std::vector<extent::ExtentLocation>& extents) {
  for (const extent::ExtentLocation& loc : extents) {
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> existing, meta::GetExtent(txn, loc.id));
    if (existing) {
      return Status(ErrorCode::kSlowDown, "extent id " + std::to_string(loc.id) + " is taken");
    }
    RETURN_IF_ERROR(meta::PutExtent(txn, meta::ExtentRecord{1, loc}, nullptr));
  }
  return Status::Ok();
}

Status EmbeddedStore::AddRefs(meta::Txn& txn, const meta::Manifest& manifest) {
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent) continue;
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record, meta::GetExtent(txn, s.extent_id));
    if (!record) {
      return Status(ErrorCode::kInternal,
                    "corrupt metadata: unknown extent " + std::to_string(s.extent_id));
    }
    meta::ExtentRecord updated = *record;
    ++updated.refcount;
    RETURN_IF_ERROR(meta::PutExtent(txn, updated, &*record));
  }
  return Status::Ok();
}

Status EmbeddedStore::DropRefs(meta::Txn& txn, const meta::Manifest& manifest, Freed* freed) {
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent) continue;
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> record, meta::GetExtent(txn, s.extent_id));
    // A reference to an extent that is already gone has nothing left to free.
    if (!record) continue;
    if (record->refcount <= 1) {
      RETURN_IF_ERROR(meta::DeleteExtent(txn, *record));
      freed->push_back(std::move(record->location));
    } else {
      meta::ExtentRecord updated = *record;
      --updated.refcount;
      RETURN_IF_ERROR(meta::PutExtent(txn, updated, &*record));
    }
  }
  return Status::Ok();
}

void EmbeddedStore::DeleteExtents(const Freed& extents) {
  if (!extents.empty()) pins_->Free(extents);
}

Result<std::map<uint64_t, extent::ExtentLocation>> EmbeddedStore::Locate(
    meta::Txn& txn, const meta::Manifest& manifest) {
  std::map<uint64_t, extent::ExtentLocation> locations;
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent || locations.count(s.extent_id)) continue;
    ASSIGN_OR_RETURN(std::optional<meta::ExtentRecord> found, meta::GetExtent(txn, s.extent_id));
    if (!found) {
      return Status(ErrorCode::kInternal,
                    "corrupt metadata: unknown extent " + std::to_string(s.extent_id));
    }
    meta::ExtentRecord& record = *found;
    if (s.offset > record.location.size || s.length > record.location.size - s.offset) {
      return Status(ErrorCode::kInternal, "corrupt metadata: segment outside its extent");
    }
    locations.emplace(s.extent_id, std::move(record.location));
  }
  return locations;
}

// ---- Identifiers -------------------------------------------------------------------------

std::string EmbeddedStore::NewBlobEtag() {
  // Strictly increasing across calls (and across restarts, as time moves on): the current
  // time in microseconds, or one past the last stamp when calls share a microsecond.
  uint64_t now = static_cast<uint64_t>(NowMicros());
  uint64_t last = last_blob_stamp_.load();
  uint64_t next = 0;
  do {
    next = now > last ? now : last + 1;
  } while (!last_blob_stamp_.compare_exchange_weak(last, next));
  return FormatBlobEtag(next);
}

std::string FormatBlobEtag(uint64_t stamp) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x8DC%013llX",
                static_cast<unsigned long long>(stamp & ((1ull << 52) - 1)));
  return buf;
}

Result<uint64_t> EmbeddedStore::NextStageId(meta::Txn& txn) {
  return meta::TakeFromSequence(txn, meta::kStageSeqInfoKey, 1);
}

std::string EmbeddedStore::NewUploadId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  thread_local std::mt19937_64 rng([] {
    std::random_device device;
    std::seed_seq seed{
        device(), device(), device(), device(),
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
    return std::mt19937_64(seed);
  }());
  std::string id(kUploadIdLength, 'A');
  for (char& c : id) c = kAlphabet[rng() & 63];
  // Command-line clients take an argument starting with '-' for an option.
  id[0] = kAlphabet[rng() % 52];
  return id;
}

// ---- Buckets -----------------------------------------------------------------------------

Result<std::vector<BucketInfo>> EmbeddedStore::ListBuckets(const std::string& account) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kBuckets));
  std::string prefix = account + '\0';
  std::vector<BucketInfo> buckets;
  RETURN_IF_ERROR(cursor.Seek(prefix));
  while (cursor.valid()) {
    if (cursor.key().substr(0, prefix.size()) != prefix) break;
    ASSIGN_OR_RETURN(meta::BucketRecord record, meta::DecodeBucket(cursor.value()));
    buckets.push_back(
        ToBucketInfo(account, std::string(cursor.key().substr(prefix.size())), std::move(record)));
    RETURN_IF_ERROR(cursor.Next());
  }
  return buckets;
}

// Accounts live in Table::kTenants, keyed by name.
Result<std::vector<AccountInfo>> EmbeddedStore::ListAccounts() {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kTenants));
  std::vector<AccountInfo> accounts;
  RETURN_IF_ERROR(cursor.Seek(""));
  while (cursor.valid()) {
    ASSIGN_OR_RETURN(AccountInfo account, meta::DecodeAccountInfo(cursor.value()));
    accounts.push_back(std::move(account));
    RETURN_IF_ERROR(cursor.Next());
  }
  return accounts;
}

Status EmbeddedStore::PutAccount(const AccountInfo& account) {
  if (account.name.empty() || account.name.size() > meta::kMaxBucketKeyBytes / 2 ||
      account.name.find('\0') != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "bad account name");
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(txn.Put(meta::Table::kTenants, account.name, meta::EncodeAccountInfo(account)));
  return txn.Commit();
}

Status EmbeddedStore::DeleteAccount(const std::string& name) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Get(meta::Table::kTenants, name));
  if (!existing) return Status(ErrorCode::kNoSuchKey, "no account " + name);
  {
    ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kBuckets));
    const std::string prefix = name + '\0';
    RETURN_IF_ERROR(cursor.Seek(prefix));
    if (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
      return Status(ErrorCode::kBucketNotEmpty,
                    "account " + name + " still owns buckets; delete them first");
    }
  }
  RETURN_IF_ERROR(txn.Delete(meta::Table::kTenants, name));
  RETURN_IF_ERROR(txn.Delete(meta::Table::kAccounts, name));
  RETURN_IF_ERROR(txn.Delete(meta::Table::kUsage, name));
  return txn.Commit();
}

Status EmbeddedStore::CreateBucket(const CreateBucketRequest& request) {
  const BucketRef& ref = request.bucket;
  std::string key = meta::BucketKey(ref.account, ref.bucket);
  if (ref.bucket.empty() || key.size() > meta::kMaxBucketKeyBytes) {
    return Status(ErrorCode::kInvalidBucketName, "bucket name empty or too long");
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Get(meta::Table::kBuckets, key));
  if (existing) {
    return Status(ErrorCode::kBucketAlreadyOwnedByYou, "bucket already exists: " + ref.bucket);
  }
  meta::BucketRecord record;
  record.created = NowMicros();
  record.region = request.region;
  record.metadata = request.metadata;
  record.public_access = request.public_access;
  record.etag = NewBlobEtag();
  record.last_modified = record.created;
  RETURN_IF_ERROR(txn.Put(meta::Table::kBuckets, key, meta::EncodeBucket(record)));
  return txn.Commit();
}

Result<BucketInfo> EmbeddedStore::HeadBucket(const BucketRef& bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(meta::BucketRecord record, GetBucket(txn, bucket.account, bucket.bucket));
  return ToBucketInfo(bucket.account, bucket.bucket, std::move(record));
}

Result<BucketInfo> EmbeddedStore::UpdateBucket(const UpdateBucketRequest& request) {
  const BucketRef& ref = request.bucket;
  if (request.policies && request.policies->size() > kMaxPolicies) {
    return Status(ErrorCode::kInvalidArgument, "at most 5 access policies per bucket");
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  ASSIGN_OR_RETURN(meta::BucketRecord record, GetBucket(txn, ref.account, ref.bucket));
  RETURN_IF_ERROR(EvaluateBucketConditions(ToBucketInfo(ref.account, ref.bucket, record),
                                           request.preconditions));
  if (request.metadata) record.metadata = *request.metadata;
  if (request.public_access) record.public_access = *request.public_access;
  if (request.policies) record.policies = *request.policies;
  if (request.tags) record.tags = *request.tags;
  if (request.versioning) {
    // Once versions are kept, a bucket can only suspend keeping them (S3).
    if (*request.versioning == Versioning::kUnversioned &&
        record.versioning != Versioning::kUnversioned) {
      return Status(ErrorCode::kInvalidArgument, "versioning can be suspended, not turned off");
    }
    record.versioning = *request.versioning;
  }
  if (request.metadata || request.public_access || request.policies) {
    record.etag = NewBlobEtag();
    record.last_modified = std::max(NowMicros(), record.last_modified + 1);
  }
  RETURN_IF_ERROR(txn.Put(meta::Table::kBuckets, meta::BucketKey(ref.account, ref.bucket),
                          meta::EncodeBucket(record)));
  RETURN_IF_ERROR(txn.Commit());
  return ToBucketInfo(ref.account, ref.bucket, std::move(record));
}

// ---- Accounts ----------------------------------------------------------------------------

Result<ServiceSettings> EmbeddedStore::GetServiceSettings(const std::string& account) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kAccounts, account));
  if (!value) return ServiceSettings{};
  return meta::DecodeServiceSettings(*value);
}

Status EmbeddedStore::SetServiceSettings(const std::string& account,
                                         const ServiceSettings& settings) {
  if (settings.cors.size() > 5) {
    return Status(ErrorCode::kInvalidArgument, "at most 5 CORS rules per account");
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(txn.Put(meta::Table::kAccounts, account, meta::EncodeServiceSettings(settings)));
  return txn.Commit();
}

Status EmbeddedStore::DeleteBucket(const BucketRef& bucket) {
  Freed freed;
  RETURN_IF_ERROR(DeleteBucketIn(bucket, &freed));
  DeleteExtents(freed);
  return Status::Ok();
}

Status EmbeddedStore::DeleteBucketIn(const BucketRef& bucket, Freed* freed) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(GetBucket(txn, bucket.account, bucket.bucket).status());
  std::string prefix = meta::BucketContentsPrefix(bucket.account, bucket.bucket);
  // Noncurrent versions and delete markers keep it as objects do.
  for (meta::Table table : {meta::Table::kObjects, meta::Table::kVersions}) {
    ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, table));
    RETURN_IF_ERROR(cursor.Seek(prefix));
    if (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
      return Status(ErrorCode::kBucketNotEmpty, "the bucket holds objects");
    }
  }
  // Multipart uploads in progress do not keep a bucket alive either (as in S3): they are
  // aborted with it, their parts dropped.
  std::vector<std::pair<std::string, std::string>> uploads;  // upload key, upload id
  {
    ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kUploads));
    RETURN_IF_ERROR(cursor.Seek(prefix));
    while (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
      std::string_view name, upload_id;
      if (!meta::SplitUploadTail(cursor.key().substr(prefix.size()), &name, &upload_id)) {
        return Status(ErrorCode::kInternal, "metadata: malformed upload key");
      }
      uploads.emplace_back(std::string(cursor.key()), std::string(upload_id));
      RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const auto& [key, upload_id] : uploads) {
    ASSIGN_OR_RETURN(auto parts, LoadParts(txn, upload_id));
    for (const auto& [number, part] : parts) {
      RETURN_IF_ERROR(DropRefs(txn, part.manifest, freed));
      RETURN_IF_ERROR(txn.Delete(meta::Table::kParts, meta::PartKey(upload_id, number)));
    }
    RETURN_IF_ERROR(txn.Delete(meta::Table::kUploads, key));
  }
  // Staged blocks alone do not keep a bucket alive: they go with it.
  std::vector<std::pair<std::string, uint64_t>> staged;
  {
    ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kStaged));
    RETURN_IF_ERROR(cursor.Seek(prefix));
    while (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
      ASSIGN_OR_RETURN(meta::StagedRecord record, meta::DecodeStaged(cursor.value()));
      staged.emplace_back(std::string(cursor.key()), record.stage_id);
      RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const auto& [key, stage_id] : staged) {
    RETURN_IF_ERROR(DiscardBlocks(txn, stage_id, freed).status());
    RETURN_IF_ERROR(txn.Delete(meta::Table::kStaged, key));
  }
  // The bucket's usage and quota go with it (its staged bytes were dropped above).
  const std::string bucket_key = meta::BucketKey(bucket.account, bucket.bucket);
  RETURN_IF_ERROR(txn.Delete(meta::Table::kUsage, bucket_key));
  RETURN_IF_ERROR(txn.Delete(meta::Table::kBuckets, bucket_key));
  return txn.Commit();
}

}  // namespace tessera::store
