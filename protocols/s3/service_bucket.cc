#include "common/encoding.h"
#include "protocols/s3/errors.h"
#include "protocols/s3/render.h"
#include "protocols/s3/request.h"
#include "protocols/s3/service.h"
#include "protocols/s3/xml.h"

namespace tessera::s3 {
namespace {

Result<bool> UrlEncoding(const Query& query) {
  auto encoding = query.Get("encoding-type");
  if (!encoding || encoding->empty()) return false;
  if (*encoding != "url") {
    return Status(ErrorCode::kInvalidArgument, "Invalid Encoding Method specified in Request");
  }
  return true;
}

// The parameters every object listing shares.
Result<ListEcho> CommonListEcho(Call& call) {
  const Query& q = call.query;
  ListEcho echo;
  echo.bucket = call.address.bucket;
  echo.owner = call.account();
  echo.prefix = q.Get("prefix").value_or("");
  echo.delimiter = q.Get("delimiter").value_or("");
  ASSIGN_OR_RETURN(echo.url_encoding, UrlEncoding(q));
  ASSIGN_OR_RETURN(echo.max_keys, ParseMaxKeys(q, "max-keys", 1000));
  return echo;
}

// max-keys=0 lists nothing, but the bucket must still exist.
Result<ListObjectsResult> RunListing(Call& call, const ListObjectsRequest& request) {
  if (request.max_keys > 0) return call.store.ListObjects(request);
  RETURN_IF_ERROR(call.store.HeadBucket(call.bucket()).status());
  return ListObjectsResult{};
}

constexpr size_t kMaxDeleteKeys = 1000;

}  // namespace

Result<HttpResponse> ListBuckets(Call& call) {
  ASSIGN_OR_RETURN(auto buckets, call.store.ListBuckets(call.account()));
  return XmlResponse(RenderListBuckets(buckets, call.account()));
}

Result<HttpResponse> CreateBucket(Call& call) {
  RETURN_IF_ERROR(CheckAclHeaders(call, /*object=*/false));
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, 64 * 1024));
  std::string region = call.options.region;
  if (!body.empty()) {
    pugi::xml_document doc;
    ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "CreateBucketConfiguration"));
    std::string constraint = root.child_value("LocationConstraint");
    if (!constraint.empty()) region = constraint;
  }
  CreateBucketRequest request;
  request.bucket = call.bucket();
  request.region = region;
  RETURN_IF_ERROR(call.store.CreateBucket(request));
  HttpResponse response;
  response.Set("Location", "/" + call.address.bucket);
  return response;
}

Result<HttpResponse> HeadBucket(Call& call) {
  ASSIGN_OR_RETURN(auto info, call.store.HeadBucket(call.bucket()));
  HttpResponse response;
  response.head = true;
  response.content_length = 0;
  response.Set("x-amz-bucket-region", info.region.empty() ? call.options.region : info.region);
  return response;
}

Result<HttpResponse> DeleteBucket(Call& call) {
  RETURN_IF_ERROR(call.store.DeleteBucket(call.bucket()));
  HttpResponse response;
  response.status = 204;
  return response;
}

Result<HttpResponse> GetBucketLocation(Call& call) {
  ASSIGN_OR_RETURN(auto info, call.store.HeadBucket(call.bucket()));
  return XmlResponse(RenderLocation(info.region.empty() ? call.options.region : info.region));
}

Result<HttpResponse> GetBucketVersioning(Call& call) {
  ASSIGN_OR_RETURN(BucketInfo bucket, call.store.HeadBucket(call.bucket()));
  return XmlResponse(RenderVersioning(bucket.versioning));
}

