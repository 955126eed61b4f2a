#include "backend/meta/names.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "backend/meta/keys.h"
#include "backend/meta/records.h"
#include "common/bytes.h"

namespace tessera::meta {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Status CorruptKey() { return Status(ErrorCode::kInternal, "corrupt metadata: upload key"); }

}  // namespace

Result<NameCursor> NameCursor::Open(Txn& txn, Table table, std::string_view account,
                                    std::string_view bucket) {
  ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, table));
  return NameCursor(std::move(cursor), table, BucketContentsPrefix(account, bucket));
}

Status NameCursor::Split(std::string_view stored, std::string_view* name,
                         std::string_view* upload_id) {
  std::string_view tail = stored.substr(prefix_.size());
  if (table_ != Table::kUploads && table_ != Table::kVersions) {
    *name = tail;
    *upload_id = {};
    return Status::Ok();
  }
  if (!SplitUploadTail(tail, name, upload_id)) return CorruptKey();
  return Status::Ok();
}

Result<std::string> NameCursor::FullKey(std::string_view value) {
  if (table_ == Table::kStaged) {
    ASSIGN_OR_RETURN(StagedRecord record, DecodeStaged(value));
    return std::move(record.key);
  }
  if (table_ != Table::kUploads) return DecodeObjectKey(value);  // objects and versions
  ASSIGN_OR_RETURN(UploadRecord record, DecodeUpload(value));
  return std::move(record.key);
}

void NameCursor::Serve(const RunEntry& entry) {
  valid_ = true;
  key_ = entry.key;
  upload_id_ = entry.upload_id;
  value_ = entry.value;
}

Status NameCursor::Fill() {
  run_.clear();
  run_pos_ = 0;
  valid_ = false;
  if (!cursor_.valid() || !StartsWith(cursor_.key(), prefix_)) return Status::Ok();
  std::string_view name, upload_id;
  RETURN_IF_ERROR(Split(cursor_.key(), &name, &upload_id));
  if (!IsLongName(name, prefix_.size())) {
    valid_ = true;
    key_ = name;
    upload_id_ = upload_id;
    value_ = cursor_.value();
    return Status::Ok();
  }
  // A run: every consecutive long name with the same truncated head.
  const std::string head(name.substr(0, NameBudget(prefix_.size())));
  while (cursor_.valid() && StartsWith(cursor_.key(), prefix_)) {
    RETURN_IF_ERROR(Split(cursor_.key(), &name, &upload_id));
    if (!IsLongName(name, prefix_.size()) || !StartsWith(name, head)) break;
    ASSIGN_OR_RETURN(std::string key, FullKey(cursor_.value()));
    run_.push_back(RunEntry{std::move(key), upload_id, cursor_.value()});
    RETURN_IF_ERROR(cursor_.Next());
  }
  std::sort(run_.begin(), run_.end(), [](const RunEntry& a, const RunEntry& b) {
    return std::tie(a.key, a.upload_id) < std::tie(b.key, b.upload_id);
  });
  Serve(run_[0]);
  return Status::Ok();
}

Status NameCursor::Seek(std::string_view key, std::string_view upload_id) {
  const bool tailed = table_ == Table::kUploads || table_ == Table::kVersions;
  if (!tailed) upload_id = {};
  std::string target = prefix_;
  if (key.size() <= NameBudget(prefix_.size())) {
    target.append(key);
    if (tailed && !upload_id.empty()) target.append(1, '\0').append(upload_id);
  } else {
    // Every key >= `key` is stored at or after its truncated head (keys.h, "Seeking").
    target.append(key.substr(0, NameBudget(prefix_.size())));
  }
  RETURN_IF_ERROR(cursor_.Seek(target));
  RETURN_IF_ERROR(Fill());
  while (valid_ && std::tie(key_, upload_id_) < std::tie(key, upload_id)) {
    RETURN_IF_ERROR(Next());
  }
  return Status::Ok();
}

Status NameCursor::Next() {
  if (!valid_) return Status::Ok();
  if (!run_.empty()) {
    if (++run_pos_ < run_.size()) {
      Serve(run_[run_pos_]);
      return Status::Ok();
    }
    return Fill();  // the raw cursor already stands after the run
  }
  RETURN_IF_ERROR(cursor_.Next());
  return Fill();
}

Status EnsureKeyFormat(Env& env) {
  ASSIGN_OR_RETURN(Txn txn, env.BeginWrite());
  ASSIGN_OR_RETURN(std::optional<std::string> stamp, txn.Get(Table::kInfo, kKeyFormatInfoKey));
  if (stamp) {
    ByteReader r(*stamp);
    uint32_t version = 0;
    if (!r.U32(&version) || !r.done() || version != kKeyFormatVersion) {
      return Status(ErrorCode::kInternal,
                    "metadata: unsupported key format " + std::to_string(version) +
                        " (this build reads format " + std::to_string(kKeyFormatVersion) + ")");
    }
    return Status::Ok();
  }
  // Format 1 stored every key untruncated; it reads the same unless a key is over budget.
  for (Table table : {Table::kObjects, Table::kUploads}) {
    ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, table));
    RETURN_IF_ERROR(cursor.First());
    while (cursor.valid()) {
      std::string_view stored = cursor.key();
      size_t prefix_size = ContentsPrefixSize(stored);
      std::string_view name = stored.substr(prefix_size), upload_id;
      if (table == Table::kUploads && !SplitUploadTail(name, &name, &upload_id)) {
        return CorruptKey();
      }
      if (prefix_size == 0 || IsLongName(name, prefix_size)) {
        return Status(ErrorCode::kInternal, "metadata: key format 1 holds keys that format " +
                                                std::to_string(kKeyFormatVersion) +
                                                " stores differently; migrate it");
      }
      RETURN_IF_ERROR(cursor.Next());
    }
  }
  ByteWriter w;
  w.U32(kKeyFormatVersion);
  RETURN_IF_ERROR(txn.Put(Table::kInfo, kKeyFormatInfoKey, w.data()));
  return txn.Commit();
}

}  // namespace tessera::meta
