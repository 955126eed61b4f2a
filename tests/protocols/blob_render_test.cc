#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/blob/render.h"

namespace tessera::blob {
namespace {

// Golden files live in tests/protocols/testdata/blob/<name>.xml. Setting
// TESSERA_UPDATE_GOLDEN=1 rewrites them from the current output (review the diff before
// keeping it).
std::string GoldenPath(const std::string& name) {
  return std::string(TESSERA_SOURCE_DIR) + "/tests/protocols/testdata/blob/" + name + ".xml";
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

pugi::xml_document Parse(const std::string& xml) {
  pugi::xml_document doc;
  pugi::xml_parse_result result = doc.load_string(xml.c_str());
  EXPECT_TRUE(result) << result.description() << "\n" << xml;
  return doc;
}

constexpr char kDeclaration[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

// Tue, 14 Nov 2023 22:13:20 GMT, with sub-second digits that must not show.
constexpr TimeMicros kT0 = 1700000000123456;
// Thu, 29 Feb 2024 12:00:00 GMT
constexpr TimeMicros kT1 = 1709208000000000;

BucketInfo MakeContainer(std::string name, TimeMicros created, std::string etag,
                         PublicAccess access = PublicAccess::kNone) {
  BucketInfo c;
  c.account = "devstoreaccount1";
  c.name = std::move(name);
  c.created = created;
  c.etag = std::move(etag);
  c.public_access = access;
  return c;
}

ContainerListing ThreeContainers(bool include_metadata) {
  ContainerListing listing;
  listing.service_endpoint = "http://127.0.0.1:10000/devstoreaccount1/";
  listing.prefix = "ph";
  listing.marker = "pg";
  listing.max_results = 3;
  listing.include_metadata = include_metadata;
  BucketInfo a = MakeContainer("photos", kT0, "0x8DBE5A1B2C3D4E5", PublicAccess::kBucket);
  a.metadata = {{"Owner", "alice"}, {"project", "x<y&z"}};
  BucketInfo b = MakeContainer("photos-2", kT0, "0x8DBE5A1B2C3D4E6", PublicAccess::kObjects);
  b.last_modified = kT1;  // metadata changed after creation
  BucketInfo c = MakeContainer("physics", kT1, "0x8DC3926F0A1B2C3");
  listing.containers = {a, b, c};
  listing.next_marker = "piano";
  return listing;
}

// RenderContainerList.

TEST(BlobRenderGoldenTest, ContainerList) {
  ExpectGolden("container_list", RenderContainerList(ThreeContainers(false)));
}

TEST(BlobRenderGoldenTest, ContainerListWithMetadata) {
  ExpectGolden("container_list_metadata", RenderContainerList(ThreeContainers(true)));
}

TEST(BlobRenderGoldenTest, ContainerListEmpty) {
  ContainerListing listing;
  listing.service_endpoint = "http://acct.blob.localhost:10000/";
  ExpectGolden("container_list_empty", RenderContainerList(listing));
}

TEST(BlobRenderTest, ContainerListStructure) {
  std::string xml = RenderContainerList(ThreeContainers(true));
  EXPECT_TRUE(xml.starts_with(kDeclaration));
  pugi::xml_document doc = Parse(xml);
  pugi::xml_node root = doc.child("EnumerationResults");
  ASSERT_TRUE(root);
  EXPECT_STREQ(root.attribute("ServiceEndpoint").value(),
               "http://127.0.0.1:10000/devstoreaccount1/");
  EXPECT_STREQ(root.child_value("Prefix"), "ph");
  EXPECT_STREQ(root.child_value("Marker"), "pg");
  EXPECT_STREQ(root.child_value("MaxResults"), "3");
  EXPECT_STREQ(root.child_value("NextMarker"), "piano");
  std::vector<pugi::xml_node> containers;
  for (auto c : root.child("Containers").children("Container")) containers.push_back(c);
  ASSERT_EQ(containers.size(), 3u);
  EXPECT_STREQ(containers[0].child_value("Name"), "photos");
  pugi::xml_node props = containers[0].child("Properties");
  EXPECT_STREQ(props.child_value("Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_STREQ(props.child_value("Etag"), "\"0x8DBE5A1B2C3D4E5\"");
  EXPECT_STREQ(props.child_value("PublicAccess"), "container");
  EXPECT_STREQ(containers[0].child("Metadata").child_value("Owner"), "alice");
  EXPECT_STREQ(containers[0].child("Metadata").child_value("project"), "x<y&z");
  // Last-Modified is the last change, not the creation.
  EXPECT_STREQ(containers[1].child("Properties").child_value("Last-Modified"),
               "Thu, 29 Feb 2024 12:00:00 GMT");
  EXPECT_STREQ(containers[1].child("Properties").child_value("PublicAccess"), "blob");
  // No public access: the element is omitted, as Azure does.
  EXPECT_FALSE(containers[2].child("Properties").child("PublicAccess"));
  EXPECT_TRUE(containers[2].child("Metadata"));
  EXPECT_FALSE(containers[2].child("Metadata").first_child());
}

TEST(BlobRenderTest, ContainerListWithoutMetadataHasNoMetadataElement) {
  pugi::xml_document doc = Parse(RenderContainerList(ThreeContainers(false)));
  for (auto c : doc.child("EnumerationResults").child("Containers").children("Container")) {
    EXPECT_FALSE(c.child("Metadata")) << c.child_value("Name");
  }
}

TEST(BlobRenderTest, ContainerListOmitsUnsetEchoes) {
  ContainerListing listing;
  listing.service_endpoint = "http://h/a/";
  pugi::xml_document doc = Parse(RenderContainerList(listing));
  pugi::xml_node root = doc.child("EnumerationResults");
  EXPECT_FALSE(root.child("Prefix"));
  EXPECT_FALSE(root.child("Marker"));
  EXPECT_FALSE(root.child("MaxResults"));
  EXPECT_TRUE(root.child("Containers"));
  EXPECT_FALSE(root.child("Containers").first_child());
  // NextMarker is always present, empty at the end of the listing.
  EXPECT_TRUE(root.child("NextMarker"));
  EXPECT_STREQ(root.child_value("NextMarker"), "");
}

// RenderBlobList.

ObjectInfo MakeBlob(std::string key, uint64_t size, TimeMicros modified, std::string etag) {
  ObjectInfo o;
  o.bucket = "photos";
  o.key = std::move(key);
  o.size = size;
  o.last_modified = modified;
  o.blob_etag = std::move(etag);
  o.version_id = "null";
  return o;
}

BlobListing InterleavedListing() {
  BlobListing listing;
  listing.service_endpoint = "http://127.0.0.1:10000/devstoreaccount1/";
  listing.container = "photos";
  listing.prefix = "2024/";
  listing.delimiter = "/";
  listing.max_results = 5;
  listing.include_metadata = true;
  ObjectInfo a = MakeBlob("2024/a.jpg", 434234, kT0, "0x8DBE5A1B2C3D4E5");
  a.content.content_type = "image/jpeg";
  a.content.cache_control = "max-age=3600";
  a.content.content_disposition = "inline";
  a.content_md5 =
      std::string("\x9b\x2c\xf5\x35\xf2\x77\x31\xc9\x74\x34\x36\x45\xa3\x98\x53\x28", 16);
  a.storage_class = "STANDARD";
  a.metadata = {{"Camera", "X100"}};
  ObjectInfo m = MakeBlob("2024/m.txt", 0, kT1, "0x8DC3926F0A1B2C3");
  m.content.content_type = "text/plain";
  m.content.content_encoding = "gzip";
  m.content.content_language = "en";
  m.storage_class = "STANDARD_IA";
  ObjectInfo z = MakeBlob("2024/z.bin", 7, kT1, "0x8DC3926F0A1B2C4");
  z.storage_class = "GLACIER";
  listing.blobs = {a, m, z};
  // "2024/b/" sorts between a.jpg and m.txt, "2024/n/" between m.txt and z.bin.
  listing.prefixes = {"2024/b/", "2024/n/"};
  listing.next_marker = "2024/zz";
  return listing;
}

TEST(BlobRenderGoldenTest, BlobListInterleaved) {
  ExpectGolden("blob_list", RenderBlobList(InterleavedListing()));
}

TEST(BlobRenderGoldenTest, BlobListFlat) {
  BlobListing listing = InterleavedListing();
  listing.prefix.clear();
  listing.delimiter.clear();
  listing.max_results = 0;
  listing.include_metadata = false;
  listing.prefixes.clear();
  listing.next_marker.clear();
  ExpectGolden("blob_list_flat", RenderBlobList(listing));
}

TEST(BlobRenderTest, BlobsAndPrefixesInterleaveInNameOrder) {
  pugi::xml_document doc = Parse(RenderBlobList(InterleavedListing()));
  pugi::xml_node root = doc.child("EnumerationResults");
  EXPECT_STREQ(root.attribute("ContainerName").value(), "photos");
  EXPECT_STREQ(root.child_value("Delimiter"), "/");
  std::vector<std::string> order;
  for (auto node : root.child("Blobs").children()) {
    order.push_back(std::string(node.name()) + ":" + node.child_value("Name"));
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"Blob:2024/a.jpg", "BlobPrefix:2024/b/", "Blob:2024/m.txt",
                                      "BlobPrefix:2024/n/", "Blob:2024/z.bin"}));
}

TEST(BlobRenderTest, OnlyPrefixesOrOnlyBlobs) {
  BlobListing listing;
  listing.container = "c";
  listing.prefixes = {"a/", "b/"};
  pugi::xml_document prefixes = Parse(RenderBlobList(listing));
  int n = 0;
  for (auto node : prefixes.child("EnumerationResults").child("Blobs").children()) {
    EXPECT_STREQ(node.name(), "BlobPrefix");
    ++n;
  }
  EXPECT_EQ(n, 2);
  listing.prefixes.clear();
  listing.blobs = {MakeBlob("x", 1, kT0, "0x1")};
  pugi::xml_document blobs = Parse(RenderBlobList(listing));
  EXPECT_STREQ(blobs.child("EnumerationResults").child("Blobs").first_child().name(), "Blob");
}

TEST(BlobRenderTest, BlobProperties) {
  pugi::xml_document doc = Parse(RenderBlobList(InterleavedListing()));
  pugi::xml_node blob = doc.child("EnumerationResults").child("Blobs").child("Blob");
  pugi::xml_node props = blob.child("Properties");
  EXPECT_STREQ(props.child_value("Last-Modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  // List Blobs writes the ETag without quotes.
  EXPECT_STREQ(props.child_value("Etag"), "0x8DBE5A1B2C3D4E5");
  EXPECT_STREQ(props.child_value("Content-Length"), "434234");
  EXPECT_STREQ(props.child_value("Content-Type"), "image/jpeg");
  EXPECT_STREQ(props.child_value("Content-MD5"), "myz1NfJ3Mcl0NDZFo5hTKA==");
  EXPECT_STREQ(props.child_value("Cache-Control"), "max-age=3600");
  EXPECT_STREQ(props.child_value("Content-Disposition"), "inline");
  EXPECT_STREQ(props.child_value("BlobType"), "BlockBlob");
  EXPECT_STREQ(props.child_value("AccessTier"), "Hot");
  EXPECT_STREQ(props.child_value("AccessTierInferred"), "true");
  EXPECT_STREQ(props.child_value("LeaseStatus"), "unlocked");
  EXPECT_STREQ(props.child_value("LeaseState"), "available");
  EXPECT_STREQ(blob.child("Metadata").child_value("Camera"), "X100");
}

TEST(BlobRenderTest, AccessTiers) {
  pugi::xml_document doc = Parse(RenderBlobList(InterleavedListing()));
  std::vector<std::string> tiers;
  std::vector<std::string> inferred;
  for (auto blob : doc.child("EnumerationResults").child("Blobs").children("Blob")) {
    tiers.push_back(blob.child("Properties").child_value("AccessTier"));
    inferred.push_back(blob.child("Properties").child_value("AccessTierInferred"));
  }
  EXPECT_EQ(tiers, (std::vector<std::string>{"Hot", "Cool", "Archive"}));
  EXPECT_EQ(inferred, (std::vector<std::string>{"true", "false", "false"}));
}

TEST(BlobRenderTest, BlobListMetadataOnlyWhenIncluded) {
  BlobListing listing = InterleavedListing();
  listing.include_metadata = false;
  pugi::xml_document doc = Parse(RenderBlobList(listing));
  for (auto blob : doc.child("EnumerationResults").child("Blobs").children("Blob")) {
    EXPECT_FALSE(blob.child("Metadata")) << blob.child_value("Name");
  }
}

// RenderBlockList.

BlockList TwoAndOne() {
  BlockList list;
  list.committed = {{std::string("block-0001"), 4194304}, {std::string("\x00\xff\x10", 3), 17}};
  list.uncommitted = {{std::string("block-0002"), 1024}};
  return list;
}

TEST(BlobRenderGoldenTest, BlockListAll) {
  ExpectGolden("block_list_all", RenderBlockList(TwoAndOne(), true, true));
}

TEST(BlobRenderGoldenTest, BlockListCommitted) {
  ExpectGolden("block_list_committed", RenderBlockList(TwoAndOne(), true, false));
}

TEST(BlobRenderGoldenTest, BlockListUncommitted) {
  ExpectGolden("block_list_uncommitted", RenderBlockList(TwoAndOne(), false, true));
}

TEST(BlobRenderTest, BlockNamesAreBase64OfTheRawIds) {
  pugi::xml_document doc = Parse(RenderBlockList(TwoAndOne(), true, true));
  pugi::xml_node root = doc.child("BlockList");
  std::vector<std::string> committed;
  for (auto b : root.child("CommittedBlocks").children("Block")) {
    std::optional<std::string> id = Base64Decode(b.child_value("Name"));
    ASSERT_TRUE(id.has_value()) << b.child_value("Name");
    committed.push_back(*id + "/" + b.child_value("Size"));
  }
  EXPECT_EQ(committed, (std::vector<std::string>{"block-0001/4194304",
                                                 std::string("\x00\xff\x10", 3) + "/17"}));
  EXPECT_STREQ(root.child("UncommittedBlocks").child("Block").child_value("Name"),
               "YmxvY2stMDAwMg==");
}

TEST(BlobRenderTest, BlockListSelectsLists) {
  pugi::xml_document committed = Parse(RenderBlockList(TwoAndOne(), true, false));
  EXPECT_TRUE(committed.child("BlockList").child("CommittedBlocks"));
  EXPECT_FALSE(committed.child("BlockList").child("UncommittedBlocks"));
  pugi::xml_document uncommitted = Parse(RenderBlockList(TwoAndOne(), false, true));
  EXPECT_FALSE(uncommitted.child("BlockList").child("CommittedBlocks"));
  EXPECT_TRUE(uncommitted.child("BlockList").child("UncommittedBlocks"));
}

TEST(BlobRenderTest, EmptyBlockListKeepsItsSections) {
  pugi::xml_document doc = Parse(RenderBlockList(BlockList{}, true, true));
  EXPECT_TRUE(doc.child("BlockList").child("CommittedBlocks"));
  EXPECT_TRUE(doc.child("BlockList").child("UncommittedBlocks"));
}

// RenderContainerAcl / ParseContainerAcl.

std::vector<AccessPolicy> TwoPolicies() {
  AccessPolicy full;
  full.id = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=";
  full.start = kT0;
  full.expiry = kT1;
  full.permissions = "rwd";
  AccessPolicy bare;
  bare.id = "read-only";
  bare.permissions = "r";
  return {full, bare};
}

TEST(BlobRenderGoldenTest, ContainerAcl) {
  ExpectGolden("container_acl", RenderContainerAcl(TwoPolicies()));
}

TEST(BlobRenderGoldenTest, ContainerAclEmpty) {
  ExpectGolden("container_acl_empty", RenderContainerAcl({}));
}

TEST(BlobRenderTest, AclTimesHaveSevenFractionalDigits) {
  pugi::xml_document doc = Parse(RenderContainerAcl(TwoPolicies()));
  pugi::xml_node policy =
      doc.child("SignedIdentifiers").child("SignedIdentifier").child("AccessPolicy");
  EXPECT_STREQ(policy.child_value("Start"), "2023-11-14T22:13:20.1230000Z");
  EXPECT_STREQ(policy.child_value("Expiry"), "2024-02-29T12:00:00.0000000Z");
  EXPECT_STREQ(policy.child_value("Permission"), "rwd");
}

TEST(BlobParseContainerAclTest, RoundTripsThroughRender) {
  std::vector<AccessPolicy> policies = TwoPolicies();
  Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(RenderContainerAcl(policies));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].id, policies[0].id);
  // Rendered with millisecond precision.
  EXPECT_EQ((*parsed)[0].start, kT0 / 1000 * 1000);
  EXPECT_EQ((*parsed)[0].expiry, kT1);
  EXPECT_EQ((*parsed)[0].permissions, "rwd");
  EXPECT_EQ((*parsed)[1].id, "read-only");
  EXPECT_FALSE((*parsed)[1].start);
  EXPECT_FALSE((*parsed)[1].expiry);
  EXPECT_EQ((*parsed)[1].permissions, "r");
}

TEST(BlobParseContainerAclTest, DocumentedRequestBody) {
  Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<SignedIdentifiers>\n"
      "  <SignedIdentifier>\n"
      "    <Id>MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=</Id>\n"
      "    <AccessPolicy>\n"
      "      <Start>2009-09-28T08:49:37.0000000Z</Start>\n"
      "      <Expiry>2009-09-29T08:49:37.0000000Z</Expiry>\n"
      "      <Permission>rwd</Permission>\n"
      "    </AccessPolicy>\n"
      "  </SignedIdentifier>\n"
      "</SignedIdentifiers>\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].start, 1254127777000000);
  EXPECT_EQ((*parsed)[0].expiry, 1254214177000000);
  EXPECT_EQ((*parsed)[0].permissions, "rwd");
}

TEST(BlobParseContainerAclTest, DatesWithoutFractionOrTimeAreAccepted) {
  Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(
      "<SignedIdentifiers><SignedIdentifier><Id>a</Id><AccessPolicy>"
      "<Start>2009-09-28T08:49:37Z</Start><Expiry>2009-09-29</Expiry>"
      "<Permission>r</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)[0].start, 1254127777000000);
  EXPECT_EQ((*parsed)[0].expiry, 1254182400000000);
}

TEST(BlobParseContainerAclTest, EmptyBodyClearsThePolicies) {
  for (const char* body : {"", " \t ", "<SignedIdentifiers/>",
                           "<?xml version=\"1.0\"?><SignedIdentifiers></SignedIdentifiers>"}) {
    Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(body);
    ASSERT_TRUE(parsed.ok()) << body;
    EXPECT_TRUE(parsed->empty()) << body;
  }
}

std::string AclWith(int identifiers) {
  std::string xml = "<SignedIdentifiers>";
  for (int i = 0; i < identifiers; ++i) {
    xml += "<SignedIdentifier><Id>id" + std::to_string(i) +
           "</Id><AccessPolicy><Permission>r</Permission></AccessPolicy></SignedIdentifier>";
  }
  return xml + "</SignedIdentifiers>";
}

TEST(BlobParseContainerAclTest, AtMostFiveIdentifiers) {
  Result<std::vector<AccessPolicy>> five = ParseContainerAcl(AclWith(5));
  ASSERT_TRUE(five.ok()) << five.status().ToString();
  EXPECT_EQ(five->size(), 5u);
  Result<std::vector<AccessPolicy>> six = ParseContainerAcl(AclWith(6));
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.status().code(), ErrorCode::kInvalidArgument);
}

TEST(BlobParseContainerAclTest, BadDatesAreRejected) {
  for (const char* field : {"Start", "Expiry"}) {
    for (const char* value :
         {"tomorrow", "2009-13-45T99:00:00Z", "2009-09-28 08:49:37", "2009-09-28T08:49:37"}) {
      std::string xml = std::string("<SignedIdentifiers><SignedIdentifier><Id>a</Id>") +
                        "<AccessPolicy><" + field + ">" + value + "</" + field + ">" +
                        "<Permission>r</Permission></AccessPolicy></SignedIdentifier>" +
                        "</SignedIdentifiers>";
      Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(xml);
      ASSERT_FALSE(parsed.ok()) << field << "=" << value;
      EXPECT_EQ(parsed.status().code(), ErrorCode::kMalformedXml) << field << "=" << value;
    }
  }
}

TEST(BlobParseContainerAclTest, IdsAreOneToSixtyFourCharacters) {
  auto with_id = [](const std::string& id) {
    return "<SignedIdentifiers><SignedIdentifier><Id>" + id +
           "</Id><AccessPolicy><Permission>r</Permission></AccessPolicy></SignedIdentifier>"
           "</SignedIdentifiers>";
  };
  EXPECT_TRUE(ParseContainerAcl(with_id(std::string(64, 'i'))).ok());
  Result<std::vector<AccessPolicy>> long_id = ParseContainerAcl(with_id(std::string(65, 'i')));
  ASSERT_FALSE(long_id.ok());
  EXPECT_EQ(long_id.status().code(), ErrorCode::kMalformedXml);
  Result<std::vector<AccessPolicy>> no_id = ParseContainerAcl(with_id(""));
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.status().code(), ErrorCode::kMalformedXml);
}

TEST(BlobParseContainerAclTest, MalformedXmlAndWrongRoot) {
  for (const char* body :
       {"<SignedIdentifiers><SignedIdentifier>", "not xml at all <", "<BlockList></BlockList>"}) {
    Result<std::vector<AccessPolicy>> parsed = ParseContainerAcl(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kMalformedXml) << body;
  }
}

// RenderServiceProperties.

TEST(BlobRenderGoldenTest, ServiceProperties) {
  ExpectGolden("service_properties", RenderServiceProperties(ServiceSettings{}));
}

TEST(BlobRenderTest, ServicePropertiesStructure) {
  pugi::xml_document doc = Parse(RenderServiceProperties(ServiceSettings{}));
  pugi::xml_node root = doc.child("StorageServiceProperties");
  ASSERT_TRUE(root);
  EXPECT_STREQ(root.child("Logging").child_value("Version"), "1.0");
  for (const char* flag : {"Delete", "Read", "Write"}) {
    EXPECT_STREQ(root.child("Logging").child_value(flag), "false") << flag;
  }
  EXPECT_STREQ(root.child("HourMetrics").child_value("Enabled"), "false");
  EXPECT_STREQ(root.child("MinuteMetrics").child_value("Enabled"), "false");
  EXPECT_TRUE(root.child("Cors"));
  EXPECT_FALSE(root.child("Cors").first_child());
  EXPECT_STREQ(root.child("DeleteRetentionPolicy").child_value("Enabled"), "false");
  EXPECT_STREQ(root.child("StaticWebsite").child_value("Enabled"), "false");
}

// ParseBlockList.

std::string B64(std::string_view raw) { return Base64Encode(raw); }

TEST(BlobParseBlockListTest, AllThreeSourcesInOrder) {
  std::string xml = std::string(kDeclaration) + "\n<BlockList>\n  <Committed>" + B64("one") +
                    "</Committed>\n  <Uncommitted>" + B64("two") + "</Uncommitted>\n  <Latest>" +
                    B64("three") + "</Latest>\n  <Latest>" + B64("one") +
                    "</Latest>\n</BlockList>\n";
  Result<std::vector<BlockListEntry>> parsed = ParseBlockList(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0].block_id, "one");
  EXPECT_EQ((*parsed)[0].source, BlockSource::kCommitted);
  EXPECT_EQ((*parsed)[1].block_id, "two");
  EXPECT_EQ((*parsed)[1].source, BlockSource::kUncommitted);
  EXPECT_EQ((*parsed)[2].block_id, "three");
  EXPECT_EQ((*parsed)[2].source, BlockSource::kLatest);
  EXPECT_EQ((*parsed)[3].block_id, "one");
  EXPECT_EQ((*parsed)[3].source, BlockSource::kLatest);
}

TEST(BlobParseBlockListTest, BinaryIdsAndSurroundingSpaces) {
  std::string raw("\x00\x01\xfe\xff", 4);
  Result<std::vector<BlockListEntry>> parsed =
      ParseBlockList("<BlockList><Latest> \t" + B64(raw) + "  </Latest></BlockList>");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].block_id, raw);
}

