#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocols/blob/operations.h"
#include "protocols/blob/request.h"
#include "protocols/blob/router.h"

namespace tessera::blob {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Routes a path-style target ("/account/container/blob?query") the way the handler does:
// resolve the address, parse the query, then look the shape up in the table.
Op RouteTarget(const std::string& method, const std::string& target, const Headers& extra = {}) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  request.headers = {{"host", "127.0.0.1:10000"}};
  request.headers.insert(request.headers.end(), extra.begin(), extra.end());
  Result<Address> address = ResolveAddress(request);
  EXPECT_TRUE(address.ok()) << target;
  Result<Query> query = Query::Parse(request.RawQuery());
  EXPECT_TRUE(query.ok()) << target;
  if (!address.ok() || !query.ok()) return Op::kUnsupportedVerb;
  return Route(method, address->level(), *query, request);
}

const Headers kCopySource = {{"x-ms-copy-source", "http://127.0.0.1:10000/acct/src/blob"}};

// One test per row of the routing table, in table order.

TEST(BlobRouterTableTest, ListContainers) {
  EXPECT_EQ(RouteTarget("GET", "/acct?comp=list"), Op::kListContainers);
  EXPECT_EQ(RouteTarget("GET", "/acct/?comp=list"), Op::kListContainers);
  EXPECT_EQ(RouteTarget("GET", "/acct?comp=list&prefix=a&maxresults=2&include=metadata"),
            Op::kListContainers);
}

TEST(BlobRouterTableTest, GetAndSetServiceProperties) {
  EXPECT_EQ(RouteTarget("GET", "/acct/?restype=service&comp=properties"),
            Op::kGetServiceProperties);
  EXPECT_EQ(RouteTarget("PUT", "/acct/?restype=service&comp=properties"),
            Op::kSetServiceProperties);
  // Parameter order does not matter.
  EXPECT_EQ(RouteTarget("GET", "/acct/?comp=properties&restype=service"),
            Op::kGetServiceProperties);
}

TEST(BlobRouterTableTest, GetAccountInfoAtEveryLevel) {
  for (const char* method : {"GET", "HEAD"}) {
    EXPECT_EQ(RouteTarget(method, "/acct/?restype=account&comp=properties"), Op::kGetAccountInfo)
        << method;
    EXPECT_EQ(RouteTarget(method, "/acct/photos?restype=account&comp=properties"),
              Op::kGetAccountInfo)
        << method;
    EXPECT_EQ(RouteTarget(method, "/acct/photos/a.jpg?restype=account&comp=properties"),
              Op::kGetAccountInfo)
        << method;
  }
}

TEST(BlobRouterTableTest, PreflightAtEveryLevel) {
  EXPECT_EQ(RouteTarget("OPTIONS", "/acct/"), Op::kPreflight);
  EXPECT_EQ(RouteTarget("OPTIONS", "/acct/photos"), Op::kPreflight);
  EXPECT_EQ(RouteTarget("OPTIONS", "/acct/photos/a.jpg"), Op::kPreflight);
}

TEST(BlobRouterTableTest, CreateContainer) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos?restype=container"), Op::kCreateContainer);
}

TEST(BlobRouterTableTest, GetContainerProperties) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos?restype=container"), Op::kGetContainerProperties);
  EXPECT_EQ(RouteTarget("HEAD", "/acct/photos?restype=container"), Op::kGetContainerProperties);
}

TEST(BlobRouterTableTest, DeleteContainer) {
  EXPECT_EQ(RouteTarget("DELETE", "/acct/photos?restype=container"), Op::kDeleteContainer);
}

TEST(BlobRouterTableTest, ContainerMetadata) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos?restype=container&comp=metadata"),
            Op::kGetContainerMetadata);
  EXPECT_EQ(RouteTarget("HEAD", "/acct/photos?restype=container&comp=metadata"),
            Op::kGetContainerMetadata);
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos?restype=container&comp=metadata"),
            Op::kSetContainerMetadata);
}

TEST(BlobRouterTableTest, ContainerAcl) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos?restype=container&comp=acl"), Op::kGetContainerAcl);
  EXPECT_EQ(RouteTarget("HEAD", "/acct/photos?restype=container&comp=acl"), Op::kGetContainerAcl);
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos?restype=container&comp=acl"), Op::kSetContainerAcl);
}

