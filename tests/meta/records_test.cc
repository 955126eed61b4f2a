#include "backend/meta/records.h"

#include <gtest/gtest.h>

namespace tessera::meta {
namespace {

// 1 MiB at RS(6,3) with 64 KiB chunks: 3 stripes, 9 fragments on 9 drives.
extent::ExtentLocation SampleLocation() {
  extent::ExtentLocation loc;
  loc.id = 99;
  loc.size = 1 << 20;
  loc.k = 6;
  loc.m = 3;
  loc.chunk_size = 65536;
  loc.stripes = 3;
  for (uint32_t i = 0; i < 9; ++i) loc.fragments.push_back({i, 7 + i, 65536ull * i});
  for (uint32_t i = 0; i < 27; ++i) loc.chunk_crcs.push_back(0xabcd0000u + i);
  return loc;
}

ObjectRecord SampleObject() {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = "dir/key";
  r.info.version_id = "null";
  r.info.size = 1234;
  r.info.last_modified = -5;
  r.info.content_md5 = std::string("\x00\x01\xff", 3);
  r.info.etag = "abc-2";
  r.info.blob_etag = "0x8DC0000000000001";
  r.info.content = {"text/plain", "gzip", "en", "inline", "no-cache", "Thu, 01 Jan 2030"};
  r.info.metadata = {{"Color", "blue"}, {"n", ""}};
  r.info.storage_class = "STANDARD";
  r.info.checksum = {ChecksumAlgorithm::kCrc64Nvme, "12345678", 2};
  r.info.parts_count = 2;
  r.info.part_sizes = {5 << 20, 1234};
  r.manifest = {Segment::Inline(std::string("in\0line", 7)), Segment::Extent(1ull << 40, 7, 99)};
  return r;
}

void ExpectSameInfo(const ObjectInfo& a, const ObjectInfo& b) {
  EXPECT_EQ(a.bucket, b.bucket);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.version_id, b.version_id);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.last_modified, b.last_modified);
  EXPECT_EQ(a.content_md5, b.content_md5);
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_EQ(a.blob_etag, b.blob_etag);
  EXPECT_EQ(a.content.content_type, b.content.content_type);
  EXPECT_EQ(a.content.content_encoding, b.content.content_encoding);
  EXPECT_EQ(a.content.content_language, b.content.content_language);
  EXPECT_EQ(a.content.content_disposition, b.content.content_disposition);
  EXPECT_EQ(a.content.cache_control, b.content.cache_control);
  EXPECT_EQ(a.content.expires, b.content.expires);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.storage_class, b.storage_class);
  EXPECT_EQ(a.checksum.algorithm, b.checksum.algorithm);
  EXPECT_EQ(a.checksum.value, b.checksum.value);
  EXPECT_EQ(a.checksum.parts, b.checksum.parts);
  EXPECT_EQ(a.parts_count, b.parts_count);
  EXPECT_EQ(a.part_sizes, b.part_sizes);
}

