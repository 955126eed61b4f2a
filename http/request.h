#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

// A request's head as the protocol and auth layers see it: no sockets, no body. The
// gateway fills it from the wire; tests build it by hand.
struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // raw request-target as sent: "/bucket/key%20x?uploads&x=1"
  // Header names lowercased, values with surrounding whitespace trimmed, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  // The same names as sent (case kept), index for index; may be empty (then the lowercased
  // names stand in). Blob metadata keeps the case of its names.
  std::vector<std::string> original_names;
  // The peer's IP address as text ("127.0.0.1"), when the gateway knows it.
  std::string remote_address;
  // The request came over TLS.
  bool secure = false;

  // First value of a header (name given in lowercase), or "" when absent.
  std::string_view Header(std::string_view lowercase_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lowercase_name) return value;
    }
    return {};
  }
  bool HasHeader(std::string_view lowercase_name) const {
    for (const auto& h : headers) {
      if (h.first == lowercase_name) return true;
    }
    return false;
  }
  // The raw (still percent-encoded) path and query of `target`.
  std::string_view RawPath() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? t : t.substr(0, q);
  }
  std::string_view RawQuery() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
};

}  // namespace tessera
