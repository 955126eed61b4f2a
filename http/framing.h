#pragma once

#include "backend/api/status.h"
#include "http/request.h"

namespace tessera {

// RFC 9112 section 6 without the leniencies that let a proxy and this server disagree on
// where a request ends (request smuggling): a body is framed by exactly one Content-Length
// or by Transfer-Encoding that is exactly "chunked", never both; any other transfer coding
// ("xchunked", "chunked, identity", "gzip, chunked", chunked twice) and repeated
// Content-Length headers, even equal ones, are refused. kInvalidRequest when refused; the
// connection must then close, since its framing is unknown.
Status CheckFraming(const HttpRequest& request);

}  // namespace tessera
