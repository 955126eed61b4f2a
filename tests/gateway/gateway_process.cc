#include "tests/gateway/gateway_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/shared_key.h"
#include "auth/sigv4.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "http/request.h"

namespace tessera::testing {
namespace {

constexpr char kAccount[] = "devstoreaccount1";
constexpr char kKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

}  // namespace

std::string RawResponse::Header(const std::string& lowercase_name) const {
  for (const auto& [n, v] : headers) {
    if (n == lowercase_name) return v;
  }
  return "";
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tessera-test-XXXXXX").string();
  char* dir = mkdtemp(pattern.data());
  return dir ? std::string(dir) : std::string();
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string TesseraBinary() { return std::string(TESSERA_BINARY_DIR) + "/gateway/tessera"; }

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output->append(buf, n);
  return ::pclose(pipe);
}

Gateway::Gateway(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

Gateway::~Gateway() {
  if (pid_ > 0) Kill();
}

bool Gateway::Start() {
  std::string ready = data_dir_ + ".ready";
  std::filesystem::remove(ready);
  std::string binary = TesseraBinary();
  pid_ = fork();
  if (pid_ == 0) {
    std::string log = data_dir_ + ".log";
    FILE* f = freopen(log.c_str(), "a", stdout);
    (void)f;
    dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args = {"tessera",  "serve",       "--data",       data_dir_,
                                     "--listen", "127.0.0.1:0", "--ready-file", ready};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(ready);
    std::string line;
    if (in && std::getline(in, line)) {
      port_ = std::atoi(line.substr(line.rfind(':') + 1).c_str());
      // The file is renamed into place whole: the admin line, if any, is there too.
      while (std::getline(in, line)) {
        if (line.starts_with("admin ")) {
          admin_port_ = std::atoi(line.substr(line.rfind(':') + 1).c_str());
        }
      }
      return port_ > 0;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int Gateway::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Gateway::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int Gateway::Wait() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Gateway::Alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void Gateway::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Connection::Connection(int port, const std::string& source_ip) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (!source_ip.empty()) {  // another loopback address (127.0.0.0/8), as another client
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &source.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
      close(fd_);
      fd_ = -1;
      return;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

bool Connection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void Connection::CloseWrite() { shutdown(fd_, SHUT_WR); }

bool Connection::Fill() {
  char buf[65536];
  ssize_t n = recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool Connection::ReadInterim(int* status) {
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (!Fill()) return false;
  }
  size_t end = buffer_.find("\r\n\r\n");
  *status = std::atoi(buffer_.substr(9, 3).c_str());
  buffer_.erase(0, end + 4);
  return true;
}

bool Connection::Read(RawResponse* response, bool head) {
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (!Fill()) return false;
  }
  size_t end = buffer_.find("\r\n\r\n");
  std::string head_text = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  *response = RawResponse();
  response->status = std::atoi(head_text.substr(9, 3).c_str());
  size_t pos = head_text.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head_text.find("\r\n", pos + 2);
    std::string line =
        head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      response->headers.emplace_back(ToLower(line.substr(0, colon)),
                                     std::string(Trim(line.substr(colon + 1))));
    }
    pos = next;
  }
  if (head || response->status == 204 || response->status == 304) return true;
  size_t length = static_cast<size_t>(std::atoll(response->Header("content-length").c_str()));
  while (buffer_.size() < length) {
    if (!Fill()) return false;
  }
  response->body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return true;
}

std::string Serialize(const Request& request, int port) {
  HttpRequest signed_request;
  signed_request.method = request.method;
  signed_request.target = request.target;
  std::string amz_date = FormatAmzDate(NowMicros());
  std::string payload_hash =
      request.payload_hash.empty() ? HexEncode(Sha256(request.body)) : request.payload_hash;
  std::string host = request.host.empty() ? "127.0.0.1:" + std::to_string(port) : request.host;
  signed_request.headers = {
      {"host", host}, {"x-amz-date", amz_date}, {"x-amz-content-sha256", payload_hash}};
  for (const auto& [n, v] : request.headers) signed_request.headers.emplace_back(ToLower(n), v);
  std::string out = request.method + " " + request.target + " HTTP/1.1\r\n";
  for (const auto& [n, v] : signed_request.headers) out += n + ": " + v + "\r\n";
  if (request.sign) {
    std::string signed_names;
    std::vector<std::string> names;
    for (const auto& h : signed_request.headers) names.push_back(h.first);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& n : names) signed_names += (signed_names.empty() ? "" : ";") + n;
    std::string date = amz_date.substr(0, 8);
    std::string scope = date + "/us-east-1/s3/aws4_request";
    auto canonical = auth::CanonicalRequest(signed_request, signed_names, payload_hash, false);
    std::string key = auth::DeriveSigningKey(request.secret.empty() ? kKey : request.secret, date,
                                             "us-east-1", "s3");
    std::string signature = auth::SignatureHex(
        key, auth::StringToSign(amz_date, scope, canonical.ok() ? *canonical : ""));
    const std::string account = request.account.empty() ? kAccount : request.account;
    out += "authorization: AWS4-HMAC-SHA256 Credential=" + account + "/" + scope +
           ", SignedHeaders=" + signed_names + ", Signature=" + signature + "\r\n";
  }
  bool has_length = false;
  for (const auto& [n, v] : request.headers) has_length |= ToLower(n) == "content-length";
  if (!has_length &&
      (!request.body.empty() || request.method == "PUT" || request.method == "POST")) {
    out += "content-length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

RawResponse Send(int port, const Request& request) {
  Connection connection(port);
  RawResponse response;
  if (!connection.ok() || !connection.Send(Serialize(request, port)) ||
      !connection.Read(&response, request.method == "HEAD")) {
    response.status = -1;
  }
  return response;
}

std::string SerializeBlob(const Request& request, int port) {
  HttpRequest head;
  head.method = request.method;
  head.target = request.target;
  std::string host = request.host.empty() ? "127.0.0.1:" + std::to_string(port) : request.host;
  head.headers = {
      {"host", host}, {"x-ms-date", FormatHttpDate(NowMicros())}, {"x-ms-version", "2023-11-03"}};
  for (const auto& [n, v] : request.headers) head.headers.emplace_back(ToLower(n), v);
  bool has_length = false;
  for (const auto& [n, v] : head.headers) has_length |= n == "content-length";
  if (!has_length && (!request.body.empty() || request.method == "PUT")) {
    head.headers.emplace_back("content-length", std::to_string(request.body.size()));
  }
  if (request.sign) {
    std::string key = request.secret.empty() ? kKey : request.secret;
    const std::string account = request.account.empty() ? kAccount : request.account;
    std::string signature = auth::SignSharedKey(key, auth::BlobStringToSign(head, account));
    head.headers.emplace_back("authorization", "SharedKey " + account + ":" + signature);
  }
  std::string out = request.method + " " + request.target + " HTTP/1.1\r\n";
  for (const auto& [n, v] : head.headers) out += n + ": " + v + "\r\n";
  out += "\r\n";
  out += request.body;
  return out;
}

RawResponse SendBlob(int port, const Request& request) {
  Connection connection(port);
  RawResponse response;
  if (!connection.ok() || !connection.Send(SerializeBlob(request, port)) ||
      !connection.Read(&response, request.method == "HEAD")) {
    response.status = -1;
  }
  return response;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace tessera::testing
