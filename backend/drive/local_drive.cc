#include "backend/drive/local_drive.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace tessera::drive {
namespace {

// A full drive is retryable (kSlowDown): nothing was damaged, and space comes back.
Status IoError(uint32_t drive, const std::string& what, int err) {
  return Status(err == ENOSPC || err == EDQUOT ? ErrorCode::kSlowDown : ErrorCode::kInternal,
                "drive " + std::to_string(drive) + ": " + what + ": " + std::strerror(err));
}

// Durability of a name (creation, removal) needs an fsync of the directory holding it.
int SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? 0 : err;
}

// The alignment direct writes keep to (a 4 KiB-sector drive's logical block).
constexpr uint64_t kDirectAlign = 4096;

class LocalSegmentFile : public SegmentFile {
 public:
  LocalSegmentFile(uint32_t drive, std::string name, int read_fd, int write_fd)
      : drive_(drive), name_(std::move(name)), read_fd_(read_fd), write_fd_(write_fd) {}
  ~LocalSegmentFile() override {
    if (write_fd_ != read_fd_) ::close(write_fd_);
    ::close(read_fd_);
  }

  Status WriteAt(uint64_t offset, const char* data, size_t n) override {
    if (failed_.load()) return IoError(drive_, "write " + name_ + " after a failed sync", EIO);
    // Direct I/O wants offset, length and memory aligned to the device's block: anything
    // else (or a file system that refuses it) goes through the page cache instead. Both fds
    // are the same file, so one fdatasync covers either.
    int fd = write_fd_;
    if (fd != read_fd_ && ((offset | n | reinterpret_cast<uintptr_t>(data)) % kDirectAlign) != 0) {
      fd = read_fd_;
    }
    while (n > 0) {
      ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
      if (w < 0 && errno == EINVAL && fd != read_fd_) {
        fd = read_fd_;
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return IoError(drive_, "write " + name_, w < 0 ? errno : EIO);
      data += w;
      n -= static_cast<size_t>(w);
      offset += static_cast<uint64_t>(w);
    }
    return Status::Ok();
  }

  Status Sync() override {
    // A failed fdatasync reports its error once and may drop the dirty pages: every later
    // sync of this file would succeed without those bytes. So a failure sticks.
    if (failed_.load()) return IoError(drive_, "fdatasync " + name_ + " (failed before)", EIO);
    // fdatasync also flushes the file size, which later reads need.
    if (::fdatasync(write_fd_) != 0) {
      failed_ = true;
      return IoError(drive_, "fdatasync " + name_, errno);
    }
    return Status::Ok();
  }

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    // Aligned reads bypass the page cache where writes do.
    const bool aligned = ((offset | n | reinterpret_cast<uintptr_t>(buf)) % kDirectAlign) == 0;
    const int fd = aligned ? write_fd_ : read_fd_;
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return IoError(drive_, "read " + name_, errno);
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  // Only direct reads are worth a ring: a read from the page cache is a copy, done at once.
  int ReadFd(bool aligned) const override {
    return aligned && write_fd_ != read_fd_ ? write_fd_ : -1;
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(read_fd_, &st) != 0) return IoError(drive_, "stat " + name_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  uint32_t drive_;
  std::string name_;
  int read_fd_;
  int write_fd_;
  std::atomic<bool> failed_{false};
};

}  // namespace

Result<std::unique_ptr<LocalDrive>> LocalDrive::Open(uint32_t id, std::string root,
                                                     bool direct_io) {
  for (const std::string& dir : {root, root + "/segments"}) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return IoError(id, "cannot create its directory", errno);
    }
  }
  return std::unique_ptr<LocalDrive>(new LocalDrive(id, std::move(root), direct_io));
}

std::string LocalDrive::PathOf(uint64_t segment) const {
  return root_ + "/segments/" + SegmentFileName(segment);
}

Result<std::shared_ptr<SegmentFile>> LocalDrive::OpenFile(uint64_t segment, bool create) {
  const std::string path = PathOf(segment);
  const std::string name = SegmentFileName(segment);
  int read_fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (read_fd < 0) {
    if (errno == ENOENT && !create) {
      return Status(ErrorCode::kDataLoss, "drive " + std::to_string(id_) + ": no segment " + name);
    }
    return IoError(id_, (create ? "create " : "open ") + name, errno);
  }
  int write_fd = read_fd;
  if (direct_io_) {
    write_fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_DIRECT);
    if (write_fd < 0) {
      int err = errno;
      ::close(read_fd);
      if (create) ::unlink(path.c_str());
      return IoError(id_, "open (O_DIRECT) " + name, err);
    }
  }
  auto file = std::make_shared<LocalSegmentFile>(id_, name, read_fd, write_fd);
  if (create) {
    if (int err = SyncDirectory(root_ + "/segments"); err != 0) {
      file.reset();
      ::unlink(path.c_str());  // so that a retry can create it again
      return IoError(id_, "fsync segment directory", err);
    }
  }
  return std::shared_ptr<SegmentFile>(std::move(file));
}

Result<std::shared_ptr<SegmentFile>> LocalDrive::CreateSegment(uint64_t segment) {
  return OpenFile(segment, /*create=*/true);
}

Result<std::shared_ptr<SegmentFile>> LocalDrive::OpenSegment(uint64_t segment) {
  return OpenFile(segment, /*create=*/false);
}

Result<std::vector<uint64_t>> LocalDrive::ListSegments() {
  const std::string dir = root_ + "/segments";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return IoError(id_, "list segments", errno);
  std::vector<uint64_t> out;
  while (struct dirent* e = ::readdir(d)) {
    uint64_t id = 0;
    if (ParseSegmentFileName(e->d_name, &id)) out.push_back(id);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status LocalDrive::Probe(bool write) {
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return IoError(id_, "its directory is gone", errno != 0 ? errno : ENOTDIR);
  }
  const std::string dir = root_ + "/segments";
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return IoError(id_, "cannot create its segment directory", errno);
  }
  if (!write) return Status::Ok();
  const std::string probe = dir + "/probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(id_, "probe", errno);
  char block[4096] = {};
  int err = 0;
  if (::pwrite(fd, block, sizeof block, 0) != static_cast<ssize_t>(sizeof block)) {
    err = errno != 0 ? errno : EIO;
  } else if (::fdatasync(fd) != 0) {
    err = errno;
  }
  ::close(fd);
  ::unlink(probe.c_str());
  if (err != 0) return IoError(id_, "probe", err);
  return Status::Ok();
}

Result<DriveSpace> LocalDrive::Space() {
  struct statvfs vfs;
  if (::statvfs(root_.c_str(), &vfs) != 0) return IoError(id_, "statvfs", errno);
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0) return IoError(id_, "stat", errno);
  DriveSpace space;
  space.total_bytes = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  space.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  space.filesystem = static_cast<uint64_t>(st.st_dev);
  return space;
}

Status LocalDrive::RemoveSegment(uint64_t segment) {
  if (::unlink(PathOf(segment).c_str()) != 0 && errno != ENOENT) {
    return IoError(id_, "remove " + SegmentFileName(segment), errno);
  }
  // No directory fsync: a removal lost in a crash leaves a segment that nothing references,
  // which the next compaction pass removes again.
  return Status::Ok();
}

}  // namespace tessera::drive
