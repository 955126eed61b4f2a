#include "protocols/s3/parse_object.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera::s3 {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest WithHeaders(Headers headers) {
  HttpRequest request;
  request.method = "PUT";
  request.target = "/bkt/key";
  request.headers = std::move(headers);
  return request;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 7231's example date).
constexpr int64_t kRfcExampleMicros = 784111777LL * 1000000;

// ParseRange

TEST(ParseRangeTest, FirstToLast) {
  auto r = ParseRange("bytes=0-0");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->last, 0u);
  EXPECT_FALSE(r->suffix_length.has_value());

  r = ParseRange("bytes=100-199");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 100u);
  EXPECT_EQ(r->last, 199u);
}

TEST(ParseRangeTest, OpenEnded) {
  auto r = ParseRange("bytes=5-");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 5u);
  EXPECT_FALSE(r->last.has_value());
  EXPECT_FALSE(r->suffix_length.has_value());
}

TEST(ParseRangeTest, Suffix) {
  auto r = ParseRange("bytes=-10");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->first.has_value());
  EXPECT_FALSE(r->last.has_value());
  EXPECT_EQ(r->suffix_length, 10u);
}

TEST(ParseRangeTest, LargeOffsets) {
  auto r = ParseRange("bytes=5368709120-10737418239");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 5368709120u);
  EXPECT_EQ(r->last, 10737418239u);
}

TEST(ParseRangeTest, InvalidFormsAreIgnored) {
  for (const char* header : {"", "bytes", "bytes=", "bytes=-", "bytes=abc", "bytes=1-x",
                             "bytes=x-1", "bytes=5", "items=0-1", "0-1", "bytes=1-2-3",
                             "bytes=-1-2", "bytes=+1-2", "bytes=99999999999999999999-"}) {
    EXPECT_FALSE(ParseRange(header).has_value()) << header;
  }
}

TEST(ParseRangeTest, MultipleRangesAreIgnored) {
  EXPECT_FALSE(ParseRange("bytes=0-1,5-6").has_value());
  EXPECT_FALSE(ParseRange("bytes=0-1, -5").has_value());
}

TEST(ParseRangeTest, LastBeforeFirstIsIgnored) {
  EXPECT_FALSE(ParseRange("bytes=10-9").has_value());
  auto r = ParseRange("bytes=10-10");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 10u);
  EXPECT_EQ(r->last, 10u);
}

// ParsePreconditions

TEST(ParsePreconditionsTest, NoHeadersIsEmpty) {
  EXPECT_TRUE(ParsePreconditions(WithHeaders({})).empty());
}

TEST(ParsePreconditionsTest, EtagQuotesAreStripped) {
  Preconditions p = ParsePreconditions(
      WithHeaders({{"if-match", "\"abc123\""}, {"if-none-match", "\"def456\""}}));
  EXPECT_EQ(p.if_match, "abc123");
  EXPECT_EQ(p.if_none_match, "def456");
}

TEST(ParsePreconditionsTest, UnquotedEtagsAndStarAreKept) {
  Preconditions p =
      ParsePreconditions(WithHeaders({{"if-match", "abc123"}, {"if-none-match", "*"}}));
  EXPECT_EQ(p.if_match, "abc123");
  EXPECT_EQ(p.if_none_match, "*");
}

TEST(ParsePreconditionsTest, DatesAreParsed) {
  Preconditions p =
      ParsePreconditions(WithHeaders({{"if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"},
                                      {"if-unmodified-since", "Sun, 06 Nov 1994 08:49:38 GMT"}}));
  EXPECT_EQ(p.if_modified_since, kRfcExampleMicros);
  EXPECT_EQ(p.if_unmodified_since, kRfcExampleMicros + 1000000);
  EXPECT_FALSE(p.if_match.has_value());
  EXPECT_FALSE(p.if_none_match.has_value());
}

TEST(ParsePreconditionsTest, UnparseableDatesAreIgnored) {
  Preconditions p = ParsePreconditions(
      WithHeaders({{"if-modified-since", "yesterday"}, {"if-unmodified-since", ""}}));
  EXPECT_TRUE(p.empty());
}

