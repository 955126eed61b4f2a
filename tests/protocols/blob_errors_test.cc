#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>
#include <vector>

#include "common/time.h"
#include "protocols/blob/errors.h"

namespace tessera::blob {
namespace {

constexpr int kFirstCode = static_cast<int>(ErrorCode::kOk);
constexpr int kLastCode = static_cast<int>(ErrorCode::kInternal);

void ExpectWire(ErrorCode code, int status, std::string_view wire_code) {
  WireError wire = ToWireError(code);
  EXPECT_EQ(wire.http_status, status) << ErrorCodeName(code);
  EXPECT_EQ(wire.code, wire_code) << ErrorCodeName(code);
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

// ToWireError.

TEST(BlobToWireErrorTest, EveryCodeHasAnHttpStatusAndAWireCode) {
  for (int i = kFirstCode; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    WireError wire = ToWireError(code);
    EXPECT_GE(wire.http_status, 200) << ErrorCodeName(code);
    EXPECT_LT(wire.http_status, 600) << ErrorCodeName(code);
    EXPECT_FALSE(wire.code.empty()) << ErrorCodeName(code);
  }
}

TEST(BlobToWireErrorTest, OnlyOkIsASuccess) {
  EXPECT_EQ(ToWireError(ErrorCode::kOk).http_status, 200);
  for (int i = kFirstCode + 1; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    EXPECT_GE(ToWireError(code).http_status, 300) << ErrorCodeName(code);
  }
}

TEST(BlobToWireErrorTest, WireCodesArePascalCaseIdentifiers) {
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

TEST(BlobToWireErrorTest, NoS3CodesLeakIntoTheBlobDialect) {
  for (int i = kFirstCode; i <= kLastCode; ++i) {
    std::string_view wire = ToWireError(static_cast<ErrorCode>(i)).code;
    for (std::string_view s3 : {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "BucketNotEmpty",
                                "InvalidBucketName", "AccessDenied", "SignatureDoesNotMatch",
                                "InvalidPart", "BadDigest", "PreconditionFailed", "SlowDown"}) {
      EXPECT_NE(wire, s3) << ErrorCodeName(static_cast<ErrorCode>(i));
    }
  }
}

TEST(BlobToWireErrorTest, NamespaceErrors) {
  ExpectWire(ErrorCode::kNoSuchBucket, 404, "ContainerNotFound");
  ExpectWire(ErrorCode::kNoSuchKey, 404, "BlobNotFound");
  ExpectWire(ErrorCode::kBucketAlreadyExists, 409, "ContainerAlreadyExists");
  ExpectWire(ErrorCode::kBucketAlreadyOwnedByYou, 409, "ContainerAlreadyExists");
  ExpectWire(ErrorCode::kInvalidBucketName, 400, "InvalidResourceName");
  ExpectWire(ErrorCode::kInvalidObjectName, 400, "InvalidResourceName");
}

TEST(BlobToWireErrorTest, ConditionErrors) {
  // Write operations: 412; read operations: 304 with the same code.
  ExpectWire(ErrorCode::kPreconditionFailed, 412, "ConditionNotMet");
  ExpectWire(ErrorCode::kNotModified, 304, "ConditionNotMet");
}

TEST(BlobToWireErrorTest, RangeAndBlockErrors) {
  ExpectWire(ErrorCode::kInvalidRange, 416, "InvalidRange");
  ExpectWire(ErrorCode::kInvalidPart, 400, "InvalidBlockList");
  ExpectWire(ErrorCode::kInvalidPartOrder, 400, "InvalidBlockList");
}

TEST(BlobToWireErrorTest, IdentityErrors) {
  ExpectWire(ErrorCode::kSignatureMismatch, 403, "AuthenticationFailed");
  ExpectWire(ErrorCode::kUnknownAccessKey, 403, "AuthenticationFailed");
  ExpectWire(ErrorCode::kRequestExpired, 403, "AuthenticationFailed");
  ExpectWire(ErrorCode::kAccessDenied, 403, "AuthorizationPermissionMismatch");
  ExpectWire(ErrorCode::kAuthorizationHeaderMalformed, 400, "InvalidAuthenticationInfo");
}

TEST(BlobToWireErrorTest, IntegrityErrors) {
  ExpectWire(ErrorCode::kBadDigest, 400, "Md5Mismatch");
  ExpectWire(ErrorCode::kChecksumMismatch, 400, "Crc64Mismatch");
  ExpectWire(ErrorCode::kInvalidDigest, 400, "InvalidMd5");
}

TEST(BlobToWireErrorTest, RequestShapeErrors) {
  ExpectWire(ErrorCode::kMalformedXml, 400, "InvalidXmlDocument");
  ExpectWire(ErrorCode::kMissingContentLength, 411, "MissingContentLengthHeader");
  ExpectWire(ErrorCode::kEntityTooLarge, 413, "RequestBodyTooLarge");
  ExpectWire(ErrorCode::kInvalidArgument, 400, "InvalidInput");
  ExpectWire(ErrorCode::kMethodNotAllowed, 405, "UnsupportedHttpVerb");
  ExpectWire(ErrorCode::kNotImplemented, 501, "NotImplemented");
}

TEST(BlobToWireErrorTest, MetadataTooLargeHasItsOwnCode) {
  ExpectWire(ErrorCode::kMetadataTooLarge, 400, "MetadataTooLarge");
}

TEST(BlobToWireErrorTest, ServiceErrors) {
  ExpectWire(ErrorCode::kSlowDown, 503, "ServerBusy");
  ExpectWire(ErrorCode::kRequestTimeout, 500, "OperationTimedOut");
  ExpectWire(ErrorCode::kInternal, 500, "InternalError");
  ExpectWire(ErrorCode::kDataLoss, 500, "InternalError");
}

// ErrorResponse.

TEST(BlobErrorResponseTest, EveryErrorHasTheErrorCodeHeader) {
  for (int i = kFirstCode + 1; i <= kLastCode; ++i) {
    ErrorCode code = static_cast<ErrorCode>(i);
    for (bool head : {false, true}) {
      HttpResponse response = ErrorResponse(Status(code, "m"), "R", head);
      EXPECT_EQ(response.status, ToWireError(code).http_status) << ErrorCodeName(code);
      EXPECT_EQ(response.Header("x-ms-error-code"), ToWireError(code).code) << ErrorCodeName(code);
      bool body_expected = !head && code != ErrorCode::kNotModified;
      EXPECT_EQ(!response.body.empty(), body_expected) << ErrorCodeName(code) << " head=" << head;
    }
  }
}

TEST(BlobErrorResponseTest, BodyCarriesCodeAndMessageWithRequestIdAndTime) {
  int64_t before = NowMicros();
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNoSuchBucket, "The specified container does not exist."),
                    "4f1c7b0e-001e-0000-7a1b-6bd8c2000000", false);
  int64_t after = NowMicros();
  EXPECT_EQ(response.status, 404);
  EXPECT_FALSE(response.head);
  EXPECT_EQ(response.Header("Content-Type"), "application/xml");
  EXPECT_EQ(response.Header("x-ms-error-code"), "ContainerNotFound");
  EXPECT_TRUE(response.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error>"))
      << response.body;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str())) << response.body;
  pugi::xml_node error = doc.child("Error");
  ASSERT_TRUE(error);
  EXPECT_STREQ(error.child_value("Code"), "ContainerNotFound");
  EXPECT_FALSE(error.child("AuthenticationErrorDetail"));
  std::vector<std::string> lines = Lines(error.child_value("Message"));
  ASSERT_EQ(lines.size(), 3u) << error.child_value("Message");
  EXPECT_EQ(lines[0], "The specified container does not exist.");
  EXPECT_EQ(lines[1], "RequestId:4f1c7b0e-001e-0000-7a1b-6bd8c2000000");
  ASSERT_TRUE(lines[2].starts_with("Time:")) << lines[2];
  std::optional<int64_t> time = ParseIso8601(lines[2].substr(5));
  ASSERT_TRUE(time.has_value()) << lines[2];
  // Millisecond resolution: allow the truncation below `before`.
  EXPECT_GE(*time, before - 1000);
  EXPECT_LE(*time, after);
}

TEST(BlobErrorResponseTest, AuthenticationErrorDetailWhenGiven) {
  HttpResponse response = ErrorResponse(
      Status(ErrorCode::kSignatureMismatch, "Server failed to authenticate."), "R1", false, {},
      "The MAC signature found in the HTTP request 'abc' is not the same as any "
      "computed signature.");
  EXPECT_EQ(response.status, 403);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str())) << response.body;
  pugi::xml_node error = doc.child("Error");
  EXPECT_STREQ(error.child_value("Code"), "AuthenticationFailed");
  EXPECT_STREQ(error.child_value("AuthenticationErrorDetail"),
               "The MAC signature found in the HTTP request 'abc' is not the same as any "
               "computed signature.");
  // Code, Message, then the detail.
  EXPECT_STREQ(error.first_child().name(), "Code");
  EXPECT_STREQ(error.first_child().next_sibling().name(), "Message");
  EXPECT_STREQ(error.last_child().name(), "AuthenticationErrorDetail");
}

