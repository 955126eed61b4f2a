#include "common/encoding.h"
#include "common/time.h"
#include "protocols/s3/parse_object.h"
#include "protocols/s3/render.h"
#include "protocols/s3/service.h"
#include "protocols/s3/xml.h"
#include "protocols/tags.h"

namespace tessera::s3 {
namespace {

void AddChecksum(pugi::xml_node parent, const Checksum& checksum) {
  if (checksum.algorithm == ChecksumAlgorithm::kNone) return;
  std::string name = "Checksum" + std::string(ChecksumName(checksum.algorithm));
  std::string value = Base64Encode(checksum.value);
  if (checksum.parts > 0) value += "-" + std::to_string(checksum.parts);
  AddText(parent, name.c_str(), value);
}

void AddOwner(pugi::xml_node parent, const char* name, const std::string& owner) {
  auto node = parent.append_child(name);
  AddText(node, "ID", owner);
  AddText(node, "DisplayName", owner);
}

}  // namespace

std::string RenderCopyResult(const char* root_name, const std::string& etag, TimeMicros modified,
                             const Checksum& checksum) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, root_name);
  AddText(root, "LastModified", FormatIso8601Millis(modified));
  AddText(root, "ETag", QuotedEtag(etag));
  AddChecksum(root, checksum);
  return Serialize(doc);
}

std::string RenderObjectAttributes(const ObjectInfo& info, const AttributesRequest& request) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "GetObjectAttributesResponse");
  if (request.etag) AddText(root, "ETag", info.etag);  // unquoted here, as S3 sends it
  if (request.checksum && info.checksum.algorithm != ChecksumAlgorithm::kNone) {
    auto node = root.append_child("Checksum");
    AddChecksum(node, info.checksum);
    AddText(node, "ChecksumType", info.checksum.parts > 0 ? "COMPOSITE" : "FULL_OBJECT");
  }
  if (request.parts && info.parts_count > 0) {
    auto node = root.append_child("ObjectParts");
    const uint32_t total = static_cast<uint32_t>(info.part_sizes.size());
    const uint32_t first = std::min(request.part_number_marker, total);
    const uint32_t last =
        std::min<uint64_t>(total, static_cast<uint64_t>(first) + request.max_parts);
    AddText(node, "PartNumberMarker", std::to_string(request.part_number_marker));
    AddText(node, "NextPartNumberMarker", std::to_string(last));
    AddText(node, "MaxParts", std::to_string(request.max_parts));
    AddText(node, "IsTruncated", last < total ? "true" : "false");
    AddText(node, "PartsCount", std::to_string(info.parts_count));
    for (uint32_t i = first; i < last; ++i) {
      auto part = node.append_child("Part");
      AddText(part, "PartNumber", std::to_string(i + 1));
      AddText(part, "Size", std::to_string(info.part_sizes[i]));
    }
  }
  if (request.storage_class) {
    AddText(root, "StorageClass", info.storage_class.empty() ? "STANDARD" : info.storage_class);
  }
  if (request.size) AddText(root, "ObjectSize", std::to_string(info.size));
  return Serialize(doc);
}

std::string RenderTagging(const Tags& tags) {
  pugi::xml_document doc;
  AppendTagSet(NewDocument(doc, "Tagging"), tags);
  return Serialize(doc);
}

std::string RenderInitiateMultipart(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "InitiateMultipartUploadResult");
  AddText(root, "Bucket", bucket);
  AddText(root, "Key", key);
  AddText(root, "UploadId", upload_id);
  return Serialize(doc);
}

std::string RenderCompleteMultipart(const std::string& location, const std::string& bucket,
                                    const std::string& key, const ObjectInfo& info) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "CompleteMultipartUploadResult");
  AddText(root, "Location", location);
  AddText(root, "Bucket", bucket);
  AddText(root, "Key", key);
  AddText(root, "ETag", QuotedEtag(info.etag));
  AddChecksum(root, info.checksum);
  return Serialize(doc);
}

std::string RenderListParts(const std::string& bucket, const std::string& owner,
                            const ListPartsRequest& request, const ListPartsResult& result) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListPartsResult");
  AddText(root, "Bucket", bucket);
  AddText(root, "Key", request.object.key);
  AddText(root, "UploadId", request.upload_id);
  AddOwner(root, "Initiator", owner);
  AddOwner(root, "Owner", owner);
  const std::string& storage_class = result.upload.attributes.storage_class;
  AddText(root, "StorageClass", storage_class.empty() ? "STANDARD" : storage_class);
  AddText(root, "PartNumberMarker", std::to_string(request.part_number_marker));
  AddText(root, "NextPartNumberMarker", std::to_string(result.next_part_number_marker));
  AddText(root, "MaxParts", std::to_string(request.max_parts));
  AddText(root, "IsTruncated", result.truncated ? "true" : "false");
  if (result.upload.attributes.checksum_algorithm != ChecksumAlgorithm::kNone) {
    AddText(root, "ChecksumAlgorithm", ChecksumName(result.upload.attributes.checksum_algorithm));
  }
  for (const auto& p : result.parts) {
    auto node = root.append_child("Part");
    AddText(node, "PartNumber", std::to_string(p.part_number));
    AddText(node, "LastModified", FormatIso8601Millis(p.last_modified));
    AddText(node, "ETag", QuotedEtag(p.etag));
    AddText(node, "Size", std::to_string(p.size));
    AddChecksum(node, p.checksum);
  }
  return Serialize(doc);
}

std::string RenderListUploads(const ListEcho& echo, const ListUploadsRequest& request,
                              const ListUploadsResult& result) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListMultipartUploadsResult");
  AddText(root, "Bucket", echo.bucket);
  AddText(root, "KeyMarker", EncodeKey(request.key_marker, echo.url_encoding));
  AddText(root, "UploadIdMarker", request.upload_id_marker);
  if (result.truncated) {
    AddText(root, "NextKeyMarker", EncodeKey(result.next_key_marker, echo.url_encoding));
    AddText(root, "NextUploadIdMarker", result.next_upload_id_marker);
  }
  if (!echo.prefix.empty()) AddText(root, "Prefix", EncodeKey(echo.prefix, echo.url_encoding));
  if (!echo.delimiter.empty()) {
    AddText(root, "Delimiter", EncodeKey(echo.delimiter, echo.url_encoding));
  }
  if (echo.url_encoding) AddText(root, "EncodingType", "url");
  AddText(root, "MaxUploads", std::to_string(request.max_uploads));
  AddText(root, "IsTruncated", result.truncated ? "true" : "false");
  for (const auto& u : result.uploads) {
    auto node = root.append_child("Upload");
    AddText(node, "Key", EncodeKey(u.key, echo.url_encoding));
    AddText(node, "UploadId", u.upload_id);
    AddOwner(node, "Initiator", echo.owner);
    AddOwner(node, "Owner", echo.owner);
    AddText(node, "StorageClass",
            u.attributes.storage_class.empty() ? "STANDARD" : u.attributes.storage_class);
    AddText(node, "Initiated", FormatIso8601Millis(u.initiated));
  }
  for (const auto& p : result.common_prefixes) {
    AddText(root.append_child("CommonPrefixes"), "Prefix", EncodeKey(p, echo.url_encoding));
  }
  return Serialize(doc);
}

}  // namespace tessera::s3
