#include "protocols/blob/operations.h"

#include <cstddef>
#include <iterator>

namespace tessera::blob {
namespace {

Result<HttpResponse> NotImplemented(Call&) {
  return Status(ErrorCode::kNotImplemented,
                "The requested operation is not implemented on this endpoint.");
}

Result<HttpResponse> UnsupportedVerb(Call&) {
  return Status(ErrorCode::kMethodNotAllowed, "The resource doesn't support the verb.");
}

constexpr PublicAccess kNever = PublicAccess::kNone;
constexpr PublicAccess kBlobs = PublicAccess::kObjects;     // public access "blob"
constexpr PublicAccess kContainer = PublicAccess::kBucket;  // public access "container"

// In the order of Op.
constexpr Operation kOperations[] = {
    {Op::kListContainers, "ListContainers", ListContainers, 'l', kNever},
    {Op::kFindBlobsByTags, "FindBlobsByTags", [](Call& c) { return FindBlobsByTags(c, false); },
     'f', kNever},
    {Op::kGetServiceProperties, "GetServiceProperties", GetServiceProperties, 'r', kNever},
    {Op::kSetServiceProperties, "SetServiceProperties", SetServiceProperties, 'w', kNever},
    {Op::kGetAccountInfo, "GetAccountInfo", GetAccountInfo, 'r', kNever},
    // Answered before authentication, from the account's CORS rules.
    {Op::kPreflight, "Preflight", NotImplemented, 'w', kNever},
    {Op::kCreateContainer, "CreateContainer", CreateContainer, 'c', kNever},
    {Op::kGetContainerProperties, "GetContainerProperties",
     [](Call& c) { return GetContainerProperties(c, false); }, 'r', kContainer},
    {Op::kDeleteContainer, "DeleteContainer", DeleteContainer, 'd', kNever},
    {Op::kGetContainerMetadata, "GetContainerMetadata",
     [](Call& c) { return GetContainerProperties(c, true); }, 'r', kContainer},
    {Op::kSetContainerMetadata, "SetContainerMetadata", SetContainerMetadata, 'w', kNever},
    {Op::kGetContainerAcl, "GetContainerAcl", GetContainerAcl, 'r', kNever},
    {Op::kSetContainerAcl, "SetContainerAcl", SetContainerAcl, 'w', kNever},
    {Op::kListBlobs, "ListBlobs", ListBlobs, 'l', kContainer},
    {Op::kFindBlobsInContainer, "FindBlobsInContainer",
     [](Call& c) { return FindBlobsByTags(c, true); }, 'f', kNever},
    {Op::kPutBlob, "PutBlob", PutBlob, 'w', kNever},
    {Op::kCopyBlob, "CopyBlob", [](Call& c) { return CopyBlob(c, false); }, 'w', kNever},
    {Op::kCopyBlobFromUrl, "CopyBlobFromUrl", [](Call& c) { return CopyBlob(c, true); }, 'w',
     kNever},
    {Op::kGetBlob, "GetBlob", [](Call& c) { return GetBlob(c, false); }, 'r', kBlobs},
    {Op::kGetBlobProperties, "GetBlobProperties", [](Call& c) { return GetBlob(c, true); }, 'r',
     kBlobs},
    {Op::kDeleteBlob, "DeleteBlob", DeleteBlob, 'd', kNever},
    {Op::kSetBlobProperties, "SetBlobProperties", SetBlobProperties, 'w', kNever},
    {Op::kGetBlobMetadata, "GetBlobMetadata", GetBlobMetadata, 'r', kBlobs},
    {Op::kSetBlobMetadata, "SetBlobMetadata", SetBlobMetadata, 'w', kNever},
    {Op::kPutBlock, "PutBlock", PutBlock, 'w', kNever},
    {Op::kPutBlockFromUrl, "PutBlockFromUrl", PutBlockFromUrl, 'w', kNever},
    {Op::kPutBlockList, "PutBlockList", PutBlockList, 'w', kNever},
    {Op::kGetBlockList, "GetBlockList", GetBlockList, 'r', kBlobs},
    {Op::kGetBlobTags, "GetBlobTags", GetBlobTags, 't', kNever},
    {Op::kSetBlobTags, "SetBlobTags", SetBlobTags, 't', kNever},
    {Op::kNotImplemented, "NotImplemented", NotImplemented, 'w', kNever},
    {Op::kUnsupportedVerb, "UnsupportedVerb", UnsupportedVerb, 'w', kNever},
};

constexpr bool InOpOrder() {
  for (size_t i = 0; i < std::size(kOperations); ++i) {
    if (static_cast<size_t>(kOperations[i].op) != i) return false;
  }
  return std::size(kOperations) == static_cast<size_t>(Op::kUnsupportedVerb) + 1;
}
static_assert(InOpOrder(), "kOperations lists every Op once, in the order of the enum");

}  // namespace

const Operation& Describe(Op op) { return kOperations[static_cast<size_t>(op)]; }

}  // namespace tessera::blob
