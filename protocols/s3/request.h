#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"
#include "http/query.h"
#include "http/request.h"

namespace tessera::s3 {

using tessera::Query;
using tessera::QueryParam;

// Which bucket and key a request addresses, after path-style or virtual-hosted-style
// resolution. An empty bucket addresses the service; an empty key the bucket.
struct Address {
  std::string bucket;
  std::string key;
  bool virtual_hosted = false;
};

// Resolves the address. Virtual-hosted style applies when the Host header (port removed)
// ends in "." + one of `domains` (the longest that matches) with a non-empty label before
// it; otherwise the first path segment is the bucket. Fails with kInvalidArgument on a bad
// percent-escape.
Result<Address> ResolveAddress(const HttpRequest& request, const std::vector<std::string>& domains);

// S3 bucket naming rules: 3-63 characters of lowercase letters, digits, '.' and '-',
// beginning and ending with a letter or digit, no "..", not shaped like an IPv4 address,
// none of S3's reserved prefixes (xn--, sthree-, amzn-s3-demo-) or suffixes (-s3alias,
// --ol-s3, .mrap, --x-s3).
bool IsValidBucketName(std::string_view name);

// Object keys: 1-1024 bytes of valid UTF-8 without NUL.
// Ok, kInvalidObjectName (KeyTooLongError) past 1024 bytes, or kInvalidArgument for a key
// that is empty, not UTF-8 or holds a NUL.
Status CheckObjectKey(std::string_view key);
bool IsValidObjectKey(std::string_view key);

}  // namespace tessera::s3
