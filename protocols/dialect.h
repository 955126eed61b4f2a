#pragma once

#include <string_view>

#include "http/request.h"

namespace tessera {

enum class Dialect { kS3, kBlob };

// Decides which dialect a request speaks, from the head alone (DESIGN §2), first rule
// that applies wins:
//  1. Authorization scheme: "AWS4-HMAC-SHA256" -> S3; "SharedKey"/"SharedKeyLite" -> Blob.
//  2. Presign / SAS query: X-Amz-Signature or X-Amz-Credential -> S3; sig + sv -> Blob.
//  3. Headers: any x-ms-* -> Blob; any x-amz-* -> S3.
//  4. Host: "<account>.blob.<domain>" -> Blob.
//  5. Otherwise the listener's default (S3 unless the listener is pinned to Blob).
Dialect DetectDialect(const HttpRequest& request, Dialect listener_default);

}  // namespace tessera
