#pragma once

#include <pugixml.hpp>
#include <string>
#include <vector>

#include "backend/api/object_store.h"

namespace tessera::blob {

// XML documents of the Blob dialect: pure functions of their inputs.

struct ContainerListing {
  std::string service_endpoint;  // "http://host/account/"
  std::string prefix;
  std::string marker;
  uint32_t max_results = 0;  // 0 = not given (omitted)
  bool include_metadata = false;
  std::vector<BucketInfo> containers;
  std::string next_marker;
};
std::string RenderContainerList(const ContainerListing& listing);

struct BlobListing {
  std::string service_endpoint;
  std::string container;
  std::string prefix;
  std::string marker;
  std::string delimiter;
  uint32_t max_results = 0;
  bool include_metadata = false;
  bool include_tags = false;
  bool include_copy = false;
  bool include_versions = false;  // each blob names its version (VersionId, IsCurrentVersion)
  std::vector<ObjectInfo> blobs;
  std::vector<bool> current;  // include_versions: whether blobs[i] is its blob's current one
  std::vector<std::string> prefixes;  // BlobPrefix entries (hierarchical listing)
  std::string next_marker;
};
std::string RenderBlobList(const BlobListing& listing);

// "committed", "uncommitted" or "all".
std::string RenderBlockList(const BlockList& list, bool committed, bool uncommitted);
std::string RenderContainerAcl(const std::vector<AccessPolicy>& policies);
std::string RenderServiceProperties(const ServiceSettings& settings);

// Request documents.
Result<std::vector<BlockListEntry>> ParseBlockList(std::string_view body);
Result<std::vector<AccessPolicy>> ParseContainerAcl(std::string_view body);
// Set/Get Blob Tags bodies: <Tags><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tags>.
Result<Tags> ParseTags(std::string_view body);
std::string RenderTags(const Tags& tags);
// `doc` as Azure sends XML: one line, after an XML declaration.
std::string Serialize(const pugi::xml_document& doc);
// Set Service Properties: sections left out keep their current values, so `current` comes
// back with only the sent sections (Cors, DefaultServiceVersion) replaced. Logging and
// metrics settings are accepted and not kept.
Result<ServiceSettings> ParseServiceProperties(std::string_view body, ServiceSettings current);

// Quoted ETag for response headers.
std::string QuotedEtag(const std::string& etag);

}  // namespace tessera::blob
