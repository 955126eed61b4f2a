#include "backend/meta/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "backend/meta/file_check.h"
#include "backend/meta/journal.h"
#include "common/hash.h"
#include "common/log.h"

namespace tessera::meta {
namespace {

// Tables added later are created when an older environment is opened.
constexpr const char* kTableNames[kTableCount] = {
    "buckets", "objects",  "uploads",   "parts",   "extents", "info",    "staged",
    "blocks",  "accounts", "fragments", "tenants", "usage",   "versions"};

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

bool HasRecords(Journal& journal) {
  bool any = false;
  (void)journal.ForEach([&](uint64_t, uint64_t, std::string_view) {
    any = true;
    return Status::Ok();
  });
  return any;
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
  const std::string data_file = options.dir + "/data.mdb";
  const std::string checkpoint_file = options.dir + "/checkpoint";
  // After a crash, data.mdb is set back to the last checkpoint: its later writes were not
  // synced and may be torn, while the checkpoint's pages were kept intact.
  ASSIGN_OR_RETURN(std::optional<CheckpointState> checkpoint, ReadCheckpoint(checkpoint_file));
  std::unique_ptr<Env> env(new Env());
  env->options_ = options;
  if (checkpoint || options.journal) {
    ASSIGN_OR_RETURN(env->journal_, Journal::Open(options.dir + "/journal"));
  }
  if (checkpoint) {
    bool newer = false;
    RETURN_IF_ERROR(env->journal_->ForEach([&](uint64_t round, uint64_t, std::string_view) {
      newer = newer || round == checkpoint->txn_id;  // a record of the checkpoint's round
      return Status::Ok();
    }));
    if (newer || LmdbFileTxnId(data_file) != checkpoint->txn_id) {
      RETURN_IF_ERROR(RestoreLmdbMeta(data_file, *checkpoint));
    }
  } else if (env->journal_ && HasRecords(*env->journal_)) {
    return Status(ErrorCode::kInternal,
                  "metadata: " + options.dir +
                      "/journal has records but the checkpoint file is missing; restore the "
                      "metadata directory from a backup (the gateway will not start on it)");
  }
  // LMDB trusts the file it maps: check its structure first, so that a damaged file is
  // refused with a message instead of crashing the process.
  if (options.verify) RETURN_IF_ERROR(CheckLmdbFile(data_file));
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
  // MDB_NOTLS: read transactions are not bound to the thread that began them. Commits are
  // synced until the journal takes over below.
  if ((rc = mdb_env_open(env->env_, options.dir.c_str(), MDB_NOTLS, 0644)) != 0) {
    return LmdbError(rc, "mdb_env_open " + options.dir);
  }
  if (env->journal_) {
    // Keep the state the journal's records apply to intact while they are applied.
    if ((rc = mdb_txn_begin(env->env_, nullptr, MDB_RDONLY, &env->pin_)) != 0) {
      return LmdbError(rc, "mdb_txn_begin");
    }
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
  if (env->journal_) {
    if ((rc = mdb_env_set_flags(env->env_, MDB_NOSYNC, 1)) != 0) {
      return LmdbError(rc, "mdb_env_set_flags");
    }
    if (checkpoint) RETURN_IF_ERROR(env->Replay(checkpoint->txn_id));
  }
  if (options.verify) {
    if (Status s = env->VerifyAll(); !s.ok()) {
      return Status(ErrorCode::kInternal,
                    "metadata file data.mdb is damaged (" + s.message() +
                        "); restore it from a backup (the gateway will not start on it)");
    }
  }
  if (env->journal_) {
    if (!options.journal) {
      // The journal was replayed; commits are synced again from here on. The checkpoint
      // file must be gone for good before any synced commit: a later open would otherwise
      // set data.mdb back to it.
      RETURN_IF_ERROR(env->Checkpoint());
      for (const std::string& file : {checkpoint_file, options.dir + "/journal"}) {
        if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
          return Status(ErrorCode::kInternal,
                        "metadata: cannot remove " + file + ": " + std::strerror(errno));
        }
        RETURN_IF_ERROR(SyncDirectory(options.dir));
      }
      if ((rc = mdb_env_set_flags(env->env_, MDB_NOSYNC, 0)) != 0) {
        return LmdbError(rc, "mdb_env_set_flags");
      }
      mdb_txn_abort(std::exchange(env->pin_, nullptr));
      env->journal_.reset();
      return env;
    }
    RETURN_IF_ERROR(env->Checkpoint());
    env->checkpointer_ = std::thread([e = env.get()] { e->CheckpointLoop(); });
  }
  return env;
}

Status Env::Replay(uint64_t after) {
  uint64_t next = after + 1;
  bool stopped = false;
  return journal_->ForEach([&](uint64_t round, uint64_t txn_id, std::string_view ops) {
    // Only the checkpoint's round, in order: a record of another round, or a gap, ends it
    // (nothing after it was acknowledged).
    if (stopped || round != after || txn_id != next) {
      stopped = true;
      return Status::Ok();
    }
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return LmdbError(rc, "begin replay transaction");
    Status applied = ForEachJournalOp(
        ops, [&](JournalOp op, uint8_t table, std::string_view key, std::string_view value) {
          if (table >= kTableCount) {
            return Status(ErrorCode::kInternal, "metadata journal: a record names no table");
          }
          int rc = 0;
          if (op == JournalOp::kPut) {
            rc = PutChecked(txn, dbis_[table], nullptr, static_cast<Table>(table), key, value);
          } else {
            MDB_val k = ToVal(key);
            rc = mdb_del(txn, dbis_[table], &k, nullptr);
            if (rc == MDB_NOTFOUND) rc = 0;
          }
          return rc == 0 ? Status::Ok() : LmdbError(rc, "replaying the journal");
        });
    if (!applied.ok()) {
      mdb_txn_abort(txn);
      return applied;
    }
    if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError(rc, "commit replay transaction");
    ++next;
    return Status::Ok();
  });
}

Status Env::Checkpoint() {
  if (!journal_) return Status::Ok();
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  // Flush most dirty pages while writers go on, then again with writers held off.
  int rc = mdb_env_sync(env_, 1);
  if (rc != 0) return LmdbError(rc, "checkpoint sync");
  MDB_txn* writer = nullptr;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &writer)) != 0) {
    return LmdbError(rc, "checkpoint transaction");
  }
  struct AbortAtExit {
    MDB_txn* txn;
    ~AbortAtExit() { mdb_txn_abort(txn); }
  } abort_writer{writer};
  if ((rc = mdb_env_sync(env_, 1)) != 0) return LmdbError(rc, "checkpoint sync");
  MDB_envinfo info{};
  mdb_env_info(env_, &info);
  const uint64_t txn_id = info.me_last_txnid;
  if (txn_id == last_checkpoint_ && checkpoints_.load() > 0 && journal_->size() == 0) {
    return Status::Ok();
  }
  MDB_stat stat{};
  if ((rc = mdb_env_stat(env_, &stat)) != 0) return LmdbError(rc, "mdb_env_stat");
  int fd = -1;
  if ((rc = mdb_env_get_fd(env_, &fd)) != 0) return LmdbError(rc, "mdb_env_get_fd");
  ASSIGN_OR_RETURN(std::string meta_page, ReadLmdbMetaPage(fd, stat.ms_psize, txn_id));
  // The new state is pinned before the checkpoint names it; the old one stays pinned until
  // the checkpoint file no longer names it.
  MDB_txn* pin = nullptr;
  if ((rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &pin)) != 0) {
    return LmdbError(rc, "checkpoint reader");
  }
  Status written =
      WriteCheckpoint(options_.dir + "/checkpoint", CheckpointState{txn_id, std::move(meta_page)});
  if (!written.ok()) {
    mdb_txn_abort(pin);
    return written;
  }
  if (pin_ != nullptr) mdb_txn_abort(pin_);
  pin_ = pin;
  last_checkpoint_ = txn_id;
  checkpoints_.fetch_add(1);
  std::lock_guard<std::mutex> journal_lock(journal_mu_);
  journal_->Reset(txn_id);
  return Status::Ok();
}