TEST(ParsePreconditionsTest, CopySourcePrefixReadsOnlyPrefixedHeaders) {
  HttpRequest request = WithHeaders({
      {"if-match", "\"dest\""},
      {"x-amz-copy-source-if-match", "\"src\""},
      {"x-amz-copy-source-if-none-match", "\"other\""},
      {"x-amz-copy-source-if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"},
      {"x-amz-copy-source-if-unmodified-since", "Sun, 06 Nov 1994 08:49:37 GMT"},
  });
  Preconditions p = ParsePreconditions(request, "x-amz-copy-source-");
  EXPECT_EQ(p.if_match, "src");
  EXPECT_EQ(p.if_none_match, "other");
  EXPECT_EQ(p.if_modified_since, kRfcExampleMicros);
  EXPECT_EQ(p.if_unmodified_since, kRfcExampleMicros);

  Preconditions plain = ParsePreconditions(request);
  EXPECT_EQ(plain.if_match, "dest");
  EXPECT_FALSE(plain.if_none_match.has_value());
  EXPECT_FALSE(plain.if_modified_since.has_value());
}

// ParseAttributes

TEST(ParseAttributesTest, ContentHeadersAreCopied) {
  Result<ObjectAttributes> a = ParseAttributes(WithHeaders({
      {"content-type", "text/plain; charset=utf-8"},
      {"content-encoding", "gzip"},
      {"content-language", "en-GB"},
      {"content-disposition", "attachment; filename=\"a.txt\""},
      {"cache-control", "max-age=60"},
      {"expires", "Thu, 01 Dec 1994 16:00:00 GMT"},
  }));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->content.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(a->content.content_encoding, "gzip");
  EXPECT_EQ(a->content.content_language, "en-GB");
  EXPECT_EQ(a->content.content_disposition, "attachment; filename=\"a.txt\"");
  EXPECT_EQ(a->content.cache_control, "max-age=60");
  EXPECT_EQ(a->content.expires, "Thu, 01 Dec 1994 16:00:00 GMT");
  EXPECT_TRUE(a->metadata.empty());
  EXPECT_EQ(a->storage_class, "");
}

TEST(ParseAttributesTest, UserMetadataNamesLoseThePrefix) {
  Result<ObjectAttributes> a = ParseAttributes(WithHeaders({
      {"x-amz-meta-color", "blue"},
      {"x-amz-meta-my-key", "Some Value"},
      {"x-amz-meta-", "ignored"},
      {"x-amz-storage-class", "STANDARD"},
      {"x-amz-acl", "private"},
  }));
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->metadata.size(), 2u);
  EXPECT_EQ(a->metadata.at("color"), "blue");
  EXPECT_EQ(a->metadata.at("my-key"), "Some Value");
}

TEST(ParseAttributesTest, RepeatedMetadataIsCommaJoined) {
  Result<ObjectAttributes> a =
      ParseAttributes(WithHeaders({{"x-amz-meta-tag", "a"}, {"x-amz-meta-tag", "b"}}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->metadata.at("tag"), "a,b");
}

TEST(ParseAttributesTest, AwsChunkedIsRemovedFromContentEncoding) {
  struct Case {
    const char* header;
    const char* stored;
  };
  for (const Case& c : {Case{"aws-chunked,gzip", "gzip"}, Case{"gzip,aws-chunked", "gzip"},
                        Case{"aws-chunked", ""}, Case{"AWS-Chunked, gzip", "gzip"},
                        Case{"gzip, aws-chunked, br", "gzip,br"}, Case{"identity", "identity"}}) {
    Result<ObjectAttributes> a = ParseAttributes(WithHeaders({{"content-encoding", c.header}}));
    ASSERT_TRUE(a.ok()) << c.header;
    EXPECT_EQ(a->content.content_encoding, c.stored) << c.header;
  }
}

TEST(ParseAttributesTest, MetadataUpTo2KiBIsAccepted) {
  // Name "k" (1 byte) + value: exactly 2048 bytes of user metadata.
  Result<ObjectAttributes> a =
      ParseAttributes(WithHeaders({{"x-amz-meta-k", std::string(2047, 'v')}}));
  EXPECT_TRUE(a.ok()) << a.status().ToString();
}

TEST(ParseAttributesTest, MetadataOver2KiBIsTooLarge) {
  Result<ObjectAttributes> a =
      ParseAttributes(WithHeaders({{"x-amz-meta-k", std::string(2048, 'v')}}));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ErrorCode::kMetadataTooLarge);
}

TEST(ParseAttributesTest, MetadataSizeIsSummedAcrossHeaders) {
  Headers headers;
  for (int i = 0; i < 5; ++i) {
    headers.emplace_back("x-amz-meta-n" + std::to_string(i), std::string(500, 'v'));
  }
  Result<ObjectAttributes> a = ParseAttributes(WithHeaders(headers));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ErrorCode::kMetadataTooLarge);
}

