#pragma once

// Shared by the harnesses: fuzz bytes read as an HTTP/1.1 request head and body, the way a
// client could send them ("METHOD TARGET\nname: value\n...\n\nbody"; "\r\n" works too).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "http/request.h"

namespace tessera::fuzz {

inline std::string_view Line(std::string_view& rest) {
  const size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The request head; `body` gets what follows the blank line.
inline HttpRequest ParseRequest(const uint8_t* data, size_t size, std::string* body) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  HttpRequest request;
  std::string_view first = Line(rest);
  const size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  request.target =
      space == std::string_view::npos ? "/" : std::string(Trim(first.substr(space + 1)));
  while (!rest.empty()) {
    std::string_view line = Line(rest);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.emplace_back(ToLower(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
    request.original_names.emplace_back(Trim(line.substr(0, colon)));
  }
  request.remote_address = "127.0.0.1";
  if (body != nullptr) *body = std::string(rest);
  return request;
}

}  // namespace tessera::fuzz
