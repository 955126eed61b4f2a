#include "backend/drive/local_drive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tessera::drive {
namespace {

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status(ErrorCode::kInternal, what + " " + path + ": " + std::strerror(err));
}

// Durability of a name (creation, rename) needs an fsync of the directory holding it.
Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync directory", dir, err);
  return Status::Ok();
}

// mkdir that tolerates an existing directory; fsyncs the parent when it created one.
Status MakeDirectory(const std::string& dir, const std::string& parent) {
  if (::mkdir(dir.c_str(), 0755) == 0) return SyncDirectory(parent);
  if (errno == EEXIST) return Status::Ok();
  return IoError("mkdir", dir, errno);
}

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class LocalAppendFile : public AppendFile {
 public:
  LocalAppendFile(int fd, std::string tmp_path, std::string final_path, std::string dir)
      : fd_(fd),
        tmp_path_(std::move(tmp_path)),
        final_path_(std::move(final_path)),
        dir_(std::move(dir)) {}
  ~LocalAppendFile() override { Abort(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status(ErrorCode::kInternal, "append to a closed fragment file");
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return IoError("write", tmp_path_, n < 0 ? errno : EIO);
      offset_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status Commit() override {
    if (fd_ < 0) return Status(ErrorCode::kInternal, "commit of a closed fragment file");
    // fdatasync also flushes the file size, which a later read needs.
    if (::fdatasync(fd_) != 0) return IoError("fdatasync", tmp_path_, errno);
    if (::close(fd_) != 0) {
      fd_ = -1;
      return IoError("close", tmp_path_, errno);
    }
    fd_ = -1;
    if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
      return IoError("rename", tmp_path_, errno);
    }
    committed_ = true;
    return SyncDirectory(dir_);
  }

  void Abort() override {
    if (committed_) return;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (!tmp_path_.empty()) {
      ::unlink(tmp_path_.c_str());
      tmp_path_.clear();
    }
  }

 private:
  int fd_;
  std::string tmp_path_;
  std::string final_path_;
  std::string dir_;
  uint64_t offset_ = 0;
  bool committed_ = false;
};

class LocalReadFile : public ReadFile {
 public:
  LocalReadFile(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~LocalReadFile() override { ::close(fd_); }

  uint64_t size() const override { return size_; }

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return IoError("read", path_, errno);
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<LocalDrive>> LocalDrive::Open(uint32_t id, std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return Status(ErrorCode::kInvalidArgument, "empty drive path");
  RETURN_IF_ERROR(MakeDirectory(root, Parent(root)));
  RETURN_IF_ERROR(MakeDirectory(root + "/fragments", root));
  return std::unique_ptr<LocalDrive>(new LocalDrive(id, std::move(root)));
}

std::string LocalDrive::FanOutDir(const FragmentId& fragment) const {
  char fan[4];
  std::snprintf(fan, sizeof(fan), "%02x", static_cast<unsigned>(fragment.extent_id >> 56));
  return root_ + "/fragments/" + fan;
}

std::string LocalDrive::PathOf(const FragmentId& fragment) const {
  return FanOutDir(fragment) + "/" + fragment.Name();
}

Result<std::unique_ptr<AppendFile>> LocalDrive::Create(const FragmentId& fragment) {
  const std::string dir = FanOutDir(fragment);
  RETURN_IF_ERROR(MakeDirectory(dir, root_ + "/fragments"));
  std::string final_path = PathOf(fragment);
  std::string tmp_path = final_path + ".tmp";
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", tmp_path, errno);
  return std::unique_ptr<AppendFile>(
      new LocalAppendFile(fd, std::move(tmp_path), std::move(final_path), dir));
}

Result<std::unique_ptr<ReadFile>> LocalDrive::Open(const FragmentId& fragment) {
  std::string path = PathOf(fragment);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(ErrorCode::kDataLoss, "missing fragment " + path);
    return IoError("open", path, errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return IoError("stat", path, err);
  }
  return std::unique_ptr<ReadFile>(
      new LocalReadFile(fd, static_cast<uint64_t>(st.st_size), std::move(path)));
}

Result<bool> LocalDrive::Exists(const FragmentId& fragment) {
  std::string path = PathOf(fragment);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return IoError("stat", path, errno);
}

// Not followed by a directory fsync: a removal lost in a crash leaves an unreferenced
// fragment (wasted space for the scrubber), never a dangling reference.
Status LocalDrive::Remove(const FragmentId& fragment) {
  std::string path = PathOf(fragment);
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  return IoError("unlink", path, errno);
}

}  // namespace tessera::drive
