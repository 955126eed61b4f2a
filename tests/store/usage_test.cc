// Usage accounting and quotas of the embedded store (backend/store/usage.h).

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "backend/meta/env.h"
#include "backend/meta/keys.h"
#include "backend/meta/records.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

// A body whose size is not known up front (chunked), counting the bytes read from it.
class UnsizedSource : public BodySource {
 public:
  explicit UnsizedSource(std::string data) : inner_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    ASSIGN_OR_RETURN(size_t n, inner_.Read(buf, capacity));
    read_ += n;
    return n;
  }
  size_t read() const { return read_; }

 private:
  OwnedSource inner_;
  size_t read_ = 0;
};

// A body of known size that counts the bytes read from it.
class SizedSource : public UnsizedSource {
 public:
  explicit SizedSource(std::string data) : UnsizedSource(data), size_(data.size()) {}
  std::optional<uint64_t> Size() const override { return size_; }

 private:
  uint64_t size_;
};

class UsageTest : public StoreTest {
 protected:
  Usage BucketUsage(const std::string& bucket = kBucket) {
    Result<Usage> usage = store_->GetBucketUsage({kAccount, bucket});
    EXPECT_TRUE(usage.ok()) << usage.status().ToString();
    return usage.ok() ? *usage : Usage{~0ull, ~0ull};
  }
  void SetQuota(const std::string& bucket, uint64_t bytes, uint64_t objects = 0) {
    ASSERT_TRUE(store_->SetQuota(kAccount, bucket, Quota{bytes, objects}).ok());
  }
  void CreateBucket(const std::string& bucket) {
    ASSERT_TRUE(store_->CreateBucket({{kAccount, bucket}, "local"}).ok());
  }
  Result<ObjectInfo> PutTo(const std::string& bucket, const std::string& key, size_t size) {
    PutObjectRequest request;
    request.object.bucket = bucket;
    return Put(key, Bytes(size), request);
  }
  std::string Start(const std::string& key) {
    Result<MultipartUpload> upload = store_->CreateMultipartUpload(Ref(key), {});
    EXPECT_TRUE(upload.ok()) << upload.status().ToString();
    return upload.ok() ? upload->upload_id : "";
  }
  Result<PartInfo> Part(const std::string& key, const std::string& id, uint32_t number,
                        size_t size) {
    std::string data = Bytes(size, static_cast<char>('a' + number));
    MemorySource body(data.data(), data.size());
    return store_->UploadPart({Ref(key), id, number}, body);
  }
  Result<StagedBlock> Stage(const std::string& key, const std::string& id, size_t size) {
    std::string data = Bytes(size);
    MemorySource body(data.data(), data.size());
    return store_->StageBlock({Ref(key), id}, body);
  }
  Result<ObjectInfo> Commit(const std::string& key, std::vector<BlockListEntry> blocks) {
    CommitBlockListRequest request;
    request.object = Ref(key);
    request.blocks = std::move(blocks);
    return store_->CommitBlockList(request);
  }
  Result<ObjectInfo> Copy(const std::string& from, const std::string& to) {
    CopyObjectRequest request;
    request.source = Ref(from);
    request.destination = Ref(to);
    return store_->CopyObject(request);
  }
  ErrorCode PutBody(const std::string& key, BodySource& body) {
    PutObjectRequest request;
    request.object = Ref(key);
    return store_->PutObject(request, body).status().code();
  }
  ErrorCode HeadCode(const std::string& key) {
    return store_->HeadObject({Ref(key)}).status().code();
  }
};

// ---- Accounting --------------------------------------------------------------------------

TEST_F(UsageTest, NewBucketIsEmpty) { EXPECT_EQ(BucketUsage(), (Usage{0, 0})); }

TEST_F(UsageTest, PutCountsBytesAndObjects) {
  ASSERT_TRUE(Put("small", Bytes(10)).ok());
  ASSERT_TRUE(Put("big", Bytes(250)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{260, 2}));
}

