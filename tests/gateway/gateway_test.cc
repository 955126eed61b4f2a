// Integration tests: the real `tessera` binary on an ephemeral loopback port, spoken to
// with raw HTTP/1.1 so that malformed and edge-case requests can be expressed exactly.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

using GatewayTest = GatewayFixture;

TEST_F(GatewayTest, UnsignedRequestIsDenied) {
  Request r;
  r.sign = false;
  RawResponse response = Send(gateway_->port(), r);
  EXPECT_EQ(response.status, 403);
  EXPECT_NE(response.body.find("<Code>AccessDenied</Code>"), std::string::npos);
}

TEST_F(GatewayTest, WrongSecretIsSignatureDoesNotMatch) {
  Request r;
  r.secret = "not-the-key";
  RawResponse response = Send(gateway_->port(), r);
  EXPECT_EQ(response.status, 403);
  EXPECT_NE(response.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
}

TEST_F(GatewayTest, ObjectLifecycle) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse put = Do("PUT", "/bkt/dir/hello%20world.txt", "hello world",
                       {{"Content-Type", "text/plain"}, {"x-amz-meta-Color", "blue"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Header("etag"), "\"" + HexEncode(Md5("hello world")) + "\"");

  RawResponse get = Do("GET", "/bkt/dir/hello%20world.txt");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello world");
  EXPECT_EQ(get.Header("content-type"), "text/plain");
  EXPECT_EQ(get.Header("x-amz-meta-color"), "blue");

  RawResponse range = Do("GET", "/bkt/dir/hello%20world.txt", "", {{"Range", "bytes=6-"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "world");
  EXPECT_EQ(range.Header("content-range"), "bytes 6-10/11");

  Request head;
  head.method = "HEAD";
  head.target = "/bkt/dir/hello%20world.txt";
  RawResponse h = Send(gateway_->port(), head);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("content-length"), "11");

  RawResponse list = Do("GET", "/bkt?list-type=2&delimiter=%2F");
  EXPECT_NE(list.body.find("<Prefix>dir/</Prefix>"), std::string::npos) << list.body;

  EXPECT_EQ(Do("DELETE", "/bkt/dir/hello%20world.txt").status, 204);
  RawResponse gone = Do("GET", "/bkt/dir/hello%20world.txt");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(gone.body.find("<Code>NoSuchKey</Code>"), std::string::npos);
}

TEST_F(GatewayTest, UnsatisfiableRangeIs416) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/k", "abc").status, 200);
  RawResponse r = Do("GET", "/bkt/k", "", {{"Range", "bytes=10-20"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_NE(r.body.find("<Code>InvalidRange</Code>"), std::string::npos);
}

TEST_F(GatewayTest, PayloadHashMismatchStoresNothing) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  Request r;
  r.method = "PUT";
  r.target = "/bkt/k";
  r.body = "actual body";
  r.payload_hash = HexEncode(Sha256("another body"));
  RawResponse response = Send(gateway_->port(), r);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("XAmzContentSHA256Mismatch"), std::string::npos) << response.body;
  EXPECT_EQ(Do("GET", "/bkt/k").status, 404);
}

TEST_F(GatewayTest, BadContentMd5IsBadDigestAndStoresNothing) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse response = Do("PUT", "/bkt/k", "body", {{"Content-MD5", Base64Encode(Md5("other"))}});
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("<Code>BadDigest</Code>"), std::string::npos);
  EXPECT_EQ(Do("GET", "/bkt/k").status, 404);
}

TEST_F(GatewayTest, OversizedHeaderIsRejectedAndServerLives) {
  Request r;
  r.headers = {{"x-amz-meta-big", std::string(100 * 1024, 'a')}};
  RawResponse response = Send(gateway_->port(), r);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("RequestHeaderSectionTooLarge"), std::string::npos);
  EXPECT_EQ(Do("GET", "/").status, 200);
}

TEST_F(GatewayTest, GarbageRequestLineGetsAnErrorAndServerLives) {
  Connection c(gateway_->port());
  ASSERT_TRUE(c.Send("NOT AN HTTP REQUEST\r\n\r\n"));
  RawResponse response;
  ASSERT_TRUE(c.Read(&response));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(Do("GET", "/").status, 200);
}

TEST_F(GatewayTest, InvalidBucketNameIsRejected) {
  RawResponse response = Do("PUT", "/Bad_Bucket");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("<Code>InvalidBucketName</Code>"), std::string::npos);
}