void Env::CheckpointLoop() {
  NameThread("tessera-ckpt");
  while (true) {
    std::unique_lock<std::mutex> lock(loop_mu_);
    auto ready = [&] { return stop_ || wanted_; };
    if (options_.checkpoint_ms > 0) {
      loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.checkpoint_ms), ready);
    } else {
      loop_cv_.wait(lock, ready);
    }
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    if (journal_->size() == 0) continue;
    if (Status s = Checkpoint(); !s.ok()) {
      // Retried on the next tick; meanwhile the journal keeps every commit durable.
      Log(LogLevel::kWarn, "metadata checkpoint failed: %s", s.ToString().c_str());
    }
  }
}

Status Env::CommitJournaled(MDB_txn* txn, const std::string& ops) {
  std::unique_lock<std::mutex> journal_lock(journal_mu_);
  Status journaled = journal_->Append(mdb_txn_id(txn), ops);
  if (!journaled.ok()) {
    mdb_txn_abort(txn);
    return journaled;
  }
  const int rc = mdb_txn_commit(txn);
  if (rc != 0) {
    Status undone = journal_->Undo();
    Status failed = LmdbError(rc, "commit");
    if (!undone.ok()) failed = Status(failed.code(), failed.message() + "; " + undone.message());
    return failed;
  }
  journal_lock.unlock();
  if (journal_->size() >= options_.checkpoint_bytes) {
    std::lock_guard<std::mutex> lock(loop_mu_);
    wanted_ = true;
    loop_cv_.notify_all();
  }
  return Status::Ok();
}

