#include "auth/shared_key.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/time.h"
#include "tests/auth/request.h"

namespace tessera::auth {
namespace {

// Reference values: strings-to-sign and signatures below marked "SDK" were produced offline by
// the Azure Storage Blob Python SDK 12.15.0b1 (Debian python3-azure-storage 20230112+git-1,
// SharedKeyCredentialPolicy.on_request over azure.core HttpRequest objects, no network); those
// marked "docs" are strings written from the REST docs' rules and signed with Python's hmac.
constexpr char kAccount[] = "devstoreaccount1";
constexpr char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr char kDate[] = "Fri, 26 Jun 2015 23:39:12 GMT";
constexpr char kIpHost[] = "127.0.0.1:10000";

using testing::Headers;
using testing::MakeRequest;

AccountDirectory Accounts() {
  return AccountDirectory(std::vector<Account>{{kAccount, kKey}, {"s3only", "not base64 !"}});
}

int64_t Now(int64_t plus_seconds = 0) { return *ParseHttpDate(kDate) + plus_seconds * 1000 * 1000; }

void Authorize(HttpRequest& r, const std::string& scheme, const std::string& signature) {
  r.headers.emplace_back("authorization", scheme + " " + kAccount + ":" + signature);
}

// SDK: GET http://127.0.0.1:10000/devstoreaccount1/mycontainer?restype=container&comp=metadata
HttpRequest GetContainerMetadata() {
  return MakeRequest("GET",
                     "/devstoreaccount1/mycontainer?restype=container&comp=metadata&timeout=20",
                     {{"host", kIpHost}, {"x-ms-date", kDate}, {"x-ms-version", "2015-02-21"}});
}
constexpr char kGetContainerMetadataSts[] =
    "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n"
    "/devstoreaccount1/devstoreaccount1/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20";
constexpr char kGetContainerMetadataSig[] = "8qkllG2KRigfHAuoixCLQgQEAuR65sidBFzzvqadckM=";

TEST(SharedKeyTest, SdkVectorPathStyleDoublesTheAccount) {
  HttpRequest r = GetContainerMetadata();
  EXPECT_EQ(BlobStringToSign(r, kAccount), kGetContainerMetadataSts);
  EXPECT_EQ(SignSharedKey(kKey, kGetContainerMetadataSts), kGetContainerMetadataSig);
  Authorize(r, "SharedKey", kGetContainerMetadataSig);
  EXPECT_TRUE(HasSharedKey(r));
  Result<SharedKeyResult> result = VerifySharedKey(r, kAccount, Accounts(), Now());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->principal.account, kAccount);
  EXPECT_FALSE(result->principal.anonymous);
  EXPECT_EQ(result->string_to_sign, kGetContainerMetadataSts);
}

TEST(SharedKeyTest, PathStyleAlsoAcceptsTheSingleAccountForm) {
  HttpRequest r = GetContainerMetadata();
  std::string single =
      "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
      "x-ms-version:2015-02-21\n/devstoreaccount1/mycontainer\ncomp:metadata\nrestype:container\n"
      "timeout:20";
  Authorize(r, "SharedKey", SignSharedKey(kKey, single));
  Result<SharedKeyResult> result = VerifySharedKey(r, kAccount, Accounts(), Now());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->string_to_sign, single);
}

