// The version history of keys (DESIGN.md section 3): the one place that installs, retires
// and removes object versions. A key's current version lives in Table::kObjects, where reads
// and listings find it as before versioning; the versions it replaced and its delete markers
// live in Table::kVersions, newest first (keys.h). Invariant: when a key has no current
// version, its newest noncurrent one, if any, is a delete marker (the latest version).
//
// Buckets that never enabled versioning keep no history: a write replaces the null version
// and a delete removes it, at the cost of one bucket lookup.

#include <algorithm>
#include <cstdio>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/meta/names.h"
#include "backend/store/conditions.h"
#include "backend/store/embedded_store_impl.h"
#include "backend/store/usage.h"
#include "common/time.h"

namespace tessera::store {
namespace {

constexpr char kNullVersion[] = "null";

UsageDelta VersionDelta(const meta::ObjectRecord& version, int sign) {
  UsageDelta delta;
  delta.bytes = sign * static_cast<int64_t>(version.info.size);
  delta.objects = version.info.delete_marker ? 0 : sign;
  return delta;
}

}  // namespace

std::string FormatVersionId(uint64_t seq) {
  // Blob's form: the second of the install, then 7 digits of fraction (microseconds and a 0).
  const int64_t seconds = static_cast<int64_t>(seq / 1000000);
  std::string base = FormatIso8601Millis(seconds * 1000000);  // "YYYY-MM-DDTHH:MM:SS.000Z"
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), ".%06u0Z", static_cast<unsigned>(seq % 1000000));
  return base.substr(0, 19) + fraction;
}

std::optional<uint64_t> ParseVersionId(std::string_view id) {
  if (id.size() != 28 || id[19] != '.' || id[27] != 'Z' || id[26] != '0') return std::nullopt;
  for (size_t i = 20; i < 27; ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
  }
  std::optional<int64_t> seconds = ParseIso8601(std::string(id.substr(0, 19)) + "Z");
  if (!seconds || *seconds < 0) return std::nullopt;
  const uint64_t micros = std::stoull(std::string(id.substr(20, 6)));
  const uint64_t seq = static_cast<uint64_t>(*seconds) / 1000000 * 1000000 + micros;
  if (FormatVersionId(seq) != id) return std::nullopt;  // one spelling per version
  return seq;
}

Status CheckVersionId(std::string_view id) {
  if (id.empty() || id == kNullVersion || ParseVersionId(id)) return Status::Ok();
  return Status(ErrorCode::kInvalidArgument, "Invalid version id specified");
}

Result<std::vector<meta::ObjectRecord>> EmbeddedStore::History(meta::Txn& txn,
                                                               const ObjectRef& object,
                                                               size_t limit) {
  std::vector<meta::ObjectRecord> out;
  const std::string prefix = meta::VersionPrefix(object.account, object.bucket, object.key);
  if (prefix.size() + 16 > meta::kMaxKeyBytes) return out;
  ASSIGN_OR_RETURN(meta::Cursor cursor, meta::Cursor::Open(txn, meta::Table::kVersions));
  RETURN_IF_ERROR(cursor.Seek(prefix));
  while (out.size() < limit && cursor.valid() && StartsWith(cursor.key(), prefix) &&
         cursor.key().size() == prefix.size() + 16) {
    ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(cursor.value()));
    // A long name shares its stored form with other keys only on a hash collision.
    if (record.info.key == object.key) out.push_back(std::move(record));
    RETURN_IF_ERROR(cursor.Next());
  }
  return out;
}

Status EmbeddedStore::PutHistory(meta::Txn& txn, const ObjectRef& object,
                                 const meta::ObjectRecord& version) {
  return txn.Put(meta::Table::kVersions,
                 meta::VersionKey(object.account, object.bucket, object.key, version.version_seq),
                 meta::EncodeObject(version));
}

Status EmbeddedStore::EraseHistory(meta::Txn& txn, const ObjectRef& object,
                                   const meta::ObjectRecord& version) {
  return txn.Delete(meta::Table::kVersions, meta::VersionKey(object.account, object.bucket,
                                                             object.key, version.version_seq));
}

