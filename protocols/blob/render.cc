#include "protocols/blob/render.h"

#include <pugixml.hpp>
#include <sstream>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/tags.h"

namespace tessera::blob {
namespace {

void Text(pugi::xml_node parent, const char* name, std::string_view value) {
  parent.append_child(name).text().set(std::string(value).c_str());
}

// XML text may be indented across lines: trim all XML whitespace.
std::string_view TrimXml(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

void AddMetadata(pugi::xml_node parent, const Metadata& metadata) {
  auto node = parent.append_child("Metadata");
  for (const auto& [name, value] : metadata) Text(node, name.c_str(), value);
}

const char* PublicAccessName(PublicAccess access) {
  switch (access) {
    case PublicAccess::kNone:
      return "";
    case PublicAccess::kObjects:
      return "blob";
    case PublicAccess::kBucket:
      return "container";
  }
  return "";
}

std::string Iso(TimeMicros t) {
  // Azure writes access-policy times as ISO 8601 with 7 fractional digits.
  std::string s = FormatIso8601Millis(t);
  return s.substr(0, s.size() - 1) + "0000Z";
}

std::string TierOf(const ObjectInfo& info) {
  const std::string& sc = info.storage_class;
  if (sc == "STANDARD_IA" || sc == "ONEZONE_IA") return "Cool";
  if (sc == "GLACIER_IR") return "Cold";
  if (sc == "GLACIER" || sc == "DEEP_ARCHIVE") return "Archive";
  return "Hot";
}

}  // namespace

std::string Serialize(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + out.str();
}

std::string QuotedEtag(const std::string& etag) { return "\"" + etag + "\""; }

std::string RenderContainerList(const ContainerListing& listing) {
  pugi::xml_document doc;
  auto root = doc.append_child("EnumerationResults");
  root.append_attribute("ServiceEndpoint") = listing.service_endpoint.c_str();
  if (!listing.prefix.empty()) Text(root, "Prefix", listing.prefix);
  if (!listing.marker.empty()) Text(root, "Marker", listing.marker);
  if (listing.max_results > 0) Text(root, "MaxResults", std::to_string(listing.max_results));
  auto list = root.append_child("Containers");
  for (const auto& c : listing.containers) {
    auto node = list.append_child("Container");
    Text(node, "Name", c.name);
    auto props = node.append_child("Properties");
    Text(props, "Last-Modified", FormatHttpDate(c.last_modified ? c.last_modified : c.created));
    Text(props, "Etag", QuotedEtag(c.etag));
    Text(props, "LeaseStatus", "unlocked");
    Text(props, "LeaseState", "available");
    if (c.public_access != PublicAccess::kNone) {
      Text(props, "PublicAccess", PublicAccessName(c.public_access));
    }
    Text(props, "HasImmutabilityPolicy", "false");
    Text(props, "HasLegalHold", "false");
    if (listing.include_metadata) AddMetadata(node, c.metadata);
  }
  Text(root, "NextMarker", listing.next_marker);
  return Serialize(doc);
}

std::string RenderBlobList(const BlobListing& listing) {
  pugi::xml_document doc;
  auto root = doc.append_child("EnumerationResults");
  root.append_attribute("ServiceEndpoint") = listing.service_endpoint.c_str();
  root.append_attribute("ContainerName") = listing.container.c_str();
  if (!listing.prefix.empty()) Text(root, "Prefix", listing.prefix);
  if (!listing.marker.empty()) Text(root, "Marker", listing.marker);
  if (listing.max_results > 0) Text(root, "MaxResults", std::to_string(listing.max_results));
  if (!listing.delimiter.empty()) Text(root, "Delimiter", listing.delimiter);
  auto blobs = root.append_child("Blobs");
  // Azure interleaves blobs and prefixes in name order.
  size_t b = 0, p = 0;
  while (b < listing.blobs.size() || p < listing.prefixes.size()) {
    bool take_prefix = b == listing.blobs.size() ||
                       (p < listing.prefixes.size() && listing.prefixes[p] < listing.blobs[b].key);
    if (take_prefix) {
      Text(blobs.append_child("BlobPrefix"), "Name", listing.prefixes[p++]);
      continue;
    }
    const ObjectInfo& o = listing.blobs[b++];
    auto node = blobs.append_child("Blob");
    Text(node, "Name", o.key);
    if (listing.include_versions) {
      Text(node, "VersionId", o.version_id);
      if (b - 1 < listing.current.size() && listing.current[b - 1]) {
        Text(node, "IsCurrentVersion", "true");
      }
    }
    auto props = node.append_child("Properties");
    Text(props, "Creation-Time", FormatHttpDate(o.last_modified));
    Text(props, "Last-Modified", FormatHttpDate(o.last_modified));
    Text(props, "Etag", o.blob_etag);
    Text(props, "Content-Length", std::to_string(o.size));
    Text(props, "Content-Type", o.content.content_type);
    Text(props, "Content-Encoding", o.content.content_encoding);
    Text(props, "Content-Language", o.content.content_language);
    Text(props, "Content-CRC64", "");
    Text(props, "Content-MD5", o.content_md5.empty() ? "" : Base64Encode(o.content_md5));
    Text(props, "Cache-Control", o.content.cache_control);
    Text(props, "Content-Disposition", o.content.content_disposition);
    Text(props, "BlobType", "BlockBlob");
    Text(props, "AccessTier", TierOf(o));
    Text(props, "AccessTierInferred",
         o.storage_class.empty() || o.storage_class == "STANDARD" ? "true" : "false");
    Text(props, "LeaseStatus", "unlocked");
    Text(props, "LeaseState", "available");
    Text(props, "ServerEncrypted", "true");
    if (!o.tags.empty()) Text(props, "TagCount", std::to_string(o.tags.size()));
    if (listing.include_copy && o.copy) {
      Text(props, "CopyId", o.copy->id);
      Text(props, "CopyStatus", "success");
      Text(props, "CopySource", o.copy->source);
      Text(props, "CopyProgress",
           std::to_string(o.copy->bytes) + "/" + std::to_string(o.copy->bytes));
      Text(props, "CopyCompletionTime", FormatHttpDate(o.copy->completed));
    }
    if (listing.include_metadata) AddMetadata(node, o.metadata);
    if (listing.include_tags && !o.tags.empty()) AppendTagSet(node.append_child("Tags"), o.tags);
  }
  Text(root, "NextMarker", listing.next_marker);
  return Serialize(doc);
}

std::string RenderBlockList(const BlockList& list, bool committed, bool uncommitted) {
  pugi::xml_document doc;
  auto root = doc.append_child("BlockList");
  if (committed) {
    auto node = root.append_child("CommittedBlocks");
    for (const auto& b : list.committed) {
      auto block = node.append_child("Block");
      Text(block, "Name", Base64Encode(b.id));
      Text(block, "Size", std::to_string(b.size));
    }
  }
  if (uncommitted) {
    auto node = root.append_child("UncommittedBlocks");
    for (const auto& b : list.uncommitted) {
      auto block = node.append_child("Block");
      Text(block, "Name", Base64Encode(b.id));
      Text(block, "Size", std::to_string(b.size));
    }
  }
  return Serialize(doc);
}

std::string RenderContainerAcl(const std::vector<AccessPolicy>& policies) {
  pugi::xml_document doc;
  auto root = doc.append_child("SignedIdentifiers");
  for (const auto& p : policies) {
    auto id = root.append_child("SignedIdentifier");
    Text(id, "Id", p.id);
    auto policy = id.append_child("AccessPolicy");
    if (p.start) Text(policy, "Start", Iso(*p.start));
    if (p.expiry) Text(policy, "Expiry", Iso(*p.expiry));
    Text(policy, "Permission", p.permissions);
  }
  return Serialize(doc);
}

std::string RenderServiceProperties(const ServiceSettings& settings) {
  pugi::xml_document doc;
  auto root = doc.append_child("StorageServiceProperties");
  auto logging = root.append_child("Logging");
  Text(logging, "Version", "1.0");
  Text(logging, "Delete", "false");
  Text(logging, "Read", "false");
  Text(logging, "Write", "false");
  Text(logging.append_child("RetentionPolicy"), "Enabled", "false");
  for (const char* name : {"HourMetrics", "MinuteMetrics"}) {
    auto metrics = root.append_child(name);
    Text(metrics, "Version", "1.0");
    Text(metrics, "Enabled", "false");
    Text(metrics.append_child("RetentionPolicy"), "Enabled", "false");
  }
  auto cors = root.append_child("Cors");
  auto join = [](const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ",") + v;
    return out;
  };
  for (const CorsRule& rule : settings.cors) {
    auto node = cors.append_child("CorsRule");
    Text(node, "AllowedOrigins", join(rule.allowed_origins));
    Text(node, "AllowedMethods", join(rule.allowed_methods));
    Text(node, "AllowedHeaders", join(rule.allowed_headers));
    Text(node, "ExposedHeaders", join(rule.exposed_headers));
    Text(node, "MaxAgeInSeconds", std::to_string(rule.max_age_seconds));
  }
  if (!settings.default_service_version.empty()) {
    Text(root, "DefaultServiceVersion", settings.default_service_version);
  }
  Text(root.append_child("DeleteRetentionPolicy"), "Enabled", "false");
  Text(root.append_child("StaticWebsite"), "Enabled", "false");
  return Serialize(doc);
}

Result<std::vector<BlockListEntry>> ParseBlockList(std::string_view body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return Status(ErrorCode::kMalformedXml, "The XML specified is not syntactically valid.");
  }
  auto root = doc.child("BlockList");
  if (!root) return Status(ErrorCode::kMalformedXml, "The XML specified is not a block list.");
  std::vector<BlockListEntry> entries;
  for (auto node : root.children()) {
    std::string_view name = node.name();
    BlockSource source;
    if (name == "Latest") {
      source = BlockSource::kLatest;
    } else if (name == "Committed") {
      source = BlockSource::kCommitted;
    } else if (name == "Uncommitted") {
      source = BlockSource::kUncommitted;
    } else {
      return Status(ErrorCode::kMalformedXml, "Unknown element in block list.");
    }
    auto id = Base64Decode(TrimXml(node.text().get()));
    if (!id || id->empty() || id->size() > 64) {
      return Status(ErrorCode::kInvalidPart, "The specified block list is invalid.");
    }
    entries.push_back({std::move(*id), source});
  }
  return entries;
}

