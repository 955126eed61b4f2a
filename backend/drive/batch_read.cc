#include "backend/drive/batch_read.h"

#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::drive {
namespace {

// Reads in flight per submission; a larger batch goes in several rounds.
constexpr unsigned kRingDepth = 32;

// The calling thread's ring, made on first use. A thread whose ring cannot be made (no
// io_uring in this kernel, or a locked-memory limit) reads synchronously from then on, as
// does one whose ring misbehaved once.
class Ring {
 public:
  Ring() { ok_ = io_uring_queue_init(kRingDepth, &ring_, 0) == 0; }
  ~Ring() {
    if (ok_) io_uring_queue_exit(&ring_);
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  bool usable() const { return ok_ && !broken_; }
  io_uring* get() { return &ring_; }
  void Break() { broken_ = true; }

 private:
  io_uring ring_{};
  bool ok_ = false;
  bool broken_ = false;
};

Ring& ThreadRing() {
  thread_local Ring ring;
  return ring;
}

bool Aligned(const ReadOp& op) {
  return ((op.offset | op.n | reinterpret_cast<uintptr_t>(op.buf)) % 4096) == 0;
}

void ReadSync(ReadOp& op) { op.got = op.file->ReadAt(op.offset, op.buf, op.n); }

// Completes `op` from a ring completion `res` (bytes read, or -errno).
void Complete(ReadOp& op, int res) {
  if (res < 0) {
    // Again the plain way, so that the error names the drive and segment as ReadAt() does.
    ReadSync(op);
    if (op.got.ok() && *op.got != op.n) {
      op.got = Status(ErrorCode::kInternal, std::string("read: ") + std::strerror(-res));
    }
    return;
  }
  size_t got = static_cast<size_t>(res);
  if (got > 0 && got < op.n) {
    // Short before the end of the file: finish it the plain way.
    auto rest = op.file->ReadAt(op.offset + got, op.buf + got, op.n - got);
    if (!rest.ok()) {
      op.got = rest.status();
      return;
    }
    got += *rest;
  }
  op.got = got;
}

// Runs `ops` (every one with a descriptor, at most kRingDepth) through the ring. Whatever
// the ring did not complete is read synchronously; a ring that fails is not used again.
void RingRound(Ring& ring, const std::vector<ReadOp*>& ops) {
  io_uring* r = ring.get();
  std::vector<bool> done(ops.size(), false);
  unsigned queued = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(r);
    if (sqe == nullptr) break;
    const ReadOp& op = *ops[i];
    io_uring_prep_read(sqe, op.file->ReadFd(Aligned(op)), op.buf, static_cast<unsigned>(op.n),
                       op.offset);
    io_uring_sqe_set_data64(sqe, i);
    ++queued;
  }
  int submitted = io_uring_submit(r);
  while (submitted == -EINTR) submitted = io_uring_submit(r);
  if (submitted < 0 || static_cast<unsigned>(submitted) != queued) ring.Break();
  for (int reaped = 0; reaped < submitted; ++reaped) {
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_wait_cqe(r, &cqe);
    while (rc == -EINTR || rc == -EAGAIN) rc = io_uring_wait_cqe(r, &cqe);
    if (rc < 0) {
      // Only a broken ring fails here (the kernel has dropped it); stop using it and read
      // what is left the plain way.
      ring.Break();
      break;
    }
    const size_t i = io_uring_cqe_get_data64(cqe);
    const int res = cqe->res;
    io_uring_cqe_seen(r, cqe);
    if (i < ops.size() && !done[i]) {
      done[i] = true;
      Complete(*ops[i], res);
    }
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!done[i]) ReadSync(*ops[i]);
  }
}

}  // namespace

void ReadAll(std::vector<ReadOp>& ops) {
  std::vector<ReadOp*> ringed;
  for (ReadOp& op : ops) {
    if (op.n == 0) {
      op.got = size_t{0};
    } else if (op.file->ReadFd(Aligned(op)) >= 0 && op.n <= (1u << 30)) {
      ringed.push_back(&op);
    } else {
      ReadSync(op);
    }
  }
  if (ringed.empty()) return;
  Ring& ring = ThreadRing();
  if (ringed.size() == 1 || !ring.usable()) {
    for (ReadOp* op : ringed) ReadSync(*op);
    return;
  }
  for (size_t begin = 0; begin < ringed.size(); begin += kRingDepth) {
    const size_t end = std::min(ringed.size(), begin + kRingDepth);
    std::vector<ReadOp*> round(ringed.begin() + begin, ringed.begin() + end);
    if (ring.usable()) {
      RingRound(ring, round);
    } else {
      for (ReadOp* op : round) ReadSync(*op);
    }
  }
}

}  // namespace tessera::drive