TEST(RecordsTest, ObjectRoundTrip) {
  ObjectRecord r = SampleObject();
  std::string bytes = EncodeObject(r);
  EXPECT_EQ(bytes[0], 6);  // format version
  Result<ObjectRecord> back = DecodeObject(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameInfo(back->info, r.info);
  EXPECT_EQ(back->manifest, r.manifest);
}

TEST(RecordsTest, VersionFieldsRoundTripAndVersionFiveReadsWithoutThem) {
  ObjectRecord r = SampleObject();
  r.version_seq = 1765143000123456;
  r.info.delete_marker = true;
  Result<ObjectRecord> back = DecodeObject(EncodeObject(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->version_seq, r.version_seq);
  EXPECT_TRUE(back->info.delete_marker);
  std::string v5 = EncodeObject(r);
  v5.resize(v5.size() - 8 - 1);  // u64 version_seq, u8 delete_marker
  v5[0] = 5;
  Result<ObjectRecord> old = DecodeObject(v5);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->version_seq, 0u);
  EXPECT_FALSE(old->info.delete_marker);
  std::string bad = EncodeObject(r);
  bad.back() = 2;  // delete_marker is 0 or 1
  EXPECT_FALSE(DecodeObject(bad).ok());

  BucketRecord b;
  b.versioning = Versioning::kSuspended;
  Result<BucketRecord> bucket = DecodeBucket(EncodeBucket(b));
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  EXPECT_EQ(bucket->versioning, Versioning::kSuspended);
  std::string b3 = EncodeBucket(b);
  b3.resize(b3.size() - 1);
  b3[0] = 3;
  bucket = DecodeBucket(b3);
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  EXPECT_EQ(bucket->versioning, Versioning::kUnversioned);
  std::string wrong = EncodeBucket(b);
  wrong.back() = 3;
  EXPECT_FALSE(DecodeBucket(wrong).ok());
}

TEST(RecordsTest, VersionOneObjectsStillDecodeWithoutPartSizes) {
  ObjectRecord r = SampleObject();
  r.info.part_sizes = {5, 7};
  std::string bytes = EncodeObject(r);
  // Version 1 had no part-size list, no block list, no copy record and no tags: drop the
  // (u32 count + 2 * u64), (u32 count 0), (u8 0) and (u32 count 0) tails.
  std::string v1 = bytes.substr(0, bytes.size() - 4 - 4 - 16 - 1 - 4 - 9);
  v1[0] = 1;
  Result<ObjectRecord> back = DecodeObject(v1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->info.part_sizes.empty());
  EXPECT_EQ(back->manifest, r.manifest);
}

TEST(RecordsTest, CopyRecordRoundTripsAndVersionThreeReadsWithoutIt) {
  ObjectRecord r = SampleObject();
  r.info.copy = CopyRecord{"copy-id", "http://h/a/c/b", 1234, 99};
  std::string bytes = EncodeObject(r);
  Result<ObjectRecord> back = DecodeObject(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->info.copy.has_value());
  EXPECT_EQ(back->info.copy->id, "copy-id");
  EXPECT_EQ(back->info.copy->source, "http://h/a/c/b");
  EXPECT_EQ(back->info.copy->completed, 1234);
  EXPECT_EQ(back->info.copy->bytes, 99u);
  std::string v3 = EncodeObject(SampleObject());
  v3.resize(v3.size() - 5 - 9);  // version 6's tail, version 5's u32 0 tags, u8 0 "no copy"
  v3[0] = 3;
  Result<ObjectRecord> old = DecodeObject(v3);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_FALSE(old->info.copy.has_value());
}

TEST(RecordsTest, TagsRoundTripAndVersionFourReadsWithoutThem) {
  ObjectRecord r = SampleObject();
  r.info.tags = {{"team", "a b"}, {"empty", ""}};
  Result<ObjectRecord> back = DecodeObject(EncodeObject(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->info.tags, r.info.tags);
  std::string v4 = EncodeObject(SampleObject());
  v4.resize(v4.size() - 4 - 9);  // version 6's tail and the u32 0 tags
  v4[0] = 4;
  Result<ObjectRecord> old = DecodeObject(v4);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->info.tags.empty());
}

TEST(RecordsTest, CommittedBlocksRoundTripAndVersionTwoReadsWithoutThem) {
  ObjectRecord r = SampleObject();
  r.info.blocks = {{std::string("\x00\x01", 2), 5}, {"zz", 7}};
  r.block_md5s = {std::string(16, '\x01'), std::string(16, '\x02')};
  std::string bytes = EncodeObject(r);
  Result<ObjectRecord> back = DecodeObject(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->info.blocks.size(), 2u);
  EXPECT_EQ(back->info.blocks[0].id, std::string("\x00\x01", 2));
  EXPECT_EQ(back->info.blocks[0].size, 5u);
  EXPECT_EQ(back->info.blocks[1].id, "zz");
  EXPECT_EQ(back->info.blocks[1].size, 7u);
  EXPECT_EQ(back->block_md5s, r.block_md5s);
  ExpectSameInfo(back->info, r.info);

  // Version 2 ends after the part sizes.
  std::string v5 = EncodeObject(SampleObject());
  std::string v2 = v5.substr(0, v5.size() - 4 - 1 - 4 - 9);
  v2[0] = 2;
  Result<ObjectRecord> old = DecodeObject(v2);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->info.blocks.empty());
  EXPECT_EQ(old->info.part_sizes, SampleObject().info.part_sizes);
  // A version 2 record with a block list tail is not version 2.
  std::string wrong = bytes;
  wrong[0] = 2;
  EXPECT_FALSE(DecodeObject(wrong).ok());
}

TEST(RecordsTest, EncodingIsLittleEndianAndStable) {
  // Version 1 bucket records: created and region only.
  std::string v1(
      "\x01\x08\x07\x06\x05\x04\x03\x02\x01\x02\x00\x00\x00"
      "eu",
      15);
  Result<BucketRecord> back = DecodeBucket(v1);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created, 0x0102030405060708);
  EXPECT_EQ(back->region, "eu");
  EXPECT_EQ(back->last_modified, back->created);
  EXPECT_TRUE(back->etag.empty());
  EXPECT_TRUE(back->metadata.empty());
  EXPECT_EQ(back->public_access, PublicAccess::kNone);

  BucketRecord b;
  b.created = 0x0102030405060708;
  b.region = "eu";
  std::string bytes = EncodeBucket(b);
  EXPECT_EQ(bytes[0], 4);
  EXPECT_EQ(bytes.substr(1, 14), v1.substr(1, 14));
}

