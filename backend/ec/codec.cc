#include "backend/ec/codec.h"

#include <isa-l/erasure_code.h>

#include <string>

namespace tessera::ec {

Result<std::unique_ptr<Codec>> Codec::Create(int k, int m) {
  if (k < 1 || k > kMaxData || m < 1 || m > kMaxParity) {
    return Status(
        ErrorCode::kInvalidArgument,
        "unsupported erasure profile RS(" + std::to_string(k) + "," + std::to_string(m) + ")");
  }
  return std::unique_ptr<Codec>(new Codec(k, m));
}

Codec::Codec(int k, int m)
    : k_(k),
      m_(m),
      matrix_(static_cast<size_t>((k + m) * k)),
      encode_tables_(static_cast<size_t>(k * m * 32)) {
  // A Cauchy matrix keeps every k x k submatrix invertible for any k + m <= 256, which
  // the Vandermonde form of gf_gen_rs_matrix does not guarantee.
  gf_gen_cauchy1_matrix(matrix_.data(), k + m, k);
  ec_init_tables(k, m, &matrix_[static_cast<size_t>(k * k)], encode_tables_.data());
}

void Codec::Encode(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
                   size_t len) const {
  if (len == 0) return;
  // ISA-L takes non-const source pointers but never writes through them.
  ec_encode_data(static_cast<int>(len), k_, m_, const_cast<unsigned char*>(encode_tables_.data()),
                 const_cast<unsigned char**>(data.data()),
                 const_cast<unsigned char**>(parity.data()));
}

Status Codec::Reconstruct(std::span<const int> present_index,
                          std::span<const uint8_t* const> present,
                          std::span<const int> missing_index, std::span<uint8_t* const> out,
                          size_t len) const {
  const int n = k_ + m_;
  if (present_index.size() != present.size() || missing_index.size() != out.size()) {
    return Status(ErrorCode::kInvalidArgument, "index and buffer lists differ in length");
  }
  std::vector<bool> seen(static_cast<size_t>(n), false);
  for (int idx : present_index) {
    if (idx < 0 || idx >= n || seen[idx]) {
      return Status(ErrorCode::kInvalidArgument, "bad present fragment index");
    }
    seen[idx] = true;
  }
  for (int idx : missing_index) {
    if (idx < 0 || idx >= n || seen[idx]) {
      return Status(ErrorCode::kInvalidArgument, "bad missing fragment index");
    }
  }
  if (present_index.size() < static_cast<size_t>(k_)) {
    return Status(ErrorCode::kDataLoss, std::to_string(present_index.size()) +
                                            " fragments present, " + std::to_string(k_) +
                                            " needed");
  }
  if (missing_index.empty() || len == 0) return Status::Ok();

  // Rows of the generator for the k survivors we use; its inverse maps survivors to data.
  const size_t k = static_cast<size_t>(k_);
  std::vector<uint8_t> survivors(k * k);
  for (size_t r = 0; r < k; ++r) {
    const uint8_t* row = &matrix_[static_cast<size_t>(present_index[r]) * k];
    for (size_t c = 0; c < k; ++c) survivors[r * k + c] = row[c];
  }
  std::vector<uint8_t> inverse(k * k);
  if (gf_invert_matrix(survivors.data(), inverse.data(), k_) != 0) {
    return Status(ErrorCode::kInternal, "erasure decode matrix is singular");
  }

  // Wanted fragment w = generator row w * inverse (for data rows that is inverse row w).
  const size_t wanted = missing_index.size();
  std::vector<uint8_t> decode(wanted * k);
  for (size_t w = 0; w < wanted; ++w) {
    const size_t target = static_cast<size_t>(missing_index[w]);
    for (size_t c = 0; c < k; ++c) {
      if (target < k) {
        decode[w * k + c] = inverse[target * k + c];
        continue;
      }
      uint8_t acc = 0;
      for (size_t j = 0; j < k; ++j) {
        acc ^= gf_mul(matrix_[target * k + j], inverse[j * k + c]);
      }
      decode[w * k + c] = acc;
    }
  }
  std::vector<uint8_t> tables(k * wanted * 32);
  ec_init_tables(k_, static_cast<int>(wanted), decode.data(), tables.data());
  ec_encode_data(static_cast<int>(len), k_, static_cast<int>(wanted), tables.data(),
                 const_cast<unsigned char**>(present.data()),
                 const_cast<unsigned char**>(out.data()));
  return Status::Ok();
}

}  // namespace tessera::ec
