#include "backend/store/embedded_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "backend/meta/env.h"
#include "backend/meta/keys.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

using EmbeddedStoreTest = StoreTest;

TEST_F(EmbeddedStoreTest, SmallBodyIsInlinedAndRoundTrips) {
  std::string data = "hello, tessera";
  int64_t before = NowMicros();
  Result<ObjectInfo> info = Put("greeting", data);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(fake_->write_calls(), 0);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->content_md5, Md5(data));
  EXPECT_EQ(info->etag, HexEncode(Md5(data)));
  EXPECT_EQ(info->version_id, "null");
  EXPECT_EQ(info->storage_class, "STANDARD");
  EXPECT_EQ(info->blob_etag.size(), 18u);
  EXPECT_EQ(info->blob_etag.substr(0, 5), "0x8DC");
  EXPECT_GE(info->last_modified, before);
  EXPECT_LE(info->last_modified, NowMicros());
  EXPECT_EQ(Get("greeting"), data);
  EXPECT_EQ(fake_->read_calls(), 0);
}

TEST_F(EmbeddedStoreTest, LargeBodyGoesToExtentsAndRoundTrips) {
  std::string data = Bytes(250);
  ASSERT_TRUE(Put("big", data).ok());
  EXPECT_EQ(fake_->write_calls(), 1);
  EXPECT_EQ(fake_->live(), 3u);  // 100 + 100 + 50
  EXPECT_EQ(Get("big"), data);
  // Consecutive whole extents are read with one ExtentStore::Read.
  EXPECT_EQ(fake_->read_calls(), 1);
}

TEST_F(EmbeddedStoreTest, BodyOfExactlyTheThresholdIsInline) {
  ASSERT_TRUE(Put("edge", Bytes(64)).ok());
  EXPECT_EQ(fake_->write_calls(), 0);
  ASSERT_TRUE(Put("over", Bytes(65)).ok());
  EXPECT_EQ(fake_->write_calls(), 1);
  EXPECT_EQ(Get("edge"), Bytes(64));
  EXPECT_EQ(Get("over"), Bytes(65));
}

TEST_F(EmbeddedStoreTest, EmptyObject) {
  Result<ObjectInfo> info = Put("empty", "");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(info->etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Get("empty"), "");
  GetObjectRequest request;
  request.object = Ref("empty");
  request.range = ByteRange{0, 0, std::nullopt};
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kInvalidRange);
  request.range = ByteRange{std::nullopt, std::nullopt, 5};
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kInvalidRange);
}

TEST_F(EmbeddedStoreTest, RangesOverExtentsAndInline) {
  std::string big = Bytes(250);
  std::string small = Bytes(40, 'A');
  ASSERT_TRUE(Put("big", big).ok());
  ASSERT_TRUE(Put("small", small).ok());
  EXPECT_EQ(Get("big", ByteRange{90, 210, std::nullopt}), big.substr(90, 121));
  EXPECT_EQ(Get("big", ByteRange{199, std::nullopt, std::nullopt}), big.substr(199));
  EXPECT_EQ(Get("big", ByteRange{std::nullopt, std::nullopt, 7}), big.substr(243));
  EXPECT_EQ(Get("big", ByteRange{std::nullopt, std::nullopt, 1000}), big);
  EXPECT_EQ(Get("big", ByteRange{240, 5000, std::nullopt}), big.substr(240));
  EXPECT_EQ(Get("small", ByteRange{5, 9, std::nullopt}), small.substr(5, 5));

  GetObjectRequest request;
  request.object = Ref("big");
  request.range = ByteRange{250, std::nullopt, std::nullopt};
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kInvalidRange);
  request.range = ByteRange{10, 19, std::nullopt};
  Result<ObjectReader> reader = store_->GetObject(request);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->range.has_value());
  EXPECT_EQ(reader->range->offset, 10u);
  EXPECT_EQ(reader->range->length, 10u);
  EXPECT_EQ(reader->info.size, 250u);
  EXPECT_EQ(reader->body->Size(), 10u);
}

TEST_F(EmbeddedStoreTest, ReadFailureOfTheExtentStoreSurfaces) {
  ASSERT_TRUE(Put("big", Bytes(250)).ok());
  fake_->set_fail_reads(true);
  EXPECT_NE(Get("big").find("DataLoss"), std::string::npos);
}