TEST(SharedKeyTest, HostStyleSignsThePathOnlyOnce) {
  // SDK: GET https://devstoreaccount1.blob.core.windows.net/mycontainer/dir/blob.bin?snapshot=..
  HttpRequest r =
      MakeRequest("GET", "/mycontainer/dir/blob.bin?snapshot=2011-03-09T01%3A42%3A34.9360000Z",
                  {{"host", "devstoreaccount1.blob.core.windows.net"},
                   {"x-ms-date", kDate},
                   {"x-ms-version", "2021-12-02"},
                   {"x-ms-range", "bytes=0-1023"},
                   {"if-none-match", "\"0x8CB171BA9E94B0B\""},
                   {"if-modified-since", "Thu, 25 Jun 2015 23:39:12 GMT"}});
  EXPECT_EQ(BlobStringToSign(r, kAccount),
            "GET\n\n\n\n\n\n\nThu, 25 Jun 2015 23:39:12 GMT\n\n\"0x8CB171BA9E94B0B\"\n\n\n"
            "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-range:bytes=0-1023\n"
            "x-ms-version:2021-12-02\n"
            "/devstoreaccount1/mycontainer/dir/blob.bin\nsnapshot:2011-03-09T01:42:34.9360000Z");
  Authorize(r, "SharedKey", "hHafb1Sa5MNfGupPCdlb11zoS/7H2FY0dJjG2CTeI2Y=");
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok());

  // Host-style: a container that happens to share the account's name is not stripped.
  HttpRequest h = MakeRequest("GET", "/devstoreaccount1/b",
                              {{"host", "devstoreaccount1.blob.x"}, {"x-ms-date", kDate}});
  std::string wrong = BlobStringToSign(h, kAccount);
  wrong.replace(wrong.find("/devstoreaccount1/devstoreaccount1/b"), 36, "/devstoreaccount1/b");
  Authorize(h, "SharedKey", SignSharedKey(kKey, wrong));
  EXPECT_EQ(VerifySharedKey(h, kAccount, Accounts(), Now()).status().code(),
            ErrorCode::kSignatureMismatch);
}

TEST(SharedKeyTest, RangeHeaderIsSignedOnItsOwnLine) {
  // docs: the twelfth line is Range. (The Python SDK leaves that line empty and sends
  // x-ms-range instead, which lands in CanonicalizedHeaders.)
  HttpRequest r =
      MakeRequest("GET", "/devstoreaccount1/c/b", {{"x-ms-date", kDate}, {"range", "bytes=0-9"}});
  EXPECT_EQ(BlobStringToSign(r, kAccount),
            "GET\n\n\n\n\n\n\n\n\n\n\nbytes=0-9\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
            "/devstoreaccount1/devstoreaccount1/c/b");
}

TEST(SharedKeyTest, SdkVectorContentHeadersAndCanonicalizedHeaders) {
  // SDK: PUT .../mycontainer/my%20blob.txt; the path is signed as sent (still encoded) and
  // x-ms-* headers are lowercased and sorted.
  HttpRequest r = MakeRequest("PUT", "/devstoreaccount1/mycontainer/my%20blob.txt",
                              {{"host", kIpHost},
                               {"x-ms-version", "2021-12-02"},
                               {"x-ms-meta-color", "blue"},
                               {"content-length", "11"},
                               {"x-ms-date", kDate},
                               {"content-type", "text/plain; charset=UTF-8"},
                               {"content-md5", "sQqNsWTgdUEFt6mb5y4/5Q=="},
                               {"x-ms-client-request-id", "abc"},
                               {"x-ms-blob-type", "BlockBlob"}});
  EXPECT_EQ(
      BlobStringToSign(r, kAccount),
      "PUT\n\n\n11\nsQqNsWTgdUEFt6mb5y4/5Q==\ntext/plain; charset=UTF-8\n\n\n\n\n\n\n"
      "x-ms-blob-type:BlockBlob\nx-ms-client-request-id:abc\n"
      "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-meta-color:blue\n"
      "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/mycontainer/my%20blob.txt");
  Authorize(r, "SharedKey", "flEe+luJeRwl/BbUUj865pE6KHepxR/zhvc3PflE20k=");
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok());
}

TEST(SharedKeyTest, HeaderValuesAreAcceptedAsSentOrWithWhitespaceFolded) {
  HttpRequest base = MakeRequest(
      "GET", "/devstoreaccount1/c/b",
      {{"host", kIpHost}, {"x-ms-date", kDate}, {"x-ms-meta-note", "a  \t b \"x  y\""}});
  std::string as_sent = BlobStringToSign(base, kAccount);
  EXPECT_NE(as_sent.find("x-ms-meta-note:a  \t b \"x  y\"\n"), std::string::npos);
  std::string folded = as_sent;
  folded.replace(folded.find("a  \t b"), 6, "a b");
  EXPECT_NE(folded.find("x-ms-meta-note:a b \"x  y\"\n"), std::string::npos);  // quotes kept
  for (const std::string& sts : {as_sent, folded}) {
    HttpRequest r = base;
    Authorize(r, "SharedKey", SignSharedKey(kKey, sts));
    EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok()) << sts;
  }
  // Folding inside the quoted string is not what either rule does.
  std::string bad = folded;
  bad.replace(bad.find("\"x  y\""), 6, "\"x y\"");
  HttpRequest r = base;
  Authorize(r, "SharedKey", SignSharedKey(kKey, bad));
  EXPECT_EQ(VerifySharedKey(r, kAccount, Accounts(), Now()).status().code(),
            ErrorCode::kSignatureMismatch);
}

