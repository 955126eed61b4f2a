// Object operations of the embedded store: put, get, head, delete, copy.

#include <utility>

#include "backend/meta/keys.h"
#include "backend/store/conditions.h"
#include "backend/store/embedded_store_impl.h"
#include "backend/store/ingest.h"
#include "backend/store/manifest.h"
#include "backend/store/usage.h"
#include "common/encoding.h"
#include "common/time.h"

namespace tessera::store {
namespace {

constexpr char kDefaultStorageClass[] = "STANDARD";
// Attempts at opening a reader while concurrent writers free the extents it found.
constexpr int kMaxOpenAttempts = 16;

}  // namespace

void ApplyAttributes(const ObjectAttributes& attributes, ObjectInfo* info) {
  info->content = attributes.content;
  info->metadata = attributes.metadata;
  info->tags = attributes.tags;
  info->storage_class =
      attributes.storage_class.empty() ? kDefaultStorageClass : attributes.storage_class;
}

Result<EmbeddedStore::Freed> EmbeddedStore::CommitObject(
    const ObjectRef& object, meta::ObjectRecord* record,
    const std::vector<extent::ExtentLocation>& new_extents, const Preconditions& conditions) {
  Freed freed;
  RETURN_IF_ERROR(commits_->Run([&](meta::Txn& txn) -> Status {
    RETURN_IF_ERROR(GetBucket(txn, object.account, object.bucket).status());
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
    RETURN_IF_ERROR(EvaluatePreconditions(current ? &current->info : nullptr, conditions,
                                          ConditionMode::kWrite));
    record->info.last_modified = NowMicros();
    // Staged blocks go first, so that their bytes are credited before the version is charged.
    RETURN_IF_ERROR(DiscardStaged(txn, object, &freed).status());
    RETURN_IF_ERROR(InsertExtents(txn, new_extents));
    return InstallVersion(txn, object, record, current, &freed);
  }));
  return freed;
}

Status EmbeddedStore::PrecheckPut(const ObjectRef& object, std::optional<uint64_t> size) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  RETURN_IF_ERROR(GetBucket(txn, object.account, object.bucket).status());
  if (!size) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
  return CheckQuota(txn, object.account, object.bucket,
                    ObjectDelta(*size, current ? &*current : nullptr));
}

Result<ObjectInfo> EmbeddedStore::PutObject(const PutObjectRequest& request, BodySource& body) {
  RETURN_IF_ERROR(ValidateObjectKey(request.object));
  RETURN_IF_ERROR(PrecheckPut(request.object, body.Size()));
  const ChecksumAlgorithm algorithm = request.attributes.checksum_algorithm;
  ASSIGN_OR_RETURN(Ingested data, Ingest(*extents_, body, options_.inline_threshold, algorithm));
  Status verified = VerifyDigests(data, request.expected_md5, request.expected_checksum);
  if (!verified.ok()) {
    DeleteExtents(data.extents);
    return verified;
  }
  meta::ObjectRecord record;
  ObjectInfo& info = record.info;
  info.bucket = request.object.bucket;
  info.key = request.object.key;
  info.version_id = "null";
  info.size = data.size;
  info.content_md5 = data.md5;
  info.etag = HexEncode(data.md5);
  info.blob_etag = NewBlobEtag();
  ApplyAttributes(request.attributes, &info);
  if (algorithm != ChecksumAlgorithm::kNone) info.checksum = Checksum{algorithm, data.checksum, 0};
  record.manifest = std::move(data.manifest);

  Result<Freed> freed = CommitObject(request.object, &record, data.extents, request.preconditions);
  if (!freed.ok()) {
    DeleteExtents(data.extents);
    return freed.status();
  }
  DeleteExtents(*freed);
  return std::move(record.info);
}

Result<ObjectReader> EmbeddedStore::GetObject(const GetObjectRequest& request) {
  for (int attempt = 0; attempt < kMaxOpenAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<ObjectReader> reader, TryOpenReader(request));
    if (reader) return std::move(*reader);
  }
  return Status(ErrorCode::kSlowDown, "the object kept changing while it was being opened");
}

Result<bool> EmbeddedStore::ExtentsExist(const std::vector<uint64_t>& ids) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  for (uint64_t id : ids) {
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.Get(meta::Table::kExtents, meta::ExtentKey(id)));
    if (!value) return false;
  }
  return true;
}