TEST_F(EmbeddedStoreTest, OverwriteFreesTheOldExtents) {
  ASSERT_TRUE(Put("k", Bytes(250)).ok());
  EXPECT_EQ(fake_->live(), 3u);
  ASSERT_TRUE(Put("k", Bytes(150, 'x')).ok());
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{1, 2, 3}));
  EXPECT_EQ(fake_->live(), 2u);
  EXPECT_EQ(Get("k"), Bytes(150, 'x'));
  ASSERT_TRUE(Put("k", "tiny").ok());
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(Get("k"), "tiny");
}

// A reader that is open keeps the version it opened, whatever happens to the key meanwhile.
TEST_F(EmbeddedStoreTest, OpenReaderSurvivesOverwriteAndDelete) {
  const std::string old_data = Bytes(250);
  ASSERT_TRUE(Put("k", old_data).ok());  // extents 1, 2, 3
  Result<ObjectReader> reader = store_->GetObject({Ref("k"), {}, {}});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();

  ASSERT_TRUE(Put("k", Bytes(150, 'x')).ok());  // extents 4, 5
  ASSERT_TRUE(Put("k", Bytes(120, 'y')).ok());  // frees 4, 5 at once: nobody reads them
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{4, 5, 6, 7}));
  EXPECT_EQ(Get("k").find("<error"), 0u);

  EXPECT_EQ(Drain(*reader->body), old_data);
  EXPECT_TRUE(fake_->Has(1) && fake_->Has(2) && fake_->Has(3));
  reader->body.reset();
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(EmbeddedStoreTest, ReadersDestroyedEarlyReleaseTheirPins) {
  const std::string old_data = Bytes(250);
  ASSERT_TRUE(Put("k", old_data).ok());
  Result<ObjectReader> unread = store_->GetObject({Ref("k"), {}, {}});
  Result<ObjectReader> partial =
      store_->GetObject({Ref("k"), ByteRange{150, 249, std::nullopt}, {}});
  ASSERT_TRUE(unread.ok() && partial.ok());
  char buf[5];
  ASSERT_TRUE(partial->body->Read(buf, sizeof(buf)).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_TRUE(fake_->deleted().empty());
  unread->body.reset();
  // The range reader pins only the extents its range covers (2 and 3).
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{1}));
  partial->body.reset();
  EXPECT_EQ(fake_->live(), 0u);
  // Readers may also outlive the store.
  ASSERT_TRUE(Put("k", old_data).ok());
  Result<ObjectReader> late = store_->GetObject({Ref("k"), {}, {}});
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  store_.reset();
  EXPECT_EQ(Drain(*late->body), old_data);
  late->body.reset();
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(EmbeddedStoreTest, OpenReaderSurvivesCompleteMultipartOverwrite) {
  ASSERT_TRUE(Put("k", Bytes(250)).ok());  // extents 1, 2, 3
  Result<ObjectReader> reader = store_->GetObject({Ref("k"), {}, {}});
  ASSERT_TRUE(reader.ok());
  Result<MultipartUpload> upload = store_->CreateMultipartUpload(Ref("k"), {});
  ASSERT_TRUE(upload.ok());
  UploadPartRequest part;
  part.object = Ref("k");
  part.upload_id = upload->upload_id;
  part.part_number = 1;
  std::string data = Bytes(90, 'p');
  MemorySource body(data.data(), data.size());
  Result<PartInfo> info = store_->UploadPart(part, body);
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(
      store_->CompleteMultipartUpload({Ref("k"), upload->upload_id, {{1, info->etag}}, {}}).ok());
  EXPECT_EQ(Get("k"), data);
  EXPECT_TRUE(fake_->deleted().empty());
  EXPECT_EQ(Drain(*reader->body), Bytes(250));
  reader->body.reset();
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{1, 2, 3}));
}

