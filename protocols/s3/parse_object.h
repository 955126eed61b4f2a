#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backend/api/object_model.h"
#include "backend/api/object_store.h"
#include "backend/api/status.h"
#include "http/request.h"

namespace tessera::s3 {

// Content headers, x-amz-meta-* and x-amz-storage-class of a write. "aws-chunked" is
// removed from Content-Encoding (it describes the transfer, not the object).
// kMetadataTooLarge past 2 KiB of user metadata; kInvalidStorageClass for unknown classes.
Result<ObjectAttributes> ParseAttributes(const HttpRequest& request);

// The checksum a write asks for: the algorithm (x-amz-sdk-checksum-algorithm,
// x-amz-checksum-algorithm, an x-amz-checksum-* header, or the x-amz-trailer name) and,
// when sent as a header, its expected raw value. kInvalidDigest for undecodable values.
struct ChecksumRequest {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::optional<std::string> expected;  // raw bytes
};
Result<ChecksumRequest> ParseChecksum(const HttpRequest& request);
// Content-MD5 as raw bytes; kInvalidDigest when not base64 of 16 bytes.
Result<std::optional<std::string>> ParseContentMd5(const HttpRequest& request);

// If-Match & co. (or x-amz-copy-source-if-* with that prefix). Unparseable dates are
// ignored, as HTTP requires.
Preconditions ParsePreconditions(const HttpRequest& request, std::string_view prefix = "");

// "bytes=first-last" | "bytes=first-" | "bytes=-suffix". Anything else (several ranges,
// other units, garbage) is nullopt: the header is ignored and the whole object served.
std::optional<ByteRange> ParseRange(std::string_view header);

// x-amz-copy-source: "[/]bucket/key[?versionId=...]", percent-encoded.
struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // ?versionId=, empty when absent
};
Result<CopySource> ParseCopySource(std::string_view header);

std::string_view ChecksumName(ChecksumAlgorithm algorithm);  // "CRC32", "SHA256", ...
std::string ChecksumHeader(ChecksumAlgorithm algorithm);     // "x-amz-checksum-crc32"
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);

}  // namespace tessera::s3
