// Listing of objects and multipart uploads. Both are cursor walks (meta::NameCursor, which
// orders long keys by their full key) that start at the first possible key and leave a
// rolled-up common prefix by seeking straight past it, so the cost is proportional to the
// entries returned, never to the size of the bucket. Listing uncommitted blobs walks the
// staged-blocks table alongside the objects and merges the two in key order.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/meta/names.h"
#include "backend/store/embedded_store_impl.h"

namespace tessera::store {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view RollUp(std::string_view name, std::string_view prefix,
                        std::string_view delimiter) {
  if (delimiter.empty()) return {};
  size_t pos = name.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return {};
  return name.substr(0, pos + delimiter.size());
}

namespace {

// Moves `cursor` past every key that starts with common_prefix. Returns false when nothing
// can follow.
Result<bool> SeekPast(meta::NameCursor& cursor, const std::string& common_prefix) {
  std::optional<std::string> next = meta::PrefixSuccessor(common_prefix);
  if (!next) return false;
  RETURN_IF_ERROR(cursor.Seek(*next));
  return true;
}

// The objects of a bucket, merged in key order with the keys that have staged blocks when
// `uncommitted` is set (a key with both is served once, as its object).
class ListingCursor {
 public:
  static Result<ListingCursor> Open(meta::Txn& txn, const BucketRef& ref, bool uncommitted) {
    ASSIGN_OR_RETURN(meta::NameCursor objects,
                     meta::NameCursor::Open(txn, meta::Table::kObjects, ref.account, ref.bucket));
    ListingCursor cursor(std::move(objects));
    if (uncommitted) {
      ASSIGN_OR_RETURN(meta::NameCursor staged,
                       meta::NameCursor::Open(txn, meta::Table::kStaged, ref.account, ref.bucket));
      cursor.staged_.emplace(std::move(staged));
    }
    return cursor;
  }

  Status Seek(std::string_view key) {
    RETURN_IF_ERROR(objects_.Seek(key));
    if (staged_) RETURN_IF_ERROR(staged_->Seek(key));
    Settle();
    return Status::Ok();
  }
  Status Next() {
    if (!valid_) return Status::Ok();
    if (objects_.valid() && objects_.key() == key_) RETURN_IF_ERROR(objects_.Next());
    if (staged_ && staged_->valid() && staged_->key() == key_) RETURN_IF_ERROR(staged_->Next());
    Settle();
    return Status::Ok();
  }

  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  // The entry: an object's description, or a key that has only staged blocks.
  Result<ObjectInfo> Entry(const BucketRef& ref) const {
    if (is_object_) {
      ASSIGN_OR_RETURN(meta::ObjectRecord record, meta::DecodeObject(objects_.value()));
      return std::move(record.info);
    }
    ASSIGN_OR_RETURN(meta::StagedRecord staged, meta::DecodeStaged(staged_->value()));
    ObjectInfo info;
    info.bucket = ref.bucket;
    info.key = std::move(staged.key);
    info.version_id = "null";
    info.last_modified = staged.created;
    return info;
  }

 private:
  explicit ListingCursor(meta::NameCursor objects) : objects_(std::move(objects)) {}
  void Settle() {
    const bool object = objects_.valid();
    const bool staged = staged_ && staged_->valid();
    valid_ = object || staged;
    if (!valid_) return;
    is_object_ = object && (!staged || objects_.key() <= staged_->key());
    key_ = std::string(is_object_ ? objects_.key() : staged_->key());
  }

  meta::NameCursor objects_;
  std::optional<meta::NameCursor> staged_;
  bool valid_ = false;
  bool is_object_ = false;
  std::string key_;
};

Result<bool> SeekPast(ListingCursor& cursor, const std::string& common_prefix) {
  std::optional<std::string> next = meta::PrefixSuccessor(common_prefix);
  if (!next) return false;
  RETURN_IF_ERROR(cursor.Seek(*next));
  return true;
}

}  // namespace

Result<ListObjectsResult> EmbeddedStore::ListObjects(const ListObjectsRequest& request) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const BucketRef& ref = request.bucket;
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ListObjectsResult result;
  if (request.max_keys == 0) return result;

  // Keys strictly after start_after: the smallest such key is start_after + NUL.
  std::string start = request.prefix;
  if (!request.start_after.empty()) start = std::max(start, request.start_after + '\0');

