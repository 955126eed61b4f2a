#include "backend/meta/env.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "backend/meta/file_check.h"
#include "common/hash.h"

namespace tessera::meta {
namespace {

// Tables added later are created when an older environment is opened.
constexpr const char* kTableNames[kTableCount] = {"buckets",  "objects",  "uploads", "parts",
                                                  "extents",  "info",     "staged",  "blocks",
                                                  "accounts", "fragments", "tenants", "usage"};

MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

constexpr size_t kCrcBytes = 4;
constexpr char kRecordCrcKey[] = "record-crc";

uint32_t RecordCrc(Table table, std::string_view key, std::string_view value) {
  const uint8_t id = static_cast<uint8_t>(table);
  uint32_t crc = Crc32c(&id, 1);
  crc = Crc32c(key.data(), key.size(), crc);
  return Crc32c(value.data(), value.size(), crc);
}

void StoreCrc(uint32_t crc, char* out) {
  for (size_t i = 0; i < kCrcBytes; ++i) out[i] = static_cast<char>(crc >> (8 * i));
}

Status CorruptRecord(Table table) {
  return Status(ErrorCode::kInternal,
                std::string("metadata: a record in table ") + kTableNames[static_cast<int>(table)] +
                    " fails its checksum: data.mdb is damaged; restore it from a backup");
}

// The caller's value of stored record `v`, after checking its checksum.
Result<std::string_view> Checked(Table table, std::string_view key, const MDB_val& v) {
  std::string_view stored = FromVal(v);
  if (stored.size() < kCrcBytes) return CorruptRecord(table);
  std::string_view value = stored.substr(0, stored.size() - kCrcBytes);
  char expected[kCrcBytes];
  StoreCrc(RecordCrc(table, key, value), expected);
  if (std::memcmp(expected, stored.data() + value.size(), kCrcBytes) != 0) {
    return CorruptRecord(table);
  }
  return value;
}

// Writes `value` and its checksum under `key` (through `cursor` at its current entry when
// given, else by key).
int PutChecked(MDB_txn* txn, MDB_dbi dbi, MDB_cursor* cursor, Table table, std::string_view key,
               std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v{value.size() + kCrcBytes, nullptr};
  const int rc = cursor != nullptr ? mdb_cursor_put(cursor, &k, &v, MDB_CURRENT | MDB_RESERVE)
                                   : mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
  if (rc != 0) return rc;
  char* out = static_cast<char*>(v.mv_data);
  std::memcpy(out, value.data(), value.size());
  StoreCrc(RecordCrc(table, key, value), out + value.size());
  return 0;
}

}  // namespace

Status LmdbError(int rc, std::string_view what) {
  std::string message = "metadata: " + std::string(what) + ": ";
  if (rc == MDB_MAP_FULL) {
    message += "the LMDB map is full; raise the metadata map size";
  } else {
    message += mdb_strerror(rc);
  }
  // A full disk is a condition to wait out (space comes back as deletes are compacted), and
  // the transaction changed nothing: retryable.
  if (rc == ENOSPC || rc == EDQUOT) return Status(ErrorCode::kSlowDown, std::move(message));
  return Status(ErrorCode::kInternal, std::move(message));
}

Result<std::unique_ptr<Env>> Env::Open(const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Status(ErrorCode::kInternal,
                  "metadata: cannot create " + options.dir + ": " + ec.message());
  }
  // LMDB trusts the file it maps: check its structure first, so that a damaged file is
  // refused with a message instead of crashing the process.
  if (options.verify) RETURN_IF_ERROR(CheckLmdbFile(options.dir + "/data.mdb"));
  std::unique_ptr<Env> env(new Env());
  int rc = mdb_env_create(&env->env_);
  if (rc != 0) return LmdbError(rc, "mdb_env_create");
  if ((rc = mdb_env_set_maxdbs(env->env_, kTableCount + 3)) != 0) {
    return LmdbError(rc, "mdb_env_set_maxdbs");
  }
  // One reader slot per concurrent read transaction (GETs, listings, passes): LMDB's default
  // of 126 is below what a busy gateway runs at once.
  if ((rc = mdb_env_set_maxreaders(env->env_, 4096)) != 0) {
    return LmdbError(rc, "mdb_env_set_maxreaders");
  }
  if ((rc = mdb_env_set_mapsize(env->env_, options.map_size)) != 0) {
    return LmdbError(rc, "mdb_env_set_mapsize");
  }
  // MDB_NOTLS: read transactions are not bound to the thread that began them. Commits stay
  // synchronous (no MDB_NOSYNC / MDB_NOMETASYNC): an acknowledged change is durable.
  if ((rc = mdb_env_open(env->env_, options.dir.c_str(), MDB_NOTLS, 0644)) != 0) {
    return LmdbError(rc, "mdb_env_open " + options.dir);
  }
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env->env_, nullptr, 0, &txn)) != 0) {
    return LmdbError(rc, "mdb_txn_begin");
  }
  for (int i = 0; i < kTableCount; ++i) {
    if ((rc = mdb_dbi_open(txn, kTableNames[i], MDB_CREATE, &env->dbis_[i])) != 0) {
      mdb_txn_abort(txn);
      return LmdbError(rc, std::string("mdb_dbi_open ") + kTableNames[i]);
    }
  }
  if ((rc = mdb_dbi_open(txn, "format", MDB_CREATE, &env->format_)) != 0) {
    mdb_txn_abort(txn);
    return LmdbError(rc, "mdb_dbi_open format");
  }
  MDB_val marker_key = ToVal(kRecordCrcKey);
  MDB_val marker{};
  rc = mdb_get(txn, env->format_, &marker_key, &marker);
  if (rc == MDB_NOTFOUND) {
    // Records from before checksums (or none yet): give each its checksum now.
    if (Status s = env->AddChecksums(txn); !s.ok()) {
      mdb_txn_abort(txn);
      return s;
    }
    MDB_val one = ToVal("1");
    rc = mdb_put(txn, env->format_, &marker_key, &one, 0);
  }
  if (rc != 0) {
    mdb_txn_abort(txn);
    return LmdbError(rc, "record checksums");
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError(rc, "mdb_txn_commit");
  if (options.verify) {
    if (Status s = env->VerifyAll(); !s.ok()) {
      return Status(ErrorCode::kInternal,
                    "metadata file data.mdb is damaged (" + s.message() +
                        "); restore it from a backup (the gateway will not start on it)");
    }
  }
  return env;
}

