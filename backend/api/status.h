#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tessera {

// Protocol-neutral error codes. Every dialect maps each of these to its own wire form in
// one exhaustive switch (compiled with -Werror=switch), so adding a code here does not
// build until every dialect has decided how to render it.
enum class ErrorCode {
  kOk = 0,
  // Request shape.
  kInvalidArgument,        // a parameter or header has a bad value
  kInvalidRequest,         // the combination of parameters is not allowed
  kMalformedXml,           // a request body did not parse or did not validate
  kMissingContentLength,   // a body-carrying request without a length
  kRequestHeaderTooLarge,  // header section over the listener's limit
  kEntityTooLarge,         // body or object over the allowed size
  kEntityTooSmall,         // a non-final multipart part under the minimum
  kIncompleteBody,         // the body ended before its declared length
  kMetadataTooLarge,       // user metadata over the allowed size
  kInvalidTag,             // object tags over the limits or with characters not allowed
  kInvalidBucketName,
  kInvalidObjectName,    // key empty, too long or not valid UTF-8
  kInvalidRange,         // range not satisfiable against the object size
  kInvalidDigest,        // a Content-MD5 / checksum header that is not well formed
  kBadDigest,            // Content-MD5 did not match the body
  kChecksumMismatch,     // an x-amz-checksum-* / CRC64 value did not match the body
  kPayloadHashMismatch,  // the signed SHA-256 of the payload did not match the body
  kInvalidPart,          // a listed part is missing or its ETag differs
  kInvalidPartOrder,     // parts not in ascending order
  kInvalidStorageClass,
  kNotImplemented,  // a recognised operation this gateway does not serve yet
  kMethodNotAllowed,
  // Namespace.
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchVersion,  // a version id the key does not have
  kNoSuchUpload,
  kNoSuchTagSet,             // a bucket without tags asked for them (S3)
  kBucketAlreadyExists,      // name taken by another account
  kBucketAlreadyOwnedByYou,  // name taken by the calling account
  kBucketNotEmpty,
  kObjectAlreadyExists,   // a create-only write (If-None-Match: *) found an object
  kCopySourceUnreadable,  // a copy source URL the caller may not read
  // Conditions.
  kPreconditionFailed,
  kNotModified,
  // Identity.
  kAuthorizationHeaderMalformed,
  kUnknownAccessKey,
  kSignatureMismatch,
  kRequestExpired,        // a presigned URL or SAS outside its validity window
  kRequestTimeTooSkewed,  // a signed request's time too far from the server's clock
  kAccessDenied,
  kAccountDisabled,  // the account exists but an operator disabled it
  // Service.
  kRequestTimeout,
  kSlowDown,
  kQuotaExceeded,  // a write would take an account or bucket past its quota
  kDataLoss,       // fewer than k fragments of a stripe could be read
  kInternal,
};

// A status: ErrorCode::kOk, or an error code with a human-readable message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// StatusOr semantics: holds a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT
  Result(ErrorCode code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

std::string_view ErrorCodeName(ErrorCode code);

}  // namespace tessera

#define TESSERA_CONCAT_INNER(a, b) a##b
#define TESSERA_CONCAT(a, b) TESSERA_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)       \
  do {                              \
    ::tessera::Status _st = (expr); \
    if (!_st.ok()) return _st;      \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(TESSERA_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(res, lhs, expr) \
  auto res = (expr);                          \
  if (!res.ok()) return res.status();         \
  lhs = std::move(res).value()
