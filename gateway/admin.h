#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "backend/drive/segment_store.h"
#include "gateway/accounts.h"
#include "gateway/request_log.h"
#include "gateway/server.h"
#include "protocols/handler.h"

namespace tessera::gateway {

// The admin listener's handler (`--admin HOST:PORT`), apart from the data listeners:
//   GET  /healthz                      200 while the process serves
//   GET  /readyz                       200 when writes can be placed (k drives up), else 503
//   GET  /metrics                      Prometheus text: requests, bytes, latency, drives,
//                                      healing, scrubbing, space
//   GET  /admin/v1/heal                JSON: drive states, degraded extents, bytes to heal,
//                                      heal and scrub rates, ETA
//   GET  /admin/v1/drives              JSON: the drives and their states
//   POST /admin/v1/drives/ID/fail      an operator declares drive ID failed
//   POST /admin/v1/drives/ID/restore   takes that back (the drive returns once it probes)
//   GET  /admin/v1/capacity            JSON: raw and usable capacity, used, growth, full date
// Accounts (gateway/accounts.h), all with the admin key:
//   GET    /admin/v1/accounts                 the accounts (no keys)
//   POST   /admin/v1/accounts {"name": N}     201 with the new account's key1 and key2
//   GET    /admin/v1/accounts/N               one account;  DELETE: 204 (409 while it has
//                                             buckets)
//   GET    /admin/v1/accounts/N/keys          its keys
//   POST   /admin/v1/accounts/N/disable|enable
//   POST   /admin/v1/accounts/N/rotate-key?key=key1|key2   a fresh key; the other still works
//   PUT    /admin/v1/accounts/N/limits {"requests_per_s": R, "bytes_per_s": B}  (0 = none)
//   GET    /admin/v1/accounts/N/usage         bytes and objects stored, quotas, requests
//                                             and bytes since start (each bucket's too)
//   GET|PUT /admin/v1/accounts/N/quota {"max_bytes": B, "max_objects": O}  (0 = none)
//   GET|PUT /admin/v1/accounts/N/buckets/BUCKET/quota   the same for one bucket
// Changes need `Authorization: Bearer KEY` (the admin key); a handler built without one
// takes drive changes from loopback peers only. Errors are JSON: {"error": "..."}.
class AdminHandler : public RequestHandler {
 public:
  AdminHandler(drive::SegmentStore& store, std::function<ServerStats()> stats,
               const RequestLog* requests, std::string token, AccountManager* accounts = nullptr)
      : store_(store),
        stats_(std::move(stats)),
        requests_(requests),
        token_(std::move(token)),
        accounts_(accounts) {}

  HttpResponse Handle(const HttpRequest& request, BodySource& body) override;
  HttpResponse Reject(const HttpRequest& request, const Status& status) override;

 private:
  HttpResponse Route(const HttpRequest& request, BodySource& body);
  HttpResponse Metrics();
  bool MayChange(const HttpRequest& request) const;
  HttpResponse RouteAccounts(const HttpRequest& request, std::string_view rest, BodySource& body);
  HttpResponse UsageReport(const std::string& account);

  drive::SegmentStore& store_;
  std::function<ServerStats()> stats_;
  const RequestLog* requests_;  // per-operation metrics; may be null
  std::string token_;
  AccountManager* accounts_;  // may be null: no account routes
};

}  // namespace tessera::gateway
