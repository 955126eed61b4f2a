#include "protocols/blob/request.h"

#include <charconv>
#include <memory>

#include "common/encoding.h"
#include "common/time.h"
#include "protocols/tags.h"

namespace tessera::blob {
namespace {

constexpr size_t kMaxMetadataBytes = 8 * 1024;

std::string Unquote(std::string_view etag) {
  etag = Trim(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

Result<Address> ResolveAddress(const HttpRequest& request) {
  auto path = UriDecode(request.RawPath());
  if (!path) return Status(ErrorCode::kInvalidArgument, "bad escape in request path");
  std::string_view p = *path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  Address address;
  std::string host = ToLower(request.Header("host"));
  size_t blob_label = host.find(".blob.");
  if (blob_label != std::string::npos && blob_label > 0) {
    address.account = host.substr(0, blob_label);
    address.host_style = true;
  } else {
    size_t slash = p.find('/');
    address.account = std::string(p.substr(0, slash));
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
  }
  size_t slash = p.find('/');
  address.container = std::string(p.substr(0, slash));
  if (slash != std::string_view::npos) address.blob = std::string(p.substr(slash + 1));
  return address;
}

bool IsValidContainerName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '-') return false;
    if (c == '-' && name[i - 1] == '-') return false;
  }
  return true;
}

bool IsValidBlobName(std::string_view name) {
  if (name.empty() || name.size() > 1024) return false;
  if (name.find('\0') != std::string_view::npos) return false;
  return IsValidUtf8(name);
}

bool IsValidMetadataName(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

Result<Metadata> ParseMetadata(const HttpRequest& request) {
  Metadata metadata;
  size_t total = 0;
  for (size_t i = 0; i < request.headers.size(); ++i) {
    const auto& [name, value] = request.headers[i];
    if (!name.starts_with("x-ms-meta-")) continue;
    const std::string& sent = i < request.original_names.size() ? request.original_names[i] : name;
    std::string key = sent.substr(10);
    if (!IsValidMetadataName(key)) {
      return Status(ErrorCode::kInvalidArgument,
                    "The metadata specified is invalid. It has characters that are not "
                    "permitted.");
    }
    total += key.size() + value.size();
    metadata[key] = value;
  }
  if (total > kMaxMetadataBytes) {
    return Status(ErrorCode::kMetadataTooLarge, "The metadata specified exceeds 8 KiB.");
  }
  return metadata;
}

ContentHeaders ParseBlobContent(const HttpRequest& request, bool fall_back_to_standard) {
  auto pick = [&](std::string_view blob_header, std::string_view standard) {
    if (request.HasHeader(blob_header)) return std::string(request.Header(blob_header));
    return fall_back_to_standard ? std::string(request.Header(standard)) : std::string();
  };
  ContentHeaders c;
  c.content_type = pick("x-ms-blob-content-type", "content-type");
  c.content_encoding = pick("x-ms-blob-content-encoding", "content-encoding");
  c.content_language = pick("x-ms-blob-content-language", "content-language");
  c.content_disposition = pick("x-ms-blob-content-disposition", "content-disposition");
  c.cache_control = pick("x-ms-blob-cache-control", "cache-control");
  return c;
}

Preconditions ParseConditions(const HttpRequest& request, std::string_view prefix) {
  Preconditions p;
  std::string pre(prefix);
  if (request.HasHeader(pre + "if-match")) p.if_match = Unquote(request.Header(pre + "if-match"));
  if (request.HasHeader(pre + "if-none-match")) {
    p.if_none_match = Unquote(request.Header(pre + "if-none-match"));
  }
  if (auto t = ParseHttpDate(request.Header(pre + "if-modified-since"))) p.if_modified_since = *t;
  if (auto t = ParseHttpDate(request.Header(pre + "if-unmodified-since"))) {
    p.if_unmodified_since = *t;
  }
  const std::string tags_header = pre.empty() ? "x-ms-if-tags" : pre + "if-tags";
  if (request.HasHeader(tags_header)) {
    // Checked when the request came in (CheckTagConditions): this parse succeeds.
    auto query = TagQuery::Parse(request.Header(tags_header), TagQuerySyntax::kCondition);
    if (query.ok()) {
      p.if_tags = [q = std::make_shared<TagQuery>(std::move(query).value())](const Tags& tags) {
        return q->Matches(tags);
      };
    }
  }
  return p;
}

Status CheckTagConditions(const HttpRequest& request) {
  for (const char* name : {"x-ms-if-tags", "x-ms-source-if-tags"}) {
    if (!request.HasHeader(name)) continue;
    Status parsed = TagQuery::Parse(request.Header(name), TagQuerySyntax::kCondition).status();
    if (!parsed.ok()) {
      return Status(ErrorCode::kInvalidArgument,
                    std::string("The value for one of the HTTP headers is not in the correct "
                                "format (") +
                        name + "): " + parsed.message());
    }
  }
  return Status::Ok();
}

Result<std::optional<ByteRange>> ParseBlobRange(const HttpRequest& request) {
  bool ms = request.HasHeader("x-ms-range");
  std::string_view header = ms ? request.Header("x-ms-range") : request.Header("range");
  if (header.empty()) return std::optional<ByteRange>();
  auto fail = [&]() -> Result<std::optional<ByteRange>> {
    if (ms) return Status(ErrorCode::kInvalidRange, "The range specified is invalid.");
    return std::optional<ByteRange>();
  };
  header = Trim(header);
  if (!header.starts_with("bytes=")) return fail();
  std::string_view spec = header.substr(6);
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos || dash == 0) return fail();
  ByteRange range;
  uint64_t first = 0;
  auto [p1, e1] = std::from_chars(spec.data(), spec.data() + dash, first);
  if (e1 != std::errc() || p1 != spec.data() + dash) return fail();
  range.first = first;
  std::string_view last = spec.substr(dash + 1);
  if (!last.empty()) {
    uint64_t l = 0;
    auto [p2, e2] = std::from_chars(last.data(), last.data() + last.size(), l);
    if (e2 != std::errc() || p2 != last.data() + last.size() || l < first) return fail();
    range.last = l;
  }
  return std::optional<ByteRange>(range);
}

}  // namespace tessera::blob
