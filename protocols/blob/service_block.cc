
#include "auth/sas.h"
#include "common/encoding.h"
#include "common/time.h"
#include "protocols/blob/render.h"
#include "protocols/blob/service.h"
#include "protocols/tags.h"

namespace tessera::blob {
namespace {

Result<std::string> BlockId(const Call& call) {
  auto id = call.query.Get("blockid");
  auto raw = id ? Base64Decode(*id) : std::nullopt;
  if (!raw || raw->empty() || raw->size() > 64) {
    return Status(ErrorCode::kInvalidArgument, "The specified blob or block content is invalid.");
  }
  return *raw;
}

// The copy source URL as a request on this gateway: its blob and its query (a SAS).
Result<std::pair<ObjectRef, HttpRequest>> ParseCopySource(const Call& call) {
  std::string_view url = call.request.Header("x-ms-copy-source");
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument, "x-ms-copy-source must be an absolute URL.");
  }
  std::string_view rest = url.substr(scheme + 3);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return Status(ErrorCode::kInvalidArgument, "x-ms-copy-source names no blob.");
  }
  HttpRequest source;
  source.method = "GET";
  source.target = std::string(rest.substr(slash));
  source.secure = url.substr(0, scheme) == "https";
  source.headers = {{"host", std::string(rest.substr(0, slash))}};
  ASSIGN_OR_RETURN(Address address, ResolveAddress(source));
  if (address.container.empty() || !IsValidBlobName(address.blob)) {
    return Status(ErrorCode::kInvalidArgument, "x-ms-copy-source names no blob.");
  }
  // ?versionid= in the source URL names the version to copy.
  std::string version_id;
  if (size_t q = source.target.find('?'); q != std::string::npos) {
    ASSIGN_OR_RETURN(Query query, Query::Parse(std::string_view(source.target).substr(q + 1)));
    version_id = query.Get("versionid").value_or("");
  }
  return std::make_pair(
      ObjectRef{address.account, address.container, address.blob, std::move(version_id)},
      std::move(source));
}

// May the caller read the copy source? A SAS in the source URL that grants read, a public
// container, or (asynchronous Copy Blob within one account) the caller's own SharedKey.
Result<ObjectRef> AuthorizedCopySource(Call& call, bool same_account_ok) {
  ASSIGN_OR_RETURN(auto parsed, ParseCopySource(call));
  auto& [ref, source] = parsed;
  if (auth::HasSas(source)) {
    auth::SasContext context;
    context.account = ref.account;
    context.container = ref.bucket;
    context.blob = ref.key;
    context.client_ip = call.request.remote_address;
    context.https = source.secure;
    auto query = Query::Parse(source.RawQuery());
    if (query.ok() && query->Has("si")) {
      auto bucket = call.store.HeadBucket({ref.account, ref.bucket});
      if (bucket.ok()) {
        for (const auto& p : bucket->policies) {
          if (p.id == query->Get("si")) context.policy = p;
        }
      }
    }
    auto grant = auth::VerifySas(source, context, call.accounts, NowMicros());
    if (!grant.ok() || !auth::SasAllows(*grant, 'r', 'o')) {
      return Status(ErrorCode::kCopySourceUnreadable,
                    "The copy source SAS does not grant read access to the source blob.");
    }
    return ref;
  }
  if (same_account_ok && ref.account == call.address.account && !call.sas) return ref;
  auto bucket = call.store.HeadBucket({ref.account, ref.bucket});
  if (bucket.ok() && bucket->public_access != PublicAccess::kNone) return ref;
  return Status(ErrorCode::kCopySourceUnreadable,
                "This request is not authorized to read the copy source.");
}

}  // namespace

Result<HttpResponse> CopyBlob(Call& call, bool sync) {
  ASSIGN_OR_RETURN(ObjectRef source, AuthorizedCopySource(call, !sync));
  GetObjectRequest head{source, std::nullopt, {}};
  ASSIGN_OR_RETURN(ObjectInfo source_info, call.store.HeadObject(head));
  CopyObjectRequest request;
  request.source = source;
  request.destination = call.object();
  request.source_preconditions = ParseConditions(call.request, "x-ms-source-");
  request.destination_preconditions = ParseConditions(call.request);
  // Tags are not copied from the source: the copy has those of x-ms-tags, or none.
  ASSIGN_OR_RETURN(request.tags, ParseTagHeader(call.request.Header("x-ms-tags"), TagRules::kBlob));
  ASSIGN_OR_RETURN(Metadata metadata, ParseMetadata(call.request));
  std::string_view tier = call.request.Header("x-ms-access-tier");
  if (!metadata.empty() || !tier.empty()) {
    // Azure copies content properties from the source and takes metadata from the request
    // when it carries any.
    request.directive = MetadataDirective::kReplace;
    request.attributes.content = source_info.content;
    request.attributes.metadata = metadata.empty() ? source_info.metadata : metadata;
    request.attributes.storage_class = source_info.storage_class;
    if (!tier.empty()) {
      ASSIGN_OR_RETURN(request.attributes.storage_class, TierToStorageClass(tier));
    }
  }
  request.copy_record =
      CopyRecord{NewUuid(), std::string(call.request.Header("x-ms-copy-source")), 0, 0};
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.CopyObject(request));
  HttpResponse response;
  response.status = 202;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.Set("x-ms-copy-id", info.copy ? info.copy->id : request.copy_record->id);
  response.Set("x-ms-copy-status", "success");
  if (sync && !info.content_md5.empty()) {
    response.Set("Content-MD5", Base64Encode(info.content_md5));
  }
  response.content_length = 0;
  return response;
}

