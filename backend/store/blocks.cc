// Blob blocks of the embedded store: Put Block, Put Block List and Get Block List.
//
// Staged blocks live outside any upload, per object key (keys.h: one staged entry per key,
// its blocks keyed by stage id and block id). A staged block holds references to its
// extents like a multipart part does. Committing a block list builds the object's manifest
// from the listed blocks' segments, adding one reference per listed segment before the
// previous version and every staged block drop theirs, so a block listed twice, or a
// committed block reused by the next list, is never copied and never freed while in use.
//
// Choices where Blob says nothing the store can follow:
// - The S3 ETag of a committed block list is hex(MD5 of the blocks' MD5s)-N, as for an S3
//   multipart upload of the same pieces (an empty list gives the MD5 of no bytes); the
//   object has no content MD5 and no whole-object checksum.
// - Get Block List reports the staged blocks by ascending block id (byte order).
// - An S3 multipart object reports one committed block per part, whose id is the part
//   number as 4 big-endian bytes; those blocks may be reused by kCommitted/kLatest. Their
//   MD5s are not kept, so a reuse contributes MD5(S3 ETag "/" part number) to the new ETag.
//   An object written in one piece has no committed blocks.
// - Azure's CRC-64 is CRC-64/NVME; Azure sends its 8 bytes little-endian, while Hasher
//   returns them big-endian, so expected_crc64 is compared with the reversed digest.

#include <algorithm>
#include <map>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/store/conditions.h"
#include "backend/store/embedded_store_impl.h"
#include "backend/store/ingest.h"
#include "backend/store/manifest.h"
#include "backend/store/usage.h"
#include "common/bytes.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"

namespace tessera::store {
namespace {

constexpr size_t kCrc64Bytes = 8;

// A block that a block list may name: its size, MD5 and segments.
struct BlockData {
  uint64_t size = 0;
  std::string md5;
  meta::Manifest manifest;
};

Status CheckBlockId(std::string_view id) {
  if (id.empty() || id.size() > meta::kMaxBlockIdBytes) {
    return Status(ErrorCode::kInvalidArgument, "a block id must be 1 to 64 bytes long");
  }
  return Status::Ok();
}

// Passes a body through and fails with kEntityTooLarge once it exceeds `limit` bytes.
class LimitedSource : public BodySource {
 public:
  LimitedSource(BodySource& inner, uint64_t limit) : inner_(inner), limit_(limit) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    ASSIGN_OR_RETURN(size_t n, inner_.Read(buf, capacity));
    total_ += n;
    if (total_ > limit_) {
      return Status(ErrorCode::kEntityTooLarge, "the block is larger than the maximum block size");
    }
    return n;
  }
  std::optional<uint64_t> Size() const override { return inner_.Size(); }

 private:
  BodySource& inner_;
  const uint64_t limit_;
  uint64_t total_ = 0;
};

// The committed blocks of an object version, in order, with the segments that form each.
Result<std::vector<std::pair<std::string, BlockData>>> CommittedBlocks(
    const meta::ObjectRecord& record) {
  std::vector<std::pair<std::string, BlockData>> blocks;
  const ObjectInfo& info = record.info;
  std::vector<uint64_t> sizes;
  if (!info.blocks.empty()) {
    for (size_t i = 0; i < info.blocks.size(); ++i) {
      BlockData data;
      data.size = info.blocks[i].size;
      if (i < record.block_md5s.size()) data.md5 = record.block_md5s[i];
      blocks.emplace_back(info.blocks[i].id, std::move(data));
      sizes.push_back(info.blocks[i].size);
    }
  } else {
    for (size_t i = 0; i < info.part_sizes.size(); ++i) {
      const uint32_t number = static_cast<uint32_t>(i + 1);
      BlockData data;
      data.size = info.part_sizes[i];
      data.md5 = Md5(info.etag + "/" + std::to_string(number));
      blocks.emplace_back(BigEndian32(number), std::move(data));
      sizes.push_back(info.part_sizes[i]);
    }
  }
  if (blocks.empty()) return blocks;
  std::optional<std::vector<meta::Manifest>> pieces = SplitManifest(record.manifest, sizes);
  if (!pieces)
    return Status(ErrorCode::kInternal, "corrupt metadata: block sizes differ from object");
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i].second.manifest = std::move((*pieces)[i]);
  return blocks;
}