Result<Tags> ParseTags(std::string_view body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return Status(ErrorCode::kMalformedXml, "The XML specified is not syntactically valid.");
  }
  auto root = doc.child("Tags");
  if (!root) return Status(ErrorCode::kMalformedXml, "Expected Tags.");
  return ParseTagSet(root.child("TagSet"), TagRules::kBlob);
}

std::string RenderTags(const Tags& tags) {
  pugi::xml_document doc;
  AppendTagSet(doc.append_child("Tags"), tags);
  return Serialize(doc);
}

Result<std::vector<AccessPolicy>> ParseContainerAcl(std::string_view body) {
  std::vector<AccessPolicy> policies;
  if (TrimXml(body).empty()) return policies;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return Status(ErrorCode::kMalformedXml, "The XML specified is not syntactically valid.");
  }
  auto root = doc.child("SignedIdentifiers");
  if (!root) return Status(ErrorCode::kMalformedXml, "Expected SignedIdentifiers.");
  for (auto id : root.children("SignedIdentifier")) {
    AccessPolicy p;
    p.id = id.child_value("Id");
    if (p.id.empty() || p.id.size() > 64) {
      return Status(ErrorCode::kMalformedXml, "Signed identifier ids are 1-64 characters.");
    }
    auto policy = id.child("AccessPolicy");
    if (std::string_view s = policy.child_value("Start"); !s.empty()) {
      auto t = ParseIso8601(s);
      if (!t) return Status(ErrorCode::kMalformedXml, "Invalid access policy start.");
      p.start = *t;
    }
    if (std::string_view s = policy.child_value("Expiry"); !s.empty()) {
      auto t = ParseIso8601(s);
      if (!t) return Status(ErrorCode::kMalformedXml, "Invalid access policy expiry.");
      p.expiry = *t;
    }
    p.permissions = policy.child_value("Permission");
    policies.push_back(std::move(p));
  }
  if (policies.size() > 5) {
    return Status(ErrorCode::kInvalidArgument, "At most 5 signed identifiers are allowed.");
  }
  return policies;
}

