#pragma once

#include <string_view>

#include "http/query.h"
#include "http/request.h"

namespace tessera::blob {

enum class Op {
  kListContainers,
  kFindBlobsByTags,
  kGetServiceProperties,
  kSetServiceProperties,
  kGetAccountInfo,
  kPreflight,
  kCreateContainer,
  kGetContainerProperties,
  kDeleteContainer,
  kGetContainerMetadata,
  kSetContainerMetadata,
  kGetContainerAcl,
  kSetContainerAcl,
  kListBlobs,
  kFindBlobsInContainer,
  kPutBlob,
  kCopyBlob,
  kCopyBlobFromUrl,
  kGetBlob,
  kGetBlobProperties,
  kDeleteBlob,
  kSetBlobProperties,
  kGetBlobMetadata,
  kSetBlobMetadata,
  kPutBlock,
  kPutBlockFromUrl,
  kPutBlockList,
  kGetBlockList,
  kGetBlobTags,
  kSetBlobTags,
  kNotImplemented,   // a Blob operation this gateway does not serve yet
  kUnsupportedVerb,  // no Blob operation has this shape
};

enum class Level { kService, kContainer, kBlob };

// Dispatch as Azurite does: every spec whose conditions all hold is a candidate, and the
// one with the most conditions wins (ties: the earlier row). Conditions are the method,
// the address level, restype=, comp=, and the presence (or value) of a header.
Op Route(std::string_view method, Level level, const Query& query, const HttpRequest& request);

}  // namespace tessera::blob
