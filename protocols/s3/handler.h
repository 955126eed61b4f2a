#pragma once

#include <string>
#include <vector>

#include "auth/accounts.h"
#include "backend/api/object_store.h"
#include "protocols/handler.h"

namespace tessera::s3 {

struct S3Options {
  // Host suffixes for virtual-hosted-style addressing: "<bucket>.<domain>".
  std::vector<std::string> virtual_host_domains = {"localhost", "s3.localhost"};
  std::string region = "us-east-1";
  uint64_t max_object_size = 5ull << 30;  // PutObject / UploadPart limit
  size_t max_xml_body = 2 << 20;          // request XML documents
  Gate* gate = nullptr;                   // admits authenticated requests (rate limits); none = all
};

// The S3 dialect: authenticate (SigV4), route, parse, call the store, render.
// Thread-safe; holds references to the store and accounts, which must outlive it.
class S3Handler : public RequestHandler {
 public:
  S3Handler(ObjectStore& store, const auth::AccountDirectory& accounts, S3Options options)
      : store_(store), accounts_(accounts), options_(std::move(options)) {}

  HttpResponse Handle(const HttpRequest& request, BodySource& body) override;
  HttpResponse Reject(const HttpRequest& request, const Status& status) override;

 private:
  ObjectStore& store_;
  const auth::AccountDirectory& accounts_;
  S3Options options_;
};

}  // namespace tessera::s3
