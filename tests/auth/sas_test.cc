#include "auth/sas.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/time.h"

namespace tessera::auth {
namespace {

// Reference values: tokens and strings-to-sign marked "SDK" were produced offline by the Azure
// Storage Blob Python SDK 12.15.0b1 (Debian python3-azure-storage 20230112+git-1:
// generate_account_sas, generate_blob_sas, generate_container_sas, sv=2021-12-02); those marked
// "docs" follow the older layouts in "Create a service SAS" / "Create an account SAS" and were
// signed with Python's hmac.
constexpr char kAccount[] = "devstoreaccount1";
constexpr char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr char kStart[] = "2015-06-26T00:00:00Z";
constexpr char kExpiry[] = "2015-06-27T00:00:00Z";

AccountDirectory Accounts() { return AccountDirectory(std::vector<Account>{{kAccount, kKey}}); }

int64_t At(const char* iso) { return *ParseIso8601(iso); }
int64_t Inside() { return At("2015-06-26T12:00:00Z"); }

HttpRequest Get(std::string target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

SasContext Context(std::string container, std::string blob, bool https = true,
                   std::string ip = "10.0.0.1") {
  SasContext c;
  c.account = kAccount;
  c.container = std::move(container);
  c.blob = std::move(blob);
  c.https = https;
  c.client_ip = std::move(ip);
  return c;
}

// SDK: generate_account_sas(sco, rwl, start, expiry, protocol="https").
constexpr char kAccountToken[] =
    "st=2015-06-26T00%3A00%3A00Z&se=2015-06-27T00%3A00%3A00Z&sp=rwl&spr=https&sv=2021-12-02&ss=b&"
    "srt=sco&sig=XsESeE26rKnyIO52CDjt7DSfRzVG29httASqVDEztB4%3D";

AccountSasSpec AccountSpec() {
  AccountSasSpec spec;
  spec.account = kAccount;
  spec.services = "b";
  spec.resource_types = "sco";
  spec.fields.permissions = "rwl";
  spec.fields.start = kStart;
  spec.fields.expiry = kExpiry;
  spec.fields.protocol = "https";
  return spec;
}

TEST(SasTest, SdkVectorAccountSas) {
  EXPECT_EQ(AccountSasStringToSign(AccountSpec()),
            "devstoreaccount1\nrwl\nb\nsco\n2015-06-26T00:00:00Z\n2015-06-27T00:00:00Z\n\nhttps\n"
            "2021-12-02\n\n");
  EXPECT_EQ(MakeAccountSas(AccountSpec(), kKey), kAccountToken);

  HttpRequest r = Get(std::string("/devstoreaccount1/c/b?") + kAccountToken);
  EXPECT_TRUE(HasSas(r));
  Result<SasGrant> grant = VerifySas(r, Context("c", "b"), Accounts(), Inside());
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->kind, SasKind::kAccount);
  EXPECT_EQ(grant->principal.account, kAccount);
  EXPECT_EQ(grant->permissions, "rwl");
  EXPECT_EQ(grant->resource, "sco");
  EXPECT_EQ(grant->services, "b");
}

TEST(SasTest, SdkVectorAccountSasWithIpRangeAndEncryptionScope) {
  AccountSasSpec spec;
  spec.account = kAccount;
  spec.services = "b";
  spec.resource_types = "o";
  spec.fields.permissions = "r";
  spec.fields.expiry = kExpiry;
  spec.fields.ip = "168.1.5.60-168.1.5.70";
  spec.fields.encryption_scope = "scope1";
  EXPECT_EQ(AccountSasStringToSign(spec),
            "devstoreaccount1\nr\nb\no\n\n2015-06-27T00:00:00Z\n168.1.5.60-168.1.5.70\n\n"
            "2021-12-02\nscope1\n");
  const std::string token =
      "se=2015-06-27T00%3A00%3A00Z&sp=r&sip=168.1.5.60-168.1.5.70&sv=2021-12-02&ss=b&srt=o&"
      "ses=scope1&sig=J32JgLvQ43w0D/TMTY1DTXa09MpD9%2BR0Zs1Ab6D8jD0%3D";
  EXPECT_EQ(MakeAccountSas(spec, kKey), token);
  HttpRequest r = Get("/devstoreaccount1/c/b?" + token);
  Result<SasGrant> grant =
      VerifySas(r, Context("c", "b", false, "168.1.5.65"), Accounts(), Inside());
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->encryption_scope, "scope1");
}

TEST(SasTest, DocsVectorAccountSasBefore20201206HasNoScopeLine) {
  AccountSasSpec spec;
  spec.account = kAccount;
  spec.services = "b";
  spec.resource_types = "sc";
  spec.fields.version = "2015-04-05";
  spec.fields.permissions = "rl";
  spec.fields.expiry = kExpiry;
  EXPECT_EQ(AccountSasStringToSign(spec),
            "devstoreaccount1\nrl\nb\nsc\n\n2015-06-27T00:00:00Z\n\n\n2015-04-05\n");
  HttpRequest r =
      Get("/devstoreaccount1?comp=list&sv=2015-04-05&ss=b&srt=sc&sp=rl&"
          "se=2015-06-27T00:00:00Z&sig=1p6kjpO7F7g07i8PdqHyEr84fiQxojTt6CBy9uRuh80%3D");
  EXPECT_TRUE(VerifySas(r, Context("", ""), Accounts(), Inside()).ok());
}

ServiceSasSpec BlobSpec() {
  ServiceSasSpec spec;
  spec.account = kAccount;
  spec.container = "mycontainer";
  spec.blob = "dir/my blob.txt";
  spec.resource = "b";
  spec.fields.permissions = "rw";
  spec.fields.start = kStart;
  spec.fields.expiry = kExpiry;
  spec.fields.protocol = "https,http";
  spec.cache_control = "no-cache";
  spec.content_disposition = "attachment; filename=x.txt";
  spec.content_type = "text/plain";
  return spec;
}

// SDK: generate_blob_sas("mycontainer", "dir/my blob.txt", rw, https,http, overrides).
constexpr char kBlobToken[] =
    "st=2015-06-26T00%3A00%3A00Z&se=2015-06-27T00%3A00%3A00Z&sp=rw&spr=https%2Chttp&"
    "sv=2021-12-02&sr=b&rscc=no-cache&rscd=attachment%3B%20filename%3Dx.txt&rsct=text/plain&"
    "sig=5oOwQMT8mMTaMbNtZngX6gZvEndGEzEc1jzej9X8oZ4%3D";

TEST(SasTest, SdkVectorBlobSasWithResponseOverrides) {
  EXPECT_EQ(ServiceSasStringToSign(BlobSpec()),
            "rw\n2015-06-26T00:00:00Z\n2015-06-27T00:00:00Z\n"
            "/blob/devstoreaccount1/mycontainer/dir/my blob.txt\n\n\nhttps,http\n2021-12-02\nb\n\n"
            "\nno-cache\nattachment; filename=x.txt\n\n\ntext/plain");
  EXPECT_EQ(MakeServiceSas(BlobSpec(), kKey), kBlobToken);

  HttpRequest r = Get(std::string("/devstoreaccount1/mycontainer/dir/my%20blob.txt?") + kBlobToken);
  Result<SasGrant> grant =
      VerifySas(r, Context("mycontainer", "dir/my blob.txt", false), Accounts(), Inside());
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->kind, SasKind::kService);
  EXPECT_EQ(grant->resource, "b");
  EXPECT_EQ(grant->permissions, "rw");
  EXPECT_EQ(grant->cache_control, "no-cache");
  EXPECT_EQ(grant->content_disposition, "attachment; filename=x.txt");
  EXPECT_EQ(grant->content_type, "text/plain");
  EXPECT_EQ(grant->content_encoding, "");