TEST(BlobRouterTableTest, ListBlobs) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos?restype=container&comp=list"), Op::kListBlobs);
  EXPECT_EQ(RouteTarget("GET",
                        "/acct/photos?restype=container&comp=list&prefix=2024%2F&delimiter=%2F"
                        "&include=metadata&maxresults=10"),
            Op::kListBlobs);
}

TEST(BlobRouterTableTest, PutBlob) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg", {{"x-ms-blob-type", "BlockBlob"}}),
            Op::kPutBlob);
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/dir/a%20b.jpg"), Op::kPutBlob);
}

TEST(BlobRouterTableTest, CopyBlob) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg", kCopySource), Op::kCopyBlob);
}

TEST(BlobRouterTableTest, CopyBlobFromUrl) {
  Headers sync = kCopySource;
  sync.emplace_back("x-ms-requires-sync", "true");
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg", sync), Op::kCopyBlobFromUrl);
}

TEST(BlobRouterTableTest, GetBlob) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos/a.jpg"), Op::kGetBlob);
  EXPECT_EQ(RouteTarget("GET", "/acct/photos/a.jpg", {{"x-ms-range", "bytes=0-9"}}), Op::kGetBlob);
}

TEST(BlobRouterTableTest, GetBlobProperties) {
  EXPECT_EQ(RouteTarget("HEAD", "/acct/photos/a.jpg"), Op::kGetBlobProperties);
}

TEST(BlobRouterTableTest, DeleteBlob) {
  EXPECT_EQ(RouteTarget("DELETE", "/acct/photos/a.jpg"), Op::kDeleteBlob);
}

TEST(BlobRouterTableTest, SetBlobProperties) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg?comp=properties"), Op::kSetBlobProperties);
}

TEST(BlobRouterTableTest, BlobMetadata) {
  EXPECT_EQ(RouteTarget("GET", "/acct/photos/a.jpg?comp=metadata"), Op::kGetBlobMetadata);
  EXPECT_EQ(RouteTarget("HEAD", "/acct/photos/a.jpg?comp=metadata"), Op::kGetBlobMetadata);
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg?comp=metadata"), Op::kSetBlobMetadata);
}

TEST(BlobRouterTableTest, PutBlock) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg?comp=block&blockid=QUFBQQ%3D%3D"),
            Op::kPutBlock);
}

TEST(BlobRouterTableTest, PutBlockFromUrl) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg?comp=block&blockid=QUFBQQ%3D%3D", kCopySource),
            Op::kPutBlockFromUrl);
}

TEST(BlobRouterTableTest, PutAndGetBlockList) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos/a.jpg?comp=blocklist"), Op::kPutBlockList);
  EXPECT_EQ(RouteTarget("GET", "/acct/photos/a.jpg?comp=blocklist"), Op::kGetBlockList);
  EXPECT_EQ(RouteTarget("GET", "/acct/photos/a.jpg?comp=blocklist&blocklisttype=all"),
            Op::kGetBlockList);
}

// The most-conditions-wins rule.

TEST(BlobRouterTest, PutBlobShapesByHeaders) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b"), Op::kPutBlob);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", kCopySource), Op::kCopyBlob);
  Headers sync = kCopySource;
  sync.emplace_back("x-ms-requires-sync", "true");
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", sync), Op::kCopyBlobFromUrl);
}

TEST(BlobRouterTest, RequiresSyncValueIsCaseInsensitive) {
  Headers sync = kCopySource;
  sync.emplace_back("x-ms-requires-sync", "True");
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", sync), Op::kCopyBlobFromUrl);
  sync.back().second = "TRUE";
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", sync), Op::kCopyBlobFromUrl);
}

TEST(BlobRouterTest, RequiresSyncFalseIsAnAsynchronousCopy) {
  Headers async = kCopySource;
  async.emplace_back("x-ms-requires-sync", "false");
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", async), Op::kCopyBlob);
  async.back().second = "";
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", async), Op::kCopyBlob);
}

TEST(BlobRouterTest, RequiresSyncWithoutCopySourceIsAPlainPut) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", {{"x-ms-requires-sync", "true"}}), Op::kPutBlob);
}

