#pragma once

// Test support: runs the real `tessera` binary on an ephemeral loopback port, and speaks
// raw HTTP/1.1 to it with SigV4-signed requests.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string Header(const std::string& lowercase_name) const;
};

class Gateway {
 public:
  // Starts `tessera serve` on 127.0.0.1:0 with `data_dir` (created if needed) and any
  // `extra_args` (e.g. --config FILE). Its output goes to `data_dir` + ".log".
  explicit Gateway(std::string data_dir, std::vector<std::string> extra_args = {});
  ~Gateway();
  bool Start();
  // SIGTERM and wait; returns the exit status (or -1).
  int Stop();
  // SIGKILL: a crash at an arbitrary instant.
  void Kill();
  // Sends a signal without waiting; Wait() then reaps and returns the exit status.
  void Signal(int signal);
  int Wait();
  bool Alive();
  int port() const { return port_; }
  // The admin listener's port, when started with one (--admin 127.0.0.1:0); else 0.
  int admin_port() const { return admin_port_; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int port_ = 0;
  int admin_port_ = 0;
};

// One keep-alive connection.
class Connection {
 public:
  explicit Connection(int port, const std::string& source_ip = "");  // "" = any
  ~Connection();
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Half-closes: the peer sees end of stream after what was sent.
  void CloseWrite();
  // Reads one response; `head` when it answers a HEAD request (no body).
  bool Read(RawResponse* response, bool head = false);
  // Reads exactly "HTTP/1.1 100 Continue\r\n\r\n"-style interim response.
  bool ReadInterim(int* status);

 private:
  bool Fill();
  int fd_ = -1;
  std::string buffer_;
};

struct Request {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // x-amz-content-sha256: empty = SHA-256 of body; or e.g. "UNSIGNED-PAYLOAD".
  std::string payload_hash;
  std::string secret;   // empty = the development key
  std::string account;  // access key id / Blob account; empty = the development account
  std::string host;     // empty = 127.0.0.1:<port>
  bool sign = true;
};

// Serialises a request with Host, x-amz-date, x-amz-content-sha256, Content-Length and a
// SigV4 Authorization header computed over them.
std::string Serialize(const Request& request, int port);

// Sends `request` on a fresh connection and reads the response.
RawResponse Send(int port, const Request& request);

// The Blob dialect: Host, x-ms-date, x-ms-version, Content-Length and, when `sign`, a
// SharedKey Authorization header for devstoreaccount1 (path-style target expected).
std::string SerializeBlob(const Request& request, int port);
RawResponse SendBlob(int port, const Request& request);

std::string MakeTempDir();
// The path of the `tessera` binary under test.
std::string TesseraBinary();
// Runs a shell command and returns its wait status; its stdout and stderr go to `output`.
int RunCommand(const std::string& command, std::string* output);
void RemoveTree(const std::string& path);
// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace tessera::testing
