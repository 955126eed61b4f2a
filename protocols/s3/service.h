#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "backend/api/object_store.h"
#include "http/request.h"
#include "protocols/http_response.h"
#include "protocols/s3/handler.h"
#include "protocols/s3/request.h"

namespace tessera::s3 {

// Everything one operation needs, already authenticated and routed.
struct Call {
  const HttpRequest& request;
  const Query& query;
  const Address& address;
  const auth::SigV4Context& auth;
  BodySource& raw_body;
  ObjectStore& store;
  const S3Options& options;
  // Headers an operation wants on its error response too (x-amz-delete-marker on a 404).
  std::vector<std::pair<std::string, std::string>> error_headers = {};

  const std::string& account() const { return auth.principal.account; }
  BucketRef bucket() const { return {account(), address.bucket}; }
  // The addressed object; ?versionId= names one of its versions.
  ObjectRef object() const {
    return {account(), address.bucket, address.key, query.Get("versionId").value_or("")};
  }
};

// The request payload as the store should consume it: aws-chunked decoded, signatures
// and SHA-256 verified as it streams. Owns the wrappers it builds.
class Payload {
 public:
  BodySource& source() { return *top_; }
  std::unique_ptr<BodySource> decoder;  // aws-chunked or SHA-256 verifier, if any
  BodySource* top_ = nullptr;
  std::optional<uint64_t> decoded_length;
};
// Without Content-Length or Transfer-Encoding a request has no body (RFC 9112 §6.3);
// operations that store an object insist on a length (`require_length`).
Result<std::unique_ptr<Payload>> OpenPayload(Call& call, bool require_length = true);
// kInvalidArgument for ?versionId= with no value (S3 answers 400).
Status CheckVersionParam(const Call& call);
// The ACL headers a write may carry (x-amz-acl, x-amz-grant-*): only what grants the
// owner alone is served (private; for objects also bucket-owner-full-control, the same
// thing here); anything else is kNotImplemented rather than silently ignored.
Status CheckAclHeaders(const Call& call, bool object);
// Reads a whole small request body (XML); kEntityTooLarge past `limit`, kBadDigest when a
// Content-MD5 does not match it.
Result<std::string> ReadSmallBody(Call& call, size_t limit);

// Bucket family (service_bucket.cc).
Result<HttpResponse> ListBuckets(Call& call);
Result<HttpResponse> CreateBucket(Call& call);
Result<HttpResponse> HeadBucket(Call& call);
Result<HttpResponse> DeleteBucket(Call& call);
Result<HttpResponse> GetBucketLocation(Call& call);
Result<HttpResponse> GetBucketVersioning(Call& call);
Result<HttpResponse> PutBucketVersioning(Call& call);
// ACLs (service_bucket.cc): only the owner has access to its buckets and objects, so the ACL
// read is the owner's FULL_CONTROL, and the one ACL that can be set is that one (canned
// "private", or a policy granting exactly it); any other is NotImplemented.
Result<HttpResponse> GetBucketAcl(Call& call);
Result<HttpResponse> PutBucketAcl(Call& call);
Result<HttpResponse> GetObjectAcl(Call& call);
Result<HttpResponse> PutObjectAcl(Call& call);
Result<HttpResponse> ListObjects(Call& call, bool v2);
Result<HttpResponse> ListObjectVersions(Call& call);
Result<HttpResponse> DeleteObjects(Call& call);

// Object family (service_object.cc).
Result<HttpResponse> PutObject(Call& call);
Result<HttpResponse> GetObject(Call& call, bool head);
Result<HttpResponse> DeleteObject(Call& call);
Result<HttpResponse> CopyObject(Call& call);
// Object tags (the same tags Blob calls index tags).
Result<HttpResponse> GetObjectTagging(Call& call);
Result<HttpResponse> PutObjectTagging(Call& call);
Result<HttpResponse> DeleteObjectTagging(Call& call);
// GetObjectAttributes: the parts of HEAD that x-amz-object-attributes asks for, as XML.
Result<HttpResponse> GetObjectAttributes(Call& call);
Result<HttpResponse> GetBucketTagging(Call& call);
Result<HttpResponse> PutBucketTagging(Call& call);
Result<HttpResponse> DeleteBucketTagging(Call& call);

// Multipart family (service_multipart.cc).
Result<HttpResponse> CreateMultipartUpload(Call& call);
Result<HttpResponse> UploadPart(Call& call);
Result<HttpResponse> UploadPartCopy(Call& call);
Result<HttpResponse> CompleteMultipartUpload(Call& call);
Result<HttpResponse> AbortMultipartUpload(Call& call);
Result<HttpResponse> ListParts(Call& call);
Result<HttpResponse> ListMultipartUploads(Call& call);

// Shared helpers.
std::string QuotedEtag(const std::string& etag);
HttpResponse XmlResponse(std::string body);  // 200 with an application/xml body
Result<uint32_t> ParseMaxKeys(const Query& query, const char* name, uint32_t default_value);
// Key-shaped output under encoding-type=url.
std::string EncodeKey(std::string_view key, bool url);

}  // namespace tessera::s3
