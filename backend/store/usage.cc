// Usage accounting and quotas of the embedded store (usage.h), and the ObjectStore calls
// that report usage and set quotas.

#include "backend/store/usage.h"

#include <functional>
#include <map>
#include <string>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/store/embedded_store_impl.h"
#include "common/bytes.h"

namespace tessera::store {
namespace {

using Visit = std::function<Status(std::string_view key, std::string_view value)>;

// Calls `visit` for every entry of `table` whose key starts with `prefix`, in key order.
Status ForEach(meta::Txn& txn, meta::Table table, std::string_view prefix, const Visit& visit) {
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, table));
  RETURN_IF_ERROR(cursor.Seek(prefix));
  while (cursor.valid() && cursor.key().substr(0, prefix.size()) == prefix) {
    RETURN_IF_ERROR(visit(cursor.key(), cursor.value()));
    RETURN_IF_ERROR(cursor.Next());
  }
  return Status::Ok();
}

// Whether `used` grown by `delta` passes `limit` (0: no limit). Shrinking never does.
bool Exceeds(uint64_t used, int64_t delta, uint64_t limit) {
  return limit != 0 && delta > 0 && used + static_cast<uint64_t>(delta) > limit;
}

Status CheckLimits(const Usage& used, UsageDelta delta, const Quota& quota,
                   const std::string& whose) {
  if (Exceeds(used.bytes, delta.bytes, quota.max_bytes)) {
    return Status(ErrorCode::kQuotaExceeded, "the write would take the " + whose +
                                                 " past its quota of " +
                                                 std::to_string(quota.max_bytes) + " bytes");
  }
  if (Exceeds(used.objects, delta.objects, quota.max_objects)) {
    return Status(ErrorCode::kQuotaExceeded, "the write would take the " + whose +
                                                 " past its quota of " +
                                                 std::to_string(quota.max_objects) + " objects");
  }
  return Status::Ok();
}

// `used` changed by `delta`. Stored counts never go below zero, even over damaged metadata.
uint64_t Applied(uint64_t used, int64_t delta) {
  if (delta >= 0) return used + static_cast<uint64_t>(delta);
  const uint64_t drop = static_cast<uint64_t>(-delta);
  return used > drop ? used - drop : 0;
}

// The sum of the usage records of every bucket of `account`.
Result<Usage> AccountUsage(meta::Txn& txn, std::string_view account) {
  Usage total;
  RETURN_IF_ERROR(ForEach(txn, meta::Table::kUsage, std::string(account) + '\0',
                          [&](std::string_view, std::string_view value) -> Status {
                            ASSIGN_OR_RETURN(meta::UsageRecord record, meta::DecodeUsage(value));
                            total.bytes += record.usage.bytes;
                            total.objects += record.usage.objects;
                            return Status::Ok();
                          }));
  return total;
}

// CheckQuota for a bucket whose usage record is `record`.
Status CheckRecord(meta::Txn& txn, std::string_view account, const meta::UsageRecord& record,
                   UsageDelta delta) {
  if (delta.bytes <= 0 && delta.objects <= 0) return Status::Ok();
  RETURN_IF_ERROR(CheckLimits(record.usage, delta, record.quota, "bucket"));
  ASSIGN_OR_RETURN(Quota quota, LoadAccountQuota(txn, account));
  if (quota == Quota{}) return Status::Ok();
  ASSIGN_OR_RETURN(Usage total, AccountUsage(txn, account));
  return CheckLimits(total, delta, quota, "account");
}

}  // namespace

Status ApplyUsage(meta::Txn& txn, std::string_view account, std::string_view bucket,
                  UsageDelta delta) {
  if (delta.bytes == 0 && delta.objects == 0) return Status::Ok();
  ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, account, bucket));
  RETURN_IF_ERROR(CheckRecord(txn, account, record, delta));
  record.usage.bytes = Applied(record.usage.bytes, delta.bytes);
  record.usage.objects = Applied(record.usage.objects, delta.objects);
  return txn.Put(meta::Table::kUsage, meta::BucketKey(account, bucket), meta::EncodeUsage(record));
}

UsageDelta BytesDelta(uint64_t added, uint64_t removed) {
  return UsageDelta{static_cast<int64_t>(added) - static_cast<int64_t>(removed), 0};
}

UsageDelta ObjectDelta(uint64_t size, const meta::ObjectRecord* replaced) {
  UsageDelta delta = BytesDelta(size, replaced ? replaced->info.size : 0);
  delta.objects = replaced ? 0 : 1;
  return delta;
}

Status CheckQuota(meta::Txn& txn, std::string_view account, std::string_view bucket,
                  UsageDelta delta) {
  ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, account, bucket));
  return CheckRecord(txn, account, record, delta);
}

