#include "protocols/s3/router.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocols/s3/operations.h"
#include "protocols/s3/request.h"

namespace tessera::s3 {
namespace {

// Routes a path-style request target ("/bucket/key?query") the way the handler does:
// resolve the address, parse the query, then look the shape up in the table.
Op RouteTarget(const std::string& method, const std::string& target, bool copy_source = false) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.headers = {{"host", "localhost:9000"}};
  Result<Address> address = ResolveAddress(request, {});
  EXPECT_TRUE(address.ok()) << target;
  Result<Query> query = Query::Parse(request.RawQuery());
  EXPECT_TRUE(query.ok()) << target;
  if (!address.ok() || !query.ok()) return Op::kMethodNotAllowed;
  return Route(method, *address, *query, copy_source);
}

// One test per row of the routing table, in table order.

TEST(RouterTableTest, GetServiceIsListBuckets) {
  EXPECT_EQ(RouteTarget("GET", "/"), Op::kListBuckets);
}

TEST(RouterTableTest, PutBucketIsCreateBucket) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt"), Op::kCreateBucket);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/"), Op::kCreateBucket);
}

TEST(RouterTableTest, HeadBucketIsHeadBucket) {
  EXPECT_EQ(RouteTarget("HEAD", "/bkt"), Op::kHeadBucket);
}

TEST(RouterTableTest, DeleteBucketIsDeleteBucket) {
  EXPECT_EQ(RouteTarget("DELETE", "/bkt"), Op::kDeleteBucket);
}

TEST(RouterTableTest, GetBucketLocation) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?location"), Op::kGetBucketLocation);
}

TEST(RouterTableTest, GetBucketVersioning) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?versioning"), Op::kGetBucketVersioning);
}

TEST(RouterTableTest, GetBucketVersionsIsListObjectVersions) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?versions"), Op::kListObjectVersions);
  EXPECT_EQ(RouteTarget("GET", "/bkt?versions&prefix=a&key-marker=b"), Op::kListObjectVersions);
}

TEST(RouterTableTest, GetBucketUploadsIsListMultipartUploads) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?uploads"), Op::kListMultipartUploads);
  EXPECT_EQ(RouteTarget("GET", "/bkt?uploads&max-uploads=2"), Op::kListMultipartUploads);
}

TEST(RouterTableTest, GetBucketListTypeIsListObjectsV2) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?list-type=2"), Op::kListObjectsV2);
  EXPECT_EQ(RouteTarget("GET", "/bkt/?list-type=2&prefix=p%2F&delimiter=%2F"), Op::kListObjectsV2);
}

TEST(RouterTableTest, GetBucketIsListObjects) {
  EXPECT_EQ(RouteTarget("GET", "/bkt"), Op::kListObjects);
  EXPECT_EQ(RouteTarget("GET", "/bkt?prefix=a&marker=b&max-keys=3"), Op::kListObjects);
}

TEST(RouterTableTest, PostBucketDeleteIsDeleteObjects) {
  EXPECT_EQ(RouteTarget("POST", "/bkt?delete"), Op::kDeleteObjects);
  EXPECT_EQ(RouteTarget("POST", "/bkt?delete="), Op::kDeleteObjects);
}

TEST(RouterTableTest, PutObjectWithUploadIdAndCopySourceIsUploadPartCopy) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?partNumber=2&uploadId=abc", true), Op::kUploadPartCopy);
}

TEST(RouterTableTest, PutObjectWithUploadIdIsUploadPart) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?partNumber=1&uploadId=abc"), Op::kUploadPart);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?uploadId=abc&partNumber=1"), Op::kUploadPart);
}

TEST(RouterTableTest, PutObjectWithCopySourceIsCopyObject) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key", true), Op::kCopyObject);
}

TEST(RouterTableTest, PutObjectIsPutObject) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key"), Op::kPutObject);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/dir/sub/key.txt"), Op::kPutObject);
}

TEST(RouterTableTest, GetObjectWithUploadIdIsListParts) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?uploadId=abc"), Op::kListParts);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?uploadId=abc&max-parts=5&part-number-marker=1"),
            Op::kListParts);
}

TEST(RouterTableTest, GetObjectTagging) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?tagging"), Op::kGetObjectTagging);
}

TEST(RouterTableTest, GetObjectIsGetObject) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key"), Op::kGetObject);
}

TEST(RouterTableTest, HeadObjectIsHeadObject) {
  EXPECT_EQ(RouteTarget("HEAD", "/bkt/key"), Op::kHeadObject);
}

TEST(RouterTableTest, DeleteObjectWithUploadIdIsAbortMultipartUpload) {
  EXPECT_EQ(RouteTarget("DELETE", "/bkt/key?uploadId=abc"), Op::kAbortMultipartUpload);
}