TEST(SharedKeyTest, RepeatedHeadersJoinAndSortWithHyphenFirst) {
  HttpRequest r = MakeRequest("GET", "/devstoreaccount1/c",
                              {{"x-ms-meta-b", "2"},
                               {"x-ms-meta_a", "u"},
                               {"x-ms-meta-a", "1"},
                               {"x-ms-meta-b", "3"},
                               {"x-ms-date", kDate}});
  // The service's order puts '-' before '_' and '_' before letters.
  EXPECT_NE(BlobStringToSign(r, kAccount)
                .find("x-ms-date:" + std::string(kDate) +
                      "\nx-ms-meta-a:1\nx-ms-meta-b:2,3\nx-ms-meta_a:u\n/devstoreaccount1/"),
            std::string::npos)
      << BlobStringToSign(r, kAccount);
}

TEST(SharedKeyTest, ZeroContentLengthIsEmptyFrom20150221) {
  // SDK: PUT .../mycontainer?restype=container with Content-Length: 0.
  HttpRequest r = MakeRequest("PUT", "/devstoreaccount1/mycontainer?restype=container",
                              {{"host", kIpHost},
                               {"x-ms-date", kDate},
                               {"x-ms-version", "2021-12-02"},
                               {"content-length", "0"}});
  EXPECT_EQ(BlobStringToSign(r, kAccount),
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
            "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/mycontainer\n"
            "restype:container");
  Authorize(r, "SharedKey", "wuxVfVQ5PEjGG/XWO6Otj8MK8n4uduHIrwEkflkWNaU=");
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok());

  // docs: before 2015-02-21 the zero is signed.
  HttpRequest old = MakeRequest("PUT", "/devstoreaccount1/mycontainer?restype=container",
                                {{"host", kIpHost},
                                 {"x-ms-date", kDate},
                                 {"x-ms-version", "2014-02-14"},
                                 {"content-length", "0"}});
  EXPECT_EQ(BlobStringToSign(old, kAccount).substr(0, 8), "PUT\n\n\n0\n");
  Authorize(old, "SharedKey", "r+Q/4xsxl0JypVt4S0p8lujLYRcVgaNCpl8EPh9UIMk=");
  EXPECT_TRUE(VerifySharedKey(old, kAccount, Accounts(), Now()).ok());
}

TEST(SharedKeyTest, QueryValuesAreDecodedAndMultipleValuesSortedAndJoined) {
  // SDK: a decoded prefix.
  HttpRequest r = MakeRequest(
      "GET", "/devstoreaccount1/c1?restype=container&comp=list&prefix=a%2Fb&include=metadata",
      {{"host", kIpHost}, {"x-ms-date", kDate}, {"x-ms-version", "2021-12-02"}});
  EXPECT_EQ(BlobStringToSign(r, kAccount),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
            "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/c1\ncomp:list\n"
            "include:metadata\nprefix:a/b\nrestype:container");
  Authorize(r, "SharedKey", "ALd7QCOBDAwwbmu8VejLJGRNwSyF1OvtFK1btpi9GdE=");
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok());

  // docs: a repeated parameter's values are sorted and comma-joined; names are lowercased.
  HttpRequest multi = MakeRequest(
      "GET", "/devstoreaccount1/c1?RESTYPE=container&comp=list&include=snapshots&include=metadata",
      {{"host", kIpHost}, {"x-ms-date", kDate}, {"x-ms-version", "2021-12-02"}});
  EXPECT_EQ(BlobStringToSign(multi, kAccount),
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\n"
            "x-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/c1\ncomp:list\n"
            "include:metadata,snapshots\nrestype:container");
  Authorize(multi, "SharedKey", "xsQSwDyDE3/g9ttrvMGiyEqf0KYEs3IMlMht081GDGs=");
  EXPECT_TRUE(VerifySharedKey(multi, kAccount, Accounts(), Now()).ok());
}

