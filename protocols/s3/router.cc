#include "protocols/s3/router.h"

#include <array>

namespace tessera::s3 {
namespace {

enum class Level { kService, kBucket, kObject };

struct Row {
  std::string_view method;
  Level level;
  std::string_view subresource;  // "" = none of the known sub-resources present
  int copy_source;               // -1 any, 0 absent, 1 present
  Op op;
};

// Sub-resources that select an operation. A request carrying one of these that no row
// matches is a real S3 operation we do not serve: 501 NotImplemented.
constexpr std::array<std::string_view, 36> kSubresources = {"accelerate",
                                                            "acl",
                                                            "analytics",
                                                            "attributes",
                                                            "cors",
                                                            "delete",
                                                            "encryption",
                                                            "intelligent-tiering",
                                                            "inventory",
                                                            "legal-hold",
                                                            "lifecycle",
                                                            "location",
                                                            "logging",
                                                            "metrics",
                                                            "notification",
                                                            "object-lock",
                                                            "ownershipControls",
                                                            "partNumber",
                                                            "policy",
                                                            "policyStatus",
                                                            "publicAccessBlock",
                                                            "replication",
                                                            "requestPayment",
                                                            "restore",
                                                            "retention",
                                                            "select",
                                                            "tagging",
                                                            "torrent",
                                                            "uploadId",
                                                            "uploads",
                                                            "versioning",
                                                            "versions",
                                                            "website",
                                                            "list-type",
                                                            "session",
                                                            "renameObject"};

// Ordered: the first matching row wins, so more specific rows come first.
constexpr Row kRows[] = {
    {"GET", Level::kService, "", -1, Op::kListBuckets},
    {"PUT", Level::kBucket, "", 0, Op::kCreateBucket},
    {"HEAD", Level::kBucket, "", -1, Op::kHeadBucket},
    {"DELETE", Level::kBucket, "", -1, Op::kDeleteBucket},
    {"GET", Level::kBucket, "location", -1, Op::kGetBucketLocation},
    {"GET", Level::kBucket, "tagging", -1, Op::kGetBucketTagging},
    {"PUT", Level::kBucket, "tagging", -1, Op::kPutBucketTagging},
    {"DELETE", Level::kBucket, "tagging", -1, Op::kDeleteBucketTagging},
    {"GET", Level::kBucket, "versioning", -1, Op::kGetBucketVersioning},
    {"PUT", Level::kBucket, "versioning", -1, Op::kPutBucketVersioning},
    {"GET", Level::kBucket, "acl", -1, Op::kGetBucketAcl},
    {"PUT", Level::kBucket, "acl", -1, Op::kPutBucketAcl},
    {"GET", Level::kObject, "acl", -1, Op::kGetObjectAcl},
    {"PUT", Level::kObject, "acl", -1, Op::kPutObjectAcl},
    {"GET", Level::kBucket, "versions", -1, Op::kListObjectVersions},
    {"GET", Level::kBucket, "uploads", -1, Op::kListMultipartUploads},
    {"GET", Level::kBucket, "list-type", -1, Op::kListObjectsV2},
    {"GET", Level::kBucket, "", -1, Op::kListObjects},
    {"POST", Level::kBucket, "delete", -1, Op::kDeleteObjects},
    {"PUT", Level::kObject, "uploadId", 1, Op::kUploadPartCopy},
    {"PUT", Level::kObject, "uploadId", 0, Op::kUploadPart},
    {"PUT", Level::kObject, "", 1, Op::kCopyObject},
    {"PUT", Level::kObject, "", 0, Op::kPutObject},
    {"GET", Level::kObject, "uploadId", -1, Op::kListParts},
    {"GET", Level::kObject, "tagging", -1, Op::kGetObjectTagging},
    {"GET", Level::kObject, "attributes", -1, Op::kGetObjectAttributes},
    {"PUT", Level::kObject, "tagging", 0, Op::kPutObjectTagging},
    {"DELETE", Level::kObject, "tagging", -1, Op::kDeleteObjectTagging},
    {"GET", Level::kObject, "", -1, Op::kGetObject},
    {"HEAD", Level::kObject, "", -1, Op::kHeadObject},
    {"DELETE", Level::kObject, "uploadId", -1, Op::kAbortMultipartUpload},
    {"DELETE", Level::kObject, "", -1, Op::kDeleteObject},
    {"POST", Level::kObject, "uploads", -1, Op::kCreateMultipartUpload},
    {"POST", Level::kObject, "uploadId", -1, Op::kCompleteMultipartUpload},
};

// The one sub-resource that decides the row. "partNumber" only qualifies "uploadId"
// (UploadPart) or selects a part of GET/HEAD, so it never decides on its own.
std::string_view DecidingSubresource(const Query& query, Level level, std::string_view method) {
  std::string_view found;
  for (const auto& p : query.params()) {
    for (std::string_view s : kSubresources) {
      if (p.name != s) continue;
      if (s == "partNumber") continue;
      // "list-type" only means something on a bucket GET.
      if (s == "list-type" && (level != Level::kBucket || method != "GET")) continue;
      if (found.empty() || s == "uploadId") found = s;
    }
  }
  return found;
}

}  // namespace

Op Route(std::string_view method, const Address& address, const Query& query,
         bool has_copy_source) {
  Level level = address.bucket.empty() ? Level::kService
                : address.key.empty()  ? Level::kBucket
                                       : Level::kObject;
  std::string_view sub = DecidingSubresource(query, level, method);
  for (const Row& row : kRows) {
    if (row.method != method || row.level != level || row.subresource != sub) continue;
    if (row.copy_source == 0 && has_copy_source) continue;
    if (row.copy_source == 1 && !has_copy_source) continue;
    return row.op;
  }
  static constexpr std::string_view kKnownMethods[] = {"GET", "PUT", "HEAD", "DELETE", "POST"};
  for (auto m : kKnownMethods) {
    if (m == method)
      return sub.empty() && level == Level::kService ? Op::kMethodNotAllowed : Op::kNotImplemented;
  }
  return Op::kMethodNotAllowed;
}

}  // namespace tessera::s3
