#include "auth/payload.h"

#include <algorithm>
#include <cstring>

#include "common/encoding.h"

namespace tessera::auth {
namespace {

constexpr size_t kRawReadBytes = 16384;
constexpr std::string_view kChunkSignaturePrefix = "chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";

Status Malformed(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}

Status Truncated() {
  return Status(ErrorCode::kIncompleteBody, "the aws-chunked body ended early");
}

bool IsLowerOrUpperHex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

std::optional<uint64_t> ParseHexSize(std::string_view s) {
  if (s.empty() || s.size() > 15 || !IsLowerOrUpperHex(s)) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    n = (n << 4) | static_cast<uint64_t>(d);
  }
  return n;
}

std::unique_ptr<Hasher> NewChecksum(std::string_view name) {
  if (name == "x-amz-checksum-crc32") return NewCrc32();
  if (name == "x-amz-checksum-crc32c") return NewCrc32c();
  if (name == "x-amz-checksum-sha1") return NewSha1();
  if (name == "x-amz-checksum-sha256") return NewSha256();
  if (name == "x-amz-checksum-crc64nvme") return NewCrc64Nvme();
  return nullptr;
}

class Sha256VerifyingSource : public BodySource {
 public:
  Sha256VerifyingSource(BodySource& raw, std::string expected_hex)
      : raw_(raw), expected_(ToLower(expected_hex)), hash_(NewSha256()) {}

  Result<size_t> Read(char* buf, size_t capacity) override {
    if (!error_.ok()) return error_;
    if (done_) return size_t{0};
    Result<size_t> n = raw_.Read(buf, capacity);
    if (!n.ok()) {
      error_ = n.status();
      return error_;
    }
    if (*n > 0) {
      hash_->Update(buf, *n);
      return n;
    }
    if (capacity == 0) return n;
    if (!ConstantTimeEquals(HexEncode(hash_->Finish()), expected_)) {
      error_ = Status(ErrorCode::kPayloadHashMismatch,
                      "the provided x-amz-content-sha256 header does not match what was "
                      "computed");
      return error_;
    }
    done_ = true;
    return size_t{0};
  }
  std::optional<uint64_t> Size() const override { return raw_.Size(); }

