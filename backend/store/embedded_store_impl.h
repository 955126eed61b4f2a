#pragma once

// The embedded ObjectStore, shared by embedded_store.cc (buckets, objects), listing.cc and
// multipart.cc. Internal to backend/store; use OpenEmbeddedStore().

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/api/object_store.h"
#include "backend/extent/extent_store.h"
#include "backend/meta/commit_queue.h"
#include "backend/meta/env.h"
#include "backend/meta/records.h"
#include "backend/store/embedded_store.h"
#include "backend/store/extent_pins.h"

namespace tessera::store {

class EmbeddedStore final : public ObjectStore {
 public:
  EmbeddedStore(const EmbeddedStoreOptions& options, std::shared_ptr<meta::Env> env,
                std::shared_ptr<extent::ExtentStore> extents)
      : options_(options),
        env_(std::move(env)),
        extents_(std::move(extents)),
        pins_(ExtentPins::Create(extents_)),
        commits_(std::make_unique<meta::CommitQueue>(env_.get())) {}

  Result<std::vector<BucketInfo>> ListBuckets(const std::string& account) override;
  Result<std::vector<AccountInfo>> ListAccounts() override;
  Status PutAccount(const AccountInfo& account) override;
  Status DeleteAccount(const std::string& name) override;
  Result<Usage> GetBucketUsage(const BucketRef& bucket) override;
  Result<std::map<std::string, Usage>> GetAccountUsage(const std::string& account) override;
  Result<Quota> GetQuota(const std::string& account, const std::string& bucket) override;
  Status SetQuota(const std::string& account, const std::string& bucket,
                  const Quota& quota) override;
  Status CreateBucket(const CreateBucketRequest& request) override;
  Result<BucketInfo> HeadBucket(const BucketRef& bucket) override;
  Status DeleteBucket(const BucketRef& bucket) override;
  Result<BucketInfo> UpdateBucket(const UpdateBucketRequest& request) override;
  Result<ServiceSettings> GetServiceSettings(const std::string& account) override;
  Status SetServiceSettings(const std::string& account, const ServiceSettings& settings) override;

  Result<ObjectInfo> PutObject(const PutObjectRequest& request, BodySource& body) override;
  Result<ObjectReader> GetObject(const GetObjectRequest& request) override;
  Result<ObjectInfo> HeadObject(const GetObjectRequest& request) override;
  Result<DeleteObjectResult> DeleteObject(const ObjectRef& object,
                                          const Preconditions& conditions) override;
  Result<ListVersionsResult> ListObjectVersions(const ListVersionsRequest& request) override;
  Result<ObjectInfo> CopyObject(const CopyObjectRequest& request) override;
  Result<ListObjectsResult> ListObjects(const ListObjectsRequest& request) override;

  Result<MultipartUpload> CreateMultipartUpload(const ObjectRef& object,
                                                const ObjectAttributes& attributes) override;
  Result<PartInfo> UploadPart(const UploadPartRequest& request, BodySource& body) override;
  Result<PartInfo> UploadPartCopy(const UploadPartCopyRequest& request) override;
  Result<ObjectInfo> CompleteMultipartUpload(const CompleteMultipartRequest& request) override;
  Status AbortMultipartUpload(const ObjectRef& object, const std::string& upload_id) override;
  Result<ListPartsResult> ListParts(const ListPartsRequest& request) override;
  Result<ListUploadsResult> ListMultipartUploads(const ListUploadsRequest& request) override;

  Result<ObjectInfo> UpdateObject(const UpdateObjectRequest& request) override;

  Result<StagedBlock> StageBlock(const StageBlockRequest& request, BodySource& body) override;
  Result<ObjectInfo> CommitBlockList(const CommitBlockListRequest& request) override;
  Result<BlockList> GetBlockList(const ObjectRef& object) override;

 private:
  using Freed = std::vector<extent::ExtentLocation>;

