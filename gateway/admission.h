#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/object_model.h"
#include "protocols/handler.h"

namespace tessera::gateway {

// Per-account rate limits (DESIGN section 2, "admit"): a token bucket of requests per
// second and one of body bytes per second, each holding at most one second's worth.
// Request bodies are charged when admitted, response bodies when recorded; one request
// may take the byte bucket into debt (a large object at a low limit still goes through),
// and later requests are refused until the debt is paid back at the limit's rate.
// Refusals are kSlowDown: S3 503 SlowDown, Blob 503 ServerBusy. Accounts without limits
// cost a map lookup. Thread-safe.
class RateLimiter : public Gate {
 public:
  Status Admit(const Admission& admission) override;
  // Response body bytes sent for `account`.
  void Charge(std::string_view account, uint64_t bytes);
  // The limits of every account (those of accounts not named are dropped).
  void SetLimits(const std::vector<AccountInfo>& accounts);
  // Requests refused so far.
  uint64_t refused() const;

 private:
  struct Bucket {
    uint64_t requests_per_s = 0, bytes_per_s = 0;  // 0 = unlimited
    double requests = 0, bytes = 0;                // tokens
    int64_t refilled_micros = 0;
    void Refill(int64_t now_micros);
  };
  mutable std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;  // accounts with a limit
  uint64_t refused_ = 0;
};

}  // namespace tessera::gateway
