#include <charconv>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/s3/parse_object.h"
#include "protocols/s3/render.h"
#include "protocols/s3/service.h"
#include "protocols/s3/xml.h"
#include "protocols/tags.h"

namespace tessera::s3 {
namespace {

constexpr std::pair<const char*, const char*> kResponseOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};

void SetIfNotEmpty(HttpResponse& response, const char* name, const std::string& value) {
  if (!value.empty()) response.Set(name, value);
}

std::string ChecksumValue(const Checksum& checksum) {
  std::string value = Base64Encode(checksum.value);
  if (checksum.parts > 0) value += "-" + std::to_string(checksum.parts);
  return value;
}

// Headers describing an object version on GET and HEAD.
// x-amz-version-id: for versions of buckets that keep them, and whenever one was named.
void AddVersionHeader(Call& call, const ObjectInfo& info, HttpResponse& response) {
  if (info.version_id != "null" || call.query.Has("versionId")) {
    response.Set("x-amz-version-id", info.version_id);
  }
}

void AddObjectHeaders(Call& call, const ObjectInfo& info, HttpResponse& response) {
  response.Set("ETag", QuotedEtag(info.etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.Set("Accept-Ranges", "bytes");
  const ContentHeaders& c = info.content;
  std::string content_type = c.content_type.empty() ? "binary/octet-stream" : c.content_type;
  std::string values[] = {content_type,    c.content_language,    c.expires,
                          c.cache_control, c.content_disposition, c.content_encoding};
  for (size_t i = 0; i < std::size(kResponseOverrides); ++i) {
    if (auto v = call.query.Get(kResponseOverrides[i].first)) values[i] = *v;
    SetIfNotEmpty(response, kResponseOverrides[i].second, values[i]);
  }
  for (const auto& [name, value] : info.metadata) {
    response.Set("x-amz-meta-" + ToLower(name), value);
  }
  if (!info.storage_class.empty() && info.storage_class != "STANDARD") {
    response.Set("x-amz-storage-class", info.storage_class);
  }
  if (info.parts_count > 0 && call.query.Has("partNumber")) {
    response.Set("x-amz-mp-parts-count", std::to_string(info.parts_count));
  }
  if (!info.tags.empty()) response.Set("x-amz-tagging-count", std::to_string(info.tags.size()));
  AddVersionHeader(call, info, response);
}

void AddChecksumHeader(const Checksum& checksum, HttpResponse& response) {
  if (checksum.algorithm == ChecksumAlgorithm::kNone) return;
  response.Set(ChecksumHeader(checksum.algorithm), ChecksumValue(checksum));
}

// Resolves x-amz-copy-source into a store reference in the caller's account.
Result<ObjectRef> CopySourceRef(Call& call) {
  ASSIGN_OR_RETURN(CopySource source, ParseCopySource(call.request.Header("x-amz-copy-source")));
  if (!IsValidObjectKey(source.key)) {
    return Status(ErrorCode::kInvalidArgument, "Invalid copy source key");
  }
  return ObjectRef{call.account(), std::move(source.bucket), std::move(source.key),
                   std::move(source.version_id)};
}

// ?partNumber=N reads part N as a range; a single-part object has exactly one part. The
// ETag seen here becomes a precondition so that the range matches the version read.
Result<std::optional<ByteRange>> PartRange(Call& call, const std::string& text,
                                           GetObjectRequest& request) {
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > 10000) {
    return Status(ErrorCode::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive");
  }
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
  std::vector<uint64_t> sizes = info.part_sizes;
  if (sizes.empty()) sizes.push_back(info.size);
  if (n > sizes.size()) {
    return Status(ErrorCode::kInvalidRange, "The requested partnumber is not satisfiable");
  }
  uint64_t offset = 0;
  for (uint32_t i = 0; i + 1 < n; ++i) offset += sizes[i];
  if (!request.preconditions.if_match) request.preconditions.if_match = info.etag;
  ByteRange range;
  range.first = offset;
  if (sizes[n - 1] == 0) return std::optional<ByteRange>();
  range.last = offset + sizes[n - 1] - 1;
  return std::optional<ByteRange>(range);
}

}  // namespace

Result<HttpResponse> PutObject(Call& call) {
  RETURN_IF_ERROR(CheckAclHeaders(call, /*object=*/true));
  ASSIGN_OR_RETURN(ObjectAttributes attributes, ParseAttributes(call.request));
  ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksum(call.request));
  ASSIGN_OR_RETURN(auto md5, ParseContentMd5(call.request));
  ASSIGN_OR_RETURN(auto payload, OpenPayload(call));
  attributes.checksum_algorithm = checksum.algorithm;
  PutObjectRequest request{call.object(), std::move(attributes), std::move(md5),
                           std::move(checksum.expected), ParsePreconditions(call.request)};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.PutObject(request, payload->source()));
  HttpResponse response;
  response.Set("ETag", QuotedEtag(info.etag));
  AddVersionHeader(call, info, response);
  AddChecksumHeader(info.checksum, response);
  return response;
}

