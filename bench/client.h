#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backend/api/status.h"
#include "protocols/dialect.h"

namespace tessera::bench {

// Where a gateway listens: parsed from "http://HOST:PORT" (a trailing '/' is allowed).
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string HostHeader() const { return host + ":" + std::to_string(port); }
};
Result<Endpoint> ParseEndpoint(std::string_view url);

// S3: access key id and secret. Blob: the account name and its base64 key (SharedKey).
struct Credentials {
  std::string access_key;
  std::string secret;
  std::string region = "us-east-1";
};

// "s3" or "blob".
const char* DialectName(Dialect dialect);

// Extra request headers: lowercase names, values as sent.
using Headers = std::vector<std::pair<std::string, std::string>>;

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
  std::string error_code;  // the x-ms-error-code header (Blob errors), "" when absent
};

// One keep-alive HTTP/1.1 connection over a plain POSIX socket, speaking one dialect
// with path-style targets and every request signed:
//  - S3: SigV4 Authorization header over host, x-amz-content-sha256 (UNSIGNED-PAYLOAD) and
//    x-amz-date, through auth/sigv4.h. Extra headers are sent unsigned.
//  - Blob: "SharedKey <account>:<signature>" through auth/shared_key.h, x-ms-date and
//    x-ms-version 2023-11-03, signed over exactly the headers sent (extra ones included).
// Not thread-safe: one per client thread. Connects lazily, reconnects after the server
// closes, and retries a request once when a reused connection turned out to be closed
// before any response byte arrived. Socket reads and writes time out after `io_timeout_s`
// seconds of no progress (kRequestTimeout).
class Connection {
 public:
  static constexpr char kBlobVersion[] = "2023-11-03";

  Connection(Endpoint endpoint, Credentials credentials, Dialect dialect = Dialect::kS3,
             int io_timeout_s = 120);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Dialect dialect() const { return dialect_; }

  // Sends `method target` (target is the raw, already-escaped path and query, e.g.
  // "/bucket/key"). A non-zero `body_size` sends that many bytes of BodyPattern() starting
  // at `pattern_offset`, streamed from the buffer; PUT and POST always carry a
  // Content-Length. `extra` headers are added to the head. Errors are transport failures
  // only; HTTP errors are in the Response.
  Result<Response> Request(std::string_view method, std::string_view target, uint64_t body_size = 0,
                           uint64_t pattern_offset = 0, const Headers& extra = {});

  // The bench's three operations in this connection's dialect; a bucket is a container for
  // Blob. `bucket` and `key` are plain names that need no escaping (letters, digits, '-',
  // '/', '.'). Each returns what Request() returns; success is the status *Status() names.
  //   S3:   PUT /bucket               PUT /bucket/key             GET /bucket/key
  //   Blob: PUT /acct/c?restype=container  PUT /acct/c/key (BlockBlob)  GET /acct/c/key
  Result<Response> CreateBucket(std::string_view bucket);
  Result<Response> PutObject(std::string_view bucket, std::string_view key, uint64_t size,
                             uint64_t pattern_offset);
  Result<Response> GetObject(std::string_view bucket, std::string_view key);
  int CreateBucketStatus() const { return dialect_ == Dialect::kBlob ? 201 : 200; }
  int PutObjectStatus() const { return dialect_ == Dialect::kBlob ? 201 : 200; }
  static constexpr int kGetObjectStatus = 200;

 private:
  Status Connect();
  void Close();
  // The request head up to and including the blank line, signed for the dialect.
  std::string SignedHead(std::string_view method, std::string_view target, uint64_t body_size,
                         bool send_length, const Headers& extra);
  std::string S3Authorization(const HttpRequest& request, const std::string& amz_date);
  std::string BucketTarget(std::string_view bucket) const;
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
  Dialect dialect_;
  int io_timeout_s_;
  int fd_ = -1;
  bool server_closes_ = false;  // last response said Connection: close
  std::string signing_date_;    // S3: yyyymmdd the cached key is for
  std::string signing_key_;
  std::vector<char> buffer_;  // bounded receive buffer
  size_t begin_ = 0;          // unread bytes are buffer_[begin_, end_)
  size_t end_ = 0;
};

}  // namespace tessera::bench
