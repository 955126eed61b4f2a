#pragma once

#include <functional>
#include <string>

#include "backend/drive/segment_store.h"
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
// Changes need `Authorization: Bearer TOKEN` when a token is configured; without one,
// they are taken from loopback peers only. Errors are JSON: {"error": "..."}.
class AdminHandler : public RequestHandler {
 public:
  AdminHandler(drive::SegmentStore& store, std::function<ServerStats()> stats,
               const RequestLog* requests, std::string token)
      : store_(store), stats_(std::move(stats)), requests_(requests), token_(std::move(token)) {}

  HttpResponse Handle(const HttpRequest& request, BodySource& body) override;
  HttpResponse Reject(const HttpRequest& request, const Status& status) override;

 private:
  HttpResponse Route(const HttpRequest& request, BodySource& body);
  HttpResponse Metrics();
  bool MayChange(const HttpRequest& request) const;

  drive::SegmentStore& store_;
  std::function<ServerStats()> stats_;
  const RequestLog* requests_;  // per-operation metrics; may be null
  std::string token_;
};

}  // namespace tessera::gateway