Result<HttpResponse> PutBlock(Call& call) {
  ASSIGN_OR_RETURN(std::string id, BlockId(call));
  ASSIGN_OR_RETURN(uint64_t length, ContentLength(call, true));
  if (length > call.options.max_block) {
    return Status(ErrorCode::kEntityTooLarge, "The request body is too large.");
  }
  StageBlockRequest request;
  request.object = call.object();
  request.block_id = id;
  ASSIGN_OR_RETURN(request.expected_md5, ParseMd5Header(call.request));
  ASSIGN_OR_RETURN(request.expected_crc64, ParseCrc64(call.request));
  ASSIGN_OR_RETURN(StagedBlock block, call.store.StageBlock(request, call.raw_body));
  (void)block;
  HttpResponse response;
  response.status = 201;
  if (request.expected_md5) response.Set("Content-MD5", Base64Encode(*request.expected_md5));
  if (request.expected_crc64) {
    response.Set("x-ms-content-crc64", Base64Encode(*request.expected_crc64));
  }
  response.Set("x-ms-request-server-encrypted", "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> PutBlockFromUrl(Call& call) {
  ASSIGN_OR_RETURN(std::string id, BlockId(call));
  ASSIGN_OR_RETURN(ObjectRef source, AuthorizedCopySource(call, false));
  GetObjectRequest get{source, std::nullopt, ParseConditions(call.request, "x-ms-source-")};
  if (call.request.HasHeader("x-ms-source-range")) {
    HttpRequest ranged;
    ranged.headers = {{"x-ms-range", std::string(call.request.Header("x-ms-source-range"))}};
    ASSIGN_OR_RETURN(get.range, ParseBlobRange(ranged));
  }
  ASSIGN_OR_RETURN(ObjectReader reader, call.store.GetObject(get));
  StageBlockRequest request;
  request.object = call.object();
  request.block_id = id;
  ASSIGN_OR_RETURN(StagedBlock block, call.store.StageBlock(request, *reader.body));
  (void)block;
  HttpResponse response;
  response.status = 201;
  response.Set("x-ms-request-server-encrypted", "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> PutBlockList(Call& call) {
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  CommitBlockListRequest request;
  request.object = call.object();
  ASSIGN_OR_RETURN(request.blocks, ParseBlockList(body));
  request.attributes.content = ParseBlobContent(call.request, false);
  ASSIGN_OR_RETURN(request.attributes.metadata, ParseMetadata(call.request));
  ASSIGN_OR_RETURN(request.attributes.storage_class,
                   TierToStorageClass(call.request.Header("x-ms-access-tier")));
  ASSIGN_OR_RETURN(request.attributes.tags,
                   ParseTagHeader(call.request.Header("x-ms-tags"), TagRules::kBlob));
  // Stored as the blob's Content-MD5, not verified (Azure does the same).
  ASSIGN_OR_RETURN(request.content_md5, ParseMd5Header(call.request, "x-ms-blob-content-md5"));
  request.preconditions = ParseConditions(call.request);
  Result<ObjectInfo> committed = call.store.CommitBlockList(request);
  if (!committed.ok() && committed.status().code() == ErrorCode::kPreconditionFailed &&
      request.preconditions.if_none_match == "*") {
    return Status(ErrorCode::kObjectAlreadyExists, "The specified blob already exists.");
  }
  if (!committed.ok()) return committed.status();
  ObjectInfo info = std::move(committed).value();
  HttpResponse response;
  response.status = 201;
  response.Set("ETag", QuotedEtag(info.blob_etag));
  response.Set("Last-Modified", FormatHttpDate(info.last_modified));
  response.Set("x-ms-request-server-encrypted", "true");
  response.content_length = 0;
  return response;
}

Result<HttpResponse> GetBlockList(Call& call) {
  std::string type = call.query.Get("blocklisttype").value_or("committed");
  bool committed = type == "committed" || type == "all";
  bool uncommitted = type == "uncommitted" || type == "all";
  if (!committed && !uncommitted) {
    return Status(ErrorCode::kInvalidArgument,
                  "blocklisttype must be committed, uncommitted or all.");
  }
  ASSIGN_OR_RETURN(BlockList list, call.store.GetBlockList(call.object()));
  HttpResponse response;
  response.body = RenderBlockList(list, committed, uncommitted);
  response.Set("Content-Type", "application/xml");
  if (list.object) {
    response.Set("ETag", QuotedEtag(list.object->blob_etag));
    response.Set("Last-Modified", FormatHttpDate(list.object->last_modified));
    response.Set("x-ms-blob-content-length", std::to_string(list.object->size));
  }
  return response;
}

}  // namespace tessera::blob