TEST(RecordsTest, BucketTagsRoundTripAndVersionTwoReadsWithoutThem) {
  BucketRecord b;
  b.created = 5;
  b.tags = {{"cost-center", "42"}};
  Result<BucketRecord> back = DecodeBucket(EncodeBucket(b));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->tags, b.tags);
  b.tags.clear();
  std::string v2 = EncodeBucket(b);
  v2.resize(v2.size() - 4 - 1);  // the u32 0 tags and the u8 versioning
  v2[0] = 2;
  Result<BucketRecord> old = DecodeBucket(v2);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->tags.empty());
}

TEST(RecordsTest, BucketPropertiesRoundTrip) {
  BucketRecord b;
  b.created = 11;
  b.region = "local";
  b.metadata = {{"Owner", "me"}};
  b.public_access = PublicAccess::kBucket;
  b.policies = {{"p1", 100, std::nullopt, "rl"}, {"p2", std::nullopt, 200, ""}};
  b.etag = "0x8DC0000000000007";
  b.last_modified = 99;
  Result<BucketRecord> back = DecodeBucket(EncodeBucket(b));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->metadata, b.metadata);
  EXPECT_EQ(back->public_access, PublicAccess::kBucket);
  ASSERT_EQ(back->policies.size(), 2u);
  EXPECT_EQ(back->policies[0].id, "p1");
  EXPECT_EQ(back->policies[0].start, 100);
  EXPECT_FALSE(back->policies[0].expiry.has_value());
  EXPECT_EQ(back->policies[0].permissions, "rl");
  EXPECT_FALSE(back->policies[1].start.has_value());
  EXPECT_EQ(back->policies[1].expiry, 200);
  EXPECT_EQ(back->etag, b.etag);
  EXPECT_EQ(back->last_modified, 99);
  std::string bytes = EncodeBucket(b);
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(DecodeBucket(bytes.substr(0, n)).ok());
  // The public access level byte follows the metadata; make it unknown.
  BucketRecord plain;
  std::string enc = EncodeBucket(plain);
  enc[1 + 8 + 4 + 4] = 7;
  EXPECT_FALSE(DecodeBucket(enc).ok());
}

TEST(RecordsTest, StagedAndBlockRecordsRoundTrip) {
  StagedRecord s{std::string(1024, 'q'), 77, 5, 3, 64};
  Result<StagedRecord> s2 = DecodeStaged(EncodeStaged(s));
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->key, s.key);
  EXPECT_EQ(s2->stage_id, 77u);
  EXPECT_EQ(s2->created, 5);
  EXPECT_EQ(s2->count, 3u);
  EXPECT_EQ(s2->id_length, 64);

  BlockRecord b;
  b.size = 10;
  b.md5 = std::string(16, '\x09');
  b.staged = 8;
  b.manifest = {Segment::Extent(4, 2, 10)};
  Result<BlockRecord> b2 = DecodeBlock(EncodeBlock(b));
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(b2->size, 10u);
  EXPECT_EQ(b2->md5, b.md5);
  EXPECT_EQ(b2->staged, 8);
  EXPECT_EQ(b2->manifest, b.manifest);
  EXPECT_FALSE(DecodeStaged(EncodeStaged(s) + "x").ok());
  EXPECT_FALSE(DecodeBlock(EncodeBlock(b).substr(1)).ok());
}

TEST(RecordsTest, UploadKeepsTheFullKeyAndTagsAndReadsVersionsOneAndTwo) {
  UploadRecord u;
  u.key = std::string(1024, 'k');
  u.initiated = 9;
  u.attributes.tags = {{"a", "1"}, {"b", ""}};
  std::string bytes = EncodeUpload(u);
  EXPECT_EQ(bytes[0], '\x03');
  Result<UploadRecord> back = DecodeUpload(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->key, u.key);
  EXPECT_EQ(back->attributes.tags, u.attributes.tags);
  // Version 2: no tags.
  u.attributes.tags.clear();
  bytes = EncodeUpload(u);
  bytes.resize(bytes.size() - 4);
  bytes[0] = 2;
  Result<UploadRecord> v2 = DecodeUpload(bytes);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->key, u.key);
  // Version 1: no key; the rest as in version 2.
  std::string v1 = std::string("\x01") + bytes.substr(1 + 4 + u.key.size());
  Result<UploadRecord> old = DecodeUpload(v1);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->key, "");
  EXPECT_EQ(old->initiated, 9);
  EXPECT_FALSE(DecodeUpload(std::string("\x04") + bytes.substr(1)).ok());
}

