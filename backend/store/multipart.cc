// Multipart uploads of the embedded store. Parts hold references to their extents like
// objects do; completing an upload moves the listed parts' segments, in order, into the
// object's manifest without touching any data.

#include <map>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/store/conditions.h"
#include "backend/store/embedded_store_impl.h"
#include "backend/store/ingest.h"
#include "backend/store/manifest.h"
#include "backend/store/usage.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"

namespace tessera::store {
namespace {

constexpr uint32_t kMaxPartNumber = 10000;

Status CheckPartNumber(uint32_t part_number) {
  if (part_number < 1 || part_number > kMaxPartNumber) {
    return Status(ErrorCode::kInvalidArgument, "part number must be between 1 and 10000");
  }
  return Status::Ok();
}

PartInfo ToPartInfo(uint32_t number, const meta::PartRecord& part) {
  return PartInfo{number, part.size, HexEncode(part.md5), part.last_modified, part.checksum};
}

std::string NormalizeEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return ToLower(etag);
}

// Validates the listed parts against the stored ones and builds the completed object: the
// listed parts' segments in order, the multipart ETag and, when every part carries the
// upload's algorithm, the composite checksum. Listed parts are removed from `parts`, which
// is left holding the unlisted ones. last_modified and blob_etag are left to the caller.
Result<meta::ObjectRecord> AssembleObject(const CompleteMultipartRequest& request,
                                          const meta::UploadRecord& upload, uint64_t min_part_size,
                                          std::map<uint32_t, meta::PartRecord>* parts) {
  // Every listed part must exist before sizes matter (InvalidPart before EntityTooSmall).
  for (const CompletedPart& listed : request.parts) {
    auto it = parts->find(listed.part_number);
    if (it == parts->end() || NormalizeEtag(listed.etag) != HexEncode(it->second.md5)) {
      return Status(ErrorCode::kInvalidPart,
                    "part " + std::to_string(listed.part_number) + " not found or ETag differs");
    }
  }
  meta::ObjectRecord record;
  const ChecksumAlgorithm algorithm = upload.attributes.checksum_algorithm;
  std::string md5s, checksums;
  bool all_checksummed = algorithm != ChecksumAlgorithm::kNone;
  for (size_t i = 0; i < request.parts.size(); ++i) {
    auto it = parts->find(request.parts[i].part_number);
    meta::PartRecord& part = it->second;
    if (i + 1 < request.parts.size() && part.size < min_part_size) {
      return Status(ErrorCode::kEntityTooSmall,
                    "part " + std::to_string(it->first) + " is smaller than the minimum part size");
    }
    md5s += part.md5;
    if (part.checksum.algorithm == algorithm && part.checksum.parts == 0) {
      checksums += part.checksum.value;
    } else {
      all_checksummed = false;
    }
    record.info.size += part.size;
    record.info.part_sizes.push_back(part.size);
    for (meta::Segment& s : part.manifest) record.manifest.push_back(std::move(s));
    parts->erase(it);
  }
  const uint32_t n = static_cast<uint32_t>(request.parts.size());
  ObjectInfo& info = record.info;
  info.bucket = request.object.bucket;
  info.key = request.object.key;
  info.version_id = "null";
  info.etag = HexEncode(Md5(md5s)) + "-" + std::to_string(n);
  info.content = upload.attributes.content;
  info.metadata = upload.attributes.metadata;
  info.tags = upload.attributes.tags;
  info.storage_class =
      upload.attributes.storage_class.empty() ? "STANDARD" : upload.attributes.storage_class;
  info.parts_count = n;
  if (all_checksummed) {
    std::unique_ptr<Hasher> hasher = NewChecksumHasher(algorithm);
    hasher->Update(checksums.data(), checksums.size());
    info.checksum = Checksum{algorithm, hasher->Finish(), n};
  }
  return record;
}

// The bytes of the parts of one upload.
uint64_t PartBytes(const std::vector<std::pair<uint32_t, meta::PartRecord>>& parts) {
  uint64_t bytes = 0;
  for (const auto& [number, part] : parts) bytes += part.size;
  return bytes;
}

}  // namespace

Result<std::optional<meta::PartRecord>> EmbeddedStore::FindPart(meta::Txn& txn,
                                                                std::string_view upload_id,
                                                                uint32_t part_number) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   txn.Get(meta::Table::kParts, meta::PartKey(upload_id, part_number)));
  if (!value) return std::optional<meta::PartRecord>();
  ASSIGN_OR_RETURN(meta::PartRecord part, meta::DecodePart(*value));
  return std::optional<meta::PartRecord>(std::move(part));
}

Status EmbeddedStore::StorePart(meta::Txn& txn, const ObjectRef& object, std::string_view upload_id,
                                uint32_t part_number, const meta::PartRecord& part, Freed* freed) {
  ASSIGN_OR_RETURN(std::optional<meta::PartRecord> old, FindPart(txn, upload_id, part_number));
  if (old) RETURN_IF_ERROR(DropRefs(txn, old->manifest, freed));
  RETURN_IF_ERROR(ChargeStaged(txn, object.account, object.bucket, part.size, old ? old->size : 0));
  return txn.Put(meta::Table::kParts, meta::PartKey(upload_id, part_number),
                 meta::EncodePart(part));
}

