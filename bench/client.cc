#include "bench/client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "auth/shared_key.h"
#include "auth/sigv4.h"
#include "common/time.h"
#include "http/request.h"

namespace tessera::bench {
namespace {

constexpr size_t kPatternBytes = 1 << 20;
constexpr size_t kBufferBytes = 256 * 1024;
constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr char kSignedHeaders[] = "host;x-amz-content-sha256;x-amz-date";
constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status Errno(std::string_view what) {
  int e = errno;
  ErrorCode code =
      (e == EAGAIN || e == EWOULDBLOCK) ? ErrorCode::kRequestTimeout : ErrorCode::kInternal;
  return Status(code, std::string(what) + ": " + std::strerror(e));
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status(ErrorCode::kInvalidArgument, "endpoint must start with http://");
  }
  url.remove_prefix(kScheme.size());
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == url.size()) {
    return Status(ErrorCode::kInvalidArgument, "endpoint needs HOST:PORT");
  }
  Endpoint endpoint;
  endpoint.host = std::string(url.substr(0, colon));
  uint32_t port = 0;
  for (char c : url.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return Status(ErrorCode::kInvalidArgument, "bad port in endpoint");
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port == 0 || port > 65535) return Status(ErrorCode::kInvalidArgument, "bad port");
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

const std::string& BodyPattern() {
  static const std::string pattern = [] {
    std::string p(kPatternBytes, '\0');
    uint64_t x = 0x9E3779B97F4A7C15ull;  // xorshift64: fixed, so runs are comparable
    for (size_t i = 0; i < p.size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      for (size_t b = 0; b < 8; ++b) p[i + b] = static_cast<char>(x >> (8 * b));
    }
    return p;
  }();
  return pattern;
}

const char* DialectName(Dialect dialect) { return dialect == Dialect::kBlob ? "blob" : "s3"; }

Connection::Connection(Endpoint endpoint, Credentials credentials, Dialect dialect,
                       int io_timeout_s)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      dialect_(dialect),
      io_timeout_s_(io_timeout_s),
      buffer_(kBufferBytes) {}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  begin_ = end_ = 0;
  server_closes_ = false;
}

Status Connection::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(endpoint_.port);
  if (int rc = ::getaddrinfo(endpoint_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status(ErrorCode::kInternal, "resolve " + endpoint_.host + ": " + gai_strerror(rc));
  }
  Status last(ErrorCode::kInternal, "no address for " + endpoint_.host);
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = Errno("socket");
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last = Errno("connect " + endpoint_.HostHeader());
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval tv{};
    tv.tv_sec = io_timeout_s_;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    fd_ = fd;
    last = Status::Ok();
    break;
  }
  ::freeaddrinfo(found);
  begin_ = end_ = 0;
  server_closes_ = false;
  return last;
}

// SigV4 "Authorization header" form: canonical request over host, x-amz-content-sha256 and
// x-amz-date, with the UNSIGNED-PAYLOAD hash.
std::string Connection::S3Authorization(const HttpRequest& request, const std::string& amz_date) {
  std::string date = amz_date.substr(0, 8);
  if (date != signing_date_) {
    signing_key_ = auth::DeriveSigningKey(credentials_.secret, date, credentials_.region, "s3");
    signing_date_ = date;
  }
  std::string scope = date + "/" + credentials_.region + "/s3/aws4_request";
  // The target is built by the caller from plain names, so the only failure (a bad
  // percent-escape) cannot happen; an empty signature would be rejected by the gateway.
  Result<std::string> canonical =
      auth::CanonicalRequest(request, kSignedHeaders, kUnsignedPayload, /*presigned=*/false);
  std::string signature =
      canonical.ok()
          ? auth::SignatureHex(signing_key_, auth::StringToSign(amz_date, scope, *canonical))
          : std::string();
  return "AWS4-HMAC-SHA256 Credential=" + credentials_.access_key + "/" + scope +
         ", SignedHeaders=" + kSignedHeaders + ", Signature=" + signature;
}

