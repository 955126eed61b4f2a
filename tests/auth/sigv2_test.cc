#include "auth/sigv2.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "tests/auth/request.h"

namespace tessera::auth {
namespace {

using testing::Headers;
using testing::MakeRequest;

// The examples of the S3 REST authentication guide (Signature Version 2).
constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

AccountDirectory Directory() { return AccountDirectory({Account{kKeyId, kSecret, "", false}}); }

int64_t At(const char* http_date) { return ParseHttpDate(http_date).value(); }

TEST(SigV2Test, ObjectGetOfTheGuide) {
  HttpRequest r = MakeRequest(
      "GET", "/photos/puppy.jpg",
      {{"host", "johnsmith.s3.amazonaws.com"}, {"date", "Tue, 27 Mar 2007 19:36:42 +0000"}});
  Result<std::string> sts = SigV2StringToSign(r, "Tue, 27 Mar 2007 19:36:42 +0000", "johnsmith");
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(*sts, "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg");
  EXPECT_EQ(SigV2Signature(kSecret, *sts), "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
}

TEST(SigV2Test, ObjectPutOfTheGuideSignsTheContentType) {
  HttpRequest r =
      MakeRequest("PUT", "/photos/puppy.jpg",
                  {{"content-type", "image/jpeg"}, {"date", "Tue, 27 Mar 2007 21:15:45 +0000"}});
  Result<std::string> sts = SigV2StringToSign(r, "Tue, 27 Mar 2007 21:15:45 +0000", "johnsmith");
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(SigV2Signature(kSecret, *sts), "MyyxeRY7whkBe+bq8fHCL/2kKUg=");
}

TEST(SigV2Test, AmzHeadersAndSubresourcesAreCanonicalized) {
  HttpRequest r = MakeRequest(
      "PUT", "/bkt/a%20b?uploadId=xyz&partNumber=2&x-id=PutObject&response-content-type=a%2Fb",
      {{"content-md5", "abc=="},
       {"x-amz-meta-b", "two"},
       {"x-amz-meta-a", " one "},
       {"x-amz-meta-b", "three"},
       {"x-amz-date", "Tue, 27 Mar 2007 21:15:45 +0000"}});
  Result<std::string> sts = SigV2StringToSign(r, "", "");
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(*sts,
            "PUT\nabc==\n\n\n"
            "x-amz-date:Tue, 27 Mar 2007 21:15:45 +0000\nx-amz-meta-a:one\n"
            "x-amz-meta-b:two,three\n"
            "/bkt/a%20b?partNumber=2&response-content-type=a/b&uploadId=xyz");
}

TEST(SigV2Test, ABucketsResourceEndsInASlash) {
  for (const char* target : {"/bkt", "/bkt/"}) {
    Result<std::string> sts = SigV2StringToSign(MakeRequest("PUT", target, {}), "d", "");
    ASSERT_TRUE(sts.ok());
    EXPECT_EQ(*sts, "PUT\n\n\nd\n/bkt/") << target;
  }
  Result<std::string> sts = SigV2StringToSign(MakeRequest("GET", "/?versioning", {}), "d", "bkt");
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(*sts, "GET\n\n\nd\n/bkt/?versioning");
  sts = SigV2StringToSign(MakeRequest("GET", "/", {}), "d", "");
  ASSERT_TRUE(sts.ok());
  EXPECT_EQ(*sts, "GET\n\n\nd\n/");
}

TEST(SigV2Test, HeaderSignedRequestsVerifyWithinTheClockSkew) {
  HttpRequest r =
      MakeRequest("GET", "/photos/puppy.jpg",
                  {{"host", "johnsmith.s3.amazonaws.com"},
                   {"date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                   {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="}});
  ASSERT_TRUE(HasSigV2(r));
  const int64_t now = At("Tue, 27 Mar 2007 19:40:00 GMT");
  Result<SigV4Context> ok = VerifySigV2(r, Directory(), now, "johnsmith");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->principal.account, kKeyId);
  EXPECT_FALSE(ok->principal.anonymous);
  EXPECT_EQ(ok->payload_mode, PayloadMode::kUnsigned);
  // The path style names the bucket in the path: another resource, another signature.
  EXPECT_EQ(VerifySigV2(r, Directory(), now, "").status().code(), ErrorCode::kSignatureMismatch);
  EXPECT_EQ(
      VerifySigV2(r, Directory(), At("Tue, 27 Mar 2007 20:00:00 GMT"), "johnsmith").status().code(),
      ErrorCode::kRequestTimeTooSkewed);
  // An x-amz-* header added after signing changes the string to sign.
  HttpRequest added = r;
  added.headers.push_back({"x-amz-meta-evil", "1"});
  EXPECT_EQ(VerifySigV2(added, Directory(), now, "johnsmith").status().code(),
            ErrorCode::kSignatureMismatch);
  HttpRequest unknown = r;
  unknown.headers.back().second = "AWS NOSUCHKEY:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
  EXPECT_EQ(VerifySigV2(unknown, Directory(), now, "johnsmith").status().code(),
            ErrorCode::kUnknownAccessKey);
  HttpRequest malformed = r;
  malformed.headers.back().second = "AWS nocolon";
  EXPECT_EQ(VerifySigV2(malformed, Directory(), now, "johnsmith").status().code(),
            ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SigV2Test, PresignedUrlsOfTheGuideVerifyUntilTheyExpire) {
  HttpRequest r = MakeRequest("GET",
                              "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
                              "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620",
                              {{"host", "johnsmith.s3.amazonaws.com"}});
  ASSERT_TRUE(HasSigV2(r));
  Result<SigV4Context> ok = VerifySigV2(r, Directory(), 1175139000LL * 1000000, "johnsmith");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->presigned);
  EXPECT_EQ(VerifySigV2(r, Directory(), 1175139621LL * 1000000, "johnsmith").status().code(),
            ErrorCode::kRequestExpired);
  HttpRequest later = r;
  later.target =
      "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
      "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139999";
  EXPECT_EQ(VerifySigV2(later, Directory(), 1175139000LL * 1000000, "johnsmith").status().code(),
            ErrorCode::kSignatureMismatch);
  HttpRequest no_expiry = r;
  no_expiry.target = "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x";
  EXPECT_EQ(VerifySigV2(no_expiry, Directory(), 0, "johnsmith").status().code(),
            ErrorCode::kAuthorizationHeaderMalformed);
}

// Signs `resource` (the whole last line) for a GET at `date` with the example key.
std::string SignedGet(const std::string& target, const std::string& resource) {
  return "AWS " + std::string(kKeyId) + ":" +
         SigV2Signature(kSecret, "GET\n\n\nTue, 27 Mar 2007 19:36:42 GMT\n" + resource);
}

TEST(SigV2Test, BotocoresPathStyleResourcesAreAcceptedOnlyForItsStaticQueries) {
  const int64_t now = At("Tue, 27 Mar 2007 19:37:00 GMT");
  auto verify = [&](const std::string& target, const std::string& resource) {
    HttpRequest r = MakeRequest("GET", target,
                                {{"date", "Tue, 27 Mar 2007 19:36:42 GMT"},
                                 {"authorization", SignedGet(target, resource)}});
    return VerifySigV2(r, Directory(), now, "").status().code();
  };
  EXPECT_EQ(verify("/b?list-type=2&prefix=x", "/b/"), ErrorCode::kOk);
  EXPECT_EQ(verify("/b?list-type=2&prefix=x", "/b?list-type=2"), ErrorCode::kOk);
  EXPECT_EQ(verify("/b?versioning", "/b?versioning?versioning"), ErrorCode::kOk);
  EXPECT_EQ(verify("/b/k?uploads", "/b/k?uploads?uploads"), ErrorCode::kOk);
  // Not one of botocore's static queries: only the standard resource.
  EXPECT_EQ(verify("/b/k?versionId=v", "/b/k?versionId=v?versionId=v"),
            ErrorCode::kSignatureMismatch);
  EXPECT_EQ(verify("/b/k?prefix=x", "/b/k?prefix=x"), ErrorCode::kSignatureMismatch);
  EXPECT_EQ(verify("/b/k?versionId=v", "/b/k?versionId=v"), ErrorCode::kOk);
}

TEST(SigV2Test, RepeatedSignedParametersAndHugeExpiriesAreRefused) {
  HttpRequest repeated = MakeRequest("GET", "/b/k?versionId=a&versionId=b", {});
  EXPECT_EQ(SigV2StringToSign(repeated, "d", "").status().code(), ErrorCode::kInvalidArgument);
  HttpRequest huge = MakeRequest(
      "GET", "/b/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x&Expires=99999999999999999", {});
  EXPECT_EQ(VerifySigV2(huge, Directory(), 1, "").status().code(), ErrorCode::kSignatureMismatch);
}

}  // namespace
}  // namespace tessera::auth
