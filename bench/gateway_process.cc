#include "bench/gateway_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace tessera::bench {
namespace {

std::string DescribeWait(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Child side of fork(): only async-signal-safe calls until exec.
[[noreturn]] void ExecGateway(const std::string& binary, const std::vector<std::string>& args,
                              const std::string& log) {
  ::setpgid(0, 0);  // Ctrl-C reaches the bench only; the bench stops the gateway itself
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  static constexpr char kMsg[] = "tessera-bench: exec of the gateway binary failed\n";
  (void)!::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  ::_exit(127);
}

}  // namespace

Result<std::unique_ptr<GatewayProcess>> GatewayProcess::Start(const std::string& binary,
                                                              const std::string& tmp_root,
                                                              int ready_timeout_s) {
  if (::access(binary.c_str(), X_OK) != 0) {
    return Status(ErrorCode::kInternal, "gateway binary " + binary + ": " + std::strerror(errno));
  }
  std::string templ = tmp_root + "/tessera-bench-XXXXXX";
  std::vector<char> path(templ.begin(), templ.end());
  path.push_back('\0');
  if (::mkdtemp(path.data()) == nullptr) {
    return Status(ErrorCode::kInternal, "mkdtemp " + templ + ": " + std::strerror(errno));
  }
  std::unique_ptr<GatewayProcess> gateway(new GatewayProcess());
  gateway->dir_ = path.data();
  std::string ready = gateway->dir_ + "/ready";
  std::vector<std::string> args = {
      binary,     "serve",       "--data",       gateway->dir_ + "/data",
      "--listen", "127.0.0.1:0", "--ready-file", ready};
  std::string log = gateway->dir_ + "/gateway.log";
  std::fflush(stdout);
  pid_t pid = ::fork();
  if (pid < 0) return Status(ErrorCode::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) ExecGateway(binary, args, log);
  gateway->pid_ = pid;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(ready_timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ready);
    std::string first;
    if (in && std::getline(in, first) && !first.empty()) {
      gateway->url_ = first;
      return gateway;
    }
    if (!gateway->Running()) {
      return Status(ErrorCode::kInternal, "gateway exited during startup (" + gateway->Stop() +
                                              "); log:\n" + gateway->LogTail(4096));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string how = gateway->Stop(5);
  return Status(ErrorCode::kInternal, "no ready file after " + std::to_string(ready_timeout_s) +
                                          " s (" + how + "); log:\n" + gateway->LogTail(4096));
}

GatewayProcess::~GatewayProcess() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

bool GatewayProcess::Running() {
  if (pid_ < 0 || wait_status_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    wait_status_ = status;
    return false;
  }
  return r == 0;
}

std::string GatewayProcess::Stop(int grace_s) {
  if (pid_ < 0) return "not started";
  if (!Running()) return wait_status_ ? DescribeWait(*wait_status_) : "gone";
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      if (::waitpid(pid_, &status, 0) == pid_) wait_status_ = status;
      return (wait_status_ ? DescribeWait(*wait_status_) : "gone") + " (after SIGKILL)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return wait_status_ ? DescribeWait(*wait_status_) : "gone";
}

std::string GatewayProcess::LogTail(size_t max_bytes) const {
  std::ifstream in(dir_ + "/gateway.log", std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() <= max_bytes ? all : all.substr(all.size() - max_bytes);
}

std::optional<MemoryUsage> ReadMemoryUsage(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  MemoryUsage usage;
  bool any = false;
  std::string line;
  while (std::getline(in, line)) {
    // Lines look like "VmRSS:\t   12345 kB".
    if (line.rfind("VmRSS:", 0) == 0) {
      usage.rss_kib = std::strtoll(line.c_str() + 6, nullptr, 10);
      any = true;
    } else if (line.rfind("VmHWM:", 0) == 0) {
      usage.hwm_kib = std::strtoll(line.c_str() + 6, nullptr, 10);
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return usage;
}

std::optional<ProcessCost> ReadProcessCost(pid_t pid) {
  ProcessCost cost;
  {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all;
    if (!in || !std::getline(in, all)) return std::nullopt;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    size_t close = all.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(all.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
      if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    cost.cpu_seconds =
        static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::ifstream io("/proc/" + std::to_string(pid) + "/io");
  std::string line;
  while (std::getline(io, line)) {
    if (line.rfind("write_bytes:", 0) == 0)
      cost.write_bytes = std::strtoull(line.c_str() + 12, nullptr, 10);
  }
  return cost;
}

std::optional<uint64_t> DeviceWrittenBytes(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || major(st.st_dev) == 0) return std::nullopt;
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev)) + "/stat");
  // Fields: reads, merged, sectors read, ms, writes, merged, sectors written, ...
  uint64_t field[7] = {};
  for (uint64_t& f : field) {
    if (!(in >> f)) return std::nullopt;
  }
  return field[6] * 512;
}

uint64_t DiskUsage(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (it->is_regular_file(ec) && ::stat(it->path().c_str(), &st) == 0) {
      total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return total;
}

RssSampler::RssSampler(pid_t pid, int interval_ms) : pid_(pid), interval_ms_(interval_ms) {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      Sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms_));
    }
  });
}

RssSampler::~RssSampler() {
  stop_ = true;
  thread_.join();
}

void RssSampler::Sample() {
  std::optional<MemoryUsage> usage = ReadMemoryUsage(pid_);
  if (!usage) return;
  std::lock_guard<std::mutex> lock(mu_);
  peak_kib_ = std::max(peak_kib_, usage->rss_kib);
}

int64_t RssSampler::TakePeak() {
  Sample();  // the state at the end of the phase counts too
  std::lock_guard<std::mutex> lock(mu_);
  int64_t peak = peak_kib_;
  peak_kib_ = -1;
  return peak;
}

}  // namespace tessera::bench