// ?versionId= with no value names no version: S3 answers 400.
Status CheckVersionParam(const Call& call) {
  if (auto v = call.query.Get("versionId"); v && v->empty()) {
    return Status(ErrorCode::kInvalidArgument, "Version id cannot be the empty string");
  }
  return Status::Ok();
}

// A read that found a delete marker says so (S3): a 404 for the key whose latest version is
// one, a 405 for a marker named by its version id.
void NoteDeleteMarker(Call& call, const Status& status) {
  if (status.code() == ErrorCode::kMethodNotAllowed && call.query.Has("versionId")) {
    call.error_headers = {{"x-amz-delete-marker", "true"},
                          {"x-amz-version-id", call.query.Get("versionId").value_or("")},
                          {"Allow", "DELETE"}};
    return;
  }
  if (status.code() != ErrorCode::kNoSuchKey || call.query.Has("versionId")) return;
  ListVersionsRequest latest{call.bucket(), call.address.key, "", "", "", 1};
  Result<ListVersionsResult> found = call.store.ListObjectVersions(latest);
  if (!found.ok() || found->versions.empty()) return;
  const ObjectInfo& v = found->versions[0].info;
  if (v.key != call.address.key || !v.delete_marker) return;
  call.error_headers = {{"x-amz-delete-marker", "true"}, {"x-amz-version-id", v.version_id}};
}

Result<HttpResponse> GetObject(Call& call, bool head) {
  RETURN_IF_ERROR(CheckVersionParam(call));
  GetObjectRequest request{call.object(), std::nullopt, ParsePreconditions(call.request)};
  if (call.request.HasHeader("range")) request.range = ParseRange(call.request.Header("range"));
  if (auto part = call.query.Get("partNumber")) {
    if (call.request.HasHeader("range")) {
      return Status(ErrorCode::kInvalidRequest,
                    "Cannot specify both Range header and partNumber query parameter");
    }
    ASSIGN_OR_RETURN(request.range, PartRange(call, *part, request));
  }
  bool checksum_mode = call.request.Header("x-amz-checksum-mode") == "ENABLED";

  HttpResponse response;
  ObjectInfo info;
  std::optional<ResolvedRange> range;
  // A 304 carries the object's ETag and Last-Modified (RFC 9110), as S3's does.
  auto not_modified = [&](Status status) -> Result<HttpResponse> {
    if (status.code() != ErrorCode::kNotModified) return status;
    auto current = call.store.HeadObject(GetObjectRequest{call.object(), std::nullopt, {}});
    if (!current.ok()) return status;
    HttpResponse r;
    r.status = 304;
    r.Set("ETag", QuotedEtag(current->etag));
    r.Set("Last-Modified", FormatHttpDate(current->last_modified));
    return r;
  };
  if (head) {
    auto headed = call.store.HeadObject(request);
    if (!headed.ok()) NoteDeleteMarker(call, headed.status());
    if (!headed.ok()) return not_modified(headed.status());
    info = std::move(headed).value();
    response.head = true;
    if (request.range && info.size > 0) {
      // HEAD with a range answers as GET would, without the bytes.
      ASSIGN_OR_RETURN(ObjectReader reader, call.store.GetObject(request));
      range = reader.range;
    }
  } else {
    auto read = call.store.GetObject(request);
    if (!read.ok()) NoteDeleteMarker(call, read.status());
    if (!read.ok()) return not_modified(read.status());
    ObjectReader reader = std::move(read).value();
    info = std::move(reader.info);
    range = reader.range;
    response.stream = std::move(reader.body);
  }
  AddObjectHeaders(call, info, response);
  if (range) {
    response.status = 206;
    response.content_length = range->length;
    response.Set("Content-Range", "bytes " + std::to_string(range->offset) + "-" +
                                      std::to_string(range->offset + range->length - 1) + "/" +
                                      std::to_string(info.size));
  } else {
    response.content_length = info.size;
    if (checksum_mode) AddChecksumHeader(info.checksum, response);
  }
  return response;
}

