#include "protocols/blob/errors.h"

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

#include "common/log.h"
#include "common/time.h"

namespace tessera::blob {

WireError ToWireError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return {200, "OK"};
    case ErrorCode::kInvalidArgument:
      return {400, "InvalidInput"};
    case ErrorCode::kInvalidRequest:
      return {400, "InvalidInput"};
    case ErrorCode::kMalformedXml:
      return {400, "InvalidXmlDocument"};
    case ErrorCode::kMissingContentLength:
      return {411, "MissingContentLengthHeader"};
    case ErrorCode::kRequestHeaderTooLarge:
      return {400, "InvalidHeaderValue"};
    case ErrorCode::kEntityTooLarge:
      return {413, "RequestBodyTooLarge"};
    case ErrorCode::kEntityTooSmall:
      return {400, "InvalidInput"};
    case ErrorCode::kIncompleteBody:
      return {400, "InvalidInput"};
    case ErrorCode::kMetadataTooLarge:
      return {400, "MetadataTooLarge"};
    case ErrorCode::kInvalidTag:
      return {400, "InvalidTag"};
    case ErrorCode::kNoSuchTagSet:
      return {404, "ResourceNotFound"};
    case ErrorCode::kInvalidBucketName:
      return {400, "InvalidResourceName"};
    case ErrorCode::kInvalidObjectName:
      return {400, "InvalidResourceName"};
    case ErrorCode::kInvalidRange:
      return {416, "InvalidRange"};
    case ErrorCode::kInvalidDigest:
      return {400, "InvalidMd5"};
    case ErrorCode::kBadDigest:
      return {400, "Md5Mismatch"};
    case ErrorCode::kChecksumMismatch:
      return {400, "Crc64Mismatch"};
    case ErrorCode::kPayloadHashMismatch:
      return {400, "InvalidInput"};
    case ErrorCode::kInvalidPart:
      return {400, "InvalidBlockList"};
    case ErrorCode::kInvalidPartOrder:
      return {400, "InvalidBlockList"};
    case ErrorCode::kInvalidStorageClass:
      return {400, "InvalidHeaderValue"};
    case ErrorCode::kNotImplemented:
      return {501, "NotImplemented"};
    case ErrorCode::kMethodNotAllowed:
      return {405, "UnsupportedHttpVerb"};
    case ErrorCode::kNoSuchBucket:
      return {404, "ContainerNotFound"};
    case ErrorCode::kNoSuchKey:
    case ErrorCode::kNoSuchVersion:
      return {404, "BlobNotFound"};
    case ErrorCode::kNoSuchUpload:
      return {400, "InvalidBlockList"};
    case ErrorCode::kBucketAlreadyExists:
      return {409, "ContainerAlreadyExists"};
    case ErrorCode::kBucketAlreadyOwnedByYou:
      return {409, "ContainerAlreadyExists"};
    // Blob deletes non-empty containers; only a concurrent write can leave one behind.
    case ErrorCode::kBucketNotEmpty:
      return {409, "ContainerBeingDeleted"};
    case ErrorCode::kObjectAlreadyExists:
      return {409, "BlobAlreadyExists"};
    case ErrorCode::kCopySourceUnreadable:
      return {403, "CannotVerifyCopySource"};
    case ErrorCode::kPreconditionFailed:
      return {412, "ConditionNotMet"};
    case ErrorCode::kNotModified:
      return {304, "ConditionNotMet"};
    case ErrorCode::kAuthorizationHeaderMalformed:
      return {400, "InvalidAuthenticationInfo"};
    case ErrorCode::kUnknownAccessKey:
      return {403, "AuthenticationFailed"};
    case ErrorCode::kSignatureMismatch:
      return {403, "AuthenticationFailed"};
    case ErrorCode::kRequestTimeTooSkewed:
      return {403, "AuthenticationFailed"};
    case ErrorCode::kRequestExpired:
      return {403, "AuthenticationFailed"};
    case ErrorCode::kAccessDenied:
      return {403, "AuthorizationPermissionMismatch"};
    case ErrorCode::kAccountDisabled:
      return {403, "AccountIsDisabled"};
    case ErrorCode::kRequestTimeout:
      return {500, "OperationTimedOut"};
    case ErrorCode::kSlowDown:
      return {503, "ServerBusy"};
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
  if (status.code() == ErrorCode::kSlowDown) {
    return "The server is currently unable to receive requests. Please retry your request.";
  }
  return "The server encountered an internal error. Please retry the request.";
}

HttpResponse ErrorResponse(const Status& status, std::string_view request_id, bool head,
                           std::string_view code_override, std::string_view auth_detail) {
  WireError wire = ToWireError(status.code());
  std::string_view code = code_override.empty() ? wire.code : code_override;
  HttpResponse response;
  response.status = wire.http_status;
  response.head = head;
  response.Set("x-ms-error-code", std::string(code));
  if (head || wire.http_status == 304) {
    response.content_length = 0;
    return response;
  }
  pugi::xml_document doc;
  auto root = doc.append_child("Error");
  root.append_child("Code").text().set(std::string(code).c_str());
  // Azure appends the request id and time to every message.
  std::string message = ClientMessage(status, wire.http_status) +
                        "\nRequestId:" + std::string(request_id) +
                        "\nTime:" + FormatIso8601Millis(NowMicros());
  root.append_child("Message").text().set(message.c_str());
  if (!auth_detail.empty()) {
    root.append_child("AuthenticationErrorDetail").text().set(std::string(auth_detail).c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  response.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + out.str();
  response.Set("Content-Type", "application/xml");
  return response;
}

}  // namespace tessera::blob
