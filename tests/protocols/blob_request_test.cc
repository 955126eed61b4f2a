#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "protocols/blob/request.h"

namespace tessera::blob {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest MakeRequest(std::string target, std::string host = "127.0.0.1:10000",
                        const Headers& extra = {}) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = {{"host", std::move(host)}};
  request.headers.insert(request.headers.end(), extra.begin(), extra.end());
  return request;
}

HttpRequest WithHeaders(const Headers& headers) { return MakeRequest("/acct/c/b", "h", headers); }

Address Resolve(const std::string& target, const std::string& host = "127.0.0.1:10000") {
  Result<Address> address = ResolveAddress(MakeRequest(target, host));
  EXPECT_TRUE(address.ok()) << target << " " << address.status().ToString();
  return address.ok() ? *address : Address{"<error>", "<error>", "<error>"};
}

// ResolveAddress: path-style.

TEST(BlobResolveAddressTest, PathStyleServiceLevel) {
  for (const char* target : {"/devstoreaccount1", "/devstoreaccount1/",
                             "/devstoreaccount1?comp=list", "/devstoreaccount1/?comp=list"}) {
    Address a = Resolve(target);
    EXPECT_EQ(a.account, "devstoreaccount1") << target;
    EXPECT_EQ(a.container, "") << target;
    EXPECT_EQ(a.blob, "") << target;
    EXPECT_FALSE(a.host_style) << target;
    EXPECT_EQ(a.level(), Level::kService) << target;
  }
}

TEST(BlobResolveAddressTest, PathStyleContainerLevel) {
  for (const char* target : {"/acct/photos", "/acct/photos/", "/acct/photos?restype=container"}) {
    Address a = Resolve(target);
    EXPECT_EQ(a.account, "acct") << target;
    EXPECT_EQ(a.container, "photos") << target;
    EXPECT_EQ(a.blob, "") << target;
    EXPECT_EQ(a.level(), Level::kContainer) << target;
  }
}

TEST(BlobResolveAddressTest, PathStyleBlobLevelKeepsInnerSlashes) {
  Address a = Resolve("/acct/photos/2024/03/a.jpg?comp=block&blockid=AA%3D%3D");
  EXPECT_EQ(a.account, "acct");
  EXPECT_EQ(a.container, "photos");
  EXPECT_EQ(a.blob, "2024/03/a.jpg");
  EXPECT_EQ(a.level(), Level::kBlob);
}

TEST(BlobResolveAddressTest, BlobNamesAreDecoded) {
  EXPECT_EQ(Resolve("/acct/c/a%20b.txt").blob, "a b.txt");
  EXPECT_EQ(Resolve("/acct/c/dir%2Fx").blob, "dir/x");
  EXPECT_EQ(Resolve("/acct/c/%E6%97%A5%E6%9C%AC.txt").blob, "\xE6\x97\xA5\xE6\x9C\xAC.txt");
  EXPECT_EQ(Resolve("/acct/c/100%25").blob, "100%");
  EXPECT_EQ(Resolve("/acct/c/a%3Fb%23c").blob, "a?b#c");
  // In a path '+' is a plus, not a space.
  EXPECT_EQ(Resolve("/acct/c/a+b").blob, "a+b");
}

TEST(BlobResolveAddressTest, TrailingSlashOfABlobNameIsKept) {
  EXPECT_EQ(Resolve("/acct/c/dir/").blob, "dir/");
}

TEST(BlobResolveAddressTest, BadEscapeIsInvalidArgument) {
  for (const char* target : {"/acct/c/a%zzb", "/acct/c/a%4", "/acct/c/%"}) {
    Result<Address> a = ResolveAddress(MakeRequest(target));
    ASSERT_FALSE(a.ok()) << target;
    EXPECT_EQ(a.status().code(), ErrorCode::kInvalidArgument) << target;
  }
}

