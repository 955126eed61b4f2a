#include <algorithm>
#include <charconv>
#include <pugixml.hpp>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/blob/render.h"
#include "protocols/blob/service.h"
#include "protocols/tags.h"

namespace tessera::blob {
namespace {

constexpr uint32_t kMaxResults = 5000;

HttpResponse Xml(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  response.Set("Content-Type", "application/xml");
  return response;
}

Result<uint32_t> MaxResults(const Query& query) {
  auto v = query.Get("maxresults");
  if (!v) return kMaxResults;
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n == 0) {
    return Status(ErrorCode::kInvalidArgument, "maxresults must be a positive integer.");
  }
  return std::min(n, kMaxResults);
}

bool Includes(const Query& query, std::string_view what) {
  std::string include = query.Get("include").value_or("");
  size_t pos = 0;
  while (pos <= include.size()) {
    size_t comma = include.find(',', pos);
    if (comma == std::string::npos) comma = include.size();
    if (Trim(std::string_view(include).substr(pos, comma - pos)) == what) return true;
    pos = comma + 1;
  }
  return false;
}

Result<PublicAccess> ParsePublicAccess(const HttpRequest& request) {
  std::string_view v = request.Header("x-ms-blob-public-access");
  if (v.empty()) return PublicAccess::kNone;
  if (v == "container") return PublicAccess::kBucket;
  if (v == "blob") return PublicAccess::kObjects;
  return Status(ErrorCode::kInvalidArgument, "Invalid x-ms-blob-public-access value.");
}

void SetBucketHeaders(HttpResponse& response, const BucketInfo& info) {
  response.Set("ETag", QuotedEtag(info.etag));
  response.Set("Last-Modified",
               FormatHttpDate(info.last_modified ? info.last_modified : info.created));
}

}  // namespace

Result<HttpResponse> ListContainers(Call& call) {
  ASSIGN_OR_RETURN(uint32_t max, MaxResults(call.query));
  ASSIGN_OR_RETURN(auto buckets, call.store.ListBuckets(call.address.account));
  ContainerListing listing;
  listing.service_endpoint = call.ServiceEndpoint();
  listing.prefix = call.query.Get("prefix").value_or("");
  listing.marker = call.query.Get("marker").value_or("");
  listing.max_results = call.query.Has("maxresults") ? max : 0;
  listing.include_metadata = Includes(call.query, "metadata");
  // Bucket listings are small (one account's buckets); the marker is the next name.
  for (auto& b : buckets) {
    if (!b.name.starts_with(listing.prefix) || b.name < listing.marker) continue;
    if (listing.containers.size() == max) {
      listing.next_marker = b.name;
      break;
    }
    listing.containers.push_back(std::move(b));
  }
  return Xml(RenderContainerList(listing));
}