Result<uint64_t> EmbeddedStore::NextVersionSeq(meta::Txn& txn, const ObjectRef& object,
                                               const meta::ObjectRecord* current, bool versioned) {
  uint64_t newest = current ? current->version_seq : 0;
  if (versioned) {
    ASSIGN_OR_RETURN(std::vector<meta::ObjectRecord> history, History(txn, object, 1));
    if (!history.empty()) newest = std::max(newest, history[0].version_seq);
  }
  return std::max<uint64_t>(static_cast<uint64_t>(NowMicros()), newest + 1);
}

Status EmbeddedStore::DropNullFromHistory(meta::Txn& txn, const ObjectRef& object, Freed* freed) {
  ASSIGN_OR_RETURN(std::vector<meta::ObjectRecord> history, History(txn, object, SIZE_MAX));
  for (const meta::ObjectRecord& version : history) {
    if (version.info.version_id != kNullVersion) continue;
    RETURN_IF_ERROR(EraseHistory(txn, object, version));
    RETURN_IF_ERROR(ApplyUsage(txn, object.account, object.bucket, VersionDelta(version, -1)));
    return DropRefs(txn, version.manifest, freed);
  }
  return Status::Ok();
}

Status EmbeddedStore::InstallVersion(meta::Txn& txn, const ObjectRef& object,
                                     meta::ObjectRecord* record,
                                     const std::optional<meta::ObjectRecord>& current,
                                     Freed* freed) {
  ASSIGN_OR_RETURN(meta::BucketRecord bucket, GetBucket(txn, object.account, object.bucket));
  const Versioning versioning = bucket.versioning;
  const meta::ObjectRecord* replaced = current ? &*current : nullptr;
  ASSIGN_OR_RETURN(record->version_seq,
                   NextVersionSeq(txn, object, replaced, versioning != Versioning::kUnversioned));
  if (versioning == Versioning::kEnabled) {
    record->info.version_id = FormatVersionId(record->version_seq);
  } else {
    record->info.version_id = kNullVersion;
  }
  // What happens to the version the write replaces: kept (as noncurrent) unless it is the
  // null version and the new one is too.
  const bool keep =
      replaced && versioning != Versioning::kUnversioned &&
      (versioning == Versioning::kEnabled || replaced->info.version_id != kNullVersion);
  if (keep) {
    RETURN_IF_ERROR(PutHistory(txn, object, *replaced));
    replaced = nullptr;  // still stored: usage keeps it
  }
  if (versioning == Versioning::kSuspended)
    RETURN_IF_ERROR(DropNullFromHistory(txn, object, freed));
  RETURN_IF_ERROR(InstallObject(txn, object, *record, replaced));
  if (replaced) RETURN_IF_ERROR(DropRefs(txn, replaced->manifest, freed));
  return Status::Ok();
}

Result<std::optional<meta::ObjectRecord>> EmbeddedStore::FindVersion(meta::Txn& txn,
                                                                     const ObjectRef& object,
                                                                     bool* is_current) {
  *is_current = false;
  ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
  if (object.version_id.empty() || (current && current->info.version_id == object.version_id)) {
    *is_current = current.has_value();
    return current;
  }
  RETURN_IF_ERROR(CheckVersionId(object.version_id));
  if (object.version_id != kNullVersion) {
    const uint64_t seq = *ParseVersionId(object.version_id);
    std::string key = meta::VersionKey(object.account, object.bucket, object.key, seq);
    if (object.key.size() > meta::kMaxObjectKeyBytes || key.size() > meta::kMaxKeyBytes) {
      return std::optional<meta::ObjectRecord>();
    }
    ASSIGN_OR_RETURN(std::optional<std::string> value, txn.Get(meta::Table::kVersions, key));
    if (!value) return std::optional<meta::ObjectRecord>();
    ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(*value));
    if (record.info.key != object.key || record.info.version_id != object.version_id) {
      return std::optional<meta::ObjectRecord>();
    }
    return std::optional<meta::ObjectRecord>(std::move(record));
  }
  ASSIGN_OR_RETURN(std::vector<meta::ObjectRecord> history, History(txn, object, SIZE_MAX));
  for (meta::ObjectRecord& version : history) {
    if (version.info.version_id == kNullVersion) {
      return std::optional<meta::ObjectRecord>(std::move(version));
    }
  }
  return std::optional<meta::ObjectRecord>();
}