Status Env::AddChecksums(MDB_txn* txn) {
  for (int i = 0; i < kTableCount; ++i) {
    const Table table = static_cast<Table>(i);
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn, dbis_[i], &cursor);
    if (rc != 0) return LmdbError(rc, "open cursor");
    MDB_val k{}, v{};
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      const std::string key(FromVal(k)), value(FromVal(v));
      if ((rc = PutChecked(txn, dbis_[i], cursor, table, key, value)) != 0) break;
    }
    mdb_cursor_close(cursor);
    if (rc != MDB_NOTFOUND) return LmdbError(rc, "adding record checksums");
  }
  return Status::Ok();
}

Status Env::VerifyAll() {
  ASSIGN_OR_RETURN(Txn txn, BeginRead());
  for (int i = 0; i < kTableCount; ++i) {
    ASSIGN_OR_RETURN(Cursor cursor, Cursor::Open(txn, static_cast<Table>(i)));
    RETURN_IF_ERROR(cursor.First());
    while (cursor.valid()) RETURN_IF_ERROR(cursor.Next());
  }
  return Status::Ok();
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

Result<Txn> Env::BeginRead() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return LmdbError(rc, "begin read transaction");
  return Txn(this, txn, false);
}

Result<Txn> Env::BeginWrite() {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return LmdbError(rc, "begin write transaction");
  return Txn(this, txn, true);
}

Txn::Txn(Txn&& other) noexcept
    : env_(other.env_), txn_(std::exchange(other.txn_, nullptr)), write_(other.write_) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    env_ = other.env_;
    txn_ = std::exchange(other.txn_, nullptr);
    write_ = other.write_;
  }
  return *this;
}

Txn::~Txn() { Abort(); }

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
}

Result<std::optional<std::string>> Txn::Get(Table table, std::string_view key) {
  MDB_val k = ToVal(key);
  MDB_val v{};
  int rc = mdb_get(txn_, env_->dbi(table), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbError(rc, "get");
  ASSIGN_OR_RETURN(std::string_view value, Checked(table, key, v));
  return std::optional<std::string>(std::string(value));
}

Status Txn::Put(Table table, std::string_view key, std::string_view value) {
  int rc = PutChecked(txn_, env_->dbi(table), nullptr, table, key, value);
  if (rc != 0) return LmdbError(rc, "put");
  return Status::Ok();
}

Status Txn::Delete(Table table, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, env_->dbi(table), &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "delete");
  return Status::Ok();
}

Result<Txn> Txn::BeginNested() {
  if (txn_ == nullptr || !write_) {
    return Status(ErrorCode::kInternal, "metadata: nested transaction without a write parent");
  }
  MDB_txn* child = nullptr;
  MDB_env* env = mdb_txn_env(txn_);
  int rc = mdb_txn_begin(env, txn_, 0, &child);
  if (rc != 0) return LmdbError(rc, "begin nested transaction");
  return Txn(env_, child, true);
}

Status Txn::Commit() {
  if (txn_ == nullptr) return Status(ErrorCode::kInternal, "metadata: commit of a finished txn");
  int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  if (rc != 0) return LmdbError(rc, "commit");
  return Status::Ok();
}

Result<Cursor> Cursor::Open(Txn& txn, Table table) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn.raw(), txn.env().dbi(table), &cursor);
  if (rc != 0) return LmdbError(rc, "open cursor");
  return Cursor(cursor, table);
}

Cursor::Cursor(Cursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)),
      table_(other.table_),
      valid_(other.valid_),
      key_(other.key_),
      value_(other.value_) {}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

Status Cursor::Step(MDB_val* key, MDB_cursor_op op, const char* what) {
  MDB_val v{};
  int rc = mdb_cursor_get(cursor_, key, &v, op);
  valid_ = rc == 0;
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != 0) return LmdbError(rc, what);
  key_ = FromVal(*key);
  auto value = Checked(table_, key_, v);
  if (!value.ok()) {
    valid_ = false;
    return value.status();
  }
  value_ = *value;
  return Status::Ok();
}

Status Cursor::Seek(std::string_view key) {
  // LMDB rejects empty keys; the first entry is the first key >= "".
  if (key.empty()) return First();
  MDB_val k = ToVal(key);
  return Step(&k, MDB_SET_RANGE, "cursor seek");
}

Status Cursor::First() {
  MDB_val k{};
  return Step(&k, MDB_FIRST, "cursor first");
}

Status Cursor::Next() {
  MDB_val k{};
  return Step(&k, MDB_NEXT, "cursor next");
}

}  // namespace tessera::meta
