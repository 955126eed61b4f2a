#include "backend/meta/file_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace tessera::meta {
namespace {

// LMDB 0.9 on-disk layout (64-bit): see mdb.c (MDB_page, MDB_node, MDB_meta, MDB_db).
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr size_t kPageHeader = 16;  // pgno u64, pad u16, flags u16, lower u16, upper u16
constexpr size_t kNodeHeader = 8;   // lo u16, hi u16, flags u16, ksize u16
constexpr size_t kDbRecord = 48;    // MDB_db
constexpr uint64_t kNoPage = ~0ull;
constexpr uint16_t kBranch = 0x01, kLeaf = 0x02, kOverflow = 0x04, kMeta = 0x08;
constexpr uint16_t kPageKinds = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40;  // + LEAF2, SUBP
constexpr uint16_t kBigData = 0x01, kSubData = 0x02;
constexpr int kMaxDepth = 64;

uint16_t U16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t U32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t U64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

struct Db {
  uint16_t depth = 0;
  uint64_t root = kNoPage;
};

Db ReadDb(const char* p) { return Db{U16(p + 6), U64(p + 40)}; }

class Checker {
 public:
  Checker(int fd, uint64_t file_size) : fd_(fd), file_size_(file_size) {}

  Status Run() {
    // Meta pages: page 0's header holds the page size.
    char head[kPageHeader + 136];
    if (!ReadAt(0, head, sizeof(head))) return Bad("cannot read the first meta page");
    psize_ = U32(head + kPageHeader + 24);
    if (psize_ < 512 || psize_ > 65536 || (psize_ & (psize_ - 1)) != 0) {
      return Bad("the page size in the meta page is " + std::to_string(psize_));
    }
    const char* chosen = nullptr;
    char metas[2][sizeof(head)];
    uint64_t best_txn = 0;
    for (int i = 0; i < 2; ++i) {
      if (!ReadAt(static_cast<uint64_t>(i) * psize_, metas[i], sizeof(head))) {
        return Bad("cannot read meta page " + std::to_string(i));
      }
      const char* m = metas[i] + kPageHeader;
      if ((U16(metas[i] + 10) & kMeta) == 0 || U32(m) != kMagic || U32(m + 4) != kDataVersion) {
        return Bad("meta page " + std::to_string(i) + " is not an LMDB meta page");
      }
      const uint64_t txn = U64(m + 128);
      if (chosen == nullptr || txn > best_txn) {
        chosen = m;
        best_txn = txn;
      }
    }
    last_page_ = U64(chosen + 120);
    if (last_page_ < 1 || last_page_ > (1ull << 48) / psize_) {
      return Bad("the meta page names page " + std::to_string(last_page_) + " as the last");
    }
    // The file may end before the last page: pages allocated and freed in one transaction
    // are never written. Only pages the trees reach must be in it (Claim).
    file_pages_ = file_size_ / psize_;
    seen_.assign(std::min(last_page_ + 1, file_pages_), false);
    page_.resize(psize_);
    const Db free_db = ReadDb(chosen + 24);
    const Db main_db = ReadDb(chosen + 72);
    RETURN_IF_ERROR(Tree(free_db, /*main=*/false, /*ordered=*/false));
    RETURN_IF_ERROR(Tree(main_db, /*main=*/true, /*ordered=*/true));
    // Free pages (LMDB reuses them without looking): in range, and none a tree uses.
    for (uint64_t pgno : free_pages_) {
      if (pgno < 2 || pgno > last_page_) return Bad("the free list names a page outside the file");
      if (pgno < seen_.size() && seen_[pgno]) {
        return BadPage(pgno, "is both in use and on the free list");
      }
    }
    return Status::Ok();
  }

