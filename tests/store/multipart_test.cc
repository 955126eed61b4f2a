#include <gtest/gtest.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

class MultipartTest : public StoreTest {
 protected:
  std::string Start(const std::string& key, ObjectAttributes attributes = {}) {
    Result<MultipartUpload> upload = store_->CreateMultipartUpload(Ref(key), attributes);
    EXPECT_TRUE(upload.ok()) << upload.status().ToString();
    return upload.ok() ? upload->upload_id : "";
  }
  Result<PartInfo> Part(const std::string& key, const std::string& id, uint32_t number,
                        const std::string& data, UploadPartRequest request = {}) {
    request.object = Ref(key);
    request.upload_id = id;
    request.part_number = number;
    MemorySource body(data.data(), data.size());
    return store_->UploadPart(request, body);
  }
  Result<ObjectInfo> Complete(const std::string& key, const std::string& id,
                              std::vector<CompletedPart> parts) {
    return store_->CompleteMultipartUpload({Ref(key), id, std::move(parts), {}});
  }
};

TEST_F(MultipartTest, HappyPathBuildsTheObjectWithoutCopying) {
  ObjectAttributes attributes;
  attributes.metadata["m"] = "v";
  attributes.content.content_type = "application/x-test";
  std::string id = Start("obj", attributes);
  EXPECT_GE(id.size(), 20u);
  std::string p1 = Bytes(150, 'a'), p2 = Bytes(30, 'b'), p3 = Bytes(120, 'c');
  Result<PartInfo> r1 = Part("obj", id, 1, p1);
  Result<PartInfo> r2 = Part("obj", id, 2, p2);
  Result<PartInfo> r3 = Part("obj", id, 3, p3);
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1->etag, HexEncode(Md5(p1)));
  EXPECT_EQ(r2->size, 30u);
  int writes = fake_->write_calls();

  Result<ObjectInfo> info =
      Complete("obj", id, {{1, r1->etag}, {2, "\"" + r2->etag + "\""}, {3, r3->etag}});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(fake_->write_calls(), writes);
  EXPECT_EQ(info->size, 300u);
  EXPECT_EQ(info->etag, HexEncode(Md5(Md5(p1) + Md5(p2) + Md5(p3))) + "-3");
  EXPECT_EQ(info->parts_count, 3u);
  EXPECT_TRUE(info->content_md5.empty());
  EXPECT_EQ(info->metadata.at("m"), "v");
  EXPECT_EQ(info->content.content_type, "application/x-test");
  EXPECT_EQ(Get("obj"), p1 + p2 + p3);
  EXPECT_EQ(Get("obj", ByteRange{140, 190, std::nullopt}), (p1 + p2 + p3).substr(140, 51));
  EXPECT_EQ(store_->ListParts({Ref("obj"), id, 0, 1000}).status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(
      store_->ListMultipartUploads({{kAccount, kBucket}, "", "", "", "", 1000})->uploads.empty());
  ASSERT_TRUE(store_->DeleteObject(Ref("obj"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(MultipartTest, CompositeChecksum) {
  ObjectAttributes attributes;
  attributes.checksum_algorithm = ChecksumAlgorithm::kSha256;
  std::string id = Start("obj", attributes);
  std::string p1 = Bytes(20, 'a'), p2 = Bytes(5, 'b');
  Result<PartInfo> r1 = Part("obj", id, 1, p1);
  Result<PartInfo> r2 = Part("obj", id, 2, p2);
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->checksum.algorithm, ChecksumAlgorithm::kSha256);
  EXPECT_EQ(r1->checksum.value, Sha256(p1));
  Result<ObjectInfo> info = Complete("obj", id, {{1, r1->etag}, {2, r2->etag}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->checksum.algorithm, ChecksumAlgorithm::kSha256);
  EXPECT_EQ(info->checksum.value, Sha256(Sha256(p1) + Sha256(p2)));
  EXPECT_EQ(info->checksum.parts, 2u);
}

TEST_F(MultipartTest, ReplacingAPartDropsTheOldOne) {
  std::string id = Start("obj");
  ASSERT_TRUE(Part("obj", id, 1, Bytes(150, 'a')).ok());
  EXPECT_EQ(fake_->live(), 2u);
  Result<PartInfo> again = Part("obj", id, 1, Bytes(120, 'z'));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{1, 2}));
  Result<ListPartsResult> parts = store_->ListParts({Ref("obj"), id, 0, 1000});
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->parts.size(), 1u);
  EXPECT_EQ(parts->parts[0].etag, again->etag);
  ASSERT_TRUE(Complete("obj", id, {{1, again->etag}}).ok());
  EXPECT_EQ(Get("obj"), Bytes(120, 'z'));
}

TEST_F(MultipartTest, UnlistedPartsAreDropped) {
  std::string id = Start("obj");
  Result<PartInfo> r1 = Part("obj", id, 1, Bytes(150, 'a'));
  Result<PartInfo> r2 = Part("obj", id, 2, Bytes(150, 'b'));
  Result<PartInfo> r3 = Part("obj", id, 3, Bytes(150, 'c'));
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  ASSERT_TRUE(Complete("obj", id, {{1, r1->etag}, {3, r3->etag}}).ok());
  EXPECT_EQ(fake_->deleted(), (std::set<uint64_t>{3, 4}));  // part 2's extents
  EXPECT_EQ(Get("obj"), Bytes(150, 'a') + Bytes(150, 'c'));
}

TEST_F(MultipartTest, CompleteErrorsChangeNothing) {
  std::string id = Start("obj");
  Result<PartInfo> r1 = Part("obj", id, 1, Bytes(5, 'a'));  // below min_part_size (10)
  Result<PartInfo> r2 = Part("obj", id, 2, Bytes(20, 'b'));
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(Complete("obj", id, {}).status().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(Complete("obj", id, {{2, r2->etag}, {1, r1->etag}}).status().code(),
            ErrorCode::kInvalidPartOrder);
  EXPECT_EQ(Complete("obj", id, {{1, r1->etag}, {1, r1->etag}}).status().code(),
            ErrorCode::kInvalidPartOrder);
  EXPECT_EQ(Complete("obj", id, {{1, r1->etag}, {3, r2->etag}}).status().code(),
            ErrorCode::kInvalidPart);
  EXPECT_EQ(Complete("obj", id, {{1, r2->etag}, {2, r2->etag}}).status().code(),
            ErrorCode::kInvalidPart);
  EXPECT_EQ(Complete("obj", id, {{1, r1->etag}, {2, r2->etag}}).status().code(),
            ErrorCode::kEntityTooSmall);
  EXPECT_EQ(Complete("obj", "nosuchupload", {{1, r1->etag}}).status().code(),
            ErrorCode::kNoSuchUpload);
  EXPECT_EQ(Complete("other", id, {{1, r1->etag}}).status().code(), ErrorCode::kNoSuchUpload);
  CompleteMultipartRequest conditional{Ref("obj"), id, {{2, r2->etag}}, {}};
  conditional.preconditions.if_match = "*";
  EXPECT_EQ(store_->CompleteMultipartUpload(conditional).status().code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(store_->HeadObject({Ref("obj"), {}, {}}).status().code(), ErrorCode::kNoSuchKey);
  // A small part is fine when it is the last one; the upload was left intact above.
  Result<ObjectInfo> info = Complete("obj", id, {{1, r1->etag}});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(Get("obj"), Bytes(5, 'a'));
}

TEST_F(MultipartTest, PartErrors) {
  std::string id = Start("obj");
  EXPECT_EQ(Part("obj", id, 0, "x").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Part("obj", id, 10001, "x").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Part("obj", id, 10000, "x").ok());
  EXPECT_EQ(Part("obj", "unknown-upload-id-000000000000000", 1, "x").status().code(),
            ErrorCode::kNoSuchUpload);
  EXPECT_EQ(Part("other", id, 1, "x").status().code(), ErrorCode::kNoSuchUpload);
  UploadPartRequest bad;
  bad.expected_md5 = Md5("not it");
  EXPECT_EQ(Part("obj", id, 2, Bytes(150), bad).status().code(), ErrorCode::kBadDigest);
  bad = {};
  bad.checksum_algorithm = ChecksumAlgorithm::kCrc32;
  bad.expected_checksum = "\1\2\3\4";
  EXPECT_EQ(Part("obj", id, 2, Bytes(150), bad).status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(store_->ListParts({Ref("obj"), id, 0, 1000})->parts.size(), 1u);
  UploadPartRequest failing;
  failing.object = Ref("obj");
  failing.upload_id = id;
  failing.part_number = 3;
  FailingSource body(Bytes(150));
  EXPECT_FALSE(store_->UploadPart(failing, body).ok());
  EXPECT_EQ(store_->ListParts({Ref("obj"), id, 0, 1000})->parts.size(), 1u);
  EXPECT_EQ(store_->CreateMultipartUpload(Ref("obj", "nobucket"), {}).status().code(),
            ErrorCode::kNoSuchBucket);
}

TEST_F(MultipartTest, AbortDropsEverything) {
  std::string id = Start("obj");
  ASSERT_TRUE(Part("obj", id, 1, Bytes(150)).ok());
  ASSERT_TRUE(Part("obj", id, 2, Bytes(150)).ok());
  EXPECT_EQ(fake_->live(), 4u);
  EXPECT_EQ(store_->AbortMultipartUpload(Ref("obj"), "nosuch").code(), ErrorCode::kNoSuchUpload);
  ASSERT_TRUE(store_->AbortMultipartUpload(Ref("obj"), id).ok());
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(store_->AbortMultipartUpload(Ref("obj"), id).code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(Part("obj", id, 1, "x").status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(store_->DeleteBucket({kAccount, kBucket}).ok());
}

TEST_F(MultipartTest, ListPartsPaginates) {
  std::string id = Start("obj");
  for (uint32_t n : {1u, 2u, 5u, 9u, 10u}) ASSERT_TRUE(Part("obj", id, n, Bytes(n)).ok());
  Result<ListPartsResult> first = store_->ListParts({Ref("obj"), id, 0, 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->parts.size(), 2u);
  EXPECT_EQ(first->parts[1].part_number, 2u);
  EXPECT_TRUE(first->truncated);
  EXPECT_EQ(first->next_part_number_marker, 2u);
  EXPECT_EQ(first->upload.upload_id, id);
  Result<ListPartsResult> rest = store_->ListParts({Ref("obj"), id, 2, 10});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->parts.size(), 3u);
  EXPECT_EQ(rest->parts[0].part_number, 5u);
  EXPECT_EQ(rest->parts[2].part_number, 10u);
  EXPECT_EQ(rest->parts[2].size, 10u);
  EXPECT_FALSE(rest->truncated);
  EXPECT_EQ(store_->ListParts({Ref("obj"), "nosuch", 0, 10}).status().code(),
            ErrorCode::kNoSuchUpload);
}

TEST_F(MultipartTest, UploadPartCopySharesExtents) {
  std::string data = Bytes(250);
  Result<ObjectInfo> source = Put("src", data);
  ASSERT_TRUE(source.ok());
  std::string id = Start("obj");
  UploadPartCopyRequest copy;
  copy.object = Ref("obj");
  copy.upload_id = id;
  copy.part_number = 1;
  copy.source = Ref("src");
  Result<PartInfo> whole = store_->UploadPartCopy(copy);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->etag, source->etag);
  copy.part_number = 2;
  copy.source_range = ByteRange{90, 209, std::nullopt};
  Result<PartInfo> ranged = store_->UploadPartCopy(copy);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(ranged->size, 120u);
  EXPECT_EQ(fake_->write_calls(), 1);

  copy.part_number = 3;
  copy.source_range = ByteRange{300, std::nullopt, std::nullopt};
  EXPECT_EQ(store_->UploadPartCopy(copy).status().code(), ErrorCode::kInvalidRange);
  copy.source_range.reset();
  copy.source_preconditions.if_match = "nope";
  EXPECT_EQ(store_->UploadPartCopy(copy).status().code(), ErrorCode::kPreconditionFailed);

  ASSERT_TRUE(store_->DeleteObject(Ref("src"), {}).ok());
  EXPECT_TRUE(fake_->deleted().empty());
  ASSERT_TRUE(Complete("obj", id, {{1, whole->etag}, {2, ranged->etag}}).ok());
  EXPECT_EQ(Get("obj"), data + data.substr(90, 120));
  ASSERT_TRUE(store_->DeleteObject(Ref("obj"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(MultipartTest, ListUploadsWithMarkersAndDelimiter) {
  std::vector<std::pair<std::string, std::string>> all;  // (key, id) in expected order
  for (const char* key : {"a", "b/1", "b/2", "c"}) {
    for (int i = 0; i < 2; ++i) all.emplace_back(key, Start(key));
  }
  std::sort(all.begin(), all.end());
  ListUploadsRequest request{{kAccount, kBucket}, "", "", "", "", 1000};
  Result<ListUploadsResult> everything = store_->ListMultipartUploads(request);
  ASSERT_TRUE(everything.ok());
  ASSERT_EQ(everything->uploads.size(), 8u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(everything->uploads[i].key, all[i].first);
    EXPECT_EQ(everything->uploads[i].upload_id, all[i].second);
  }
  request.max_uploads = 3;
  Result<ListUploadsResult> page = store_->ListMultipartUploads(request);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_key_marker, all[2].first);
  EXPECT_EQ(page->next_upload_id_marker, all[2].second);
  request.key_marker = page->next_key_marker;
  request.upload_id_marker = page->next_upload_id_marker;
  request.max_uploads = 1000;
  Result<ListUploadsResult> rest = store_->ListMultipartUploads(request);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->uploads.size(), 5u);
  EXPECT_EQ(rest->uploads[0].upload_id, all[3].second);

  request.upload_id_marker.clear();
  request.key_marker = "b/1";
  Result<ListUploadsResult> after_key = store_->ListMultipartUploads(request);
  ASSERT_TRUE(after_key.ok());
  ASSERT_EQ(after_key->uploads.size(), 4u);
  EXPECT_EQ(after_key->uploads[0].key, "b/2");

  ListUploadsRequest rolled{{kAccount, kBucket}, "", "/", "", "", 1000};
  Result<ListUploadsResult> top = store_->ListMultipartUploads(rolled);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->uploads.size(), 4u);
  EXPECT_EQ(top->common_prefixes, (std::vector<std::string>{"b/"}));
  rolled.prefix = "b/";
  EXPECT_EQ(store_->ListMultipartUploads(rolled)->uploads.size(), 4u);
}

TEST_F(MultipartTest, LongKeysUploadAndListInOrder) {
  const std::string head(700, 'u');
  std::vector<std::pair<std::string, std::string>> all;  // (key, id) in expected order
  for (const std::string& tail : {std::string("b"), std::string("a"), std::string("a/x"),
                                  std::string(324, 'z'), std::string("")}) {
    for (int i = 0; i < 2; ++i) all.emplace_back(head + tail, Start(head + tail));
  }
  all.emplace_back(head.substr(0, 400), Start(head.substr(0, 400)));
  std::sort(all.begin(), all.end());
  ListUploadsRequest request{{kAccount, kBucket}, "", "", "", "", 1000};
  Result<ListUploadsResult> everything = store_->ListMultipartUploads(request);
  ASSERT_TRUE(everything.ok()) << everything.status().ToString();
  ASSERT_EQ(everything->uploads.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(everything->uploads[i].key, all[i].first) << i;
    EXPECT_EQ(everything->uploads[i].upload_id, all[i].second) << i;
  }
  // Page through with both markers, one upload at a time.
  request.max_uploads = 1;
  for (size_t i = 0; i < all.size(); ++i) {
    Result<ListUploadsResult> page = store_->ListMultipartUploads(request);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->uploads.size(), 1u) << i;
    EXPECT_EQ(page->uploads[0].key, all[i].first) << i;
    EXPECT_EQ(page->uploads[0].upload_id, all[i].second) << i;
    request.key_marker = page->uploads[0].key;
    request.upload_id_marker = page->uploads[0].upload_id;
  }
  ListUploadsRequest rolled{{kAccount, kBucket}, head, "/", head + "a", "", 1000};
  Result<ListUploadsResult> under = store_->ListMultipartUploads(rolled);
  ASSERT_TRUE(under.ok());
  EXPECT_EQ(under->common_prefixes, (std::vector<std::string>{head + "a/"}));
  ASSERT_EQ(under->uploads.size(), 4u);
  EXPECT_EQ(under->uploads[0].key, head + "b");

  // A 1024-byte key completes into an object, and its upload is gone.
  const std::string key = head + std::string(324, 'z');
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.first == key; });
  Result<PartInfo> part = Part(key, it->second, 1, Bytes(120));
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  Result<ListPartsResult> parts = store_->ListParts({Ref(key), it->second, 0, 1000});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->upload.key, key);
  ASSERT_TRUE(Complete(key, it->second, {{1, part->etag}}).ok());
  EXPECT_EQ(Get(key), Bytes(120));
  EXPECT_EQ(Part(key, it->second, 1, "x").status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(store_->AbortMultipartUpload(Ref(key + "!"), it->second).code(),
            ErrorCode::kNoSuchUpload);
  // An upload id is found only under its own key, also among keys sharing a long head.
  auto of_head =
      std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.first == head; });
  EXPECT_EQ(store_->AbortMultipartUpload(Ref(head + "b"), of_head->second).code(),
            ErrorCode::kNoSuchUpload);
  EXPECT_TRUE(store_->AbortMultipartUpload(Ref(head), of_head->second).ok());
}

// As in S3: uploads in progress do not keep a bucket from being deleted; they go with it,
// their parts' bytes freed, and a bucket made again under the name starts with none.
TEST_F(MultipartTest, DeletingABucketAbortsItsUploads) {
  const std::string a = Start("a"), b = Start("dir/b");
  ASSERT_TRUE(Part("a", a, 1, Bytes(150, 'a')).ok());
  ASSERT_TRUE(Part("a", a, 2, Bytes(150, 'b')).ok());
  ASSERT_TRUE(Part("dir/b", b, 1, Bytes(150, 'c')).ok());
  ASSERT_GT(fake_->live(), 0u);
  ASSERT_TRUE(Put("k", "v").ok());
  EXPECT_EQ(store_->DeleteBucket({kAccount, kBucket}).code(), ErrorCode::kBucketNotEmpty);
  EXPECT_EQ(store_->ListParts({Ref("a"), a, 0, 1000})->parts.size(), 2u);  // untouched
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  ASSERT_TRUE(store_->DeleteBucket({kAccount, kBucket}).ok());
  EXPECT_EQ(fake_->live(), 0u);
  ASSERT_TRUE(store_->CreateBucket({{kAccount, kBucket}, "local"}).ok());
  EXPECT_EQ(store_->ListParts({Ref("a"), a, 0, 1000}).status().code(), ErrorCode::kNoSuchUpload);
  EXPECT_EQ(Part("dir/b", b, 2, "x").status().code(), ErrorCode::kNoSuchUpload);
}

}  // namespace
}  // namespace tessera::store::testing