  // Lookups inside a transaction.
  Result<meta::BucketRecord> GetBucket(meta::Txn& txn, std::string_view account,
                                       std::string_view bucket);
  // The current version, or nullopt. kInternal when the key's stored name holds another key
  // (a hash collision of two long keys, keys.h), so that no write replaces the other object.
  Result<std::optional<meta::ObjectRecord>> FindObject(meta::Txn& txn, const ObjectRef& object);
  Result<meta::ObjectRecord> GetObjectRecord(meta::Txn& txn, const ObjectRef& object);
  Result<meta::UploadRecord> GetUpload(meta::Txn& txn, const ObjectRef& object,
                                       std::string_view upload_id);
  // Every part of an upload, by ascending part number, with its key.
  Result<std::vector<std::pair<uint32_t, meta::PartRecord>>> LoadParts(meta::Txn& txn,
                                                                       std::string_view upload_id);
  // The part `part_number` of an upload, or nullopt.
  Result<std::optional<meta::PartRecord>> FindPart(meta::Txn& txn, std::string_view upload_id,
                                                   uint32_t part_number);
  // Stores `part` as part `part_number` of an upload of `object`, dropping the references of
  // the part it replaces into `freed` and charging the bucket the difference (kQuotaExceeded).
  Status StorePart(meta::Txn& txn, const ObjectRef& object, std::string_view upload_id,
                   uint32_t part_number, const meta::PartRecord& part, Freed* freed);
  // The staged-blocks entry of `object`, or nullopt; kInternal on a long-key collision, as
  // FindObject.
  Result<std::optional<meta::StagedRecord>> FindStaged(meta::Txn& txn, const ObjectRef& object);
  // Every staged block of `stage_id`, by ascending block id.
  Result<std::vector<std::pair<std::string, meta::BlockRecord>>> LoadBlocks(meta::Txn& txn,
                                                                            uint64_t stage_id);
  // One staged block of `stage_id`, or nullopt.
  Result<std::optional<meta::BlockRecord>> FindBlock(meta::Txn& txn, uint64_t stage_id,
                                                     std::string_view block_id);
  // Removes every staged block of `object` and its staged entry, dropping their references
  // into `freed` and crediting their bytes to the bucket. Returns whether there was anything
  // staged.
  Result<bool> DiscardStaged(meta::Txn& txn, const ObjectRef& object, Freed* freed);
  // Removes the blocks of `stage_id` (not the staged entry) and returns their bytes; the
  // caller credits them to the bucket.
  Result<uint64_t> DiscardBlocks(meta::Txn& txn, uint64_t stage_id, Freed* freed);
  // Before a block is streamed (own read transaction): kNoSuchBucket, a block id of another
  // length than the staged ones, or kQuotaExceeded for `size` bytes (when known).
  Status PrecheckBlock(const StageBlockRequest& request, std::optional<uint64_t> size);
  // DeleteBucket's transaction; freed extents go to `freed`.
  Status DeleteBucketIn(const BucketRef& bucket, Freed* freed);
  // Before a Put streams its body (own read transaction): kNoSuchBucket unless the bucket
  // exists; kQuotaExceeded when `size` bytes (when known) over the current version would
  // exceed a quota. Staged blocks the Put would discard are not credited here.
  Status PrecheckPut(const ObjectRef& object, std::optional<uint64_t> size);

  // Reference counting. New extents enter with one reference each.
  Status InsertExtents(meta::Txn& txn, const std::vector<extent::ExtentLocation>& extents);
  Status AddRefs(meta::Txn& txn, const meta::Manifest& manifest);
  // Drops one reference per extent segment; extents left unreferenced are removed from the
  // table and appended to `freed` for deletion after commit.
  Status DropRefs(meta::Txn& txn, const meta::Manifest& manifest, Freed* freed);
  // Deletes extents after the commit that unreferenced them, or later while an open reader
  // still pins them (ExtentPins). Best effort: a failed delete is only wasted space.
  void DeleteExtents(const Freed& extents);

  // One attempt at opening a reader: nullopt when the version it found lost an extent before
  // the reader could pin it (a concurrent delete or overwrite), so the caller starts over.
  Result<std::optional<ObjectReader>> TryOpenReader(const GetObjectRequest& request);
  // Whether every extent in `ids` is still referenced, seen by a new read transaction.
  Result<bool> ExtentsExist(const std::vector<uint64_t>& ids);

