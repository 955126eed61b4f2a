#include "backend/meta/keys.h"

#include "common/bytes.h"
#include "common/encoding.h"
#include "common/hash.h"

namespace tessera::meta {

std::string BucketKey(std::string_view account, std::string_view bucket) {
  std::string k;
  k.reserve(account.size() + bucket.size() + 1);
  k.append(account).push_back('\0');
  k.append(bucket);
  return k;
}

std::string BucketContentsPrefix(std::string_view account, std::string_view bucket) {
  std::string k = BucketKey(account, bucket);
  k.push_back('\0');
  return k;
}

size_t NameBudget(size_t prefix_size) {
  constexpr size_t kFixed = kUploadTailBytes + kLongNameSuffixBytes;
  if (prefix_size + kFixed >= kMaxKeyBytes) return 0;
  return kMaxKeyBytes - kFixed - prefix_size;
}

std::string EncodeName(std::string_view key, size_t prefix_size) {
  const size_t budget = NameBudget(prefix_size);
  if (key.size() <= budget) return std::string(key);
  std::string name(key.substr(0, budget));
  name += HexEncode(Sha256(key).substr(0, kLongNameSuffixBytes / 2));
  return name;
}

std::string ObjectKey(std::string_view account, std::string_view bucket, std::string_view key) {
  std::string k = BucketContentsPrefix(account, bucket);
  k += EncodeName(key, k.size());
  return k;
}

std::string UploadKey(std::string_view account, std::string_view bucket, std::string_view key,
                      std::string_view upload_id) {
  std::string k = ObjectKey(account, bucket, key);
  k.push_back('\0');
  k.append(upload_id);
  return k;
}

std::string VersionPrefix(std::string_view account, std::string_view bucket, std::string_view key) {
  std::string k = ObjectKey(account, bucket, key);
  k.push_back('\0');
  return k;
}

std::string VersionKey(std::string_view account, std::string_view bucket, std::string_view key,
                       uint64_t seq) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string k = VersionPrefix(account, bucket, key);
  const uint64_t inverted = ~seq;
  for (int shift = 60; shift >= 0; shift -= 4) k.push_back(kHex[(inverted >> shift) & 0xf]);
  return k;
}

std::string PartKey(std::string_view upload_id, uint32_t part_number) {
  std::string k(upload_id);
  k.append(BigEndian32(part_number));
  return k;
}

std::string ExtentKey(uint64_t extent_id) { return BigEndian64(extent_id); }

std::string StagedKey(std::string_view account, std::string_view bucket, std::string_view key) {
  return ObjectKey(account, bucket, key);
}

std::string BlockKey(uint64_t stage_id, std::string_view block_id) {
  std::string k = BigEndian64(stage_id);
  k.append(block_id);
  return k;
}

bool ParseBlockKey(std::string_view block_key, uint64_t stage_id, std::string_view* block_id) {
  const std::string prefix = BigEndian64(stage_id);
  if (block_key.size() <= prefix.size() || block_key.substr(0, prefix.size()) != prefix) {
    return false;
  }
  *block_id = block_key.substr(prefix.size());
  return true;
}

bool SplitUploadTail(std::string_view tail, std::string_view* name, std::string_view* upload_id) {
  size_t pos = tail.rfind('\0');
  if (pos == std::string_view::npos) return false;
  *name = tail.substr(0, pos);
  *upload_id = tail.substr(pos + 1);
  return true;
}

bool ParsePartKey(std::string_view part_key, std::string_view upload_id, uint32_t* part_number) {
  if (part_key.size() != upload_id.size() + 4 ||
      part_key.substr(0, upload_id.size()) != upload_id) {
    return false;
  }
  uint32_t n = 0;
  for (size_t i = upload_id.size(); i < part_key.size(); ++i) {
    n = (n << 8) | static_cast<uint8_t>(part_key[i]);
  }
  *part_number = n;
  return true;
}

size_t ContentsPrefixSize(std::string_view key) {
  size_t first = key.find('\0');
  if (first == std::string_view::npos) return 0;
  size_t second = key.find('\0', first + 1);
  return second == std::string_view::npos ? 0 : second + 1;
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    auto last = static_cast<uint8_t>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return std::nullopt;
}

}  // namespace tessera::meta