TEST(ParseAttributesTest, KnownStorageClassIsKept) {
  for (const char* sc : {"STANDARD", "STANDARD_IA", "GLACIER", "INTELLIGENT_TIERING"}) {
    Result<ObjectAttributes> a = ParseAttributes(WithHeaders({{"x-amz-storage-class", sc}}));
    ASSERT_TRUE(a.ok()) << sc;
    EXPECT_EQ(a->storage_class, sc);
  }
}

TEST(ParseAttributesTest, UnknownStorageClassIsRejected) {
  for (const char* sc : {"FAST", "standard-ish", "COLD"}) {
    Result<ObjectAttributes> a = ParseAttributes(WithHeaders({{"x-amz-storage-class", sc}}));
    ASSERT_FALSE(a.ok()) << sc;
    EXPECT_EQ(a.status().code(), ErrorCode::kInvalidStorageClass) << sc;
  }
}

// ParseChecksum

TEST(ParseChecksumTest, NoHeadersIsNone) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kNone);
  EXPECT_FALSE(c->expected.has_value());
}

TEST(ParseChecksumTest, Crc32HeaderIsBase64Decoded) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{"x-amz-checksum-crc32", "AAECAw=="}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(c->expected, std::string("\x00\x01\x02\x03", 4));
}

TEST(ParseChecksumTest, EveryAlgorithmHeaderIsRecognised) {
  struct Case {
    const char* header;
    const char* value;
    ChecksumAlgorithm algorithm;
    size_t raw_size;
  };
  for (const Case& c : {
           Case{"x-amz-checksum-crc32", "AAAAAA==", ChecksumAlgorithm::kCrc32, 4},
           Case{"x-amz-checksum-crc32c", "AAAAAA==", ChecksumAlgorithm::kCrc32c, 4},
           Case{"x-amz-checksum-crc64nvme", "AAAAAAAAAAA=", ChecksumAlgorithm::kCrc64Nvme, 8},
           Case{"x-amz-checksum-sha1", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", ChecksumAlgorithm::kSha1,
                20},
           Case{"x-amz-checksum-sha256",
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", ChecksumAlgorithm::kSha256, 32},
       }) {
    Result<ChecksumRequest> r = ParseChecksum(WithHeaders({{c.header, c.value}}));
    ASSERT_TRUE(r.ok()) << c.header;
    EXPECT_EQ(r->algorithm, c.algorithm) << c.header;
    ASSERT_TRUE(r->expected.has_value()) << c.header;
    EXPECT_EQ(r->expected->size(), c.raw_size) << c.header;
  }
}

TEST(ParseChecksumTest, WrongLengthIsInvalidDigest) {
  // 3 bytes for CRC32, 4 bytes for SHA-256.
  for (auto [header, value] :
       {std::pair{"x-amz-checksum-crc32", "AAAA"}, std::pair{"x-amz-checksum-sha256", "AAAAAA=="},
        std::pair{"x-amz-checksum-crc64nvme", "AAAAAA=="}}) {
    Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{header, value}}));
    ASSERT_FALSE(c.ok()) << header;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidDigest) << header;
  }
}

TEST(ParseChecksumTest, NotBase64IsInvalidDigest) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{"x-amz-checksum-crc32", "!!!!"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidDigest);
}

