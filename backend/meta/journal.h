#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backend/api/status.h"

namespace tessera::meta {

// The metadata journal and checkpoint (FORMAT.md, "Metadata journal"). LMDB commits without
// syncing; what makes a commit durable is its journal record, written and synced before
// LMDB commits. A checkpoint syncs the LMDB file, keeps a copy of its meta page and empties
// the journal; after a crash the file is set back to that meta page and the journal's
// records are applied again.

// One change of a journal record.
enum class JournalOp : uint8_t { kPut = 1, kDelete = 2 };

// Appends one change to `ops` (a record's body).
void AppendJournalPut(std::string* ops, uint8_t table, std::string_view key,
                      std::string_view value);
void AppendJournalDelete(std::string* ops, uint8_t table, std::string_view key);

// Calls `apply` for each change of a record's body, in order; kInternal if it does not parse.
Status ForEachJournalOp(std::string_view ops,
                        const std::function<Status(JournalOp, uint8_t table, std::string_view key,
                                                   std::string_view value)>& apply);

// The journal file. Records are appended from its start; a checkpoint starts it over from
// the start again, as a new round named by the checkpoint's transaction id, which every
// record carries. The file is zero-filled ahead of the records (1 MiB at a time) and never
// shrinks, so that an append's sync writes its own pages and no file size. Records of an
// earlier round left past the end are never taken for this round's. Append, Undo and Reset
// are serialized by the caller (Env holds its journal mutex); size() may be read from any
// thread.
class Journal {
 public:
  // Opens (creating) the journal at `path`.
  static Result<std::unique_ptr<Journal>> Open(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Calls `record` for each whole record in the file from its start, in order, and stops at
  // the first torn, damaged or zeroed one (a crash while appending, or the end) or when
  // `record` fails.
  Status ForEach(
      const std::function<Status(uint64_t round, uint64_t txn_id, std::string_view ops)>& record);

  // Appends the record of LMDB transaction `txn_id` and syncs it. After a failure nothing of
  // it counts (the file is cut back).
  Status Append(uint64_t txn_id, std::string_view ops);
  // Cuts off the record appended last (its transaction did not commit). If that fails the
  // journal refuses every later append: it could no longer be replayed correctly.
  Status Undo();
  // Starts round `round` from the start of the file (after a checkpoint of transaction
  // `round` made every record before it redundant).
  void Reset(uint64_t round);

  // Bytes appended since the last Reset (or since opening).
  uint64_t size() const { return size_.load(); }
  uint64_t appends() const { return appends_.load(); }

 private:
  Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
  std::atomic<uint64_t> size_{0};  // where the next record goes
  uint64_t zeroed_ = 0;            // the file's size: bytes past size_ are zeros or old records
  uint64_t round_ = 0;
  std::atomic<uint64_t> appends_{0};
  uint64_t last_start_ = 0;  // where the last appended record begins
  bool broken_ = false;
};

// The state a checkpoint saved: the LMDB transaction id it synced and that transaction's
// meta page, as it was in data.mdb.
struct CheckpointState {
  uint64_t txn_id = 0;
  std::string meta_page;
};

// fsync(2) of directory `dir`, so that names created or removed in it are durable.
Status SyncDirectory(const std::string& dir);

// Writes `checkpoint` to `path` atomically (temporary file, sync, rename, directory sync).
Status WriteCheckpoint(const std::string& path, const CheckpointState& checkpoint);
// The checkpoint at `path`; nullopt when there is none; kInternal when it is damaged.
Result<std::optional<CheckpointState>> ReadCheckpoint(const std::string& path);

// The highest transaction id of the two meta pages of LMDB file `path` (0 when it is
// missing or too short to have them).
uint64_t LmdbFileTxnId(const std::string& path);
// The meta page of transaction `txn_id` read from LMDB file `fd` (whose page size is
// `page_size`), or kInternal when neither meta page holds it.
Result<std::string> ReadLmdbMetaPage(int fd, uint32_t page_size, uint64_t txn_id);
// Puts the checkpoint's meta page into both meta slots of LMDB file `path` and syncs it: the
// file then holds the state of the checkpoint's transaction, as long as no page of that
// state was written over since (Env keeps a reader on it until the next checkpoint).
Status RestoreLmdbMeta(const std::string& path, const CheckpointState& checkpoint);

}  // namespace tessera::meta
