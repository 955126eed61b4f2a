#include "gateway/admin_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>

#include "gateway/config.h"

namespace tessera::gateway {
namespace {

constexpr size_t kMaxReply = 1 << 20;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<AdminReply> AdminRequest(const std::string& address, const std::string& method,
                                const std::string& path, const std::string& token,
                                const std::string& body) {
  ASSIGN_OR_RETURN(ListenAddress at, ParseListenAddress(address));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(at.port);
  if (::getaddrinfo(at.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "cannot resolve " + at.host);
  }
  Fd sock;
  for (addrinfo* a = found; a != nullptr && sock.fd < 0; a = a->ai_next) {
    sock.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (sock.fd < 0) continue;
    timeval timeout{10, 0};
    ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (::connect(sock.fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(sock.fd);
      sock.fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (sock.fd < 0) {
    return Status(ErrorCode::kInternal, "cannot connect to the admin listener at " + address);
  }
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + address +
                        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n";
  if (!body.empty()) request += "Content-Type: application/json\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status(ErrorCode::kInternal, "admin request to " + address + " failed");
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(sock.fd, buf, sizeof(buf), 0);
    if (n < 0) return Status(ErrorCode::kInternal, "no reply from the admin listener");
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > kMaxReply) return Status(ErrorCode::kInternal, "admin reply too large");
  }
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (the server sends Content-Length and closes).
  const size_t head_end = reply.find("\r\n\r\n");
  if (!reply.starts_with("HTTP/1.") || reply.size() < 12 || head_end == std::string::npos) {
    return Status(ErrorCode::kInternal, "malformed reply from the admin listener");
  }
  AdminReply out;
  out.status = std::atoi(reply.c_str() + 9);
  out.body = reply.substr(head_end + 4);
  return out;
}

}  // namespace tessera::gateway
