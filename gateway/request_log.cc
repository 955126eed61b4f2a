#include "gateway/request_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"

namespace tessera::gateway {
namespace {

constexpr const char* kDialects[2] = {"s3", "blob"};

// One access log line: a JSON object and a newline (see request_log.h), built without
// a JSON DOM (this runs for every request).
std::string AccessLine(const Completed& r, const std::string& operation) {
  std::string out;
  out.reserve(384 + r.path.size() + r.record.key.size() + r.user_agent.size());
  auto field = [&out](const char* name, std::string_view value) {
    out += out.empty() ? "{\"" : ",\"";
    out += name;
    out += "\":";
    AppendJsonString(out, value);
  };
  auto number = [&out](const char* name, const std::string& value) {
    out += ",\"";
    out += name;
    out += "\":";
    out += value;
  };
  field("time", FormatIso8601Millis(r.time_us));
  field("request_id", r.record.request_id);
  field("remote", r.remote);
  field("dialect", kDialects[r.dialect]);
  field("operation", operation);
  field("method", r.method);
  field("path", r.path);
  field("account", r.record.account);
  field("bucket", r.record.bucket);
  field("key", r.record.key);
  number("status", std::to_string(r.status));
  if (!r.record.error_code.empty()) field("error", r.record.error_code);
  number("bytes_in", std::to_string(r.bytes_in));
  number("bytes_out", std::to_string(r.bytes_out));
  char ms[32];
  std::snprintf(ms, sizeof(ms), "%.2f",
                static_cast<double>(static_cast<int64_t>(r.seconds * 1e5)) / 100);
  number("ms", ms);
  field("user_agent", r.user_agent);
  if (!r.whole) number("cut", "true");
  out += "}\n";
  return out;
}

}  // namespace

std::string PrometheusLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

RequestLog::~RequestLog() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void RequestLog::WriteLoop() {
  NameThread("tessera-log");
  std::unique_lock<std::mutex> lock(queue_mu_);
  for (;;) {
    queue_cv_.wait_for(lock, kFlushInterval,
                       [&] { return stopping_ || queue_.size() >= kBatchLines; });
    if (queue_.empty() && !stopping_) continue;
    if (queue_.empty()) return;  // stopping, everything written
    std::deque<std::string> lines;
    lines.swap(queue_);
    lock.unlock();
    std::string text;
    for (const std::string& line : lines) text += line;
    {
      std::lock_guard<std::mutex> fd_lock(fd_mu_);
      for (size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // a full disk drops log lines, never requests
        done += static_cast<size_t>(n);
      }
    }
    lock.lock();
  }
}

Status RequestLog::OpenAccessLog(const std::string& path) {
  std::lock_guard<std::mutex> lock(fd_mu_);
  path_ = path;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    if (!writer_.joinable()) writer_ = std::thread([this] { WriteLoop(); });
    return Status::Ok();
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "cannot open the access log " + path + ": " + std::strerror(errno));
  }
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = fd;
  owns_fd_ = true;
  if (!writer_.joinable()) writer_ = std::thread([this] { WriteLoop(); });
  return Status::Ok();
}

Status RequestLog::ReopenAccessLog() {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(fd_mu_);
    if (path_.empty() || path_ == "-") return Status::Ok();
    path = path_;
  }
  return OpenAccessLog(path);
}

void RequestLog::Record(const Completed& r) {
  const std::string& operation = r.record.operation.empty() ? "Unknown" : r.record.operation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    OperationStats& stats = operations_[{r.dialect, operation}];
    stats.responses[std::clamp(r.status / 100, 1, 5)]++;
    size_t bucket = 0;
    while (bucket < kLatencyBuckets.size() && r.seconds > kLatencyBuckets[bucket]) ++bucket;
    stats.latency[bucket]++;
    stats.seconds += r.seconds;
    auto count = [&r](Traffic& t) {
      ++t.requests;
      t.bytes_in += r.bytes_in;
      t.bytes_out += r.bytes_out;
    };
    count(accounts_[r.record.account]);
    if (!r.record.account.empty() && !r.record.bucket.empty()) {
      auto key = std::make_pair(r.record.account, r.record.bucket);
      auto it = buckets_.find(key);
      if (it != buckets_.end()) {
        count(it->second);
      } else if (buckets_.size() < kMaxBuckets) {
        count(buckets_[std::move(key)]);
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(fd_mu_);
    if (fd_ < 0) return;
  }
  std::string text = AccessLine(r, operation);
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (queue_.size() >= kMaxQueued) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(text));
    // The writer wakes for a batch, or on its own within kFlushInterval: no wake-up (and
    // write) per request.
    if (queue_.size() < kBatchLines) return;
  }
  queue_cv_.notify_one();
}