TEST(BlobRouterTest, HeaderOrderDoesNotMatter) {
  Headers sync = {{"x-ms-requires-sync", "true"}};
  sync.insert(sync.end(), kCopySource.begin(), kCopySource.end());
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b", sync), Op::kCopyBlobFromUrl);
}

TEST(BlobRouterTest, CopySourceTurnsPutBlockIntoPutBlockFromUrl) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=block&blockid=AA%3D%3D"), Op::kPutBlock);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=block&blockid=AA%3D%3D", kCopySource),
            Op::kPutBlockFromUrl);
  // x-ms-requires-sync belongs to Copy Blob From URL only.
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=block", {{"x-ms-requires-sync", "true"}}),
            Op::kPutBlock);
}

TEST(BlobRouterTest, CopySourceDoesNotTurnOtherBlobWritesIntoCopies) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=blocklist", kCopySource), Op::kPutBlockList);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=metadata", kCopySource), Op::kSetBlobMetadata);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=properties", kCopySource), Op::kSetBlobProperties);
  EXPECT_EQ(RouteTarget("GET", "/acct/c/b", kCopySource), Op::kGetBlob);
}

// restype and comp must match exactly.

TEST(BlobRouterTest, ContainerOperationsNeedRestypeContainer) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/photos"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("GET", "/acct/photos"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("DELETE", "/acct/photos"), Op::kUnsupportedVerb);
  EXPECT_NE(RouteTarget("GET", "/acct/photos?comp=list"), Op::kListBlobs);
  EXPECT_NE(RouteTarget("PUT", "/acct/photos?comp=metadata"), Op::kSetContainerMetadata);
}

TEST(BlobRouterTest, ExtraRestypeOrCompNeverFallsBackToTheBareOperation) {
  // A blob write carrying a comp= no spec claims must not overwrite the blob.
  EXPECT_NE(RouteTarget("PUT", "/acct/c/b?comp=lease"), Op::kPutBlob);
  EXPECT_NE(RouteTarget("DELETE", "/acct/c/b?comp=tags"), Op::kDeleteBlob);
  EXPECT_NE(RouteTarget("GET", "/acct/c/b?restype=container"), Op::kGetBlob);
  EXPECT_NE(RouteTarget("DELETE", "/acct/c?restype=container&comp=lease"), Op::kDeleteContainer);
  EXPECT_NE(RouteTarget("PUT", "/acct/c?restype=container&comp=list"), Op::kCreateContainer);
  // Container specs do not match at the blob level and the reverse.
  EXPECT_NE(RouteTarget("PUT", "/acct/c/b?restype=container"), Op::kCreateContainer);
  EXPECT_NE(RouteTarget("GET", "/acct/c?comp=blocklist"), Op::kGetBlockList);
  // Service specs need their restype.
  EXPECT_NE(RouteTarget("GET", "/acct/?comp=properties"), Op::kGetServiceProperties);
  EXPECT_NE(RouteTarget("GET", "/acct/?restype=container&comp=list"), Op::kListContainers);
}

TEST(BlobRouterTest, KnownButUnservedOperationsAreNotImplemented) {
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=lease"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c?restype=container&comp=lease"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=snapshot"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=copy&copyid=x"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/acct/c/b?comp=tags"), Op::kGetBlobTags);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=tags"), Op::kSetBlobTags);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=tier"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=page"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/acct/c/b?comp=pagelist"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=appendblock"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=seal"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("POST", "/acct/c/b?comp=query"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("POST", "/acct/?comp=batch"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("GET", "/acct/?comp=blobs&where=x"), Op::kFindBlobsByTags);
  EXPECT_EQ(RouteTarget("GET", "/acct/c?restype=container&comp=blobs&where=x"),
            Op::kFindBlobsInContainer);
  EXPECT_EQ(RouteTarget("GET", "/acct/?restype=service&comp=stats"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("POST", "/acct/?restype=service&comp=userdelegationkey"),
            Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=undelete"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=expiry"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=immutabilityPolicies"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=legalhold"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=incrementalcopy"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c?restype=container&comp=rename"), Op::kNotImplemented);
  // A known comp with a method its served spec does not take.
  EXPECT_EQ(RouteTarget("DELETE", "/acct/c/b?comp=metadata"), Op::kNotImplemented);
  EXPECT_EQ(RouteTarget("POST", "/acct/c/b?comp=blocklist"), Op::kNotImplemented);
}

