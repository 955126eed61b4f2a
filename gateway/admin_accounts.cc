// The admin API's accounts (gateway/admin.h lists the routes).

#include <nlohmann/json.hpp>
#include <string_view>

#include "gateway/admin.h"
#include "gateway/admin_json.h"

namespace tessera::gateway {
namespace {

using nlohmann::json;

constexpr size_t kMaxAdminBody = 64 << 10;

HttpResponse Failed(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kNoSuchKey:
    case ErrorCode::kNoSuchBucket:
      return Error(404, s.message());
    case ErrorCode::kBucketAlreadyExists:
    case ErrorCode::kBucketNotEmpty:
      return Error(409, s.message());
    case ErrorCode::kInvalidArgument:
      return Error(400, s.message());
    default:
      return Error(500, s.message());
  }
}

// The account as the API shows it; keys only where asked for.
json AccountJson(const AccountInfo& a, bool keys) {
  json j{
      {"name", a.name},
      {"disabled", a.disabled},
      {"created_unix_s", a.created / 1000000},
      {"limits", {{"requests_per_s", a.max_requests_per_s}, {"bytes_per_s", a.max_bytes_per_s}}}};
  if (keys) {
    j["key1"] = a.key1;
    j["key2"] = a.key2;
  }
  return j;
}

// A small JSON request body, or an error response.
Result<json> ReadJson(BodySource& body) {
  std::string text;
  char buf[4096];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, body.Read(buf, sizeof(buf)));
    if (n == 0) break;
    text.append(buf, n);
    if (text.size() > kMaxAdminBody) return Status(ErrorCode::kEntityTooLarge, "body too large");
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status(ErrorCode::kInvalidArgument, "the body is a JSON object");
  return j;
}

// A non-negative integer member of `j` (absent = `fallback`).
Result<uint64_t> Count(const json& j, const char* name, uint64_t fallback) {
  if (!j.contains(name)) return fallback;
  if (!j[name].is_number_unsigned()) {
    return Status(ErrorCode::kInvalidArgument, std::string(name) + " is a non-negative integer");
  }
  return j[name].get<uint64_t>();
}

json QuotaJson(const Quota& q) {
  return json{{"max_bytes", q.max_bytes}, {"max_objects", q.max_objects}};
}

HttpResponse Reply(const Result<AccountInfo>& r, bool keys, int status = 200) {
  if (!r.ok()) return Failed(r.status());
  return Json(status, AccountJson(*r, keys));
}

}  // namespace

