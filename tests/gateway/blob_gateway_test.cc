// Integration tests of the Blob dialect on the real binary, in raw HTTP with SharedKey,
// SAS and anonymous requests, and the one namespace shared with S3.

#include <gtest/gtest.h>

#include "auth/sas.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

constexpr char kAcct[] = "/devstoreaccount1";
constexpr char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

class BlobGatewayTest : public GatewayFixture {
 protected:
  std::string Path(const std::string& rest) { return std::string(kAcct) + rest; }
  void CreateContainer(const std::string& name,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    RawResponse r = Blob("PUT", Path("/" + name + "?restype=container"), "", headers);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  RawResponse Anonymous(const std::string& method, const std::string& target) {
    Request r;
    r.method = method;
    r.target = target;
    r.sign = false;
    return SendBlob(gateway_->port(), r);
  }
  std::string Sas(const std::string& container, const std::string& blob,
                  const std::string& permissions) {
    auth::ServiceSasSpec spec;
    spec.account = "devstoreaccount1";
    spec.container = container;
    spec.blob = blob;
    spec.resource = "b";
    spec.fields.permissions = permissions;
    spec.fields.expiry = FormatIso8601Millis(NowMicros() + 3600LL * 1000000).substr(0, 19) + "Z";
    return auth::MakeServiceSas(spec, kKey);
  }
};

TEST_F(BlobGatewayTest, ContainerLifecycle) {
  CreateContainer("box", {{"x-ms-meta-owner", "me"}});
  RawResponse again = Blob("PUT", Path("/box?restype=container"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Header("x-ms-error-code"), "ContainerAlreadyExists");
  RawResponse props = Blob("GET", Path("/box?restype=container"));
  EXPECT_EQ(props.status, 200);
  EXPECT_EQ(props.Header("x-ms-meta-owner"), "me");
  EXPECT_FALSE(props.Header("etag").empty());
  EXPECT_FALSE(props.Header("x-ms-request-id").empty());
  RawResponse list = Blob("GET", Path("/?comp=list&include=metadata"));
  EXPECT_NE(list.body.find("<Name>box</Name>"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("<owner>me</owner>"), std::string::npos);
  EXPECT_EQ(Blob("DELETE", Path("/box?restype=container")).status, 202);
  RawResponse gone = Blob("GET", Path("/box?restype=container"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.Header("x-ms-error-code"), "ContainerNotFound");
  EXPECT_NE(gone.body.find("<Code>ContainerNotFound</Code>"), std::string::npos);
}

TEST_F(BlobGatewayTest, InvalidContainerNameIsInvalidResourceName) {
  RawResponse r = Blob("PUT", Path("/Bad--Name?restype=container"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("x-ms-error-code"), "InvalidResourceName");
}

TEST_F(BlobGatewayTest, WrongKeyIsAuthenticationFailedWithDetail) {
  Request r;
  r.target = Path("/?comp=list");
  r.secret = Base64Encode("not the key");
  RawResponse response = SendBlob(gateway_->port(), r);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.Header("x-ms-error-code"), "AuthenticationFailed");
  EXPECT_NE(response.body.find("<AuthenticationErrorDetail>"), std::string::npos);
}

TEST_F(BlobGatewayTest, PutGetBlobWithRangesAndProperties) {
  CreateContainer("box");
  std::string data = Pattern(300000);
  RawResponse put = Blob("PUT", Path("/box/dir/a%20b.bin"), data,
                         {{"x-ms-blob-type", "BlockBlob"},
                          {"x-ms-blob-content-type", "application/x-test"},
                          {"x-ms-meta-color", "blue"},
                          {"Content-MD5", Base64Encode(Md5(data))}});
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.Header("content-md5"), Base64Encode(Md5(data)));
  RawResponse get = Blob("GET", Path("/box/dir/a%20b.bin"));
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == data);
  EXPECT_EQ(get.Header("content-type"), "application/x-test");
  EXPECT_EQ(get.Header("x-ms-meta-color"), "blue");
  EXPECT_EQ(get.Header("x-ms-blob-type"), "BlockBlob");
  EXPECT_EQ(get.Header("etag"), put.Header("etag"));
  RawResponse range =
      Blob("GET", Path("/box/dir/a%20b.bin"), "",
           {{"x-ms-range", "bytes=1000-1999"}, {"x-ms-range-get-content-md5", "true"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_TRUE(range.body == data.substr(1000, 1000));
  EXPECT_EQ(range.Header("content-range"), "bytes 1000-1999/300000");
  EXPECT_EQ(range.Header("content-md5"), Base64Encode(Md5(data.substr(1000, 1000))));
  RawResponse bad = Blob("GET", Path("/box/dir/a%20b.bin"), "", {{"x-ms-range", "bytes=400000-"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.Header("x-ms-error-code"), "InvalidRange");
}

TEST_F(BlobGatewayTest, BadMd5AndCrc64AreRejectedAndStoreNothing) {
  CreateContainer("box");
  RawResponse md5 =
      Blob("PUT", Path("/box/k"), "data",
           {{"x-ms-blob-type", "BlockBlob"}, {"Content-MD5", Base64Encode(Md5("x"))}});
  EXPECT_EQ(md5.status, 400);
  EXPECT_EQ(md5.Header("x-ms-error-code"), "Md5Mismatch");
  RawResponse crc = Blob("PUT", Path("/box/k"), "data",
                         {{"x-ms-blob-type", "BlockBlob"},
                          {"x-ms-content-crc64", Base64Encode(std::string(8, '\1'))}});
  EXPECT_EQ(crc.status, 400);
  EXPECT_EQ(crc.Header("x-ms-error-code"), "Crc64Mismatch");
  EXPECT_EQ(Blob("HEAD", Path("/box/k")).status, 404);
}

TEST_F(BlobGatewayTest, Crc64IsVerifiedLittleEndianAndReadableThroughS3) {
  CreateContainer("box");
  std::string data = "123456789";
  auto crc = NewCrc64Nvme();
  crc->Update(data.data(), data.size());
  std::string big_endian = crc->Finish();
  std::string little_endian(big_endian.rbegin(), big_endian.rend());
  RawResponse put =
      Blob("PUT", Path("/box/k"), data,
           {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-content-crc64", Base64Encode(little_endian)}});
  ASSERT_EQ(put.status, 201) << put.body;
  RawResponse s3 = Do("GET", "/box/k", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(s3.Header("x-amz-checksum-crc64nvme"), Base64Encode(big_endian));
}

TEST_F(BlobGatewayTest, BlocksCommitInListedOrder) {
  CreateContainer("box");
  std::string id1 = Base64Encode("block-01"), id2 = Base64Encode("block-02");
  ASSERT_EQ(
      Blob("PUT", Path("/box/b?comp=block&blockid=" + UriEncode(id1, false)), "first-").status,
      201);
  ASSERT_EQ(
      Blob("PUT", Path("/box/b?comp=block&blockid=" + UriEncode(id2, false)), "second").status,
      201);
  RawResponse staged = Blob("GET", Path("/box/b?comp=blocklist&blocklisttype=all"));
  EXPECT_NE(staged.body.find("<UncommittedBlocks><Block><Name>" + id1), std::string::npos)
      << staged.body;
  std::string list = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>" + id2 +
                     "</Latest><Latest>" + id1 + "</Latest></BlockList>";
  RawResponse commit =
      Blob("PUT", Path("/box/b?comp=blocklist"), list, {{"x-ms-blob-content-type", "text/plain"}});
  ASSERT_EQ(commit.status, 201) << commit.body;
  EXPECT_EQ(Blob("GET", Path("/box/b")).body, "secondfirst-");
  RawResponse committed = Blob("GET", Path("/box/b?comp=blocklist"));
  EXPECT_NE(committed.body.find("<CommittedBlocks><Block><Name>" + id2 + "</Name><Size>6</Size>"),
            std::string::npos)
      << committed.body;
  std::string missing =
      "<BlockList><Uncommitted>" + Base64Encode("block-99") + "</Uncommitted></BlockList>";
  RawResponse bad = Blob("PUT", Path("/box/b?comp=blocklist"), missing);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("x-ms-error-code"), "InvalidBlockList");
  EXPECT_EQ(Blob("GET", Path("/box/b")).body, "secondfirst-");
}

TEST_F(BlobGatewayTest, ConditionalRequests) {
  CreateContainer("box");
  RawResponse put = Blob("PUT", Path("/box/k"), "v1", {{"x-ms-blob-type", "BlockBlob"}});
  RawResponse stale = Blob("PUT", Path("/box/k"), "v2",
                           {{"x-ms-blob-type", "BlockBlob"}, {"If-Match", "\"0xdeadbeef\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.Header("x-ms-error-code"), "ConditionNotMet");
  RawResponse fresh = Blob("PUT", Path("/box/k"), "v2",
                           {{"x-ms-blob-type", "BlockBlob"}, {"If-Match", put.Header("etag")}});
  EXPECT_EQ(fresh.status, 201);
  RawResponse unchanged =
      Blob("GET", Path("/box/k"), "", {{"If-None-Match", fresh.Header("etag")}});
  EXPECT_EQ(unchanged.status, 304);
}

TEST_F(BlobGatewayTest, AnonymousReadsOnlyPublicContainers) {
  CreateContainer("private");
  CreateContainer("public", {{"x-ms-blob-public-access", "container"}});
  ASSERT_EQ(Blob("PUT", Path("/private/k"), "p", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
  ASSERT_EQ(Blob("PUT", Path("/public/k"), "q", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
  RawResponse hidden = Anonymous("GET", Path("/private/k"));
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.Header("x-ms-error-code"), "ResourceNotFound");
  RawResponse open = Anonymous("GET", Path("/public/k"));
  EXPECT_EQ(open.status, 200);
  EXPECT_EQ(open.body, "q");
  EXPECT_EQ(Anonymous("GET", Path("/public?restype=container&comp=list")).status, 200);
  EXPECT_NE(Anonymous("DELETE", Path("/public/k")).status, 202);
  EXPECT_EQ(Blob("GET", Path("/public/k")).body, "q");
}

TEST_F(BlobGatewayTest, ServiceSasGrantsOnlyItsPermissions) {
  CreateContainer("box");
  ASSERT_EQ(Blob("PUT", Path("/box/k"), "sas data", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
  std::string read_only = Sas("box", "k", "r");
  RawResponse get = Anonymous("GET", Path("/box/k?" + read_only));
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, "sas data");
  Request put;
  put.method = "PUT";
  put.target = Path("/box/k?" + read_only);
  put.body = "overwrite";
  put.sign = false;
  put.headers = {{"x-ms-blob-type", "BlockBlob"}};
  RawResponse denied = SendBlob(gateway_->port(), put);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Header("x-ms-error-code"), "AuthorizationPermissionMismatch");
  std::string tampered = read_only;
  tampered[tampered.find("sp=r") + 3] = 'w';
  EXPECT_EQ(Anonymous("GET", Path("/box/k?" + tampered)).status, 403);
  EXPECT_EQ(Blob("GET", Path("/box/k")).body, "sas data");
}

// Blob index tags are the S3 object tags: set through either door, read through both.
TEST_F(BlobGatewayTest, TagsAreOneSetForBothDialects) {
  CreateContainer("tagged");
  ASSERT_EQ(Blob("PUT", Path("/tagged/b"), "data",
                 {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-tags", "env=prod&tier=hot"}})
                .status,
            201);
  RawResponse head = Blob("HEAD", Path("/tagged/b"));
  EXPECT_EQ(head.Header("x-ms-tag-count"), "2");
  const std::string etag = head.Header("etag");
  RawResponse got = Blob("GET", Path("/tagged/b?comp=tags"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find("<Tags><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag>"),
            std::string::npos)
      << got.body;
  EXPECT_NE(Do("GET", "/tagged/b?tagging").body.find("<Key>tier</Key><Value>hot</Value>"),
            std::string::npos);

  RawResponse set = Blob("PUT", Path("/tagged/b?comp=tags"),
                         "<?xml version=\"1.0\" encoding=\"utf-8\"?><Tags><TagSet><Tag>"
                         "<Key>owner</Key><Value>ops</Value></Tag></TagSet></Tags>");
  EXPECT_EQ(set.status, 204) << set.body;
  EXPECT_EQ(Blob("HEAD", Path("/tagged/b")).Header("etag"), etag);
  got = Do("GET", "/tagged/b?tagging");
  EXPECT_NE(got.body.find("<Key>owner</Key>"), std::string::npos) << got.body;
  EXPECT_EQ(got.body.find("<Key>env</Key>"), std::string::npos);

  ASSERT_EQ(Do("PUT", "/tagged/b?tagging",
               "<Tagging><TagSet><Tag><Key>from</Key><Value>s3</Value></Tag></TagSet></Tagging>")
                .status,
            200);
  EXPECT_NE(Blob("GET", Path("/tagged/b?comp=tags")).body.find("<Key>from</Key>"),
            std::string::npos);
  RawResponse listed = Blob("GET", Path("/tagged?restype=container&comp=list&include=tags"));
  EXPECT_NE(listed.body.find("<TagCount>1</TagCount>"), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find("<Tags><TagSet><Tag><Key>from</Key>"), std::string::npos);

  // Blob's characters are narrower than S3's: '@' is refused here.
  RawResponse bad = Blob("PUT", Path("/tagged/b?comp=tags"),
                         "<Tags><TagSet><Tag><Key>a@b</Key><Value>v</Value></Tag></TagSet></Tags>");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("x-ms-error-code"), "InvalidTag");
  EXPECT_EQ(Blob("GET", Path("/tagged/none?comp=tags")).status, 404);
}

// x-ms-if-tags: the operation runs only when the blob's tags satisfy the expression.
TEST_F(BlobGatewayTest, TagConditionsGuardReadsAndWrites) {
  CreateContainer("cond");
  ASSERT_EQ(Blob("PUT", Path("/cond/b"), "v1",
                 {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-tags", "stage=draft"}})
                .status,
            201);
  EXPECT_EQ(Blob("GET", Path("/cond/b"), "", {{"x-ms-if-tags", "\"stage\" = 'draft'"}}).body, "v1");
  RawResponse refused = Blob("GET", Path("/cond/b"), "", {{"x-ms-if-tags", "\"stage\" = 'final'"}});
  EXPECT_EQ(refused.status, 412);
  EXPECT_EQ(refused.Header("x-ms-error-code"), "ConditionNotMet");
  // A write guarded by the tags: refused while they do not match, done once they do.
  RawResponse put = Blob("PUT", Path("/cond/b"), "v2",
                         {{"x-ms-blob-type", "BlockBlob"},
                          {"x-ms-if-tags", "\"stage\" = 'final' OR \"owner\" = 'me'"}});
  EXPECT_EQ(put.status, 412);
  EXPECT_EQ(Blob("GET", Path("/cond/b")).body, "v1");
  EXPECT_EQ(Blob("DELETE", Path("/cond/b"), "", {{"x-ms-if-tags", "\"stage\" <> 'draft'"}}).status,
            412);
  RawResponse malformed = Blob("GET", Path("/cond/b"), "", {{"x-ms-if-tags", "stage = draft"}});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.Header("x-ms-error-code"), "InvalidHeaderValue");
  EXPECT_EQ(Blob("DELETE", Path("/cond/b"), "", {{"x-ms-if-tags", "\"stage\" >= 'd'"}}).status,
            202);
}

// Find Blobs by Tags, over the account and in one container, with paging.
TEST_F(BlobGatewayTest, FindBlobsByTagsMatchesAcrossContainers) {
  CreateContainer("finda");
  CreateContainer("findb");
  auto put = [&](const std::string& path, const std::string& tags) {
    ASSERT_EQ(
        Blob("PUT", Path(path), "x", {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-tags", tags}}).status,
        201);
  };
  put("/finda/1", "project=alpha&rank=3");
  put("/finda/2", "project=beta&rank=5");
  put("/findb/3", "project=alpha&rank=7");
  ASSERT_EQ(Do("PUT", "/findb/4", "x", {{"x-amz-tagging", "project=alpha&rank=9"}}).status, 200);
  RawResponse all = Blob("GET", Path("/?comp=blobs&where=%22project%22%3D%27alpha%27"));
  ASSERT_EQ(all.status, 200) << all.body;
  for (const char* name : {"<Name>1</Name>", "<Name>3</Name>", "<Name>4</Name>"}) {
    EXPECT_NE(all.body.find(name), std::string::npos) << name << all.body;
  }
  EXPECT_EQ(all.body.find("<Name>2</Name>"), std::string::npos);
  // Only the tags the expression names come back.
  EXPECT_NE(all.body.find("<Tags><TagSet><Tag><Key>project</Key><Value>alpha</Value></Tag>"
                          "</TagSet></Tags>"),
            std::string::npos);
  RawResponse ranked = Blob(
      "GET", Path("/?comp=blobs&where=%22project%22%3D%27alpha%27%20AND%20%22rank%22%3E%3D%275%27"
                  "%20AND%20%40container%3D%27findb%27"));
  EXPECT_NE(ranked.body.find("<Name>3</Name>"), std::string::npos) << ranked.body;
  EXPECT_NE(ranked.body.find("<Name>4</Name>"), std::string::npos);
  EXPECT_EQ(ranked.body.find("<Name>1</Name>"), std::string::npos);
  RawResponse in_a =
      Blob("GET", Path("/finda?restype=container&comp=blobs&where=%22rank%22%3E%27%27"));
  EXPECT_NE(in_a.body.find("<Name>1</Name>"), std::string::npos) << in_a.body;
  EXPECT_NE(in_a.body.find("<Name>2</Name>"), std::string::npos);
  EXPECT_EQ(in_a.body.find("<Name>3</Name>"), std::string::npos);
  // Paging: one result per page, resumed by the marker, every match once.
  std::string marker, names;
  for (int page = 0; page < 10; ++page) {
    RawResponse r = Blob("GET", Path("/?comp=blobs&maxresults=1&where=%22project%22%3D%27alpha%27" +
                                     (marker.empty() ? "" : "&marker=" + marker)));
    ASSERT_EQ(r.status, 200) << r.body;
    const size_t at = r.body.find("<Name>");
    if (at != std::string::npos) names += r.body.substr(at + 6, 1);
    const size_t m = r.body.find("<NextMarker>");
    if (m == std::string::npos) break;
    marker = UriEncode(r.body.substr(m + 12, r.body.find("</NextMarker>") - m - 12), false);
    if (marker.empty()) break;
    for (size_t i = 0; (i = marker.find('=', i)) != std::string::npos;) marker.replace(i, 1, "%3D");
  }
  EXPECT_EQ(names, "134");
  RawResponse bad =
      Blob("GET", Path("/?comp=blobs&where=%22a%22%3D%27b%27%20OR%20%22c%22%3D%27d%27"));
  EXPECT_EQ(bad.status, 400);
}

TEST_F(BlobGatewayTest, ObjectsCrossBetweenDialects) {
  ASSERT_EQ(Do("PUT", "/shared").status, 200);
  ASSERT_EQ(Do("PUT", "/shared/from-s3", "via s3",
               {{"Content-Type", "text/x-s3"}, {"x-amz-meta-origin", "s3"}})
                .status,
            200);
  RawResponse via_blob = Blob("GET", Path("/shared/from-s3"));
  EXPECT_EQ(via_blob.status, 200);
  EXPECT_EQ(via_blob.body, "via s3");
  EXPECT_EQ(via_blob.Header("content-type"), "text/x-s3");
  EXPECT_EQ(via_blob.Header("x-ms-meta-origin"), "s3");
  ASSERT_EQ(Blob("PUT", Path("/shared/from-blob"), "via blob",
                 {{"x-ms-blob-type", "BlockBlob"}, {"x-ms-meta-origin", "blob"}})
                .status,
            201);
  RawResponse via_s3 = Do("GET", "/shared/from-blob");
  EXPECT_EQ(via_s3.body, "via blob");
  EXPECT_EQ(via_s3.Header("x-amz-meta-origin"), "blob");
  EXPECT_EQ(via_s3.Header("etag"), "\"" + HexEncode(Md5("via blob")) + "\"");
  RawResponse s3_list = Do("GET", "/shared?list-type=2");
  RawResponse blob_list = Blob("GET", Path("/shared?restype=container&comp=list"));
  for (const char* name : {"from-s3", "from-blob"}) {
    EXPECT_NE(s3_list.body.find(std::string("<Key>") + name), std::string::npos);
    EXPECT_NE(blob_list.body.find(std::string("<Name>") + name), std::string::npos);
  }
  EXPECT_EQ(Blob("DELETE", Path("/shared/from-s3")).status, 202);
  EXPECT_EQ(Do("GET", "/shared/from-s3").status, 404);
}

TEST_F(BlobGatewayTest, VersionsAreOneHistoryForBothDialects) {
  ASSERT_EQ(Do("PUT", "/hist").status, 200);
  const std::string enable =
      "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  ASSERT_EQ(Do("PUT", "/hist?versioning", enable).status, 200);
  EXPECT_NE(Do("GET", "/hist?versioning").body.find("<Status>Enabled</Status>"), std::string::npos);
  // Two writes through Blob, one through S3: three versions, with the same ids in both.
  RawResponse first = Blob("PUT", Path("/hist/k"), "one", {{"x-ms-blob-type", "BlockBlob"}});
  ASSERT_EQ(first.status, 201);
  const std::string first_id = first.Header("x-ms-version-id");
  ASSERT_EQ(first_id.size(), 28u) << first_id;
  ASSERT_EQ(Blob("PUT", Path("/hist/k"), "two", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
  RawResponse third = Do("PUT", "/hist/k", "three");
  ASSERT_EQ(third.status, 200);
  EXPECT_EQ(third.Header("x-amz-version-id").size(), 28u);
  RawResponse versions = Do("GET", "/hist?versions");
  ASSERT_EQ(versions.status, 200);
  size_t count = 0;
  for (size_t at = 0; (at = versions.body.find("<Version>", at)) != std::string::npos; ++at) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << versions.body;
  EXPECT_NE(versions.body.find("<VersionId>" + first_id + "</VersionId>"), std::string::npos);
  RawResponse old = Blob("GET", Path("/hist/k?versionid=" + first_id));
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body, "one");
  EXPECT_EQ(old.Header("x-ms-is-current-version"), "false");
  RawResponse current = Blob("HEAD", Path("/hist/k"));
  EXPECT_EQ(current.Header("x-ms-is-current-version"), "true");
  EXPECT_EQ(current.Header("x-ms-version-id"), third.Header("x-amz-version-id"));
  EXPECT_EQ(Blob("HEAD", Path("/hist/k?versionid=" + third.Header("x-amz-version-id")))
                .Header("x-ms-is-current-version"),
            "true");
  EXPECT_EQ(Do("GET", "/hist/k?versionId=" + first_id).body, "one");
  EXPECT_EQ(Do("GET", "/hist/k").body, "three");
  // A delete through Blob leaves a delete marker that S3 sees; the old versions stay.
  EXPECT_EQ(Blob("DELETE", Path("/hist/k")).status, 202);
  RawResponse gone = Do("GET", "/hist/k");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(Do("GET", "/hist?versions").body.find("<DeleteMarker>"), std::string::npos);
  EXPECT_EQ(Do("GET", "/hist/k?versionId=" + first_id).body, "one");
  EXPECT_EQ(Do("GET", "/hist/k?versionId=not-a-version").status, 400);
  // Blob lists every version but the delete marker, none of them current now.
  RawResponse listed = Blob("GET", Path("/hist?restype=container&comp=list&include=versions"));
  ASSERT_EQ(listed.status, 200);
  size_t blobs = 0;
  for (size_t at = 0; (at = listed.body.find("<Blob>", at)) != std::string::npos; ++at) ++blobs;
  EXPECT_EQ(blobs, 3u) << listed.body;
  EXPECT_NE(listed.body.find("<VersionId>" + first_id + "</VersionId>"), std::string::npos);
  EXPECT_EQ(listed.body.find("<IsCurrentVersion>"), std::string::npos);
  ASSERT_EQ(Blob("PUT", Path("/hist/k"), "four", {{"x-ms-blob-type", "BlockBlob"}}).status, 201);
  // Paged one at a time: four versions, each once, the newest current.
  std::vector<std::string> seen;
  std::string marker;
  for (int page = 0; page < 10; ++page) {
    RawResponse r = Blob("GET", Path("/hist?restype=container&comp=list&include=versions"
                                     "&maxresults=1" +
                                     (marker.empty() ? "" : "&marker=" + marker)));
    ASSERT_EQ(r.status, 200) << r.body;
    for (size_t at = 0; (at = r.body.find("<VersionId>", at)) != std::string::npos; ++at) {
      seen.push_back(r.body.substr(at + 11, 28));
    }
    const size_t m = r.body.find("<NextMarker>");
    if (m == std::string::npos || r.body.find("<NextMarker/>") != std::string::npos) break;
    marker = r.body.substr(m + 12, r.body.find("</NextMarker>") - m - 12);
    if (marker.empty()) break;
  }
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[3], first_id);
  EXPECT_EQ(Blob("DELETE", Path("/hist/k")).status, 202);
  // A blob that is not there is 404 through Blob, versions kept or not.
  EXPECT_EQ(Blob("DELETE", Path("/hist/never")).status, 404);
  EXPECT_EQ(Do("GET", "/hist?versions&prefix=never").body.find("<DeleteMarker>"),
            std::string::npos);
  // The bucket is not empty until every version is gone; Delete Container removes them all.
  EXPECT_EQ(Do("DELETE", "/hist").status, 409);
  EXPECT_EQ(Blob("DELETE", Path("/hist?restype=container")).status, 202);
  EXPECT_EQ(Do("HEAD", "/hist").status, 404);
}

TEST_F(BlobGatewayTest, HeadErrorsCarryTheCodeButNoBody) {
  RawResponse r = Blob("HEAD", Path("/nowhere/k"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("x-ms-error-code"), "ContainerNotFound");
  EXPECT_TRUE(r.body.empty());
}

}  // namespace
}  // namespace tessera::testing

namespace tessera::testing {
namespace {

TEST_F(BlobGatewayTest, CopyBlobSharesDataAndReportsCopyProperties) {
  CreateContainer("box");
  std::string data = Pattern(500000);
  ASSERT_EQ(
      Blob("PUT", "/devstoreaccount1/box/src", data, {{"x-ms-blob-type", "BlockBlob"}}).status,
      201);
  std::string source =
      "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/devstoreaccount1/box/src";
  RawResponse copy = Blob("PUT", "/devstoreaccount1/box/dst", "", {{"x-ms-copy-source", source}});
  ASSERT_EQ(copy.status, 202) << copy.body;
  EXPECT_EQ(copy.Header("x-ms-copy-status"), "success");
  RawResponse props = Blob("HEAD", "/devstoreaccount1/box/dst");
  EXPECT_EQ(props.Header("x-ms-copy-id"), copy.Header("x-ms-copy-id"));
  EXPECT_EQ(props.Header("x-ms-copy-source"), source);
  EXPECT_EQ(props.Header("x-ms-copy-progress"), "500000/500000");
  ASSERT_EQ(Blob("DELETE", "/devstoreaccount1/box/src").status, 202);
  EXPECT_TRUE(Blob("GET", "/devstoreaccount1/box/dst").body == data);
  RawResponse list = Blob("GET", "/devstoreaccount1/box?restype=container&comp=list&include=copy");
  EXPECT_NE(list.body.find("<CopyStatus>success</CopyStatus>"), std::string::npos) << list.body;
}

TEST_F(BlobGatewayTest, SasIpRangeIsCheckedAgainstThePeerAddress) {
  CreateContainer("box");
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/box/k", "ip", {{"x-ms-blob-type", "BlockBlob"}}).status,
            201);
  auto sas_for = [&](const std::string& ip) {
    auth::ServiceSasSpec spec;
    spec.account = "devstoreaccount1";
    spec.container = "box";
    spec.blob = "k";
    spec.resource = "b";
    spec.fields.permissions = "r";
    spec.fields.ip = ip;
    spec.fields.expiry = FormatIso8601Millis(NowMicros() + 3600LL * 1000000).substr(0, 19) + "Z";
    return auth::MakeServiceSas(spec, kKey);
  };
  RawResponse inside = Anonymous("GET", "/devstoreaccount1/box/k?" + sas_for("127.0.0.1"));
  EXPECT_EQ(inside.status, 200) << inside.body;
  RawResponse outside =
      Anonymous("GET", "/devstoreaccount1/box/k?" + sas_for("192.0.2.1-192.0.2.9"));
  EXPECT_EQ(outside.status, 403);
}

// An unsigned CORS preflight for a PUT of /devstoreaccount1/box/k asking for `headers`.
Request PutPreflight(const std::string& headers) {
  Request preflight;
  preflight.method = "OPTIONS";
  preflight.target = "/devstoreaccount1/box/k";
  preflight.sign = false;
  preflight.headers = {{"Origin", "https://app.example"},
                       {"Access-Control-Request-Method", "PUT"},
                       {"Access-Control-Request-Headers", headers}};
  return preflight;
}

TEST_F(BlobGatewayTest, CorsRulesAreStoredAndAnswerPreflights) {
  Request preflight = PutPreflight("x-ms-blob-type,x-ms-meta-a");
  RawResponse before = SendBlob(gateway_->port(), preflight);
  EXPECT_EQ(before.status, 403);
  EXPECT_EQ(before.Header("x-ms-error-code"), "CorsPreflightFailure");

  std::string properties =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Cors><CorsRule>"
      "<AllowedOrigins>https://app.example</AllowedOrigins><AllowedMethods>GET,PUT"
      "</AllowedMethods><AllowedHeaders>x-ms-*</AllowedHeaders><ExposedHeaders>x-ms-request-id"
      "</ExposedHeaders><MaxAgeInSeconds>600</MaxAgeInSeconds></CorsRule></Cors>"
      "</StorageServiceProperties>";
  RawResponse set = Blob("PUT", "/devstoreaccount1/?restype=service&comp=properties", properties);
  ASSERT_EQ(set.status, 202) << set.body;
  RawResponse get = Blob("GET", "/devstoreaccount1/?restype=service&comp=properties");
  EXPECT_NE(get.body.find("<AllowedOrigins>https://app.example</AllowedOrigins>"),
            std::string::npos)
      << get.body;

  RawResponse after = SendBlob(gateway_->port(), preflight);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.Header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(after.Header("access-control-max-age"), "600");
  preflight.headers[0].second = "https://evil.example";
  EXPECT_EQ(SendBlob(gateway_->port(), preflight).status, 403);

  RawResponse list =
      Blob("GET", "/devstoreaccount1/?comp=list", "", {{"Origin", "https://app.example"}});
  EXPECT_EQ(list.Header("access-control-allow-origin"), "https://app.example");
  EXPECT_EQ(list.Header("access-control-expose-headers"), "x-ms-request-id");
}

// A rule that lists OPTIONS among its methods: the preflight still carries one
// Access-Control-Allow-Origin (two make browsers refuse the upload).
TEST_F(BlobGatewayTest, APreflightCarriesOneAllowOriginWhenTheRuleListsOptions) {
  std::string properties =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Cors><CorsRule>"
      "<AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET,PUT,OPTIONS</AllowedMethods>"
      "<AllowedHeaders>*</AllowedHeaders><ExposedHeaders>*</ExposedHeaders>"
      "<MaxAgeInSeconds>60</MaxAgeInSeconds></CorsRule></Cors></StorageServiceProperties>";
  ASSERT_EQ(Blob("PUT", "/devstoreaccount1/?restype=service&comp=properties", properties).status,
            202);
  RawResponse r = SendBlob(gateway_->port(), PutPreflight("x-ms-blob-type"));
  EXPECT_EQ(r.status, 200);
  int allow_origin = 0;
  for (const auto& [name, value] : r.headers) allow_origin += name == "access-control-allow-origin";
  EXPECT_EQ(allow_origin, 1);
}

}  // namespace
}  // namespace tessera::testing
