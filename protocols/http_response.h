#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backend/api/body.h"

namespace tessera {

// What the gateway records about a request it answered (access log, metrics), as the
// dialect resolved it. Never sent.
struct RequestRecord {
  std::string request_id;  // as sent to the client
  std::string operation;   // the dialect's name ("PutObject", "GetBlob"); empty if unresolved
  std::string account;     // the authenticated account; empty when anonymous or unresolved
  std::string bucket;      // bucket or container
  std::string key;         // object key or blob name
  std::string error_code;  // the dialect's error code, when the request failed
};

// A response as a dialect renders it. Small bodies (XML, JSON) sit in `body`; object
// bytes stream from `stream`, which then requires `content_length`. For HEAD requests
// `content_length` is advertised and nothing is sent.
struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::unique_ptr<BodySource> stream;
  std::optional<uint64_t> content_length;
  bool head = false;
  // The connection must close after this response (e.g. an unread request body).
  bool close = false;
  RequestRecord record;

  void Set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::string_view Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size()) {
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i) {
          same = (n[i] | 0x20) == (name[i] | 0x20);
        }
        if (same) return v;
      }
    }
    return {};
  }
};

}  // namespace tessera