 private:
  bool ReadAt(uint64_t offset, char* buf, size_t n) {
    if (offset + n > file_size_) return false;
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }
  static Status Bad(const std::string& what) {
    return Status(ErrorCode::kInternal, "metadata file data.mdb is damaged: " + what +
                                            "; restore it from a backup (the gateway will not "
                                            "start on it)");
  }
  Status BadPage(uint64_t pgno, const std::string& what) {
    return Bad("page " + std::to_string(pgno) + " " + what);
  }
  Status Claim(uint64_t pgno, uint64_t count) {
    if (pgno < 2 || pgno > last_page_ || count == 0 || count > last_page_ - pgno + 1) {
      return Bad("a page number (" + std::to_string(pgno) + ") is outside the file");
    }
    if (pgno + count > file_pages_) {
      return Status(ErrorCode::kInternal,
                    "metadata file data.mdb is truncated: " + std::to_string(file_size_) +
                        " bytes, but page " + std::to_string(pgno + count - 1) +
                        " is in use; restore it from a backup (the gateway will not start on it)");
    }
    for (uint64_t p = pgno; p < pgno + count; ++p) {
      if (seen_[p]) return BadPage(p, "is reached twice");
      seen_[p] = true;
    }
    return Status::Ok();
  }

  Status Tree(const Db& db, bool main, bool ordered) {
    if (db.root == kNoPage) return Status::Ok();
    if (db.depth < 1 || db.depth > kMaxDepth) {
      return Bad("a tree records depth " + std::to_string(db.depth));
    }
    depth_ = db.depth;
    return Page(db.root, 1, main, ordered, std::nullopt, std::nullopt);
  }

  // Keys of this page must lie in [low, high) (unbounded where absent).
  Status Page(uint64_t pgno, int depth, bool main, bool ordered, std::optional<std::string> low,
              std::optional<std::string> high) {
    RETURN_IF_ERROR(Claim(pgno, 1));
    if (!ReadAt(pgno * psize_, page_.data(), psize_)) return BadPage(pgno, "cannot be read");
    const char* p = page_.data();
    const uint16_t flags = U16(p + 10) & kPageKinds;
    const uint16_t lower = U16(p + 12), upper = U16(p + 14);
    if (U64(p) != pgno) return BadPage(pgno, "carries another page's number");
    if (flags != kBranch && flags != kLeaf) return BadPage(pgno, "is not a branch or leaf page");
    if (lower < kPageHeader || lower > upper || upper > psize_ || (lower - kPageHeader) % 2 != 0) {
      return BadPage(pgno, "has its free space bounds out of order");
    }
    const bool branch = flags == kBranch;
    if (branch ? depth >= depth_ : depth != depth_) {
      return BadPage(pgno, "sits at a depth its tree does not have");
    }
    const size_t keys = (lower - kPageHeader) / 2;
    if (keys == 0 || (branch && keys < 2 && depth > 1)) return BadPage(pgno, "has no keys");
    struct Child {
      uint64_t pgno;
      std::string key;
    };
    std::vector<Child> children;
    std::optional<std::string> previous;
    for (size_t i = 0; i < keys; ++i) {
      const uint16_t at = U16(p + kPageHeader + 2 * i);
      if (at < upper || at + kNodeHeader > psize_) return BadPage(pgno, "points outside itself");
      const char* node = p + at;
      const uint16_t lo = U16(node), hi = U16(node + 2), nflags = U16(node + 4);
      const uint16_t ksize = U16(node + 6);
      const size_t key_end = at + kNodeHeader + ksize;
      if (key_end > psize_) return BadPage(pgno, "has a key past its end");
      std::string key(node + kNodeHeader, ksize);
      // The first key of a branch page is not stored (it stands for "everything below").
      if (ordered && !(branch && i == 0)) {
        if ((previous && key <= *previous) || (low && key < *low) || (high && key >= *high)) {
          return BadPage(pgno, "has its keys out of order");
        }
        previous = key;
      }
      if (branch) {
        const uint64_t child =
            lo | (static_cast<uint64_t>(hi) << 16) | (static_cast<uint64_t>(nflags) << 32);
        children.push_back({child, std::move(key)});
        continue;
      }
      const uint64_t dsize = lo | (static_cast<uint64_t>(hi) << 16);
      if ((nflags & ~(kBigData | kSubData)) != 0 || nflags == (kBigData | kSubData)) {
        return BadPage(pgno, "has a node of a kind this store does not write");
      }
      if (nflags & kBigData) {
        if (key_end + 8 > psize_) return BadPage(pgno, "has a node past its end");
        const uint64_t first = U64(node + kNodeHeader + ksize);
        RETURN_IF_ERROR(Overflow(first, dsize));
        if (!ordered && !main) {  // a free-list record held in overflow pages
          std::string value(dsize, '\0');
          if (!ReadAt(first * psize_ + kPageHeader, value.data(), dsize)) {
            return BadPage(first, "cannot be read");
          }
          RETURN_IF_ERROR(FreeRecord(value, pgno));
        }
        continue;
      }
      if (key_end + dsize > psize_) return BadPage(pgno, "has a value past its end");
      if (!ordered && !main) {
        RETURN_IF_ERROR(FreeRecord(std::string_view(node + kNodeHeader + ksize, dsize), pgno));
      }
      if (nflags & kSubData) {
        if (!main || dsize != kDbRecord) return BadPage(pgno, "has a misplaced table record");
        sub_dbs_.push_back(ReadDb(node + kNodeHeader + ksize));
      }
    }
    if (branch) {
      for (size_t i = 0; i < children.size(); ++i) {
        std::optional<std::string> child_low = i == 0 ? low : children[i].key;
        std::optional<std::string> child_high =
            i + 1 < children.size() ? std::optional<std::string>(children[i + 1].key) : high;
        RETURN_IF_ERROR(Page(children[i].pgno, depth + 1, main, ordered, child_low, child_high));
      }
    }
    if (depth == 1 && main) {
      // The named tables, found in the main tree's leaves.
      std::vector<Db> tables;
      tables.swap(sub_dbs_);
      for (const Db& table : tables) RETURN_IF_ERROR(Tree(table, /*main=*/false, ordered));
    }
    return Status::Ok();
  }

