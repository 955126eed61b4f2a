#pragma once

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
};
inline constexpr int kTableCount = 12;

struct EnvOptions {
  std::string dir;  // created if missing
  uint64_t map_size = 64ull << 30;
  bool verify = true;  // check every record's checksum at open
};

class Txn;

// One LMDB environment with its named tables opened. Opened with MDB_NOTLS, so transactions
// are not tied to threads; every commit is synced (no MDB_NOSYNC). Thread-safe: any number
// of concurrent read transactions, write transactions serialised by LMDB.
class Env {
 public:
  static Result<std::unique_ptr<Env>> Open(const EnvOptions& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  Result<Txn> BeginRead();
  // Blocks while another write transaction is open.
  Result<Txn> BeginWrite();

  MDB_dbi dbi(Table table) const { return dbis_[static_cast<int>(table)]; }

 private:
  Env() = default;
  Status AddChecksums(MDB_txn* txn);
  // Reads every record of every table, checking its checksum.
  Status VerifyAll();
  MDB_env* env_ = nullptr;
  MDB_dbi dbis_[kTableCount] = {};
  MDB_dbi format_ = 0;  // "record-crc" -> "1" once every record carries its checksum
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
  Txn(const Env* env, MDB_txn* txn, bool write) : env_(env), txn_(txn), write_(write) {}
  const Env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  bool write_ = false;
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