  ASSIGN_OR_RETURN(ListingCursor cursor,
                   ListingCursor::Open(txn, ref, request.include_uncommitted));
  RETURN_IF_ERROR(cursor.Seek(start));
  uint32_t count = 0;
  while (cursor.valid()) {
    std::string_view name = cursor.key();
    if (!StartsWith(name, request.prefix)) break;

    std::string_view rolled = RollUp(name, request.prefix, request.delimiter);
    if (!rolled.empty()) {
      std::string common_prefix(rolled);
      // A prefix that holds start_after was returned on an earlier page.
      if (!StartsWith(request.start_after, common_prefix)) {
        if (count == request.max_keys) {
          result.truncated = true;
          break;
        }
        result.common_prefixes.push_back(common_prefix);
        result.next_marker = common_prefix;
        ++count;
      }
      ASSIGN_OR_RETURN(bool more, SeekPast(cursor, common_prefix));
      if (!more) break;
      continue;
    }
    if (count == request.max_keys) {
      result.truncated = true;
      break;
    }
    ASSIGN_OR_RETURN(ObjectInfo info, cursor.Entry(ref));
    result.next_marker = std::string(name);
    result.objects.push_back(std::move(info));
    ++count;
    RETURN_IF_ERROR(cursor.Next());
  }
  if (!result.truncated) result.next_marker.clear();
  return result;
}

Result<ListUploadsResult> EmbeddedStore::ListMultipartUploads(const ListUploadsRequest& request) {
  ASSIGN_OR_RETURN(meta::Txn txn, env_->BeginRead());
  const BucketRef& ref = request.bucket;
  RETURN_IF_ERROR(GetBucket(txn, ref.account, ref.bucket).status());
  ListUploadsResult result;
  if (request.max_uploads == 0) return result;

  // Uploads are ordered by (key, upload_id). S3 marker semantics: with only key_marker,
  // uploads of keys strictly after it (the smallest such key is key_marker + NUL); with
  // upload_id_marker too, also the uploads of key_marker whose id sorts after it.
  std::pair<std::string, std::string> start{request.prefix, ""};
  if (!request.key_marker.empty()) {
    std::pair<std::string, std::string> after =
        request.upload_id_marker.empty()
            ? std::pair<std::string, std::string>{request.key_marker + '\0', ""}
            : std::pair<std::string, std::string>{request.key_marker,
                                                  request.upload_id_marker + '\0'};
    start = std::max(start, after);
  }

  ASSIGN_OR_RETURN(meta::NameCursor cursor,
                   meta::NameCursor::Open(txn, meta::Table::kUploads, ref.account, ref.bucket));
  RETURN_IF_ERROR(cursor.Seek(start.first, start.second));
  uint32_t count = 0;
  while (cursor.valid()) {
    std::string_view key = cursor.key();
    std::string_view upload_id = cursor.upload_id();
    if (!StartsWith(key, request.prefix)) break;

    std::string_view rolled = RollUp(key, request.prefix, request.delimiter);
    if (!rolled.empty()) {
      std::string common_prefix(rolled);
      if (request.key_marker.empty() || !StartsWith(request.key_marker, common_prefix)) {
        if (count == request.max_uploads) {
          result.truncated = true;
          break;
        }
        result.common_prefixes.push_back(common_prefix);
        result.next_key_marker = common_prefix;
        result.next_upload_id_marker.clear();
        ++count;
      }
      ASSIGN_OR_RETURN(bool more, SeekPast(cursor, common_prefix));
      if (!more) break;
      continue;
    }
    if (count == request.max_uploads) {
      result.truncated = true;
      break;
    }
    ASSIGN_OR_RETURN(meta::UploadRecord record, meta::DecodeUpload(cursor.value()));
    MultipartUpload upload{std::string(key), std::string(upload_id), record.initiated,
                           std::move(record.attributes)};
    result.next_key_marker = upload.key;
    result.next_upload_id_marker = upload.upload_id;
    result.uploads.push_back(std::move(upload));
    ++count;
    RETURN_IF_ERROR(cursor.Next());
  }
  if (!result.truncated) {
    result.next_key_marker.clear();
    result.next_upload_id_marker.clear();
  }
  return result;
}

}  // namespace tessera::store
