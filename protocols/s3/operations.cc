#include "protocols/s3/operations.h"

#include <cstddef>
#include <iterator>

namespace tessera::s3 {
namespace {

Result<HttpResponse> NotImplemented(Call&) {
  return Status(ErrorCode::kNotImplemented,
                "A header or query you provided implies functionality that is not implemented");
}

Result<HttpResponse> MethodNotAllowed(Call&) {
  return Status(ErrorCode::kMethodNotAllowed,
                "The specified method is not allowed against this resource.");
}

// In the order of Op.
constexpr Operation kOperations[] = {
    {Op::kListBuckets, "ListBuckets", ListBuckets},
    {Op::kCreateBucket, "CreateBucket", CreateBucket},
    {Op::kHeadBucket, "HeadBucket", HeadBucket},
    {Op::kDeleteBucket, "DeleteBucket", DeleteBucket},
    {Op::kGetBucketLocation, "GetBucketLocation", GetBucketLocation},
    {Op::kGetBucketVersioning, "GetBucketVersioning", GetBucketVersioning},
    {Op::kListObjects, "ListObjects", [](Call& c) { return ListObjects(c, false); }},
    {Op::kListObjectsV2, "ListObjectsV2", [](Call& c) { return ListObjects(c, true); }},
    {Op::kListObjectVersions, "ListObjectVersions", ListObjectVersions},
    {Op::kListMultipartUploads, "ListMultipartUploads", ListMultipartUploads},
    {Op::kDeleteObjects, "DeleteObjects", DeleteObjects},
    {Op::kPutObject, "PutObject", PutObject},
    {Op::kCopyObject, "CopyObject", CopyObject},
    {Op::kGetObject, "GetObject", [](Call& c) { return GetObject(c, false); }},
    {Op::kHeadObject, "HeadObject", [](Call& c) { return GetObject(c, true); }},
    {Op::kDeleteObject, "DeleteObject", DeleteObject},
    {Op::kCreateMultipartUpload, "CreateMultipartUpload", CreateMultipartUpload},
    {Op::kUploadPart, "UploadPart", UploadPart},
    {Op::kUploadPartCopy, "UploadPartCopy", UploadPartCopy},
    {Op::kCompleteMultipartUpload, "CompleteMultipartUpload", CompleteMultipartUpload},
    {Op::kAbortMultipartUpload, "AbortMultipartUpload", AbortMultipartUpload},
    {Op::kListParts, "ListParts", ListParts},
    {Op::kGetObjectTagging, "GetObjectTagging", GetObjectTagging},
    {Op::kPutObjectTagging, "PutObjectTagging", PutObjectTagging},
    {Op::kDeleteObjectTagging, "DeleteObjectTagging", DeleteObjectTagging},
    {Op::kGetObjectAttributes, "GetObjectAttributes", GetObjectAttributes},
    {Op::kGetBucketTagging, "GetBucketTagging", GetBucketTagging},
    {Op::kPutBucketTagging, "PutBucketTagging", PutBucketTagging},
    {Op::kDeleteBucketTagging, "DeleteBucketTagging", DeleteBucketTagging},
    {Op::kPutBucketVersioning, "PutBucketVersioning", PutBucketVersioning},
    {Op::kGetBucketAcl, "GetBucketAcl", GetBucketAcl},
    {Op::kPutBucketAcl, "PutBucketAcl", PutBucketAcl},
    {Op::kGetObjectAcl, "GetObjectAcl", GetObjectAcl},
    {Op::kPutObjectAcl, "PutObjectAcl", PutObjectAcl},
    {Op::kNotImplemented, "NotImplemented", NotImplemented},
    {Op::kMethodNotAllowed, "MethodNotAllowed", MethodNotAllowed},
};

constexpr bool InOpOrder() {
  for (size_t i = 0; i < std::size(kOperations); ++i) {
    if (static_cast<size_t>(kOperations[i].op) != i) return false;
  }
  return std::size(kOperations) == static_cast<size_t>(Op::kMethodNotAllowed) + 1;
}
static_assert(InOpOrder(), "kOperations lists every Op once, in the order of the enum");

}  // namespace

const Operation& Describe(Op op) { return kOperations[static_cast<size_t>(op)]; }

}  // namespace tessera::s3