namespace {

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = TrimXml(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Result<ServiceSettings> ParseServiceProperties(std::string_view body, ServiceSettings current) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) {
    return Status(ErrorCode::kMalformedXml, "The XML specified is not syntactically valid.");
  }
  auto root = doc.child("StorageServiceProperties");
  if (!root) return Status(ErrorCode::kMalformedXml, "Expected StorageServiceProperties.");
  if (auto cors = root.child("Cors")) {
    current.cors.clear();
    for (auto node : cors.children("CorsRule")) {
      CorsRule rule;
      rule.allowed_origins = SplitList(node.child_value("AllowedOrigins"));
      rule.allowed_methods = SplitList(node.child_value("AllowedMethods"));
      rule.allowed_headers = SplitList(node.child_value("AllowedHeaders"));
      rule.exposed_headers = SplitList(node.child_value("ExposedHeaders"));
      std::string_view age = TrimXml(node.child_value("MaxAgeInSeconds"));
      uint64_t seconds = 0;
      for (char c : age) {
        if (c < '0' || c > '9' || seconds > 1u << 30) {
          return Status(ErrorCode::kMalformedXml, "MaxAgeInSeconds must be a number.");
        }
        seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
      }
      rule.max_age_seconds = static_cast<uint32_t>(seconds);
      if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
        return Status(ErrorCode::kMalformedXml,
                      "A CORS rule needs AllowedOrigins and AllowedMethods.");
      }
      current.cors.push_back(std::move(rule));
    }
    if (current.cors.size() > 5) {
      return Status(ErrorCode::kMalformedXml, "At most 5 CORS rules are allowed.");
    }
  }
  if (auto version = root.child("DefaultServiceVersion")) {
    current.default_service_version = TrimXml(version.text().get());
  }
  return current;
}

}  // namespace tessera::blob
