#include "protocols/dialect.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest MakeRequest(std::string target, Headers headers) {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = std::move(headers);
  return request;
}

// Both listener defaults, so a rule that decides is seen to override the default.
void ExpectDetected(const HttpRequest& request, Dialect expected) {
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), expected) << request.target;
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), expected) << request.target;
}

constexpr char kSigV4Auth[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abcd";

// Rule 1: the Authorization scheme.

TEST(DetectDialectTest, SigV4AuthorizationIsS3) {
  ExpectDetected(MakeRequest("/b/k", {{"host", "h"}, {"authorization", kSigV4Auth}}), Dialect::kS3);
}

TEST(DetectDialectTest, SigV2AuthorizationIsS3) {
  ExpectDetected(MakeRequest("/b/k", {{"authorization", "AWS AKIDEXAMPLE:c2lnbmF0dXJl"}}),
                 Dialect::kS3);
}

TEST(DetectDialectTest, SharedKeyAuthorizationIsBlob) {
  ExpectDetected(MakeRequest("/c/b", {{"authorization", "SharedKey acct:c2lnbmF0dXJl"}}),
                 Dialect::kBlob);
  ExpectDetected(MakeRequest("/c/b", {{"authorization", "SharedKeyLite acct:c2lnbmF0dXJl"}}),
                 Dialect::kBlob);
}

TEST(DetectDialectTest, SharedKeyWinsOverAmzHeaders) {
  ExpectDetected(MakeRequest("/c/b", {{"x-amz-date", "20150830T123600Z"},
                                      {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                                      {"authorization", "SharedKey acct:c2ln"}}),
                 Dialect::kBlob);
}

TEST(DetectDialectTest, SigV4WinsOverMsHeaders) {
  ExpectDetected(
      MakeRequest("/b/k", {{"x-ms-version", "2021-08-06"}, {"authorization", kSigV4Auth}}),
      Dialect::kS3);
}

TEST(DetectDialectTest, SigV4WinsOverSasQuery) {
  ExpectDetected(MakeRequest("/b/k?sig=abc&sv=2021-08-06", {{"authorization", kSigV4Auth}}),
                 Dialect::kS3);
}

// Rule 2: presigned URL or SAS query.

TEST(DetectDialectTest, PresignedSignatureIsS3) {
  ExpectDetected(MakeRequest("/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab", {}),
                 Dialect::kS3);
}

TEST(DetectDialectTest, PresignedCredentialIsS3) {
  ExpectDetected(
      MakeRequest("/b/k?X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fs3%2Faws4_request", {}),
      Dialect::kS3);
}

TEST(DetectDialectTest, SigV2PresignedUrlIsS3) {
  ExpectDetected(MakeRequest("/b/k?AWSAccessKeyId=AKID&Expires=1&Signature=ab%3D", {}),
                 Dialect::kS3);
  ExpectDetected(MakeRequest("/b/k", {{"authorization", "AWS AKID:ab="}}), Dialect::kS3);
}

TEST(DetectDialectTest, PresignedSignatureWinsOverMsHeaders) {
  ExpectDetected(MakeRequest("/b/k?X-Amz-Signature=ab", {{"x-ms-version", "2021-08-06"}}),
                 Dialect::kS3);
}

TEST(DetectDialectTest, PresignedParameterNamesAreCaseSensitive) {
  EXPECT_EQ(DetectDialect(MakeRequest("/b/k?x-amz-signature=ab", {}), Dialect::kBlob),
            Dialect::kBlob);
}

TEST(DetectDialectTest, SasSignatureWithVersionIsBlob) {
  ExpectDetected(MakeRequest("/c/b?sv=2021-08-06&sr=b&sp=r&sig=c2ln", {}), Dialect::kBlob);
}

TEST(DetectDialectTest, SasWinsOverAmzHeaders) {
  ExpectDetected(MakeRequest("/c/b?sv=2021-08-06&sig=c2ln", {{"x-amz-date", "20150830T123600Z"}}),
                 Dialect::kBlob);
}

TEST(DetectDialectTest, SigWithoutVersionFallsToDefault) {
  HttpRequest request = MakeRequest("/b/k?sig=c2ln", {{"host", "localhost"}});
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), Dialect::kS3);
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), Dialect::kBlob);
}

TEST(DetectDialectTest, SasParametersMustBeWholeNames) {
  // "signature" and "svc" are not "sig" and "sv".
  HttpRequest request = MakeRequest("/b/k?signature=x&svc=y", {});
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), Dialect::kS3);
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), Dialect::kBlob);
}

// Rule 3: dialect-specific headers.

TEST(DetectDialectTest, MsHeaderIsBlob) {
  ExpectDetected(MakeRequest("/c/b", {{"x-ms-version", "2021-08-06"}}), Dialect::kBlob);
}

TEST(DetectDialectTest, AmzHeaderIsS3) {
  ExpectDetected(MakeRequest("/b/k", {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}), Dialect::kS3);
}

TEST(DetectDialectTest, MsHeaderWinsOverAmzHeaderInEitherOrder) {
  ExpectDetected(MakeRequest("/c/b", {{"x-amz-date", "d"}, {"x-ms-date", "d"}}), Dialect::kBlob);
  ExpectDetected(MakeRequest("/c/b", {{"x-ms-date", "d"}, {"x-amz-date", "d"}}), Dialect::kBlob);
}

TEST(DetectDialectTest, HeadersWinOverHost) {
  ExpectDetected(MakeRequest("/c/b", {{"host", "acct.blob.example.com"}, {"x-amz-date", "d"}}),
                 Dialect::kS3);
}

// Rule 4: Host.

TEST(DetectDialectTest, BlobHostIsBlob) {
  ExpectDetected(MakeRequest("/c/b", {{"host", "acct.blob.example.com"}}), Dialect::kBlob);
  ExpectDetected(MakeRequest("/c/b", {{"host", "Acct.BLOB.example.com:10000"}}), Dialect::kBlob);
}

TEST(DetectDialectTest, HostWithoutBlobLabelIsNotBlob) {
  HttpRequest request = MakeRequest("/c/b", {{"host", "bkt.s3.example.com"}});
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), Dialect::kS3);
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), Dialect::kBlob);
}

// Rule 5: the listener default.

TEST(DetectDialectTest, NothingDecidesSoListenerDefaultApplies) {
  HttpRequest request = MakeRequest("/b/k", {{"host", "localhost:9000"}, {"accept", "*/*"}});
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), Dialect::kS3);
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), Dialect::kBlob);
}

TEST(DetectDialectTest, UnknownAuthorizationSchemeFallsThrough) {
  HttpRequest request = MakeRequest("/b/k", {{"authorization", "Bearer eyJ0eXAi"}});
  EXPECT_EQ(DetectDialect(request, Dialect::kS3), Dialect::kS3);
  EXPECT_EQ(DetectDialect(request, Dialect::kBlob), Dialect::kBlob);
  ExpectDetected(
      MakeRequest("/c/b", {{"authorization", "Bearer eyJ0eXAi"}, {"x-ms-version", "2021-08-06"}}),
      Dialect::kBlob);
}

}  // namespace
}  // namespace tessera