std::string Connection::SignedHead(std::string_view method, std::string_view target,
                                   uint64_t body_size, bool send_length, const Headers& extra) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = std::string(target);
  request.headers = {{"host", endpoint_.HostHeader()}};
  std::string authorization;
  if (dialect_ == Dialect::kBlob) {
    // SharedKey signs Content-Length and every x-ms-* header, so the signed request holds
    // exactly the headers sent.
    request.headers.emplace_back("x-ms-date", FormatHttpDate(NowMicros()));
    request.headers.emplace_back("x-ms-version", kBlobVersion);
    request.headers.insert(request.headers.end(), extra.begin(), extra.end());
    if (send_length) request.headers.emplace_back("content-length", std::to_string(body_size));
    authorization = "SharedKey " + credentials_.access_key + ":" +
                    auth::SignSharedKey(credentials_.secret,
                                        auth::BlobStringToSign(request, credentials_.access_key));
  } else {
    std::string amz_date = FormatAmzDate(NowMicros());
    request.headers.emplace_back("x-amz-content-sha256", kUnsignedPayload);
    request.headers.emplace_back("x-amz-date", amz_date);
    authorization = S3Authorization(request, amz_date);
    request.headers.insert(request.headers.end(), extra.begin(), extra.end());
    if (send_length) request.headers.emplace_back("content-length", std::to_string(body_size));
  }

  std::string head;
  head.reserve(512);
  head.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : request.headers) {
    head.append(name).append(": ").append(value).append("\r\n");
  }
  head.append("authorization: ").append(authorization).append("\r\n\r\n");
  return head;
}

std::string Connection::BucketTarget(std::string_view bucket) const {
  std::string target = "/";
  if (dialect_ == Dialect::kBlob) target.append(credentials_.access_key).append("/");
  return target.append(bucket);
}

Result<Response> Connection::CreateBucket(std::string_view bucket) {
  if (dialect_ == Dialect::kBlob) {
    return Request("PUT", BucketTarget(bucket) + "?restype=container");
  }
  return Request("PUT", BucketTarget(bucket));
}

Result<Response> Connection::PutObject(std::string_view bucket, std::string_view key, uint64_t size,
                                       uint64_t pattern_offset) {
  std::string target = BucketTarget(bucket) + "/" + std::string(key);
  if (dialect_ == Dialect::kBlob) {
    static const Headers kBlockBlob = {{"x-ms-blob-type", "BlockBlob"}};
    return Request("PUT", target, size, pattern_offset, kBlockBlob);
  }
  return Request("PUT", target, size, pattern_offset);
}

Result<Response> Connection::GetObject(std::string_view bucket, std::string_view key) {
  return Request("GET", BucketTarget(bucket) + "/" + std::string(key));
}

Status Connection::SendAll(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("send");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status Connection::SendBody(uint64_t body_size, uint64_t pattern_offset) {
  const std::string& pattern = BodyPattern();
  size_t pos = static_cast<size_t>(pattern_offset % pattern.size());
  while (body_size > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(body_size, pattern.size() - pos));
    RETURN_IF_ERROR(SendAll(pattern.data() + pos, n));
    body_size -= n;
    pos = (pos + n) % pattern.size();
  }
  return Status::Ok();
}

Result<Response> Connection::Request(std::string_view method, std::string_view target,
                                     uint64_t body_size, uint64_t pattern_offset,
                                     const Headers& extra) {
  bool send_length = body_size > 0 || method == "PUT" || method == "POST";
  for (int attempt = 0;; ++attempt) {
    if (fd_ >= 0 && server_closes_) Close();
    bool reused = fd_ >= 0;
    if (!reused) RETURN_IF_ERROR(Connect());
    std::string head = SignedHead(method, target, body_size, send_length, extra);
    Status sent = SendAll(head.data(), head.size());
    if (sent.ok() && body_size > 0) sent = SendBody(body_size, pattern_offset);
    // Even when sending failed the server may have answered (an early error response
    // followed by a close), so the response is read either way.
    bool got_bytes = false;
    Result<Response> response = ReadResponse(method == "HEAD", &got_bytes);
    if (response.ok()) return response;
    Close();
    if (reused && !got_bytes && attempt == 0) continue;  // stale keep-alive connection
    if (!sent.ok()) return Status(sent.code(), sent.message() + "; " + response.status().message());
    return response.status();
  }
}

Status Connection::Fill() {
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size()) {
    if (begin_ == 0) return Status(ErrorCode::kInternal, "receive buffer full");
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Status::Ok();
    }
    if (n == 0) return Status(ErrorCode::kInternal, "connection closed by the gateway");
    if (errno == EINTR) continue;
    return Errno("recv");
  }
}

