#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tessera {

// Incremental digest. Finish() returns the raw digest bytes; CRCs come out big-endian
// (the byte order S3 base64-encodes in x-amz-checksum-* headers). Not thread-safe.
class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void Update(const void* data, size_t size) = 0;
  virtual std::string Finish() = 0;
};

std::unique_ptr<Hasher> NewMd5();
std::unique_ptr<Hasher> NewSha1();
std::unique_ptr<Hasher> NewSha256();
std::unique_ptr<Hasher> NewCrc32();      // CRC-32/ISO-HDLC (zlib, gzip)
std::unique_ptr<Hasher> NewCrc32c();     // CRC-32C (Castagnoli)
std::unique_ptr<Hasher> NewCrc64Nvme();  // CRC-64/NVME (S3's CRC64NVME)

// One-shot helpers; all return raw bytes.
std::string Md5(std::string_view data);
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HmacSha1(std::string_view key, std::string_view data);  // SigV2

// CRC-32C continued from `crc` (0 to start), as stored with every fragment chunk.
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);

// Constant-time equality for secrets and signatures.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tessera