TEST_F(GatewayTest, UnknownOperationIsNotImplemented) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse response = Do("GET", "/bkt?lifecycle");
  EXPECT_EQ(response.status, 501);
  EXPECT_NE(response.body.find("<Code>NotImplemented</Code>"), std::string::npos);
}

// A Content-MD5 on an XML body covers it (a SigV2 signature covers only the MD5).
TEST_F(GatewayTest, XmlBodiesAreCheckedAgainstTheirContentMd5) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/a", "x").status, 200);
  const std::string body = "<Delete><Object><Key>a</Key></Object></Delete>";
  RawResponse r = Do("POST", "/bkt?delete", body, {{"Content-MD5", Base64Encode(Md5("other"))}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>BadDigest</Code>"), std::string::npos);
  EXPECT_EQ(Do("GET", "/bkt/a").status, 200);
  EXPECT_EQ(Do("POST", "/bkt?delete", body, {{"Content-MD5", Base64Encode(Md5(body))}}).status,
            200);
  EXPECT_EQ(Do("GET", "/bkt/a").status, 404);
}

TEST_F(GatewayTest, MalformedXmlIsRejected) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse response = Do("POST", "/bkt?delete", "<Delete><Object><Key>a</Key>");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("<Code>MalformedXML</Code>"), std::string::npos);
}

TEST_F(GatewayTest, NonEmptyBucketCannotBeDeleted) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/k", "x").status, 200);
  RawResponse response = Do("DELETE", "/bkt");
  EXPECT_EQ(response.status, 409);
  EXPECT_NE(response.body.find("<Code>BucketNotEmpty</Code>"), std::string::npos);
  ASSERT_EQ(Do("DELETE", "/bkt/k").status, 204);
  EXPECT_EQ(Do("DELETE", "/bkt").status, 204);
  EXPECT_EQ(Do("HEAD", "/bkt").status, 404);
}

// Keys that are only whitespace are keys like any other: DeleteObjects deletes them (XML
// parsers that drop whitespace-only text made them empty and invalid).
TEST_F(GatewayTest, DeleteObjectsDeletesWhitespaceKeys) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/%20", "one space").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/%20%20", "two spaces").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/%09", "a tab").status, 200);
  RawResponse r = Do("POST", "/bkt?delete",
                     "<Delete><Object><Key> </Key></Object><Object><Key>  </Key></Object>"
                     "<Object><Key>\t</Key></Object></Delete>");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("<Error>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Deleted><Key> </Key></Deleted>"), std::string::npos) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/%20").status, 404);
  EXPECT_EQ(Do("GET", "/bkt/%20%20").status, 404);
  EXPECT_EQ(Do("GET", "/bkt/%09").status, 404);
  EXPECT_EQ(Do("DELETE", "/bkt").status, 204);
}

// Conditional deletes: If-Match on DeleteObject and <ETag> per key in DeleteObjects are
// checked against the object the delete would remove; a mismatch deletes nothing.
TEST_F(GatewayTest, ConditionalDeletesNeedTheCurrentEtag) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  const std::string etag = Do("PUT", "/bkt/a", "first").Header("etag");
  ASSERT_FALSE(etag.empty());
  RawResponse refused = Do("DELETE", "/bkt/a", "", {{"If-Match", "\"0123456789abcdef\""}});
  EXPECT_EQ(refused.status, 412);
  EXPECT_NE(refused.body.find("<Code>PreconditionFailed</Code>"), std::string::npos);
  EXPECT_EQ(Do("GET", "/bkt/a").body, "first");
  EXPECT_EQ(Do("DELETE", "/bkt/missing", "", {{"If-Match", etag}}).status, 412);
  EXPECT_EQ(Do("DELETE", "/bkt/a", "", {{"If-Match", etag}}).status, 204);
  EXPECT_EQ(Do("GET", "/bkt/a").status, 404);

  const std::string b = Do("PUT", "/bkt/b", "bee").Header("etag");
  ASSERT_EQ(Do("PUT", "/bkt/c", "sea").status, 200);
  RawResponse r = Do("POST", "/bkt?delete",
                     "<Delete><Object><Key>b</Key><ETag>" + b +
                         "</ETag></Object><Object><Key>c</Key><ETag>\"ffff\"</ETag></Object>"
                         "</Delete>");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Deleted><Key>b</Key></Deleted>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Key>c</Key><Code>PreconditionFailed</Code>"), std::string::npos)
      << r.body;
  EXPECT_EQ(Do("GET", "/bkt/b").status, 404);
  EXPECT_EQ(Do("GET", "/bkt/c").body, "sea");
}