Result<HttpResponse> FindBlobsByTags(Call& call, bool in_container) {
  ASSIGN_OR_RETURN(uint32_t max, MaxResults(call.query));
  const std::string where = call.query.Get("where").value_or("");
  auto query = TagQuery::Parse(where, TagQuerySyntax::kFind);
  if (!query.ok()) {
    return Status(ErrorCode::kInvalidArgument,
                  "Error parsing query at or near character position: " + query.status().message());
  }
  std::vector<std::string> containers;
  if (in_container) {
    RETURN_IF_ERROR(call.store.HeadBucket(call.bucket()).status());
    containers.push_back(call.address.container);
  } else {
    ASSIGN_OR_RETURN(auto buckets, call.store.ListBuckets(call.address.account));
    for (const BucketInfo& b : buckets) containers.push_back(b.name);
  }
  if (query->container()) {
    std::erase_if(containers, [&](const std::string& c) { return c != *query->container(); });
  }
  // The marker is "container\nkey" of the last blob examined, base64: a scan resumes after
  // it. One call examines at most kFindScan blobs, so a sparse match still returns in time.
  constexpr uint64_t kFindScan = 100000;
  std::string after_container, after_key;
  if (auto marker = call.query.Get("marker"); marker && !marker->empty()) {
    auto decoded = Base64Decode(*marker);
    const size_t cut = decoded ? decoded->find('\n') : std::string::npos;
    if (cut == std::string::npos) {
      return Status(ErrorCode::kInvalidArgument, "The marker is not one this service gave.");
    }
    after_container = decoded->substr(0, cut);
    after_key = decoded->substr(cut + 1);
  }
  const std::vector<std::string> keys = query->keys();
  pugi::xml_document doc;
  auto root = doc.append_child("EnumerationResults");
  root.append_attribute("ServiceEndpoint").set_value(call.ServiceEndpoint().c_str());
  if (in_container)
    root.append_attribute("ContainerName").set_value(call.address.container.c_str());
  root.append_child("Where").text().set(where.c_str());
  auto blobs = root.append_child("Blobs");
  uint32_t found = 0;
  uint64_t scanned = 0;
  std::string next_marker;
  for (const std::string& container : containers) {
    if (!after_container.empty() && container < after_container) continue;
    ListObjectsRequest list;
    list.bucket = {call.address.account, container};
    list.start_after = container == after_container ? after_key : "";
    list.max_keys = 1000;
    while (next_marker.empty()) {
      ASSIGN_OR_RETURN(ListObjectsResult page, call.store.ListObjects(list));
      for (const ObjectInfo& o : page.objects) {
        ++scanned;
        if (query->Matches(o.tags)) {
          auto blob = blobs.append_child("Blob");
          blob.append_child("Name").text().set(o.key.c_str());
          blob.append_child("ContainerName").text().set(container.c_str());
          Tags matching;
          for (const std::string& k : keys) {
            if (auto it = o.tags.find(k); it != o.tags.end()) matching.insert(*it);
          }
          AppendTagSet(blob.append_child("Tags"), matching);
          ++found;
        }
        if (found == max || scanned == kFindScan) {
          next_marker = Base64Encode(container + "\n" + o.key);
          break;
        }
      }
      if (!page.truncated) break;
      list.start_after = page.next_marker;
    }
    if (!next_marker.empty()) break;
  }
  root.append_child("NextMarker").text().set(next_marker.c_str());
  return Xml(Serialize(doc));
}

Result<HttpResponse> GetServiceProperties(Call& call) {
  ASSIGN_OR_RETURN(ServiceSettings settings, call.store.GetServiceSettings(call.address.account));
  return Xml(RenderServiceProperties(settings));
}

Result<HttpResponse> SetServiceProperties(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  ASSIGN_OR_RETURN(ServiceSettings current, call.store.GetServiceSettings(call.address.account));
  ASSIGN_OR_RETURN(ServiceSettings settings, ParseServiceProperties(body, std::move(current)));
  RETURN_IF_ERROR(call.store.SetServiceSettings(call.address.account, settings));
  HttpResponse response;
  response.status = 202;
  response.content_length = 0;
  return response;
}