Status EmbeddedStore::PromoteNewest(meta::Txn& txn, const ObjectRef& object) {
  ASSIGN_OR_RETURN(std::vector<meta::ObjectRecord> history, History(txn, object, 1));
  if (history.empty() || history[0].info.delete_marker) return Status::Ok();
  RETURN_IF_ERROR(EraseHistory(txn, object, history[0]));
  return txn.Put(meta::Table::kObjects, meta::ObjectKey(object.account, object.bucket, object.key),
                 meta::EncodeObject(history[0]));
}

Result<DeleteObjectResult> EmbeddedStore::DeleteObject(const ObjectRef& object,
                                                       const Preconditions& conditions) {
  RETURN_IF_ERROR(CheckVersionId(object.version_id));
  Freed freed;
  DeleteObjectResult result;
  RETURN_IF_ERROR(commits_->Run([&](meta::Txn& txn) -> Status {
    result = DeleteObjectResult{};
    ASSIGN_OR_RETURN(meta::BucketRecord bucket, GetBucket(txn, object.account, object.bucket));
    if (!object.version_id.empty()) return RemoveVersion(txn, object, conditions, &result, &freed);
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
    RETURN_IF_ERROR(EvaluatePreconditions(current ? &current->info : nullptr, conditions,
                                          ConditionMode::kWrite));
    // Staged blocks go with the key; a key that had only staged blocks counts as deleted.
    ASSIGN_OR_RETURN(bool had_staged, DiscardStaged(txn, object, &freed));
    if (bucket.versioning == Versioning::kUnversioned) {
      if (!current && !had_staged) {
        return Status(ErrorCode::kNoSuchKey, "no such key: " + object.key);
      }
      if (current) {
        RETURN_IF_ERROR(RemoveObject(txn, object, *current));
        RETURN_IF_ERROR(DropRefs(txn, current->manifest, &freed));
      }
      return Status::Ok();
    }
    // A delete marker becomes the latest version; the current one is kept, unless both are
    // null (versioning suspended).
    meta::ObjectRecord marker;
    marker.info.bucket = object.bucket;
    marker.info.key = object.key;
    marker.info.delete_marker = true;
    const meta::ObjectRecord* replaced = current ? &*current : nullptr;
    ASSIGN_OR_RETURN(marker.version_seq, NextVersionSeq(txn, object, replaced, true));
    marker.info.last_modified = static_cast<TimeMicros>(marker.version_seq);
    marker.info.version_id = bucket.versioning == Versioning::kEnabled
                                 ? FormatVersionId(marker.version_seq)
                                 : std::string(kNullVersion);
    if (bucket.versioning == Versioning::kSuspended) {
      RETURN_IF_ERROR(DropNullFromHistory(txn, object, &freed));
    }
    if (current) {
      if (bucket.versioning == Versioning::kSuspended && current->info.version_id == kNullVersion) {
        RETURN_IF_ERROR(RemoveObject(txn, object, *current));
        RETURN_IF_ERROR(DropRefs(txn, current->manifest, &freed));
      } else {
        RETURN_IF_ERROR(PutHistory(txn, object, *current));
        RETURN_IF_ERROR(txn.Delete(meta::Table::kObjects,
                                   meta::ObjectKey(object.account, object.bucket, object.key)));
      }
    }
    RETURN_IF_ERROR(PutHistory(txn, object, marker));
    result.version_id = marker.info.version_id;
    result.delete_marker = true;
    return Status::Ok();
  }));
  DeleteExtents(freed);
  return result;
}

Status EmbeddedStore::RemoveVersion(meta::Txn& txn, const ObjectRef& object,
                                    const Preconditions& conditions, DeleteObjectResult* result,
                                    Freed* freed) {
  result->version_id = object.version_id;
  bool is_current = false;
  ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> version,
                   FindVersion(txn, object, &is_current));
  RETURN_IF_ERROR(
      EvaluatePreconditions(version ? &version->info : nullptr, conditions, ConditionMode::kWrite));
  if (!version) return Status::Ok();  // S3: deleting a version that is not there succeeds
  result->delete_marker = version->info.delete_marker;
  if (is_current) {
    RETURN_IF_ERROR(RemoveObject(txn, object, *version));
  } else {
    // Whether it is the latest (a delete marker with no current version above it) decides
    // whether the version under it becomes current.
    ASSIGN_OR_RETURN(std::vector<meta::ObjectRecord> newest, History(txn, object, 1));
    ASSIGN_OR_RETURN(std::optional<meta::ObjectRecord> current, FindObject(txn, object));
    is_current = !current && !newest.empty() && newest[0].version_seq == version->version_seq;
    RETURN_IF_ERROR(EraseHistory(txn, object, *version));
    RETURN_IF_ERROR(ApplyUsage(txn, object.account, object.bucket, VersionDelta(*version, -1)));
  }
  if (is_current) RETURN_IF_ERROR(PromoteNewest(txn, object));
  return DropRefs(txn, version->manifest, freed);
}

