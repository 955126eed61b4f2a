#pragma once

#include <string_view>

#include "protocols/s3/router.h"
#include "protocols/s3/service.h"

namespace tessera::s3 {

// Everything about one S3 operation but the request shapes that select it (router.cc):
// its name in the access log and metrics, and what executes it. A new operation is one
// row here, its shapes in the router, and its parse/execute/render in service_*.cc.
struct Operation {
  Op op;
  std::string_view name;
  Result<HttpResponse> (*execute)(Call& call);
};

const Operation& Describe(Op op);
inline std::string_view OpName(Op op) { return Describe(op).name; }

}  // namespace tessera::s3