TEST_F(EmbeddedStoreTest, ConcurrentReadersNeverLoseTheVersionTheyOpened) {
  // Every version of "k" is one byte repeated; a reader must see one version whole.
  ASSERT_TRUE(Put("k", std::string(300, 'a')).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::string got = Get("k");
        if (got.find("NoSuchKey") != std::string::npos) continue;
        if (got.size() != 300 || got.find_first_not_of(got[0]) != std::string::npos) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(Put("k", std::string(300, static_cast<char>('a' + i % 26))).ok());
    if (i % 10 == 9) {
      ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
    }
  }
  stop = true;
  for (auto& thread : readers) thread.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  // The last round deleted the key; every extent of every version is gone with the readers.
  EXPECT_EQ(store_->DeleteObject(Ref("k"), {}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(EmbeddedStoreTest, DeleteObjectDropsExtentsAndReportsMissing) {
  ASSERT_TRUE(Put("k", Bytes(250)).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(store_->DeleteObject(Ref("k"), {}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(store_->HeadObject({Ref("k"), {}, {}}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(store_->DeleteObject(Ref("k", "nobucket"), {}).status().code(),
            ErrorCode::kNoSuchBucket);
}

TEST_F(EmbeddedStoreTest, CopySharesExtentsAndSurvivesDeletingTheSource) {
  std::string data = Bytes(250);
  ASSERT_TRUE(Put("src", data).ok());
  CopyObjectRequest copy;
  copy.source = Ref("src");
  copy.destination = Ref("dst");
  Result<ObjectInfo> copied = store_->CopyObject(copy);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(fake_->write_calls(), 1);
  EXPECT_EQ(fake_->live(), 3u);
  EXPECT_EQ(copied->key, "dst");
  EXPECT_EQ(copied->etag, HexEncode(Md5(data)));
  EXPECT_EQ(Get("dst"), data);

  ASSERT_TRUE(store_->DeleteObject(Ref("src"), {}).ok());
  EXPECT_TRUE(fake_->deleted().empty());
  EXPECT_EQ(Get("dst"), data);
  ASSERT_TRUE(store_->DeleteObject(Ref("dst"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(EmbeddedStoreTest, CopyOntoItselfKeepsTheData) {
  ASSERT_TRUE(Put("k", Bytes(250)).ok());
  CopyObjectRequest copy;
  copy.source = Ref("k");
  copy.destination = Ref("k");
  copy.directive = MetadataDirective::kReplace;
  copy.attributes.metadata["color"] = "blue";
  ASSERT_TRUE(store_->CopyObject(copy).ok());
  EXPECT_EQ(fake_->live(), 3u);
  EXPECT_EQ(Get("k"), Bytes(250));
  Result<ObjectInfo> head = store_->HeadObject({Ref("k"), {}, {}});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->metadata.at("color"), "blue");
}

TEST_F(EmbeddedStoreTest, CopyMetadataDirectiveAndSourceConditions) {
  PutObjectRequest put;
  put.attributes.metadata["a"] = "1";
  put.attributes.content.content_type = "text/plain";
  ASSERT_TRUE(Put("src", "data", put).ok());
  CopyObjectRequest copy;
  copy.source = Ref("src");
  copy.destination = Ref("kept");
  Result<ObjectInfo> kept = store_->CopyObject(copy);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->metadata, (Metadata{{"a", "1"}}));
  EXPECT_EQ(kept->content.content_type, "text/plain");

  copy.destination = Ref("replaced");
  copy.directive = MetadataDirective::kReplace;
  copy.attributes.metadata = {{"b", "2"}};
  Result<ObjectInfo> replaced = store_->CopyObject(copy);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->metadata, (Metadata{{"b", "2"}}));
  EXPECT_EQ(replaced->content.content_type, "");

  copy.source_preconditions.if_match = "0123";
  EXPECT_EQ(store_->CopyObject(copy).status().code(), ErrorCode::kPreconditionFailed);
  copy.source_preconditions = {};
  copy.source_preconditions.if_none_match = kept->etag;
  EXPECT_EQ(store_->CopyObject(copy).status().code(), ErrorCode::kPreconditionFailed);
  copy.source_preconditions = {};
  copy.source = Ref("absent");
  EXPECT_EQ(store_->CopyObject(copy).status().code(), ErrorCode::kNoSuchKey);
  copy.source = Ref("src");
  copy.destination = Ref("x", "nobucket");
  EXPECT_EQ(store_->CopyObject(copy).status().code(), ErrorCode::kNoSuchBucket);
}

TEST_F(EmbeddedStoreTest, FailingBodyLeavesNothingAndKeepsThePreviousVersion) {
  ASSERT_TRUE(Put("k", "old").ok());
  PutObjectRequest request;
  request.object = Ref("k");
  FailingSource body(Bytes(250));
  EXPECT_EQ(store_->PutObject(request, body).status().code(), ErrorCode::kIncompleteBody);
  FailingSource small(Bytes(10));
  EXPECT_EQ(store_->PutObject(request, small).status().code(), ErrorCode::kIncompleteBody);
  request.object = Ref("new");
  FailingSource other(Bytes(250));
  EXPECT_FALSE(store_->PutObject(request, other).ok());
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(Get("k"), "old");
  EXPECT_EQ(store_->HeadObject({Ref("new"), {}, {}}).status().code(), ErrorCode::kNoSuchKey);
}

TEST_F(EmbeddedStoreTest, ExtentStoreFailureLeavesNothing) {
  fake_->set_fail_writes(true);
  EXPECT_EQ(Put("k", Bytes(250)).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(store_->HeadObject({Ref("k"), {}, {}}).status().code(), ErrorCode::kNoSuchKey);
}

TEST_F(EmbeddedStoreTest, DigestMismatchesLeaveNothing) {
  ASSERT_TRUE(Put("k", "old").ok());
  std::string data = Bytes(250);
  PutObjectRequest request;
  request.expected_md5 = Md5("something else");
  EXPECT_EQ(Put("k", data, request).status().code(), ErrorCode::kBadDigest);
  request.expected_md5 = Md5(data);
  request.attributes.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  request.expected_checksum = std::string("\0\0\0\0", 4);
  EXPECT_EQ(Put("k", data, request).status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(fake_->deleted().size(), 6u);
  EXPECT_EQ(Get("k"), "old");

  auto crc = NewCrc32c();
  crc->Update(data.data(), data.size());
  request.expected_checksum = crc->Finish();
  Result<ObjectInfo> info = Put("k", data, request);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->checksum.algorithm, ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(info->checksum.value, *request.expected_checksum);
  EXPECT_EQ(info->checksum.parts, 0u);
}

TEST_F(EmbeddedStoreTest, WritePreconditions) {
  PutObjectRequest request;
  request.preconditions.if_match = "*";
  EXPECT_EQ(Put("k", Bytes(250), request).status().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(fake_->live(), 0u);
  request.preconditions = {};
  request.preconditions.if_none_match = "*";
  Result<ObjectInfo> first = Put("k", "v1", request);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Put("k", "v2", request).status().code(), ErrorCode::kPreconditionFailed);
  request.preconditions = {};
  request.preconditions.if_match = first->etag;
  ASSERT_TRUE(Put("k", "v3", request).ok());
  EXPECT_EQ(Put("k", "v4", request).status().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(Get("k"), "v3");
}

TEST_F(EmbeddedStoreTest, ReadPreconditions) {
  Result<ObjectInfo> info = Put("k", "v");
  ASSERT_TRUE(info.ok());
  GetObjectRequest request;
  request.object = Ref("k");
  request.preconditions.if_match = "\"" + info->etag + "\"";
  EXPECT_TRUE(store_->GetObject(request).ok());
  request.preconditions.if_match = info->blob_etag;
  EXPECT_TRUE(store_->HeadObject(request).ok());
  request.preconditions.if_match = "abc";
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kPreconditionFailed);
  request.preconditions = {};
  request.preconditions.if_none_match = info->etag;
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kNotModified);
  EXPECT_EQ(store_->HeadObject(request).status().code(), ErrorCode::kNotModified);
  request.preconditions = {};
  request.preconditions.if_modified_since = info->last_modified + 3600'000'000;
  EXPECT_EQ(store_->GetObject(request).status().code(), ErrorCode::kNotModified);
  request.preconditions.if_modified_since = info->last_modified - 3600'000'000;
  EXPECT_TRUE(store_->GetObject(request).ok());
}

TEST_F(EmbeddedStoreTest, Buckets) {
  EXPECT_EQ(store_->CreateBucket({{kAccount, kBucket}, ""}).code(),
            ErrorCode::kBucketAlreadyOwnedByYou);
  ASSERT_TRUE(store_->CreateBucket({{kAccount, "alpha"}, "r1"}).ok());
  ASSERT_TRUE(store_->CreateBucket({{"other", kBucket}, "r2"}).ok());
  Result<std::vector<BucketInfo>> mine = store_->ListBuckets(kAccount);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].name, "alpha");
  EXPECT_EQ((*mine)[0].region, "r1");
  EXPECT_EQ((*mine)[1].name, kBucket);
  Result<std::vector<BucketInfo>> theirs = store_->ListBuckets("other");
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ(store_->ListBuckets("acc")->size(), 0u);  // a prefix of an account is not it

  Result<BucketInfo> head = store_->HeadBucket({"other", kBucket});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->region, "r2");
  EXPECT_EQ(store_->HeadBucket({kAccount, "nope"}).status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->DeleteBucket({kAccount, "nope"}).code(), ErrorCode::kNoSuchBucket);

  // Objects are per account too.
  ASSERT_TRUE(Put("k", "v").ok());
  EXPECT_EQ(store_->HeadObject({{"other", kBucket, "k"}, {}, {}}).status().code(),
            ErrorCode::kNoSuchKey);
  EXPECT_EQ(store_->DeleteBucket({kAccount, kBucket}).code(), ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  ASSERT_TRUE(store_->DeleteBucket({kAccount, kBucket}).ok());
  EXPECT_EQ(store_->HeadBucket({kAccount, kBucket}).status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_TRUE(store_->HeadBucket({"other", kBucket}).ok());
}

TEST_F(EmbeddedStoreTest, PutIntoMissingBucketFailsBeforeStreaming) {
  PutObjectRequest request;
  request.object.bucket = "nobucket";
  EXPECT_EQ(Put("k", Bytes(250), request).status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(fake_->write_calls(), 0);
}

TEST_F(EmbeddedStoreTest, RejectsKeysThatDoNotFit) {
  EXPECT_EQ(Put("", "v").status().code(), ErrorCode::kInvalidObjectName);
  EXPECT_EQ(Put(std::string(1025, 'k'), "v").status().code(), ErrorCode::kInvalidObjectName);
  EXPECT_EQ(store_->CreateMultipartUpload(Ref(std::string(1025, 'k')), {}).status().code(),
            ErrorCode::kInvalidObjectName);
  CopyObjectRequest copy;
  copy.source = Ref("src");
  copy.destination = Ref(std::string(1025, 'k'));
  ASSERT_TRUE(Put("src", "v").ok());
  EXPECT_EQ(store_->CopyObject(copy).status().code(), ErrorCode::kInvalidObjectName);
  EXPECT_EQ(store_->HeadObject({Ref(std::string(1025, 'k')), {}, {}}).status().code(),
            ErrorCode::kNoSuchKey);
  EXPECT_EQ(fake_->write_calls(), 0);
  EXPECT_TRUE(Put(std::string(1024, 'k'), "v").ok());
}

TEST_F(EmbeddedStoreTest, KeysUpTo1024BytesRoundTrip) {
  // Over the LMDB key limit, sharing a long head, and differing only in their last byte.
  const std::string head(600, 'h');
  std::vector<std::string> keys = {std::string(1024, 'a'), head + std::string(424, 'x'),
                                   head + std::string(423, 'x') + 'y', head + "short",
                                   std::string(300, 'z')};
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(Put(keys[i], Bytes(100 + i, static_cast<char>('a' + i))).ok()) << i;
  }
  Reopen();
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(Get(keys[i]), Bytes(100 + i, static_cast<char>('a' + i))) << i;
    Result<ObjectInfo> head_info = store_->HeadObject({Ref(keys[i]), {}, {}});
    ASSERT_TRUE(head_info.ok()) << i;
    EXPECT_EQ(head_info->key, keys[i]);
  }
  // A key that shares the long head but was never written is missing.
  EXPECT_EQ(store_->HeadObject({Ref(head + std::string(424, 'w')), {}, {}}).status().code(),
            ErrorCode::kNoSuchKey);
  CopyObjectRequest copy;
  copy.source = Ref(keys[1]);
  copy.destination = Ref(head + std::string(424, 'c'));
  ASSERT_TRUE(store_->CopyObject(copy).ok());
  EXPECT_EQ(Get(copy.destination.key), Bytes(101, 'b'));

  ASSERT_TRUE(store_->DeleteObject(Ref(keys[1]), {}).ok());
  EXPECT_EQ(store_->HeadObject({Ref(keys[1]), {}, {}}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(Get(keys[2]), Bytes(102, 'c'));
  EXPECT_EQ(store_->DeleteObject(Ref(keys[1]), {}).status().code(), ErrorCode::kNoSuchKey);
  ListObjectsRequest list;
  list.bucket = {kAccount, kBucket};
  Result<ListObjectsResult> listed = store_->ListObjects(list);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> got;
  for (const ObjectInfo& info : listed->objects) got.push_back(info.key);
  std::vector<std::string> want = {keys[0], keys[2], keys[3], copy.destination.key, keys[4]};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST_F(EmbeddedStoreTest, EverythingSurvivesReopening) {
  ASSERT_TRUE(Put("inline", "small").ok());
  ASSERT_TRUE(Put("extent", Bytes(250)).ok());
  Result<MultipartUpload> upload = store_->CreateMultipartUpload(Ref("mp"), {});
  ASSERT_TRUE(upload.ok());
  Reopen();
  EXPECT_EQ(Get("inline"), "small");
  EXPECT_EQ(Get("extent"), Bytes(250));
  EXPECT_TRUE(store_->HeadBucket({kAccount, kBucket}).ok());
  Result<ListPartsResult> parts = store_->ListParts({Ref("mp"), upload->upload_id, 0, 1000});
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  // Reference counts survived too: deleting frees exactly the object's extents.
  ASSERT_TRUE(store_->DeleteObject(Ref("extent"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(EmbeddedStoreTest, CorruptValueIsAnErrorNotACrash) {
  ASSERT_TRUE(Put("k", "v").ok());
  ASSERT_TRUE(Put("j", "w").ok());
  store_.reset();
  {
    auto env = meta::Env::Open({dir_.string(), options_.map_size});
    ASSERT_TRUE(env.ok());
    auto txn = (*env)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    std::string key = meta::ObjectKey(kAccount, kBucket, "k");
    auto value = txn->Get(meta::Table::kObjects, key);
    ASSERT_TRUE(value.ok() && value->has_value());
    std::string truncated = (*value)->substr(0, (*value)->size() / 2);
    ASSERT_TRUE(txn->Put(meta::Table::kObjects, key, truncated).ok());
    ASSERT_TRUE(txn->Put(meta::Table::kObjects, meta::ObjectKey(kAccount, kBucket, "j"),
                         std::string("\x63", 1))
                    .ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  Reopen();
  EXPECT_EQ(store_->HeadObject({Ref("k"), {}, {}}).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(store_->HeadObject({Ref("j"), {}, {}}).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(store_->DeleteObject(Ref("k"), {}).status().code(), ErrorCode::kInternal);
  ListObjectsRequest list;
  list.bucket = {kAccount, kBucket};
  EXPECT_EQ(store_->ListObjects(list).status().code(), ErrorCode::kInternal);
  // The rest of the store keeps working.
  ASSERT_TRUE(Put("fine", "ok").ok());
  EXPECT_EQ(Get("fine"), "ok");
}

TEST_F(EmbeddedStoreTest, BlobEtagsAreUnique) {
  std::set<std::string> etags;
  for (int i = 0; i < 50; ++i) {
    Result<ObjectInfo> info = Put("k", "same");
    ASSERT_TRUE(info.ok());
    etags.insert(info->blob_etag);
  }
  EXPECT_EQ(etags.size(), 50u);
}

TEST_F(EmbeddedStoreTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        std::string data = Bytes(50 + i * 7, static_cast<char>('a' + t));
        if (!Put(key, data).ok() || Get(key) != data) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ListObjectsRequest list;
  list.bucket = {kAccount, kBucket};
  EXPECT_EQ(store_->ListObjects(list)->objects.size(), 100u);
}

}  // namespace
}  // namespace tessera::store::testing
