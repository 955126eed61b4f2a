#include "backend/meta/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/hash.h"

namespace tessera::meta {
namespace {

constexpr uint32_t kRecordMagic = 0x314C4A54;      // "TJL1"
constexpr uint32_t kCheckpointMagic = 0x314B4354;  // "TCK1"
constexpr size_t kRecordHeader = 24;  // magic u32, body length u32, round u64, txn id u64
constexpr size_t kCrcBytes = 4;
constexpr uint32_t kMaxRecordBody = 1u << 30;
// LMDB 0.9 meta page (64-bit): a 16-byte page header, then MDB_meta, whose txn id is at 128
// and page size (the first MDB_db's md_pad) at 24 (backend/meta/file_check.cc).
constexpr size_t kPageHeader = 16;
constexpr size_t kMetaTxnId = kPageHeader + 128;
constexpr size_t kMetaPageSize = kPageHeader + 24;

uint32_t Le32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t Le64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutLe64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

Status IoError(const std::string& what, int err) {
  return Status(ErrorCode::kInternal, "metadata journal: " + what + ": " + std::strerror(err));
}

bool ReadFull(int fd, uint64_t offset, char* out, size_t n) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

bool WriteFull(int fd, uint64_t offset, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t put = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    data += put;
    n -= static_cast<size_t>(put);
    offset += static_cast<uint64_t>(put);
  }
  return true;
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync " + dir, err);
  return Status::Ok();
}

void AppendJournalPut(std::string* ops, uint8_t table, std::string_view key,
                      std::string_view value) {
  ops->push_back(static_cast<char>(JournalOp::kPut));
  ops->push_back(static_cast<char>(table));
  PutLe32(ops, static_cast<uint32_t>(key.size()));
  ops->append(key);
  PutLe32(ops, static_cast<uint32_t>(value.size()));
  ops->append(value);
}

void AppendJournalDelete(std::string* ops, uint8_t table, std::string_view key) {
  ops->push_back(static_cast<char>(JournalOp::kDelete));
  ops->push_back(static_cast<char>(table));
  PutLe32(ops, static_cast<uint32_t>(key.size()));
  ops->append(key);
}

Status ForEachJournalOp(
    std::string_view ops,
    const std::function<Status(JournalOp, uint8_t, std::string_view, std::string_view)>& apply) {
  const Status bad(ErrorCode::kInternal, "metadata journal: a record does not parse");
  size_t at = 0;
  auto field = [&](std::string_view* out) {
    if (ops.size() - at < 4) return false;
    const uint32_t n = Le32(ops.data() + at);
    at += 4;
    if (ops.size() - at < n) return false;
    *out = ops.substr(at, n);
    at += n;
    return true;
  };
  while (at < ops.size()) {
    if (ops.size() - at < 2) return bad;
    const auto op = static_cast<JournalOp>(ops[at]);
    const auto table = static_cast<uint8_t>(ops[at + 1]);
    at += 2;
    std::string_view key, value;
    if (!field(&key)) return bad;
    if (op == JournalOp::kPut) {
      if (!field(&value)) return bad;
    } else if (op != JournalOp::kDelete) {
      return bad;
    }
    RETURN_IF_ERROR(apply(op, table, key, value));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open " + path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError("stat " + path, err);
  }
  std::unique_ptr<Journal> journal(new Journal(fd, path));
  journal->zeroed_ = static_cast<uint64_t>(st.st_size);
  return journal;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

Status Journal::ForEach(const std::function<Status(uint64_t, uint64_t, std::string_view)>& record) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return IoError("stat " + path_, errno);
  const uint64_t end = static_cast<uint64_t>(st.st_size);
  uint64_t at = 0;
  std::string buffer;
  while (end - at >= kRecordHeader + kCrcBytes) {
    char header[kRecordHeader];
    if (!ReadFull(fd_, at, header, sizeof(header))) return IoError("read " + path_, EIO);
    const uint32_t length = Le32(header + 4);
    if (Le32(header) != kRecordMagic || length > kMaxRecordBody ||
        end - at - kRecordHeader - kCrcBytes < length) {
      break;  // torn or never written
    }
    buffer.resize(kRecordHeader + length + kCrcBytes);
    if (!ReadFull(fd_, at, buffer.data(), buffer.size())) return IoError("read " + path_, EIO);
    const uint32_t crc = Crc32c(buffer.data(), kRecordHeader + length);
    if (crc != Le32(buffer.data() + kRecordHeader + length)) break;
    RETURN_IF_ERROR(record(Le64(header + 8), Le64(header + 16),
                           std::string_view(buffer).substr(kRecordHeader, length)));
    at += buffer.size();
  }
  return Status::Ok();
}

Status Journal::Append(uint64_t txn_id, std::string_view ops) {
  if (broken_) {
    return Status(ErrorCode::kInternal,
                  "metadata journal: a failed append could not be undone; restart the gateway");
  }
  if (ops.size() > kMaxRecordBody) {
    return Status(ErrorCode::kInternal, "metadata journal: a transaction of more than 1 GiB");
  }
  std::string record;
  record.reserve(kRecordHeader + ops.size() + kCrcBytes);
  PutLe32(&record, kRecordMagic);
  PutLe32(&record, static_cast<uint32_t>(ops.size()));
  PutLe64(&record, round_);
  PutLe64(&record, txn_id);
  record.append(ops);
  PutLe32(&record, Crc32c(record.data(), record.size()));
  const uint64_t start = size_.load();
  const uint64_t end = start + record.size();
  if (end > zeroed_) {
    // Zeros past the record, so that the next appends change no file size.
    constexpr uint64_t kStep = 1 << 20;
    const uint64_t target = (end + kStep - 1) / kStep * kStep;
    record.resize(target - start, '\0');
  }
  if (!WriteFull(fd_, start, record.data(), record.size())) {
    const int err = errno != 0 ? errno : EIO;
    // Part of it may be on the file: make sure replay never takes it.
    last_start_ = start;
    (void)Undo();
    return IoError("write " + path_, err);
  }
  zeroed_ = std::max(zeroed_, start + record.size());
  if (::fdatasync(fd_) != 0) {
    const int err = errno;
    // A failed sync may have dropped the pages: nothing after this can be trusted.
    broken_ = true;
    return IoError("fdatasync " + path_, err);
  }
  last_start_ = start;
  size_ = end;
  appends_.fetch_add(1);
  return Status::Ok();
}

Status Journal::Undo() {
  // The record's magic is zeroed and synced: replay must never apply a transaction that did
  // not commit, nor anything after it.
  const char zeros[4] = {};
  if (!WriteFull(fd_, last_start_, zeros, sizeof(zeros)) || ::fdatasync(fd_) != 0) {
    broken_ = true;
    return IoError("undo in " + path_, errno != 0 ? errno : EIO);
  }
  size_ = last_start_;
  return Status::Ok();
}

void Journal::Reset(uint64_t round) {
  // Nothing is written: what lies past the records of the new round is of older rounds,
  // which replay never takes.
  round_ = round;
  last_start_ = 0;
  size_ = 0;
}

Status WriteCheckpoint(const std::string& path, const CheckpointState& checkpoint) {
  std::string out;
  PutLe32(&out, kCheckpointMagic);
  PutLe64(&out, checkpoint.txn_id);
  PutLe32(&out, static_cast<uint32_t>(checkpoint.meta_page.size()));
  out.append(checkpoint.meta_page);
  PutLe32(&out, Crc32c(out.data(), out.size()));
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("open " + tmp, errno);
  const bool written = WriteFull(fd, 0, out.data(), out.size());
  int err = errno;
  const bool synced = written && ::fdatasync(fd) == 0;
  if (written) err = errno;
  ::close(fd);
  if (!written || !synced) return IoError("write " + tmp, err != 0 ? err : EIO);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return IoError("rename " + tmp, errno);
  return SyncDirectory(std::filesystem::path(path).parent_path().string());
}

Result<std::optional<CheckpointState>> ReadCheckpoint(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<CheckpointState>();
    return IoError("open " + path, errno);
  }
  std::string data;
  char chunk[8192];
  ssize_t got = 0;
  while ((got = ::read(fd, chunk, sizeof(chunk))) > 0 && data.size() < (1u << 20)) {
    data.append(chunk, static_cast<size_t>(got));
  }
  ::close(fd);
  const Status damaged(ErrorCode::kInternal,
                       "metadata checkpoint " + path +
                           " is damaged; restore the metadata directory "
                           "from a backup (the gateway will not start on it)");
  if (data.size() < 20 || Le32(data.data()) != kCheckpointMagic) return damaged;
  const uint32_t page = Le32(data.data() + 12);
  if (data.size() != 16 + static_cast<size_t>(page) + 4 || page < kMetaTxnId + 8 ||
      Crc32c(data.data(), data.size() - 4) != Le32(data.data() + data.size() - 4)) {
    return damaged;
  }
  CheckpointState checkpoint;
  checkpoint.txn_id = Le64(data.data() + 4);
  checkpoint.meta_page = data.substr(16, page);
  if (Le64(checkpoint.meta_page.data() + kMetaTxnId) != checkpoint.txn_id) return damaged;
  return std::optional<CheckpointState>(std::move(checkpoint));
}