uint64_t Env::journal_records() const { return journal_ ? journal_->appends() : 0; }

uint64_t Env::LastTxnId() const {
  MDB_envinfo info{};
  mdb_env_info(env_, &info);
  return info.me_last_txnid;
}

void Env::AfterUnjournaledCommit(uint64_t before) {
  if (LastTxnId() == before) return;
  // Only Put and Delete change anything, and both are journaled: this does not happen. Were
  // it to, replay would stop at the gap it leaves, so it is made durable at once.
  if (Status s = Checkpoint(); !s.ok()) {
    Log(LogLevel::kError, "metadata: a commit with no journal record: %s", s.ToString().c_str());
  }
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
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(loop_mu_);
      stop_ = true;
    }
    loop_cv_.notify_all();
    checkpointer_.join();
    // Opened completely: leave data.mdb whole and the journal empty.
    (void)Checkpoint();
  }
  if (pin_ != nullptr) mdb_txn_abort(pin_);
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
  Txn out(this, txn, true);
  if (journal_) out.ops_ = std::make_unique<std::string>();
  return out;
}

Txn::Txn(Txn&& other) noexcept
    : env_(other.env_),
      txn_(std::exchange(other.txn_, nullptr)),
      write_(other.write_),
      ops_(std::move(other.ops_)),
      parent_ops_(std::exchange(other.parent_ops_, nullptr)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    env_ = other.env_;
    txn_ = std::exchange(other.txn_, nullptr);
    write_ = other.write_;
    ops_ = std::move(other.ops_);
    parent_ops_ = std::exchange(other.parent_ops_, nullptr);
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
  if (ops_) AppendJournalPut(ops_.get(), static_cast<uint8_t>(table), key, value);
  return Status::Ok();
}

Status Txn::Delete(Table table, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, env_->dbi(table), &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != 0) return LmdbError(rc, "delete");
  if (ops_) AppendJournalDelete(ops_.get(), static_cast<uint8_t>(table), key);
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
  Txn out(env_, child, true);
  if (ops_) {
    out.ops_ = std::make_unique<std::string>();
    out.parent_ops_ = ops_.get();
  }
  return out;
}

Status Txn::Commit() {
  if (txn_ == nullptr) return Status(ErrorCode::kInternal, "metadata: commit of a finished txn");
  MDB_txn* txn = std::exchange(txn_, nullptr);
  if (ops_ && parent_ops_ == nullptr && !ops_->empty()) {
    // A top-level transaction with changes: durable through the journal.
    std::unique_ptr<std::string> ops = std::move(ops_);
    return env_->CommitJournaled(txn, *ops);
  }
  const bool top_journaled = ops_ && parent_ops_ == nullptr;
  const uint64_t before = top_journaled ? env_->LastTxnId() : 0;
  int rc = mdb_txn_commit(txn);
  if (rc != 0) return LmdbError(rc, "commit");
  if (parent_ops_ != nullptr) parent_ops_->append(*ops_);
  if (top_journaled) env_->AfterUnjournaledCommit(before);
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
