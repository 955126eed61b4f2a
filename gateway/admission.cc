#include "gateway/admission.h"

#include <algorithm>

#include "common/time.h"

namespace tessera::gateway {

void RateLimiter::Bucket::Refill(int64_t now_micros) {
  const double seconds = std::max<int64_t>(0, now_micros - refilled_micros) / 1e6;
  refilled_micros = now_micros;
  requests = std::min<double>(requests_per_s, requests + seconds * requests_per_s);
  bytes = std::min<double>(bytes_per_s, bytes + seconds * bytes_per_s);
}

Status RateLimiter::Admit(const Admission& admission) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(admission.account);
  if (it == buckets_.end()) return Status::Ok();
  Bucket& b = it->second;
  b.Refill(NowMicros());
  const bool requests_ok = b.requests_per_s == 0 || b.requests >= 1;
  const bool bytes_ok = b.bytes_per_s == 0 || b.bytes > 0;
  if (!requests_ok || !bytes_ok) {
    ++refused_;
    return Status(ErrorCode::kSlowDown, requests_ok ? "account bandwidth limit reached"
                                                    : "account request rate limit reached");
  }
  if (b.requests_per_s != 0) b.requests -= 1;
  if (b.bytes_per_s != 0) b.bytes -= static_cast<double>(admission.body_bytes);
  return Status::Ok();
}

void RateLimiter::Charge(std::string_view account, uint64_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(account);
  if (it == buckets_.end() || it->second.bytes_per_s == 0) return;
  it->second.Refill(NowMicros());
  it->second.bytes -= static_cast<double>(bytes);
}

void RateLimiter::SetLimits(const std::vector<AccountInfo>& accounts) {
  std::lock_guard lock(mu_);
  std::map<std::string, Bucket, std::less<>> next;
  const int64_t now = NowMicros();
  for (const AccountInfo& a : accounts) {
    if (a.max_requests_per_s == 0 && a.max_bytes_per_s == 0) continue;
    Bucket b;
    if (auto it = buckets_.find(a.name); it != buckets_.end()) b = it->second;  // keep tokens
    const bool fresh = b.refilled_micros == 0;
    b.requests_per_s = a.max_requests_per_s;
    b.bytes_per_s = a.max_bytes_per_s;
    if (fresh) {
      b.requests = static_cast<double>(b.requests_per_s);
      b.bytes = static_cast<double>(b.bytes_per_s);
      b.refilled_micros = now;
    }
    b.Refill(now);
    next[a.name] = b;
  }
  buckets_ = std::move(next);
}

uint64_t RateLimiter::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

}  // namespace tessera::gateway
