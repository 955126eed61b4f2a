#include "protocols/s3/render.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "protocols/s3/errors.h"

namespace tessera::s3 {
namespace {

// Golden files live in tests/protocols/testdata/<name>.xml. Setting TESSERA_UPDATE_GOLDEN=1
// rewrites them from the current output (review the diff before keeping it).
std::string GoldenPath(const std::string& name) {
  return std::string(TESSERA_SOURCE_DIR) + "/tests/protocols/testdata/" + name + ".xml";
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  if (const char* update = std::getenv("TESSERA_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream out(path, std::ios::binary);
    out << actual;
    ASSERT_TRUE(out.good()) << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden mismatch: " << path;
}

// 2023-11-14T22:13:20.123Z, with sub-millisecond digits that must be truncated.
constexpr TimeMicros kT0 = 1700000000123456;
// 2024-02-29T12:00:00.000Z
constexpr TimeMicros kT1 = 1709208000000000;

ObjectInfo MakeObject(std::string key, uint64_t size, TimeMicros modified, std::string etag,
                      std::string storage_class = "") {
  ObjectInfo o;
  o.bucket = "photos";
  o.key = std::move(key);
  o.size = size;
  o.last_modified = modified;
  o.etag = std::move(etag);
  o.storage_class = std::move(storage_class);
  o.version_id = "null";
  return o;
}

constexpr char kEtagA[] = "9b2cf535f27731c974343645a3985328";
constexpr char kEtagB[] = "d41d8cd98f00b204e9800998ecf8427e";
constexpr char kEtagMultipart[] = "a7d414b9133d6483d9a1c4e04e856e3b-3";

ListEcho ListingEcho() {
  ListEcho echo;
  echo.bucket = "photos";
  echo.prefix = "2024/";
  echo.delimiter = "/";
  echo.max_keys = 2;
  echo.owner = "acct1";
  return echo;
}

ListObjectsResult TwoObjectsAndAPrefix(bool truncated) {
  ListObjectsResult result;
  result.objects.push_back(MakeObject("2024/a.jpg", 434234, kT0, kEtagA));
  result.objects.push_back(MakeObject("2024/b.jpg", 0, kT1, kEtagMultipart, "STANDARD_IA"));
  result.common_prefixes.push_back("2024/march/");
  result.truncated = truncated;
  if (truncated) result.next_marker = "2024/march/";
  return result;
}

TEST(RenderGoldenTest, ListBuckets) {
  std::vector<BucketInfo> buckets = {{"acct1", "photos", kT0, "us-east-1"},
                                     {"acct1", "videos", kT1, "eu-west-1"}};
  ExpectGolden("list_buckets", RenderListBuckets(buckets, "acct1"));
}

TEST(RenderGoldenTest, ListBucketsEmpty) {
  ExpectGolden("list_buckets_empty", RenderListBuckets({}, "acct1"));
}

TEST(RenderGoldenTest, LocationOfRegion) {
  ExpectGolden("location_eu_west_1", RenderLocation("eu-west-1"));
}

TEST(RenderGoldenTest, LocationOfUsEast1IsEmpty) {
  ExpectGolden("location_us_east_1", RenderLocation("us-east-1"));
}

TEST(RenderGoldenTest, VersioningNeverEnabled) { ExpectGolden("versioning", RenderVersioning()); }

TEST(RenderGoldenTest, ListObjectsV1Truncated) {
  ListEcho echo = ListingEcho();
  echo.marker = "2024/0.jpg";
  ExpectGolden("list_objects_v1", RenderListObjectsV1(echo, TwoObjectsAndAPrefix(true)));
}

TEST(RenderGoldenTest, ListObjectsV1NoDelimiterNotTruncated) {
  ListEcho echo = ListingEcho();
  echo.delimiter = "";
  echo.prefix = "";
  echo.max_keys = 1000;
  ListObjectsResult result = TwoObjectsAndAPrefix(false);
  result.common_prefixes.clear();
  ExpectGolden("list_objects_v1_plain", RenderListObjectsV1(echo, result));
}

TEST(RenderGoldenTest, ListObjectsV2Truncated) {
  ListEcho echo = ListingEcho();
  echo.continuation_token = "dG9rZW4x";
  echo.start_after = "2024/0.jpg";
  ExpectGolden("list_objects_v2",
               RenderListObjectsV2(echo, TwoObjectsAndAPrefix(true), "dG9rZW4y"));
}

TEST(RenderGoldenTest, ListObjectsV2FetchOwner) {
  ListEcho echo = ListingEcho();
  echo.fetch_owner = true;
  ExpectGolden("list_objects_v2_owner", RenderListObjectsV2(echo, TwoObjectsAndAPrefix(false), ""));
}

TEST(RenderGoldenTest, ListObjectsV2UrlEncoded) {
  ListEcho echo = ListingEcho();
  echo.prefix = "dir one/";
  echo.start_after = "dir one/a b";
  echo.url_encoding = true;
  ListObjectsResult result;
  result.objects.push_back(MakeObject("dir one/caf\xC3\xA9 +&.txt", 7, kT0, kEtagA));
  result.common_prefixes.push_back("dir one/sub dir/");
  ExpectGolden("list_objects_v2_url", RenderListObjectsV2(echo, result, ""));
}

TEST(RenderGoldenTest, ListObjectsV1UrlEncoded) {
  ListEcho echo = ListingEcho();
  echo.prefix = "dir one/";
  echo.marker = "dir one/a b";
  echo.url_encoding = true;
  ListObjectsResult result;
  result.objects.push_back(MakeObject("dir one/x\x01y", 1, kT0, kEtagB));
  result.truncated = true;
  result.next_marker = "dir one/x\x01y";
  ExpectGolden("list_objects_v1_url", RenderListObjectsV1(echo, result));
}

TEST(RenderGoldenTest, ListVersions) {
  ListEcho echo = ListingEcho();
  echo.key_marker = "2024/0.jpg";
  // a.jpg: its current version and the one it replaced; b.jpg: deleted (a delete marker
  // over its last version); then a prefix, and more after it.
  ListVersionsResult result;
  ObjectInfo a1 = MakeObject("2024/a.jpg", 434234, kT1, kEtagA);
  a1.version_id = "2024-02-29T12:00:00.0000000Z";
  ObjectInfo a0 = MakeObject("2024/a.jpg", 10, kT0, kEtagB);
  a0.version_id = "2023-11-14T22:13:20.1234560Z";
  ObjectInfo marker;
  marker.key = "2024/b.jpg";
  marker.version_id = "2024-02-29T12:00:00.0000010Z";
  marker.delete_marker = true;
  marker.last_modified = kT1 + 1;
  ObjectInfo b0 = MakeObject("2024/b.jpg", 0, kT0, kEtagMultipart, "STANDARD_IA");
  b0.version_id = "null";
  result.versions = {{a1, true}, {a0, false}, {marker, true}, {b0, false}};
  result.common_prefixes.push_back("2024/march/");
  result.truncated = true;
  result.next_key_marker = "2024/march/";
  ExpectGolden("list_versions", RenderListVersions(echo, result));
}

TEST(RenderGoldenTest, VersioningEnabledAndSuspended) {
  EXPECT_NE(RenderVersioning(Versioning::kEnabled).find("<Status>Enabled</Status>"),
            std::string::npos);
  EXPECT_NE(RenderVersioning(Versioning::kSuspended).find("<Status>Suspended</Status>"),
            std::string::npos);
  EXPECT_EQ(RenderVersioning().find("<Status>"), std::string::npos);
}

TEST(RenderGoldenTest, DeleteResultVerbose) {
  std::vector<DeleteOutcome> outcomes = {
      {"a.jpg", "", ""}, {"b.jpg", "AccessDenied", "Access Denied"}, {"c.jpg", "", ""}};
  ExpectGolden("delete_result", RenderDeleteResult(outcomes, false));
}

TEST(RenderGoldenTest, DeleteResultQuietListsOnlyErrors) {
  std::vector<DeleteOutcome> outcomes = {
      {"a.jpg", "", ""}, {"b.jpg", "InternalError", "We encountered an internal error."}};
  ExpectGolden("delete_result_quiet", RenderDeleteResult(outcomes, true));
}

TEST(RenderGoldenTest, CopyObjectResult) {
  ExpectGolden("copy_object_result", RenderCopyResult("CopyObjectResult", kEtagA, kT0, {}));
}

TEST(RenderGoldenTest, CopyPartResultWithChecksum) {
  Checksum checksum{ChecksumAlgorithm::kCrc32, std::string("\x0d\x4a\x11\x85", 4), 0};
  ExpectGolden("copy_part_result", RenderCopyResult("CopyPartResult", kEtagB, kT1, checksum));
}

TEST(RenderGoldenTest, Tagging) { ExpectGolden("tagging", RenderTagging({})); }

TEST(RenderGoldenTest, InitiateMultipart) {
  ExpectGolden("initiate_multipart",
               RenderInitiateMultipart("photos", "2024/big.bin", "VXBsb2FkSWQx"));
}

TEST(RenderGoldenTest, CompleteMultipartWithCompositeChecksum) {
  ObjectInfo info = MakeObject("2024/big.bin", 15728640, kT0, kEtagMultipart);
  info.checksum = {ChecksumAlgorithm::kCrc32c, std::string("\x01\x02\x03\x04", 4), 3};
  ExpectGolden("complete_multipart",
               RenderCompleteMultipart("http://photos.localhost:9000/2024/big.bin", "photos",
                                       "2024/big.bin", info));
}

TEST(RenderGoldenTest, ListParts) {
  ListPartsRequest request;
  request.object = {"acct1", "photos", "2024/big.bin"};
  request.upload_id = "VXBsb2FkSWQx";
  request.part_number_marker = 0;
  request.max_parts = 2;
  ListPartsResult result;
  result.upload.key = "2024/big.bin";
  result.upload.upload_id = "VXBsb2FkSWQx";
  result.upload.initiated = kT0;
  result.upload.attributes.checksum_algorithm = ChecksumAlgorithm::kCrc32;
  result.parts.push_back(
      {1, 5242880, kEtagA, kT0, {ChecksumAlgorithm::kCrc32, std::string("\0\0\0\1", 4), 0}});
  result.parts.push_back(
      {2, 5242880, kEtagB, kT1, {ChecksumAlgorithm::kCrc32, std::string("\0\0\0\2", 4), 0}});
  result.truncated = true;
  result.next_part_number_marker = 2;
  ExpectGolden("list_parts", RenderListParts("photos", "acct1", request, result));
}

TEST(RenderGoldenTest, ListUploads) {
  ListEcho echo = ListingEcho();
  ListUploadsRequest request;
  request.bucket = {"acct1", "photos"};
  request.prefix = echo.prefix;
  request.delimiter = echo.delimiter;
  request.key_marker = "2024/0.bin";
  request.max_uploads = 1;
  ListUploadsResult result;
  MultipartUpload upload;
  upload.key = "2024/big.bin";
  upload.upload_id = "VXBsb2FkSWQx";
  upload.initiated = kT0;
  result.uploads.push_back(upload);
  result.common_prefixes.push_back("2024/march/");
  result.truncated = true;
  result.next_key_marker = "2024/big.bin";
  result.next_upload_id_marker = "VXBsb2FkSWQx";
  ExpectGolden("list_uploads", RenderListUploads(echo, request, result));
}

TEST(RenderGoldenTest, ErrorBody) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNoSuchKey, "The specified key does not exist."),
                    "/photos/2024/missing.jpg", "4442587FB7D0A2F9", false);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"), "application/xml");
  ExpectGolden("error_no_such_key", response.body);
}

// Properties every document shares.

TEST(RenderTest, XmlSpecialCharactersInKeysAreEscaped) {
  const std::string key = "a&b<c>d\"e'f";
  ListEcho echo = ListingEcho();
  ListObjectsResult result;
  result.objects.push_back(MakeObject(key, 1, kT0, kEtagA));
  std::string xml = RenderListObjectsV2(echo, result, "");
  EXPECT_NE(xml.find("<Key>a&amp;b&lt;c&gt;d"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("a&b"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<c>"), std::string::npos) << xml;

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  EXPECT_EQ(std::string(doc.child("ListBucketResult").child("Contents").child_value("Key")), key);
}

TEST(RenderTest, XmlSpecialCharactersInErrorMessageAreEscaped) {
  HttpResponse response = ErrorResponse(Status(ErrorCode::kInvalidArgument, "bad <value> & more"),
                                        "/b/k&<x>", "R1", false);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str())) << response.body;
  EXPECT_EQ(std::string(doc.child("Error").child_value("Message")), "bad <value> & more");
  EXPECT_EQ(std::string(doc.child("Error").child_value("Resource")), "/b/k&<x>");
}

TEST(RenderTest, DocumentsStartWithXmlDeclaration) {
  const std::string declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  for (const std::string& xml :
       {RenderTagging({}), RenderVersioning(), RenderLocation("eu-west-1"),
        RenderListBuckets({}, "o"), RenderInitiateMultipart("b", "k", "u")}) {
    EXPECT_EQ(xml.substr(0, declaration.size()), declaration) << xml;
  }
}

TEST(RenderTest, ResultDocumentsCarryTheS3Namespace) {
  for (const std::string& xml :
       {RenderTagging({}), RenderVersioning(), RenderLocation("eu-west-1"),
        RenderListBuckets({}, "o"), RenderInitiateMultipart("b", "k", "u"),
        RenderDeleteResult({}, false), RenderCopyResult("CopyObjectResult", "e", kT0, {})}) {
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    EXPECT_STREQ(doc.document_element().attribute("xmlns").value(),
                 "http://s3.amazonaws.com/doc/2006-03-01/")
        << xml;
  }
}

TEST(RenderTest, ErrorDocumentHasNoNamespace) {
  HttpResponse response = ErrorResponse(Status(ErrorCode::kInternal, "x"), "/", "R", false);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str()));
  EXPECT_STREQ(doc.document_element().name(), "Error");
  EXPECT_TRUE(doc.document_element().attribute("xmlns").empty());
}

