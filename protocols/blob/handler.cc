#include "protocols/blob/handler.h"

#include <atomic>

#include "auth/sas.h"
#include "auth/shared_key.h"
#include "common/encoding.h"
#include "common/time.h"
#include "protocols/blob/cors.h"
#include "protocols/blob/errors.h"
#include "protocols/blob/operations.h"
#include "protocols/blob/router.h"
#include "protocols/blob/service.h"

namespace tessera::blob {
namespace {

// The account-SAS resource type of an address level.
char ResourceTypeFor(Level level) {
  switch (level) {
    case Level::kService:
      return 's';
    case Level::kContainer:
      return 'c';
    case Level::kBlob:
      return 'o';
  }
  return 'o';
}

}  // namespace

HttpResponse BlobHandler::Handle(const HttpRequest& request, BodySource& body) {
  std::string request_id = NewUuid();
  ServiceSettings cors;  // loaded only for requests that carry Origin
  std::string version(request.Header("x-ms-version"));
  if (version.empty()) version = options_.default_version;
  bool head = request.method == "HEAD";
  RequestRecord record;
  record.request_id = request_id;
  auto finish = [&](HttpResponse response) {
    response.record = record;
    response.record.error_code = std::string(response.Header("x-ms-error-code"));
    AddCorsHeaders(request, cors, response);
    response.Set("x-ms-request-id", request_id);
    response.Set("x-ms-version", version);
    response.Set("Date", FormatHttpDate(NowMicros()));
    if (request.HasHeader("x-ms-client-request-id")) {
      response.Set("x-ms-client-request-id", std::string(request.Header("x-ms-client-request-id")));
    }
    return response;
  };
  auto fail = [&](const Status& status, std::string_view code = {}, std::string_view detail = {}) {
    return finish(ErrorResponse(status, request_id, head, code, detail));
  };

  auto query = Query::Parse(request.RawQuery());
  if (!query.ok()) return fail(query.status(), "InvalidQueryParameterValue");
  auto address = ResolveAddress(request);
  if (!address.ok()) return fail(address.status(), "InvalidUri");
  Op op = Route(request.method, address->level(), *query, request);
  record.operation = std::string(OpName(op));
  record.bucket = address->container;
  record.key = address->blob;
  // CORS preflights carry no credentials; the account's rules decide.
  if (op == Op::kPreflight || request.HasHeader("origin")) {
    auto settings = store_.GetServiceSettings(address->account);
    if (settings.ok()) cors = std::move(*settings);
  }
  if (op == Op::kPreflight) return finish(Preflight(request, cors));

  std::optional<auth::SasGrant> sas;
  if (auth::HasSharedKey(request)) {
    auto verified = auth::VerifySharedKey(request, address->account, accounts_, NowMicros());
    if (!verified.ok() && verified.status().code() == ErrorCode::kAccountDisabled) {
      return fail(verified.status());
    }
    if (!verified.ok()) {
      std::string detail =
          "The MAC signature found in the HTTP request is not the same as any "
          "computed signature. Server used following string to sign: '" +
          auth::BlobStringToSign(request, address->account) + "'.";
      return fail(Status(ErrorCode::kSignatureMismatch,
                         "Server failed to authenticate the request. Make sure the value of "
                         "Authorization header is formed correctly including the signature."),
                  verified.status().code() == ErrorCode::kAuthorizationHeaderMalformed
                      ? "InvalidAuthenticationInfo"
                      : "AuthenticationFailed",
                  detail);
    }
    record.account = address->account;
  } else if (auth::HasSas(request)) {
    auth::SasContext context;
    context.account = address->account;
    context.container = address->container;
    context.blob = address->blob;
    context.client_ip = request.remote_address;
    context.https = request.secure;
    if (auto si = query->Get("si"); si && !address->container.empty()) {
      auto bucket = store_.HeadBucket({address->account, address->container});
      if (bucket.ok()) {
        for (const auto& p : bucket->policies) {
          if (p.id == *si) context.policy = p;
        }
      }
    }
    auto grant = auth::VerifySas(request, context, accounts_, NowMicros());
    if (!grant.ok() && grant.status().code() == ErrorCode::kAccountDisabled) {
      return fail(grant.status());
    }
    if (!grant.ok()) {
      return fail(Status(ErrorCode::kSignatureMismatch,
                         "Server failed to authenticate the request. Make sure the value of "
                         "Authorization header is formed correctly including the signature."),
                  "AuthenticationFailed", grant.status().message());
    }
    if (!auth::SasAllows(*grant, Describe(op).permission, ResourceTypeFor(address->level()))) {
      bool wrong_type =
          grant->kind == auth::SasKind::kAccount &&
          grant->resource.find(ResourceTypeFor(address->level())) == std::string::npos;
      return fail(
          Status(ErrorCode::kAccessDenied,
                 wrong_type ? "This request is not authorized to perform this operation "
                              "using this resource type."
                            : "This request is not authorized to perform this operation "
                              "using this permission."),
          wrong_type ? "AuthorizationResourceTypeMismatch" : "AuthorizationPermissionMismatch");
    }
    sas = std::move(*grant);
    record.account = address->account;
  } else {
    // Anonymous: only reads that the container's public access level exposes. Anything
    // else looks like a missing resource, as Azure answers.
    bool allowed = false;
    if (!address->container.empty()) {
      auto bucket = store_.HeadBucket({address->account, address->container});
      allowed = bucket.ok() && PublicAllows(bucket->public_access, op);
    }
    if (!allowed) {
      return fail(Status(ErrorCode::kNoSuchKey, "The specified resource does not exist."),
                  "ResourceNotFound");
    }
  }
  if (!address->blob.empty() && !IsValidBlobName(address->blob)) {
    return fail(Status(ErrorCode::kInvalidObjectName, "The specified resource name is invalid."));
  }

  if (Status tags = CheckTagConditions(request); !tags.ok())
    return fail(tags, "InvalidHeaderValue");

  if (options_.gate != nullptr) {
    Status admitted =
        options_.gate->Admit({address->account, record.operation, body.Size().value_or(0)});
    if (!admitted.ok()) return fail(admitted);
  }

  Call call{request, *query, *address, body, store_, options_, sas, accounts_};
  Result<HttpResponse> response = Describe(op).execute(call);
  if (!response.ok()) return fail(response.status());
  if (head) response->head = true;
  return finish(std::move(response).value());
}

HttpResponse BlobHandler::Reject(const HttpRequest& request, const Status& status) {
  std::string request_id = NewUuid();
  HttpResponse response = ErrorResponse(status, request_id, request.method == "HEAD");
  response.Set("x-ms-request-id", request_id);
  response.Set("x-ms-version", options_.default_version);
  response.close = true;
  return response;
}

}  // namespace tessera::blob