Status InstallObject(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& record,
                     const meta::ObjectRecord* replaced) {
  RETURN_IF_ERROR(
      ApplyUsage(txn, object.account, object.bucket, ObjectDelta(record.info.size, replaced)));
  return txn.Put(meta::Table::kObjects, meta::ObjectKey(object.account, object.bucket, object.key),
                 meta::EncodeObject(record));
}

Status RemoveObject(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& record) {
  RETURN_IF_ERROR(txn.Delete(meta::Table::kObjects,
                             meta::ObjectKey(object.account, object.bucket, object.key)));
  UsageDelta delta = BytesDelta(0, record.info.size);
  delta.objects = -1;
  return ApplyUsage(txn, object.account, object.bucket, delta);
}

Status ChargeStaged(meta::Txn& txn, std::string_view account, std::string_view bucket,
                    uint64_t added, uint64_t removed) {
  return ApplyUsage(txn, account, bucket, BytesDelta(added, removed));
}

Result<meta::UsageRecord> LoadUsage(meta::Txn& txn, std::string_view account,
                                    std::string_view bucket) {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   txn.Get(meta::Table::kUsage, meta::BucketKey(account, bucket)));
  if (!value) return meta::UsageRecord{};
  return meta::DecodeUsage(*value);
}

Result<Quota> LoadAccountQuota(meta::Txn& txn, std::string_view account) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kUsage, account));
  if (!value) return Quota{};
  return meta::DecodeQuota(*value);
}

// ---- Counting usage from the records (EnsureUsage) ---------------------------------------

namespace {

// Usage by bucket key (account \0 bucket).
using Counted = std::map<std::string, Usage>;

Status CorruptKey(std::string_view table) {
  return Status(ErrorCode::kInternal, "corrupt metadata: malformed " + std::string(table) + " key");
}

// The bucket key of an objects/uploads/staged key: its prefix P without the final NUL.
Result<std::string> BucketKeyOf(std::string_view key, std::string_view table) {
  const size_t prefix_size = meta::ContentsPrefixSize(key);
  if (prefix_size == 0) return CorruptKey(table);
  return std::string(key.substr(0, prefix_size - 1));
}

// The bytes of the records under `prefix` in `table`, each decoded by `decode`.
template <typename Decode>
Result<uint64_t> SumSizes(meta::Txn& txn, meta::Table table, std::string_view prefix,
                          Decode decode) {
  uint64_t bytes = 0;
  RETURN_IF_ERROR(
      ForEach(txn, table, prefix, [&](std::string_view, std::string_view value) -> Status {
        auto record = decode(value);
        if (!record.ok()) return record.status();
        bytes += record->size;
        return Status::Ok();
      }));
  return bytes;
}

Status CountObjects(meta::Txn& txn, Counted* counted) {
  return ForEach(txn, meta::Table::kObjects, "",
                 [&](std::string_view key, std::string_view value) -> Status {
                   ASSIGN_OR_RETURN(std::string bucket, BucketKeyOf(key, "object"));
                   ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(value));
                   Usage& usage = (*counted)[bucket];
                   usage.bytes += record.info.size;
                   ++usage.objects;
                   return Status::Ok();
                 });
}

// Noncurrent versions count as objects do; delete markers count nothing.
Status CountVersions(meta::Txn& txn, Counted* counted) {
  return ForEach(txn, meta::Table::kVersions, "",
                 [&](std::string_view key, std::string_view value) -> Status {
                   ASSIGN_OR_RETURN(std::string bucket, BucketKeyOf(key, "version"));
                   ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(value));
                   if (record.info.delete_marker) return Status::Ok();
                   Usage& usage = (*counted)[bucket];
                   usage.bytes += record.info.size;
                   ++usage.objects;
                   return Status::Ok();
                 });
}

Status CountParts(meta::Txn& txn, Counted* counted) {
  return ForEach(
      txn, meta::Table::kUploads, "", [&](std::string_view key, std::string_view) -> Status {
        ASSIGN_OR_RETURN(std::string bucket, BucketKeyOf(key, "upload"));
        std::string_view name, upload_id;
        if (!meta::SplitUploadTail(key.substr(bucket.size() + 1), &name, &upload_id)) {
          return CorruptKey("upload");
        }
        // A part key is the upload id followed by the part number.
        ASSIGN_OR_RETURN(uint64_t bytes,
                         SumSizes(txn, meta::Table::kParts, upload_id, meta::DecodePart));
        (*counted)[bucket].bytes += bytes;
        return Status::Ok();
      });
}

