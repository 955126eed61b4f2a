#include "backend/store/ingest.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tessera::store {
namespace {

// Passes a body through, feeding every byte to the digests exactly once.
class HashingSource : public BodySource {
 public:
  HashingSource(BodySource& inner, ChecksumAlgorithm algorithm)
      : inner_(inner), md5_(NewMd5()), checksum_(NewChecksumHasher(algorithm)) {}

  Result<size_t> Read(char* buf, size_t capacity) override {
    ASSIGN_OR_RETURN(size_t n, inner_.Read(buf, capacity));
    if (n > capacity) return Status(ErrorCode::kInternal, "body source overran its buffer");
    md5_->Update(buf, n);
    if (checksum_) checksum_->Update(buf, n);
    total_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override { return inner_.Size(); }

  uint64_t total() const { return total_; }
  std::string FinishMd5() { return md5_->Finish(); }
  std::string FinishChecksum() { return checksum_ ? checksum_->Finish() : std::string(); }

 private:
  BodySource& inner_;
  std::unique_ptr<Hasher> md5_;
  std::unique_ptr<Hasher> checksum_;
  uint64_t total_ = 0;
};

// The bytes already buffered, then the rest of the body.
class ChainSource : public BodySource {
 public:
  ChainSource(std::string head, BodySource& rest) : head_(std::move(head)), rest_(rest) {}

  Result<size_t> Read(char* buf, size_t capacity) override {
    if (pos_ < head_.size()) {
      size_t n = std::min(capacity, head_.size() - pos_);
      std::memcpy(buf, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_.Read(buf, capacity);
  }
  std::optional<uint64_t> Size() const override {
    std::optional<uint64_t> rest = rest_.Size();
    if (!rest) return std::nullopt;
    return *rest;  // the size of the whole body, of which head_ is the start
  }

 private:
  std::string head_;
  size_t pos_ = 0;
  BodySource& rest_;
};

// Reads up to `limit` bytes (fewer only when the body ends).
Status ReadUpTo(BodySource& body, uint64_t limit, std::string* out) {
  constexpr size_t kChunk = 64 * 1024;
  while (out->size() < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, limit - out->size()));
    size_t old = out->size();
    out->resize(old + want);
    Result<size_t> n = body.Read(out->data() + old, want);
    if (!n.ok()) return n.status();
    out->resize(old + *n);
    if (*n == 0) break;
  }
  return Status::Ok();
}

}  // namespace

std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kNone:
      return nullptr;
    case ChecksumAlgorithm::kCrc32:
      return NewCrc32();
    case ChecksumAlgorithm::kCrc32c:
      return NewCrc32c();
    case ChecksumAlgorithm::kSha1:
      return NewSha1();
    case ChecksumAlgorithm::kSha256:
      return NewSha256();
    case ChecksumAlgorithm::kCrc64Nvme:
      return NewCrc64Nvme();
  }
  return nullptr;
}

Result<Ingested> Ingest(extent::ExtentStore& extents, BodySource& body, uint64_t inline_threshold,
                        ChecksumAlgorithm algorithm) {
  HashingSource hashing(body, algorithm);
  std::string head;
  RETURN_IF_ERROR(ReadUpTo(hashing, inline_threshold + 1, &head));
  Ingested out;
  if (head.size() <= inline_threshold) {
    if (!head.empty()) out.manifest.push_back(meta::Segment::Inline(std::move(head)));
  } else {
    ChainSource chain(std::move(head), hashing);
    ASSIGN_OR_RETURN(extent::Written written, extents.Write(chain));
    out.extents = std::move(written.extents);
    out.hold = std::move(written.hold);
    uint64_t stored = 0;
    for (const extent::ExtentLocation& loc : out.extents) {
      out.manifest.push_back(meta::Segment::Extent(loc.id, 0, loc.size));
      stored += loc.size;
    }
    if (stored != hashing.total()) {
      for (const extent::ExtentLocation& loc : out.extents) (void)extents.Delete(loc);
      return Status(ErrorCode::kInternal, "extent store kept " + std::to_string(stored) + " of " +
                                              std::to_string(hashing.total()) + " body bytes");
    }
  }
  out.size = hashing.total();
  out.md5 = hashing.FinishMd5();
  out.checksum = hashing.FinishChecksum();
  return out;
}

Status VerifyDigests(const Ingested& data, const std::optional<std::string>& expected_md5,
                     const std::optional<std::string>& expected_checksum) {
  if (expected_md5 && *expected_md5 != data.md5) {
    return Status(ErrorCode::kBadDigest, "the Content-MD5 does not match the body");
  }
  if (expected_checksum && *expected_checksum != data.checksum) {
    return Status(ErrorCode::kChecksumMismatch, "the checksum does not match the body");
  }
  return Status::Ok();
}

}  // namespace tessera::store