TEST(RecordsTest, DecodeObjectKeyReadsOnlyTheKey) {
  ObjectRecord r;
  r.info.bucket = "b";
  r.info.key = std::string(700, 'x');
  r.manifest = {Segment::Inline("data")};
  Result<std::string> key = DecodeObjectKey(EncodeObject(r));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, r.info.key);
  EXPECT_FALSE(DecodeObjectKey(EncodeObject(r).substr(0, 10)).ok());
}

TEST(RecordsTest, UploadPartExtentRoundTrip) {
  UploadRecord u;
  u.initiated = 42;
  u.attributes.content.content_type = "a/b";
  u.attributes.metadata = {{"k", "v"}};
  u.attributes.storage_class = "COOL";
  u.attributes.checksum_algorithm = ChecksumAlgorithm::kSha1;
  Result<UploadRecord> u2 = DecodeUpload(EncodeUpload(u));
  ASSERT_TRUE(u2.ok());
  EXPECT_EQ(u2->initiated, 42);
  EXPECT_EQ(u2->attributes.content.content_type, "a/b");
  EXPECT_EQ(u2->attributes.metadata, u.attributes.metadata);
  EXPECT_EQ(u2->attributes.storage_class, "COOL");
  EXPECT_EQ(u2->attributes.checksum_algorithm, ChecksumAlgorithm::kSha1);

  PartRecord p;
  p.size = 5 << 20;
  p.md5 = std::string(16, '\x11');
  p.last_modified = 7;
  p.checksum = {ChecksumAlgorithm::kCrc32, "abcd", 0};
  p.manifest = {Segment::Extent(3, 0, 5 << 20)};
  Result<PartRecord> p2 = DecodePart(EncodePart(p));
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->size, p.size);
  EXPECT_EQ(p2->md5, p.md5);
  EXPECT_EQ(p2->last_modified, 7);
  EXPECT_EQ(p2->checksum.value, "abcd");
  EXPECT_EQ(p2->manifest, p.manifest);

  ExtentRecord e;
  e.refcount = 3;
  e.location = SampleLocation();
  Result<ExtentRecord> e2 = DecodeExtent(EncodeExtent(e));
  ASSERT_TRUE(e2.ok()) << e2.status().ToString();
  EXPECT_EQ(e2->refcount, 3u);
  EXPECT_EQ(e2->location, e.location);
}

TEST(RecordsTest, ExtentRecordEncodingIsVersionedLittleEndian) {
  ExtentRecord e;
  e.refcount = 0x0102;
  e.location = SampleLocation();
  const std::string bytes = EncodeExtent(e);
  ASSERT_GE(bytes.size(), 17u);
  EXPECT_EQ(bytes[0], 2);     // extent record version: store format 2
  EXPECT_EQ(bytes[1], 0x02);  // refcount, little-endian
  EXPECT_EQ(bytes[2], 0x01);
  EXPECT_EQ(bytes[9], 0);                          // location kind: striped
  EXPECT_EQ(static_cast<uint8_t>(bytes[10]), 99);  // location id
  e.location.base = 1;
  EXPECT_EQ(DecodeExtent(EncodeExtent(e))->location.base, 1u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeExtent(bytes.substr(0, n)).ok()) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(DecodeExtent(bytes + "x").ok());
}

TEST(RecordsTest, FormatOneExtentRecordsAreRefusedWithAMessage) {
  // Version 1: refcount, id, size, k, m, chunk size, then a drive per fragment.
  std::string v1(1, '\x01');
  v1.append(8 + 8 + 8, '\0');
  Result<ExtentRecord> r = DecodeExtent(v1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("store format 1"), std::string::npos);
}

TEST(RecordsTest, InconsistentLocationsDoNotDecode) {
  ExtentRecord e;
  e.location = SampleLocation();
  e.location.stripes = 5;  // 1 MiB at RS(6,3) x 64 KiB is 3 stripes
  EXPECT_FALSE(DecodeExtent(EncodeExtent(e)).ok());
  e.location = SampleLocation();
  e.location.fragments[4].offset = 4096;  // not 64 KiB aligned
  EXPECT_FALSE(DecodeExtent(EncodeExtent(e)).ok());
  e.location = SampleLocation();
  e.location.chunk_crcs.pop_back();
  EXPECT_FALSE(DecodeExtent(EncodeExtent(e)).ok());
}