TEST(RenderTest, TimestampsAreIso8601WithMilliseconds) {
  std::string xml = RenderCopyResult("CopyObjectResult", kEtagA, kT0, {});
  EXPECT_NE(xml.find("<LastModified>2023-11-14T22:13:20.123Z</LastModified>"), std::string::npos)
      << xml;
}

TEST(RenderTest, EtagsAreQuoted) {
  std::string xml = RenderCopyResult("CopyObjectResult", kEtagA, kT0, {});
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  EXPECT_EQ(std::string(doc.document_element().child_value("ETag")),
            std::string("\"") + kEtagA + "\"");
}

TEST(RenderTest, KeyCountCountsObjectsAndCommonPrefixes) {
  std::string xml = RenderListObjectsV2(ListingEcho(), TwoObjectsAndAPrefix(false), "");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  EXPECT_STREQ(doc.child("ListBucketResult").child_value("KeyCount"), "3");
}

TEST(RenderTest, UrlEncodingDecodesBackToTheKey) {
  const std::string key = "dir one/caf\xC3\xA9 +&%.txt";
  ListEcho echo = ListingEcho();
  echo.url_encoding = true;
  ListObjectsResult result;
  result.objects.push_back(MakeObject(key, 1, kT0, kEtagA));
  std::string xml = RenderListObjectsV2(echo, result, "");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str()));
  std::string encoded = doc.child("ListBucketResult").child("Contents").child_value("Key");
  EXPECT_EQ(encoded.find(' '), std::string::npos) << encoded;
  EXPECT_EQ(encoded.find('&'), std::string::npos) << encoded;
  // Clients decode with form rules (botocore unquote_plus): '+' must arrive as %2B.
  EXPECT_EQ(encoded.find('+'), std::string::npos) << encoded;
  EXPECT_STREQ(doc.child("ListBucketResult").child_value("EncodingType"), "url");
}

}  // namespace
}  // namespace tessera::s3