Result<MultipartUpload> EmbeddedStore::CreateMultipartUpload(const ObjectRef& object,
                                                             const ObjectAttributes& attributes) {
  RETURN_IF_ERROR(ValidateObjectKey(object));
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  RETURN_IF_ERROR(GetBucket(txn, object.account, object.bucket).status());
  MultipartUpload upload{object.key, NewUploadId(), NowMicros(), attributes};
  meta::UploadRecord record{object.key, upload.initiated, attributes};
  RETURN_IF_ERROR(
      txn.Put(meta::Table::kUploads,
              meta::UploadKey(object.account, object.bucket, object.key, upload.upload_id),
              meta::EncodeUpload(record)));
  RETURN_IF_ERROR(txn.Commit());
  return upload;
}

Result<PartInfo> EmbeddedStore::UploadPart(const UploadPartRequest& request, BodySource& body) {
  RETURN_IF_ERROR(CheckPartNumber(request.part_number));
  const ObjectRef& ref = request.object;
  ChecksumAlgorithm algorithm = request.checksum_algorithm;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
    RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
    ASSIGN_OR_RETURN(meta::UploadRecord upload, GetUpload(txn, ref, request.upload_id));
    if (algorithm == ChecksumAlgorithm::kNone) {
      algorithm = upload.attributes.checksum_algorithm;
    }
    // Refuse before streaming what the commit would refuse for the quota.
    if (std::optional<uint64_t> size = body.Size()) {
      ASSIGN_OR_RETURN(std::optional<meta::PartRecord> old,
                       FindPart(txn, request.upload_id, request.part_number));
      RETURN_IF_ERROR(
          CheckQuota(txn, ref.account, ref.bucket, BytesDelta(*size, old ? old->size : 0)));
    }
  }
  ASSIGN_OR_RETURN(Ingested data, Ingest(*extents_, body, options_.inline_threshold, algorithm));
  Status verified = VerifyDigests(data, request.expected_md5, request.expected_checksum);
  if (!verified.ok()) {
    DeleteExtents(data.extents);
    return verified;
  }
  meta::PartRecord part;
  part.size = data.size;
  part.md5 = data.md5;
  if (algorithm != ChecksumAlgorithm::kNone) part.checksum = Checksum{algorithm, data.checksum, 0};
  part.manifest = std::move(data.manifest);

  Freed freed;
  Status committed = commits_->Run([&](meta::Txn& txn) -> Status {
    RETURN_IF_ERROR(GetUpload(txn, ref, request.upload_id).status());
    RETURN_IF_ERROR(InsertExtents(txn, data.extents));
    part.last_modified = NowMicros();
    return StorePart(txn, ref, request.upload_id, request.part_number, part, &freed);
  });
  if (!committed.ok()) {
    DeleteExtents(data.extents);
    return committed;
  }
  DeleteExtents(freed);
  return ToPartInfo(request.part_number, part);
}

Result<PartInfo> EmbeddedStore::UploadPartCopy(const UploadPartCopyRequest& request) {
  RETURN_IF_ERROR(CheckPartNumber(request.part_number));
  const ObjectRef& ref = request.object;
  meta::PartRecord part;
  Freed freed;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
    ASSIGN_OR_RETURN(meta::UploadRecord upload, GetUpload(txn, ref, request.upload_id));
    RETURN_IF_ERROR(GetBucket(txn, request.source.account, request.source.bucket).status());
    ASSIGN_OR_RETURN(meta::ObjectRecord source, GetObjectRecord(txn, request.source));
    Status condition =
        EvaluatePreconditions(&source.info, request.source_preconditions, ConditionMode::kRead);
    if (condition.code() == ErrorCode::kNotModified) {
      return Status(ErrorCode::kPreconditionFailed, condition.message());
    }
    RETURN_IF_ERROR(condition);

    ResolvedRange range{0, source.info.size};
    if (request.source_range) {
      ASSIGN_OR_RETURN(range, ResolveRange(*request.source_range, source.info.size));
    }
    const bool whole = range.offset == 0 && range.length == source.info.size;
    part.size = range.length;
    part.manifest = SliceManifest(source.manifest, range.offset, range.length);
    // The part is not read back, so its digest is the source's MD5 when that covers exactly
    // these bytes, and otherwise an MD5 naming the source version and range.
    part.md5 = whole && !source.info.content_md5.empty()
                   ? source.info.content_md5
                   : Md5(source.info.etag + "/" + source.info.blob_etag + "/" +
                         std::to_string(range.offset) + "/" + std::to_string(range.length));
    if (whole && source.info.checksum.parts == 0 &&
        source.info.checksum.algorithm == upload.attributes.checksum_algorithm) {
      part.checksum = source.info.checksum;
    }
    part.last_modified = NowMicros();

    RETURN_IF_ERROR(AddRefs(txn, part.manifest));
    RETURN_IF_ERROR(StorePart(txn, ref, request.upload_id, request.part_number, part, &freed));
    RETURN_IF_ERROR(txn.Commit());
  }
  DeleteExtents(freed);
  return ToPartInfo(request.part_number, part);
}

