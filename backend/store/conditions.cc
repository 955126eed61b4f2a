#include "backend/store/conditions.h"

namespace tessera::store {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;

int64_t Seconds(TimeMicros t) {
  // Floor division so that times before the epoch also truncate towards the past.
  return t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view Unquote(std::string_view tag) {
  tag = TrimSpaces(tag);
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    tag = tag.substr(1, tag.size() - 2);
  }
  return tag;
}

bool SameEtag(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'F') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'F') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool EtagConditionMatches(std::string_view condition, const ObjectInfo& info) {
  while (true) {
    size_t comma = condition.find(',');
    std::string_view tag = Unquote(condition.substr(0, comma));
    if (tag == "*") return true;
    // S3 ETags are hex (case-insensitive); Blob ETags are compared the same way, as both
    // are generated in one case only.
    if (SameEtag(tag, info.etag) || SameEtag(tag, info.blob_etag)) return true;
    if (comma == std::string_view::npos) return false;
    condition.remove_prefix(comma + 1);
  }
}

Status EvaluatePreconditions(const ObjectInfo* current, const Preconditions& conditions,
                             ConditionMode mode) {
  // RFC 7232 section 6, steps 1 and 2.
  if (conditions.if_match) {
    if (current == nullptr || !EtagConditionMatches(*conditions.if_match, *current)) {
      return Status(ErrorCode::kPreconditionFailed, "If-Match condition not met");
    }
  } else if (conditions.if_unmodified_since && current != nullptr) {
    if (Seconds(current->last_modified) > Seconds(*conditions.if_unmodified_since)) {
      return Status(ErrorCode::kPreconditionFailed, "If-Unmodified-Since condition not met");
    }
  }
  if (conditions.if_tags && (current == nullptr || !conditions.if_tags(current->tags))) {
    return Status(ErrorCode::kPreconditionFailed, "The tag condition was not met");
  }
  // Steps 3 and 4.
  if (conditions.if_none_match) {
    if (current != nullptr && EtagConditionMatches(*conditions.if_none_match, *current)) {
      if (mode == ConditionMode::kRead) {
        return Status(ErrorCode::kNotModified, "If-None-Match matched");
      }
      return Status(ErrorCode::kPreconditionFailed, "If-None-Match condition not met");
    }
  } else if (conditions.if_modified_since && current != nullptr && mode == ConditionMode::kRead) {
    if (Seconds(current->last_modified) <= Seconds(*conditions.if_modified_since)) {
      return Status(ErrorCode::kNotModified, "not modified since the given date");
    }
  }
  return Status::Ok();
}

Result<ResolvedRange> ResolveRange(const ByteRange& range, uint64_t size) {
  if (size == 0) return Status(ErrorCode::kInvalidRange, "range on an empty object");
  if (range.suffix_length) {
    uint64_t n = *range.suffix_length;
    if (n == 0) return Status(ErrorCode::kInvalidRange, "empty suffix range");
    if (n > size) n = size;
    return ResolvedRange{size - n, n};
  }
  if (!range.first) return Status(ErrorCode::kInvalidRange, "range without a first byte");
  uint64_t first = *range.first;
  if (first >= size) return Status(ErrorCode::kInvalidRange, "range starts beyond the object");
  uint64_t last = size - 1;
  if (range.last) {
    if (*range.last < first) return Status(ErrorCode::kInvalidRange, "range ends before start");
    if (*range.last < last) last = *range.last;
  }
  return ResolvedRange{first, last - first + 1};
}

}  // namespace tessera::store
