#pragma once

#include <string>

#include "auth/accounts.h"
#include "backend/api/object_store.h"
#include "protocols/handler.h"

namespace tessera::blob {

struct BlobOptions {
  // x-ms-version answered when a request names none.
  std::string default_version = "2025-11-05";
  uint64_t max_put_blob = 5000ull << 20;  // Put Blob single-shot limit (Azure: 5000 MiB)
  uint64_t max_block = 4000ull << 20;     // Put Block limit
  size_t max_xml_body = 4 << 20;          // block lists, ACLs
  Gate* gate = nullptr;                   // admits authenticated requests (rate limits); none = all
};

// The Azure Blob dialect over the same ObjectStore the S3 dialect uses: authenticate
// (SharedKey, SAS, anonymous public read), route, parse, call the store, render.
// Thread-safe; the store and accounts must outlive it.
class BlobHandler : public RequestHandler {
 public:
  BlobHandler(ObjectStore& store, const auth::AccountDirectory& accounts, BlobOptions options)
      : store_(store), accounts_(accounts), options_(std::move(options)) {}

  HttpResponse Handle(const HttpRequest& request, BodySource& body) override;
  HttpResponse Reject(const HttpRequest& request, const Status& status) override;

 private:
  ObjectStore& store_;
  const auth::AccountDirectory& accounts_;
  BlobOptions options_;
};

}  // namespace tessera::blob