Result<HttpResponse> DeleteObject(Call& call) {
  // S3 deletes take If-Match only (412 PreconditionFailed; a missing key fails it too).
  RETURN_IF_ERROR(CheckVersionParam(call));
  Preconditions conditions;
  conditions.if_match = ParsePreconditions(call.request).if_match;
  Result<DeleteObjectResult> done = call.store.DeleteObject(call.object(), conditions);
  // S3 answers 204 whether or not the key existed, but not for a missing bucket.
  if (!done.ok() && done.status().code() != ErrorCode::kNoSuchKey) return done.status();
  HttpResponse response;
  response.status = 204;
  if (done.ok()) {
    if (!done->version_id.empty()) response.Set("x-amz-version-id", done->version_id);
    if (done->delete_marker) response.Set("x-amz-delete-marker", "true");
  }
  return response;
}

Result<HttpResponse> CopyObject(Call& call) {
  RETURN_IF_ERROR(CheckAclHeaders(call, /*object=*/true));
  ASSIGN_OR_RETURN(ObjectRef source, CopySourceRef(call));
  CopyObjectRequest request;
  request.source = source;
  request.destination = call.object();
  request.source_preconditions = ParsePreconditions(call.request, "x-amz-copy-source-");
  // The destination takes If-Match and If-None-Match, as PutObject does.
  const Preconditions destination = ParsePreconditions(call.request);
  request.destination_preconditions.if_match = destination.if_match;
  request.destination_preconditions.if_none_match = destination.if_none_match;
  std::string_view directive = call.request.Header("x-amz-metadata-directive");
  if (directive == "REPLACE") {
    request.directive = MetadataDirective::kReplace;
  } else if (!directive.empty() && directive != "COPY") {
    return Status(ErrorCode::kInvalidArgument, "Unknown metadata directive.");
  }
  ASSIGN_OR_RETURN(request.attributes, ParseAttributes(call.request));
  // Tags follow their own directive: COPY (the default) keeps the source's.
  std::string_view tagging = call.request.Header("x-amz-tagging-directive");
  if (tagging == "REPLACE") {
    request.tags = request.attributes.tags;
  } else if (!tagging.empty() && tagging != "COPY") {
    return Status(ErrorCode::kInvalidArgument, "Unknown tagging directive.");
  }
  // Copying a named version onto its key restores it (S3's way), so that is allowed.
  if (request.directive == MetadataDirective::kCopy && source.bucket == call.address.bucket &&
      source.key == call.address.key && source.version_id.empty() &&
      !call.request.HasHeader("x-amz-storage-class")) {
    return Status(ErrorCode::kInvalidRequest,
                  "This copy request is illegal because it is trying to copy an object to itself "
                  "without changing the object's metadata, storage class, website redirect "
                  "location or encryption attributes.");
  }
  ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksum(call.request));
  request.attributes.checksum_algorithm = checksum.algorithm;
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.CopyObject(request));
  HttpResponse response = XmlResponse(
      RenderCopyResult("CopyObjectResult", info.etag, info.last_modified, info.checksum));
  if (info.version_id != "null") response.Set("x-amz-version-id", info.version_id);
  if (!source.version_id.empty()) response.Set("x-amz-copy-source-version-id", source.version_id);
  return response;
}

