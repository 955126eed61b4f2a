#include "common/encoding.h"
#include "common/time.h"
#include "protocols/s3/render.h"
#include "protocols/s3/service.h"
#include "protocols/s3/xml.h"

namespace tessera::s3 {
namespace {

void AddOwner(pugi::xml_node parent, const std::string& owner) {
  auto node = parent.append_child("Owner");
  AddText(node, "ID", owner);
  AddText(node, "DisplayName", owner);
}

const char* Bool(bool b) { return b ? "true" : "false"; }

std::string StorageClassOf(const ObjectInfo& info) {
  return info.storage_class.empty() ? "STANDARD" : info.storage_class;
}

void AddContents(pugi::xml_node root, const ListEcho& echo, const ObjectInfo& o, bool with_owner) {
  auto c = root.append_child("Contents");
  AddText(c, "Key", EncodeKey(o.key, echo.url_encoding));
  AddText(c, "LastModified", FormatIso8601Millis(o.last_modified));
  AddText(c, "ETag", QuotedEtag(o.etag));
  AddText(c, "Size", std::to_string(o.size));
  if (with_owner) AddOwner(c, echo.owner);
  AddText(c, "StorageClass", StorageClassOf(o));
}

void AddCommonPrefixes(pugi::xml_node root, const ListEcho& echo,
                       const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    AddText(root.append_child("CommonPrefixes"), "Prefix", EncodeKey(p, echo.url_encoding));
  }
}

}  // namespace

std::string RenderListBuckets(const std::vector<BucketInfo>& buckets, const std::string& owner) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListAllMyBucketsResult");
  AddOwner(root, owner);
  auto list = root.append_child("Buckets");
  for (const auto& b : buckets) {
    auto node = list.append_child("Bucket");
    AddText(node, "Name", b.name);
    AddText(node, "CreationDate", FormatIso8601Millis(b.created));
  }
  return Serialize(doc);
}

std::string RenderLocation(const std::string& region) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "LocationConstraint");
  // us-east-1 is reported as an empty constraint, as S3 does.
  if (region != "us-east-1") root.append_child(pugi::node_pcdata).set_value(region.c_str());
  return Serialize(doc);
}

std::string RenderVersioning(Versioning versioning) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "VersioningConfiguration");
  if (versioning != Versioning::kUnversioned) {
    AddText(root, "Status", versioning == Versioning::kEnabled ? "Enabled" : "Suspended");
  }
  return Serialize(doc);
}

std::string RenderOwnerAcl(const std::string& owner) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "AccessControlPolicy");
  AddOwner(root, owner);
  auto grant = root.append_child("AccessControlList").append_child("Grant");
  auto grantee = grant.append_child("Grantee");
  grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  grantee.append_attribute("xsi:type") = "CanonicalUser";
  AddText(grantee, "ID", owner);
  AddText(grantee, "DisplayName", owner);
  AddText(grant, "Permission", "FULL_CONTROL");
  return Serialize(doc);
}

std::string RenderListObjectsV1(const ListEcho& echo, const ListObjectsResult& result) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListBucketResult");
  AddText(root, "Name", echo.bucket);
  AddText(root, "Prefix", EncodeKey(echo.prefix, echo.url_encoding));
  AddText(root, "Marker", EncodeKey(echo.marker, echo.url_encoding));
  AddText(root, "MaxKeys", std::to_string(echo.max_keys));
  if (!echo.delimiter.empty()) {
    AddText(root, "Delimiter", EncodeKey(echo.delimiter, echo.url_encoding));
  }
  if (echo.url_encoding) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", Bool(result.truncated));
  if (result.truncated) {
    AddText(root, "NextMarker", EncodeKey(result.next_marker, echo.url_encoding));
  }
  for (const auto& o : result.objects) AddContents(root, echo, o, true);
  AddCommonPrefixes(root, echo, result.common_prefixes);
  return Serialize(doc);
}