TEST(RouterTableTest, DeleteObjectIsDeleteObject) {
  EXPECT_EQ(RouteTarget("DELETE", "/bkt/key"), Op::kDeleteObject);
}

TEST(RouterTableTest, PostObjectUploadsIsCreateMultipartUpload) {
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploads"), Op::kCreateMultipartUpload);
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploads="), Op::kCreateMultipartUpload);
}

TEST(RouterTableTest, PostObjectUploadIdIsCompleteMultipartUpload) {
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploadId=abc"), Op::kCompleteMultipartUpload);
}

// Rules around the table.

TEST(RouterTest, UnknownNonSubresourceParametersAreIgnored) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?x-id=GetObject"), Op::kGetObject);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?response-content-type=text%2Fplain"), Op::kGetObject);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?versionId=null"), Op::kGetObject);
  EXPECT_EQ(RouteTarget("HEAD", "/bkt/key?versionId=null&partNumber=1"), Op::kHeadObject);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?x-id=PutObject"), Op::kPutObject);
  EXPECT_EQ(RouteTarget("DELETE", "/bkt/key?versionId=null"), Op::kDeleteObject);
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploads&x-id=CreateMultipartUpload"),
            Op::kCreateMultipartUpload);
  EXPECT_EQ(RouteTarget("GET", "/bkt?x-id=ListObjects&foo=bar"), Op::kListObjects);
}

TEST(RouterTest, PartNumberAloneDoesNotSelectAnOperation) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?partNumber=3"), Op::kGetObject);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?partNumber=3"), Op::kPutObject);
}

TEST(RouterTest, UploadsAndUploadIdAreDistinct) {
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploads"), Op::kCreateMultipartUpload);
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?uploadId=u1"), Op::kCompleteMultipartUpload);
  EXPECT_EQ(RouteTarget("GET", "/bkt?uploads"), Op::kListMultipartUploads);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?uploadId=u1"), Op::kListParts);
}

TEST(RouterTest, ListTypeOnlyCountsOnBucketGet) {
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?list-type=2"), Op::kGetObject);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?list-type=2"), Op::kCreateBucket);
  EXPECT_EQ(RouteTarget("DELETE", "/bkt?list-type=2"), Op::kDeleteBucket);
  EXPECT_EQ(RouteTarget("GET", "/?list-type=2"), Op::kListBuckets);
}

TEST(RouterTest, CopySourceTurnsUploadPartIntoUploadPartCopy) {
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?uploadId=u&partNumber=1", false), Op::kUploadPart);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?uploadId=u&partNumber=1", true), Op::kUploadPartCopy);
}

TEST(RouterTest, CopySourceOnBucketPutIsNotCreateBucket) {
  EXPECT_NE(RouteTarget("PUT", "/bkt", true), Op::kCreateBucket);
}

