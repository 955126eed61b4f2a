#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"

namespace tessera::bench {

// Where a gateway listens: parsed from "http://HOST:PORT" (a trailing '/' is allowed).
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string HostHeader() const { return host + ":" + std::to_string(port); }
};
Result<Endpoint> ParseEndpoint(std::string_view url);

struct Credentials {
  std::string access_key;
  std::string secret;
  std::string region = "us-east-1";
};

// The fixed 1 MiB pseudo-random buffer every request body is cut from (a body of any size
// is this buffer repeated, starting at some offset). Built once, read-only afterwards.
const std::string& BodyPattern();

// What came back for one request. The body is read to its end and discarded except for
// its first kKeptBodyBytes (for error reports).
struct Response {
  static constexpr size_t kKeptBodyBytes = 512;
  int status = 0;
  int64_t content_length = -1;  // the Content-Length header, -1 when absent
  uint64_t body_bytes = 0;      // body bytes actually received
  std::string body_prefix;
};

// One keep-alive HTTP/1.1 connection over a plain POSIX socket, speaking path-style S3 with
// every request signed by SigV4 (Authorization header, UNSIGNED-PAYLOAD) through
// auth/sigv4.h. Not thread-safe: one per client thread. Connects lazily, reconnects after
// the server closes, and retries a request once when a reused connection turned out to be
// closed before any response byte arrived. Socket reads and writes time out after
// `io_timeout_s` seconds of no progress (kRequestTimeout).
class S3Connection {
 public:
  S3Connection(Endpoint endpoint, Credentials credentials, int io_timeout_s = 120);
  ~S3Connection();
  S3Connection(const S3Connection&) = delete;
  S3Connection& operator=(const S3Connection&) = delete;

  // Sends `method target` (target is the raw, already-escaped path and query, e.g.
  // "/bucket/key"). A non-zero `body_size` sends that many bytes of BodyPattern() starting
  // at `pattern_offset`, streamed from the buffer; PUT and POST always carry a
  // Content-Length. Errors are transport failures only; HTTP errors are in the Response.
  Result<Response> Request(std::string_view method, std::string_view target, uint64_t body_size = 0,
                           uint64_t pattern_offset = 0);

 private:
  Status Connect();
  void Close();
  std::string SignedHead(std::string_view method, std::string_view target, uint64_t body_size,
                         bool send_length);
  Status SendAll(const char* data, size_t size);
  Status SendBody(uint64_t body_size, uint64_t pattern_offset);
  // Fills buffer_ with at least one more byte; kRequestTimeout or kInternal ("closed").
  Status Fill();
  Result<Response> ReadResponse(bool head_request, bool* got_bytes);
  Status ReadFixedBody(uint64_t length, Response& response);
  Status ReadChunkedBody(Response& response);
  Result<std::string> ReadLine();
  void Keep(Response& response, const char* data, size_t size);

  Endpoint endpoint_;
  Credentials credentials_;
  int io_timeout_s_;
  int fd_ = -1;
  bool server_closes_ = false;  // last response said Connection: close
  std::string signing_date_;    // yyyymmdd the cached key is for
  std::string signing_key_;
  std::vector<char> buffer_;  // bounded receive buffer
  size_t begin_ = 0;          // unread bytes are buffer_[begin_, end_)
  size_t end_ = 0;
};

}  // namespace tessera::bench