Result<HttpResponse> GetObjectTagging(Call& call) {
  GetObjectRequest request{call.object(), std::nullopt, {}};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
  return XmlResponse(RenderTagging(info.tags));
}

namespace {

Result<HttpResponse> SetTags(Call& call, Tags tags, int status) {
  UpdateObjectRequest request;
  request.object = call.object();
  request.tags = std::move(tags);
  RETURN_IF_ERROR(call.store.UpdateObject(request).status());
  HttpResponse response;
  response.status = status;
  return response;
}

Result<HttpResponse> SetBucketTags(Call& call, Tags tags) {
  UpdateBucketRequest request;
  request.bucket = call.bucket();
  request.tags = std::move(tags);
  RETURN_IF_ERROR(call.store.UpdateBucket(request).status());
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace

Result<HttpResponse> PutObjectTagging(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "Tagging"));
  if (!root.child("TagSet")) return Status(ErrorCode::kMalformedXml, "Tagging without a TagSet");
  ASSIGN_OR_RETURN(Tags tags, ParseTagSet(root.child("TagSet"), TagRules::kS3));
  return SetTags(call, std::move(tags), 200);
}

Result<HttpResponse> DeleteObjectTagging(Call& call) { return SetTags(call, {}, 204); }

Result<HttpResponse> GetObjectAttributes(Call& call) {
  AttributesRequest wanted;
  std::string_view list = call.request.Header("x-amz-object-attributes");
  bool any = false;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "ETag") {
      wanted.etag = true;
    } else if (name == "Checksum") {
      wanted.checksum = true;
    } else if (name == "ObjectParts") {
      wanted.parts = true;
    } else if (name == "StorageClass") {
      wanted.storage_class = true;
    } else if (name == "ObjectSize") {
      wanted.size = true;
    } else {
      return Status(ErrorCode::kInvalidArgument, "Invalid attribute name specified.");
    }
    any = true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (!any) {
    return Status(ErrorCode::kInvalidArgument,
                  "The x-amz-object-attributes header specifying the attributes to be "
                  "retrieved is either missing or empty");
  }
  for (auto [header, out] : {std::pair{"x-amz-max-parts", &wanted.max_parts},
                             std::pair{"x-amz-part-number-marker", &wanted.part_number_marker}}) {
    if (!call.request.HasHeader(header)) continue;
    std::string_view v = call.request.Header(header);
    uint32_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return Status(ErrorCode::kInvalidArgument, std::string("Invalid ") + header);
    }
    *out = n;
  }
  wanted.max_parts = std::min<uint32_t>(wanted.max_parts, 1000);
  GetObjectRequest request{call.object(), std::nullopt, ParsePreconditions(call.request)};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.HeadObject(request));
  HttpResponse response = XmlResponse(RenderObjectAttributes(info, wanted));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  return response;
}

Result<HttpResponse> GetBucketTagging(Call& call) {
  ASSIGN_OR_RETURN(BucketInfo info, call.store.HeadBucket(call.bucket()));
  if (info.tags.empty()) return Status(ErrorCode::kNoSuchTagSet, "The TagSet does not exist");
  return XmlResponse(RenderTagging(info.tags));
}

Result<HttpResponse> PutBucketTagging(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "Tagging"));
  if (!root.child("TagSet")) return Status(ErrorCode::kMalformedXml, "Tagging without a TagSet");
  // Buckets take up to 50 tags; the characters are those of object tags.
  Tags tags;
  for (pugi::xml_node tag : root.child("TagSet").children("Tag")) {
    if (!tags.emplace(tag.child_value("Key"), tag.child_value("Value")).second) {
      return Status(ErrorCode::kInvalidTag, "Cannot provide multiple Tags with the same key");
    }
  }
  if (tags.size() > 50) return Status(ErrorCode::kInvalidTag, "Bucket tag count cannot exceed 50");
  for (const auto& tag : tags) RETURN_IF_ERROR(CheckTags(Tags{tag}, TagRules::kS3));
  return SetBucketTags(call, std::move(tags));
}

Result<HttpResponse> DeleteBucketTagging(Call& call) { return SetBucketTags(call, {}); }

}  // namespace tessera::s3