TEST(RouterTest, KnownButUnservedSubresourcesAreNotImplemented) {
  EXPECT_EQ(RouteTarget("GET", "/bkt?acl"), Op::kGetBucketAcl);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?acl"), Op::kPutBucketAcl);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?acl"), Op::kGetObjectAcl);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?acl"), Op::kPutObjectAcl);
  EXPECT_EQ(RouteTarget("DELETE", "/bkt?acl"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/bkt?policy"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?policy"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("DELETE", "/bkt?policy"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/bkt?lifecycle"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?lifecycle"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/bkt?cors"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?cors"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/bkt/key?tagging"), Op::kPutObjectTagging);
  EXPECT_EQ(RouteTarget("DELETE", "/bkt/key?tagging"), Op::kDeleteObjectTagging);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?tagging"), Op::kPutBucketTagging);
  EXPECT_EQ(RouteTarget("PUT", "/bkt?versioning"), Op::kPutBucketVersioning);
  EXPECT_EQ(RouteTarget("GET", "/bkt/key?attributes"), Op::kGetObjectAttributes);
  EXPECT_EQ(RouteTarget("POST", "/bkt/key?restore"), Op::kNotImplemented);
}

TEST(RouterTest, SubresourceOnUnservedShapeIsNotImplementedNotTheBareOperation) {
  // A sub-resource must never fall through to the operation without it: PUT ?acl on an
  // object is PutObjectAcl, not an overwrite of the object.
  EXPECT_NE(RouteTarget("PUT", "/bkt/key?acl"), Op::kPutObject);
  EXPECT_NE(RouteTarget("DELETE", "/bkt?cors"), Op::kDeleteBucket);
  EXPECT_NE(RouteTarget("DELETE", "/bkt/key?tagging"), Op::kDeleteObject);
}

TEST(RouterTest, UnknownMethodIsMethodNotAllowed) {
  EXPECT_EQ(RouteTarget("PATCH", "/bkt/key"), Op::kMethodNotAllowed);
  EXPECT_EQ(RouteTarget("PATCH", "/bkt"), Op::kMethodNotAllowed);
  EXPECT_EQ(RouteTarget("PATCH", "/"), Op::kMethodNotAllowed);
  EXPECT_EQ(RouteTarget("OPTIONS", "/bkt/key?acl"), Op::kMethodNotAllowed);
}

TEST(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(RouteTarget("get", "/bkt/key"), Op::kMethodNotAllowed);
}

TEST(RouterTest, ServiceLevelWritesAreMethodNotAllowed) {
  EXPECT_EQ(RouteTarget("PUT", "/"), Op::kMethodNotAllowed);
  EXPECT_EQ(RouteTarget("DELETE", "/"), Op::kMethodNotAllowed);
  EXPECT_EQ(RouteTarget("POST", "/"), Op::kMethodNotAllowed);
}

TEST(RouterTest, RoutesOnAddressNotOnPathShape) {
  Address virtual_hosted{"bkt", "", true};
  EXPECT_EQ(Route("GET", virtual_hosted, Query(), false), Op::kListObjects);
  Address object{"bkt", "a/b", true};
  EXPECT_EQ(Route("DELETE", object, Query(), false), Op::kDeleteObject);
}

TEST(OpNameTest, EveryOpHasADistinctName) {
  std::set<std::string> names;
  int count = 0;
  for (int i = static_cast<int>(Op::kListBuckets); i <= static_cast<int>(Op::kMethodNotAllowed);
       ++i) {
    std::string_view name = OpName(static_cast<Op>(i));
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_NE(name, "Unknown") << i;
    names.insert(std::string(name));
    ++count;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(count));
}

TEST(OpNameTest, NamesMatchS3OperationNames) {
  EXPECT_EQ(OpName(Op::kListBuckets), "ListBuckets");
  EXPECT_EQ(OpName(Op::kCreateBucket), "CreateBucket");
  EXPECT_EQ(OpName(Op::kHeadBucket), "HeadBucket");
  EXPECT_EQ(OpName(Op::kDeleteBucket), "DeleteBucket");
  EXPECT_EQ(OpName(Op::kGetBucketLocation), "GetBucketLocation");
  EXPECT_EQ(OpName(Op::kGetBucketVersioning), "GetBucketVersioning");
  EXPECT_EQ(OpName(Op::kPutBucketVersioning), "PutBucketVersioning");
  EXPECT_EQ(OpName(Op::kGetBucketAcl), "GetBucketAcl");
  EXPECT_EQ(OpName(Op::kPutObjectAcl), "PutObjectAcl");
  EXPECT_EQ(OpName(Op::kListObjects), "ListObjects");
  EXPECT_EQ(OpName(Op::kListObjectsV2), "ListObjectsV2");
  EXPECT_EQ(OpName(Op::kListObjectVersions), "ListObjectVersions");
  EXPECT_EQ(OpName(Op::kListMultipartUploads), "ListMultipartUploads");
  EXPECT_EQ(OpName(Op::kDeleteObjects), "DeleteObjects");
  EXPECT_EQ(OpName(Op::kPutObject), "PutObject");
  EXPECT_EQ(OpName(Op::kCopyObject), "CopyObject");
  EXPECT_EQ(OpName(Op::kGetObject), "GetObject");
  EXPECT_EQ(OpName(Op::kHeadObject), "HeadObject");
  EXPECT_EQ(OpName(Op::kDeleteObject), "DeleteObject");
  EXPECT_EQ(OpName(Op::kCreateMultipartUpload), "CreateMultipartUpload");
  EXPECT_EQ(OpName(Op::kUploadPart), "UploadPart");
  EXPECT_EQ(OpName(Op::kUploadPartCopy), "UploadPartCopy");
  EXPECT_EQ(OpName(Op::kCompleteMultipartUpload), "CompleteMultipartUpload");
  EXPECT_EQ(OpName(Op::kAbortMultipartUpload), "AbortMultipartUpload");
  EXPECT_EQ(OpName(Op::kListParts), "ListParts");
  EXPECT_EQ(OpName(Op::kGetObjectTagging), "GetObjectTagging");
  EXPECT_EQ(OpName(Op::kNotImplemented), "NotImplemented");
  EXPECT_EQ(OpName(Op::kMethodNotAllowed), "MethodNotAllowed");
}

}  // namespace
}  // namespace tessera::s3
