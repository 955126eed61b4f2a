#include "protocols/s3/errors.h"

#include <cstdio>
#include <string>

#include "common/log.h"
#include "protocols/s3/xml.h"

namespace tessera::s3 {

WireError ToWireError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return {200, "OK"};
    case ErrorCode::kInvalidArgument:
      return {400, "InvalidArgument"};
    case ErrorCode::kInvalidRequest:
      return {400, "InvalidRequest"};
    case ErrorCode::kMalformedXml:
      return {400, "MalformedXML"};
    case ErrorCode::kMissingContentLength:
      return {411, "MissingContentLength"};
    case ErrorCode::kRequestHeaderTooLarge:
      return {400, "RequestHeaderSectionTooLarge"};
    case ErrorCode::kEntityTooLarge:
      return {400, "EntityTooLarge"};
    case ErrorCode::kEntityTooSmall:
      return {400, "EntityTooSmall"};
    case ErrorCode::kIncompleteBody:
      return {400, "IncompleteBody"};
    case ErrorCode::kMetadataTooLarge:
      return {400, "MetadataTooLarge"};
    case ErrorCode::kInvalidTag:
      return {400, "InvalidTag"};
    case ErrorCode::kNoSuchTagSet:
      return {404, "NoSuchTagSet"};
    case ErrorCode::kInvalidBucketName:
      return {400, "InvalidBucketName"};
    case ErrorCode::kInvalidObjectName:
      return {400, "KeyTooLongError"};
    case ErrorCode::kInvalidRange:
      return {416, "InvalidRange"};
    case ErrorCode::kInvalidDigest:
      return {400, "InvalidDigest"};
    case ErrorCode::kBadDigest:
      return {400, "BadDigest"};
    case ErrorCode::kChecksumMismatch:
      return {400, "BadDigest"};
    case ErrorCode::kPayloadHashMismatch:
      return {400, "XAmzContentSHA256Mismatch"};
    case ErrorCode::kInvalidPart:
      return {400, "InvalidPart"};
    case ErrorCode::kInvalidPartOrder:
      return {400, "InvalidPartOrder"};
    case ErrorCode::kInvalidStorageClass:
      return {400, "InvalidStorageClass"};
    case ErrorCode::kNotImplemented:
      return {501, "NotImplemented"};
    case ErrorCode::kMethodNotAllowed:
      return {405, "MethodNotAllowed"};
    case ErrorCode::kNoSuchBucket:
      return {404, "NoSuchBucket"};
    case ErrorCode::kNoSuchKey:
      return {404, "NoSuchKey"};
    case ErrorCode::kNoSuchVersion:
      return {404, "NoSuchVersion"};
    case ErrorCode::kNoSuchUpload:
      return {404, "NoSuchUpload"};
    case ErrorCode::kBucketAlreadyExists:
      return {409, "BucketAlreadyExists"};
    case ErrorCode::kBucketAlreadyOwnedByYou:
      return {409, "BucketAlreadyOwnedByYou"};
    case ErrorCode::kBucketNotEmpty:
      return {409, "BucketNotEmpty"};
    case ErrorCode::kObjectAlreadyExists:
      return {412, "PreconditionFailed"};
    case ErrorCode::kCopySourceUnreadable:
      return {403, "AccessDenied"};
    case ErrorCode::kPreconditionFailed:
      return {412, "PreconditionFailed"};
    case ErrorCode::kNotModified:
      return {304, "NotModified"};
    case ErrorCode::kAuthorizationHeaderMalformed:
      return {400, "AuthorizationHeaderMalformed"};
    case ErrorCode::kUnknownAccessKey:
      return {403, "InvalidAccessKeyId"};
    case ErrorCode::kSignatureMismatch:
      return {403, "SignatureDoesNotMatch"};
    case ErrorCode::kRequestTimeTooSkewed:
      return {403, "RequestTimeTooSkewed"};
    case ErrorCode::kRequestExpired:
      return {403, "AccessDenied"};
    case ErrorCode::kAccessDenied:
      return {403, "AccessDenied"};
    case ErrorCode::kAccountDisabled:
      return {403, "AllAccessDisabled"};
    case ErrorCode::kRequestTimeout:
      return {400, "RequestTimeout"};
    case ErrorCode::kSlowDown:
      return {503, "SlowDown"};
    case ErrorCode::kQuotaExceeded:
      return {403, "QuotaExceeded"};
    case ErrorCode::kDataLoss:
      return {500, "InternalError"};
    case ErrorCode::kInternal:
      return {500, "InternalError"};
  }
  return {500, "InternalError"};
}

// What a client is told. Server-side failures (5xx) say what kind of failure it was and
// nothing about the server (no paths, drives or internals); the detail goes to the log.
static std::string ClientMessage(const Status& status, int http_status) {
  if (http_status < 500) return status.message();
  Log(LogLevel::kError, "%s\n", status.ToString().c_str());
  if (status.code() == ErrorCode::kSlowDown) return "Please reduce your request rate.";
  return "We encountered an internal error. Please try again.";
}

HttpResponse ErrorResponse(const Status& status, std::string_view resource,
                           std::string_view request_id, bool head, std::string_view bucket,
                           std::string_view key) {
  WireError wire = ToWireError(status.code());
  HttpResponse response;
  response.status = wire.http_status;
  response.head = head;
  // 304 carries no body; HEAD responses never do.
  if (wire.http_status == 304 || head) {
    response.content_length = 0;
    return response;
  }
  pugi::xml_document doc;
  auto root = NewDocument(doc, "Error", /*bare=*/true);
  AddText(root, "Code", wire.code);
  AddText(root, "Message", ClientMessage(status, wire.http_status));
  switch (status.code()) {
    case ErrorCode::kNoSuchBucket:
    case ErrorCode::kBucketNotEmpty:
    case ErrorCode::kBucketAlreadyExists:
    case ErrorCode::kBucketAlreadyOwnedByYou:
    case ErrorCode::kInvalidBucketName:
      if (!bucket.empty()) AddText(root, "BucketName", bucket);
      break;
    case ErrorCode::kNoSuchKey:
    case ErrorCode::kNoSuchVersion:
      if (!key.empty()) AddText(root, "Key", key);
      break;
    default:
      break;
  }
  AddText(root, "Resource", resource);
  AddText(root, "RequestId", request_id);
  response.body = Serialize(doc);
  response.Set("Content-Type", "application/xml");
  return response;
}

}  // namespace tessera::s3
