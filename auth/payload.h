#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "backend/api/body.h"
#include "backend/api/status.h"
#include "common/hash.h"

namespace tessera::auth {

// Body wrappers that check what SigV4 promised about the payload. Each wraps a caller-owned
// `raw` source that must outlive it, streams bytes through without buffering the body, and
// fails the final Read() (the one that would return 0) when a check fails, so a writer never
// commits unverified bytes. Errors are sticky. Not thread-safe.

// Passes bytes through; at end of stream fails the final Read with kPayloadHashMismatch when
// the SHA-256 of the body differs from `expected_hex` (64 hex digits, any case).
std::unique_ptr<BodySource> NewSha256VerifyingSource(BodySource& raw, std::string expected_hex);

// Decodes an aws-chunked body:
//   chunk      = hex-size [";chunk-signature=" 64HEX] CRLF data CRLF
//   body       = *chunk "0" [";chunk-signature=" 64HEX] CRLF *(trailer CRLF) CRLF
//   trailer    = name ":" value        (x-amz-trailer-signature:<64HEX> last when signed)
// In the signed modes every chunk signature is checked (AWS4-HMAC-SHA256-PAYLOAD, chained from
// the seed signature), and in kStreamingSignedTrailer the trailer signature too
// (AWS4-HMAC-SHA256-TRAILER over "name:value\n" of each trailer). The checksum trailers named
// by x-amz-trailer (x-amz-checksum-crc32, -crc32c, -sha1, -sha256, -crc64nvme; base64 values)
// must be present and match the decoded bytes.
// Errors from Read():
//   kInvalidArgument     malformed framing (bad size line, missing CRLF, bytes after the end,
//                        over-long line or trailer section), more data than
//                        x-amz-decoded-content-length, an unknown or missing trailer
//   kIncompleteBody      the stream ended early, or carried less than the decoded length
//   kSignatureMismatch   a chunk or trailer signature is missing or wrong
//   kChecksumMismatch    a checksum trailer does not match the data
// Data is returned before its chunk signature can be checked (chunks are never buffered
// whole); any failure surfaces no later than the final Read.
class AwsChunkedSource : public BodySource {
 public:
  // Limits on the framing, not the data.
  static constexpr size_t kMaxLineBytes = 4096;
  static constexpr size_t kMaxTrailerBytes = 16384;

  AwsChunkedSource(BodySource& raw, const SigV4Context& context,
                   std::optional<uint64_t> decoded_length, std::string trailer_names);
  ~AwsChunkedSource() override;

  Result<size_t> Read(char* buf, size_t capacity) override;
  // The decoded length, when the request declared it.
  std::optional<uint64_t> Size() const override { return decoded_length_; }

  // After Read() returned 0: trailer headers received, names lowercased (e.g.
  // {"x-amz-checksum-crc32", "<base64>"}), without x-amz-trailer-signature.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }
  // Decoded bytes returned so far.
  uint64_t decoded_bytes() const { return decoded_; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailers, kDone };

  Result<size_t> Step(char* buf, size_t capacity);
  Result<bool> Fill();                                        // false at end of the raw stream
  Result<std::optional<std::string>> ReadLine(size_t limit);  // nullopt at a clean EOF
  Status StartChunk(const std::string& line);
  Status FinishChunk();
  Status ReadTrailers();
  Status Finish();

  BodySource& raw_;
  const bool signed_;
  const bool signed_trailer_;
  const std::string signing_key_;
  const std::string amz_date_;
  const std::string scope_;
  std::string previous_signature_;
  const std::optional<uint64_t> decoded_length_;

  // Expected trailers (from x-amz-trailer) and the checksum being computed for one of them.
  std::vector<std::string> expected_trailers_;
  std::string checksum_name_;
  std::unique_ptr<Hasher> checksum_;

  State state_ = State::kSizeLine;
  Status error_;
  std::string in_;  // raw bytes read but not consumed: in_[in_pos_, in_.size())
  size_t in_pos_ = 0;
  bool raw_eof_ = false;

  uint64_t chunk_remaining_ = 0;
  std::string chunk_signature_;
  std::unique_ptr<Hasher> chunk_hash_;
  uint64_t decoded_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
};

std::unique_ptr<AwsChunkedSource> NewAwsChunkedSource(BodySource& raw, const SigV4Context& context,
                                                      std::optional<uint64_t> decoded_length,
                                                      std::string trailer_names);

}  // namespace tessera::auth
