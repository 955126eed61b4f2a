#include "common/hash.h"

#include <isa-l/crc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace tessera {
namespace {

class EvpHasher : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~EvpHasher() override { EVP_MD_CTX_free(ctx_); }
  EvpHasher(const EvpHasher&) = delete;
  EvpHasher& operator=(const EvpHasher&) = delete;

  void Update(const void* data, size_t size) override { EVP_DigestUpdate(ctx_, data, size); }
  std::string Finish() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string BigEndian(uint64_t v, int bytes) {
  std::string s(bytes, '\0');
  for (int i = 0; i < bytes; ++i) s[i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  return s;
}

class Crc32Hasher : public Hasher {
 public:
  void Update(const void* data, size_t size) override {
    // ISA-L's gzip CRC is the reflected CRC-32 with the usual pre/post inversion.
    crc_ = crc32_gzip_refl(crc_, static_cast<const unsigned char*>(data), size);
  }
  std::string Finish() override { return BigEndian(crc_, 4); }

 private:
  uint32_t crc_ = 0;
};

class Crc32cHasher : public Hasher {
 public:
  void Update(const void* data, size_t size) override { crc_ = Crc32c(data, size, crc_); }
  std::string Finish() override { return BigEndian(crc_, 4); }

 private:
  uint32_t crc_ = 0;
};

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones.
// Slice-by-8 tables built once.
struct Crc64NvmeTables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  Crc64NvmeTables() {
    constexpr uint64_t kPoly = 0x9a6c9329ac4bc9b5ULL;
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t c = i;
      for (int j = 0; j < 8; ++j) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k) {
      for (int i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
  }
};

class Crc64NvmeHasher : public Hasher {
 public:
  void Update(const void* data, size_t size) override {
    static const Crc64NvmeTables tables;
    const auto& t = tables.t;
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t crc = crc_;
    while (size >= 8) {
      uint64_t word = 0;
      for (int i = 0; i < 8; ++i) word |= static_cast<uint64_t>(p[i]) << (8 * i);
      crc ^= word;
      crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
            t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
            t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
      p += 8;
      size -= 8;
    }
    while (size--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    crc_ = crc;
  }
  std::string Finish() override { return BigEndian(~crc_, 8); }

 private:
  uint64_t crc_ = ~0ULL;
};

}  // namespace

std::unique_ptr<Hasher> NewMd5() { return std::make_unique<EvpHasher>(EVP_md5()); }
std::unique_ptr<Hasher> NewSha1() { return std::make_unique<EvpHasher>(EVP_sha1()); }
std::unique_ptr<Hasher> NewSha256() { return std::make_unique<EvpHasher>(EVP_sha256()); }
std::unique_ptr<Hasher> NewCrc32() { return std::make_unique<Crc32Hasher>(); }
std::unique_ptr<Hasher> NewCrc32c() { return std::make_unique<Crc32cHasher>(); }
std::unique_ptr<Hasher> NewCrc64Nvme() { return std::make_unique<Crc64NvmeHasher>(); }

std::string Md5(std::string_view data) {
  EvpHasher h(EVP_md5());
  h.Update(data.data(), data.size());
  return h.Finish();
}

std::string Sha256(std::string_view data) {
  EvpHasher h(EVP_sha256());
  h.Update(data.data(), data.size());
  return h.Finish();
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  // ISA-L's iSCSI CRC takes and returns the raw register; the standard CRC-32C applies
  // an inversion on entry and exit.
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t reg = ~crc;
  while (size > 0) {
    int n = size > (1u << 30) ? (1 << 30) : static_cast<int>(size);
    reg = crc32_iscsi(p, n, reg);
    p += n;
    size -= n;
  }
  return ~reg;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tessera