  // The signature binds the blob: another blob in the same container fails.
  EXPECT_EQ(VerifySas(r, Context("mycontainer", "other.txt"), Accounts(), Inside()).status().code(),
            ErrorCode::kSignatureMismatch);
}

TEST(SasTest, SdkVectorSnapshotSasSignsTheSnapshotParameter) {
  ServiceSasSpec spec;
  spec.account = kAccount;
  spec.container = "mycontainer";
  spec.blob = "b.txt";
  spec.resource = "bs";
  spec.snapshot = "2011-03-09T01:42:34.9360000Z";
  spec.fields.permissions = "rd";
  spec.fields.expiry = kExpiry;
  EXPECT_EQ(ServiceSasStringToSign(spec),
            "rd\n\n2015-06-27T00:00:00Z\n/blob/devstoreaccount1/mycontainer/b.txt\n\n\n\n"
            "2021-12-02\nbs\n2011-03-09T01:42:34.9360000Z\n\n\n\n\n\n");
  const std::string token =
      "se=2015-06-27T00%3A00%3A00Z&sp=rd&sv=2021-12-02&sr=bs&"
      "sig=k8bCVIywz72LQSR5ONHg51boG%2BKXUSAmnz2yNjIwGWo%3D";
  EXPECT_EQ(MakeServiceSas(spec, kKey), token);
  SasContext context = Context("mycontainer", "b.txt");
  HttpRequest r =
      Get("/devstoreaccount1/mycontainer/b.txt?snapshot=2011-03-09T01%3A42%3A34."
          "9360000Z&" +
          token);
  EXPECT_TRUE(VerifySas(r, context, Accounts(), Inside()).ok());
  HttpRequest other =
      Get("/devstoreaccount1/mycontainer/b.txt?snapshot=2012-01-01T00%3A00%3A00."
          "0000000Z&" +
          token);
  EXPECT_EQ(VerifySas(other, context, Accounts(), Inside()).status().code(),
            ErrorCode::kSignatureMismatch);
  HttpRequest none = Get("/devstoreaccount1/mycontainer/b.txt?" + token);
  EXPECT_EQ(VerifySas(none, context, Accounts(), Inside()).status().code(),
            ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SasTest, DocsVectorsOlderServiceSasLayouts) {
  struct Case {
    const char* version;
    const char* query;
    const char* expected_sts;
    const char* container;
  } cases[] = {
      // 2015-04-05 .. 2018-03-28: sip and spr, no sr/snapshot.
      {"2015-04-05",
       "sv=2015-04-05&sr=b&sp=r&st=2015-06-26T00:00:00Z&se=2015-06-27T00:00:00Z&spr=https&"
       "sig=2udO5ZxSPK5ydclR7qCGQeklwyaLpchi/ChOWGHzeYA%3D",
       "r\n2015-06-26T00:00:00Z\n2015-06-27T00:00:00Z\n/blob/devstoreaccount1/mycontainer/b.txt\n"
       "\n\nhttps\n2015-04-05\n\n\n\n\n",
       "mycontainer"},
      // 2018-11-09 .. 2020-02-10: sr and snapshot, no encryption scope.
      {"2018-11-09",
       "sv=2018-11-09&sr=b&sp=r&se=2015-06-27T00:00:00Z&"
       "sig=AbvNA4jT//eknXRESnEeolmBckXHrTGUdfisxqlKKsk%3D",
       "r\n\n2015-06-27T00:00:00Z\n/blob/devstoreaccount1/mycontainer/b.txt\n\n\n\n2018-11-09\nb\n"
       "\n\n\n\n\n",
       "mycontainer"},
      // 2013-08-15 .. 2015-02-21: no sip/spr; before 2015-02-21 no "/blob" prefix.
      {"2013-08-15",
       "sv=2013-08-15&sr=b&sp=r&se=2015-06-27T00:00:00Z&"
       "sig=MQG71cJvrqorRVa%2BcjS69SX4QxfDuGFjjI4bNniAerA%3D",
       "r\n\n2015-06-27T00:00:00Z\n/devstoreaccount1/mycontainer/b.txt\n\n2013-08-15\n\n\n\n\n",
       "mycontainer"},
  };
  for (const Case& c : cases) {
    ServiceSasSpec spec;
    spec.account = kAccount;
    spec.container = c.container;
    spec.blob = "b.txt";
    spec.resource = "b";
    spec.fields.version = c.version;
    spec.fields.permissions = "r";
    spec.fields.expiry = kExpiry;
    if (std::string(c.version) == "2015-04-05") {
      spec.fields.start = kStart;
      spec.fields.protocol = "https";
    }
    EXPECT_EQ(ServiceSasStringToSign(spec), c.expected_sts) << c.version;
    HttpRequest r = Get(std::string("/devstoreaccount1/mycontainer/b.txt?") + c.query);
    Result<SasGrant> grant = VerifySas(r, Context("mycontainer", "b.txt"), Accounts(), Inside());
    EXPECT_TRUE(grant.ok()) << c.version << ": " << grant.status().ToString();
  }
}

// SDK: generate_container_sas("mycontainer", policy_id="pol1").
constexpr char kPolicyToken[] =
    "sv=2021-12-02&si=pol1&sr=c&sig=5QEjZ61WxxdM8y3/RX%2BaC3rUKZ3ueCAVrCtfWDeQBzc%3D";

TEST(SasTest, StoredPolicyFillsInMissingFields) {
  ServiceSasSpec spec;
  spec.account = kAccount;
  spec.container = "mycontainer";
  spec.resource = "c";
  spec.policy_id = "pol1";
  EXPECT_EQ(ServiceSasStringToSign(spec),
            "\n\n\n/blob/devstoreaccount1/mycontainer\npol1\n\n\n2021-12-02\nc\n\n\n\n\n\n\n");
  EXPECT_EQ(MakeServiceSas(spec, kKey), kPolicyToken);

  HttpRequest r =
      Get(std::string("/devstoreaccount1/mycontainer?restype=container&comp=list&") + kPolicyToken);
  SasContext context = Context("mycontainer", "");
  context.policy = AccessPolicy{"pol1", At(kStart), At(kExpiry), "rl"};
  Result<SasGrant> grant = VerifySas(r, context, Accounts(), Inside());
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->permissions, "rl");
  EXPECT_EQ(grant->policy_id, "pol1");
  EXPECT_EQ(grant->resource, "c");
  // The policy's window applies.
  EXPECT_EQ(VerifySas(r, context, Accounts(), At("2015-06-27T00:00:01Z")).status().code(),
            ErrorCode::kRequestExpired);
  EXPECT_EQ(VerifySas(r, context, Accounts(), At("2015-06-25T23:59:59Z")).status().code(),
            ErrorCode::kRequestExpired);

  // No such policy.
  context.policy.reset();
  EXPECT_EQ(VerifySas(r, context, Accounts(), Inside()).status().code(), ErrorCode::kAccessDenied);
  // A policy without an expiry leaves the SAS without one.
  context.policy = AccessPolicy{"pol1", std::nullopt, std::nullopt, "rl"};
  EXPECT_EQ(VerifySas(r, context, Accounts(), Inside()).status().code(),
            ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SasTest, StoredPolicyFieldAlsoInTheSasIsRejected) {
  ServiceSasSpec spec;
  spec.account = kAccount;
  spec.container = "mycontainer";
  spec.resource = "c";
  spec.policy_id = "pol1";
  spec.fields.permissions = "r";
  HttpRequest r = Get("/devstoreaccount1/mycontainer?" + MakeServiceSas(spec, kKey));
  SasContext context = Context("mycontainer", "");
  context.policy = AccessPolicy{"pol1", std::nullopt, At(kExpiry), "rl"};
  EXPECT_EQ(VerifySas(r, context, Accounts(), Inside()).status().code(),
            ErrorCode::kInvalidRequest);
  context.policy = AccessPolicy{"pol1", std::nullopt, At(kExpiry), ""};
  Result<SasGrant> grant = VerifySas(r, context, Accounts(), Inside());
  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->permissions, "r");
}