Status CountBlocks(meta::Txn& txn, Counted* counted) {
  return ForEach(
      txn, meta::Table::kStaged, "", [&](std::string_view key, std::string_view value) -> Status {
        ASSIGN_OR_RETURN(std::string bucket, BucketKeyOf(key, "staged"));
        ASSIGN_OR_RETURN(meta::StagedRecord staged, meta::DecodeStaged(value));
        ASSIGN_OR_RETURN(uint64_t bytes,
                         SumSizes(txn, meta::Table::kBlocks, meta::BlockKey(staged.stage_id, ""),
                                  meta::DecodeBlock));
        (*counted)[bucket].bytes += bytes;
        return Status::Ok();
      });
}

// Replaces the usage of every bucket record with `counted`, keeping quotas.
Status StoreCounted(meta::Txn& txn, Counted counted) {
  std::map<std::string, meta::UsageRecord> records;
  RETURN_IF_ERROR(ForEach(txn, meta::Table::kUsage, "",
                          [&](std::string_view key, std::string_view value) -> Status {
                            if (key.find('\0') == std::string_view::npos)
                              return Status::Ok();  // an account quota
                            ASSIGN_OR_RETURN(meta::UsageRecord record, meta::DecodeUsage(value));
                            records[std::string(key)].quota = record.quota;
                            return Status::Ok();
                          }));
  for (auto& [bucket, usage] : counted) records[bucket].usage = usage;
  for (const auto& [bucket, record] : records) {
    RETURN_IF_ERROR(txn.Put(meta::Table::kUsage, bucket, meta::EncodeUsage(record)));
  }
  return Status::Ok();
}

}  // namespace

Status EnsureUsage(meta::Env& env) {
  ASSIGN_OR_RETURN(meta::Txn txn, env.BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> stamp,
                   txn.Get(meta::Table::kInfo, meta::kUsageFormatInfoKey));
  if (stamp) {
    ByteReader r(*stamp);
    uint32_t version = 0;
    if (!r.U32(&version) || !r.done() || version != meta::kUsageFormatVersion) {
      return Status(ErrorCode::kInternal,
                    "metadata: unsupported usage format " + std::to_string(version));
    }
    return Status::Ok();
  }
  Counted counted;
  RETURN_IF_ERROR(CountObjects(txn, &counted));
  RETURN_IF_ERROR(CountVersions(txn, &counted));
  RETURN_IF_ERROR(CountParts(txn, &counted));
  RETURN_IF_ERROR(CountBlocks(txn, &counted));
  RETURN_IF_ERROR(StoreCounted(txn, std::move(counted)));
  ByteWriter w;
  w.U32(meta::kUsageFormatVersion);
  RETURN_IF_ERROR(txn.Put(meta::Table::kInfo, meta::kUsageFormatInfoKey, w.data()));
  return txn.Commit();
}

// ---- ObjectStore calls -------------------------------------------------------------------

Result<Usage> EmbeddedStore::GetBucketUsage(const BucketRef& bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  RETURN_IF_ERROR(GetBucket(txn, bucket.account, bucket.bucket).status());
  ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, bucket.account, bucket.bucket));
  return record.usage;
}

Result<std::map<std::string, Usage>> EmbeddedStore::GetAccountUsage(const std::string& account) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const std::string prefix = account + '\0';
  std::map<std::string, Usage> usage;
  RETURN_IF_ERROR(ForEach(
      txn, meta::Table::kBuckets, prefix, [&](std::string_view key, std::string_view) -> Status {
        std::string bucket(key.substr(prefix.size()));
        ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, account, bucket));
        usage.emplace(std::move(bucket), record.usage);
        return Status::Ok();
      }));
  return usage;
}

Result<Quota> EmbeddedStore::GetQuota(const std::string& account, const std::string& bucket) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  if (bucket.empty()) return LoadAccountQuota(txn, account);
  RETURN_IF_ERROR(GetBucket(txn, account, bucket).status());
  ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, account, bucket));
  return record.quota;
}

Status EmbeddedStore::SetQuota(const std::string& account, const std::string& bucket,
                               const Quota& quota) {
  if (account.empty() || account.size() > meta::kMaxBucketKeyBytes ||
      account.find('\0') != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument, "bad account name");
  }
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginWrite());
  if (bucket.empty()) {
    RETURN_IF_ERROR(quota == Quota{}
                        ? txn.Delete(meta::Table::kUsage, account)
                        : txn.Put(meta::Table::kUsage, account, meta::EncodeQuota(quota)));
  } else {
    RETURN_IF_ERROR(GetBucket(txn, account, bucket).status());
    ASSIGN_OR_RETURN(meta::UsageRecord record, LoadUsage(txn, account, bucket));
    record.quota = quota;
    RETURN_IF_ERROR(
        txn.Put(meta::Table::kUsage, meta::BucketKey(account, bucket), meta::EncodeUsage(record)));
  }
  return txn.Commit();
}

}  // namespace tessera::store
