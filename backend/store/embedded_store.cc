#include "backend/store/embedded_store.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "backend/meta/keys.h"
#include "backend/meta/names.h"
#include "backend/store/embedded_store_impl.h"
#include "common/time.h"

namespace tessera::store {

namespace {

constexpr size_t kUploadIdLength = meta::kUploadIdBytes;

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenEmbeddedStore(const EmbeddedStoreOptions& options,
                                                       std::shared_ptr<ExtentStore> extents) {
  if (options.meta_dir.empty()) {
    return Status(ErrorCode::kInvalidArgument, "embedded store: meta_dir is empty");
  }
  if (!extents) return Status(ErrorCode::kInvalidArgument, "embedded store: no extent store");
  meta::EnvOptions env_options;
  env_options.dir = options.meta_dir;
  env_options.map_size = options.map_size;
  ASSIGN_OR_RETURN(std::unique_ptr<meta::Env> env, meta::Env::Open(env_options));
  RETURN_IF_ERROR(meta::EnsureKeyFormat(*env));
  return std::unique_ptr<ObjectStore>(
      new EmbeddedStore(options, std::move(env), std::move(extents)));
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

Status EmbeddedStore::CheckBucket(std::string_view account, std::string_view bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  return GetBucket(txn, account, bucket).status();
}

// ---- Reference counting ------------------------------------------------------------------

Status EmbeddedStore::InsertExtents(meta::Txn& txn, const std::vector<ExtentLocation>& extents) {
  for (const ExtentLocation& loc : extents) {
    meta::ExtentRecord record{1, loc};
    RETURN_IF_ERROR(
        txn.Put(meta::Table::kExtents, meta::ExtentKey(loc.id), meta::EncodeExtent(record)));
  }
  return Status::Ok();
}

Status EmbeddedStore::AddRefs(meta::Txn& txn, const meta::Manifest& manifest) {
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent) continue;
    std::string key = meta::ExtentKey(s.extent_id);
    ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kExtents, key));
    if (!value) {
      return Status(ErrorCode::kInternal,
                    "corrupt metadata: unknown extent " + std::to_string(s.extent_id));
    }
    ASSIGN_OR_RETURN(meta::ExtentRecord record, meta::DecodeExtent(*value));
    ++record.refcount;
    RETURN_IF_ERROR(txn.Put(meta::Table::kExtents, key, meta::EncodeExtent(record)));
  }
  return Status::Ok();
}

Status EmbeddedStore::DropRefs(meta::Txn& txn, const meta::Manifest& manifest, Freed* freed) {
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent) continue;
    std::string key = meta::ExtentKey(s.extent_id);
    ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kExtents, key));
    // A reference to an extent that is already gone has nothing left to free.
    if (!value) continue;
    ASSIGN_OR_RETURN(meta::ExtentRecord record, meta::DecodeExtent(*value));
    if (record.refcount <= 1) {
      RETURN_IF_ERROR(txn.Delete(meta::Table::kExtents, key));
      freed->push_back(std::move(record.location));
    } else {
      --record.refcount;
      RETURN_IF_ERROR(txn.Put(meta::Table::kExtents, key, meta::EncodeExtent(record)));
    }
  }
  return Status::Ok();
}

void EmbeddedStore::DeleteExtents(const Freed& extents) {
  if (!extents.empty()) pins_->Free(extents);
}

Result<std::map<uint64_t, ExtentLocation>> EmbeddedStore::Locate(meta::Txn& txn,
                                                                 const meta::Manifest& manifest) {
  std::map<uint64_t, ExtentLocation> locations;
  for (const meta::Segment& s : manifest) {
    if (s.kind != meta::Segment::Kind::kExtent || locations.count(s.extent_id)) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.Get(meta::Table::kExtents, meta::ExtentKey(s.extent_id)));
    if (!value) {
      return Status(ErrorCode::kInternal,
                    "corrupt metadata: unknown extent " + std::to_string(s.extent_id));
    }
    ASSIGN_OR_RETURN(meta::ExtentRecord record, meta::DecodeExtent(*value));
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
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x8DC%013llX",
                static_cast<unsigned long long>(next & ((1ull << 52) - 1)));
  return buf;
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
    BucketInfo info;
    info.account = account;
    info.name = std::string(cursor.key().substr(prefix.size()));
    info.created = record.created;
    info.region = std::move(record.region);
    buckets.push_back(std::move(info));
    RETURN_IF_ERROR(cursor.Next());
  }
  return buckets;
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
  meta::BucketRecord record{NowMicros(), request.region};
  RETURN_IF_ERROR(txn.Put(meta::Table::kBuckets, key, meta::EncodeBucket(record)));
  return txn.Commit();
}

Result<BucketInfo> EmbeddedStore::HeadBucket(const BucketRef& bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  ASSIGN_OR_RETURN(meta::BucketRecord record, GetBucket(txn, bucket.account, bucket.bucket));
  return BucketInfo{bucket.account, bucket.bucket, record.created, record.region};
}

Status EmbeddedStore::DeleteBucket(const BucketRef& bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(GetBucket(txn, bucket.account, bucket.bucket).status());
  std::string prefix = meta::BucketContentsPrefix(bucket.account, bucket.bucket);
  for (meta::Table table : {meta::Table::kObjects, meta::Table::kUploads}) {
    ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, table));
    RETURN_IF_ERROR(cursor.Seek(prefix));
    if (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
      return Status(ErrorCode::kBucketNotEmpty, table == meta::Table::kObjects
                                                    ? "the bucket holds objects"
                                                    : "the bucket has multipart uploads");
    }
  }
  RETURN_IF_ERROR(
      txn.Delete(meta::Table::kBuckets, meta::BucketKey(bucket.account, bucket.bucket)));
  return txn.Commit();
}

}  // namespace tessera::store