TEST(SharedKeyTest, SharedKeyLite) {
  // docs: VERB, Content-MD5, Content-Type, Date, headers, /account/path?comp=..
  HttpRequest r = GetContainerMetadata();
  constexpr char kLite[] =
      "GET\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n"
      "/devstoreaccount1/devstoreaccount1/mycontainer?comp=metadata";
  EXPECT_EQ(BlobLiteStringToSign(r, kAccount), kLite);
  Authorize(r, "SharedKeyLite", "vJYmKsrZQEo6RzDCHqxQH9+le9vNempCRu5HaxAuRss=");
  EXPECT_TRUE(HasSharedKey(r));
  Result<SharedKeyResult> result = VerifySharedKey(r, kAccount, Accounts(), Now());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->string_to_sign, kLite);

  // The full SharedKey signature is not valid under the Lite scheme.
  HttpRequest full = GetContainerMetadata();
  Authorize(full, "SharedKeyLite", kGetContainerMetadataSig);
  EXPECT_EQ(VerifySharedKey(full, kAccount, Accounts(), Now()).status().code(),
            ErrorCode::kSignatureMismatch);
}

TEST(SharedKeyTest, DateLineMayBeEmptyWhenXmsDateIsPresent) {
  HttpRequest r = MakeRequest("GET", "/devstoreaccount1/c",
                              {{"host", kIpHost}, {"date", kDate}, {"x-ms-date", kDate}});
  std::string sdk = BlobStringToSign(r, kAccount);
  EXPECT_NE(sdk.find(std::string("\n\n") + kDate + "\n"), std::string::npos);
  std::string docs = sdk;
  docs.replace(docs.find(kDate), std::string(kDate).size(), "");
  for (const std::string& sts : {sdk, docs}) {
    HttpRequest signed_request = r;
    Authorize(signed_request, "SharedKey", SignSharedKey(kKey, sts));
    EXPECT_TRUE(VerifySharedKey(signed_request, kAccount, Accounts(), Now()).ok());
  }
}

TEST(SharedKeyTest, ClockSkewOver15MinutesIsExpired) {
  HttpRequest r = GetContainerMetadata();
  Authorize(r, "SharedKey", kGetContainerMetadataSig);
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now(15 * 60)).ok());
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now(-15 * 60)).ok());
  EXPECT_EQ(VerifySharedKey(r, kAccount, Accounts(), Now(15 * 60 + 1)).status().code(),
            ErrorCode::kRequestExpired);
  EXPECT_EQ(VerifySharedKey(r, kAccount, Accounts(), Now(-15 * 60 - 1)).status().code(),
            ErrorCode::kRequestExpired);
}

TEST(SharedKeyTest, XmsDateTakesPrecedenceOverDate) {
  HttpRequest r = GetContainerMetadata();
  r.headers.emplace_back("date", "Mon, 01 Jan 2001 00:00:00 GMT");
  Authorize(r, "SharedKey", SignSharedKey(kKey, BlobStringToSign(r, kAccount)));
  EXPECT_TRUE(VerifySharedKey(r, kAccount, Accounts(), Now()).ok());

  HttpRequest only_date = MakeRequest("GET", "/devstoreaccount1/c", {{"date", kDate}});
  Authorize(only_date, "SharedKey", SignSharedKey(kKey, BlobStringToSign(only_date, kAccount)));
  EXPECT_TRUE(VerifySharedKey(only_date, kAccount, Accounts(), Now()).ok());
  EXPECT_EQ(VerifySharedKey(only_date, kAccount, Accounts(), Now(3600)).status().code(),
            ErrorCode::kRequestExpired);
}