TEST(BlobParseBlockListTest, IdsWrappedInNewlinesAreTrimmed) {
  Result<std::vector<BlockListEntry>> parsed =
      ParseBlockList("<BlockList>\n  <Latest>\n    QUJD\r\n  </Latest>\n</BlockList>");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].block_id, "ABC");
}

TEST(BlobParseBlockListTest, EmptyListIsValid) {
  Result<std::vector<BlockListEntry>> parsed = ParseBlockList("<BlockList/>");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(BlobParseBlockListTest, SixtyFourByteIdsAreTheLimit) {
  Result<std::vector<BlockListEntry>> ok =
      ParseBlockList("<BlockList><Latest>" + B64(std::string(64, 'x')) + "</Latest></BlockList>");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].block_id.size(), 64u);
  Result<std::vector<BlockListEntry>> over =
      ParseBlockList("<BlockList><Latest>" + B64(std::string(65, 'x')) + "</Latest></BlockList>");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), ErrorCode::kInvalidPart);
}

TEST(BlobParseBlockListTest, BadOrEmptyBase64IsAnInvalidBlockList) {
  for (const char* id : {"not base64!", "QUJD", "QUJDRA", "QUJDRA=", "", "   "}) {
    if (std::string_view(id) == "QUJD") continue;  // valid ("ABC"); kept as a control below
    std::string xml = std::string("<BlockList><Uncommitted>") + id + "</Uncommitted></BlockList>";
    Result<std::vector<BlockListEntry>> parsed = ParseBlockList(xml);
    ASSERT_FALSE(parsed.ok()) << "'" << id << "'";
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidPart) << "'" << id << "'";
  }
  EXPECT_TRUE(ParseBlockList("<BlockList><Uncommitted>QUJD</Uncommitted></BlockList>").ok());
}

