#include "protocols/s3/handler.h"

#include <atomic>

#include "auth/sigv2.h"
#include "common/encoding.h"
#include "common/time.h"
#include "protocols/s3/errors.h"
#include "protocols/s3/operations.h"
#include "protocols/s3/router.h"
#include "protocols/s3/service.h"

namespace tessera::s3 {
namespace {

std::string NewRequestId() {
  static std::atomic<uint64_t> counter{0};
  uint64_t n = counter.fetch_add(1) ^ static_cast<uint64_t>(NowMicros()) << 20;
  std::string raw(8, '\0');
  for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>(n >> (8 * i));
  std::string hex = HexEncode(raw);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

// Name checks that apply before the store is asked anything.
Status ValidateAddress(Op op, const Address& address) {
  if (address.bucket.empty()) return Status::Ok();
  if (op == Op::kCreateBucket ? !IsValidBucketName(address.bucket) : address.bucket.size() > 255) {
    return Status(ErrorCode::kInvalidBucketName, "The specified bucket is not valid.");
  }
  if (address.key.empty()) return Status::Ok();
  return CheckObjectKey(address.key);
}

}  // namespace

HttpResponse S3Handler::Handle(const HttpRequest& request, BodySource& body) {
  std::string request_id = NewRequestId();
  bool head = request.method == "HEAD";
  std::string resource(request.RawPath());
  std::string bucket, key;  // named in error bodies once resolved
  RequestRecord record;
  record.request_id = request_id;
  auto fail = [&](const Status& status) {
    HttpResponse response = ErrorResponse(status, resource, request_id, head, bucket, key);
    response.Set("x-amz-request-id", request_id);
    response.record = record;
    response.record.error_code = std::string(ToWireError(status.code()).code);
    return response;
  };

  auto query = Query::Parse(request.RawQuery());
  if (!query.ok()) return fail(query.status());
  auto address = ResolveAddress(request, options_.virtual_host_domains);
  if (!address.ok()) return fail(address.status());
  bucket = address->bucket;
  key = address->key;
  Op op = Route(request.method, *address, *query, request.HasHeader("x-amz-copy-source"));
  record.operation = std::string(OpName(op));
  record.bucket = bucket;
  record.key = key;

  // SigV2 signs the bucket of a virtual-hosted request as part of the resource.
  auto auth = auth::HasSigV2(request)
                  ? auth::VerifySigV2(request, accounts_, NowMicros(),
                                      address->virtual_hosted ? address->bucket : "")
                  : auth::VerifySigV4(request, accounts_, NowMicros());
  if (!auth.ok()) return fail(auth.status());
  record.account = auth->principal.account;
  if (auth->principal.anonymous) {
    return fail(Status(ErrorCode::kAccessDenied, "Access Denied"));
  }
  if (Status s = ValidateAddress(op, *address); !s.ok()) return fail(s);
  if (options_.gate != nullptr) {
    Status admitted =
        options_.gate->Admit({record.account, record.operation, body.Size().value_or(0)});
    if (!admitted.ok()) return fail(admitted);
  }

  Call call{request, *query, *address, *auth, body, store_, options_};
  Result<HttpResponse> response = Describe(op).execute(call);
  if (!response.ok()) {
    HttpResponse failed = fail(response.status());
    for (const auto& [name, value] : call.error_headers) failed.Set(name, value);
    return failed;
  }
  response->Set("x-amz-request-id", request_id);
  response->record = std::move(record);
  return std::move(response).value();
}

HttpResponse S3Handler::Reject(const HttpRequest& request, const Status& status) {
  std::string request_id = NewRequestId();
  HttpResponse response =
      ErrorResponse(status, request.RawPath(), request_id, request.method == "HEAD");
  response.Set("x-amz-request-id", request_id);
  response.close = true;
  return response;
}

}  // namespace tessera::s3