HttpResponse AdminHandler::RouteAccounts(const HttpRequest& request, std::string_view rest,
                                         BodySource& body) {
  if (accounts_ == nullptr) return Error(404, "no such resource");
  if (!MayChange(request)) return Error(403, "accounts need the admin key");
  const std::string_view method = request.method;
  if (rest.empty()) {  // /admin/v1/accounts
    if (method == "GET" || method == "HEAD") {
      auto list = accounts_->List();
      if (!list.ok()) return Failed(list.status());
      json out = json::array();
      for (const AccountInfo& a : *list) out.push_back(AccountJson(a, false));
      return Json(200, json{{"accounts", out}});
    }
    if (method != "POST") return Error(405, "method not allowed");
    auto j = ReadJson(body);
    if (!j.ok()) return Failed(j.status());
    if (!(*j)["name"].is_string()) return Error(400, "name is a string");
    return Reply(accounts_->Create((*j)["name"].get<std::string>()), true, 201);
  }
  // /admin/v1/accounts/NAME[/ACTION]
  const size_t slash = rest.find('/');
  const std::string name(rest.substr(0, slash));
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  auto want = [&](std::string_view m) { return method == m; };
  if (action.empty()) {
    if (want("GET") || want("HEAD")) return Reply(accounts_->Get(name), false);
    if (!want("DELETE")) return Error(405, "method not allowed");
    Status s = accounts_->Delete(name);
    if (!s.ok()) return Failed(s);
    HttpResponse r;
    r.status = 204;
    return r;
  }
  if (action == "keys") {
    return want("GET") ? Reply(accounts_->Get(name), true) : Error(405, "method not allowed");
  }
  if (action == "disable" || action == "enable") {
    if (!want("POST")) return Error(405, "method not allowed");
    return Reply(accounts_->SetDisabled(name, action == "disable"), false);
  }
  if (action == "rotate-key") {
    if (!want("POST")) return Error(405, "method not allowed");
    const std::string_view query = request.RawQuery();
    const int which = query == "key=key1" ? 1 : query == "key=key2" ? 2 : 0;
    if (which == 0) return Error(400, "name the key: ?key=key1 or ?key=key2");
    return Reply(accounts_->RotateKey(name, which), true);
  }
  if (action == "limits") {
    if (!want("PUT")) return Error(405, "method not allowed");
    auto j = ReadJson(body);
    if (!j.ok()) return Failed(j.status());
    auto current = accounts_->Get(name);
    if (!current.ok()) return Failed(current.status());
    auto requests = Count(*j, "requests_per_s", current->max_requests_per_s);
    auto bytes = Count(*j, "bytes_per_s", current->max_bytes_per_s);
    if (!requests.ok() || !bytes.ok()) {
      return Failed(!requests.ok() ? requests.status() : bytes.status());
    }
    return Reply(accounts_->SetLimits(name, *requests, *bytes), false);
  }
  if (action == "usage") {
    if (!want("GET")) return Error(405, "method not allowed");
    return UsageReport(name);
  }
  // quota, or buckets/B/quota
  constexpr std::string_view kBuckets = "buckets/";
  const bool bucket_quota = action.starts_with(kBuckets) && action.ends_with("/quota") &&
                            action.size() > kBuckets.size() + 6;
  if (action == "quota" || bucket_quota) {
    const std::string bucket =
        bucket_quota
            ? std::string(action.substr(kBuckets.size(), action.size() - kBuckets.size() - 6))
            : "";
    if (want("GET")) {
      auto quota = accounts_->GetQuota(name, bucket);
      if (!quota.ok()) return Failed(quota.status());
      return Json(200, QuotaJson(*quota));
    }
    if (!want("PUT")) return Error(405, "method not allowed");
    auto j = ReadJson(body);
    if (!j.ok()) return Failed(j.status());
    auto current = accounts_->GetQuota(name, bucket);
    if (!current.ok()) return Failed(current.status());
    auto max_bytes = Count(*j, "max_bytes", current->max_bytes);
    auto max_objects = Count(*j, "max_objects", current->max_objects);
    if (!max_bytes.ok() || !max_objects.ok()) {
      return Failed(!max_bytes.ok() ? max_bytes.status() : max_objects.status());
    }
    const Quota quota{*max_bytes, *max_objects};
    if (Status s = accounts_->SetQuota(name, bucket, quota); !s.ok()) return Failed(s);
    return Json(200, QuotaJson(quota));
  }
  return Error(404, "no such resource");
}

HttpResponse AdminHandler::UsageReport(const std::string& name) {
  auto buckets = accounts_->BucketUsage(name);
  if (!buckets.ok()) return Failed(buckets.status());
  auto quota = accounts_->GetQuota(name, "");
  if (!quota.ok()) return Failed(quota.status());
  uint64_t bytes = 0, objects = 0;
  json per_bucket = json::object();
  for (const auto& [bucket, u] : *buckets) {
    bytes += u.bytes;
    objects += u.objects;
    auto q = accounts_->GetQuota(name, bucket);
    json b{{"bytes", u.bytes}, {"objects", u.objects}};
    if (q.ok() && (q->max_bytes != 0 || q->max_objects != 0)) b["quota"] = QuotaJson(*q);
    per_bucket[bucket] = std::move(b);
  }
  json out{{"name", name},
           {"bytes", bytes},
           {"objects", objects},
           {"quota", QuotaJson(*quota)},
           {"buckets", per_bucket}};
  if (requests_ != nullptr) {
    auto traffic = [](const RequestLog::Traffic& t) {
      return json{{"requests", t.requests}, {"bytes_in", t.bytes_in}, {"bytes_out", t.bytes_out}};
    };
    out["since_start"] = traffic(requests_->AccountTraffic(name));
    for (const auto& [bucket, t] : requests_->BucketTraffic(name)) {
      out["buckets"][bucket]["since_start"] = traffic(t);
    }
  }
  return Json(200, out);
}

}  // namespace tessera::gateway
