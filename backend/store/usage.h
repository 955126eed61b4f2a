#pragma once

// Usage accounting of the embedded store (Table::kUsage, keys.h): per bucket, the bytes of
// its objects, staged multipart parts and uncommitted blocks, and the number of its objects;
// quotas per bucket and per account.
//
// Every change of an object record goes through InstallObject / RemoveObject, and every
// change of a staged part or block through ChargeStaged, inside the write transaction that
// changes the record: usage commits or rolls back with it, so it is exact after a crash.
// All functions here take an open transaction (a write transaction unless stated) and are
// as thread-safe as it is.

#include <cstdint>
#include <string_view>

#include "backend/api/object_store.h"
#include "backend/api/status.h"
#include "backend/meta/env.h"
#include "backend/meta/records.h"

namespace tessera::store {

// A change of one bucket's usage.
struct UsageDelta {
  int64_t bytes = 0;
  int64_t objects = 0;
};

// The change from a stored size `removed` to `added`.
UsageDelta BytesDelta(uint64_t added, uint64_t removed);

// The change of writing an object of `size` bytes over `replaced` (nullptr: none).
UsageDelta ObjectDelta(uint64_t size, const meta::ObjectRecord* replaced);

// kQuotaExceeded when applying `delta` would take the bucket or its account past a quota.
// Only growth is checked: a change that does not grow a quantity passes for it even when the
// bucket is already over (a quota lowered below the usage). Works in a read transaction, so
// callers may check early, before a body is streamed. The account's quota costs a prefix
// scan of its bucket usage records, done only when it has one.
Status CheckQuota(meta::Txn& txn, std::string_view account, std::string_view bucket,
                  UsageDelta delta);

// Applies `delta` to the bucket's usage (kQuotaExceeded for growth past a quota). Noncurrent
// versions count as objects do; delete markers are versions of no bytes and no object.
Status ApplyUsage(meta::Txn& txn, std::string_view account, std::string_view bucket,
                  UsageDelta delta);

// Writes `record` as the current version of `object`, replacing `replaced` (nullptr when the
// key has no object), and charges the bucket the difference. kQuotaExceeded before anything
// is written when the bucket or account would exceed a quota.
Status InstallObject(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& record,
                     const meta::ObjectRecord* replaced);

// Deletes the object record of `object` (which is `record`) and credits its bucket.
Status RemoveObject(meta::Txn& txn, const ObjectRef& object, const meta::ObjectRecord& record);

// Charges the bucket for staged bytes (multipart parts, uncommitted blocks): `added` bytes
// stored, `removed` bytes replaced or dropped. kQuotaExceeded for growth past a quota.
Status ChargeStaged(meta::Txn& txn, std::string_view account, std::string_view bucket,
                    uint64_t added, uint64_t removed);

// The bucket's usage record (zero when it has none). Read or write transaction.
Result<meta::UsageRecord> LoadUsage(meta::Txn& txn, std::string_view account,
                                    std::string_view bucket);
// The account's quota (none when it has no record). Read or write transaction.
Result<Quota> LoadAccountQuota(meta::Txn& txn, std::string_view account);

// Counts usage from the object, part and block tables once, in an environment whose usage
// was never counted (no "usage-format" info key: written before usage existed), keeping
// stored quotas, and stamps the info key. kInternal for an unknown usage format.
Status EnsureUsage(meta::Env& env);

}  // namespace tessera::store