// A copy takes If-None-Match and If-Match for its destination, as PutObject does.
TEST_F(GatewayTest, ConditionalCopiesCheckTheDestination) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/src", "source").status, 200);
  const std::string etag = Do("PUT", "/bkt/dst", "old").Header("etag");
  RawResponse r =
      Do("PUT", "/bkt/dst", "", {{"x-amz-copy-source", "/bkt/src"}, {"If-None-Match", "*"}});
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/dst").body, "old");
  r = Do("PUT", "/bkt/dst", "", {{"x-amz-copy-source", "/bkt/src"}, {"If-Match", "\"00ff\""}});
  EXPECT_EQ(r.status, 412) << r.body;
  r = Do("PUT", "/bkt/dst", "", {{"x-amz-copy-source", "/bkt/src"}, {"If-Match", etag}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/dst").body, "source");
  r = Do("PUT", "/bkt/new", "", {{"x-amz-copy-source", "/bkt/src"}, {"If-None-Match", "*"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/new").body, "source");
}

// A version is restored by copying it onto its key; part copies read the version named.
TEST_F(GatewayTest, VersionsAreRestoredByCopyAndCopiedIntoParts) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  const std::string enable =
      "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  ASSERT_EQ(Do("PUT", "/bkt?versioning", enable).status, 200);
  const std::string old_id = Do("PUT", "/bkt/k", "old body").Header("x-amz-version-id");
  ASSERT_EQ(old_id.size(), 28u);
  ASSERT_EQ(Do("PUT", "/bkt/k", "new body").status, 200);
  RawResponse r = Do("PUT", "/bkt/k", "", {{"x-amz-copy-source", "/bkt/k?versionId=" + old_id}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-amz-copy-source-version-id"), old_id);
  EXPECT_NE(r.Header("x-amz-version-id"), old_id);
  EXPECT_EQ(Do("GET", "/bkt/k").body, "old body");

  RawResponse created = Do("POST", "/bkt/parts?uploads");
  const size_t at = created.body.find("<UploadId>") + 10;
  const std::string id = created.body.substr(at, created.body.find("</UploadId>") - at);
  r = Do("PUT", "/bkt/parts?partNumber=1&uploadId=" + id, "",
         {{"x-amz-copy-source", "/bkt/k?versionId=" + old_id}});
  ASSERT_EQ(r.status, 200) << r.body;
  const size_t e = r.body.find("<ETag>") + 6;
  const std::string etag = r.body.substr(e, r.body.find("</ETag>") - e);
  const std::string complete = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                               etag + "</ETag></Part></CompleteMultipartUpload>";
  r = Do("POST", "/bkt/parts?uploadId=" + id, complete);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-amz-version-id").size(), 28u);
  EXPECT_EQ(Do("GET", "/bkt/parts").body, "old body");

  // Reads that meet a delete marker say so.
  RawResponse deleted = Do("DELETE", "/bkt/k");
  ASSERT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.Header("x-amz-delete-marker"), "true");
  const std::string marker = deleted.Header("x-amz-version-id");
  RawResponse missing = Do("GET", "/bkt/k");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(missing.Header("x-amz-version-id"), marker);
  RawResponse at_marker = Do("HEAD", "/bkt/k?versionId=" + marker);
  EXPECT_EQ(at_marker.status, 405);
  EXPECT_EQ(at_marker.Header("x-amz-delete-marker"), "true");
  EXPECT_EQ(Do("GET", "/bkt/never").Header("x-amz-delete-marker"), "");
  EXPECT_EQ(Do("GET", "/bkt/k?versionId=").status, 400);
  EXPECT_EQ(Do("DELETE", "/bkt/k?versionId=").status, 400);
  // Suspending works on any bucket and is what GetBucketVersioning then says.
  ASSERT_EQ(Do("PUT", "/other").status, 200);
  const std::string suspend =
      "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>";
  ASSERT_EQ(Do("PUT", "/other?versioning", suspend).status, 200);
  EXPECT_NE(Do("GET", "/other?versioning").body.find("<Status>Suspended</Status>"),
            std::string::npos);
  EXPECT_EQ(Do("PUT", "/other?versioning",
               "<VersioningConfiguration><Status>On</Status>"
               "</VersioningConfiguration>")
                .status,
            400);
}

// Only the owner has access, and that is what the ACL APIs read and accept.
TEST_F(GatewayTest, AclsAreTheOwnersFullControl) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/k", "x").status, 200);
  for (const char* target : {"/bkt?acl", "/bkt/k?acl"}) {
    RawResponse acl = Do("GET", target);
    ASSERT_EQ(acl.status, 200) << acl.body;
    EXPECT_NE(acl.body.find("<Permission>FULL_CONTROL</Permission>"), std::string::npos);
    EXPECT_NE(acl.body.find("xsi:type=\"CanonicalUser\""), std::string::npos);
    EXPECT_EQ(Do("PUT", target, "", {{"x-amz-acl", "private"}}).status, 200);
    EXPECT_EQ(Do("PUT", target, "", {{"x-amz-acl", "public-read"}}).status, 501);
    EXPECT_EQ(Do("PUT", target, acl.body).status, 200);  // the ACL read back, set again
    EXPECT_EQ(Do("PUT", target, "",
                 {{"x-amz-grant-read",
                   "uri=\"http://acs.amazonaws.com/"
                   "groups/global/AllUsers\""}})
                  .status,
              501);
  }
  EXPECT_EQ(Do("PUT", "/bkt?acl", "<AccessControlPolicy/>", {{"x-amz-acl", "private"}}).status,
            400);
  EXPECT_EQ(Do("PUT", "/bkt/k?acl", "", {{"x-amz-acl", "bucket-owner-full-control"}}).status, 200);
  EXPECT_EQ(Do("GET", "/bkt/k?acl&versionId=").status, 400);
  EXPECT_EQ(Do("GET", "/bkt/missing?acl").status, 404);
  EXPECT_EQ(Do("GET", "/nobkt?acl").status, 404);
}

// Writes that ask for an ACL get the owner-only one or NotImplemented; an ACL that would
// open an object is never ignored silently.
TEST_F(GatewayTest, WritesWithAnAclOtherThanTheOwnersAreRefused) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  EXPECT_EQ(Do("PUT", "/bkt/a", "x", {{"x-amz-acl", "private"}}).status, 200);
  EXPECT_EQ(Do("PUT", "/bkt/b", "x", {{"x-amz-acl", "bucket-owner-full-control"}}).status, 200);
  RawResponse open = Do("PUT", "/bkt/c", "x", {{"x-amz-acl", "public-read"}});
  EXPECT_EQ(open.status, 501);
  EXPECT_NE(open.body.find("<Code>NotImplemented</Code>"), std::string::npos) << open.body;
  EXPECT_EQ(Do("HEAD", "/bkt/c").status, 404);
  EXPECT_EQ(Do("PUT", "/bkt/c", "x",
               {{"x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""}})
                .status,
            501);
  EXPECT_EQ(
      Do("PUT", "/bkt/c", "x", {{"x-amz-acl", "private"}, {"x-amz-grant-read", "id=\"x\""}}).status,
      400);
  EXPECT_EQ(Do("PUT", "/bkt/d", "", {{"x-amz-copy-source", "/bkt/a"}, {"x-amz-acl", "public-read"}})
                .status,
            501);
  EXPECT_EQ(Do("HEAD", "/bkt/d").status, 404);
  EXPECT_EQ(Do("POST", "/bkt/e?uploads", "", {{"x-amz-acl", "public-read-write"}}).status, 501);
  EXPECT_EQ(Do("PUT", "/bkt2", "", {{"x-amz-acl", "public-read"}}).status, 501);
  EXPECT_EQ(Do("HEAD", "/bkt2").status, 404);
  EXPECT_EQ(Do("PUT", "/bkt3", "", {{"x-amz-acl", "private"}}).status, 200);
}

// CompleteMultipartUpload takes If-None-Match "*" and If-Match; a refused completion
// leaves the upload in place, so that it can still be completed or aborted.
TEST_F(GatewayTest, ConditionalCompletionChecksTheObjectItWouldReplace) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/k", "old").status, 200);
  RawResponse created = Do("POST", "/bkt/k?uploads");
  ASSERT_EQ(created.status, 200);
  const size_t at = created.body.find("<UploadId>") + 10;
  const std::string id = created.body.substr(at, created.body.find("</UploadId>") - at);
  const std::string part = Do("PUT", "/bkt/k?partNumber=1&uploadId=" + id, "new").Header("etag");
  const std::string complete = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                               part + "</ETag></Part></CompleteMultipartUpload>";
  RawResponse r = Do("POST", "/bkt/k?uploadId=" + id, complete, {{"If-None-Match", "*"}});
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/k").body, "old");
  r = Do("POST", "/bkt/k?uploadId=" + id, complete);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Do("GET", "/bkt/k").body, "new");
}

// Object tagging: x-amz-tagging on PUT, copy and multipart uploads, the tagging API, the
// count on reads, and the limits (InvalidTag).
TEST_F(GatewayTest, ObjectTagsAreSetReadCopiedAndChecked) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse put = Do("PUT", "/bkt/k", "body", {{"x-amz-tagging", "team=a%20b&empty="}});
  ASSERT_EQ(put.status, 200) << put.body;
  const std::string etag = put.Header("etag");
  EXPECT_EQ(Do("HEAD", "/bkt/k").Header("x-amz-tagging-count"), "2");
  RawResponse got = Do("GET", "/bkt/k?tagging");
  ASSERT_EQ(got.status, 200);
  EXPECT_NE(got.body.find("<Tag><Key>empty</Key><Value></Value></Tag>"), std::string::npos)
      << got.body;
  EXPECT_NE(got.body.find("<Tag><Key>team</Key><Value>a b</Value></Tag>"), std::string::npos);

  RawResponse set = Do("PUT", "/bkt/k?tagging",
                       "<Tagging><TagSet><Tag><Key>x</Key><Value>1</Value></Tag></TagSet>"
                       "</Tagging>");
  ASSERT_EQ(set.status, 200) << set.body;
  got = Do("GET", "/bkt/k?tagging");
  EXPECT_NE(got.body.find("<Key>x</Key>"), std::string::npos);
  EXPECT_EQ(got.body.find("team"), std::string::npos);
  EXPECT_EQ(Do("HEAD", "/bkt/k").Header("etag"), etag);  // tags are not content

  // Copies keep the source's tags unless told to replace them.
  ASSERT_EQ(Do("PUT", "/bkt/kept", "", {{"x-amz-copy-source", "/bkt/k"}}).status, 200);
  EXPECT_NE(Do("GET", "/bkt/kept?tagging").body.find("<Key>x</Key>"), std::string::npos);
  ASSERT_EQ(Do("PUT", "/bkt/replaced", "",
               {{"x-amz-copy-source", "/bkt/k"},
                {"x-amz-tagging-directive", "REPLACE"},
                {"x-amz-tagging", "y=2"}})
                .status,
            200);
  got = Do("GET", "/bkt/replaced?tagging");
  EXPECT_NE(got.body.find("<Key>y</Key>"), std::string::npos);
  EXPECT_EQ(got.body.find("<Key>x</Key>"), std::string::npos);

  // A multipart upload carries its tags to the object.
  RawResponse created = Do("POST", "/bkt/mp?uploads", "", {{"x-amz-tagging", "part=yes"}});
  const size_t at = created.body.find("<UploadId>") + 10;
  const std::string id = created.body.substr(at, created.body.find("</UploadId>") - at);
  const std::string part = Do("PUT", "/bkt/mp?partNumber=1&uploadId=" + id, "p").Header("etag");
  ASSERT_EQ(Do("POST", "/bkt/mp?uploadId=" + id,
               "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + part +
                   "</ETag></Part></CompleteMultipartUpload>")
                .status,
            200);
  EXPECT_NE(Do("GET", "/bkt/mp?tagging").body.find("<Key>part</Key>"), std::string::npos);

  EXPECT_EQ(Do("DELETE", "/bkt/k?tagging").status, 204);
  EXPECT_EQ(Do("GET", "/bkt/k?tagging").body.find("<Tag>"), std::string::npos);
  EXPECT_EQ(Do("HEAD", "/bkt/k").Header("x-amz-tagging-count"), "");

  // Limits: a bad character, a duplicate key, eleven tags. Nothing is stored.
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += (i ? "&k" : "k") + std::to_string(i) + "=v";
  for (const std::string& bad : {std::string("a=b%21"), std::string("a=1&a=2"), eleven}) {
    RawResponse r = Do("PUT", "/bkt/bad", "x", {{"x-amz-tagging", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("<Code>InvalidTag</Code>"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Do("GET", "/bkt/bad").status, 404);
  RawResponse long_key = Do("PUT", "/bkt/k?tagging",
                            "<Tagging><TagSet><Tag><Key>" + std::string(129, 'k') +
                                "</Key><Value>v</Value></Tag></TagSet></Tagging>");
  EXPECT_EQ(long_key.status, 400);
  EXPECT_EQ(Do("GET", "/bkt/missing?tagging").status, 404);
}

TEST_F(GatewayTest, GetObjectAttributesAnswersWhatItIsAskedFor) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/small", "12345").status, 200);
  RawResponse r = Do("GET", "/bkt/small?attributes", "",
                     {{"x-amz-object-attributes", "ETag,ObjectSize, StorageClass"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<ETag>" + HexEncode(Md5("12345")) + "</ETag>"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<ObjectSize>5</ObjectSize>"), std::string::npos);
  EXPECT_NE(r.body.find("<StorageClass>STANDARD</StorageClass>"), std::string::npos);
  EXPECT_EQ(r.body.find("ObjectParts"), std::string::npos);
  EXPECT_FALSE(r.Header("last-modified").empty());
  EXPECT_EQ(Do("GET", "/bkt/small?attributes").status, 400);
  EXPECT_EQ(Do("GET", "/bkt/small?attributes", "", {{"x-amz-object-attributes", "Colour"}}).status,
            400);
  EXPECT_EQ(Do("GET", "/bkt/none?attributes", "", {{"x-amz-object-attributes", "ETag"}}).status,
            404);

  // A multipart object lists its parts, a page at a time.
  RawResponse created = Do("POST", "/bkt/mp?uploads");
  const size_t at = created.body.find("<UploadId>") + 10;
  const std::string id = created.body.substr(at, created.body.find("</UploadId>") - at);
  std::string complete = "<CompleteMultipartUpload>";
  for (int n = 1; n <= 2; ++n) {
    const std::string body = n == 1 ? std::string(5 << 20, 'a') : std::string("tail");
    const std::string etag =
        Do("PUT", "/bkt/mp?partNumber=" + std::to_string(n) + "&uploadId=" + id, body)
            .Header("etag");
    complete +=
        "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + etag + "</ETag></Part>";
  }
  ASSERT_EQ(Do("POST", "/bkt/mp?uploadId=" + id, complete + "</CompleteMultipartUpload>").status,
            200);
  r = Do("GET", "/bkt/mp?attributes", "",
         {{"x-amz-object-attributes", "ObjectParts"}, {"x-amz-max-parts", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<PartsCount>2</PartsCount>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos);
  EXPECT_NE(r.body.find("<Part><PartNumber>1</PartNumber><Size>5242880</Size></Part>"),
            std::string::npos);
  r = Do("GET", "/bkt/mp?attributes", "",
         {{"x-amz-object-attributes", "ObjectParts"}, {"x-amz-part-number-marker", "1"}});
  EXPECT_NE(r.body.find("<Part><PartNumber>2</PartNumber><Size>4</Size></Part>"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<IsTruncated>false</IsTruncated>"), std::string::npos);
}

TEST_F(GatewayTest, BucketTagsAreSetReadAndDeleted) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse none = Do("GET", "/bkt?tagging");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("<Code>NoSuchTagSet</Code>"), std::string::npos) << none.body;
  RawResponse put = Do("PUT", "/bkt?tagging",
                       "<Tagging><TagSet><Tag><Key>cost</Key><Value>42</Value></Tag></TagSet>"
                       "</Tagging>");
  EXPECT_EQ(put.status, 204) << put.body;
  RawResponse got = Do("GET", "/bkt?tagging");
  EXPECT_EQ(got.status, 200);
  EXPECT_NE(got.body.find("<Tag><Key>cost</Key><Value>42</Value></Tag>"), std::string::npos);
  EXPECT_EQ(Do("DELETE", "/bkt?tagging").status, 204);
  EXPECT_EQ(Do("GET", "/bkt?tagging").status, 404);
  EXPECT_EQ(Do("GET", "/nobucket?tagging").status, 404);
}

// As in S3: a bucket whose only content is multipart uploads in progress is deleted, and
// the uploads with it.
TEST_F(GatewayTest, ABucketWithOnlyPendingUploadsIsDeleted) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse created = Do("POST", "/bkt/big?uploads");
  ASSERT_EQ(created.status, 200);
  const size_t at = created.body.find("<UploadId>") + 10;
  const std::string id = created.body.substr(at, created.body.find("</UploadId>") - at);
  ASSERT_EQ(Do("PUT", "/bkt/big?partNumber=1&uploadId=" + id, std::string(1000, 'p')).status, 200);
  EXPECT_EQ(Do("DELETE", "/bkt").status, 204);
  EXPECT_EQ(Do("HEAD", "/bkt").status, 404);
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse listed = Do("GET", "/bkt?uploads");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("<Upload>"), std::string::npos) << listed.body;
  EXPECT_EQ(Do("GET", "/bkt/big?uploadId=" + id).status, 404);
}

// A 304 names the object's current ETag and Last-Modified, as S3's does (RFC 9110 15.4.5).
TEST_F(GatewayTest, NotModifiedCarriesEtagAndLastModified) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  RawResponse put = Do("PUT", "/bkt/k", "hello");
  ASSERT_EQ(put.status, 200);
  const std::string etag = put.Header("etag");
  RawResponse got = Do("GET", "/bkt/k");
  for (const char* method : {"GET", "HEAD"}) {
    RawResponse r = Do(method, "/bkt/k", "", {{"If-None-Match", etag}});
    EXPECT_EQ(r.status, 304) << method;
    EXPECT_EQ(r.Header("etag"), etag) << method;
    EXPECT_EQ(r.Header("last-modified"), got.Header("last-modified")) << method;
    EXPECT_TRUE(r.body.empty()) << method;
    r = Do(method, "/bkt/k", "", {{"If-Modified-Since", got.Header("last-modified")}});
    EXPECT_EQ(r.status, 304) << method;
    EXPECT_EQ(r.Header("etag"), etag) << method;
  }
  EXPECT_EQ(Do("GET", "/bkt/k", "", {{"If-None-Match", "\"other\""}}).status, 200);
}

TEST_F(GatewayTest, KeepAliveServesSeveralRequests) {
  Connection c(gateway_->port());
  for (int i = 0; i < 3; ++i) {
    Request r;
    ASSERT_TRUE(c.Send(Serialize(r, gateway_->port())));
    RawResponse response;
    ASSERT_TRUE(c.Read(&response));
    EXPECT_EQ(response.status, 200);
  }
}

TEST_F(GatewayTest, ExpectContinueIsHonoured) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  Request r;
  r.method = "PUT";
  r.target = "/bkt/k";
  r.body = "continued body";
  r.headers = {{"Expect", "100-continue"}};
  std::string wire = Serialize(r, gateway_->port());
  std::string head = wire.substr(0, wire.size() - r.body.size());
  Connection c(gateway_->port());
  ASSERT_TRUE(c.Send(head));
  int interim = 0;
  ASSERT_TRUE(c.ReadInterim(&interim));
  EXPECT_EQ(interim, 100);
  ASSERT_TRUE(c.Send(r.body));
  RawResponse response;
  ASSERT_TRUE(c.Read(&response));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Do("GET", "/bkt/k").body, "continued body");
}

TEST_F(GatewayTest, AwsChunkedWithCrc32TrailerRoundTrips) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  std::string data = Pattern(200000);
  auto crc = NewCrc32();
  crc->Update(data.data(), data.size());
  std::string crc_b64 = Base64Encode(crc->Finish());
  std::string body;
  for (size_t off = 0; off < data.size(); off += 65536) {
    size_t n = std::min<size_t>(65536, data.size() - off);
    char size_line[32];
    snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
    body += size_line + data.substr(off, n) + "\r\n";
  }
  body += "0\r\nx-amz-checksum-crc32:" + crc_b64 + "\r\n\r\n";
  Request r;
  r.method = "PUT";
  r.target = "/bkt/chunked";
  r.body = body;
  r.payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  r.headers = {{"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", std::to_string(data.size())},
               {"x-amz-trailer", "x-amz-checksum-crc32"},
               {"x-amz-sdk-checksum-algorithm", "CRC32"}};
  RawResponse put = Send(gateway_->port(), r);
  ASSERT_EQ(put.status, 200) << put.body;
  RawResponse get = Do("GET", "/bkt/chunked", "", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == data);
  EXPECT_EQ(get.Header("x-amz-checksum-crc32"), crc_b64);
  EXPECT_EQ(get.Header("content-encoding"), "");
}

TEST_F(GatewayTest, AwsChunkedWithWrongChecksumStoresNothing) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  Request r;
  r.method = "PUT";
  r.target = "/bkt/k";
  r.body = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  r.payload_hash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  r.headers = {{"Content-Encoding", "aws-chunked"},
               {"x-amz-decoded-content-length", "5"},
               {"x-amz-trailer", "x-amz-checksum-crc32"}};
  RawResponse put = Send(gateway_->port(), r);
  EXPECT_EQ(put.status, 400) << put.body;
  EXPECT_EQ(Do("GET", "/bkt/k").status, 404);
}

TEST_F(GatewayTest, SigtermExitsCleanly) { EXPECT_EQ(gateway_->Stop(), 0); }

TEST_F(GatewayTest, SigtermLetsAnInFlightUploadFinish) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  Request r;
  r.method = "PUT";
  r.target = "/bkt/inflight";
  r.body = Pattern(1 << 20);
  std::string wire = Serialize(r, gateway_->port());
  size_t half = wire.size() - r.body.size() / 2;
  Connection c(gateway_->port());
  ASSERT_TRUE(c.Send(wire.substr(0, half)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  gateway_->Signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(c.Send(wire.substr(half)));
  RawResponse response;
  ASSERT_TRUE(c.Read(&response));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("connection"), "close");
  EXPECT_EQ(gateway_->Wait(), 0);
  Restart();
  EXPECT_TRUE(Do("GET", "/bkt/inflight").body == r.body);
}

TEST_F(GatewayTest, VirtualHostedStyleAddressesTheBucketByHost) {
  ASSERT_EQ(Do("PUT", "/vbkt").status, 200);
  ASSERT_EQ(Do("PUT", "/vbkt/obj", "vhost").status, 200);
  Request vr;
  vr.target = "/obj";
  vr.host = "vbkt.localhost:" + std::to_string(gateway_->port());
  RawResponse response = Send(gateway_->port(), vr);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "vhost");
}

