#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "backend/store/embedded_store.h"
#include "tests/store/fake_extent_store.h"

namespace tessera::store::testing {

inline constexpr char kAccount[] = "acct";
inline constexpr char kBucket[] = "bkt";

// A store over a fresh LMDB directory and a fake extent store, with small thresholds so that
// tests exercise extents with little data: bodies over 64 bytes go to extents, extents hold
// at most 100 bytes, and multipart parts must be at least 10 bytes.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::mt19937_64 rng(std::random_device{}());
    dir_ = std::filesystem::temp_directory_path() / ("tessera_store_" + std::to_string(rng()));
    fake_ = std::make_shared<FakeExtentStore>(100);
    options_.meta_dir = dir_.string();
    options_.map_size = 64ull << 20;
    options_.inline_threshold = 64;
    options_.min_part_size = 10;
    Reopen();
    ASSERT_TRUE(store_->CreateBucket({{kAccount, kBucket}, "local"}).ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Reopen() {
    store_.reset();
    auto opened = OpenEmbeddedStore(options_, fake_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  static ObjectRef Ref(const std::string& key, const std::string& bucket = kBucket) {
    return ObjectRef{kAccount, bucket, key};
  }

  Result<ObjectInfo> Put(const std::string& key, const std::string& data,
                         PutObjectRequest request = {}) {
    request.object = Ref(key, request.object.bucket.empty() ? kBucket : request.object.bucket);
    MemorySource body(data.data(), data.size());
    return store_->PutObject(request, body);
  }

  static std::string Drain(BodySource& body) {
    std::string out;
    char buf[7];  // small on purpose: exercises partial reads across segments
    while (true) {
      Result<size_t> n = body.Read(buf, sizeof(buf));
      if (!n.ok()) return "<error " + n.status().ToString() + ">";
      if (*n == 0) return out;
      out.append(buf, *n);
    }
  }

  // The object's bytes, or "<error ...>".
  std::string Get(const std::string& key, std::optional<ByteRange> range = std::nullopt) {
    GetObjectRequest request;
    request.object = Ref(key);
    request.range = range;
    Result<ObjectReader> reader = store_->GetObject(request);
    if (!reader.ok()) return "<error " + reader.status().ToString() + ">";
    return Drain(*reader->body);
  }

  static std::string Bytes(size_t n, char seed = 'a') {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 23);
    return s;
  }

  std::filesystem::path dir_;
  EmbeddedStoreOptions options_;
  std::shared_ptr<FakeExtentStore> fake_;
  std::unique_ptr<ObjectStore> store_;
};

}  // namespace tessera::store::testing