TEST(SharedKeyTest, FailureMapping) {
  auto verify = [](HttpRequest r, const std::string& auth, std::string_view account) {
    r.headers.emplace_back("authorization", auth);
    return VerifySharedKey(r, account, Accounts(), Now()).status();
  };
  std::string good = std::string("SharedKey devstoreaccount1:") + kGetContainerMetadataSig;
  EXPECT_TRUE(verify(GetContainerMetadata(), good, kAccount).ok());

  // Malformed header.
  for (const std::string& bad :
       {std::string("SharedKey devstoreaccount1"), std::string("SharedKey :abc"),
        std::string("SharedKey devstoreaccount1:"), std::string("SharedKey devstoreaccount1:!!"),
        std::string("SharedKey devstoreaccount1:YWJj"), std::string("Bearer xyz"),
        std::string("SharedKeyX devstoreaccount1:") + kGetContainerMetadataSig}) {
    EXPECT_EQ(verify(GetContainerMetadata(), bad, kAccount).code(),
              ErrorCode::kAuthorizationHeaderMalformed)
        << bad;
  }
  // No date header, or an unparseable one.
  HttpRequest no_date = MakeRequest("GET", "/devstoreaccount1/c", {{"host", kIpHost}});
  EXPECT_EQ(verify(no_date, good, kAccount).code(), ErrorCode::kAuthorizationHeaderMalformed);
  HttpRequest bad_date = MakeRequest("GET", "/devstoreaccount1/c", {{"x-ms-date", "yesterday"}});
  EXPECT_EQ(verify(bad_date, good, kAccount).code(), ErrorCode::kAuthorizationHeaderMalformed);

  // Unknown account, or one without a base64 key.
  EXPECT_EQ(verify(GetContainerMetadata(),
                   "SharedKey nobody:" + std::string(kGetContainerMetadataSig), "nobody")
                .code(),
            ErrorCode::kUnknownAccessKey);
  EXPECT_EQ(verify(GetContainerMetadata(),
                   "SharedKey s3only:" + std::string(kGetContainerMetadataSig), "s3only")
                .code(),
            ErrorCode::kUnknownAccessKey);

  // The header names another account than the request (Azurite fails the signature).
  Status other = verify(GetContainerMetadata(), good, "s3only");
  EXPECT_EQ(other.code(), ErrorCode::kUnknownAccessKey);
  AccountDirectory two({{kAccount, kKey}, {"other", kKey}});
  HttpRequest r = GetContainerMetadata();
  r.headers.emplace_back("authorization", good);
  EXPECT_EQ(VerifySharedKey(r, "other", two, Now()).status().code(), ErrorCode::kSignatureMismatch);

  // A wrong signature: the message carries the server's string-to-sign like Azure's
  // AuthenticationErrorDetail.
  HttpRequest tampered = GetContainerMetadata();
  tampered.target += "&x=1";
  Status mismatch = verify(tampered, good, kAccount);
  EXPECT_EQ(mismatch.code(), ErrorCode::kSignatureMismatch);
  EXPECT_NE(mismatch.message().find("Server used following string to sign: '" +
                                    BlobStringToSign(tampered, kAccount) + "'"),
            std::string::npos)
      << mismatch.message();
}

TEST(SharedKeyTest, HasSharedKeyOnlyForItsSchemes) {
  auto with = [](std::string auth) {
    return MakeRequest("GET", "/", {{"authorization", std::move(auth)}});
  };
  EXPECT_TRUE(HasSharedKey(with("SharedKey a:b")));
  EXPECT_TRUE(HasSharedKey(with("SharedKeyLite a:b")));
  EXPECT_FALSE(HasSharedKey(with("AWS4-HMAC-SHA256 Credential=x")));
  EXPECT_FALSE(HasSharedKey(with("SharedKeyX a:b")));
  EXPECT_FALSE(HasSharedKey(MakeRequest("GET", "/", {})));
}

TEST(SharedKeyTest, SignSharedKeyRejectsANonBase64Key) {
  EXPECT_EQ(SignSharedKey("not base64 !", "x"), "");
  EXPECT_EQ(SignSharedKey(kKey, "x").size(), 44u);
}

}  // namespace
}  // namespace tessera::auth