TEST_F(GatewayTest, MangledRequestsNeverTakeTheServerDown) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  Request r;
  r.method = "PUT";
  r.target = "/bkt/fuzz?partNumber=1&uploadId=x";
  r.body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>";
  r.headers = {{"x-amz-meta-a", "b"}, {"Content-MD5", "AAAA"}};
  std::string wire = Serialize(r, gateway_->port());
  uint32_t x = 7;
  auto next = [&x] {
    x = x * 1664525 + 1013904223;
    return x >> 8;
  };
  for (int i = 0; i < 300; ++i) {
    std::string m = wire;
    int edits = 1 + next() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t pos = next() % m.size();
      switch (next() % 4) {
        case 0:
          m[pos] = static_cast<char>(next());
          break;
        case 1:
          m.erase(pos, 1 + next() % 16);
          break;
        case 2:
          m.insert(pos, std::string(1 + next() % 8, static_cast<char>(next())));
          break;
        case 3:
          m.resize(pos);
          break;
      }
      if (m.empty()) m = "x";
    }
    Connection c(gateway_->port());
    ASSERT_TRUE(c.ok());
    c.Send(m);
    c.CloseWrite();
    RawResponse ignored;
    c.Read(&ignored);
    ASSERT_TRUE(gateway_->Alive()) << "died on mutation " << i;
  }
  EXPECT_EQ(Do("GET", "/").status, 200);
  RawResponse list = Do("GET", "/bkt?list-type=2");
  EXPECT_EQ(list.status, 200);
}

