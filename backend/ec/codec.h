#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/api/status.h"

namespace tessera::ec {

// Systematic Reed-Solomon erasure code over GF(2^8) (Intel ISA-L, Cauchy generator
// matrix): k data fragments and m parity fragments, any k of the k + m rebuild the rest.
// Fragment i < k is the data itself, so a healthy read never decodes.
//
// Thread-safe after construction: Encode() and Reconstruct() only read the tables built by
// Create(), and any number of threads may call them at once.
class Codec {
 public:
  static constexpr int kMaxData = 32;
  static constexpr int kMaxParity = 16;

  // Fails with kInvalidArgument unless 1 <= k <= kMaxData and 1 <= m <= kMaxParity.
  static Result<std::unique_ptr<Codec>> Create(int k, int m);

  int k() const { return k_; }
  int m() const { return m_; }

  // Computes the m parity fragments of one stripe. `data` holds k pointers and `parity`
  // m pointers, each to `len` bytes; parity buffers must not overlap the data.
  void Encode(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
              size_t len) const;

  // Rebuilds fragments from any k present ones. `present_index[j]` names which fragment
  // (0 .. k+m-1) `present[j]` points at; `missing_index[j]` names the fragment to write
  // into `out[j]`. All buffers hold `len` bytes. Only the first k present fragments are
  // used. Errors: kDataLoss with fewer than k present fragments; kInvalidArgument for an
  // out-of-range or repeated index, or a wanted fragment that is also listed as present.
  Status Reconstruct(std::span<const int> present_index, std::span<const uint8_t* const> present,
                     std::span<const int> missing_index, std::span<uint8_t* const> out,
                     size_t len) const;

 private:
  Codec(int k, int m);

  int k_;
  int m_;
  std::vector<uint8_t> matrix_;         // (k + m) x k generator, first k rows = identity
  std::vector<uint8_t> encode_tables_;  // ec_init_tables() of the m parity rows
};

}  // namespace tessera::ec