RequestLog::Traffic RequestLog::AccountTraffic(const std::string& account) const {
  std::lock_guard lock(mu_);
  auto it = accounts_.find(account);
  return it == accounts_.end() ? Traffic{} : it->second;
}

std::map<std::string, RequestLog::Traffic> RequestLog::BucketTraffic(
    const std::string& account) const {
  std::lock_guard lock(mu_);
  std::map<std::string, Traffic> out;
  for (auto it = buckets_.lower_bound({account, ""});
       it != buckets_.end() && it->first.first == account; ++it) {
    out[it->first.second] = it->second;
  }
  return out;
}

std::string RequestLog::Metrics() const {
  std::map<std::pair<int, std::string>, OperationStats> snapshot;
  std::map<std::string, AccountStats> accounts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot = operations_;
    accounts = accounts_;
  }
  uint64_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    dropped = dropped_;
  }
  std::string out =
      "# HELP tessera_requests_total Requests answered, by dialect, operation and status "
      "class.\n# TYPE tessera_requests_total counter\n";
  char number[64];
  for (const auto& [key, stats] : snapshot) {
    const std::string labels = std::string("dialect=\"") + kDialects[key.first] +
                               "\",operation=\"" + PrometheusLabel(key.second) + "\"";
    for (int c = 1; c <= 5; ++c) {
      if (stats.responses[c] == 0) continue;
      out += "tessera_requests_total{" + labels + ",code=\"" + std::to_string(c) + "xx\"} " +
             std::to_string(stats.responses[c]) + "\n";
    }
  }
  out +=
      "# HELP tessera_operation_duration_seconds Head read to response written, by dialect "
      "and operation.\n# TYPE tessera_operation_duration_seconds histogram\n";
  for (const auto& [key, stats] : snapshot) {
    const std::string labels = std::string("dialect=\"") + kDialects[key.first] +
                               "\",operation=\"" + PrometheusLabel(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kLatencyBuckets.size(); ++b) {
      cumulative += stats.latency[b];
      if (b < kLatencyBuckets.size()) {
        std::snprintf(number, sizeof(number), "%g", kLatencyBuckets[b]);
      } else {
        std::snprintf(number, sizeof(number), "+Inf");
      }
      out += "tessera_operation_duration_seconds_bucket{" + labels + ",le=\"" + number + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    std::snprintf(number, sizeof(number), "%.6f", stats.seconds);
    out += "tessera_operation_duration_seconds_sum{" + labels + "} " + number + "\n";
    out += "tessera_operation_duration_seconds_count{" + labels + "} " +
           std::to_string(cumulative) + "\n";
  }
  struct AccountFamily {
    const char* name;
    const char* help;
    uint64_t AccountStats::*field;
  };
  const AccountFamily families[] = {
      {"tessera_account_requests_total", "Requests answered, by account (\"\" = anonymous).",
       &AccountStats::requests},
      {"tessera_account_bytes_in_total", "Request body bytes read, by account.",
       &AccountStats::bytes_in},
      {"tessera_account_bytes_out_total", "Response body bytes written, by account.",
       &AccountStats::bytes_out},
  };
  for (const AccountFamily& family : families) {
    out += std::string("# HELP ") + family.name + " " + family.help + "\n# TYPE " + family.name +
           " counter\n";
    for (const auto& [account, stats] : accounts) {
      out += std::string(family.name) + "{account=\"" + PrometheusLabel(account) + "\"} " +
             std::to_string(stats.*family.field) + "\n";
    }
  }
  out +=
      "# HELP tessera_access_log_dropped_total Access log lines dropped while the log target "
      "could not keep up.\n# TYPE tessera_access_log_dropped_total counter\n"
      "tessera_access_log_dropped_total " +
      std::to_string(dropped) + "\n";
  return out;
}

}  // namespace tessera::gateway
