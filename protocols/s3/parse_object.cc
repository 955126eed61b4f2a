#include "protocols/s3/parse_object.h"

#include <charconv>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/tags.h"

namespace tessera::s3 {
namespace {

constexpr size_t kMaxUserMetadata = 2048;

constexpr std::string_view kStorageClasses[] = {
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",  "DEEP_ARCHIVE",       "GLACIER_IR",  "OUTPOSTS",   "EXPRESS_ONEZONE",
    "SNOW"};

struct AlgorithmName {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  size_t raw_size;
};
constexpr AlgorithmName kAlgorithms[] = {
    {ChecksumAlgorithm::kCrc32, "CRC32", 4},         {ChecksumAlgorithm::kCrc32c, "CRC32C", 4},
    {ChecksumAlgorithm::kSha1, "SHA1", 20},          {ChecksumAlgorithm::kSha256, "SHA256", 32},
    {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", 8},
};

std::string RemoveAwsChunked(std::string_view encoding) {
  std::string out;
  while (!encoding.empty()) {
    size_t comma = encoding.find(',');
    std::string_view token = Trim(encoding.substr(0, comma));
    if (!token.empty() && ToLower(token) != "aws-chunked") {
      if (!out.empty()) out += ",";
      out += token;
    }
    if (comma == std::string_view::npos) break;
    encoding.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Unquote(std::string_view etag) {
  etag = Trim(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

std::string_view ChecksumName(ChecksumAlgorithm algorithm) {
  for (const auto& a : kAlgorithms) {
    if (a.algorithm == algorithm) return a.name;
  }
  return "";
}

std::string ChecksumHeader(ChecksumAlgorithm algorithm) {
  return "x-amz-checksum-" + ToLower(ChecksumName(algorithm));
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& a : kAlgorithms) {
    if (a.name == upper) return a.algorithm;
  }
  return std::nullopt;
}

Result<ObjectAttributes> ParseAttributes(const HttpRequest& request) {
  ObjectAttributes attributes;
  ContentHeaders& c = attributes.content;
  c.content_type = request.Header("content-type");
  c.content_encoding = RemoveAwsChunked(request.Header("content-encoding"));
  c.content_language = request.Header("content-language");
  c.content_disposition = request.Header("content-disposition");
  c.cache_control = request.Header("cache-control");
  c.expires = request.Header("expires");
  size_t metadata_size = 0;
  for (const auto& [name, value] : request.headers) {
    if (name.starts_with("x-amz-meta-") && name.size() > 11) {
      std::string key = name.substr(11);
      metadata_size += key.size() + value.size();
      auto [it, inserted] = attributes.metadata.emplace(key, value);
      // Repeated metadata headers are joined, as S3 does.
      if (!inserted) it->second += "," + value;
    }
  }
  if (metadata_size > kMaxUserMetadata) {
    return Status(ErrorCode::kMetadataTooLarge,
                  "Your metadata headers exceed the maximum allowed metadata size");
  }
  ASSIGN_OR_RETURN(attributes.tags, ParseTagHeader(request.Header("x-amz-tagging"), TagRules::kS3));
  std::string_view storage_class = request.Header("x-amz-storage-class");
  if (!storage_class.empty()) {
    bool known = false;
    for (auto s : kStorageClasses) known = known || s == storage_class;
    if (!known) {
      return Status(ErrorCode::kInvalidStorageClass,
                    "The storage class you specified is not valid");
    }
    attributes.storage_class = std::string(storage_class);
  }
  return attributes;
}

Result<ChecksumRequest> ParseChecksum(const HttpRequest& request) {
  ChecksumRequest out;
  for (std::string_view header : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
    std::string_view value = request.Header(header);
    if (value.empty()) continue;
    auto algorithm = ParseChecksumAlgorithm(value);
    if (!algorithm) {
      return Status(ErrorCode::kInvalidArgument,
                    "Value for " + std::string(header) + " header is invalid.");
    }
    out.algorithm = *algorithm;
  }
  for (const auto& a : kAlgorithms) {
    std::string header = ChecksumHeader(a.algorithm);
    std::string_view value = request.Header(header);
    if (value.empty()) continue;
    auto raw = Base64Decode(value);
    if (!raw || raw->size() != a.raw_size) {
      return Status(ErrorCode::kInvalidDigest, "Value for " + header + " header is invalid.");
    }
    if (out.algorithm != ChecksumAlgorithm::kNone && out.algorithm != a.algorithm) {
      return Status(ErrorCode::kInvalidRequest,
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                    "not allowed.");
    }
    out.algorithm = a.algorithm;
    out.expected = std::move(*raw);
  }
  std::string trailer = ToLower(request.Header("x-amz-trailer"));
  if (trailer.starts_with("x-amz-checksum-")) {
    auto algorithm = ParseChecksumAlgorithm(trailer.substr(15));
    if (!algorithm) return Status(ErrorCode::kInvalidArgument, "Unsupported x-amz-trailer");
    out.algorithm = *algorithm;
  }
  return out;
}

Result<std::optional<std::string>> ParseContentMd5(const HttpRequest& request) {
  if (!request.HasHeader("content-md5")) return std::optional<std::string>();
  auto raw = Base64Decode(request.Header("content-md5"));
  if (!raw || raw->size() != 16) {
    return Status(ErrorCode::kInvalidDigest, "The Content-MD5 you specified was invalid.");
  }
  return std::optional<std::string>(std::move(*raw));
}

Preconditions ParsePreconditions(const HttpRequest& request, std::string_view prefix) {
  Preconditions p;
  auto header = [&](std::string_view name) {
    return request.Header(std::string(prefix) + std::string(name));
  };
  std::string prefix_str(prefix);
  if (request.HasHeader(prefix_str + "if-match")) p.if_match = Unquote(header("if-match"));
  if (request.HasHeader(prefix_str + "if-none-match")) {
    p.if_none_match = Unquote(header("if-none-match"));
  }
  if (auto t = ParseHttpDate(header("if-modified-since"))) p.if_modified_since = *t;
  if (auto t = ParseHttpDate(header("if-unmodified-since"))) p.if_unmodified_since = *t;
  return p;
}

std::optional<ByteRange> ParseRange(std::string_view header) {
  header = Trim(header);
  if (!header.starts_with("bytes=")) return std::nullopt;
  std::string_view spec = Trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view first = Trim(spec.substr(0, dash));
  std::string_view last = Trim(spec.substr(dash + 1));
  ByteRange range;
  if (first.empty()) {
    auto suffix = ParseUint(last);
    if (!suffix) return std::nullopt;
    range.suffix_length = *suffix;
    return range;
  }
  auto f = ParseUint(first);
  if (!f) return std::nullopt;
  range.first = *f;
  if (!last.empty()) {
    auto l = ParseUint(last);
    if (!l || *l < *f) return std::nullopt;
    range.last = *l;
  }
  return range;
}

Result<CopySource> ParseCopySource(std::string_view header) {
  std::string_view raw = header;
  std::string version_id;
  if (size_t q = raw.find('?'); q != std::string_view::npos) {
    std::string_view params = raw.substr(q + 1);
    raw = raw.substr(0, q);
    if (params.starts_with("versionId=")) {
      auto decoded = UriDecode(params.substr(10));
      if (!decoded || decoded->empty()) {
        return Status(ErrorCode::kInvalidArgument, "Invalid version id specified");
      }
      version_id = std::move(*decoded);
    }
  }
  auto decoded = UriDecode(raw);
  if (!decoded) return Status(ErrorCode::kInvalidArgument, "Invalid copy source encoding");
  std::string_view s = *decoded;
  if (s.starts_with('/')) s.remove_prefix(1);
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) {
    return Status(ErrorCode::kInvalidArgument,
                  "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return CopySource{std::string(s.substr(0, slash)), std::string(s.substr(slash + 1)),
                    std::move(version_id)};
}

}  // namespace tessera::s3
