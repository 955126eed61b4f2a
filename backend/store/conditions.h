#pragma once

#include <cstdint>
#include <string_view>

#include "backend/api/object_model.h"
#include "backend/api/status.h"

namespace tessera::store {

// Whether preconditions guard a read (GET/HEAD) or a write (PUT, Complete, copy target).
enum class ConditionMode { kRead, kWrite };

// Evaluates If-* conditions against the current version (`current` is null when the object
// does not exist), in the order of RFC 7232 section 6:
//   1. If-Match: fails (kPreconditionFailed) when no listed ETag matches or the object is
//      missing; when present, If-Unmodified-Since is not evaluated (so S3's "If-Match true,
//      If-Unmodified-Since false" proceeds).
//   2. Else If-Unmodified-Since: kPreconditionFailed when modified after the date.
//   3. If-None-Match: on a match, kNotModified for reads, kPreconditionFailed for writes;
//      when present, If-Modified-Since is not evaluated (so "If-None-Match false,
//      If-Modified-Since true" is kNotModified).
//   4. Else If-Modified-Since (reads only): kNotModified when not modified since the date.
// A tag condition (if_tags) is checked after step 2, failing as If-Match does.
// Times compare at second resolution, as HTTP dates carry seconds. An ETag condition may be
// a comma-separated list; quotes and a weak "W/" prefix are ignored; "*" matches any
// existing object; a listed ETag matches when it equals the S3 ETag or the Blob ETag.
Status EvaluatePreconditions(const ObjectInfo* current, const Preconditions& conditions,
                             ConditionMode mode);

// True when the ETag condition `condition` (see above) matches `info`.
bool EtagConditionMatches(std::string_view condition, const ObjectInfo& info);

// Resolves a client range against an object of `size` bytes: a first byte at or beyond the
// size is kInvalidRange; the last byte is clamped to size - 1; a suffix longer than the
// object selects the whole object; any range on an empty object is kInvalidRange, as is a
// range whose last byte precedes its first or a zero-length suffix.
Result<ResolvedRange> ResolveRange(const ByteRange& range, uint64_t size);

}  // namespace tessera::store
