#pragma once

// Metadata environments for tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "backend/meta/env.h"

namespace tessera::testing {

// A metadata environment in `dir` (created if missing), or null after a test failure.
inline std::unique_ptr<meta::Env> OpenTestEnv(const std::string& dir,
                                              uint64_t map_size = 64ull << 20) {
  meta::EnvOptions options;
  options.dir = dir;
  options.map_size = map_size;
  auto env = meta::Env::Open(options);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return env.ok() ? std::move(*env) : nullptr;
}

// Leaves `env` as a store-format-1 build did: an extent record of version 1 and no
// store-format stamp.
inline void SeedStoreFormatOne(meta::Env& env) {
  auto txn = env.BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(
      txn->Put(meta::Table::kExtents, std::string(8, '\x01'), std::string(40, '\x01')).ok());
  ASSERT_TRUE(txn->Commit().ok());
}

}  // namespace tessera::testing
