// aws-chunked bodies (SigV4 streaming uploads): chunk size lines, chunk signatures and
// trailers, signed and unsigned, decoded to their end.

#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/payload.h"
#include "auth/sigv4.h"
#include "backend/api/body.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the mode; the rest is the body as sent.
  const uint8_t mode = data[0] % 4;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auth::SigV4Context context;
  context.principal.account = "devstoreaccount1";
  context.payload_mode = mode == 0   ? auth::PayloadMode::kStreamingSigned
                         : mode == 1 ? auth::PayloadMode::kStreamingSignedTrailer
                                     : auth::PayloadMode::kStreamingUnsignedTrailer;
  context.signing_key = std::string(32, 'k');
  context.amz_date = "20261207T000000Z";
  context.scope = "20261207/us-east-1/s3/aws4_request";
  context.seed_signature = std::string(64, '0');
  MemorySource raw(body.data(), body.size());
  auto source = auth::NewAwsChunkedSource(raw, context,
                                          mode == 3 ? std::optional<uint64_t>(16) : std::nullopt,
                                          mode == 0 ? "" : "x-amz-checksum-crc32");
  char buf[4096];
  for (int reads = 0; reads < 100000; ++reads) {
    Result<size_t> n = source->Read(buf, sizeof(buf));
    if (!n.ok() || *n == 0) break;
  }
  return 0;
}