Result<HttpResponse> GetAccountInfo(Call& call) {
  HttpResponse response;
  response.Set("x-ms-sku-name", "Standard_RAGRS");
  response.Set("x-ms-account-kind", "StorageV2");
  response.Set("x-ms-is-hns-enabled", "false");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> CreateContainer(Call& call) {
  if (!IsValidContainerName(call.address.container)) {
    return Status(ErrorCode::kInvalidBucketName,
                  "The specifed resource name contains invalid characters.");
  }
  CreateBucketRequest request;
  request.bucket = call.bucket();
  ASSIGN_OR_RETURN(request.metadata, ParseMetadata(call.request));
  ASSIGN_OR_RETURN(request.public_access, ParsePublicAccess(call.request));
  RETURN_IF_ERROR(call.store.CreateBucket(request));
  ASSIGN_OR_RETURN(BucketInfo info, call.store.HeadBucket(call.bucket()));
  HttpResponse response;
  response.status = 201;
  SetBucketHeaders(response, info);
  return response;
}

Result<HttpResponse> GetContainerProperties(Call& call, bool metadata_only) {
  ASSIGN_OR_RETURN(BucketInfo info, call.store.HeadBucket(call.bucket()));
  HttpResponse response;
  SetBucketHeaders(response, info);
  for (const auto& [name, value] : info.metadata) response.Set("x-ms-meta-" + name, value);
  if (!metadata_only) {
    response.Set("x-ms-lease-status", "unlocked");
    response.Set("x-ms-lease-state", "available");
    response.Set("x-ms-has-immutability-policy", "false");
    response.Set("x-ms-has-legal-hold", "false");
    response.Set("x-ms-default-encryption-scope", "$account-encryption-key");
    response.Set("x-ms-deny-encryption-scope-override", "false");
    if (info.public_access == PublicAccess::kBucket) {
      response.Set("x-ms-blob-public-access", "container");
    } else if (info.public_access == PublicAccess::kObjects) {
      response.Set("x-ms-blob-public-access", "blob");
    }
  }
  response.content_length = 0;
  return response;
}

Result<HttpResponse> DeleteContainer(Call& call) {
  ASSIGN_OR_RETURN(BucketInfo info, call.store.HeadBucket(call.bucket()));
  Preconditions conditions = ParseConditions(call.request);
  if (conditions.if_unmodified_since &&
      info.last_modified / 1000000 > *conditions.if_unmodified_since / 1000000) {
    return Status(ErrorCode::kPreconditionFailed, "The condition specified was not met.");
  }
  // Blob deletes a container with everything in it; the store deletes empty buckets, so
  // empty it first: every version (S3 versioning may keep several per blob), then
  // in-progress S3 uploads; the bucket's delete takes staged blocks with it.
  for (;;) {
    ListVersionsRequest list{call.bucket(), "", "", "", "", 1000};
    ASSIGN_OR_RETURN(ListVersionsResult page, call.store.ListObjectVersions(list));
    for (const ObjectVersion& v : page.versions) {
      ObjectRef version{call.address.account, call.address.container, v.info.key,
                        v.info.version_id};
      Status s = call.store.DeleteObject(version, {}).status();
      if (!s.ok() && s.code() != ErrorCode::kNoSuchKey) return s;
    }
    if (!page.truncated) break;
  }
  for (;;) {
    ListUploadsRequest list;
    list.bucket = call.bucket();
    ASSIGN_OR_RETURN(ListUploadsResult page, call.store.ListMultipartUploads(list));
    for (const auto& u : page.uploads) {
      Status s = call.store.AbortMultipartUpload(
          {call.address.account, call.address.container, u.key}, u.upload_id);
      if (!s.ok() && s.code() != ErrorCode::kNoSuchUpload) return s;
    }
    if (!page.truncated) break;
  }
  RETURN_IF_ERROR(call.store.DeleteBucket(call.bucket()));
  HttpResponse response;
  response.status = 202;
  response.content_length = 0;
  return response;
}

Result<HttpResponse> SetContainerMetadata(Call& call) {
  UpdateBucketRequest request;
  request.bucket = call.bucket();
  ASSIGN_OR_RETURN(request.metadata, ParseMetadata(call.request));
  request.preconditions = ParseConditions(call.request);
  ASSIGN_OR_RETURN(BucketInfo info, call.store.UpdateBucket(request));
  HttpResponse response;
  SetBucketHeaders(response, info);
  response.content_length = 0;
  return response;
}

Result<HttpResponse> GetContainerAcl(Call& call) {
  ASSIGN_OR_RETURN(BucketInfo info, call.store.HeadBucket(call.bucket()));
  HttpResponse response = Xml(RenderContainerAcl(info.policies));
  SetBucketHeaders(response, info);
  if (info.public_access == PublicAccess::kBucket) {
    response.Set("x-ms-blob-public-access", "container");
  } else if (info.public_access == PublicAccess::kObjects) {
    response.Set("x-ms-blob-public-access", "blob");
  }
  return response;
}

Result<HttpResponse> SetContainerAcl(Call& call) {
  UpdateBucketRequest request;
  request.bucket = call.bucket();
  ASSIGN_OR_RETURN(request.public_access, ParsePublicAccess(call.request));
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  ASSIGN_OR_RETURN(request.policies, ParseContainerAcl(body));
  request.preconditions = ParseConditions(call.request);
  ASSIGN_OR_RETURN(BucketInfo info, call.store.UpdateBucket(request));
  HttpResponse response;
  SetBucketHeaders(response, info);
  response.content_length = 0;
  return response;
}

namespace {

// List Blobs with include=versions: every version of every blob, newest first, the current
// one marked. Delete markers (S3's) are not blobs; a deleted blob shows only its earlier
// versions, as in Azure. The marker is the first version of the next page: its name and id.
Result<HttpResponse> ListBlobVersions(Call& call, uint32_t max, BlobListing listing) {
  listing.include_versions = true;
  ListVersionsRequest request{call.bucket(), listing.prefix, listing.delimiter, "", "", max};
  if (!listing.marker.empty()) {
    auto decoded = Base64Decode(listing.marker);
    size_t nul = decoded ? decoded->find('\0') : std::string::npos;
    if (nul == std::string::npos) {
      return Status(ErrorCode::kInvalidArgument, "The marker is not valid.");
    }
    request.key_marker = decoded->substr(0, nul);
    request.version_id_marker = decoded->substr(nul + 1);
  }
  ASSIGN_OR_RETURN(ListVersionsResult result, call.store.ListObjectVersions(request));
  for (ObjectVersion& v : result.versions) {
    if (v.info.delete_marker) continue;
    listing.current.push_back(v.latest);
    listing.blobs.push_back(std::move(v.info));
  }
  listing.prefixes = std::move(result.common_prefixes);
  if (result.truncated) {
    listing.next_marker =
        Base64Encode(result.next_key_marker + '\0' + result.next_version_id_marker);
  }
  return Xml(RenderBlobList(listing));
}

}  // namespace

Result<HttpResponse> ListBlobs(Call& call) {
  ASSIGN_OR_RETURN(uint32_t max, MaxResults(call.query));
  BlobListing listing;
  listing.service_endpoint = call.ServiceEndpoint();
  listing.container = call.address.container;
  listing.prefix = call.query.Get("prefix").value_or("");
  listing.delimiter = call.query.Get("delimiter").value_or("");
  listing.marker = call.query.Get("marker").value_or("");
  listing.max_results = call.query.Has("maxresults") ? max : 0;
  listing.include_metadata = Includes(call.query, "metadata");
  listing.include_tags = Includes(call.query, "tags");
  listing.include_copy = Includes(call.query, "copy");
  if (Includes(call.query, "versions")) return ListBlobVersions(call, max, std::move(listing));
  ListObjectsRequest request{call.bucket(),
                             listing.prefix,
                             listing.delimiter,
                             "",
                             max,
                             Includes(call.query, "uncommittedblobs")};
  // The marker names the first entry of the page; the store resumes strictly after a key.
  if (!listing.marker.empty()) {
    auto decoded = Base64Decode(listing.marker);
    if (!decoded) return Status(ErrorCode::kInvalidArgument, "The marker is not valid.");
    request.start_after = *decoded;
  }
  ASSIGN_OR_RETURN(ListObjectsResult result, call.store.ListObjects(request));
  listing.blobs = std::move(result.objects);
  listing.prefixes = std::move(result.common_prefixes);
  if (result.truncated) listing.next_marker = Base64Encode(result.next_marker);
  return Xml(RenderBlobList(listing));
}

}  // namespace tessera::blob