  // The common write of a new object version: checks the bucket, evaluates `conditions`
  // against the current version, stamps last_modified, stores `record`, registers
  // `new_extents`, drops the replaced version's references and discards the key's staged
  // blocks (Put Blob does). Commits.
  Result<Freed> CommitObject(const ObjectRef& object, meta::ObjectRecord* record,
                             const std::vector<extent::ExtentLocation>& new_extents,
                             const Preconditions& conditions);

  // Version history (versions.cc). InstallVersion is the one way a write makes a new current
  // version: given `current` (the key's current version, as FindObject found it), it sets
  // record->version_id and version_seq, keeps `current` as noncurrent when the bucket keeps
  // versions (else drops its references into `freed`), charges usage and stores `record`.
  Status InstallVersion(meta::Txn& txn, const ObjectRef& object, meta::ObjectRecord* record,
                        const std::optional<meta::ObjectRecord>& current, Freed* freed);
  // The version object.version_id names (empty: the current one), or nullopt; sets
  // *is_current. kInvalidArgument for a malformed version id.
  Result<std::optional<meta::ObjectRecord>> FindVersion(meta::Txn& txn, const ObjectRef& object,
                                                        bool* is_current);
  // The key's noncurrent versions and delete markers, newest first, at most `limit`.
  Result<std::vector<meta::ObjectRecord>> History(meta::Txn& txn, const ObjectRef& object,
                                                  size_t limit);
  Status PutHistory(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& version);
  Status EraseHistory(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& version);
  // A version_seq above every version the key has (and at least the current time).
  Result<uint64_t> NextVersionSeq(meta::Txn& txn, const ObjectRef& object,
                                  const meta::ObjectRecord* current, bool versioned);
  // Removes the key's noncurrent null version, if any (versioning suspended).
  Status DropNullFromHistory(meta::Txn& txn, const ObjectRef& object, Freed* freed);
  // Makes the newest noncurrent version current unless it is a delete marker.
  Status PromoteNewest(meta::Txn& txn, const ObjectRef& object);
  // DeleteObject of one version (object.version_id set).
  Status RemoveVersion(meta::Txn& txn, const ObjectRef& object, const Preconditions& conditions,
                       DeleteObjectResult* result, Freed* freed);

  // The extent locations a manifest needs for reading.
  Result<std::map<uint64_t, extent::ExtentLocation>> Locate(meta::Txn& txn,
                                                            const meta::Manifest& manifest);

  std::string NewBlobEtag();
  // A fresh stage id from the "stage-seq" counter (keys.h), inside a write transaction.
  Result<uint64_t> NextStageId(meta::Txn& txn);
  std::string NewUploadId();

  const EmbeddedStoreOptions options_;
  std::shared_ptr<meta::Env> env_;
  std::shared_ptr<extent::ExtentStore> extents_;
  std::shared_ptr<ExtentPins> pins_;
  // Group commit of the frequent writes (objects, parts, blocks, deletes); others begin
  // their own write transactions.
  std::unique_ptr<meta::CommitQueue> commits_;
  std::atomic<uint64_t> last_blob_stamp_{0};
};

// Listing helpers (listing.cc): whether `s` starts with `prefix`, and the common prefix
// `name` rolls up into under `delimiter` after `prefix` (empty when it does not roll up).
bool StartsWith(std::string_view s, std::string_view prefix);
std::string_view RollUp(std::string_view name, std::string_view prefix, std::string_view delimiter);

// kInvalidObjectName when a key is empty or longer than meta::kMaxObjectKeyBytes.
Status ValidateObjectKey(const ObjectRef& object);

// Content headers, metadata and storage class ("STANDARD" when unset) of a new version.
void ApplyAttributes(const ObjectAttributes& attributes, ObjectInfo* info);

// A Blob-style opaque ETag ("0x8DC" + 13 hex digits) for a stamp.
std::string FormatBlobEtag(uint64_t stamp);

}  // namespace tessera::store