TEST(BlobParseBlockListTest, UnknownElementsAreMalformed) {
  for (const char* xml :
       {"<BlockList><Block>QUJD</Block></BlockList>",
        "<BlockList><latest>QUJD</latest></BlockList>",
        "<BlockList><Latest>QUJD</Latest><Extra/></BlockList>", "<BlockList>QUJD</BlockList>"}) {
    Result<std::vector<BlockListEntry>> parsed = ParseBlockList(xml);
    ASSERT_FALSE(parsed.ok()) << xml;
    EXPECT_EQ(parsed.status().code(), ErrorCode::kMalformedXml) << xml;
  }
}

TEST(BlobParseBlockListTest, MalformedXmlAndWrongRoot) {
  for (const char* xml :
       {"", "<BlockList><Latest>QUJD</Latest>", "<BlockList><Latest>QUJD", "garbage",
        "<CompleteMultipartUpload/>", "<BlockList><Latest>QUJD</Committed></BlockList>"}) {
    Result<std::vector<BlockListEntry>> parsed = ParseBlockList(xml);
    ASSERT_FALSE(parsed.ok()) << "'" << xml << "'";
    EXPECT_EQ(parsed.status().code(), ErrorCode::kMalformedXml) << "'" << xml << "'";
  }
}

TEST(BlobParseBlockListTest, RoundTripsGetBlockListNames) {
  // The Name a client reads from Get Block List is the text it sends back in Put Block List.
  pugi::xml_document doc = Parse(RenderBlockList(TwoAndOne(), true, true));
  std::string xml = "<BlockList>";
  for (auto b : doc.child("BlockList").child("CommittedBlocks").children("Block")) {
    xml += std::string("<Committed>") + b.child_value("Name") + "</Committed>";
  }
  xml += "</BlockList>";
  Result<std::vector<BlockListEntry>> parsed = ParseBlockList(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].block_id, "block-0001");
  EXPECT_EQ((*parsed)[1].block_id, std::string("\x00\xff\x10", 3));
}