Result<ObjectInfo> EmbeddedStore::CompleteMultipartUpload(const CompleteMultipartRequest& request) {
  const ObjectRef& ref = request.object;
  if (request.parts.empty()) {
    return Status(ErrorCode::kInvalidRequest, "a multipart upload needs at least one part");
  }
  for (size_t i = 1; i < request.parts.size(); ++i) {
    if (request.parts[i].part_number <= request.parts[i - 1].part_number) {
      return Status(ErrorCode::kInvalidPartOrder, "parts must be listed in ascending order");
    }
  }
  meta::ObjectRecord record;
  Freed freed;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
    ASSIGN_OR_RETURN(meta::UploadRecord upload, GetUpload(txn, ref, request.upload_id));
    ASSIGN_OR_RETURN(auto loaded, LoadParts(txn, request.upload_id));
    const uint64_t staged = PartBytes(loaded);
    std::map<uint32_t, meta::PartRecord> parts;
    for (auto& [number, part] : loaded) parts.emplace(number, std::move(part));

    ASSIGN_OR_RETURN(record, AssembleObject(request, upload, options_.min_part_size, &parts));
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, ref));
    RETURN_IF_ERROR(EvaluatePreconditions(current ? &current->info : nullptr, request.preconditions,
                                          ConditionMode::kWrite));
    record.info.last_modified = NowMicros();
    record.info.blob_etag = NewBlobEtag();

    // Unlisted parts are dropped; the listed ones hand their references to the object.
    for (auto& [number, part] : parts) RETURN_IF_ERROR(DropRefs(txn, part.manifest, &freed));
    for (const auto& [number, part] : loaded) {
      RETURN_IF_ERROR(txn.Delete(meta::Table::kParts, meta::PartKey(request.upload_id, number)));
    }
    RETURN_IF_ERROR(txn.Delete(meta::Table::kUploads, meta::UploadKey(ref.account, ref.bucket,
                                                                      ref.key, request.upload_id)));
    // Every part leaves the staged bytes; the object is charged as any version.
    RETURN_IF_ERROR(ChargeStaged(txn, ref.account, ref.bucket, 0, staged));
    RETURN_IF_ERROR(InstallVersion(txn, ref, &record, current, &freed));
    RETURN_IF_ERROR(txn.Commit());
  }
  DeleteExtents(freed);
  return std::move(record.info);
}

Status EmbeddedStore::AbortMultipartUpload(const ObjectRef& object, const std::string& upload_id) {
  Freed freed;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    RETURN_IF_ERROR(GetBucket(txn, object.account, object.bucket).status());
    RETURN_IF_ERROR(GetUpload(txn, object, upload_id).status());
    ASSIGN_OR_RETURN(auto parts, LoadParts(txn, upload_id));
    for (const auto& [number, part] : parts) {
      RETURN_IF_ERROR(DropRefs(txn, part.manifest, &freed));
      RETURN_IF_ERROR(txn.Delete(meta::Table::kParts, meta::PartKey(upload_id, number)));
    }
    RETURN_IF_ERROR(ChargeStaged(txn, object.account, object.bucket, 0, PartBytes(parts)));
    RETURN_IF_ERROR(txn.Delete(meta::Table::kUploads, meta::UploadKey(object.account, object.bucket,
                                                                      object.key, upload_id)));
    RETURN_IF_ERROR(txn.Commit());
  }
  DeleteExtents(freed);
  return Status::Ok();
}

Result<ListPartsResult> EmbeddedStore::ListParts(const ListPartsRequest& request) {
  const ObjectRef& ref = request.object;
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ASSIGN_OR_RETURN(meta::UploadRecord upload, GetUpload(txn, ref, request.upload_id));
  ListPartsResult result;
  result.upload =
      MultipartUpload{ref.key, request.upload_id, upload.initiated, std::move(upload.attributes)};
  if (request.max_parts == 0 || request.part_number_marker >= kMaxPartNumber) return result;

  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kParts));
  RETURN_IF_ERROR(cursor.Seek(meta::PartKey(request.upload_id, request.part_number_marker + 1)));
  while (cursor.valid()) {
    uint32_t number = 0;
    if (!meta::ParsePartKey(cursor.key(), request.upload_id, &number)) break;
    if (result.parts.size() == request.max_parts) {
      result.truncated = true;
      break;
    }
    ASSIGN_OR_RETURN(meta::PartRecord part, meta::DecodePart(cursor.value()));
    result.parts.push_back(ToPartInfo(number, part));
    result.next_part_number_marker = number;
    RETURN_IF_ERROR(cursor.Next());
  }
  return result;
}

}  // namespace tessera::store