TEST(ParseChecksumTest, SdkAlgorithmHeaderSelectsWithoutValue) {
  Result<ChecksumRequest> c =
      ParseChecksum(WithHeaders({{"x-amz-sdk-checksum-algorithm", "CRC32C"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kCrc32c);
  EXPECT_FALSE(c->expected.has_value());
}

TEST(ParseChecksumTest, AlgorithmNamesAreCaseInsensitive) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{"x-amz-checksum-algorithm", "sha256"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kSha256);
}

TEST(ParseChecksumTest, UnknownAlgorithmIsRejected) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{"x-amz-sdk-checksum-algorithm", "MD5"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ParseChecksumTest, AlgorithmAndMatchingValueTogether) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders(
      {{"x-amz-sdk-checksum-algorithm", "CRC32"}, {"x-amz-checksum-crc32", "AAECAw=="}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kCrc32);
  EXPECT_EQ(c->expected, std::string("\x00\x01\x02\x03", 4));
}

TEST(ParseChecksumTest, AlgorithmContradictingValueHeaderIsRejected) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders(
      {{"x-amz-sdk-checksum-algorithm", "SHA256"}, {"x-amz-checksum-crc32", "AAECAw=="}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidRequest);
}

TEST(ParseChecksumTest, TwoValueHeadersAreRejected) {
  Result<ChecksumRequest> c = ParseChecksum(
      WithHeaders({{"x-amz-checksum-crc32", "AAECAw=="}, {"x-amz-checksum-crc32c", "AAECAw=="}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidRequest);
}

TEST(ParseChecksumTest, TrailerNamesTheAlgorithm) {
  Result<ChecksumRequest> c =
      ParseChecksum(WithHeaders({{"x-amz-trailer", "x-amz-checksum-crc64nvme"},
                                 {"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->algorithm, ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_FALSE(c->expected.has_value());
}

TEST(ParseChecksumTest, UnknownTrailerChecksumIsRejected) {
  Result<ChecksumRequest> c = ParseChecksum(WithHeaders({{"x-amz-trailer", "x-amz-checksum-md5"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ChecksumNamesTest, NamesAndHeadersRoundTrip) {
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kSha1,
        ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kCrc64Nvme}) {
    EXPECT_EQ(ParseChecksumAlgorithm(ChecksumName(a)), a);
  }
  EXPECT_EQ(ChecksumName(ChecksumAlgorithm::kCrc64Nvme), "CRC64NVME");
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kCrc32c), "x-amz-checksum-crc32c");
  EXPECT_EQ(ChecksumName(ChecksumAlgorithm::kNone), "");
  EXPECT_FALSE(ParseChecksumAlgorithm("CRC16").has_value());
}

// ParseContentMd5

TEST(ParseContentMd5Test, AbsentIsNullopt) {
  Result<std::optional<std::string>> md5 = ParseContentMd5(WithHeaders({}));
  ASSERT_TRUE(md5.ok());
  EXPECT_FALSE(md5->has_value());
}

TEST(ParseContentMd5Test, DecodesSixteenBytes) {
  // MD5 of the empty string.
  Result<std::optional<std::string>> md5 =
      ParseContentMd5(WithHeaders({{"content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="}}));
  ASSERT_TRUE(md5.ok());
  ASSERT_TRUE(md5->has_value());
  EXPECT_EQ(**md5,
            std::string("\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04\xe9\x80\x09\x98\xec\xf8\x42\x7e", 16));
}

TEST(ParseContentMd5Test, MalformedIsInvalidDigest) {
  for (const char* value : {"", "not base64!", "AAECAw==", "d41d8cd98f00b204e9800998ecf8427e"}) {
    Result<std::optional<std::string>> md5 = ParseContentMd5(WithHeaders({{"content-md5", value}}));
    ASSERT_FALSE(md5.ok()) << value;
    EXPECT_EQ(md5.status().code(), ErrorCode::kInvalidDigest) << value;
  }
}

// ParseCopySource

TEST(ParseCopySourceTest, LeadingSlashIsOptional) {
  for (const char* header : {"/src/dir/key", "src/dir/key"}) {
    Result<CopySource> c = ParseCopySource(header);
    ASSERT_TRUE(c.ok()) << header;
    EXPECT_EQ(c->bucket, "src");
    EXPECT_EQ(c->key, "dir/key");
  }
}

TEST(ParseCopySourceTest, PercentEncodingIsDecoded) {
  Result<CopySource> c = ParseCopySource("src/a%20b%2Fc%E2%82%AC%3Fd");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->bucket, "src");
  EXPECT_EQ(c->key, "a b/c\xE2\x82\xAC?d");
}

TEST(ParseCopySourceTest, NullVersionIdIsAccepted) {
  Result<CopySource> c = ParseCopySource("/src/key?versionId=null");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->bucket, "src");
  EXPECT_EQ(c->key, "key");
  EXPECT_EQ(c->version_id, "null");
}

TEST(ParseCopySourceTest, AVersionIdIsDecodedAndKept) {
  Result<CopySource> c = ParseCopySource("/src/key?versionId=2026-12-07T21%3A28%3A30.1234560Z");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key, "key");
  EXPECT_EQ(c->version_id, "2026-12-07T21:28:30.1234560Z");
  EXPECT_EQ(ParseCopySource("/src/key?versionId=").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseCopySource("/src/key").value().version_id, "");
}

TEST(ParseCopySourceTest, MissingKeyIsAnError) {
  for (const char* header : {"", "/", "src", "/src", "src/", "/src/", "//key"}) {
    Result<CopySource> c = ParseCopySource(header);
    ASSERT_FALSE(c.ok()) << header;
    EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument) << header;
  }
}

TEST(ParseCopySourceTest, BadEscapeIsAnError) {
  Result<CopySource> c = ParseCopySource("src/a%zz");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::s3