std::string RenderListObjectsV2(const ListEcho& echo, const ListObjectsResult& result,
                                const std::string& next_token) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListBucketResult");
  AddText(root, "Name", echo.bucket);
  AddText(root, "Prefix", EncodeKey(echo.prefix, echo.url_encoding));
  AddText(root, "MaxKeys", std::to_string(echo.max_keys));
  AddText(root, "KeyCount", std::to_string(result.objects.size() + result.common_prefixes.size()));
  if (!echo.delimiter.empty()) {
    AddText(root, "Delimiter", EncodeKey(echo.delimiter, echo.url_encoding));
  }
  if (echo.url_encoding) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", Bool(result.truncated));
  if (!echo.continuation_token.empty()) {
    AddText(root, "ContinuationToken", echo.continuation_token);
  }
  if (result.truncated) AddText(root, "NextContinuationToken", next_token);
  if (!echo.start_after.empty()) {
    AddText(root, "StartAfter", EncodeKey(echo.start_after, echo.url_encoding));
  }
  for (const auto& o : result.objects) AddContents(root, echo, o, echo.fetch_owner);
  AddCommonPrefixes(root, echo, result.common_prefixes);
  return Serialize(doc);
}

std::string RenderListVersions(const ListEcho& echo, const ListVersionsResult& result) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "ListVersionsResult");
  AddText(root, "Name", echo.bucket);
  AddText(root, "Prefix", EncodeKey(echo.prefix, echo.url_encoding));
  AddText(root, "KeyMarker", EncodeKey(echo.key_marker, echo.url_encoding));
  AddText(root, "VersionIdMarker", echo.version_id_marker);
  AddText(root, "MaxKeys", std::to_string(echo.max_keys));
  if (!echo.delimiter.empty()) {
    AddText(root, "Delimiter", EncodeKey(echo.delimiter, echo.url_encoding));
  }
  if (echo.url_encoding) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", Bool(result.truncated));
  if (result.truncated) {
    AddText(root, "NextKeyMarker", EncodeKey(result.next_key_marker, echo.url_encoding));
    if (!result.next_version_id_marker.empty()) {
      AddText(root, "NextVersionIdMarker", result.next_version_id_marker);
    }
  }
  for (const ObjectVersion& version : result.versions) {
    const ObjectInfo& o = version.info;
    auto v = root.append_child(o.delete_marker ? "DeleteMarker" : "Version");
    AddText(v, "Key", EncodeKey(o.key, echo.url_encoding));
    AddText(v, "VersionId", o.version_id);
    AddText(v, "IsLatest", Bool(version.latest));
    AddText(v, "LastModified", FormatIso8601Millis(o.last_modified));
    if (!o.delete_marker) {
      AddText(v, "ETag", QuotedEtag(o.etag));
      AddText(v, "Size", std::to_string(o.size));
    }
    AddOwner(v, echo.owner);
    if (!o.delete_marker) AddText(v, "StorageClass", StorageClassOf(o));
  }
  AddCommonPrefixes(root, echo, result.common_prefixes);
  return Serialize(doc);
}

std::string RenderDeleteResult(const std::vector<DeleteOutcome>& outcomes, bool quiet) {
  pugi::xml_document doc;
  auto root = NewDocument(doc, "DeleteResult");
  for (const auto& o : outcomes) {
    if (o.code.empty()) {
      if (quiet) continue;
      auto d = root.append_child("Deleted");
      AddText(d, "Key", o.key);
      // A version named: VersionId (and DeleteMarker when it was one). A marker made:
      // DeleteMarker and DeleteMarkerVersionId.
      if (!o.version_id.empty()) AddText(d, "VersionId", o.version_id);
      if (o.delete_marker) {
        AddText(d, "DeleteMarker", "true");
        AddText(d, "DeleteMarkerVersionId", o.marker_version_id);
      }
      continue;
    }
    auto e = root.append_child("Error");
    AddText(e, "Key", o.key);
    AddText(e, "Code", o.code);
    AddText(e, "Message", o.message);
  }
  return Serialize(doc);
}

}  // namespace tessera::s3