TEST_F(UsageTest, OverwriteCountsTheDifference) {
  ASSERT_TRUE(Put("k", Bytes(200)).ok());
  ASSERT_TRUE(Put("k", Bytes(30)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{30, 1}));
  ASSERT_TRUE(Put("k", Bytes(90)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{90, 1}));
}

TEST_F(UsageTest, DeleteCreditsTheObject) {
  ASSERT_TRUE(Put("a", Bytes(70)).ok());
  ASSERT_TRUE(Put("b", Bytes(5)).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("a"), {}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{5, 1}));
  EXPECT_EQ(store_->DeleteObject(Ref("a"), {}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(BucketUsage(), (Usage{5, 1}));
}

// S3 DeleteObjects deletes key by key through DeleteObject.
TEST_F(UsageTest, DeletingManyKeysCreditsEach) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put("k" + std::to_string(i), Bytes(10 + i)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{60, 5}));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store_->DeleteObject(Ref("k" + std::to_string(i)), {}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{0, 0}));
}

TEST_F(UsageTest, PropertyUpdatesLeaveUsageAlone) {
  ASSERT_TRUE(Put("k", Bytes(40)).ok());
  UpdateObjectRequest request;
  request.object = Ref("k");
  request.metadata = Metadata{{"m", "v"}};
  ASSERT_TRUE(store_->UpdateObject(request).ok());
  EXPECT_EQ(BucketUsage(), (Usage{40, 1}));
}

TEST_F(UsageTest, PartsCountAsBytesUntilTheUploadCompletes) {
  std::string id = Start("mp");
  Result<PartInfo> p1 = Part("mp", id, 1, 150);
  ASSERT_TRUE(p1.ok());
  ASSERT_TRUE(Part("mp", id, 2, 30).ok());
  EXPECT_EQ(BucketUsage(), (Usage{180, 0}));
  ASSERT_TRUE(Part("mp", id, 2, 40).ok());  // replaces part 2
  EXPECT_EQ(BucketUsage(), (Usage{190, 0}));
  // The unlisted part 2 is dropped; the object counts its own size.
  ASSERT_TRUE(store_->CompleteMultipartUpload({Ref("mp"), id, {{1, p1->etag}}, {}}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{150, 1}));
}

TEST_F(UsageTest, AbortCreditsTheParts) {
  ASSERT_TRUE(Put("other", Bytes(9)).ok());
  std::string id = Start("mp");
  ASSERT_TRUE(Part("mp", id, 1, 120).ok());
  ASSERT_TRUE(Part("mp", id, 7, 12).ok());
  ASSERT_TRUE(store_->AbortMultipartUpload(Ref("mp"), id).ok());
  EXPECT_EQ(BucketUsage(), (Usage{9, 1}));
}

TEST_F(UsageTest, CopyChargesTheDestination) {
  ASSERT_TRUE(Put("src", Bytes(100)).ok());
  ASSERT_TRUE(Put("dst", Bytes(20)).ok());
  ASSERT_TRUE(Copy("src", "new").ok());
  EXPECT_EQ(BucketUsage(), (Usage{220, 3}));
  ASSERT_TRUE(Copy("src", "dst").ok());
  EXPECT_EQ(BucketUsage(), (Usage{300, 3}));
  ASSERT_TRUE(Copy("src", "src").ok());
  EXPECT_EQ(BucketUsage(), (Usage{300, 3}));
}

TEST_F(UsageTest, CopyAcrossBucketsChargesOnlyTheDestination) {
  CreateBucket("b2");
  ASSERT_TRUE(Put("src", Bytes(100)).ok());
  CopyObjectRequest request;
  request.source = Ref("src");
  request.destination = Ref("copy", "b2");
  ASSERT_TRUE(store_->CopyObject(request).ok());
  EXPECT_EQ(BucketUsage(), (Usage{100, 1}));
  EXPECT_EQ(BucketUsage("b2"), (Usage{100, 1}));
}

