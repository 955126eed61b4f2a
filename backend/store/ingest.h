#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/api/body.h"
#include "backend/api/object_model.h"
#include "backend/extent/extent_store.h"
#include "backend/meta/records.h"
#include "common/hash.h"

namespace tessera::store {

// A body taken in: where its bytes went and what they hash to.
struct Ingested {
  meta::Manifest manifest;                      // one inline segment, or one segment per extent
  std::vector<extent::ExtentLocation> extents;  // extents written (empty when inline)
  // Keeps the new extents safe from compaction until they are committed or abandoned: keep
  // the Ingested alive until then.
  std::unique_ptr<extent::WriteHold> hold;
  uint64_t size = 0;
  std::string md5;       // raw
  std::string checksum;  // raw digest of the requested algorithm; empty for kNone
};

// A hasher for `algorithm`, or null for kNone.
std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm algorithm);

// Streams `body` once, hashing it as it goes (MD5 always, plus `algorithm`). Reads up to
// inline_threshold + 1 bytes first: if the body ended within the threshold it becomes one
// inline segment; otherwise the buffered bytes followed by the rest of the body are handed
// to ExtentStore::Write. A failing body or extent store leaves no extents behind and its
// error is returned.
Result<Ingested> Ingest(extent::ExtentStore& extents, BodySource& body, uint64_t inline_threshold,
                        ChecksumAlgorithm algorithm);

// kBadDigest when `expected_md5` differs from the body's MD5, kChecksumMismatch when
// `expected_checksum` differs from its checksum.
Status VerifyDigests(const Ingested& data, const std::optional<std::string>& expected_md5,
                     const std::optional<std::string>& expected_checksum);

}  // namespace tessera::store