std::string ReversedBytes(std::string s) {
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace

// ---- Staged entries ----------------------------------------------------------------------

Result<std::optional<meta::StagedRecord>> EmbeddedStore::FindStaged(meta::Txn& txn,
                                                                    const ObjectRef& object) {
  if (object.key.empty() || object.key.size() > meta::kMaxObjectKeyBytes) {
    return std::optional<meta::StagedRecord>();
  }
  std::string key = meta::StagedKey(object.account, object.bucket, object.key);
  if (key.size() > meta::kMaxKeyBytes) return std::optional<meta::StagedRecord>();
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kStaged, key));
  if (!value) return std::optional<meta::StagedRecord>();
  ASSIGN_OR_RETURN(meta::StagedRecord record, meta::DecodeStaged(*value));
  if (record.key != object.key) {
    return Status(ErrorCode::kInternal, "metadata: stored name of key collides with another key");
  }
  return std::optional<meta::StagedRecord>(std::move(record));
}

Result<std::vector<std::pair<std::string, meta::BlockRecord>>> EmbeddedStore::LoadBlocks(
    meta::Txn& txn, uint64_t stage_id) {
  std::vector<std::pair<std::string, meta::BlockRecord>> blocks;
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kBlocks));
  RETURN_IF_ERROR(cursor.Seek(meta::BlockKey(stage_id, "")));
  std::string_view id;
  while (cursor.valid() && meta::ParseBlockKey(cursor.key(), stage_id, &id)) {
    ASSIGN_OR_RETURN(meta::BlockRecord block, meta::DecodeBlock(cursor.value()));
    blocks.emplace_back(std::string(id), std::move(block));
    RETURN_IF_ERROR(cursor.Next());
  }
  return blocks;
}

Result<std::optional<meta::BlockRecord>> EmbeddedStore::FindBlock(meta::Txn& txn, uint64_t stage_id,
                                                                  std::string_view block_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   txn.Get(meta::Table::kBlocks, meta::BlockKey(stage_id, block_id)));
  if (!value) return std::optional<meta::BlockRecord>();
  ASSIGN_OR_RETURN(meta::BlockRecord block, meta::DecodeBlock(*value));
  return std::optional<meta::BlockRecord>(std::move(block));
}

Result<uint64_t> EmbeddedStore::DiscardBlocks(meta::Txn& txn, uint64_t stage_id, Freed* freed) {
  ASSIGN_OR_RETURN(auto blocks, LoadBlocks(txn, stage_id));
  uint64_t bytes = 0;
  for (const auto& [id, block] : blocks) {
    RETURN_IF_ERROR(DropRefs(txn, block.manifest, freed));
    RETURN_IF_ERROR(txn.Delete(meta::Table::kBlocks, meta::BlockKey(stage_id, id)));
    bytes += block.size;
  }
  return bytes;
}

Result<bool> EmbeddedStore::DiscardStaged(meta::Txn& txn, const ObjectRef& object, Freed* freed) {
  ASSIGN_OR_RETURN(std::optional<meta::StagedRecord> staged, FindStaged(txn, object));
  if (!staged) return false;
  ASSIGN_OR_RETURN(uint64_t bytes, DiscardBlocks(txn, staged->stage_id, freed));
  RETURN_IF_ERROR(ChargeStaged(txn, object.account, object.bucket, 0, bytes));
  RETURN_IF_ERROR(
      txn.Delete(meta::Table::kStaged, meta::StagedKey(object.account, object.bucket, object.key)));
  return true;
}

// ---- Put Block ---------------------------------------------------------------------------