Result<HttpResponse> PutBucketVersioning(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "VersioningConfiguration"));
  UpdateBucketRequest request;
  request.bucket = call.bucket();
  std::string_view status = root.child_value("Status");
  if (status == "Enabled") {
    request.versioning = Versioning::kEnabled;
  } else if (status == "Suspended") {
    request.versioning = Versioning::kSuspended;
  } else if (!status.empty() || root.child("Status")) {
    return Status(ErrorCode::kMalformedXml,
                  "The XML you provided was not well-formed or did not validate against our "
                  "published schema");
  }
  if (std::string_view(root.child_value("MfaDelete")) == "Enabled") {
    return Status(ErrorCode::kNotImplemented, "MFA Delete is not supported");
  }
  RETURN_IF_ERROR(call.store.UpdateBucket(request).status());
  return HttpResponse{};
}

namespace {

bool HasGrantHeaders(const HttpRequest& h) {
  for (const char* grant : {"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                            "x-amz-grant-write-acp", "x-amz-grant-full-control"}) {
    if (h.HasHeader(grant)) return true;
  }
  return false;
}

// The ACL a PutBucketAcl / PutObjectAcl asks for must be the owner's FULL_CONTROL alone.
Status CheckOwnerOnlyAcl(Call& call, bool object) {
  const auto& h = call.request;
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  if (!h.Header("x-amz-acl").empty() || HasGrantHeaders(h)) {
    if (!body.empty()) {
      return Status(ErrorCode::kInvalidRequest,
                    "Specifying both Canned ACLs and Header Grants or a body is not allowed");
    }
    return CheckAclHeaders(call, object);
  }
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "AccessControlPolicy"));
  bool owner_full = false;
  for (auto grant : root.child("AccessControlList").children("Grant")) {
    const bool owner = std::string_view(grant.child("Grantee").child_value("ID")) == call.account();
    const bool full = std::string_view(grant.child_value("Permission")) == "FULL_CONTROL";
    if (!owner || !full) {
      return Status(ErrorCode::kNotImplemented, "Only the private ACL is supported.");
    }
    owner_full = true;
  }
  if (!owner_full) return Status(ErrorCode::kMalformedXml, "The ACL grants nothing.");
  return Status::Ok();
}

}  // namespace

Status CheckAclHeaders(const Call& call, bool object) {
  const auto& h = call.request;
  const bool grants = HasGrantHeaders(h);
  std::string_view canned = h.Header("x-amz-acl");
  if (!canned.empty() && grants) {
    return Status(ErrorCode::kInvalidRequest,
                  "Specifying both Canned ACLs and Header Grants is not allowed");
  }
  // The owner of an object is its bucket's owner: bucket-owner-full-control is private.
  if (grants || (!canned.empty() && canned != "private" &&
                 !(object && canned == "bucket-owner-full-control"))) {
    return Status(ErrorCode::kNotImplemented, "Only the private ACL is supported.");
  }
  return Status::Ok();
}

Result<HttpResponse> GetBucketAcl(Call& call) {
  RETURN_IF_ERROR(call.store.HeadBucket(call.bucket()).status());
  return XmlResponse(RenderOwnerAcl(call.account()));
}

Result<HttpResponse> PutBucketAcl(Call& call) {
  RETURN_IF_ERROR(call.store.HeadBucket(call.bucket()).status());
  RETURN_IF_ERROR(CheckOwnerOnlyAcl(call, /*object=*/false));
  return HttpResponse{};
}

Result<HttpResponse> GetObjectAcl(Call& call) {
  RETURN_IF_ERROR(CheckVersionParam(call));
  RETURN_IF_ERROR(
      call.store.HeadObject(GetObjectRequest{call.object(), std::nullopt, {}}).status());
  HttpResponse response = XmlResponse(RenderOwnerAcl(call.account()));
  if (call.query.Has("versionId")) {
    response.Set("x-amz-version-id", call.query.Get("versionId").value_or(""));
  }
  return response;
}

Result<HttpResponse> PutObjectAcl(Call& call) {
  RETURN_IF_ERROR(CheckVersionParam(call));
  RETURN_IF_ERROR(
      call.store.HeadObject(GetObjectRequest{call.object(), std::nullopt, {}}).status());
  RETURN_IF_ERROR(CheckOwnerOnlyAcl(call, /*object=*/true));
  return HttpResponse{};
}

