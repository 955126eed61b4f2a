#include <charconv>

#include "common/encoding.h"
#include "protocols/s3/parse_object.h"
#include "protocols/s3/render.h"
#include "protocols/s3/request.h"
#include "protocols/s3/service.h"
#include "protocols/s3/xml.h"

namespace tessera::s3 {
namespace {

Result<uint32_t> ParsePartNumber(std::string_view text) {
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > 10000) {
    return Status(ErrorCode::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive");
  }
  return n;
}

Result<std::string> UploadId(Call& call) {
  auto id = call.query.Get("uploadId");
  if (!id || id->empty())
    return Status(ErrorCode::kNoSuchUpload, "The specified upload does not exist.");
  return *id;
}

std::string StripQuotes(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

Result<HttpResponse> CreateMultipartUpload(Call& call) {
  RETURN_IF_ERROR(CheckAclHeaders(call, /*object=*/true));
  ASSIGN_OR_RETURN(ObjectAttributes attributes, ParseAttributes(call.request));
  ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksum(call.request));
  attributes.checksum_algorithm = checksum.algorithm;
  ASSIGN_OR_RETURN(MultipartUpload upload,
                   call.store.CreateMultipartUpload(call.object(), attributes));
  HttpResponse response =
      XmlResponse(RenderInitiateMultipart(call.address.bucket, call.address.key, upload.upload_id));
  if (checksum.algorithm != ChecksumAlgorithm::kNone) {
    response.Set("x-amz-checksum-algorithm", std::string(ChecksumName(checksum.algorithm)));
  }
  return response;
}

Result<HttpResponse> UploadPart(Call& call) {
  ASSIGN_OR_RETURN(std::string upload_id, UploadId(call));
  ASSIGN_OR_RETURN(uint32_t part_number,
                   ParsePartNumber(call.query.Get("partNumber").value_or("")));
  ASSIGN_OR_RETURN(ChecksumRequest checksum, ParseChecksum(call.request));
  ASSIGN_OR_RETURN(auto md5, ParseContentMd5(call.request));
  ASSIGN_OR_RETURN(auto payload, OpenPayload(call));
  UploadPartRequest request{call.object(),  upload_id,          part_number,
                            std::move(md5), checksum.algorithm, std::move(checksum.expected)};
  ASSIGN_OR_RETURN(PartInfo part, call.store.UploadPart(request, payload->source()));
  HttpResponse response;
  response.Set("ETag", QuotedEtag(part.etag));
  if (part.checksum.algorithm != ChecksumAlgorithm::kNone) {
    response.Set(ChecksumHeader(part.checksum.algorithm), Base64Encode(part.checksum.value));
  }
  return response;
}

Result<HttpResponse> UploadPartCopy(Call& call) {
  ASSIGN_OR_RETURN(std::string upload_id, UploadId(call));
  ASSIGN_OR_RETURN(uint32_t part_number,
                   ParsePartNumber(call.query.Get("partNumber").value_or("")));
  ASSIGN_OR_RETURN(CopySource source, ParseCopySource(call.request.Header("x-amz-copy-source")));
  UploadPartCopyRequest request;
  request.object = call.object();
  request.upload_id = upload_id;
  request.part_number = part_number;
  request.source = {call.account(), source.bucket, source.key, source.version_id};
  request.source_preconditions = ParsePreconditions(call.request, "x-amz-copy-source-");
  if (call.request.HasHeader("x-amz-copy-source-range")) {
    auto range = ParseRange(call.request.Header("x-amz-copy-source-range"));
    if (!range || !range->first || !range->last) {
      return Status(ErrorCode::kInvalidArgument,
                    "The x-amz-copy-source-range value must be of the form bytes=first-last");
    }
    request.source_range = range;
  }
  ASSIGN_OR_RETURN(PartInfo part, call.store.UploadPartCopy(request));
  return XmlResponse(
      RenderCopyResult("CopyPartResult", part.etag, part.last_modified, part.checksum));
}

Result<HttpResponse> CompleteMultipartUpload(Call& call) {
  ASSIGN_OR_RETURN(std::string upload_id, UploadId(call));
  ASSIGN_OR_RETURN(std::string body, ReadSmallBody(call, call.options.max_xml_body));
  pugi::xml_document doc;
  ASSIGN_OR_RETURN(auto root, ParseBody(doc, body, "CompleteMultipartUpload"));
  CompleteMultipartRequest request;
  request.object = call.object();
  request.upload_id = upload_id;
  request.preconditions = ParsePreconditions(call.request);
  for (auto node : root.children("Part")) {
    ASSIGN_OR_RETURN(uint32_t number, ParsePartNumber(Trim(node.child_value("PartNumber"))));
    request.parts.push_back({number, StripQuotes(node.child_value("ETag"))});
  }
  if (request.parts.empty()) {
    return Status(ErrorCode::kMalformedXml,
                  "The XML you provided was not well-formed or did not validate against our "
                  "published schema");
  }
  ASSIGN_OR_RETURN(ObjectInfo info, call.store.CompleteMultipartUpload(request));
  std::string location = "/" + call.address.bucket + "/" + UriEncode(call.address.key, true);
  HttpResponse response =
      XmlResponse(RenderCompleteMultipart(location, call.address.bucket, call.address.key, info));
  if (info.version_id != "null") response.Set("x-amz-version-id", info.version_id);
  return response;
}

Result<HttpResponse> AbortMultipartUpload(Call& call) {
  ASSIGN_OR_RETURN(std::string upload_id, UploadId(call));
  RETURN_IF_ERROR(call.store.AbortMultipartUpload(call.object(), upload_id));
  HttpResponse response;
  response.status = 204;
  return response;
}

Result<HttpResponse> ListParts(Call& call) {
  ListPartsRequest request;
  request.object = call.object();
  ASSIGN_OR_RETURN(request.upload_id, UploadId(call));
  ASSIGN_OR_RETURN(request.max_parts, ParseMaxKeys(call.query, "max-parts", 1000));
  if (auto marker = call.query.Get("part-number-marker"); marker && !marker->empty()) {
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(marker->data(), marker->data() + marker->size(), n);
    if (ec != std::errc() || p != marker->data() + marker->size()) {
      return Status(ErrorCode::kInvalidArgument, "Invalid part-number-marker");
    }
    request.part_number_marker = n;
  }
  ASSIGN_OR_RETURN(ListPartsResult result, call.store.ListParts(request));
  return XmlResponse(RenderListParts(call.address.bucket, call.account(), request, result));
}

Result<HttpResponse> ListMultipartUploads(Call& call) {
  ListEcho echo;
  echo.bucket = call.address.bucket;
  echo.owner = call.account();
  echo.prefix = call.query.Get("prefix").value_or("");
  echo.delimiter = call.query.Get("delimiter").value_or("");
  auto encoding = call.query.Get("encoding-type");
  echo.url_encoding = encoding && *encoding == "url";
  ListUploadsRequest request;
  request.bucket = call.bucket();
  request.prefix = echo.prefix;
  request.delimiter = echo.delimiter;
  request.key_marker = call.query.Get("key-marker").value_or("");
  request.upload_id_marker = call.query.Get("upload-id-marker").value_or("");
  ASSIGN_OR_RETURN(request.max_uploads, ParseMaxKeys(call.query, "max-uploads", 1000));
  ASSIGN_OR_RETURN(ListUploadsResult result, call.store.ListMultipartUploads(request));
  return XmlResponse(RenderListUploads(echo, request, result));
}

}  // namespace tessera::s3