uint64_t LmdbFileTxnId(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint64_t best = 0;
  char head[kMetaTxnId + 8];
  if (ReadFull(fd, 0, head, sizeof(head))) {
    best = Le64(head + kMetaTxnId);
    const uint32_t page = Le32(head + kMetaPageSize);
    if (page >= sizeof(head) && ReadFull(fd, page, head, sizeof(head))) {
      best = std::max(best, Le64(head + kMetaTxnId));
    }
  }
  ::close(fd);
  return best;
}

Result<std::string> ReadLmdbMetaPage(int fd, uint32_t page_size, uint64_t txn_id) {
  std::string page(page_size, '\0');
  for (uint64_t slot = 0; slot < 2; ++slot) {
    if (!ReadFull(fd, slot * page_size, page.data(), page.size())) break;
    if (Le64(page.data() + kMetaTxnId) == txn_id) return page;
  }
  return Status(ErrorCode::kInternal,
                "metadata: no meta page of transaction " + std::to_string(txn_id) + " in data.mdb");
}

Status RestoreLmdbMeta(const std::string& path, const CheckpointState& checkpoint) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return IoError("open " + path, errno);
  const size_t page_size = checkpoint.meta_page.size();
  bool ok = true;
  for (uint64_t slot = 0; slot < 2 && ok; ++slot) {
    std::string page = checkpoint.meta_page;
    for (int i = 0; i < 8; ++i) page[i] = static_cast<char>(slot >> (8 * i));  // mp_pgno
    ok = WriteFull(fd, slot * page_size, page.data(), page.size());
  }
  int err = errno;
  if (ok && ::fdatasync(fd) != 0) {
    ok = false;
    err = errno;
  }
  ::close(fd);
  if (!ok) return IoError("restore the checkpoint into " + path, err != 0 ? err : EIO);
  return Status::Ok();
}

}  // namespace tessera::meta