TEST(BlobRenderTest, QuotedEtag) {
  EXPECT_EQ(QuotedEtag("0x8D4BCC2E4835CD0"), "\"0x8D4BCC2E4835CD0\"");
  EXPECT_EQ(QuotedEtag(""), "\"\"");
}

}  // namespace
}  // namespace tessera::blob

namespace tessera::blob {
namespace {

TEST(BlobServicePropertiesTest, CorsRulesRoundTripThroughTheDocument) {
  ServiceSettings settings;
  CorsRule rule;
  rule.allowed_origins = {"https://a.example", "https://b.example"};
  rule.allowed_methods = {"GET", "PUT"};
  rule.allowed_headers = {"x-ms-meta-*"};
  rule.exposed_headers = {"x-ms-request-id"};
  rule.max_age_seconds = 300;
  settings.cors = {rule};
  settings.default_service_version = "2021-08-06";
  auto parsed = ParseServiceProperties(RenderServiceProperties(settings), ServiceSettings{});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->cors.size(), 1u);
  EXPECT_EQ(parsed->cors[0].allowed_origins, rule.allowed_origins);
  EXPECT_EQ(parsed->cors[0].allowed_methods, rule.allowed_methods);
  EXPECT_EQ(parsed->cors[0].max_age_seconds, 300u);
  EXPECT_EQ(parsed->default_service_version, "2021-08-06");
}

TEST(BlobServicePropertiesTest, OmittedSectionsKeepTheirValues) {
  ServiceSettings current;
  current.cors.resize(1);
  current.cors[0].allowed_origins = {"*"};
  current.cors[0].allowed_methods = {"GET"};
  auto parsed = ParseServiceProperties(
      "<StorageServiceProperties><DefaultServiceVersion>2020-10-02</DefaultServiceVersion>"
      "</StorageServiceProperties>",
      current);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->cors.size(), 1u);
  EXPECT_EQ(parsed->default_service_version, "2020-10-02");
  auto cleared = ParseServiceProperties(
      "<StorageServiceProperties><Cors/></StorageServiceProperties>", current);
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->cors.empty());
}

TEST(BlobServicePropertiesTest, BadRulesAreRejected) {
  EXPECT_FALSE(ParseServiceProperties("<nope/>", {}).ok());
  EXPECT_FALSE(
      ParseServiceProperties("<StorageServiceProperties><Cors><CorsRule><AllowedMethods>GET"
                             "</AllowedMethods></CorsRule></Cors></StorageServiceProperties>",
                             {})
          .ok());
}

}  // namespace
}  // namespace tessera::blob
