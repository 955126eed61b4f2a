// Request resolution of both dialects: framing, query strings, dialect detection,
// addresses, routes, ranges, copy sources, checksums, metadata and conditions headers.

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "http/framing.h"
#include "http/query.h"
#include "protocols/blob/request.h"
#include "protocols/blob/router.h"
#include "protocols/dialect.h"
#include "protocols/s3/parse_object.h"
#include "protocols/s3/request.h"
#include "protocols/s3/router.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HttpRequest request = fuzz::ParseRequest(data, size, nullptr);
  (void)CheckFraming(request);
  (void)Query::Parse(request.RawQuery(), Plus::kLiteral, /*lenient=*/true);
  (void)HasRawParam(request.RawQuery(), "sig");
  (void)DetectDialect(request, Dialect::kS3);
  (void)DetectDialect(request, Dialect::kBlob);

  Result<Query> query = Query::Parse(request.RawQuery());
  auto s3_address = s3::ResolveAddress(request, {"localhost", "s3.localhost"});
  if (query.ok() && s3_address.ok()) {
    (void)s3::Route(request.method, *s3_address, *query, request.HasHeader("x-amz-copy-source"));
    (void)s3::CheckObjectKey(s3_address->key);
  }
  (void)s3::ParseRange(request.Header("range"));
  (void)s3::ParseCopySource(request.Header("x-amz-copy-source"));
  (void)s3::ParseChecksum(request);
  (void)s3::ParseContentMd5(request);
  (void)s3::ParseAttributes(request);

  auto blob_address = blob::ResolveAddress(request);
  if (query.ok() && blob_address.ok()) {
    (void)blob::Route(request.method, blob_address->level(), *query, request);
  }
  (void)blob::ParseMetadata(request);
  (void)blob::ParseBlobRange(request);
  return 0;
}