Result<StagedBlock> EmbeddedStore::StageBlock(const StageBlockRequest& request, BodySource& body) {
  const ObjectRef& ref = request.object;
  RETURN_IF_ERROR(ValidateObjectKey(ref));
  RETURN_IF_ERROR(CheckBlockId(request.block_id));
  if (request.expected_crc64 && request.expected_crc64->size() != kCrc64Bytes) {
    return Status(ErrorCode::kInvalidDigest, "a CRC-64 is 8 bytes");
  }
  std::optional<uint64_t> declared = body.Size();
  if (declared && *declared > options_.max_block_size) {
    return Status(ErrorCode::kEntityTooLarge, "the block is larger than the maximum block size");
  }
  RETURN_IF_ERROR(PrecheckBlock(request, declared));
  const ChecksumAlgorithm algorithm =
      request.expected_crc64 ? ChecksumAlgorithm::kCrc64Nvme : ChecksumAlgorithm::kNone;
  LimitedSource limited(body, options_.max_block_size);
  ASSIGN_OR_RETURN(Ingested data, Ingest(*extents_, limited, options_.inline_threshold, algorithm));
  Status verified = VerifyDigests(data, request.expected_md5, std::nullopt);
  if (verified.ok() && request.expected_crc64 &&
      *request.expected_crc64 != ReversedBytes(data.checksum)) {
    verified = Status(ErrorCode::kChecksumMismatch, "the CRC-64 does not match the block");
  }
  if (!verified.ok()) {
    DeleteExtents(data.extents);
    return verified;
  }
  meta::BlockRecord block;
  block.size = data.size;
  block.md5 = data.md5;
  block.manifest = std::move(data.manifest);

  Freed freed;
  Status committed = commits_->Run([&](meta::Txn& txn) -> Status {
    RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
    ASSIGN_OR_RETURN(std::optional<meta::StagedRecord> staged, FindStaged(txn, ref));
    const TimeMicros now = NowMicros();
    if (!staged) {
      staged.emplace();
      staged->key = ref.key;
      ASSIGN_OR_RETURN(staged->stage_id, NextStageId(txn));
      staged->created = now;
    }
    if (staged->count > 0 && staged->id_length != request.block_id.size()) {
      return Status(ErrorCode::kInvalidArgument,
                    "every block id of a blob must have the same length");
    }
    staged->id_length = static_cast<uint8_t>(request.block_id.size());
    ASSIGN_OR_RETURN(std::optional<meta::BlockRecord> old,
                     FindBlock(txn, staged->stage_id, request.block_id));
    if (old) {
      RETURN_IF_ERROR(DropRefs(txn, old->manifest, &freed));
    } else {
      if (staged->count >= options_.max_staged_blocks) {
        return Status(ErrorCode::kInvalidRequest, "the blob has too many uncommitted blocks");
      }
      ++staged->count;
    }
    RETURN_IF_ERROR(ChargeStaged(txn, ref.account, ref.bucket, block.size, old ? old->size : 0));
    RETURN_IF_ERROR(InsertExtents(txn, data.extents));
    block.staged = now;
    RETURN_IF_ERROR(txn.Put(meta::Table::kBlocks,
                            meta::BlockKey(staged->stage_id, request.block_id),
                            meta::EncodeBlock(block)));
    RETURN_IF_ERROR(txn.Put(meta::Table::kStaged, meta::StagedKey(ref.account, ref.bucket, ref.key),
                            meta::EncodeStaged(*staged)));
    return Status::Ok();
  });
  if (!committed.ok()) {
    DeleteExtents(data.extents);
    return committed;
  }
  DeleteExtents(freed);
  return StagedBlock{request.block_id, block.size};
}

Status EmbeddedStore::PrecheckBlock(const StageBlockRequest& request,
                                    std::optional<uint64_t> size) {
  const ObjectRef& ref = request.object;
  // Refuse early what the commit would refuse, before any byte is stored.
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ASSIGN_OR_RETURN(std::optional<meta::StagedRecord> staged, FindStaged(txn, ref));
  if (staged && staged->count > 0 && staged->id_length != request.block_id.size()) {
    return Status(ErrorCode::kInvalidArgument,
                  "every block id of a blob must have the same length");
  }
  if (!size) return Status::Ok();
  std::optional<meta::BlockRecord> old;
  if (staged) {
    ASSIGN_OR_RETURN(old, FindBlock(txn, staged->stage_id, request.block_id));
  }
  return CheckQuota(txn, ref.account, ref.bucket, BytesDelta(*size, old ? old->size : 0));
}

// ---- Put Block List ----------------------------------------------------------------------

