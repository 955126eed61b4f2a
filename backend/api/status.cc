#include "backend/api/status.h"

namespace tessera {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "Ok";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kInvalidRequest:
      return "InvalidRequest";
    case ErrorCode::kMalformedXml:
      return "MalformedXml";
    case ErrorCode::kMissingContentLength:
      return "MissingContentLength";
    case ErrorCode::kRequestHeaderTooLarge:
      return "RequestHeaderTooLarge";
    case ErrorCode::kEntityTooLarge:
      return "EntityTooLarge";
    case ErrorCode::kEntityTooSmall:
      return "EntityTooSmall";
    case ErrorCode::kIncompleteBody:
      return "IncompleteBody";
    case ErrorCode::kMetadataTooLarge:
      return "MetadataTooLarge";
    case ErrorCode::kInvalidTag:
      return "InvalidTag";
    case ErrorCode::kNoSuchTagSet:
      return "NoSuchTagSet";
    case ErrorCode::kInvalidBucketName:
      return "InvalidBucketName";
    case ErrorCode::kInvalidObjectName:
      return "InvalidObjectName";
    case ErrorCode::kInvalidRange:
      return "InvalidRange";
    case ErrorCode::kInvalidDigest:
      return "InvalidDigest";
    case ErrorCode::kBadDigest:
      return "BadDigest";
    case ErrorCode::kChecksumMismatch:
      return "ChecksumMismatch";
    case ErrorCode::kPayloadHashMismatch:
      return "PayloadHashMismatch";
    case ErrorCode::kInvalidPart:
      return "InvalidPart";
    case ErrorCode::kInvalidPartOrder:
      return "InvalidPartOrder";
    case ErrorCode::kInvalidStorageClass:
      return "InvalidStorageClass";
    case ErrorCode::kNotImplemented:
      return "NotImplemented";
    case ErrorCode::kMethodNotAllowed:
      return "MethodNotAllowed";
    case ErrorCode::kNoSuchBucket:
      return "NoSuchBucket";
    case ErrorCode::kNoSuchKey:
      return "NoSuchKey";
    case ErrorCode::kNoSuchVersion:
      return "NoSuchVersion";
    case ErrorCode::kNoSuchUpload:
      return "NoSuchUpload";
    case ErrorCode::kBucketAlreadyExists:
      return "BucketAlreadyExists";
    case ErrorCode::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case ErrorCode::kBucketNotEmpty:
      return "BucketNotEmpty";
    case ErrorCode::kObjectAlreadyExists:
      return "ObjectAlreadyExists";
    case ErrorCode::kCopySourceUnreadable:
      return "CopySourceUnreadable";
    case ErrorCode::kPreconditionFailed:
      return "PreconditionFailed";
    case ErrorCode::kNotModified:
      return "NotModified";
    case ErrorCode::kAuthorizationHeaderMalformed:
      return "AuthorizationHeaderMalformed";
    case ErrorCode::kUnknownAccessKey:
      return "UnknownAccessKey";
    case ErrorCode::kSignatureMismatch:
      return "SignatureMismatch";
    case ErrorCode::kRequestExpired:
      return "RequestExpired";
    case ErrorCode::kRequestTimeTooSkewed:
      return "RequestTimeTooSkewed";
    case ErrorCode::kAccessDenied:
      return "AccessDenied";
    case ErrorCode::kAccountDisabled:
      return "AccountDisabled";
    case ErrorCode::kRequestTimeout:
      return "RequestTimeout";
    case ErrorCode::kSlowDown:
      return "SlowDown";
    case ErrorCode::kQuotaExceeded:
      return "QuotaExceeded";
    case ErrorCode::kDataLoss:
      return "DataLoss";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace tessera
