#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "backend/api/body.h"
#include "backend/extent/extent_store.h"
#include "backend/meta/records.h"
#include "backend/store/extent_pins.h"

namespace tessera::store {

// Total bytes described by a manifest.
uint64_t ManifestSize(const meta::Manifest& manifest);

// The segments covering bytes [offset, offset + length) of `manifest`, trimmed to that span:
// inline segments keep only the selected bytes, extent segments narrow their offset/length.
// The span must lie within the manifest.
meta::Manifest SliceManifest(const meta::Manifest& manifest, uint64_t offset, uint64_t length);

// Cuts `manifest` into consecutive pieces of `sizes` bytes each (one pass; a segment that
// spans a boundary is narrowed on both sides). nullopt when the sizes do not add up to the
// manifest's size.
std::optional<std::vector<meta::Manifest>> SplitManifest(const meta::Manifest& manifest,
                                                         const std::vector<uint64_t>& sizes);

// A stream of the bytes of `manifest`, one segment after another. The first extent segment
// is opened at once (its first stripe read, so that an object whose start cannot be read
// fails here, before a response goes out); later ones are read through `extents` when the
// stream reaches them; consecutive segments that continue
// one another (a segment ending at its extent's end followed by one starting at offset 0)
// become one ExtentStore::Read. `locations` must hold every extent the manifest names.
// `lease`, when given, keeps those extents pinned until the source is destroyed, and `guard`
// keeps the locations readable (taken before they were looked up).
Result<std::unique_ptr<BodySource>> NewManifestSource(
    std::shared_ptr<extent::ExtentStore> extents, meta::Manifest manifest,
    std::map<uint64_t, extent::ExtentLocation> locations,
    std::unique_ptr<ExtentPins::Lease> lease = nullptr,
    std::unique_ptr<extent::ReadGuard> guard = nullptr, std::string object = {});

}  // namespace tessera::store