Result<ObjectInfo> EmbeddedStore::CommitBlockList(const CommitBlockListRequest& request) {
  const ObjectRef& ref = request.object;
  RETURN_IF_ERROR(ValidateObjectKey(ref));
  if (request.blocks.size() > options_.max_committed_blocks) {
    return Status(ErrorCode::kInvalidPart, "the block list has more than " +
                                               std::to_string(options_.max_committed_blocks) +
                                               " blocks");
  }
  for (const BlockListEntry& entry : request.blocks) {
    if (entry.block_id.empty() || entry.block_id.size() > meta::kMaxBlockIdBytes ||
        entry.block_id.size() != request.blocks.front().block_id.size()) {
      return Status(ErrorCode::kInvalidPart,
                    "block ids must be 1 to 64 bytes long and all of the same length");
    }
  }
  meta::ObjectRecord record;
  Freed freed;
  {
    ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
    RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, ref));
    RETURN_IF_ERROR(EvaluatePreconditions(current ? &current->info : nullptr, request.preconditions,
                                          ConditionMode::kWrite));
    ASSIGN_OR_RETURN(std::optional<meta::StagedRecord> staged, FindStaged(txn, ref));

    std::map<std::string, BlockData> uncommitted;
    if (staged) {
      ASSIGN_OR_RETURN(auto blocks, LoadBlocks(txn, staged->stage_id));
      for (auto& [id, block] : blocks) {
        uncommitted[id] = BlockData{block.size, std::move(block.md5), std::move(block.manifest)};
      }
    }
    std::map<std::string, BlockData> committed;
    if (current) {
      ASSIGN_OR_RETURN(auto blocks, CommittedBlocks(*current));
      for (auto& [id, block] : blocks) committed.emplace(id, std::move(block));
    }

    std::string md5s;
    ObjectInfo& info = record.info;
    for (const BlockListEntry& entry : request.blocks) {
      const BlockData* found = nullptr;
      auto staged_it = uncommitted.find(entry.block_id);
      auto committed_it = committed.find(entry.block_id);
      if (entry.source != BlockSource::kCommitted && staged_it != uncommitted.end()) {
        found = &staged_it->second;
      } else if (entry.source != BlockSource::kUncommitted && committed_it != committed.end()) {
        found = &committed_it->second;
      }
      if (found == nullptr) {
        return Status(ErrorCode::kInvalidPart, "block " + HexEncode(entry.block_id) +
                                                   " is not among the blocks it is sought in");
      }
      info.blocks.push_back(CommittedBlock{entry.block_id, found->size});
      record.block_md5s.push_back(found->md5);
      md5s += found->md5;
      info.size += found->size;
      record.manifest.insert(record.manifest.end(), found->manifest.begin(), found->manifest.end());
    }
    const size_t n = request.blocks.size();
    info.bucket = ref.bucket;
    info.key = ref.key;
    info.version_id = "null";
    info.etag = n == 0 ? HexEncode(Md5("")) : HexEncode(Md5(md5s)) + "-" + std::to_string(n);
    info.blob_etag = NewBlobEtag();
    info.last_modified = NowMicros();
    ApplyAttributes(request.attributes, &info);
    if (request.content_md5) info.content_md5 = *request.content_md5;

    // Add every listed segment's reference before anything drops one.
    RETURN_IF_ERROR(AddRefs(txn, record.manifest));
    // Staged bytes are credited before the new version is charged.
    if (staged) RETURN_IF_ERROR(DiscardStaged(txn, ref, &freed).status());
    RETURN_IF_ERROR(InstallVersion(txn, ref, &record, current, &freed));
    RETURN_IF_ERROR(txn.Commit());
  }
  DeleteExtents(freed);
  return std::move(record.info);
}

// ---- Get Block List ----------------------------------------------------------------------

Result<BlockList> EmbeddedStore::GetBlockList(const ObjectRef& object) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  RETURN_IF_ERROR(GetBucket(txn, object.account, object.bucket).status());
  ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
  ASSIGN_OR_RETURN(std::optional<meta::StagedRecord> staged, FindStaged(txn, object));
  if (!current && !staged) return Status(ErrorCode::kNoSuchKey, "no such key: " + object.key);
  BlockList list;
  if (current) {
    ASSIGN_OR_RETURN(auto blocks, CommittedBlocks(*current));
    for (const auto& [id, block] : blocks) list.committed.push_back({id, block.size});
    list.object = std::move(current->info);
  }
  if (staged) {
    ASSIGN_OR_RETURN(auto blocks, LoadBlocks(txn, staged->stage_id));
    for (const auto& [id, block] : blocks) list.uncommitted.push_back({id, block.size});
  }
  return list;
}

}  // namespace tessera::store