// SDK: generate_container_sas("mycontainer", rl, expiry, ip="10.0.0.1").
constexpr char kIpToken[] =
    "se=2015-06-27T00%3A00%3A00Z&sp=rl&sip=10.0.0.1&sv=2021-12-02&sr=c&"
    "sig=DLgZPZXHEwPwWPqveoSCJzWkcthIqZkforKrHxy723M%3D";

TEST(SasTest, IpAddressAndRange) {
  HttpRequest r = Get(std::string("/devstoreaccount1/mycontainer/x?") + kIpToken);
  EXPECT_TRUE(
      VerifySas(r, Context("mycontainer", "x", true, "10.0.0.1"), Accounts(), Inside()).ok());
  EXPECT_TRUE(
      VerifySas(r, Context("mycontainer", "x", true, "::ffff:10.0.0.1"), Accounts(), Inside())
          .ok());
  for (const char* ip : {"10.0.0.2", "", "::1", "10.0.0.1.5"}) {
    EXPECT_EQ(
        VerifySas(r, Context("mycontainer", "x", true, ip), Accounts(), Inside()).status().code(),
        ErrorCode::kAccessDenied)
        << ip;
  }

  AccountSasSpec spec = AccountSpec();
  spec.fields.ip = "168.1.5.60-168.1.5.70";
  HttpRequest range = Get("/devstoreaccount1/c/b?" + MakeAccountSas(spec, kKey));
  for (const char* ip : {"168.1.5.60", "168.1.5.65", "168.1.5.70"}) {
    EXPECT_TRUE(VerifySas(range, Context("c", "b", true, ip), Accounts(), Inside()).ok()) << ip;
  }
  for (const char* ip : {"168.1.5.59", "168.1.5.71", "168.1.6.65"}) {
    EXPECT_EQ(VerifySas(range, Context("c", "b", true, ip), Accounts(), Inside()).status().code(),
              ErrorCode::kAccessDenied)
        << ip;
  }
  spec.fields.ip = "168.1.5.70-168.1.5.60";  // reversed
  HttpRequest reversed = Get("/devstoreaccount1/c/b?" + MakeAccountSas(spec, kKey));
  EXPECT_EQ(VerifySas(reversed, Context("c", "b", true, "168.1.5.65"), Accounts(), Inside())
                .status()
                .code(),
            ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SasTest, HttpsOnlyRefusesPlainHttp) {
  HttpRequest r = Get(std::string("/devstoreaccount1/c/b?") + kAccountToken);  // spr=https
  EXPECT_TRUE(VerifySas(r, Context("c", "b", true), Accounts(), Inside()).ok());
  EXPECT_EQ(VerifySas(r, Context("c", "b", false), Accounts(), Inside()).status().code(),
            ErrorCode::kAccessDenied);
  // spr=https,http allows both (the blob token above).
  HttpRequest both =
      Get(std::string("/devstoreaccount1/mycontainer/dir/my%20blob.txt?") + kBlobToken);
  EXPECT_TRUE(
      VerifySas(both, Context("mycontainer", "dir/my blob.txt", false), Accounts(), Inside()).ok());
}

TEST(SasTest, StartAndExpiry) {
  HttpRequest r = Get(std::string("/devstoreaccount1/c/b?") + kAccountToken);
  SasContext context = Context("c", "b");
  EXPECT_TRUE(VerifySas(r, context, Accounts(), At(kStart)).ok());
  EXPECT_TRUE(VerifySas(r, context, Accounts(), At(kExpiry)).ok());
  EXPECT_EQ(VerifySas(r, context, Accounts(), At(kStart) - 1).status().code(),
            ErrorCode::kRequestExpired);
  EXPECT_EQ(VerifySas(r, context, Accounts(), At(kExpiry) + 1).status().code(),
            ErrorCode::kRequestExpired);
}

TEST(SasTest, UserDelegationSasIsRefused) {
  HttpRequest r = Get(
      "/devstoreaccount1/c/b?sv=2021-12-02&sr=b&sp=r&se=2015-06-27T00%3A00%3A00Z&"
      "skoid=6f7d1a3e-0000-0000-0000-000000000000&sktid=72f9-0000&skt=2015-06-26T00%3A00%3A00Z&"
      "ske=2015-06-27T00%3A00%3A00Z&sks=b&skv=2021-12-02&sig=XsESeE26rKnyIO52CDjt7DSfRzVG29httASqV"
      "DEztB4%3D");
  EXPECT_TRUE(HasSas(r));
  EXPECT_EQ(VerifySas(r, Context("c", "b"), Accounts(), Inside()).status().code(),
            ErrorCode::kAccessDenied);
}

TEST(SasTest, Permissions) {
  SasGrant account;
  account.kind = SasKind::kAccount;
  account.permissions = "rl";
  account.resource = "co";
  EXPECT_TRUE(SasAllows(account, 'r', 'o'));
  EXPECT_TRUE(SasAllows(account, 'l', 'c'));
  EXPECT_FALSE(SasAllows(account, 'w', 'o'));
  EXPECT_FALSE(SasAllows(account, 'l', 's'));  // srt lacks s

  SasGrant blob;
  blob.kind = SasKind::kService;
  blob.permissions = "rw";
  blob.resource = "b";
  EXPECT_TRUE(SasAllows(blob, 'w', 'o'));
  EXPECT_FALSE(SasAllows(blob, 'd', 'o'));
  EXPECT_FALSE(SasAllows(blob, 'r', 'c'));  // a blob SAS cannot list its container

  SasGrant container = blob;
  container.resource = "c";
  container.permissions = "rl";
  EXPECT_TRUE(SasAllows(container, 'l', 'c'));
  EXPECT_TRUE(SasAllows(container, 'r', 'o'));
  EXPECT_FALSE(SasAllows(container, 'l', 's'));
}

TEST(SasTest, AccountSasMustCoverTheBlobService) {
  AccountSasSpec spec = AccountSpec();
  spec.services = "qt";
  HttpRequest r = Get("/devstoreaccount1/c/b?" + MakeAccountSas(spec, kKey));
  Status s = VerifySas(r, Context("c", "b"), Accounts(), Inside()).status();
  EXPECT_EQ(s.code(), ErrorCode::kAccessDenied);
  EXPECT_NE(s.message().find("AuthorizationServiceMismatch"), std::string::npos);
}

TEST(SasTest, FailureMapping) {
  const std::string base = "/devstoreaccount1/c/b?";
  auto code = [](const std::string& target, const std::string& account = kAccount) {
    SasContext context = Context("c", "b");
    context.account = account;
    return VerifySas(Get(target), context, Accounts(), Inside()).status().code();
  };
  EXPECT_EQ(code(base + kAccountToken), ErrorCode::kOk);
  // Unknown account.
  EXPECT_EQ(code(base + kAccountToken, "nobody"), ErrorCode::kUnknownAccessKey);
  // A changed field breaks the signature, and the message quotes the string-to-sign.
  std::string tampered = base + kAccountToken;
  tampered.replace(tampered.find("sp=rwl"), 6, "sp=rwd");
  EXPECT_EQ(code(tampered), ErrorCode::kSignatureMismatch);
  Status s = VerifySas(Get(tampered), Context("c", "b"), Accounts(), Inside()).status();
  EXPECT_NE(s.message().find("String to sign used was devstoreaccount1\nrwd\n"), std::string::npos);
  // An unescaped '+' in sig still verifies (base64 has no spaces).
  std::string raw_plus = std::string("/devstoreaccount1/mycontainer?") + kPolicyToken;
  raw_plus.replace(raw_plus.find("%2B"), 3, "+");
  SasContext policy_context = Context("mycontainer", "");
  policy_context.policy = AccessPolicy{"pol1", std::nullopt, At(kExpiry), "r"};
  EXPECT_TRUE(VerifySas(Get(raw_plus), policy_context, Accounts(), Inside()).ok());

  // Malformed SAS.
  for (const std::string& bad : {
           base + kAccountToken + "&sp=r",                                // repeated
           base + "sv=2021-12-02&sp=r&se=2015-06-27T00:00:00Z&sig=YWJj",  // no ss/srt/sr
           base + "sv=2021-12-02&sr=x&sp=r&se=2015-06-27T00:00:00Z&sig=" +
               "XsESeE26rKnyIO52CDjt7DSfRzVG29httASqVDEztB4%3D",              // unknown sr
           base + "sv=2021-12-02&sr=b&sp=r&se=2015-06-27T00:00:00Z&sig=abc",  // short sig
           base + "sv=2021-12-02&sr=b&sp=r&spr=http&se=2015-06-27T00:00:00Z&sig=" +
               "XsESeE26rKnyIO52CDjt7DSfRzVG29httASqVDEztB4%3D",  // bad spr
           base + "sv=2021-12-02&ss=b&srt=x&sp=r&se=2015-06-27T00:00:00Z&sig=" +
               "XsESeE26rKnyIO52CDjt7DSfRzVG29httASqVDEztB4%3D",  // bad srt
           base + "sv=2011-08-18&sr=b&sp=r&se=2015-06-27T00:00:00Z&sig=" +
               "XsESeE26rKnyIO52CDjt7DSfRzVG29httASqVDEztB4%3D",  // too old
       }) {
    EXPECT_EQ(code(bad), ErrorCode::kAuthorizationHeaderMalformed) << bad;
  }
  // A bad expiry text that is correctly signed.
  AccountSasSpec spec = AccountSpec();
  spec.fields.expiry = "tomorrow";
  EXPECT_EQ(code(base + MakeAccountSas(spec, kKey)), ErrorCode::kAuthorizationHeaderMalformed);
}

TEST(SasTest, HasSasNeedsSigAndSv) {
  EXPECT_TRUE(HasSas(Get("/a/b?sv=2021-12-02&sig=x")));
  EXPECT_FALSE(HasSas(Get("/a/b?sig=x")));
  EXPECT_FALSE(HasSas(Get("/a/b?sv=2021-12-02")));
  EXPECT_FALSE(HasSas(Get("/a/b?X-Amz-Signature=x")));
  EXPECT_TRUE(HasSas(Get("/a/b?sv=2021-12-02&sig=%zz")));
}

}  // namespace
}  // namespace tessera::auth