TEST(BlobResolveAddressTest, IpAndPlainHostsArePathStyle) {
  for (const char* host : {"127.0.0.1:10000", "localhost", "localhost:10000", "[::1]:10000",
                           "blob.localhost", ".blob.localhost"}) {
    Address a = Resolve("/acct/c/b", host);
    EXPECT_FALSE(a.host_style) << host;
    EXPECT_EQ(a.account, "acct") << host;
    EXPECT_EQ(a.container, "c") << host;
    EXPECT_EQ(a.blob, "b") << host;
  }
}

// ResolveAddress: host-style.

TEST(BlobResolveAddressTest, HostStyleLevels) {
  Address service = Resolve("/?comp=list", "acct.blob.localhost");
  EXPECT_TRUE(service.host_style);
  EXPECT_EQ(service.account, "acct");
  EXPECT_EQ(service.level(), Level::kService);

  Address container = Resolve("/photos?restype=container", "acct.blob.localhost");
  EXPECT_EQ(container.account, "acct");
  EXPECT_EQ(container.container, "photos");
  EXPECT_EQ(container.level(), Level::kContainer);

  Address blob = Resolve("/photos/dir/a%20b.jpg", "acct.blob.localhost");
  EXPECT_EQ(blob.account, "acct");
  EXPECT_EQ(blob.container, "photos");
  EXPECT_EQ(blob.blob, "dir/a b.jpg");
  EXPECT_EQ(blob.level(), Level::kBlob);
}

TEST(BlobResolveAddressTest, HostStyleWithPortAndRealEndpoint) {
  Address a = Resolve("/c/b", "acct.blob.localhost:10000");
  EXPECT_TRUE(a.host_style);
  EXPECT_EQ(a.account, "acct");
  EXPECT_EQ(a.container, "c");
  EXPECT_EQ(a.blob, "b");
  Address azure = Resolve("/c/b", "myaccount.blob.core.windows.net");
  EXPECT_EQ(azure.account, "myaccount");
  EXPECT_EQ(azure.container, "c");
}

TEST(BlobResolveAddressTest, HostStyleAccountIsLowercased) {
  Address a = Resolve("/c/b", "MyAcct.Blob.Core.Windows.Net");
  EXPECT_TRUE(a.host_style);
  EXPECT_EQ(a.account, "myacct");
}

TEST(BlobResolveAddressTest, HostStyleDoesNotTakeTheAccountFromThePath) {
  Address a = Resolve("/acct/c/b", "other.blob.localhost");
  EXPECT_EQ(a.account, "other");
  EXPECT_EQ(a.container, "acct");
  EXPECT_EQ(a.blob, "c/b");
}

// Names.

TEST(BlobNameTest, ValidContainerNames) {
  for (const char* name : {"abc", "a-b-c", "123", "a1-b2", "photos", "0a0", "my-container-1"}) {
    EXPECT_TRUE(IsValidContainerName(name)) << name;
  }
  EXPECT_TRUE(IsValidContainerName(std::string(63, 'a')));
}

TEST(BlobNameTest, InvalidContainerNames) {
  for (const char* name : {"", "a", "ab", "Abc", "abC", "-abc", "abc-", "a--b", "a_b", "a.b", "a b",
                           "ab$", "caf\xC3\xA9"}) {
    EXPECT_FALSE(IsValidContainerName(name)) << name;
  }
  EXPECT_FALSE(IsValidContainerName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidContainerName(std::string("ab\0c", 4)));
}

