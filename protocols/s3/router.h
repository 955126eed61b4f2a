#pragma once

#include <string_view>

#include "http/request.h"
#include "protocols/s3/request.h"

namespace tessera::s3 {

enum class Op {
  kListBuckets,
  kCreateBucket,
  kHeadBucket,
  kDeleteBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kListObjects,
  kListObjectsV2,
  kListObjectVersions,
  kListMultipartUploads,
  kDeleteObjects,
  kPutObject,
  kCopyObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kGetObjectTagging,
  kPutObjectTagging,
  kDeleteObjectTagging,
  kGetObjectAttributes,
  kGetBucketTagging,
  kPutBucketTagging,
  kDeleteBucketTagging,
  kPutBucketVersioning,
  kGetBucketAcl,
  kPutBucketAcl,
  kGetObjectAcl,
  kPutObjectAcl,
  kNotImplemented,    // a recognised S3 operation this gateway does not serve yet
  kMethodNotAllowed,  // no S3 operation has this shape
};

// Picks the operation from the method, the address level (service, bucket, object),
// the sub-resource query parameters and x-amz-copy-source. Rows are tried in order in a
// static table; unknown non-subresource parameters (x-id, response-*, ...) are ignored.
Op Route(std::string_view method, const Address& address, const Query& query, bool has_copy_source);

}  // namespace tessera::s3