  // A free-list record: a count, then that many page numbers (u64 each).
  Status FreeRecord(std::string_view value, uint64_t pgno) {
    if (value.size() < 8 || value.size() % 8 != 0 || U64(value.data()) != value.size() / 8 - 1) {
      return BadPage(pgno, "holds a malformed free-list record");
    }
    if (free_pages_.size() + value.size() / 8 > last_page_ + 1) {
      return BadPage(pgno, "holds more free pages than the file has");
    }
    for (size_t i = 8; i < value.size(); i += 8) free_pages_.push_back(U64(value.data() + i));
    return Status::Ok();
  }

  Status Overflow(uint64_t pgno, uint64_t dsize) {
    char head[kPageHeader];
    if (pgno < 2 || pgno > last_page_ || pgno >= file_pages_ ||
        !ReadAt(pgno * psize_, head, sizeof(head))) {
      return Bad("a large value's page number (" + std::to_string(pgno) + ") is outside the file");
    }
    const uint32_t pages = U32(head + 12);
    if (U64(head) != pgno || (U16(head + 10) & kPageKinds) != kOverflow || pages == 0 ||
        dsize > static_cast<uint64_t>(pages) * psize_ - kPageHeader) {
      return BadPage(pgno, "is not the large value its node says");
    }
    return Claim(pgno, pages);
  }

  int fd_;
  uint64_t file_size_;
  uint32_t psize_ = 0;
  uint64_t last_page_ = 0;
  uint64_t file_pages_ = 0;
  std::vector<uint64_t> free_pages_;
  int depth_ = 0;
  std::vector<bool> seen_;
  std::vector<char> page_;
  std::vector<Db> sub_dbs_;
};

}  // namespace

Status CheckLmdbFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status(ErrorCode::kInternal,
                  "metadata: cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  Status status = Status::Ok();
  if (::fstat(fd, &st) != 0) {
    status = Status(ErrorCode::kInternal, "metadata: cannot stat " + path);
  } else if (st.st_size > 0) {
    status = Checker(fd, static_cast<uint64_t>(st.st_size)).Run();
  }
  ::close(fd);
  return status;
}

}  // namespace tessera::meta