TEST(BlobNameTest, BlobNames) {
  EXPECT_TRUE(IsValidBlobName("a"));
  EXPECT_TRUE(IsValidBlobName("dir/sub dir/\xE6\x97\xA5.txt"));
  EXPECT_TRUE(IsValidBlobName(std::string(1024, 'x')));
  EXPECT_FALSE(IsValidBlobName(""));
  EXPECT_FALSE(IsValidBlobName(std::string(1025, 'x')));
  EXPECT_FALSE(IsValidBlobName(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidBlobName("\xFF\xFE"));
  EXPECT_FALSE(IsValidBlobName("\xC3"));  // truncated sequence
}

TEST(BlobNameTest, MetadataNamesAreCSharpIdentifiers) {
  for (const char* name : {"a", "Name", "_x", "_", "a_b", "Name1", "x9_Y"}) {
    EXPECT_TRUE(IsValidMetadataName(name)) << name;
  }
  for (const char* name : {"", "1abc", "9", "a-b", "a b", "a.b", "caf\xC3\xA9", "a$"}) {
    EXPECT_FALSE(IsValidMetadataName(name)) << name;
  }
}

// ParseMetadata.

TEST(BlobParseMetadataTest, CollectsMetaHeadersOnly) {
  Result<Metadata> m = ParseMetadata(WithHeaders({{"x-ms-meta-color", "red"},
                                                  {"content-type", "text/plain"},
                                                  {"x-ms-meta-_n1", ""},
                                                  {"x-ms-version", "2021-08-06"}}));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, (Metadata{{"color", "red"}, {"_n1", ""}}));
}

TEST(BlobParseMetadataTest, NoMetaHeadersIsEmpty) {
  Result<Metadata> m = ParseMetadata(WithHeaders({{"x-ms-blob-type", "BlockBlob"}}));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
}

TEST(BlobParseMetadataTest, InvalidNamesAreInvalidArgument) {
  for (const char* header : {"x-ms-meta-1abc", "x-ms-meta-a-b", "x-ms-meta-", "x-ms-meta-a.b"}) {
    Result<Metadata> m = ParseMetadata(WithHeaders({{"x-ms-meta-ok", "v"}, {header, "v"}}));
    ASSERT_FALSE(m.ok()) << header;
    EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument) << header;
  }
}

TEST(BlobParseMetadataTest, EightKibOfNamesAndValuesIsTheLimit) {
  // Names count: "k" (1) + value 8191 = 8192 bytes is allowed.
  Result<Metadata> at_limit = ParseMetadata(WithHeaders({{"x-ms-meta-k", std::string(8191, 'v')}}));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  Result<Metadata> over = ParseMetadata(WithHeaders({{"x-ms-meta-k", std::string(8192, 'v')}}));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kMetadataTooLarge);
}

TEST(BlobParseMetadataTest, LimitIsTheSumOverAllPairs) {
  Headers headers;
  // 4 pairs of 2-byte names and 2046-byte values: 8192 bytes exactly.
  for (const char* name : {"x-ms-meta-a1", "x-ms-meta-a2", "x-ms-meta-a3", "x-ms-meta-a4"}) {
    headers.emplace_back(name, std::string(2046, 'v'));
  }
  ASSERT_TRUE(ParseMetadata(WithHeaders(headers)).ok());
  headers.emplace_back("x-ms-meta-b", "");
  Result<Metadata> over = ParseMetadata(WithHeaders(headers));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kMetadataTooLarge);
}

// ParseBlobContent.

const Headers kStandardContent = {{"content-type", "text/plain"},
                                  {"content-encoding", "gzip"},
                                  {"content-language", "en"},
                                  {"content-disposition", "inline"},
                                  {"cache-control", "no-cache"}};
const Headers kBlobContent = {{"x-ms-blob-content-type", "image/png"},
                              {"x-ms-blob-content-encoding", "br"},
                              {"x-ms-blob-content-language", "de"},
                              {"x-ms-blob-content-disposition", "attachment"},
                              {"x-ms-blob-cache-control", "max-age=60"}};

TEST(BlobParseContentTest, BlobHeadersAreUsedWithAndWithoutFallback) {
  for (bool fallback : {false, true}) {
    ContentHeaders c = ParseBlobContent(WithHeaders(kBlobContent), fallback);
    EXPECT_EQ(c.content_type, "image/png");
    EXPECT_EQ(c.content_encoding, "br");
    EXPECT_EQ(c.content_language, "de");
    EXPECT_EQ(c.content_disposition, "attachment");
    EXPECT_EQ(c.cache_control, "max-age=60");
    EXPECT_EQ(c.expires, "");
  }
}

