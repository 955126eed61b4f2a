#pragma once

#include <string>

#include "backend/api/status.h"

namespace tessera::gateway {

// What an admin request got back.
struct AdminReply {
  int status = 0;
  std::string body;
};

// One request to a gateway's admin listener at `address` ("HOST:PORT"), for the
// `tessera heal`, `drive` and `admin` commands: plain HTTP/1.1 over a socket, 10 s
// timeouts, at most 1 MiB of reply. `token`, when given, goes as a Bearer token; `body`,
// when given, as a JSON body.
Result<AdminReply> AdminRequest(const std::string& address, const std::string& method,
                                const std::string& path, const std::string& token = "",
                                const std::string& body = "");

}  // namespace tessera::gateway