TEST_F(UsageTest, StagedBlocksCountAsBytesAndTheCommitCountsTheObject) {
  ASSERT_TRUE(Stage("blob", "b1", 100).ok());
  ASSERT_TRUE(Stage("blob", "b2", 50).ok());
  ASSERT_TRUE(Stage("blob", "b2", 60).ok());  // replaces b2
  EXPECT_EQ(BucketUsage(), (Usage{160, 0}));
  // The unlisted b2 is discarded with the commit.
  ASSERT_TRUE(Commit("blob", {{"b1", BlockSource::kLatest}}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{100, 1}));
  // A committed block listed twice: the object is twice its size, without a copy.
  ASSERT_TRUE(
      Commit("blob", {{"b1", BlockSource::kCommitted}, {"b1", BlockSource::kCommitted}}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{200, 1}));
}

TEST_F(UsageTest, PutAndDeleteDiscardTheKeysStagedBlocks) {
  ASSERT_TRUE(Stage("blob", "b1", 80).ok());
  ASSERT_TRUE(Put("blob", Bytes(10)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{10, 1}));
  ASSERT_TRUE(Stage("blob", "b1", 80).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("blob"), {}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{0, 0}));
}

TEST_F(UsageTest, AccountUsageListsEveryBucket) {
  CreateBucket("b2");
  CreateBucket("empty");
  ASSERT_TRUE(PutTo(kBucket, "a", 10).ok());
  ASSERT_TRUE(PutTo("b2", "a", 20).ok());
  ASSERT_TRUE(PutTo("b2", "b", 30).ok());
  Result<std::map<std::string, Usage>> usage = store_->GetAccountUsage(kAccount);
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  std::map<std::string, Usage> expected = {{kBucket, {10, 1}}, {"b2", {50, 2}}, {"empty", {0, 0}}};
  EXPECT_EQ(*usage, expected);
  EXPECT_TRUE(store_->GetAccountUsage("nobody")->empty());
}

TEST_F(UsageTest, DeletingTheBucketRemovesItsUsageAndQuota) {
  CreateBucket("b2");
  SetQuota("b2", 1000, 10);
  {
    ObjectRef ref = Ref("mp", "b2");
    Result<MultipartUpload> upload = store_->CreateMultipartUpload(ref, {});
    ASSERT_TRUE(upload.ok());
    std::string data = Bytes(50);
    MemorySource body(data.data(), data.size());
    ASSERT_TRUE(store_->UploadPart({ref, upload->upload_id, 1}, body).ok());
  }
  EXPECT_EQ(BucketUsage("b2"), (Usage{50, 0}));
  ASSERT_TRUE(store_->DeleteBucket({kAccount, "b2"}).ok());
  EXPECT_EQ(store_->GetBucketUsage({kAccount, "b2"}).status().code(), ErrorCode::kNoSuchBucket);
  CreateBucket("b2");
  EXPECT_EQ(BucketUsage("b2"), (Usage{0, 0}));
  EXPECT_EQ(*store_->GetQuota(kAccount, "b2"), Quota{});
}

// ---- Counting an existing directory ------------------------------------------------------