Result<HttpResponse> ListObjects(Call& call, bool v2) {
  const Query& q = call.query;
  ASSIGN_OR_RETURN(ListEcho echo, CommonListEcho(call));
  ListObjectsRequest request{call.bucket(), echo.prefix, echo.delimiter, "", echo.max_keys};
  if (v2) {
    echo.fetch_owner = q.Get("fetch-owner").value_or("") == "true";
    echo.start_after = q.Get("start-after").value_or("");
    request.start_after = echo.start_after;
    if (auto token = q.Get("continuation-token")) {
      echo.continuation_token = *token;
      auto decoded = Base64Decode(*token);
      if (!decoded || token->empty()) {
        return Status(ErrorCode::kInvalidArgument, "The continuation token provided is incorrect");
      }
      if (*decoded > request.start_after) request.start_after = *decoded;
    }
  } else {
    echo.marker = q.Get("marker").value_or("");
    request.start_after = echo.marker;
  }
  ASSIGN_OR_RETURN(ListObjectsResult result, RunListing(call, request));
  if (!v2) return XmlResponse(RenderListObjectsV1(echo, result));
  std::string next = result.truncated ? Base64Encode(result.next_marker) : "";
  return XmlResponse(RenderListObjectsV2(echo, result, next));
}

Result<HttpResponse> ListObjectVersions(Call& call) {
  const Query& q = call.query;
  ASSIGN_OR_RETURN(ListEcho echo, CommonListEcho(call));
  echo.key_marker = q.Get("key-marker").value_or("");
  echo.version_id_marker = q.Get("version-id-marker").value_or("");
  ListVersionsRequest request{call.bucket(),          echo.prefix,  echo.delimiter, echo.key_marker,
                              echo.version_id_marker, echo.max_keys};
  ASSIGN_OR_RETURN(ListVersionsResult result, call.store.ListObjectVersions(request));
  return XmlResponse(RenderListVersions(echo, result));
}

Result<HttpResponse> DeleteObjects(Call& call) {
  RETURN_IF_ERROR(call.store.HeadBucket(call.bucket()).status());
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "Delete"));
  bool quiet = std::string_view(root.child_value("Quiet")) == "true";
  // Each key (and version), and the ETag it must still have (<ETag>, as If-Match on
  // DeleteObject).
  std::vector<std::pair<ObjectRef, Preconditions>> keys;
  for (auto node : root.children("Object")) {
    if (!node.child("Key")) return Status(ErrorCode::kMalformedXml, "Object without a Key");
    Preconditions conditions;
    if (node.child("ETag")) conditions.if_match = node.child_value("ETag");
    if (node.child("VersionId") && std::string_view(node.child_value("VersionId")).empty()) {
      return Status(ErrorCode::kMalformedXml, "Version id cannot be the empty string");
    }
    keys.emplace_back(ObjectRef{call.account(), call.address.bucket, node.child_value("Key"),
                                node.child_value("VersionId")},
                      std::move(conditions));
  }
  if (keys.empty() || keys.size() > kMaxDeleteKeys) {
    return Status(ErrorCode::kMalformedXml,
                  "The XML you provided was not well-formed or did not validate against our "
                  "published schema");
  }
  std::vector<DeleteOutcome> outcomes;
  for (const auto& [object, conditions] : keys) {
    DeleteOutcome outcome{object.key, "", ""};
    outcome.version_id = object.version_id;
    Status s = CheckObjectKey(object.key);
    if (s.ok()) {
      Result<DeleteObjectResult> done = call.store.DeleteObject(object, conditions);
      s = done.status();
      if (done.ok() && done->delete_marker) {
        outcome.delete_marker = true;
        outcome.marker_version_id = done->version_id;
      }
    }
    // Deleting a missing key succeeds in S3.
    if (!s.ok() && s.code() != ErrorCode::kNoSuchKey) {
      outcome.code = std::string(ToWireError(s.code()).code);
      outcome.message = s.message();
    }
    outcomes.push_back(std::move(outcome));
  }
  return XmlResponse(RenderDeleteResult(outcomes, quiet));
}

}  // namespace tessera::s3