TEST(BlobParseContentTest, FallbackUsesStandardHeaders) {
  ContentHeaders c = ParseBlobContent(WithHeaders(kStandardContent), true);
  EXPECT_EQ(c.content_type, "text/plain");
  EXPECT_EQ(c.content_encoding, "gzip");
  EXPECT_EQ(c.content_language, "en");
  EXPECT_EQ(c.content_disposition, "inline");
  EXPECT_EQ(c.cache_control, "no-cache");
}

TEST(BlobParseContentTest, WithoutFallbackStandardHeadersAreIgnored) {
  // Put Block List: Content-Type describes the XML body, not the blob.
  ContentHeaders c = ParseBlobContent(WithHeaders(kStandardContent), false);
  EXPECT_EQ(c.content_type, "");
  EXPECT_EQ(c.content_encoding, "");
  EXPECT_EQ(c.content_language, "");
  EXPECT_EQ(c.content_disposition, "");
  EXPECT_EQ(c.cache_control, "");
}

TEST(BlobParseContentTest, BlobHeadersWinPerFieldOverStandardOnes) {
  Headers mixed = kStandardContent;
  mixed.emplace_back("x-ms-blob-content-type", "image/png");
  mixed.emplace_back("x-ms-blob-cache-control", "");  // present but empty: still wins
  ContentHeaders c = ParseBlobContent(WithHeaders(mixed), true);
  EXPECT_EQ(c.content_type, "image/png");
  EXPECT_EQ(c.cache_control, "");
  EXPECT_EQ(c.content_encoding, "gzip");
  EXPECT_EQ(c.content_language, "en");
  EXPECT_EQ(c.content_disposition, "inline");
}

// ParseConditions.

constexpr char kDate[] = "Wed, 21 Oct 2015 07:28:00 GMT";
constexpr TimeMicros kDateMicros = 1445412480000000;

TEST(BlobParseConditionsTest, NoHeadersIsEmpty) {
  EXPECT_TRUE(ParseConditions(WithHeaders({})).empty());
  EXPECT_TRUE(ParseConditions(WithHeaders({}), "x-ms-source-").empty());
}

TEST(BlobParseConditionsTest, ReadsAllFourAndUnquotesEtags) {
  Preconditions p = ParseConditions(WithHeaders({{"if-match", "\"0x8D4BCC2E4835CD0\""},
                                                 {"if-none-match", "*"},
                                                 {"if-modified-since", kDate},
                                                 {"if-unmodified-since", kDate}}));
  EXPECT_EQ(p.if_match, "0x8D4BCC2E4835CD0");
  EXPECT_EQ(p.if_none_match, "*");
  EXPECT_EQ(p.if_modified_since, kDateMicros);
  EXPECT_EQ(p.if_unmodified_since, kDateMicros);
}

TEST(BlobParseConditionsTest, UnquotedEtagIsKept) {
  Preconditions p = ParseConditions(WithHeaders({{"if-none-match", "0x8D1"}}));
  EXPECT_EQ(p.if_none_match, "0x8D1");
  EXPECT_FALSE(p.if_match);
}

TEST(BlobParseConditionsTest, UnparseableDatesAreIgnored) {
  Preconditions p = ParseConditions(
      WithHeaders({{"if-modified-since", "yesterday"}, {"if-unmodified-since", ""}}));
  EXPECT_TRUE(p.empty());
}

TEST(BlobParseConditionsTest, SourcePrefixReadsOnlySourceHeaders) {
  HttpRequest request = WithHeaders({{"if-match", "\"dest\""},
                                     {"x-ms-source-if-match", "\"src\""},
                                     {"x-ms-source-if-none-match", "\"other\""},
                                     {"x-ms-source-if-modified-since", kDate},
                                     {"x-ms-source-if-unmodified-since", kDate}});
  Preconditions source = ParseConditions(request, "x-ms-source-");
  EXPECT_EQ(source.if_match, "src");
  EXPECT_EQ(source.if_none_match, "other");
  EXPECT_EQ(source.if_modified_since, kDateMicros);
  EXPECT_EQ(source.if_unmodified_since, kDateMicros);
  Preconditions dest = ParseConditions(request);
  EXPECT_EQ(dest.if_match, "dest");
  EXPECT_FALSE(dest.if_none_match);
  EXPECT_FALSE(dest.if_modified_since);
  EXPECT_FALSE(dest.if_unmodified_since);
}

