// Property updates of the embedded store: UpdateObject and bucket properties (CreateBucket,
// HeadBucket, ListBuckets, UpdateBucket).

#include "common/time.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

constexpr TimeMicros kSecond = 1000000;

class UpdateTest : public StoreTest {
 protected:
  Result<ObjectInfo> Update(const std::string& key, std::optional<ContentHeaders> content,
                            std::optional<Metadata> metadata, Preconditions conditions = {}) {
    UpdateObjectRequest request;
    request.object = Ref(key);
    request.content = std::move(content);
    request.metadata = std::move(metadata);
    request.preconditions = std::move(conditions);
    return store_->UpdateObject(request);
  }
  ObjectInfo Head(const std::string& key) {
    GetObjectRequest request;
    request.object = Ref(key);
    Result<ObjectInfo> info = store_->HeadObject(request);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : ObjectInfo{};
  }
};

TEST_F(UpdateTest, UpdateObjectKeepsBytesAndS3EtagButChangesBlobEtag) {
  const std::string data = Bytes(250);
  PutObjectRequest put;
  put.attributes.content.content_type = "text/plain";
  put.attributes.content.cache_control = "no-cache";
  put.attributes.metadata = {{"Old", "1"}};
  Result<ObjectInfo> before = Put("k", data, put);
  ASSERT_TRUE(before.ok());
  const int writes = fake_->write_calls();

  ContentHeaders content;
  content.content_type = "application/json";
  Result<ObjectInfo> after = Update("k", content, std::nullopt);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->etag, before->etag);
  EXPECT_EQ(after->content_md5, before->content_md5);
  EXPECT_EQ(after->size, before->size);
  EXPECT_NE(after->blob_etag, before->blob_etag);
  EXPECT_GE(after->last_modified, before->last_modified);
  EXPECT_EQ(after->content.content_type, "application/json");
  EXPECT_EQ(after->content.cache_control, "");  // content headers are replaced as a whole
  EXPECT_EQ(after->metadata, (Metadata{{"Old", "1"}}));

  Result<ObjectInfo> meta = Update("k", std::nullopt, Metadata{{"New", "2"}});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->metadata, (Metadata{{"New", "2"}}));
  EXPECT_EQ(meta->content.content_type, "application/json");
  EXPECT_NE(meta->blob_etag, after->blob_etag);

  EXPECT_EQ(Get("k"), data);
  EXPECT_EQ(fake_->write_calls(), writes);
  Reopen();
  ObjectInfo stored = Head("k");
  EXPECT_EQ(stored.blob_etag, meta->blob_etag);
  EXPECT_EQ(stored.metadata, meta->metadata);
  // The references did not change: deleting the object frees every extent.
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(UpdateTest, UpdateObjectPreconditionsAndMissingKeys) {
  Result<ObjectInfo> put = Put("k", "abc");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(Update("missing", std::nullopt, Metadata{}).status().code(), ErrorCode::kNoSuchKey);
  Preconditions wrong;
  wrong.if_match = "\"0x8DC0000000000000\"";
  EXPECT_EQ(Update("k", std::nullopt, Metadata{{"a", "b"}}, wrong).status().code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(Head("k").blob_etag, put->blob_etag);
  EXPECT_TRUE(Head("k").metadata.empty());
  Preconditions none;
  none.if_none_match = "*";
  EXPECT_EQ(Update("k", std::nullopt, Metadata{}, none).status().code(),
            ErrorCode::kPreconditionFailed);
  Preconditions right;
  right.if_match = put->blob_etag;
  ASSERT_TRUE(Update("k", std::nullopt, Metadata{{"a", "b"}}, right).ok());
  right.if_match = put->etag;  // the S3 ETag still matches: the bytes are the same
  EXPECT_TRUE(Update("k", std::nullopt, Metadata{{"a", "c"}}, right).ok());
  EXPECT_EQ(Head("k").metadata, (Metadata{{"a", "c"}}));
}

TEST_F(UpdateTest, BucketsKeepTheirProperties) {
  CreateBucketRequest create{{kAccount, "props"}, "eu"};
  create.metadata = {{"Team", "storage"}};
  create.public_access = PublicAccess::kObjects;
  ASSERT_TRUE(store_->CreateBucket(create).ok());
  Result<BucketInfo> head = store_->HeadBucket({kAccount, "props"});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->region, "eu");
  EXPECT_EQ(head->metadata, create.metadata);
  EXPECT_EQ(head->public_access, PublicAccess::kObjects);
  EXPECT_TRUE(head->policies.empty());
  EXPECT_EQ(head->etag.substr(0, 5), "0x8DC");
  EXPECT_EQ(head->last_modified, head->created);

  Result<std::vector<BucketInfo>> listed = store_->ListBuckets(kAccount);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);  // kBucket and props
  EXPECT_EQ((*listed)[1].name, "props");
  EXPECT_EQ((*listed)[1].etag, head->etag);
  EXPECT_EQ((*listed)[1].metadata, create.metadata);
  // The other bucket's etag differs.
  EXPECT_NE((*listed)[0].etag, head->etag);
}

