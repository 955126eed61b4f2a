#pragma once

#include <string>

#include "backend/api/status.h"

namespace tessera::meta {

// Checks the structure of an LMDB data file before LMDB maps it, since LMDB follows page
// numbers and offsets without checking them and a damaged file can crash the process.
// Reads both meta pages (the newer one wins, as in LMDB) and walks every tree reachable from
// it (the free list, the main tree and each named table): every page number in the file
// and visited once, every page of the kind and number its parent says, every node inside
// its page, every overflow run inside the file, keys in order and inside the range their
// parent branch gives them, and every leaf at the depth the tree records. A missing or
// empty file is fine (a new environment). kInternal naming what is wrong otherwise.
// The checksums of the records themselves are Env's business (env.h).
Status CheckLmdbFile(const std::string& path);

}  // namespace tessera::meta