TEST(BlobRouterTest, UnknownShapesAreUnsupportedVerbs) {
  EXPECT_EQ(RouteTarget("PATCH", "/acct/c/b"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("POST", "/acct/c/b"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("TRACE", "/acct/"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("PUT", "/acct/"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("GET", "/acct/"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("DELETE", "/acct/"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("POST", "/acct/c"), Op::kUnsupportedVerb);
}

TEST(BlobRouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(RouteTarget("get", "/acct/c/b"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("put", "/acct/c?restype=container"), Op::kUnsupportedVerb);
}

TEST(BlobRouterTest, UnknownCompOrRestypeIsAnUnsupportedShape) {
  EXPECT_EQ(RouteTarget("GET", "/acct/c/b?comp=bogus"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("PUT", "/acct/c/b?comp=Block"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("GET", "/acct/c?restype=bogus"), Op::kUnsupportedVerb);
  EXPECT_EQ(RouteTarget("GET", "/acct/?restype=service"), Op::kUnsupportedVerb);
}

TEST(BlobRouterTest, HostStyleRoutesLikePathStyle) {
  HttpRequest request;
  request.method = "PUT";
  request.target = "/photos/a.jpg?comp=block&blockid=AA%3D%3D";
  request.headers = {{"host", "acct.blob.localhost:10000"}};
  Result<Address> address = ResolveAddress(request);
  ASSERT_TRUE(address.ok());
  Result<Query> query = Query::Parse(request.RawQuery());
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(Route("PUT", address->level(), *query, request), Op::kPutBlock);
  request.target = "/photos?restype=container";
  address = ResolveAddress(request);
  ASSERT_TRUE(address.ok());
  query = Query::Parse(request.RawQuery());
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(Route("PUT", address->level(), *query, request), Op::kCreateContainer);
}

TEST(BlobOpNameTest, EveryOpHasADistinctName) {
  std::set<std::string> names;
  for (int i = static_cast<int>(Op::kListContainers); i <= static_cast<int>(Op::kUnsupportedVerb);
       ++i) {
    std::string name(OpName(static_cast<Op>(i)));
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_NE(name, "Unknown") << i;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
  }
  EXPECT_EQ(OpName(Op::kPutBlockList), "PutBlockList");
  EXPECT_EQ(OpName(Op::kCopyBlobFromUrl), "CopyBlobFromUrl");
}

TEST(BlobOperationTest, PublicAccessLevelsExposeReadsOnly) {
  EXPECT_TRUE(PublicAllows(PublicAccess::kObjects, Op::kGetBlob));
  EXPECT_TRUE(PublicAllows(PublicAccess::kObjects, Op::kGetBlockList));
  EXPECT_FALSE(PublicAllows(PublicAccess::kObjects, Op::kListBlobs));
  EXPECT_TRUE(PublicAllows(PublicAccess::kBucket, Op::kListBlobs));
  EXPECT_TRUE(PublicAllows(PublicAccess::kBucket, Op::kGetBlobProperties));
  EXPECT_FALSE(PublicAllows(PublicAccess::kNone, Op::kGetBlob));
  EXPECT_FALSE(PublicAllows(PublicAccess::kBucket, Op::kPutBlob));
  EXPECT_FALSE(PublicAllows(PublicAccess::kBucket, Op::kGetContainerAcl));
}

TEST(BlobOperationTest, SasPermissionsFollowTheOperation) {
  EXPECT_EQ(Describe(Op::kListBlobs).permission, 'l');
  EXPECT_EQ(Describe(Op::kGetBlob).permission, 'r');
  EXPECT_EQ(Describe(Op::kDeleteContainer).permission, 'd');
  EXPECT_EQ(Describe(Op::kCreateContainer).permission, 'c');
  EXPECT_EQ(Describe(Op::kPutBlockList).permission, 'w');
  for (int i = 0; i <= static_cast<int>(Op::kUnsupportedVerb); ++i) {
    EXPECT_EQ(Describe(static_cast<Op>(i)).op, static_cast<Op>(i));
  }
}

}  // namespace
}  // namespace tessera::blob