class UsageRebuildTest : public UsageTest {
 protected:
  // Objects, parts and staged blocks in two buckets.
  void Populate() {
    CreateBucket("b2");
    ASSERT_TRUE(PutTo(kBucket, "a", 250).ok());
    ASSERT_TRUE(PutTo("b2", "b", 7).ok());
    std::string id = Start("mp");
    ASSERT_TRUE(Part("mp", id, 1, 40).ok());
    ASSERT_TRUE(Part("mp", id, 2, 15).ok());
    ASSERT_TRUE(Stage("blob", "b1", 33).ok());
  }
  // Runs `change` on the metadata of the closed store, then reopens it.
  void EditMetadata(const std::function<void(meta::Txn&)>& change) {
    store_.reset();
    {
      auto env = meta::Env::Open({dir_.string(), options_.map_size});
      ASSERT_TRUE(env.ok()) << env.status().ToString();
      Result<meta::Txn> txn = (*env)->BeginWrite();
      ASSERT_TRUE(txn.ok());
      change(*txn);
      ASSERT_TRUE(txn->Commit().ok());
    }
    Reopen();
  }
  static void DeleteAll(meta::Txn& txn, meta::Table table) {
    std::vector<std::string> keys;
    auto cursor = meta::Cursor::Open(txn, table);
    ASSERT_TRUE(cursor.ok());
    ASSERT_TRUE(cursor->First().ok());
    while (cursor->valid()) {
      keys.emplace_back(cursor->key());
      ASSERT_TRUE(cursor->Next().ok());
    }
    for (const std::string& key : keys) ASSERT_TRUE(txn.Delete(table, key).ok());
  }
};

TEST_F(UsageRebuildTest, AnOldDirectoryIsCountedOnOpen) {
  Populate();
  const std::map<std::string, Usage> before = *store_->GetAccountUsage(kAccount);
  EXPECT_EQ(before.at(kBucket), (Usage{250 + 40 + 15 + 33, 1}));
  EXPECT_EQ(before.at("b2"), (Usage{7, 1}));
  EditMetadata([](meta::Txn& txn) {
    ASSERT_TRUE(txn.Delete(meta::Table::kInfo, meta::kUsageFormatInfoKey).ok());
    DeleteAll(txn, meta::Table::kUsage);
  });
  EXPECT_EQ(*store_->GetAccountUsage(kAccount), before);
}

TEST_F(UsageRebuildTest, RecountingKeepsQuotasAndFixesCounts) {
  Populate();
  SetQuota(kBucket, 5000, 50);
  SetQuota("", 9000, 90);
  const Usage before = BucketUsage();
  meta::UsageRecord wrong{{1, 1}, {5000, 50}};
  EditMetadata([&](meta::Txn& txn) {
    ASSERT_TRUE(txn.Delete(meta::Table::kInfo, meta::kUsageFormatInfoKey).ok());
    ASSERT_TRUE(
        txn.Put(meta::Table::kUsage, meta::BucketKey(kAccount, kBucket), meta::EncodeUsage(wrong))
            .ok());
  });
  EXPECT_EQ(BucketUsage(), before);
  EXPECT_EQ(*store_->GetQuota(kAccount, kBucket), (Quota{5000, 50}));
  EXPECT_EQ(*store_->GetQuota(kAccount, ""), (Quota{9000, 90}));
}

TEST_F(UsageRebuildTest, ACountedDirectoryIsNotRecounted) {
  ASSERT_TRUE(Put("a", Bytes(10)).ok());
  meta::UsageRecord stored{{3, 3}, {}};
  EditMetadata([&](meta::Txn& txn) {
    ASSERT_TRUE(
        txn.Put(meta::Table::kUsage, meta::BucketKey(kAccount, kBucket), meta::EncodeUsage(stored))
            .ok());
  });
  EXPECT_EQ(BucketUsage(), (Usage{3, 3}));
}

// ---- Quotas ------------------------------------------------------------------------------

TEST_F(UsageTest, QuotasRoundTrip) {
  EXPECT_EQ(*store_->GetQuota(kAccount, kBucket), Quota{});
  EXPECT_EQ(*store_->GetQuota(kAccount, ""), Quota{});
  SetQuota(kBucket, 100, 2);
  SetQuota("", 1000, 20);
  EXPECT_EQ(*store_->GetQuota(kAccount, kBucket), (Quota{100, 2}));
  EXPECT_EQ(*store_->GetQuota(kAccount, ""), (Quota{1000, 20}));
  EXPECT_EQ(store_->SetQuota(kAccount, "missing", {1, 1}).code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->GetQuota(kAccount, "missing").status().code(), ErrorCode::kNoSuchBucket);
  EXPECT_EQ(store_->SetQuota("", "", {1, 1}).code(), ErrorCode::kInvalidArgument);
}

