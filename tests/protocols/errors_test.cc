#include "protocols/s3/errors.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>

namespace tessera::s3 {
namespace {

constexpr int kFirstCode = static_cast<int>(ErrorCode::kOk);
constexpr int kLastCode = static_cast<int>(ErrorCode::kInternal);

TEST(ToWireErrorTest, EveryCodeHasAnHttpStatusAndAWireCode) {
  for (int i = kFirstCode; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    WireError wire = ToWireError(code);
    EXPECT_GE(wire.http_status, 200) << ErrorCodeName(code);
    EXPECT_LT(wire.http_status, 600) << ErrorCodeName(code);
    EXPECT_FALSE(wire.code.empty()) << ErrorCodeName(code);
  }
}

TEST(ToWireErrorTest, OnlyOkIsASuccess) {
  EXPECT_EQ(ToWireError(ErrorCode::kOk).http_status, 200);
  for (int i = kFirstCode + 1; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    EXPECT_GE(ToWireError(code).http_status, 300) << ErrorCodeName(code);
  }
}

TEST(ToWireErrorTest, WireCodesAreS3Identifiers) {
  // S3 error codes are PascalCase ASCII words (e.g. "NoSuchKey", "XAmzContentSHA256Mismatch").
  for (int i = kFirstCode; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    std::string_view wire = ToWireError(code).code;
    ASSERT_FALSE(wire.empty());
    EXPECT_TRUE(wire[0] >= 'A' && wire[0] <= 'Z') << wire;
    for (char c : wire) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
          << wire;
    }
  }
}

void ExpectWire(ErrorCode code, int status, std::string_view wire_code) {
  WireError wire = ToWireError(code);
  EXPECT_EQ(wire.http_status, status) << ErrorCodeName(code);
  EXPECT_EQ(wire.code, wire_code) << ErrorCodeName(code);
}

TEST(ToWireErrorTest, NamespaceErrors) {
  ExpectWire(ErrorCode::kNoSuchKey, 404, "NoSuchKey");
  ExpectWire(ErrorCode::kNoSuchBucket, 404, "NoSuchBucket");
  ExpectWire(ErrorCode::kNoSuchUpload, 404, "NoSuchUpload");
  ExpectWire(ErrorCode::kBucketNotEmpty, 409, "BucketNotEmpty");
  ExpectWire(ErrorCode::kBucketAlreadyExists, 409, "BucketAlreadyExists");
  ExpectWire(ErrorCode::kBucketAlreadyOwnedByYou, 409, "BucketAlreadyOwnedByYou");
  ExpectWire(ErrorCode::kInvalidBucketName, 400, "InvalidBucketName");
}

TEST(ToWireErrorTest, IdentityErrors) {
  ExpectWire(ErrorCode::kSignatureMismatch, 403, "SignatureDoesNotMatch");
  ExpectWire(ErrorCode::kUnknownAccessKey, 403, "InvalidAccessKeyId");
  ExpectWire(ErrorCode::kAccessDenied, 403, "AccessDenied");
  ExpectWire(ErrorCode::kAuthorizationHeaderMalformed, 400, "AuthorizationHeaderMalformed");
}

TEST(ToWireErrorTest, ConditionAndRangeErrors) {
  ExpectWire(ErrorCode::kInvalidRange, 416, "InvalidRange");
  ExpectWire(ErrorCode::kPreconditionFailed, 412, "PreconditionFailed");
  EXPECT_EQ(ToWireError(ErrorCode::kNotModified).http_status, 304);
}

TEST(ToWireErrorTest, RequestShapeErrors) {
  ExpectWire(ErrorCode::kNotImplemented, 501, "NotImplemented");
  ExpectWire(ErrorCode::kMethodNotAllowed, 405, "MethodNotAllowed");
  ExpectWire(ErrorCode::kMissingContentLength, 411, "MissingContentLength");
  ExpectWire(ErrorCode::kMalformedXml, 400, "MalformedXML");
  ExpectWire(ErrorCode::kInvalidArgument, 400, "InvalidArgument");
  ExpectWire(ErrorCode::kInvalidRequest, 400, "InvalidRequest");
  ExpectWire(ErrorCode::kEntityTooLarge, 400, "EntityTooLarge");
  ExpectWire(ErrorCode::kMetadataTooLarge, 400, "MetadataTooLarge");
  ExpectWire(ErrorCode::kIncompleteBody, 400, "IncompleteBody");
  ExpectWire(ErrorCode::kInvalidStorageClass, 400, "InvalidStorageClass");
}

TEST(ToWireErrorTest, IntegrityErrors) {
  ExpectWire(ErrorCode::kPayloadHashMismatch, 400, "XAmzContentSHA256Mismatch");
  ExpectWire(ErrorCode::kInvalidDigest, 400, "InvalidDigest");
  ExpectWire(ErrorCode::kBadDigest, 400, "BadDigest");
  ExpectWire(ErrorCode::kChecksumMismatch, 400, "BadDigest");
}

TEST(ToWireErrorTest, MultipartErrors) {
  ExpectWire(ErrorCode::kEntityTooSmall, 400, "EntityTooSmall");
  ExpectWire(ErrorCode::kInvalidPart, 400, "InvalidPart");
  ExpectWire(ErrorCode::kInvalidPartOrder, 400, "InvalidPartOrder");
}

TEST(ToWireErrorTest, ServiceErrors) {
  ExpectWire(ErrorCode::kSlowDown, 503, "SlowDown");
  ExpectWire(ErrorCode::kInternal, 500, "InternalError");
  ExpectWire(ErrorCode::kDataLoss, 500, "InternalError");
  ExpectWire(ErrorCode::kRequestTimeout, 400, "RequestTimeout");
}

TEST(ErrorResponseTest, BodyCarriesCodeMessageResourceAndRequestId) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNoSuchBucket, "no such bucket"), "/photos", "REQ123", false);
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(response.head);
  EXPECT_EQ(response.Header("Content-Type"), "application/xml");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str())) << response.body;
  pugi::xml_node error = doc.child("Error");
  ASSERT_TRUE(error);
  EXPECT_STREQ(error.child_value("Code"), "NoSuchBucket");
  EXPECT_STREQ(error.child_value("Message"), "no such bucket");
  EXPECT_STREQ(error.child_value("Resource"), "/photos");
  EXPECT_STREQ(error.child_value("RequestId"), "REQ123");
}

TEST(ErrorResponseTest, EveryErrorStatusExceptNotModifiedHasABody) {
  for (int i = kFirstCode + 1; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    HttpResponse response = ErrorResponse(Status(code, "m"), "/b", "R", false);
    EXPECT_EQ(response.status, ToWireError(code).http_status) << ErrorCodeName(code);
    if (code == ErrorCode::kNotModified) continue;
    EXPECT_FALSE(response.body.empty()) << ErrorCodeName(code);
  }
}

TEST(ErrorResponseTest, HeadHasNoBody) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNoSuchKey, "The specified key does not exist."),
                    "/photos/a.jpg", "REQ", true);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(response.head);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.stream, nullptr);
  EXPECT_EQ(response.content_length, 0u);
}

TEST(ErrorResponseTest, NotModifiedHasNoBody) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNotModified, "Not Modified"), "/photos/a.jpg", "REQ", false);
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.stream, nullptr);
  EXPECT_EQ(response.content_length, 0u);
}

}  // namespace
}  // namespace tessera::s3