Result<std::optional<ObjectReader>> EmbeddedStore::TryOpenReader(const GetObjectRequest& request) {
  // Both before the snapshot begins: see ExtentPins for why this makes pinning safe, and
  // extent::ReadGuard for why the locations found stay readable.
  std::unique_ptr<extent::ReadGuard> guard = extents_->GuardReads();
  const uint64_t generation = pins_->generation();
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const ObjectRef& ref = request.object;
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ASSIGN_OR_RETURN(meta::ObjectRecord record, GetObjectRecord(txn, ref));
  RETURN_IF_ERROR(EvaluatePreconditions(&record.info, request.preconditions, ConditionMode::kRead));
  if (ManifestSize(record.manifest) != record.info.size) {
    return Status(ErrorCode::kInternal, "corrupt metadata: manifest size differs from object");
  }
  ObjectReader reader;
  meta::Manifest manifest;
  if (request.range) {
    ASSIGN_OR_RETURN(ResolvedRange range, ResolveRange(*request.range, record.info.size));
    manifest = SliceManifest(record.manifest, range.offset, range.length);
    reader.range = range;
  } else {
    manifest = std::move(record.manifest);
  }
  ASSIGN_OR_RETURN(auto locations, Locate(txn, manifest));
  std::unique_ptr<ExtentPins::Lease> lease;
  if (!locations.empty()) {
    std::vector<uint64_t> ids;
    for (const auto& [id, loc] : locations) ids.push_back(id);
    bool unchanged = false;
    lease = pins_->Pin(ids, generation, &unchanged);
    txn.Abort();
    if (!unchanged) {
      // Something was freed since the snapshot began; it may have been one of ours.
      ASSIGN_OR_RETURN(bool exist, ExtentsExist(ids));
      if (!exist) return std::optional<ObjectReader>();
    }
  }
  txn.Abort();
  reader.info = std::move(record.info);
  ASSIGN_OR_RETURN(
      reader.body,
      NewManifestSource(extents_, std::move(manifest), std::move(locations), std::move(lease),
                        std::move(guard), request.object.bucket + "/" + request.object.key));
  return std::optional<ObjectReader>(std::move(reader));
}

Result<ObjectInfo> EmbeddedStore::HeadObject(const GetObjectRequest& request) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const ObjectRef& ref = request.object;
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ASSIGN_OR_RETURN(meta::ObjectRecord record, GetObjectRecord(txn, ref));
  RETURN_IF_ERROR(EvaluatePreconditions(&record.info, request.preconditions, ConditionMode::kRead));
  return std::move(record.info);
}

Result<ObjectInfo> EmbeddedStore::UpdateObject(const UpdateObjectRequest& request) {
  const ObjectRef& ref = request.object;
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ASSIGN_OR_RETURN(meta::ObjectRecord record, GetObjectRecord(txn, ref));
  bool is_current = true;
  if (!ref.version_id.empty()) RETURN_IF_ERROR(FindVersion(txn, ref, &is_current).status());
  RETURN_IF_ERROR(
      EvaluatePreconditions(&record.info, request.preconditions, ConditionMode::kWrite));
  // Only the description changes: the manifest, and so every extent reference, stays.
  if (request.content) record.info.content = *request.content;
  if (request.content_md5) record.info.content_md5 = *request.content_md5;
  if (request.metadata) record.info.metadata = *request.metadata;
  if (request.tags) record.info.tags = *request.tags;
  if (request.content || request.content_md5 || request.metadata) {
    record.info.blob_etag = NewBlobEtag();
    record.info.last_modified = NowMicros();
  }
  // The same bytes replace themselves, where they are: usage does not change.
  if (is_current) {
    RETURN_IF_ERROR(InstallObject(txn, ref, record, &record));
  } else {
    RETURN_IF_ERROR(PutHistory(txn, ref, record));
  }
  RETURN_IF_ERROR(txn.Commit());
  return std::move(record.info);
}

Result<ObjectInfo> EmbeddedStore::CopyObject(const CopyObjectRequest& request) {
  const ObjectRef& dst = request.destination;
  const ObjectRef& src = request.source;
  RETURN_IF_ERROR(ValidateObjectKey(dst));
  meta::ObjectRecord record;
  Freed freed;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    RETURN_IF_ERROR(GetBucket(txn, src.account, src.bucket).status());
    ASSIGN_OR_RETURN(meta::ObjectRecord source, GetObjectRecord(txn, src));
    // Copy-source conditions fail as 412 whichever condition failed.
    Status condition =
        EvaluatePreconditions(&source.info, request.source_preconditions, ConditionMode::kRead);
    if (condition.code() == ErrorCode::kNotModified) {
      return Status(ErrorCode::kPreconditionFailed, condition.message());
    }
    RETURN_IF_ERROR(condition);
    RETURN_IF_ERROR(GetBucket(txn, dst.account, dst.bucket).status());
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, dst));
    RETURN_IF_ERROR(EvaluatePreconditions(current ? &current->info : nullptr,
                                          request.destination_preconditions,
                                          ConditionMode::kWrite));

    record.info = source.info;
    record.info.bucket = dst.bucket;
    record.info.key = dst.key;
    record.info.blob_etag = NewBlobEtag();
    record.info.last_modified = NowMicros();
    record.info.copy = request.copy_record;
    if (record.info.copy) {
      record.info.copy->completed = record.info.last_modified;
      record.info.copy->bytes = record.info.size;
    }
    if (request.directive == MetadataDirective::kReplace) {
      ApplyAttributes(request.attributes, &record.info);
    }
    record.info.tags = request.tags ? *request.tags : source.info.tags;
    record.manifest = std::move(source.manifest);
    record.block_md5s = std::move(source.block_md5s);  // the copy keeps the block list
    // Add before dropping, so that copying an object onto itself never frees its extents.
    RETURN_IF_ERROR(AddRefs(txn, record.manifest));
    RETURN_IF_ERROR(InstallVersion(txn, dst, &record, current, &freed));
    RETURN_IF_ERROR(txn.Commit());
  }
  DeleteExtents(freed);
  return std::move(record.info);
}

}  // namespace tessera::store