TEST(RecordsTest, EveryTruncationIsAnError) {
  std::string bytes = EncodeObject(SampleObject());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<ObjectRecord> r = DecodeObject(bytes.substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
  }
}

TEST(RecordsTest, TrailingBytesUnknownVersionAndBadEnumsAreErrors) {
  std::string bytes = EncodeObject(SampleObject());
  EXPECT_FALSE(DecodeObject(bytes + "x").ok());
  std::string versioned = bytes;
  versioned[0] = 7;
  EXPECT_FALSE(DecodeObject(versioned).ok());
  EXPECT_FALSE(DecodeBucket("").ok());
  EXPECT_FALSE(DecodeExtent(std::string("\x01\xff\xff\xff\xff", 5)).ok());

  UploadRecord u;
  std::string upload = EncodeUpload(u);
  upload.back() = 42;  // checksum algorithm out of range
  EXPECT_FALSE(DecodeUpload(upload).ok());

  PartRecord p;
  p.manifest = {Segment::Inline("x")};
  std::string part = EncodePart(p);
  // The segment kind byte follows the u32 segment count; make it unknown.
  part[part.size() - 1 - 4 - 1] = 9;
  EXPECT_FALSE(DecodePart(part).ok());
}

TEST(RecordsTest, AccountsRoundTripAndDamageIsRefused) {
  AccountInfo a;
  a.name = "tenant1";
  a.key1 = "a2V5MQ==";
  a.key2 = "a2V5Mg==";
  a.disabled = true;
  a.created = 1796657569000000;
  a.max_requests_per_s = 100;
  a.max_bytes_per_s = 1 << 20;
  const std::string bytes = EncodeAccountInfo(a);
  auto back = DecodeAccountInfo(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name, a.name);
  EXPECT_EQ(back->key1, a.key1);
  EXPECT_EQ(back->key2, a.key2);
  EXPECT_TRUE(back->disabled);
  EXPECT_EQ(back->created, a.created);
  EXPECT_EQ(back->max_requests_per_s, 100u);
  EXPECT_EQ(back->max_bytes_per_s, 1u << 20);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodeAccountInfo(bytes.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(DecodeAccountInfo(bytes + "x").ok());
}

TEST(RecordsTest, UsageAndQuotaRecordsRoundTripLittleEndian) {
  UsageRecord u{{0x0102030405060708, 3}, {1000, 0}};
  std::string bytes = EncodeUsage(u);
  ASSERT_EQ(bytes.size(), 33u);
  EXPECT_EQ(bytes.substr(0, 9), std::string("\x01\x08\x07\x06\x05\x04\x03\x02\x01", 9));
  Result<UsageRecord> back = DecodeUsage(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->usage, u.usage);
  EXPECT_EQ(back->quota, u.quota);

  Quota q{7, 9};
  std::string quota = EncodeQuota(q);
  EXPECT_EQ(quota, std::string("\x01\x07\0\0\0\0\0\0\0\x09\0\0\0\0\0\0\0", 17));
  EXPECT_EQ(*DecodeQuota(quota), q);
}

TEST(RecordsTest, DamagedUsageAndQuotaRecordsAreErrors) {
  std::string usage = EncodeUsage(UsageRecord{{5, 1}, {10, 2}});
  std::string quota = EncodeQuota(Quota{10, 2});
  for (size_t n = 0; n < usage.size(); ++n) EXPECT_FALSE(DecodeUsage(usage.substr(0, n)).ok());
  for (size_t n = 0; n < quota.size(); ++n) EXPECT_FALSE(DecodeQuota(quota.substr(0, n)).ok());
  EXPECT_FALSE(DecodeUsage(usage + "x").ok());
  EXPECT_EQ(DecodeQuota(quota + "x").status().code(), ErrorCode::kInternal);
  usage[0] = 2;
  EXPECT_FALSE(DecodeUsage(usage).ok());
  EXPECT_FALSE(DecodeUsage(quota).ok());  // a quota record is not a usage record
}

TEST(RecordsTest, GarbageNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 2000; ++i) {
    junk.push_back(static_cast<char>((i * 7919) & 0xff));
    (void)DecodeObject(junk);
    (void)DecodePart(junk);
    (void)DecodeUpload(junk);
    (void)DecodeExtent(junk);
    (void)DecodeBucket(junk);
    (void)DecodeStaged(junk);
    (void)DecodeBlock(junk);
    (void)DecodeAccountInfo(junk);
    std::string versioned = "\x01" + junk;
    (void)DecodeObject(versioned);
    (void)DecodePart(versioned);
    (void)DecodeExtent(versioned);
  }
  SUCCEED();
}

}  // namespace
}  // namespace tessera::meta
