#pragma once

#include <lmdb.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "backend/api/status.h"

namespace tessera::meta {

// A thin RAII layer over the LMDB C API. Every LMDB error becomes a kInternal Status whose
// message names the operation and LMDB's reason (a full map says so explicitly).
//
// LMDB has no checksums of its own, so every record carries one: the stored value is the
// caller's value followed by the CRC32C (little-endian) of the table id, the key and the
// value. Every read checks it; a record that fails is an error, never data. An environment
// written before records had checksums is converted when it is first opened (one
// transaction), and Open() reads every record back unless told not to, so a damaged file
// is refused at start rather than served.

// The named tables of the metadata environment.
enum class Table : uint8_t {
  kBuckets = 0,
  kObjects,
  kUploads,
  kParts,
  kExtents,
  kInfo,
  kStaged,     // one entry per object key that has staged (uncommitted) blocks
  kBlocks,     // the staged blocks themselves
  kAccounts,   // per-account service settings
  kFragments,  // reverse index: where each extent fragment sits on the drives
  kTenants,    // accounts: keys, state (backend/api AccountInfo)
  kUsage,      // bytes and objects per bucket, quotas per account and bucket
  kVersions,   // noncurrent versions and delete markers, newest first per key
};
inline constexpr int kTableCount = 13;

struct EnvOptions {
  std::string dir;  // created if missing
  uint64_t map_size = 64ull << 30;
  bool verify = true;  // check every record's checksum at open
  // Durability through the journal (journal.h): each commit syncs one small sequential
  // record instead of LMDB's pages and meta page; a checkpoint syncs LMDB every
  // `checkpoint_ms` (0 = only when the journal reaches `checkpoint_bytes`, and at close).
  // Without it every LMDB commit is synced.
  bool journal = true;
  uint32_t checkpoint_ms = 1000;
  uint64_t checkpoint_bytes = 64ull << 20;
};

class Journal;
class Txn;

// One LMDB environment with its named tables opened. Opened with MDB_NOTLS, so transactions
// are not tied to threads. Thread-safe: any number of concurrent read transactions, write
// transactions serialised by LMDB.
//
// A commit is durable when Commit() returns. With the journal (the default), LMDB runs with
// MDB_NOSYNC: a write transaction records its changes, and Commit() appends them to the
// journal and syncs it before LMDB commits. A checkpoint syncs data.mdb, saves the meta
// page of the transaction it synced, holds a read transaction on that state (so that LMDB
// writes none of its pages over until the next checkpoint) and empties the journal. Open()
// after a crash puts the saved meta page back, which restores the checkpointed state
// whatever the crash left of later writes, and applies the journal's records again.
class Env {
 public:
  static Result<std::unique_ptr<Env>> Open(const EnvOptions& options);
  // Checkpoints (with the journal), then closes.
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  Result<Txn> BeginRead();
  // Blocks while another write transaction is open.
  Result<Txn> BeginWrite();

  // Syncs data.mdb and empties the journal (no-op without the journal). Runs in the
  // background on its own; blocks writers only for the final sync.
  Status Checkpoint();

  MDB_dbi dbi(Table table) const { return dbis_[static_cast<int>(table)]; }

  // Journal records and checkpoints written since Open (0 without the journal).
  uint64_t journal_records() const;
  uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  friend class Txn;
  Env() = default;
  Status AddChecksums(MDB_txn* txn);
  // Reads every record of every table, checking its checksum.
  Status VerifyAll();
  // Applies the journal's records newer than `after` (the checkpoint's transaction).
  Status Replay(uint64_t after);
  // Called by a top-level write transaction with changes: journals them, then commits.
  Status CommitJournaled(MDB_txn* txn, const std::string& ops);
  // Called after a top-level commit that had no changes to journal: if LMDB committed a
  // transaction anyway, a checkpoint makes it durable.
  void AfterUnjournaledCommit(uint64_t before);
  uint64_t LastTxnId() const;
  void CheckpointLoop();

  EnvOptions options_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbis_[kTableCount] = {};
  MDB_dbi format_ = 0;  // "record-crc" -> "1" once every record carries its checksum
  std::unique_ptr<Journal> journal_;
  std::mutex checkpoint_mu_;  // one checkpoint at a time; guards pin_ and last_checkpoint_
  // Held from a journal append to its LMDB commit (and its undo, which LMDB's write lock no
  // longer covers once a commit failed), and by a checkpoint around starting a new round.
  std::mutex journal_mu_;
  MDB_txn* pin_ = nullptr;  // read transaction on the last checkpoint's state
  uint64_t last_checkpoint_ = 0;
  std::atomic<uint64_t> checkpoints_{0};
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;    // guarded by loop_mu_
  bool wanted_ = false;  // guarded by loop_mu_: the journal outgrew checkpoint_bytes
  std::thread checkpointer_;
};

// A read or write transaction. Aborted on destruction unless committed. Not thread-safe.
class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  // The value stored under `key`, copied out, or nullopt when absent.
  Result<std::optional<std::string>> Get(Table table, std::string_view key);
  Status Put(Table table, std::string_view key, std::string_view value);
  // Returns OK also when the key was absent.
  Status Delete(Table table, std::string_view key);
  // A transaction nested in this write transaction: its changes join this one when it
  // commits, and vanish when it aborts. This one must not be used until the child ends.
  Result<Txn> BeginNested();
  // Makes every change durable (a nested transaction: hands them to its parent). The
  // transaction is finished afterwards, whatever the result.
  Status Commit();
  void Abort();

  bool write() const { return write_; }
  MDB_txn* raw() const { return txn_; }
  const Env& env() const { return *env_; }

 private:
  friend class Env;
  Txn(Env* env, MDB_txn* txn, bool write) : env_(env), txn_(txn), write_(write) {}
  Env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool write_ = false;
  // With the journal: the changes of a write transaction, as journal operations (on the
  // heap, so that a nested transaction's pointer to its parent's survives moves).
  std::unique_ptr<std::string> ops_;
  std::string* parent_ops_ = nullptr;  // a nested transaction's parent's ops_
};

// A cursor over one table, valid while its transaction is open. Key and value views point
// into the map and stay valid until the transaction changes the table or ends.
class Cursor {
 public:
  static Result<Cursor> Open(Txn& txn, Table table);
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  ~Cursor();

  // Positions at the first key >= `key`. Afterwards valid() tells whether one exists.
  Status Seek(std::string_view key);
  Status First();
  Status Next();

  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  Cursor(MDB_cursor* cursor, Table table) : cursor_(cursor), table_(table) {}
  Status Step(MDB_val* key, MDB_cursor_op op, const char* what);
  MDB_cursor* cursor_ = nullptr;
  Table table_;
  bool valid_ = false;
  std::string_view key_;
  std::string_view value_;
};

// kInternal with the operation and LMDB's reason.
Status LmdbError(int rc, std::string_view what);

}  // namespace tessera::meta
