#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/object_model.h"
#include "backend/api/status.h"
#include "http/request.h"
#include "protocols/blob/router.h"

namespace tessera::blob {

// The account, container and blob a request addresses.
struct Address {
  std::string account;
  std::string container;
  std::string blob;
  bool host_style = false;
  Level level() const {
    return container.empty() ? Level::kService : blob.empty() ? Level::kContainer : Level::kBlob;
  }
};

// Host-style when Host is "<account>.blob.<anything>": the path is /<container>/<blob>.
// Otherwise path-style, account first: /<account>/<container>/<blob> (what the SDKs send
// to IP endpoints and UseDevelopmentStorage=true). kInvalidArgument on a bad escape.
Result<Address> ResolveAddress(const HttpRequest& request);

// Container names: 3-63 lowercase letters, digits and single hyphens, starting and ending
// with a letter or digit.
bool IsValidContainerName(std::string_view name);
// Blob names: 1-1024 bytes of valid UTF-8 without NUL.
bool IsValidBlobName(std::string_view name);
// Metadata names must be C# identifiers (Blob rule): a letter or '_' then letters, digits, '_'.
bool IsValidMetadataName(std::string_view name);

// x-ms-meta-* headers; kInvalidArgument (InvalidMetadata) for names that are not C#
// identifiers, kMetadataTooLarge past 8 KiB.
Result<Metadata> ParseMetadata(const HttpRequest& request);
// Content headers of a write. Put Blob and Put Block List take x-ms-blob-content-*; Put
// Blob falls back to the standard Content-* headers when those are absent.
ContentHeaders ParseBlobContent(const HttpRequest& request, bool fall_back_to_standard);
// If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, or with a prefix
// such as "x-ms-source-" for copy sources.
// If-* (or, with prefix "x-ms-source-", the source's) conditions, with x-ms-if-tags.
Preconditions ParseConditions(const HttpRequest& request, std::string_view prefix = "");
// kInvalidArgument when an x-ms-if-tags or x-ms-source-if-tags header does not parse
// (checked before any operation runs, so that ParseConditions need not fail).
Status CheckTagConditions(const HttpRequest& request);
// x-ms-range wins over Range. "bytes=a-b" or "bytes=a-"; anything else is nullopt
// (kInvalidRange for a malformed x-ms-range, which Azure rejects).
Result<std::optional<ByteRange>> ParseBlobRange(const HttpRequest& request);

}  // namespace tessera::blob