 private:
  BodySource& raw_;
  const std::string expected_;
  std::unique_ptr<Hasher> hash_;
  Status error_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<BodySource> NewSha256VerifyingSource(BodySource& raw, std::string expected_hex) {
  return std::make_unique<Sha256VerifyingSource>(raw, std::move(expected_hex));
}

AwsChunkedSource::AwsChunkedSource(BodySource& raw, const SigV4Context& context,
                                   std::optional<uint64_t> decoded_length,
                                   std::string trailer_names)
    : raw_(raw),
      signed_(context.payload_mode == PayloadMode::kStreamingSigned ||
              context.payload_mode == PayloadMode::kStreamingSignedTrailer),
      signed_trailer_(context.payload_mode == PayloadMode::kStreamingSignedTrailer),
      signing_key_(context.signing_key),
      amz_date_(context.amz_date),
      scope_(context.scope),
      previous_signature_(context.seed_signature),
      decoded_length_(decoded_length) {
  if (signed_ && (signing_key_.empty() || previous_signature_.empty())) {
    error_ = Status(ErrorCode::kInternal, "signed aws-chunked body without a signing context");
    return;
  }
  std::string_view names = trailer_names;
  while (!names.empty()) {
    size_t comma = names.find(',');
    std::string name = ToLower(Trim(names.substr(0, comma)));
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    if (name.empty()) continue;
    std::unique_ptr<Hasher> hasher = NewChecksum(name);
    if (hasher == nullptr) {
      error_ = Malformed("unsupported x-amz-trailer: " + name);
      return;
    }
    if (checksum_ != nullptr) {
      error_ = Malformed("x-amz-trailer names more than one checksum");
      return;
    }
    checksum_ = std::move(hasher);
    checksum_name_ = name;
    expected_trailers_.push_back(std::move(name));
  }
}

AwsChunkedSource::~AwsChunkedSource() = default;

Result<size_t> AwsChunkedSource::Read(char* buf, size_t capacity) {
  if (!error_.ok()) return error_;
  if (capacity == 0) return size_t{0};
  Result<size_t> n = Step(buf, capacity);
  if (!n.ok()) error_ = n.status();
  return n;
}

Result<size_t> AwsChunkedSource::Step(char* buf, size_t capacity) {
  while (true) {
    switch (state_) {
      case State::kSizeLine: {
        ASSIGN_OR_RETURN(std::optional<std::string> line, ReadLine(kMaxLineBytes));
        if (!line) return Truncated();
        RETURN_IF_ERROR(StartChunk(*line));
        break;
      }
      case State::kData: {
        if (chunk_remaining_ == 0) {
          state_ = State::kDataEnd;
          break;
        }
        size_t want = static_cast<size_t>(std::min<uint64_t>(capacity, chunk_remaining_));
        size_t n = 0;
        if (in_pos_ < in_.size()) {
          n = std::min(want, in_.size() - in_pos_);
          std::memcpy(buf, in_.data() + in_pos_, n);
          in_pos_ += n;
        } else {
          if (raw_eof_) return Truncated();
          ASSIGN_OR_RETURN(n, raw_.Read(buf, want));
          if (n == 0) {
            raw_eof_ = true;
            return Truncated();
          }
        }
        if (chunk_hash_) chunk_hash_->Update(buf, n);
        if (checksum_) checksum_->Update(buf, n);
        chunk_remaining_ -= n;
        decoded_ += n;
        return n;
      }
      case State::kDataEnd: {
        while (in_.size() - in_pos_ < 2) {
          ASSIGN_OR_RETURN(bool more, Fill());
          if (!more) return Truncated();
        }
        if (in_[in_pos_] != '\r' || in_[in_pos_ + 1] != '\n') {
          return Malformed("chunk data is not followed by CRLF");
        }
        in_pos_ += 2;
        RETURN_IF_ERROR(FinishChunk());
        state_ = State::kSizeLine;
        break;
      }
      case State::kTrailers:
        RETURN_IF_ERROR(ReadTrailers());
        RETURN_IF_ERROR(Finish());
        state_ = State::kDone;
        return size_t{0};
      case State::kDone:
        return size_t{0};
    }
  }
}

Result<bool> AwsChunkedSource::Fill() {
  if (raw_eof_) return false;
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  size_t old = in_.size();
  in_.resize(old + kRawReadBytes);
  Result<size_t> n = raw_.Read(in_.data() + old, kRawReadBytes);
  if (!n.ok()) {
    in_.resize(old);
    return n.status();
  }
  in_.resize(old + *n);
  if (*n == 0) raw_eof_ = true;
  return *n > 0;
}

Result<std::optional<std::string>> AwsChunkedSource::ReadLine(size_t limit) {
  size_t scanned = 0;
  while (true) {
    size_t lf = in_.find('\n', in_pos_ + scanned);
    if (lf != std::string::npos) {
      size_t length = lf - in_pos_;
      if (length == 0 || in_[lf - 1] != '\r') return Malformed("line not terminated by CRLF");
      if (length - 1 > limit) return Malformed("aws-chunked line too long");
      std::string line = in_.substr(in_pos_, length - 1);
      in_pos_ = lf + 1;
      return std::optional<std::string>(std::move(line));
    }
    scanned = in_.size() - in_pos_;
    if (scanned > limit + 1) return Malformed("aws-chunked line too long");
    ASSIGN_OR_RETURN(bool more, Fill());
    if (!more) {
      if (in_pos_ == in_.size()) return std::optional<std::string>();
      return Truncated();
    }
  }
}

Status AwsChunkedSource::StartChunk(const std::string& line) {
  std::string_view text = line;
  size_t semi = text.find(';');
  std::optional<uint64_t> size = ParseHexSize(text.substr(0, semi));
  if (!size) return Malformed("bad aws-chunked size line");
  std::string_view extension =
      semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
  if (signed_) {
    if (extension.substr(0, kChunkSignaturePrefix.size()) != kChunkSignaturePrefix) {
      return Status(ErrorCode::kSignatureMismatch, "chunk without a chunk-signature");
    }
    std::string_view signature = extension.substr(kChunkSignaturePrefix.size());
    if (signature.size() != 64 || !IsLowerOrUpperHex(signature)) {
      return Malformed("chunk-signature must be 64 hex characters");
    }
    chunk_signature_ = ToLower(signature);
    chunk_hash_ = NewSha256();
  }
  if (decoded_length_ && *size > *decoded_length_ - decoded_) {
    return Malformed("aws-chunked body is longer than x-amz-decoded-content-length");
  }
  if (*size == 0) {
    RETURN_IF_ERROR(FinishChunk());
    state_ = State::kTrailers;
    return Status::Ok();
  }
  chunk_remaining_ = *size;
  state_ = State::kData;
  return Status::Ok();
}

Status AwsChunkedSource::FinishChunk() {
  if (!signed_) return Status::Ok();
  std::string data_hash = HexEncode(chunk_hash_->Finish());
  chunk_hash_.reset();
  std::string expected = SignatureHex(
      signing_key_, ChunkStringToSign(amz_date_, scope_, previous_signature_, data_hash));
  if (!ConstantTimeEquals(expected, chunk_signature_)) {
    return Status(ErrorCode::kSignatureMismatch, "chunk signature does not match");
  }
  previous_signature_ = std::move(expected);
  return Status::Ok();
}

Status AwsChunkedSource::ReadTrailers() {
  size_t total = 0;
  std::string canonical;  // "name:value\n" per trailer, what the trailer signature covers
  std::optional<std::string> signature;
  bool at_eof = false;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<std::string> line, ReadLine(kMaxLineBytes));
    if (!line) {
      at_eof = true;
      break;
    }
    if (line->empty()) break;
    total += line->size() + 2;
    if (total > kMaxTrailerBytes) return Malformed("aws-chunked trailer section too large");
    size_t colon = line->find(':');
    if (colon == std::string::npos) return Malformed("trailer line without ':'");
    std::string name = ToLower(Trim(std::string_view(*line).substr(0, colon)));
    std::string value(Trim(std::string_view(*line).substr(colon + 1)));
    if (name.empty()) return Malformed("trailer with an empty name");
    if (signature) return Malformed("trailer after x-amz-trailer-signature");
    if (name == kTrailerSignatureName) {
      signature = std::move(value);
      continue;
    }
    canonical += name;
    canonical += ':';
    canonical += value;
    canonical += '\n';
    trailers_.emplace_back(std::move(name), std::move(value));
  }
  if (signed_trailer_ && (signature || !trailers_.empty())) {
    if (!signature) return Status(ErrorCode::kSignatureMismatch, "missing trailer signature");
    std::string expected = SignatureHex(
        signing_key_,
        TrailerStringToSign(amz_date_, scope_, previous_signature_, HexEncode(Sha256(canonical))));
    if (!ConstantTimeEquals(expected, ToLower(*signature))) {
      return Status(ErrorCode::kSignatureMismatch, "trailer signature does not match");
    }
  } else if (signature && !signed_trailer_) {
    return Malformed("trailer signature in an unsigned-trailer body");
  }
  if (at_eof) return Status::Ok();
  if (in_pos_ < in_.size()) return Malformed("bytes after the end of the aws-chunked body");
  ASSIGN_OR_RETURN(bool more, Fill());
  if (more) return Malformed("bytes after the end of the aws-chunked body");
  return Status::Ok();
}

Status AwsChunkedSource::Finish() {
  for (const std::string& name : expected_trailers_) {
    bool found = std::any_of(trailers_.begin(), trailers_.end(),
                             [&](const auto& t) { return t.first == name; });
    if (!found) return Malformed("missing trailer " + name);
  }
  if (checksum_ != nullptr) {
    std::string computed = Base64Encode(checksum_->Finish());
    for (const auto& [name, value] : trailers_) {
      if (name == checksum_name_ && value != computed) {
        return Status(ErrorCode::kChecksumMismatch,
                      "the " + checksum_name_ +
                          " you specified did not match the calculated "
                          "checksum");
      }
    }
  }
  if (decoded_length_ && decoded_ != *decoded_length_) {
    return Status(ErrorCode::kIncompleteBody,
                  "the body carried fewer bytes than x-amz-decoded-content-length");
  }
  return Status::Ok();
}

std::unique_ptr<AwsChunkedSource> NewAwsChunkedSource(BodySource& raw, const SigV4Context& context,
                                                      std::optional<uint64_t> decoded_length,
                                                      std::string trailer_names) {
  return std::make_unique<AwsChunkedSource>(raw, context, decoded_length, std::move(trailer_names));
}

}  // namespace tessera::auth
