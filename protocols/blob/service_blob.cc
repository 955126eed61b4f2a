#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "protocols/blob/render.h"
#include "protocols/blob/service.h"
#include "protocols/tags.h"

namespace tessera::blob {
namespace {

constexpr uint64_t kMaxRangeMd5 = 4 << 20;  // x-ms-range-get-content-md5 limit

// Azure sends CRC-64 little-endian; the store's CRC-64/NVME digest is big-endian.
std::string Reversed(std::string bytes) { return std::string(bytes.rbegin(), bytes.rend()); }

void SetObjectHeaders(Call& call, const ObjectInfo& info, HttpResponse& response, bool head) {
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.Set("x-ms-creation-time", FormatHttpDate(info.last_modified));
  response.Set("x-ms-blob-type", "BlockBlob");
  if (info.version_id != "null") {
    response.Set("x-ms-version-id", info.version_id);
    response.Set("x-ms-is-current-version", info.current ? "true" : "false");
  }
  if (!info.tags.empty()) response.Set("x-ms-tag-count", std::to_string(info.tags.size()));
  response.Set("x-ms-lease-status", "unlocked");
  response.Set("x-ms-lease-state", "available");
  response.Set("x-ms-server-encrypted", "true");
  response.Set("Accept-Ranges", "bytes");
  const ContentHeaders& c = info.content;
  std::string values[] = {c.content_type.empty() ? "application/octet-stream" : c.content_type,
                          c.content_encoding, c.content_language, c.content_disposition,
                          c.cache_control};
  const char* names[] = {"Content-Type", "Content-Encoding", "Content-Language",
                         "Content-Disposition", "Cache-Control"};
  // A SAS may ask for response header overrides (rsct, rsce, rscl, rscd, rscc).
  if (call.sas) {
    const auth::SasGrant& g = *call.sas;
    const std::string* overrides[] = {&g.content_type, &g.content_encoding, &g.content_language,
                                      &g.content_disposition, &g.cache_control};
    for (size_t i = 0; i < 5; ++i) {
      if (!overrides[i]->empty()) values[i] = *overrides[i];
    }
  }
  for (size_t i = 0; i < 5; ++i) {
    if (!values[i].empty()) response.Set(names[i], values[i]);
  }
  for (const auto& [name, value] : info.metadata) response.Set("x-ms-meta-" + name, value);
  if (info.copy) {
    // Copies complete synchronously: the last copy's properties, as Azure reports them.
    response.Set("x-ms-copy-id", info.copy->id);
    response.Set("x-ms-copy-source", info.copy->source);
    response.Set("x-ms-copy-status", "success");
    response.Set("x-ms-copy-progress",
                 std::to_string(info.copy->bytes) + "/" + std::to_string(info.copy->bytes));
    response.Set("x-ms-copy-completion-time", FormatHttpDate(info.copy->completed));
  }
  if (head) {
    response.Set("x-ms-access-tier", StorageClassToTier(info.storage_class));
    if (info.storage_class.empty() || info.storage_class == "STANDARD") {
      response.Set("x-ms-access-tier-inferred", "true");
    }
  }
}

}  // namespace

Result<HttpResponse> PutBlob(Call& call) {
  std::string_view type = call.request.Header("x-ms-blob-type");
  if (type.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "An HTTP header that's mandatory for this request "
                  "is not specified: x-ms-blob-type.");
  }
  if (type != "BlockBlob") {
    return Status(ErrorCode::kNotImplemented, std::string(type) + " is not supported yet.");
  }
  ASSIGN_OR_RETURN(uint64_t length, ContentLength(call, true));
  if (length > call.options.max_put_blob) {
    return Status(ErrorCode::kEntityTooLarge, "The request body is too large.");
  }
  PutObjectRequest request;
  request.object = call.object();
  request.attributes.content = ParseBlobContent(call.request, true);
  ASSIGN_OR_RETURN(request.attributes.metadata, ParseMetadata(call.request));
  ASSIGN_OR_RETURN(request.attributes.storage_class,
                   TierToStorageClass(call.request.Header("x-ms-access-tier")));
  ASSIGN_OR_RETURN(request.attributes.tags,
                   ParseTagHeader(call.request.Header("x-ms-tags"), TagRules::kBlob));
  ASSIGN_OR_RETURN(request.expected_md5, ParseMd5Header(call.request));
  if (!request.expected_md5) {
    ASSIGN_OR_RETURN(request.expected_md5, ParseMd5Header(call.request, "x-ms-blob-content-md5"));
  }
  ASSIGN_OR_RETURN(auto crc64, ParseCrc64(call.request));
  if (crc64) {
    request.attributes.checksum_algorithm = ChecksumAlgorithm::kCrc64Nvme;
    request.expected_checksum = Reversed(*crc64);
  }
  request.preconditions = ParseConditions(call.request);
  Result<ObjectInfo> put = call.store.PutObject(request, call.raw_body);
  if (!put.ok() && put.status().code() == ErrorCode::kPreconditionFailed &&
      request.preconditions.if_none_match == "*") {
    return Status(ErrorCode::kObjectAlreadyExists, "The specified blob already exists.");
  }
  if (!put.ok()) return put.status();
  ObjectInfo info = std::move(put).value();
  HttpResponse response;
  response.status = 201;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  if (info.version_id != "null") response.Set("x-ms-version-id", info.version_id);
  if (!info.content_md5.empty()) response.Set("Content-MD5", Base64Encode(info.content_md5));
  if (crc64) response.Set("x-ms-content-crc64", Base64Encode(*crc64));
  response.Set("x-ms-request-server-encrypted", "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> GetBlob(Call& call, bool head) {
  GetObjectRequest request{call.object(), std::nullopt, ParseConditions(call.request)};
  ASSIGN_OR_RETURN(request.range, ParseBlobRange(call.request));
  HttpResponse response;
  if (head) {
    ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
    SetObjectHeaders(call, info, response, true);
    if (!info.content_md5.empty()) response.Set("Content-MD5", Base64Encode(info.content_md5));
    response.content_length = info.size;
    return response;
  }
  bool range_md5 = call.request.Header("x-ms-range-get-content-md5") == "true";
  if (range_md5 && !request.range) {
    return Status(ErrorCode::kInvalidArgument, "x-ms-range-get-content-md5 requires a range.");
  }
  ASSIGN_OR_RETURN(ObjectReader reader, call.store.GetObject(request));
  const ObjectInfo& info = reader.info;
  SetObjectHeaders(call, info, response, false);
  if (reader.range) {
    const ResolvedRange& r = *reader.range;
    response.status = 206;
    response.Set("Content-Range", "bytes " + std::to_string(r.offset) + "-" +
                                      std::to_string(r.offset + r.length - 1) + "/" +
                                      std::to_string(info.size));
    if (!info.content_md5.empty()) {
      response.Set("x-ms-blob-content-md5", Base64Encode(info.content_md5));
    }
    if (range_md5) {
      if (r.length > kMaxRangeMd5) {
        return Status(ErrorCode::kInvalidRange,
                      "x-ms-range-get-content-md5 allows ranges of at most 4 MiB.");
      }
      // The MD5 header precedes the bytes: read the (bounded) range first.
      std::string bytes;
      bytes.resize(r.length);
      size_t got = 0;
      while (got < bytes.size()) {
        ASSIGN_OR_RETURN(size_t n, reader.body->Read(bytes.data() + got, bytes.size() - got));
        if (n == 0) return Status(ErrorCode::kInternal, "object ended early");
        got += n;
      }
      response.Set("Content-MD5", Base64Encode(Md5(bytes)));
      response.body = std::move(bytes);
      return response;
    }
    response.content_length = r.length;
  } else {
    if (!info.content_md5.empty()) response.Set("Content-MD5", Base64Encode(info.content_md5));
    response.content_length = info.size;
  }
  response.stream = std::move(reader.body);
  return response;
}

Result<HttpResponse> GetBlobMetadata(Call& call) {
  GetObjectRequest request{call.object(), std::nullopt, ParseConditions(call.request)};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
  HttpResponse response;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  for (const auto& [name, value] : info.metadata) response.Set("x-ms-meta-" + name, value);
  response.content_length = 0;
  return response;
}

Result<HttpResponse> DeleteBlob(Call& call) {
  if (call.query.Has("snapshot")) {
    return Status(ErrorCode::kNotImplemented, "Snapshots are not supported yet.");
  }
  const bool version = call.query.Has("versionid");
  // Deleting a version for good takes the delete-version permission of a SAS.
  if (version && call.sas && call.sas->permissions.find('x') == std::string::npos) {
    return Status(ErrorCode::kAccessDenied,
                  "This request is not authorized to perform this operation using this "
                  "permission.");
  }
  Preconditions conditions = ParseConditions(call.request);
  bool check_exists = false;
  if (!version) {
    // Where versions are kept the store would record a delete of anything; Azure answers 404
    // for a blob that is not there.
    ASSIGN_OR_RETURN(BucketInfo bucket, call.store.HeadBucket(call.bucket()));
    check_exists = bucket.versioning != Versioning::kUnversioned;
  }
  if (!conditions.empty() || check_exists) {
    GetObjectRequest check{call.object(), std::nullopt, conditions};
    Status s = call.store.HeadObject(check).status();
    if (s.code() == ErrorCode::kNotModified) {
      return Status(ErrorCode::kPreconditionFailed, "The condition specified was not met.");
    }
    RETURN_IF_ERROR(s);
  }
  // The dates were checked above; the ETags again with the delete itself, so that a write
  // in between cannot slip under it.
  ASSIGN_OR_RETURN(DeleteObjectResult done, call.store.DeleteObject(call.object(), conditions));
  HttpResponse response;
  response.status = 202;
  // A delete where versions are kept leaves the blob's versions behind.
  response.Set("x-ms-delete-type-permanent", done.delete_marker ? "false" : "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> SetBlobProperties(Call& call) {
  UpdateObjectRequest request;
  request.object = call.object();
  // Azure clears every content property the request leaves out.
  request.content = ParseBlobContent(call.request, false);
  ASSIGN_OR_RETURN(request.content_md5, ParseMd5Header(call.request, "x-ms-blob-content-md5"));
  request.preconditions = ParseConditions(call.request);
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.UpdateObject(request));
  HttpResponse response;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.content_length = 0;
  return response;
}

Result<HttpResponse> SetBlobMetadata(Call& call) {
  UpdateObjectRequest request;
  request.object = call.object();
  ASSIGN_OR_RETURN(Metadata metadata, ParseMetadata(call.request));
  request.metadata = std::move(metadata);
  request.preconditions = ParseConditions(call.request);
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.UpdateObject(request));
  HttpResponse response;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.Set("x-ms-request-server-encrypted", "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> GetBlobTags(Call& call) {
  if (call.query.Has("snapshot")) {
    return Status(ErrorCode::kNotImplemented, "Snapshots are not supported yet.");
  }
  GetObjectRequest request{call.object(), std::nullopt, ParseConditions(call.request)};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
  HttpResponse response;
  response.body = RenderTags(info.tags);
  response.Set("Content-Type", "application/xml");
  return response;
}

Result<HttpResponse> SetBlobTags(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  ASSIGN_OR_RETURN(Tags tags, ParseTags(body));
  UpdateObjectRequest request;
  request.object = call.object();
  request.tags = std::move(tags);
  // x-ms-if-tags is not evaluated yet; the ETag and date conditions are.
  request.preconditions = ParseConditions(call.request);
  RETURN_IF_ERROR(call.store.UpdateObject(request).status());
  HttpResponse response;
  response.status = 204;
  response.content_length = 0;
  return response;
}

}  // namespace tessera::blob