TEST_F(UpdateTest, UpdateBucketChangesOnlyTheGivenFields) {
  const BucketRef ref{kAccount, kBucket};
  Result<BucketInfo> before = store_->HeadBucket(ref);
  ASSERT_TRUE(before.ok());
  UpdateBucketRequest request;
  request.bucket = ref;
  request.metadata = Metadata{{"A", "1"}, {"B", "2"}};
  Result<BucketInfo> updated = store_->UpdateBucket(request);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->metadata, *request.metadata);
  EXPECT_NE(updated->etag, before->etag);
  EXPECT_GT(updated->last_modified, before->last_modified);
  EXPECT_EQ(updated->created, before->created);
  EXPECT_EQ(updated->public_access, PublicAccess::kNone);

  UpdateBucketRequest acl;
  acl.bucket = ref;
  acl.public_access = PublicAccess::kBucket;
  acl.policies = std::vector<AccessPolicy>{{"read", 10 * kSecond, 20 * kSecond, "rl"},
                                           {"write", std::nullopt, std::nullopt, "w"}};
  Result<BucketInfo> with_acl = store_->UpdateBucket(acl);
  ASSERT_TRUE(with_acl.ok());
  EXPECT_EQ(with_acl->metadata, *request.metadata);  // untouched
  EXPECT_EQ(with_acl->public_access, PublicAccess::kBucket);
  ASSERT_EQ(with_acl->policies.size(), 2u);
  EXPECT_EQ(with_acl->policies[0].id, "read");
  EXPECT_EQ(with_acl->policies[0].expiry, 20 * kSecond);
  EXPECT_NE(with_acl->etag, updated->etag);

  acl.policies->resize(6, AccessPolicy{"p", std::nullopt, std::nullopt, "r"});
  EXPECT_EQ(store_->UpdateBucket(acl).status().code(), ErrorCode::kInvalidArgument);
  acl.policies->resize(5);
  acl.public_access.reset();
  Result<BucketInfo> five = store_->UpdateBucket(acl);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(five->policies.size(), 5u);
  EXPECT_EQ(five->public_access, PublicAccess::kBucket);
  acl.policies->clear();
  ASSERT_TRUE(store_->UpdateBucket(acl).ok());

  Reopen();
  Result<BucketInfo> stored = store_->HeadBucket(ref);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->policies.empty());
  EXPECT_EQ(stored->metadata, *request.metadata);
  EXPECT_EQ(stored->public_access, PublicAccess::kBucket);

  request.bucket = {kAccount, "missing"};
  EXPECT_EQ(store_->UpdateBucket(request).status().code(), ErrorCode::kNoSuchBucket);
}

TEST_F(UpdateTest, UpdateBucketEvaluatesDateConditions) {
  const BucketRef ref{kAccount, kBucket};
  Result<BucketInfo> head = store_->HeadBucket(ref);
  ASSERT_TRUE(head.ok());
  const TimeMicros modified = head->last_modified;
  UpdateBucketRequest request;
  request.bucket = ref;
  request.metadata = Metadata{{"x", "1"}};

  request.preconditions.if_unmodified_since = modified - 10 * kSecond;
  EXPECT_EQ(store_->UpdateBucket(request).status().code(), ErrorCode::kPreconditionFailed);
  request.preconditions = {};
  request.preconditions.if_modified_since = modified + 10 * kSecond;
  EXPECT_EQ(store_->UpdateBucket(request).status().code(), ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(store_->HeadBucket(ref)->metadata.empty());  // nothing changed
  EXPECT_EQ(store_->HeadBucket(ref)->etag, head->etag);

  request.preconditions = {};
  request.preconditions.if_modified_since = modified - 10 * kSecond;
  request.preconditions.if_unmodified_since = modified + 10 * kSecond;
  Result<BucketInfo> updated = store_->UpdateBucket(request);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->metadata, *request.metadata);

  request.preconditions = {};
  request.preconditions.if_match = updated->etag;
  EXPECT_TRUE(store_->UpdateBucket(request).ok());
  EXPECT_EQ(store_->UpdateBucket(request).status().code(), ErrorCode::kPreconditionFailed);
}

}  // namespace
}  // namespace tessera::store::testing
