#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"
#include "backend/meta/env.h"

namespace tessera::meta {

// Walks the objects (Table::kObjects), multipart uploads (Table::kUploads), noncurrent versions
// (Table::kVersions: upload_id() is then the version's tail, newest first) or keys with staged
// blocks (Table::kStaged, named like objects) of one bucket in the order of their full names:
// object key, then (uploads, versions) the tail after it, in byte order. It hides the long-name
// encoding of keys.h: entries are visited in stored order, and each run of long names sharing their
// truncated head is read whole, re-sorted by the full key kept in the value and served from memory,
// so the cost is that of a cursor walk plus the size of the (rare) runs it crosses.
//
// Views returned by key(), upload_id() and value() stay valid until the next Seek/Next, and
// point into the map: the transaction must stay open and unchanged meanwhile. Not
// thread-safe. Metadata that does not parse is reported as kInternal.
class NameCursor {
 public:
  static Result<NameCursor> Open(Txn& txn, Table table, std::string_view account,
                                 std::string_view bucket);
  NameCursor(NameCursor&&) = default;

  // Positions at the first entry whose (key, upload_id) is >= (key, upload_id); for objects
  // `upload_id` is ignored. Afterwards valid() tells whether one exists.
  Status Seek(std::string_view key, std::string_view upload_id = {});
  Status Next();

  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  std::string_view upload_id() const { return upload_id_; }
  std::string_view value() const { return value_; }

 private:
  struct RunEntry {
    std::string key;
    std::string_view upload_id;
    std::string_view value;
  };

  NameCursor(Cursor cursor, Table table, std::string prefix)
      : cursor_(std::move(cursor)), table_(table), prefix_(std::move(prefix)) {}
  // Makes the raw cursor's entry current, reading and sorting a whole run when it is long.
  Status Fill();
  // Splits a stored key of this bucket into its stored name and upload id.
  Status Split(std::string_view stored, std::string_view* name, std::string_view* upload_id);
  Result<std::string> FullKey(std::string_view value);
  void Serve(const RunEntry& entry);

  Cursor cursor_;
  Table table_;
  std::string prefix_;
  std::vector<RunEntry> run_;  // a sorted run being served; the raw cursor is past it
  size_t run_pos_ = 0;
  bool valid_ = false;
  std::string_view key_;
  std::string_view upload_id_;
  std::string_view value_;
};

// Checks the key format stamped in Table::kInfo, stamping kKeyFormatVersion into an
// environment that has none. An unstamped environment (written by key format 1) is accepted
// when none of its object or upload keys is longer than its bucket's budget (the two formats
// then agree); otherwise, and for any other version, kInternal.
Status EnsureKeyFormat(Env& env);

}  // namespace tessera::meta
