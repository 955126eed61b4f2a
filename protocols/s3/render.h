#pragma once

#include <string>
#include <vector>

#include "backend/api/object_store.h"

namespace tessera::s3 {

// XML documents S3 returns. Pure functions of their inputs (golden-tested).

std::string RenderListBuckets(const std::vector<BucketInfo>& buckets, const std::string& owner);
std::string RenderLocation(const std::string& region);
// VersioningConfiguration: no Status while versioning was never enabled.
std::string RenderVersioning(Versioning versioning = Versioning::kUnversioned);
// AccessControlPolicy: `owner` with FULL_CONTROL, the only grant there is.
std::string RenderOwnerAcl(const std::string& owner);

// What a listing request asked for, echoed back in the response.
struct ListEcho {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  uint32_t max_keys = 1000;
  bool url_encoding = false;
  bool fetch_owner = false;
  std::string owner;
  // V1
  std::string marker;
  // V2
  std::string continuation_token;
  std::string start_after;
  // Versions
  std::string key_marker;
  std::string version_id_marker;
};

std::string RenderListObjectsV1(const ListEcho& echo, const ListObjectsResult& result);
// `next_token` is the opaque NextContinuationToken (empty unless truncated).
std::string RenderListObjectsV2(const ListEcho& echo, const ListObjectsResult& result,
                                const std::string& next_token);
std::string RenderListVersions(const ListEcho& echo, const ListVersionsResult& result);

struct DeleteOutcome {
  std::string key;
  std::string code;  // empty on success
  std::string message;
  std::string version_id;         // the version named, if any
  bool delete_marker = false;     // a delete marker was made or removed
  std::string marker_version_id;  // that delete marker's version id
};
std::string RenderDeleteResult(const std::vector<DeleteOutcome>& outcomes, bool quiet);

std::string RenderCopyResult(const char* root, const std::string& etag, TimeMicros modified,
                             const Checksum& checksum);

std::string RenderTagging(const Tags& tags);

// What GetObjectAttributes was asked for, and the page of parts to describe.
struct AttributesRequest {
  bool etag = false, checksum = false, parts = false, storage_class = false, size = false;
  uint32_t max_parts = 1000;
  uint32_t part_number_marker = 0;
};
std::string RenderObjectAttributes(const ObjectInfo& info, const AttributesRequest& request);

std::string RenderInitiateMultipart(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id);
std::string RenderCompleteMultipart(const std::string& location, const std::string& bucket,
                                    const std::string& key, const ObjectInfo& info);
std::string RenderListParts(const std::string& bucket, const std::string& owner,
                            const ListPartsRequest& request, const ListPartsResult& result);
std::string RenderListUploads(const ListEcho& echo, const ListUploadsRequest& request,
                              const ListUploadsResult& result);

}  // namespace tessera::s3
