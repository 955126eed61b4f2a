#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backend/api/object_store.h"
#include "backend/api/status.h"
#include "backend/extent/extent_store.h"
#include "backend/meta/env.h"

namespace tessera::store {

struct EmbeddedStoreOptions {
  std::string meta_dir;             // LMDB environment directory (created if missing)
  uint64_t map_size = 64ull << 30;  // LMDB map size
  bool verify_metadata = true;      // check the metadata file and every record's checksum at open
  bool journal = true;              // commits made durable by the metadata journal (env.h)
  uint32_t checkpoint_ms = 1000;
  uint64_t inline_threshold = 128 * 1024;   // bodies up to this size live inside the manifest
  uint64_t min_part_size = 5ull << 20;      // every multipart part but the last is at least this
  uint64_t max_block_size = 4000ull << 20;  // a staged block holds at most this (Blob: 4000 MiB)
  uint32_t max_staged_blocks = 100000;      // uncommitted blocks per object key
  uint32_t max_committed_blocks = 50000;    // blocks in one committed block list
};

// Opens (or creates) the metadata in `options.meta_dir` and returns an ObjectStore that keeps
// object bytes in `extents` (shared with the caller; it must outlive no one in particular).
//
// The store is thread-safe. Bodies are streamed to `extents` before any write transaction
// starts; each mutation then commits in one short, durable LMDB transaction, after which
// extents whose last reference went away are deleted. Buckets live in per-account
// namespaces. Object keys may be up to 1024 bytes (longer or empty ones are rejected with
// kInvalidObjectName); keys.h describes how they fit LMDB's 511-byte keys. Metadata that does
// not decode, or was written in an unknown key format, is reported as kInternal.
//
// A GetObject reader returns the version it opened to its end, even if that version is
// deleted or overwritten meanwhile: its extents are pinned in memory and deleted only when
// the last reader using them is destroyed (ExtentPins). Opening may fail with kSlowDown when
// the object keeps changing under it.
//
// Blob blocks (blocks.cc): staged blocks belong to an object key, not to a version; Put Blob
// (PutObject), DeleteObject and DeleteBucket discard them, and a key with only staged blocks
// is deleted by DeleteObject, does not keep its bucket from being deleted, and is listed only
// with include_uncommitted. blocks.cc documents the ETag of a committed block list and how
// objects written through S3 report their blocks.
//
// UploadPartCopy does not read the source: the part's ETag is the source's MD5 when the
// whole single-part source is copied, and otherwise an MD5 over (source ETag, range) that
// identifies the copied bytes without hashing them.
Result<std::unique_ptr<ObjectStore>> OpenEmbeddedStore(
    const EmbeddedStoreOptions& options, std::shared_ptr<extent::ExtentStore> extents);

// Opens (or creates) the metadata environment in `options.meta_dir`, for sharing between the
// object store and an extent store that keeps its own records there (drive::SegmentStore).
Result<std::shared_ptr<meta::Env>> OpenMetadata(const EmbeddedStoreOptions& options);
// The store over metadata opened by OpenMetadata().
Result<std::unique_ptr<ObjectStore>> OpenEmbeddedStore(
    const EmbeddedStoreOptions& options, std::shared_ptr<meta::Env> env,
    std::shared_ptr<extent::ExtentStore> extents);

// Version ids (versions.cc): the install time (microseconds since the epoch) in Blob's form,
// "2026-12-07T21:28:30.1234560Z", with one spelling per version.
std::string FormatVersionId(uint64_t seq);
std::optional<uint64_t> ParseVersionId(std::string_view id);
// kInvalidArgument unless `id` is empty, "null" or a version id.
Status CheckVersionId(std::string_view id);

}  // namespace tessera::store