// ParseBlobRange.

std::optional<ByteRange> RangeOf(const Headers& headers) {
  Result<std::optional<ByteRange>> r = ParseBlobRange(WithHeaders(headers));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

TEST(BlobParseRangeTest, NoRangeIsNullopt) { EXPECT_FALSE(RangeOf({}).has_value()); }

TEST(BlobParseRangeTest, ClosedAndOpenRanges) {
  std::optional<ByteRange> closed = RangeOf({{"range", "bytes=0-99"}});
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->first, 0u);
  EXPECT_EQ(closed->last, 99u);
  EXPECT_FALSE(closed->suffix_length);

  std::optional<ByteRange> open = RangeOf({{"x-ms-range", "bytes=100-"}});
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->first, 100u);
  EXPECT_FALSE(open->last);
  EXPECT_FALSE(open->suffix_length);

  std::optional<ByteRange> one = RangeOf({{"x-ms-range", "bytes=5-5"}});
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->first, 5u);
  EXPECT_EQ(one->last, 5u);
}

TEST(BlobParseRangeTest, LargeOffsets) {
  std::optional<ByteRange> r = RangeOf({{"x-ms-range", "bytes=4294967296-8589934591"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 4294967296u);
  EXPECT_EQ(r->last, 8589934591u);
}

TEST(BlobParseRangeTest, MsRangeWinsOverRange) {
  std::optional<ByteRange> r = RangeOf({{"range", "bytes=0-9"}, {"x-ms-range", "bytes=10-19"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 10u);
  EXPECT_EQ(r->last, 19u);
}

constexpr const char* kMalformed[] = {
    "bytes=-500",    "bytes=9-3", "items=0-1",  "bytes=a-b",
    "bytes=0-1,3-4", "bytes=",    "bytes=5",    "bytes=1-2x",
    "0-1",           "bytes=-",   "bytes= 1-2", "bytes=99999999999999999999-"};

TEST(BlobParseRangeTest, MalformedMsRangeIsInvalidRange) {
  for (const char* value : kMalformed) {
    Result<std::optional<ByteRange>> r = ParseBlobRange(WithHeaders({{"x-ms-range", value}}));
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRange) << value;
  }
}

TEST(BlobParseRangeTest, MalformedRangeIsIgnored) {
  for (const char* value : kMalformed) {
    Result<std::optional<ByteRange>> r = ParseBlobRange(WithHeaders({{"range", value}}));
    ASSERT_TRUE(r.ok()) << value;
    EXPECT_FALSE(r->has_value()) << value;
  }
}

TEST(BlobParseRangeTest, MalformedMsRangeFailsEvenWithAValidRange) {
  Result<std::optional<ByteRange>> r =
      ParseBlobRange(WithHeaders({{"range", "bytes=0-9"}, {"x-ms-range", "bytes=9-0"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRange);
}

TEST(BlobParseRangeTest, SurroundingWhitespaceIsTrimmed) {
  std::optional<ByteRange> r = RangeOf({{"x-ms-range", "  bytes=1-2  "}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->first, 1u);
  EXPECT_EQ(r->last, 2u);
}

}  // namespace
}  // namespace tessera::blob

namespace tessera::blob {
namespace {

TEST(BlobMetadataCaseTest, NamesKeepTheCaseTheyWereSentWith) {
  HttpRequest request;
  request.headers = {{"x-ms-meta-camelcase", "v"}, {"x-ms-meta-lower", "w"}};
  request.original_names = {"x-ms-meta-CamelCase", "X-MS-META-lower"};
  auto metadata = ParseMetadata(request);
  ASSERT_TRUE(metadata.ok());
  EXPECT_EQ(metadata->count("CamelCase"), 1u);
  EXPECT_EQ(metadata->count("lower"), 1u);
}

}  // namespace
}  // namespace tessera::blob
