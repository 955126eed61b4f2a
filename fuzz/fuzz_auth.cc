// Authentication of both dialects against the development account: SigV4 and SigV2 (header
// and presigned), SharedKey and SharedKeyLite, account and service SAS.

#include <cstddef>
#include <cstdint>

#include "auth/accounts.h"
#include "auth/sas.h"
#include "auth/shared_key.h"
#include "auth/sigv2.h"
#include "auth/sigv4.h"
#include "fuzz/fuzz_input.h"

using namespace tessera;

namespace {

constexpr char kAccount[] = "devstoreaccount1";
constexpr char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr int64_t kNow = 1796659200000000;  // 2026-12-07

const auth::AccountDirectory& Accounts() {
  static const auth::AccountDirectory accounts({{kAccount, kKey, "a2V5Mg==", false}});
  return accounts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HttpRequest request = fuzz::ParseRequest(data, size, nullptr);
  (void)auth::HasSigV4(request);
  (void)auth::VerifySigV4(request, Accounts(), kNow);
  if (auth::HasSigV2(request)) {
    (void)auth::VerifySigV2(request, Accounts(), kNow, "");
    (void)auth::VerifySigV2(request, Accounts(), kNow, "bkt");
  }
  if (auth::HasSharedKey(request)) {
    (void)auth::VerifySharedKey(request, kAccount, Accounts(), kNow);
  }
  (void)auth::BlobStringToSign(request, kAccount);
  (void)auth::BlobLiteStringToSign(request, kAccount);
  if (auth::HasSas(request)) {
    auth::SasContext context;
    context.account = kAccount;
    context.container = "box";
    context.blob = "b";
    context.client_ip = "127.0.0.1";
    (void)auth::VerifySas(request, context, Accounts(), kNow);
  }
  return 0;
}