Result<std::string> Connection::ReadLine() {
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (nl != nullptr) {
      std::string line(start, static_cast<size_t>(nl - start));
      begin_ += line.size() + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (end_ - begin_ > kMaxHeadBytes) return Status(ErrorCode::kInternal, "line too long");
    RETURN_IF_ERROR(Fill());
  }
}

void Connection::Keep(Response& response, const char* data, size_t size) {
  size_t room = Response::kKeptBodyBytes - response.body_prefix.size();
  response.body_prefix.append(data, std::min(room, size));
}

Result<Response> Connection::ReadResponse(bool head_request, bool* got_bytes) {
  Response response;
  bool chunked = false;
  size_t head_bytes = 0;
  for (int line_no = 0;; ++line_no) {
    Result<std::string> line = ReadLine();
    if (!line.ok()) {
      *got_bytes = *got_bytes || end_ > begin_ || line_no > 0;
      return line.status();
    }
    *got_bytes = true;
    head_bytes += line->size() + 2;
    if (head_bytes > kMaxHeadBytes) return Status(ErrorCode::kInternal, "response head too big");
    if (line_no == 0) {
      // Status line: HTTP/1.1 SP 3DIGIT SP reason.
      if (line->size() < 12 || line->compare(0, 5, "HTTP/") != 0) {
        return Status(ErrorCode::kInternal, "bad status line: " + line->substr(0, 80));
      }
      response.status = std::atoi(line->c_str() + 9);
      continue;
    }
    if (line->empty()) {
      if (response.status == 100) {  // interim response: the real one follows
        line_no = -1;
        continue;
      }
      break;
    }
    size_t colon = line->find(':');
    if (colon == std::string::npos) continue;
    std::string name = Lower(Trim(std::string_view(*line).substr(0, colon)));
    std::string_view raw_value = Trim(std::string_view(*line).substr(colon + 1));
    std::string value = Lower(raw_value);
    if (name == "content-length") {
      response.content_length = std::strtoll(value.c_str(), nullptr, 10);
    } else if (name == "transfer-encoding") {
      chunked = value.find("chunked") != std::string::npos;
    } else if (name == "connection") {
      server_closes_ = value.find("close") != std::string::npos;
    } else if (name == "x-ms-error-code") {
      response.error_code = std::string(raw_value);
    }
  }
  bool no_body = head_request || response.status == 204 || response.status == 304 ||
                 (response.status >= 100 && response.status < 200);
  if (no_body) return response;
  if (chunked) {
    RETURN_IF_ERROR(ReadChunkedBody(response));
  } else if (response.content_length >= 0) {
    RETURN_IF_ERROR(ReadFixedBody(static_cast<uint64_t>(response.content_length), response));
  } else {
    // Neither length nor chunking: the body runs to the end of the connection.
    server_closes_ = true;
    while (Fill().ok()) {
      Keep(response, buffer_.data() + begin_, end_ - begin_);
      response.body_bytes += end_ - begin_;
      begin_ = end_;
    }
  }
  return response;
}

Status Connection::ReadFixedBody(uint64_t length, Response& response) {
  while (response.body_bytes < length) {
    if (begin_ == end_) RETURN_IF_ERROR(Fill());
    size_t n = static_cast<size_t>(std::min<uint64_t>(end_ - begin_, length - response.body_bytes));
    Keep(response, buffer_.data() + begin_, n);
    begin_ += n;
    response.body_bytes += n;
  }
  return Status::Ok();
}

Status Connection::ReadChunkedBody(Response& response) {
  for (;;) {
    ASSIGN_OR_RETURN(std::string size_line, ReadLine());
    uint64_t chunk = std::strtoull(size_line.c_str(), nullptr, 16);
    if (chunk == 0) {
      for (;;) {  // trailers up to the empty line
        ASSIGN_OR_RETURN(std::string trailer, ReadLine());
        if (trailer.empty()) return Status::Ok();
      }
    }
    uint64_t target = response.body_bytes + chunk;
    RETURN_IF_ERROR(ReadFixedBody(target, response));
    ASSIGN_OR_RETURN(std::string crlf, ReadLine());
    if (!crlf.empty()) return Status(ErrorCode::kInternal, "bad chunk framing");
  }
}

}  // namespace tessera::bench
