#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "tests/auth/request.h"

namespace tessera::auth {
namespace {

using testing::Headers;
using testing::MakeRequest;

// AWS SigV4 test suite (aws-sig-v4-test-suite): service "service", region us-east-1.
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kSuiteScope[] = "20150830/us-east-1/service/aws4_request";
constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string SuiteSignature(const HttpRequest& r, const std::string& signed_headers,
                           const std::string& payload_hash) {
  Result<std::string> canonical = CanonicalRequest(r, signed_headers, payload_hash, false);
  EXPECT_TRUE(canonical.ok()) << canonical.status().ToString();
  std::string key = DeriveSigningKey(kSuiteSecret, "20150830", "us-east-1", "service");
  return SignatureHex(key, StringToSign(kSuiteDate, kSuiteScope, *canonical));
}

// Amazon S3 API reference examples: "Signature Calculations for the Authorization Header".
constexpr char kS3Key[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kS3Secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kS3Host[] = "examplebucket.s3.amazonaws.com";
constexpr char kS3Cred[] =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,";

AccountDirectory S3Accounts() {
  return AccountDirectory(std::vector<Account>{{kS3Key, kS3Secret}});
}

int64_t S3Now(int64_t plus_seconds = 0) {
  return *ParseAmzDate("20130524T000000Z") + plus_seconds * 1000 * 1000;
}

HttpRequest S3GetObject(const std::string& range = "bytes=0-9") {
  return MakeRequest(
      "GET", "/test.txt",
      {{"host", kS3Host},
       {"range", range},
       {"x-amz-content-sha256", kEmptySha},
       {"x-amz-date", "20130524T000000Z"},
       {"authorization", std::string(kS3Cred) +
                             "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
                             "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}});
}

HttpRequest S3Bucket(const std::string& target, const std::string& signature) {
  return MakeRequest("GET", target,
                     {{"host", kS3Host},
                      {"authorization", std::string(kS3Cred) +
                                            "SignedHeaders=host;x-amz-content-sha256;x-amz-"
                                            "date,Signature=" +
                                            signature},
                      {"x-amz-content-sha256", kEmptySha},
                      {"x-amz-date", "20130524T000000Z"}});
}

constexpr char kPresignQuery[] =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-"
    "east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
    "SignedHeaders=host&X-Amz-Signature="
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

HttpRequest Presigned(const std::string& query = kPresignQuery) {
  return MakeRequest("GET", "/test.txt?" + query, {{"host", kS3Host}});
}

// --- Signing key derivation -------------------------------------------------------------

TEST(SigV4Test, DerivesTheDocumentedIamSigningKey) {
  EXPECT_EQ(HexEncode(DeriveSigningKey(kSuiteSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

// --- AWS SigV4 test suite ---------------------------------------------------------------

TEST(SigV4Test, SuiteGetVanillaCanonicalRequest) {
  HttpRequest r =
      MakeRequest("GET", "/", {{"host", "example.amazonaws.com"}, {"x-amz-date", kSuiteDate}});
  Result<std::string> canonical = CanonicalRequest(r, "host;x-amz-date", kEmptySha, false);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical, std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:") +
                            kSuiteDate + "\n\nhost;x-amz-date\n" + kEmptySha);
}

TEST(SigV4Test, SuiteGetVanillaSignature) {
  HttpRequest r =
      MakeRequest("GET", "/", {{"host", "example.amazonaws.com"}, {"x-amz-date", kSuiteDate}});
  EXPECT_EQ(SuiteSignature(r, "host;x-amz-date", kEmptySha),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, SuiteGetVanillaQueryOrderKeyCase) {
  HttpRequest r = MakeRequest("GET", "/?Param2=value2&Param1=value1",
                              {{"host", "example.amazonaws.com"}, {"x-amz-date", kSuiteDate}});
  EXPECT_EQ(SuiteSignature(r, "host;x-amz-date", kEmptySha),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, SuiteGetHeaderValueTrimCollapsesInnerSpaces) {
  HttpRequest r = MakeRequest("GET", "/",
                              {{"host", "example.amazonaws.com"},
                               {"my-header1", "value1"},
                               {"my-header2", "\"a   b   c\""},
                               {"x-amz-date", kSuiteDate}});
  Result<std::string> canonical =
      CanonicalRequest(r, "host;my-header1;my-header2;x-amz-date", kEmptySha, false);
  ASSERT_TRUE(canonical.ok());
  EXPECT_NE(canonical->find("\nmy-header2:\"a b c\"\n"), std::string::npos) << *canonical;
  EXPECT_EQ(SuiteSignature(r, "host;my-header1;my-header2;x-amz-date", kEmptySha),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4Test, SuitePostXWwwFormUrlencoded) {
  HttpRequest r = MakeRequest("POST", "/",
                              {{"content-type", "application/x-www-form-urlencoded"},
                               {"host", "example.amazonaws.com"},
                               {"x-amz-date", kSuiteDate}});
  std::string payload_hash = HexEncode(Sha256("Param1=value1"));
  EXPECT_EQ(payload_hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(SuiteSignature(r, "content-type;host;x-amz-date", payload_hash),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, RepeatedHeadersJoinWithCommasInArrivalOrder) {
  HttpRequest r = MakeRequest("GET", "/",
                              {{"host", "h"},
                               {"my-header1", "value2"},
                               {"my-header1", "value2"},
                               {"my-header1", "value1"}});
  Result<std::string> canonical = CanonicalRequest(r, "host;my-header1", kEmptySha, false);
  ASSERT_TRUE(canonical.ok());
  EXPECT_NE(canonical->find("\nmy-header1:value2,value2,value1\n"), std::string::npos);
}

// --- Canonical URI and query for S3 -----------------------------------------------------

TEST(SigV4Test, CanonicalPathIsEncodedExactlyOnce) {
  // botocore sends UriEncode(key, keep '/'); a client that leaves '$', '!' or ' ' raw
  // must canonicalise to the same string.
  HttpRequest escaped = MakeRequest("GET", "/bucket/a%20b/%E2%82%AC%2Bx%21%24", {{"host", "h"}});
  HttpRequest raw = MakeRequest("GET", "/bucket/a b/\xE2\x82\xAC%2Bx!$", {{"host", "h"}});
  Result<std::string> a = CanonicalRequest(escaped, "host", kEmptySha, false);
  Result<std::string> b = CanonicalRequest(raw, "host", kEmptySha, false);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->substr(0, a->find('\n', 4)), "GET\n/bucket/a%20b/%E2%82%AC%2Bx%21%24");
  EXPECT_EQ(*a, *b);
}

TEST(SigV4Test, CanonicalPathKeepsEmptySegmentsAndDots) {
  HttpRequest r = MakeRequest("GET", "/bucket//a/./b/../c", {{"host", "h"}});
  Result<std::string> c = CanonicalRequest(r, "host", kEmptySha, false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->substr(0, c->find('\n', 4)), "GET\n/bucket//a/./b/../c");
}

TEST(SigV4Test, CanonicalQuerySortsEncodesAndFillsBareNames) {
  HttpRequest r = MakeRequest("GET", "/b?uploads&prefix=a/b&a=x+y&a=1&z=%7e", {{"host", "h"}});
  Result<std::string> c = CanonicalRequest(r, "host", kEmptySha, false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->substr(0, c->find("\nhost:")), "GET\n/b\na=1&a=x%20y&prefix=a%2Fb&uploads=&z=~");
}

TEST(SigV4Test, BadPercentEscapeIsInvalidArgument) {
  HttpRequest r = MakeRequest("GET", "/b/%zz", {{"host", "h"}});
  Result<std::string> c = CanonicalRequest(r, "host", kEmptySha, false);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

// --- S3 header-signed examples, verified end to end -------------------------------------

TEST(SigV4Test, S3GetObjectWithRangeVerifies) {
  Result<SigV4Context> c = VerifySigV4(S3GetObject(), S3Accounts(), S3Now());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->principal.account, kS3Key);
  EXPECT_FALSE(c->principal.anonymous);
  EXPECT_EQ(c->payload_mode, PayloadMode::kSha256);
  EXPECT_EQ(c->payload_sha256_hex, kEmptySha);
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->scope, "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(c->seed_signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(c->signing_key, DeriveSigningKey(kS3Secret, "20130524", "us-east-1", "s3"));
}

TEST(SigV4Test, S3PutObjectWithDollarInKeyVerifies) {
  std::string payload_hash = HexEncode(Sha256("Welcome to Amazon S3."));
  EXPECT_EQ(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  for (const char* target : {"/test%24file.text", "/test$file.text"}) {
    HttpRequest r = MakeRequest(
        "PUT", target,
        {{"host", kS3Host},
         {"date", "Fri, 24 May 2013 00:00:00 GMT"},
         {"authorization",
          std::string(kS3Cred) +
              "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
              "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
         {"x-amz-date", "20130524T000000Z"},
         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
         {"x-amz-content-sha256", payload_hash}});
    Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
    ASSERT_TRUE(c.ok()) << target << ": " << c.status().ToString();
    EXPECT_EQ(c->payload_mode, PayloadMode::kSha256);
    EXPECT_EQ(c->payload_sha256_hex, payload_hash);
  }
}

TEST(SigV4Test, S3GetBucketLifecycleVerifies) {
  HttpRequest r =
      S3Bucket("/?lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

TEST(SigV4Test, S3ListObjectsVerifies) {
  HttpRequest r = S3Bucket("/?max-keys=2&prefix=J",
                           "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  EXPECT_TRUE(c.ok()) << c.status().ToString();
}

TEST(SigV4Test, S3ListObjectsVerifiesWithQueryInAnyOrder) {
  HttpRequest r = S3Bucket("/?prefix=J&max-keys=2",
                           "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_TRUE(VerifySigV4(r, S3Accounts(), S3Now()).ok());
}

TEST(SigV4Test, S3StreamingSeedSignatureVerifies) {
  HttpRequest r = MakeRequest(
      "PUT", "/examplebucket/chunkObject.txt",
      {{"host", "s3.amazonaws.com"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"authorization",
        std::string(kS3Cred) +
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
            "x-amz-decoded-content-length;x-amz-storage-class,Signature="
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
       {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
       {"content-encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"content-length", "66824"}});
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->payload_mode, PayloadMode::kStreamingSigned);
  EXPECT_EQ(c->seed_signature, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  EXPECT_EQ(c->amz_date, "20130524T000000Z");
}

TEST(SigV4Test, S3StreamingChunkSignaturesChainFromTheSeed) {
  std::string key = DeriveSigningKey(kS3Secret, "20130524", "us-east-1", "s3");
  std::string scope = "20130524/us-east-1/s3/aws4_request";
  std::string seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  std::string first =
      SignatureHex(key, ChunkStringToSign("20130524T000000Z", scope, seed,
                                          HexEncode(Sha256(std::string(65536, 'a')))));
  EXPECT_EQ(first, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  std::string second =
      SignatureHex(key, ChunkStringToSign("20130524T000000Z", scope, first,
                                          HexEncode(Sha256(std::string(1024, 'a')))));
  EXPECT_EQ(second, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  std::string last = SignatureHex(
      key, ChunkStringToSign("20130524T000000Z", scope, second, HexEncode(Sha256(""))));
  EXPECT_EQ(last, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

// --- Presigned URLs ---------------------------------------------------------------------

TEST(SigV4Test, S3PresignedGetVerifies) {
  Result<SigV4Context> c = VerifySigV4(Presigned(), S3Accounts(), S3Now(3600));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->presigned);
  EXPECT_EQ(c->payload_mode, PayloadMode::kUnsigned);
  EXPECT_EQ(c->principal.account, kS3Key);
}

TEST(SigV4Test, PresignedUrlPastExpiresIsExpired) {
  Result<SigV4Context> c = VerifySigV4(Presigned(), S3Accounts(), S3Now(86401));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kRequestExpired);
}

TEST(SigV4Test, PresignedUrlFromTheFutureIsNotYetValid) {
  Result<SigV4Context> c = VerifySigV4(Presigned(), S3Accounts(), S3Now(-3600));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kRequestExpired);
}

TEST(SigV4Test, PresignedExpiresOverAWeekIsMalformed) {
  std::string query = kPresignQuery;
  query.replace(query.find("X-Amz-Expires=86400"), 19, "X-Amz-Expires=604801");
  Result<SigV4Context> c = VerifySigV4(Presigned(query), S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, PresignedWithTamperedPathIsMismatch) {
  HttpRequest r =
      MakeRequest("GET", std::string("/other.txt?") + kPresignQuery, {{"host", kS3Host}});
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kSignatureMismatch);
}

TEST(SigV4Test, PresignedMissingParameterIsMalformed) {
  std::string query = kPresignQuery;
  query.erase(query.find("&X-Amz-Expires=86400"), 20);
  Result<SigV4Context> c = VerifySigV4(Presigned(query), S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

// --- Refusals ---------------------------------------------------------------------------

TEST(SigV4Test, TamperedSignedHeaderIsMismatch) {
  Result<SigV4Context> c = VerifySigV4(S3GetObject("bytes=0-10"), S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kSignatureMismatch);
}

TEST(SigV4Test, WrongSecretIsMismatch) {
  AccountDirectory accounts(std::vector<Account>{{kS3Key, "not-the-secret"}});
  Result<SigV4Context> c = VerifySigV4(S3GetObject(), accounts, S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kSignatureMismatch);
}

TEST(SigV4Test, UnknownAccessKeyIsReported) {
  AccountDirectory accounts(std::vector<Account>{{"someone-else", kS3Secret}});
  Result<SigV4Context> c = VerifySigV4(S3GetObject(), accounts, S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kUnknownAccessKey);
}

TEST(SigV4Test, HeaderAuthWithinFifteenMinutesIsAccepted) {
  EXPECT_TRUE(VerifySigV4(S3GetObject(), S3Accounts(), S3Now(14 * 60)).ok());
  EXPECT_TRUE(VerifySigV4(S3GetObject(), S3Accounts(), S3Now(-14 * 60)).ok());
}

TEST(SigV4Test, HeaderAuthSkewedOverFifteenMinutesIsTooSkewed) {
  for (int64_t skew : {16 * 60, -16 * 60, 60 * 60}) {
    Result<SigV4Context> c = VerifySigV4(S3GetObject(), S3Accounts(), S3Now(skew));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), ErrorCode::kRequestTimeTooSkewed);
  }
}

HttpRequest WithHeader(HttpRequest r, const std::string& name, const std::string& value) {
  for (auto& [n, v] : r.headers) {
    if (n == name) v = value;
  }
  return r;
}

TEST(SigV4Test, AnUnsignedAmzHeaderIsRefused) {
  HttpRequest r = S3GetObject();
  EXPECT_TRUE(VerifySigV4(r, S3Accounts(), S3Now()).ok());
  r.headers.push_back({"x-amz-meta-added", "by a proxy"});
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAccessDenied);
  EXPECT_NE(c.status().message().find("x-amz-meta-added"), std::string::npos);
  // Other unsigned headers are the client's business.
  r.headers.back() = {"user-agent", "curl"};
  EXPECT_TRUE(VerifySigV4(r, S3Accounts(), S3Now()).ok());
}

TEST(SigV4Test, AuthorizationWithoutSignatureIsMalformed) {
  HttpRequest r =
      WithHeader(S3GetObject(), "authorization", std::string(kS3Cred) + "SignedHeaders=host;range");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, CredentialForAnotherServiceIsMalformed) {
  HttpRequest r = WithHeader(
      S3GetObject(), "authorization",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/ec2/aws4_request,"
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, ShortSignatureIsMalformed) {
  HttpRequest r = WithHeader(S3GetObject(), "authorization",
                             std::string(kS3Cred) + "SignedHeaders=host;range,Signature=abc");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, SignedHeadersWithoutHostIsMalformed) {
  HttpRequest r = WithHeader(
      S3GetObject(), "authorization",
      std::string(kS3Cred) + "SignedHeaders=range;x-amz-date,Signature=" + std::string(64, 'a'));
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, UnparseableAmzDateIsMalformed) {
  HttpRequest r = WithHeader(S3GetObject(), "x-amz-date", "2013-05-24 noon");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, ScopeDateDifferentFromRequestDateIsMalformed) {
  HttpRequest r = WithHeader(S3GetObject(), "x-amz-date", "20130525T000000Z");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now(86400));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, UnknownContentSha256ValueIsInvalidArgument) {
  HttpRequest r = WithHeader(S3GetObject(), "x-amz-content-sha256", "SOMETHING-ELSE");
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

TEST(SigV4Test, SignatureVersion2HeaderIsRefusedNotAnonymous) {
  HttpRequest r = MakeRequest("GET", "/b/k",
                              {{"host", "h"}, {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:c2ln"}});
  EXPECT_FALSE(HasSigV4(r));
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV4Test, HeaderAndQueryTogetherAreRefused) {
  HttpRequest r = S3GetObject();
  r.target += std::string("?") + kPresignQuery;
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

// A request signed here with only a Date header: the string-to-sign uses its ISO 8601 form.
TEST(SigV4Test, DateHeaderStandsInForAmzDate) {
  HttpRequest r = MakeRequest("GET", "/b/k",
                              {{"host", "h"},
                               {"date", "Fri, 24 May 2013 00:00:00 GMT"},
                               {"x-amz-content-sha256", kEmptySha}});
  std::string key = DeriveSigningKey(kS3Secret, "20130524", "us-east-1", "s3");
  Result<std::string> canonical =
      CanonicalRequest(r, "date;host;x-amz-content-sha256", kEmptySha, false);
  ASSERT_TRUE(canonical.ok());
  std::string sig = SignatureHex(
      key, StringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", *canonical));
  r.headers.emplace_back("authorization", std::string(kS3Cred) +
                                              "SignedHeaders=date;host;x-amz-content-sha256,"
                                              "Signature=" +
                                              sig);
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->amz_date, "20130524T000000Z");
}

// --- Unsigned requests ------------------------------------------------------------------

TEST(SigV4Test, UnsignedRequestIsAnonymous) {
  HttpRequest r = MakeRequest("GET", "/b/k?versionId=3", {{"host", "h"}});
  EXPECT_FALSE(HasSigV4(r));
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->principal.anonymous);
  EXPECT_EQ(c->payload_mode, PayloadMode::kUnsigned);
  EXPECT_TRUE(c->signing_key.empty());
}

TEST(SigV4Test, HasSigV4SeesHeaderAndQueryForms) {
  EXPECT_TRUE(HasSigV4(S3GetObject()));
  EXPECT_TRUE(HasSigV4(Presigned()));
}

TEST(SigV4Test, UnsignedRequestClaimingSignedStreamingIsRefused) {
  HttpRequest r =
      MakeRequest("PUT", "/b/k",
                  {{"host", "h"}, {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}});
  Result<SigV4Context> c = VerifySigV4(r, S3Accounts(), S3Now());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::auth