TEST(BlobErrorResponseTest, CodeOverrideReplacesHeaderAndBodyCodeButNotStatus) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kInvalidArgument, "bad"), "R", false, "InvalidBlobType");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("x-ms-error-code"), "InvalidBlobType");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str()));
  EXPECT_STREQ(doc.child("Error").child_value("Code"), "InvalidBlobType");
}

TEST(BlobErrorResponseTest, MessageIsEscaped) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kMalformedXml, "bad <BlockList> & \"more\""), "R", false);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(response.body.c_str())) << response.body;
  EXPECT_EQ(Lines(doc.child("Error").child_value("Message"))[0], "bad <BlockList> & \"more\"");
}

TEST(BlobErrorResponseTest, HeadHasNoBody) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNoSuchKey, "The specified blob does not exist."), "R", true);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(response.head);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.stream, nullptr);
  EXPECT_EQ(response.content_length, 0u);
  EXPECT_EQ(response.Header("x-ms-error-code"), "BlobNotFound");
}

TEST(BlobErrorResponseTest, NotModifiedHasNoBody) {
  HttpResponse response =
      ErrorResponse(Status(ErrorCode::kNotModified, "not modified"), "R", false);
  EXPECT_EQ(response.status, 304);
  EXPECT_FALSE(response.head);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.stream, nullptr);
  EXPECT_EQ(response.content_length, 0u);
  EXPECT_EQ(response.Header("x-ms-error-code"), "ConditionNotMet");
}

}  // namespace
}  // namespace tessera::blob
