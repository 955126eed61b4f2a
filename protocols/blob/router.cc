#include "protocols/blob/router.h"

#include "common/encoding.h"

namespace tessera::blob {
namespace {

struct Spec {
  std::string_view method;
  Level level;
  std::string_view restype;       // "" = no condition
  std::string_view comp;          // "" = no condition
  std::string_view header;        // "" = no condition; the header must be present
  std::string_view header_value;  // "" = any value
  Op op;
  std::string_view also_header = {};  // a second header that must be present
};

constexpr Spec kSpecs[] = {
    {"GET", Level::kService, "", "list", "", "", Op::kListContainers},
    {"GET", Level::kService, "", "blobs", "", "", Op::kFindBlobsByTags},
    {"GET", Level::kService, "service", "properties", "", "", Op::kGetServiceProperties},
    {"PUT", Level::kService, "service", "properties", "", "", Op::kSetServiceProperties},
    {"GET", Level::kService, "account", "properties", "", "", Op::kGetAccountInfo},
    {"HEAD", Level::kService, "account", "properties", "", "", Op::kGetAccountInfo},
    {"GET", Level::kContainer, "account", "properties", "", "", Op::kGetAccountInfo},
    {"HEAD", Level::kContainer, "account", "properties", "", "", Op::kGetAccountInfo},
    {"GET", Level::kBlob, "account", "properties", "", "", Op::kGetAccountInfo},
    {"HEAD", Level::kBlob, "account", "properties", "", "", Op::kGetAccountInfo},
    {"OPTIONS", Level::kService, "", "", "", "", Op::kPreflight},
    {"OPTIONS", Level::kContainer, "", "", "", "", Op::kPreflight},
    {"OPTIONS", Level::kBlob, "", "", "", "", Op::kPreflight},
    {"PUT", Level::kContainer, "container", "", "", "", Op::kCreateContainer},
    {"GET", Level::kContainer, "container", "", "", "", Op::kGetContainerProperties},
    {"HEAD", Level::kContainer, "container", "", "", "", Op::kGetContainerProperties},
    {"DELETE", Level::kContainer, "container", "", "", "", Op::kDeleteContainer},
    {"GET", Level::kContainer, "container", "metadata", "", "", Op::kGetContainerMetadata},
    {"HEAD", Level::kContainer, "container", "metadata", "", "", Op::kGetContainerMetadata},
    {"PUT", Level::kContainer, "container", "metadata", "", "", Op::kSetContainerMetadata},
    {"GET", Level::kContainer, "container", "acl", "", "", Op::kGetContainerAcl},
    {"HEAD", Level::kContainer, "container", "acl", "", "", Op::kGetContainerAcl},
    {"PUT", Level::kContainer, "container", "acl", "", "", Op::kSetContainerAcl},
    {"GET", Level::kContainer, "container", "list", "", "", Op::kListBlobs},
    {"GET", Level::kContainer, "container", "blobs", "", "", Op::kFindBlobsInContainer},
    {"PUT", Level::kBlob, "", "", "", "", Op::kPutBlob},
    {"PUT", Level::kBlob, "", "", "x-ms-copy-source", "", Op::kCopyBlob},
    {"PUT", Level::kBlob, "", "", "x-ms-requires-sync", "true", Op::kCopyBlobFromUrl,
     "x-ms-copy-source"},
    {"GET", Level::kBlob, "", "", "", "", Op::kGetBlob},
    {"HEAD", Level::kBlob, "", "", "", "", Op::kGetBlobProperties},
    {"DELETE", Level::kBlob, "", "", "", "", Op::kDeleteBlob},
    {"PUT", Level::kBlob, "", "properties", "", "", Op::kSetBlobProperties},
    {"GET", Level::kBlob, "", "metadata", "", "", Op::kGetBlobMetadata},
    {"HEAD", Level::kBlob, "", "metadata", "", "", Op::kGetBlobMetadata},
    {"PUT", Level::kBlob, "", "metadata", "", "", Op::kSetBlobMetadata},
    {"PUT", Level::kBlob, "", "block", "", "", Op::kPutBlock},
    {"PUT", Level::kBlob, "", "block", "x-ms-copy-source", "", Op::kPutBlockFromUrl},
    {"PUT", Level::kBlob, "", "blocklist", "", "", Op::kPutBlockList},
    {"GET", Level::kBlob, "", "blocklist", "", "", Op::kGetBlockList},
    {"GET", Level::kBlob, "", "tags", "", "", Op::kGetBlobTags},
    {"PUT", Level::kBlob, "", "tags", "", "", Op::kSetBlobTags},
};

// comp= values that name real Blob operations not served here: a request carrying one of
// them that no spec claims is 501, never silently served as something else.
constexpr std::string_view kKnownComps[] = {"list",
                                            "properties",
                                            "metadata",
                                            "acl",
                                            "block",
                                            "blocklist",
                                            "lease",
                                            "snapshot",
                                            "copy",
                                            "tags",
                                            "tier",
                                            "page",
                                            "pagelist",
                                            "appendblock",
                                            "seal",
                                            "query",
                                            "batch",
                                            "blobs",
                                            "stats",
                                            "userdelegationkey",
                                            "undelete",
                                            "expiry",
                                            "immutabilityPolicies",
                                            "legalhold",
                                            "incrementalcopy",
                                            "rename"};

}  // namespace

Op Route(std::string_view method, Level level, const Query& query, const HttpRequest& request) {
  std::string restype = query.Get("restype").value_or("");
  std::string comp = query.Get("comp").value_or("");
  int best_score = -1;
  Op best = Op::kUnsupportedVerb;
  for (const Spec& spec : kSpecs) {
    if (spec.method != method || spec.level != level) continue;
    // restype and comp must match exactly: a spec without one requires its absence.
    if (spec.restype != restype || spec.comp != comp) continue;
    int score = 2 + (spec.restype.empty() ? 0 : 1) + (spec.comp.empty() ? 0 : 1);
    if (!spec.header.empty()) {
      if (!request.HasHeader(spec.header)) continue;
      if (!spec.header_value.empty() && ToLower(request.Header(spec.header)) != spec.header_value) {
        continue;
      }
      score += spec.header_value.empty() ? 1 : 2;
    }
    if (!spec.also_header.empty()) {
      if (!request.HasHeader(spec.also_header)) continue;
      score += 1;
    }
    if (score > best_score) {
      best_score = score;
      best = spec.op;
    }
  }
  if (best_score >= 0) return best;
  for (std::string_view known : kKnownComps) {
    if (comp == known) return Op::kNotImplemented;
  }
  return Op::kUnsupportedVerb;
}

}  // namespace tessera::blob
