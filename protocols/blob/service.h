#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/sas.h"
#include "backend/api/object_store.h"
#include "http/query.h"
#include "http/request.h"
#include "protocols/blob/handler.h"
#include "protocols/blob/request.h"
#include "protocols/http_response.h"

namespace tessera::blob {

// Everything one operation needs, already authenticated and routed.
struct Call {
  const HttpRequest& request;
  const Query& query;
  const Address& address;
  BodySource& raw_body;
  ObjectStore& store;
  const BlobOptions& options;
  const std::optional<auth::SasGrant>& sas;  // set for SAS-authorized requests
  const auth::AccountDirectory& accounts;

  BucketRef bucket() const { return {address.account, address.container}; }
  // The addressed blob; ?versionid= names one of its versions (the S3 version ids).
  ObjectRef object() const {
    return {address.account, address.container, address.blob, query.Get("versionid").value_or("")};
  }
  std::string ServiceEndpoint() const;
};

// The request body, checked against Content-Length; kMissingContentLength when a body
// operation has none.
Result<uint64_t> ContentLength(const Call& call, bool required);
Result<std::string> ReadSmallBody(Call& call, size_t limit);

// Container family (service_container.cc).
Result<HttpResponse> ListContainers(Call& call);
Result<HttpResponse> GetServiceProperties(Call& call);
Result<HttpResponse> SetServiceProperties(Call& call);
Result<HttpResponse> GetAccountInfo(Call& call);
Result<HttpResponse> CreateContainer(Call& call);
Result<HttpResponse> GetContainerProperties(Call& call, bool metadata_only);
Result<HttpResponse> DeleteContainer(Call& call);
Result<HttpResponse> SetContainerMetadata(Call& call);
Result<HttpResponse> GetContainerAcl(Call& call);
Result<HttpResponse> SetContainerAcl(Call& call);
Result<HttpResponse> ListBlobs(Call& call);
// Find Blobs by Tags over the account, or (`in_container`) one container.
Result<HttpResponse> FindBlobsByTags(Call& call, bool in_container);

// Blob family (service_blob.cc).
Result<HttpResponse> PutBlob(Call& call);
Result<HttpResponse> GetBlob(Call& call, bool head);
Result<HttpResponse> GetBlobMetadata(Call& call);
Result<HttpResponse> DeleteBlob(Call& call);
Result<HttpResponse> SetBlobProperties(Call& call);
Result<HttpResponse> SetBlobMetadata(Call& call);
// Blob index tags: the object's tags, which S3 sees as object tagging.
Result<HttpResponse> GetBlobTags(Call& call);
Result<HttpResponse> SetBlobTags(Call& call);
Result<HttpResponse> CopyBlob(Call& call, bool sync);

// Block family (service_block.cc).
Result<HttpResponse> PutBlock(Call& call);
Result<HttpResponse> PutBlockFromUrl(Call& call);
Result<HttpResponse> PutBlockList(Call& call);
Result<HttpResponse> GetBlockList(Call& call);

// Shared pieces.
// Access tier header value -> storage class ("Hot" -> STANDARD, ...); kInvalidStorageClass.
Result<std::string> TierToStorageClass(std::string_view tier);
std::string StorageClassToTier(const std::string& storage_class);
// A base64 MD5 header (Content-MD5, x-ms-blob-content-md5) as 16 raw bytes; nullopt when
// absent, kInvalidDigest when malformed. x-ms-content-crc64 as its 8 raw bytes.
Result<std::optional<std::string>> ParseMd5Header(const HttpRequest& request,
                                                  std::string_view name = "content-md5");
Result<std::optional<std::string>> ParseCrc64(const HttpRequest& request);
// A UUID-shaped random id (request ids, copy ids), as Azure writes them.
std::string NewUuid();

}  // namespace tessera::blob