TEST_F(GatewayTest, AcknowledgedWritesSurviveAKill) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  std::string small = "small object";
  std::string large = Pattern(3 << 20);
  ASSERT_EQ(Do("PUT", "/bkt/small", small).status, 200);
  ASSERT_EQ(Do("PUT", "/bkt/large", large).status, 200);
  gateway_->Kill();
  Restart();
  EXPECT_EQ(Do("GET", "/bkt/small").body, small);
  EXPECT_TRUE(Do("GET", "/bkt/large").body == large);
}

TEST_F(GatewayTest, LosingAWholeRegionLosesNothing) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  std::string large = Pattern(5 << 20);
  ASSERT_EQ(Do("PUT", "/bkt/large", large).status, 200);
  ASSERT_EQ(gateway_->Stop(), 0);
  std::filesystem::remove_all(dir_ + "/data/regions/region-2");
  Restart();
  RawResponse get = Do("GET", "/bkt/large");
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == large);
}

TEST_F(GatewayTest, FlippedByteInAFragmentIsRepairedOnRead) {
  ASSERT_EQ(Do("PUT", "/bkt").status, 200);
  std::string large = Pattern(2 << 20);
  ASSERT_EQ(Do("PUT", "/bkt/large", large).status, 200);
  ASSERT_EQ(gateway_->Stop(), 0);
  // Flip one byte in every fragment file on one drive: all hold data for this object.
  int flipped = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_ + "/data/regions/region-1/drive-1")) {
    if (!entry.is_regular_file() || entry.file_size() < 100) continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(10);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(10);
    f.write(&c, 1);
    ++flipped;
  }
  ASSERT_GT(flipped, 0);
  Restart();
  RawResponse get = Do("GET", "/bkt/large");
  EXPECT_EQ(get.status, 200);
  EXPECT_TRUE(get.body == large);
}

}  // namespace
}  // namespace tessera::testing