Result<ListVersionsResult> EmbeddedStore::ListObjectVersions(const ListVersionsRequest& request) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const BucketRef& ref = request.bucket;
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ListVersionsResult result;
  if (request.max_keys == 0) return result;
  if (!request.version_id_marker.empty() && request.key_marker.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "A version-id marker cannot be specified without a key marker.");
  }
  RETURN_IF_ERROR(CheckVersionId(request.version_id_marker));
  // Where to resume within key_marker: below the marker's place in its history, found by
  // its time, so that a marker version deleted since the last page still places the next.
  const std::optional<uint64_t> marker_seq = ParseVersionId(request.version_id_marker);
  // Keys after key_marker; with a version marker, the rest of key_marker's versions too.
  std::string start = request.prefix;
  const bool resume_in_key = !request.version_id_marker.empty();
  if (!request.key_marker.empty()) {
    start = std::max(start, resume_in_key ? request.key_marker : request.key_marker + '\0');
  }
  ASSIGN_OR_RETURN(meta::NameCursor objects,
                   meta::NameCursor::Open(txn, meta::Table::kObjects, ref.account, ref.bucket));
  ASSIGN_OR_RETURN(meta::NameCursor versions,
                   meta::NameCursor::Open(txn, meta::Table::kVersions, ref.account, ref.bucket));
  auto seek = [&](std::string_view key) -> Status {
    RETURN_IF_ERROR(objects.Seek(key));
    return versions.Seek(key);
  };
  RETURN_IF_ERROR(seek(start));
  uint32_t count = 0;
  bool full = false;
  while (!full && (objects.valid() || versions.valid())) {
    std::string name(!versions.valid() || (objects.valid() && objects.key() <= versions.key())
                         ? objects.key()
                         : versions.key());
    if (!StartsWith(name, request.prefix)) break;
    std::string_view rolled = RollUp(name, request.prefix, request.delimiter);
    if (!rolled.empty()) {
      std::string common_prefix(rolled);
      if (request.key_marker.empty() || !StartsWith(request.key_marker, common_prefix)) {
        if (count == request.max_keys) {
          result.truncated = true;
          break;
        }
        result.common_prefixes.push_back(common_prefix);
        result.next_key_marker = common_prefix;
        result.next_version_id_marker.clear();
        ++count;
      }
      std::optional<std::string> next = meta::PrefixSuccessor(common_prefix);
      if (!next) break;
      RETURN_IF_ERROR(seek(*next));
      continue;
    }
    // The key's versions, newest first: its current one, then its history.
    std::vector<meta::ObjectRecord> entries;
    if (objects.valid() && objects.key() == name) {
      ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(objects.value()));
      entries.push_back(std::move(record));
      RETURN_IF_ERROR(objects.Next());
    }
    while (versions.valid() && versions.key() == name) {
      ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(versions.value()));
      entries.push_back(std::move(record));
      RETURN_IF_ERROR(versions.Next());
    }
    size_t first = 0;
    if (resume_in_key && name == request.key_marker) {
      if (marker_seq) {
        while (first < entries.size() && entries[first].version_seq >= *marker_seq) ++first;
      } else {  // "null": its place, when it is still there
        while (first < entries.size() && entries[first].info.version_id != "null") ++first;
        first = first < entries.size() ? first + 1 : 0;
      }
    }
    for (size_t i = first; i < entries.size(); ++i) {
      if (count == request.max_keys) {
        result.truncated = true;
        full = true;
        break;
      }
      result.next_key_marker = entries[i].info.key;
      result.next_version_id_marker = entries[i].info.version_id;
      result.versions.push_back(ObjectVersion{std::move(entries[i].info), i == 0});
      ++count;
    }
  }
  if (!result.truncated) {
    result.next_key_marker.clear();
    result.next_version_id_marker.clear();
  }
  return result;
}

}  // namespace tessera::store
