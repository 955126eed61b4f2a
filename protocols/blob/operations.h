#pragma once

#include <string_view>

#include "protocols/blob/router.h"
#include "protocols/blob/service.h"

namespace tessera::blob {

// Everything about one Blob operation but the request shapes that select it (router.cc):
// its name in the access log and metrics, what executes it, the SAS permission letter it
// needs, and the least public access level of a container that lets anonymous clients call
// it (kNone: never). A new operation is one row here, its shapes in the router, and its
// parse/execute/render in service_*.cc.
struct Operation {
  Op op;
  std::string_view name;
  Result<HttpResponse> (*execute)(Call& call);
  char permission;
  PublicAccess anonymous;
};

const Operation& Describe(Op op);
inline std::string_view OpName(Op op) { return Describe(op).name; }

// Whether a container with `access` lets anonymous clients call `op`.
inline bool PublicAllows(PublicAccess access, Op op) {
  const PublicAccess needs = Describe(op).anonymous;
  return needs != PublicAccess::kNone && static_cast<int>(access) >= static_cast<int>(needs);
}

}  // namespace tessera::blob