TEST_F(UsageTest, DeletingTheAccountRemovesItsQuota) {
  AccountInfo account;
  account.name = "acct2";
  account.key1 = "k";
  ASSERT_TRUE(store_->PutAccount(account).ok());
  ASSERT_TRUE(store_->SetQuota("acct2", "", {100, 1}).ok());
  ASSERT_TRUE(store_->DeleteAccount("acct2").ok());
  EXPECT_EQ(*store_->GetQuota("acct2", ""), Quota{});
}

TEST_F(UsageTest, BucketByteQuotaRefusesAndStoresNothing) {
  SetQuota(kBucket, 300);
  ASSERT_TRUE(Put("a", Bytes(200)).ok());
  const size_t live = fake_->live();
  Result<ObjectInfo> refused = Put("b", Bytes(150));
  EXPECT_EQ(refused.status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(HeadCode("b"), ErrorCode::kNoSuchKey);
  EXPECT_EQ(BucketUsage(), (Usage{200, 1}));
  EXPECT_EQ(fake_->live(), live);
  EXPECT_TRUE(Put("b", Bytes(100)).ok());  // exactly at the quota
  EXPECT_EQ(BucketUsage(), (Usage{300, 2}));
}

TEST_F(UsageTest, KnownSizeIsRefusedBeforeTheBodyIsRead) {
  SetQuota(kBucket, 100);
  const int writes = fake_->write_calls();
  SizedSource body(Bytes(500));
  EXPECT_EQ(PutBody("big", body), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(body.read(), 0u);
  EXPECT_EQ(fake_->write_calls(), writes);
}

TEST_F(UsageTest, UnknownSizeIsRefusedAtCommitAndItsExtentsFreed) {
  SetQuota(kBucket, 100);
  const size_t live = fake_->live();
  UnsizedSource body(Bytes(500));
  EXPECT_EQ(PutBody("big", body), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(body.read(), 500u);
  EXPECT_EQ(fake_->live(), live);
  EXPECT_EQ(HeadCode("big"), ErrorCode::kNoSuchKey);
  EXPECT_EQ(BucketUsage(), (Usage{0, 0}));
}

TEST_F(UsageTest, BucketObjectQuotaRefusesNewKeysButNotOverwrites) {
  SetQuota(kBucket, 0, 2);
  ASSERT_TRUE(Put("a", Bytes(5)).ok());
  ASSERT_TRUE(Put("b", Bytes(5)).ok());
  EXPECT_EQ(Put("c", Bytes(5)).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(HeadCode("c"), ErrorCode::kNoSuchKey);
  EXPECT_TRUE(Put("b", Bytes(50)).ok());
  EXPECT_EQ(Copy("a", "c").status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(BucketUsage(), (Usage{55, 2}));
}

TEST_F(UsageTest, AccountByteQuotaCoversAllItsBuckets) {
  CreateBucket("b2");
  SetQuota("", 150);
  ASSERT_TRUE(PutTo(kBucket, "a", 100).ok());
  EXPECT_EQ(PutTo("b2", "b", 60).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(BucketUsage("b2"), (Usage{0, 0}));
  EXPECT_TRUE(PutTo("b2", "b", 50).ok());
  EXPECT_EQ(PutTo(kBucket, "c", 1).status().code(), ErrorCode::kQuotaExceeded);
}

TEST_F(UsageTest, OverwriteWithinTheQuotaIsAllowed) {
  SetQuota(kBucket, 100);
  ASSERT_TRUE(Put("k", Bytes(80)).ok());
  EXPECT_TRUE(Put("k", Bytes(95)).ok());
  EXPECT_EQ(BucketUsage(), (Usage{95, 1}));
  EXPECT_EQ(Put("k", Bytes(101)).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(Get("k"), Bytes(95));
}

TEST_F(UsageTest, RaisingTheQuotaLetsTheWriteThrough) {
  SetQuota(kBucket, 50);
  EXPECT_EQ(Put("k", Bytes(80)).status().code(), ErrorCode::kQuotaExceeded);
  SetQuota(kBucket, 80);
  EXPECT_TRUE(Put("k", Bytes(80)).ok());
  EXPECT_EQ(Get("k"), Bytes(80));
}

TEST_F(UsageTest, RemovalsAreAllowedOverAQuotaLoweredBelowUsage) {
  ASSERT_TRUE(Put("a", Bytes(80)).ok());
  ASSERT_TRUE(Put("b", Bytes(80)).ok());
  SetQuota(kBucket, 100);
  EXPECT_TRUE(Put("a", Bytes(70)).ok());  // shrinks: allowed though still over
  EXPECT_EQ(Put("a", Bytes(71)).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_TRUE(store_->DeleteObject(Ref("b"), {}).ok());
  EXPECT_EQ(BucketUsage(), (Usage{70, 1}));
}

TEST_F(UsageTest, PartsOverTheQuotaAreRefused) {
  SetQuota(kBucket, 200);
  std::string id = Start("mp");
  ASSERT_TRUE(Part("mp", id, 1, 150).ok());
  EXPECT_EQ(Part("mp", id, 2, 60).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_TRUE(Part("mp", id, 1, 200).ok());  // a replaced part counts the difference
  EXPECT_EQ(BucketUsage(), (Usage{200, 0}));
  Result<ListPartsResult> parts = store_->ListParts({Ref("mp"), id});
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->parts.size(), 1u);
  EXPECT_EQ(parts->parts[0].size, 200u);
}

TEST_F(UsageTest, CompletingIsRefusedWhenTheObjectQuotaIsFull) {
  std::string id = Start("mp");
  Result<PartInfo> p1 = Part("mp", id, 1, 20);
  ASSERT_TRUE(p1.ok());
  ASSERT_TRUE(Put("a", Bytes(5)).ok());
  SetQuota(kBucket, 0, 1);
  EXPECT_EQ(store_->CompleteMultipartUpload({Ref("mp"), id, {{1, p1->etag}}, {}}).status().code(),
            ErrorCode::kQuotaExceeded);
  EXPECT_EQ(HeadCode("mp"), ErrorCode::kNoSuchKey);
  EXPECT_EQ(BucketUsage(), (Usage{25, 1}));  // the part is still staged
}

TEST_F(UsageTest, BlocksOverTheQuotaAreRefused) {
  SetQuota(kBucket, 150);
  ASSERT_TRUE(Stage("blob", "b1", 100).ok());
  const int writes = fake_->write_calls();
  EXPECT_EQ(Stage("blob", "b2", 60).status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(fake_->write_calls(), writes);
  ASSERT_TRUE(Commit("blob", {{"b1", BlockSource::kLatest}}).ok());
  // Listing a committed block twice doubles the object without a new byte staged.
  EXPECT_EQ(Commit("blob", {{"b1", BlockSource::kCommitted}, {"b1", BlockSource::kCommitted}})
                .status()
                .code(),
            ErrorCode::kQuotaExceeded);
  EXPECT_EQ(BucketUsage(), (Usage{100, 1}));
  EXPECT_EQ(Get("blob"), Bytes(100));
}

TEST_F(UsageTest, CopyOverTheQuotaIsRefused) {
  ASSERT_TRUE(Put("src", Bytes(100)).ok());
  SetQuota(kBucket, 150);
  EXPECT_EQ(Copy("src", "dst").status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_EQ(HeadCode("dst"), ErrorCode::kNoSuchKey);
  EXPECT_EQ(BucketUsage(), (Usage{100, 1}));
}

}  // namespace
}  // namespace tessera::store::testing
