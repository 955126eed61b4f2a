// Blob blocks in the embedded store: Put Block, Put Block List, Get Block List.

#include <algorithm>
#include <set>

#include "common/encoding.h"
#include "common/hash.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

class BlocksTest : public StoreTest {
 protected:
  Result<StagedBlock> Stage(const std::string& key, const std::string& id, const std::string& data,
                            StageBlockRequest request = {}) {
    request.object = Ref(key);
    request.block_id = id;
    MemorySource body(data.data(), data.size());
    return store_->StageBlock(request, body);
  }

  Result<ObjectInfo> Commit(const std::string& key, std::vector<BlockListEntry> blocks,
                            Preconditions conditions = {}) {
    CommitBlockListRequest request;
    request.object = Ref(key);
    request.blocks = std::move(blocks);
    request.attributes.content.content_type = "application/x-blocks";
    request.preconditions = conditions;
    return store_->CommitBlockList(request);
  }

  static BlockListEntry Latest(const std::string& id) { return {id, BlockSource::kLatest}; }
  static BlockListEntry Committed(const std::string& id) { return {id, BlockSource::kCommitted}; }
  static BlockListEntry Uncommitted(const std::string& id) {
    return {id, BlockSource::kUncommitted};
  }

  std::vector<std::string> StagedIds(const std::string& key) {
    Result<BlockList> list = store_->GetBlockList(Ref(key));
    std::vector<std::string> ids;
    if (!list.ok()) return {"<error " + list.status().ToString() + ">"};
    for (const StagedBlock& b : list->uncommitted) ids.push_back(b.id);
    return ids;
  }
  std::vector<std::string> CommittedIds(const std::string& key) {
    Result<BlockList> list = store_->GetBlockList(Ref(key));
    std::vector<std::string> ids;
    if (!list.ok()) return {"<error " + list.status().ToString() + ">"};
    for (const CommittedBlock& b : list->committed) ids.push_back(b.id);
    return ids;
  }
};

TEST_F(BlocksTest, StageCommitAndReadBack) {
  const std::string a = Bytes(250, 'a'), b = Bytes(30, 'b');
  Result<StagedBlock> staged = Stage("blob", "id-A", a);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->id, "id-A");
  EXPECT_EQ(staged->size, 250u);
  ASSERT_TRUE(Stage("blob", "id-B", b).ok());

  // Staged blocks are not an object yet.
  GetObjectRequest head;
  head.object = Ref("blob");
  EXPECT_EQ(store_->HeadObject(head).status().code(), ErrorCode::kNoSuchKey);
  Result<BlockList> before = store_->GetBlockList(Ref("blob"));
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->object.has_value());
  EXPECT_TRUE(before->committed.empty());
  ASSERT_EQ(before->uncommitted.size(), 2u);
  EXPECT_EQ(before->uncommitted[0].id, "id-A");
  EXPECT_EQ(before->uncommitted[1].size, 30u);

  Result<ObjectInfo> info = Commit("blob", {Latest("id-B"), Latest("id-A")});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 280u);
  EXPECT_TRUE(info->content_md5.empty());
  EXPECT_EQ(info->etag, HexEncode(Md5(Md5(b) + Md5(a))) + "-2");
  EXPECT_EQ(info->blob_etag.substr(0, 5), "0x8DC");
  EXPECT_EQ(info->content.content_type, "application/x-blocks");
  ASSERT_EQ(info->blocks.size(), 2u);
  EXPECT_EQ(info->blocks[0].id, "id-B");
  EXPECT_EQ(info->blocks[0].size, 30u);
  EXPECT_EQ(Get("blob"), b + a);
  EXPECT_EQ(Get("blob", ByteRange{25, 34, std::nullopt}), (b + a).substr(25, 10));

  Result<BlockList> after = store_->GetBlockList(Ref("blob"));
  ASSERT_TRUE(after.ok());
  ASSERT_TRUE(after->object.has_value());
  EXPECT_EQ(after->object->etag, info->etag);
  EXPECT_TRUE(after->uncommitted.empty());
  EXPECT_EQ(CommittedIds("blob"), (std::vector<std::string>{"id-B", "id-A"}));
  EXPECT_EQ(store_->GetBlockList(Ref("nothing")).status().code(), ErrorCode::kNoSuchKey);
}

TEST_F(BlocksTest, UncommittedBlocksAreListedById) {
  ASSERT_TRUE(Stage("k", "c", "3").ok());
  ASSERT_TRUE(Stage("k", "a", "1").ok());
  ASSERT_TRUE(Stage("k", "b", "2").ok());
  EXPECT_EQ(StagedIds("k"), (std::vector<std::string>{"a", "b", "c"}));
  // Raw ids: any byte, including NUL.
  ASSERT_TRUE(Stage("raw", std::string("\0\xff", 2), "x").ok());
  ASSERT_TRUE(Stage("raw", std::string("\0\x01", 2), "y").ok());
  EXPECT_EQ(StagedIds("raw"),
            (std::vector<std::string>{std::string("\0\x01", 2), std::string("\0\xff", 2)}));
}

TEST_F(BlocksTest, ReusingCommittedBlocksWritesNothingAgain) {
  const std::string a = Bytes(200, 'a'), b = Bytes(150, 'b'), c = Bytes(90, 'c');
  ASSERT_TRUE(Stage("k", "A", a).ok());
  ASSERT_TRUE(Stage("k", "B", b).ok());
  ASSERT_TRUE(Commit("k", {Latest("A"), Latest("B")}).ok());
  const int writes = fake_->write_calls();
  const size_t live = fake_->live();
  ASSERT_TRUE(Stage("k", "C", c).ok());
  EXPECT_EQ(fake_->write_calls(), writes + 1);  // only C's bytes
  Result<ObjectInfo> info = Commit("k", {Committed("A"), Uncommitted("C"), Latest("B")});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(fake_->write_calls(), writes + 1);
  EXPECT_EQ(Get("k"), a + c + b);
  EXPECT_EQ(fake_->live(), live + 1);  // A and B are still shared, nothing was freed
  EXPECT_TRUE(fake_->deleted().empty());
  EXPECT_EQ(info->etag, HexEncode(Md5(Md5(a) + Md5(c) + Md5(b))) + "-3");
  // Dropping B from the list frees its extents.
  ASSERT_TRUE(Commit("k", {Committed("A"), Committed("C")}).ok());
  EXPECT_EQ(Get("k"), a + c);
  EXPECT_EQ(fake_->live(), live + 1 - 2);  // B spanned two 100-byte extents
}

TEST_F(BlocksTest, SourceSelectsWhereABlockIsSought) {
  const std::string v1 = Bytes(120, 'p'), v2 = Bytes(130, 'q');
  ASSERT_TRUE(Stage("k", "A", v1).ok());
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  ASSERT_TRUE(Stage("k", "A", v2).ok());
  // kCommitted ignores the staged A; the staged one is discarded by the commit.
  ASSERT_TRUE(Commit("k", {Committed("A")}).ok());
  EXPECT_EQ(Get("k"), v1);
  EXPECT_TRUE(StagedIds("k").empty());
  // kLatest prefers the staged A over the committed one.
  ASSERT_TRUE(Stage("k", "A", v2).ok());
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  EXPECT_EQ(Get("k"), v2);
  EXPECT_EQ(fake_->live(), 2u);  // only v2's extents remain
  // kUncommitted does not find committed blocks.
  EXPECT_EQ(Commit("k", {Uncommitted("A")}).status().code(), ErrorCode::kInvalidPart);
  EXPECT_EQ(Get("k"), v2);
}

TEST_F(BlocksTest, ABlockListedTwiceIsReferencedTwice) {
  const std::string a = Bytes(180, 'a');
  ASSERT_TRUE(Stage("k", "A", a).ok());
  Result<ObjectInfo> info = Commit("k", {Latest("A"), Latest("A")});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 360u);
  EXPECT_EQ(Get("k"), a + a);
  // A new list that keeps one copy must not free the shared extents.
  ASSERT_TRUE(Commit("k", {Committed("A")}).ok());
  EXPECT_EQ(Get("k"), a);
  EXPECT_EQ(fake_->live(), 2u);
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(BlocksTest, MissingBlockChangesNothing) {
  ASSERT_TRUE(Stage("k", "A", Bytes(100)).ok());
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  ASSERT_TRUE(Stage("k", "B", Bytes(90)).ok());
  ObjectInfo before = *store_->GetBlockList(Ref("k"))->object;
  EXPECT_EQ(Commit("k", {Latest("A"), Latest("X")}).status().code(), ErrorCode::kInvalidPart);
  EXPECT_EQ(Commit("k", {Committed("B")}).status().code(), ErrorCode::kInvalidPart);
  EXPECT_EQ(Commit("k", {Uncommitted("A")}).status().code(), ErrorCode::kInvalidPart);
  Result<BlockList> list = store_->GetBlockList(Ref("k"));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->object->blob_etag, before.blob_etag);
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{"B"});
  EXPECT_EQ(Get("k"), Bytes(100));
  EXPECT_TRUE(fake_->deleted().empty());
}

TEST_F(BlocksTest, CommitDiscardsEveryOtherStagedBlock) {
  ASSERT_TRUE(Stage("k", "A", Bytes(100, 'a')).ok());
  ASSERT_TRUE(Stage("k", "B", Bytes(100, 'b')).ok());
  ASSERT_TRUE(Stage("k", "C", Bytes(100, 'c')).ok());
  ASSERT_EQ(fake_->live(), 3u);
  ASSERT_TRUE(Commit("k", {Latest("B")}).ok());
  EXPECT_TRUE(StagedIds("k").empty());
  EXPECT_EQ(fake_->live(), 1u);
  EXPECT_EQ(fake_->deleted().size(), 2u);
  EXPECT_EQ(Get("k"), Bytes(100, 'b'));
}

TEST_F(BlocksTest, RestagingReplacesTheBlock) {
  ASSERT_TRUE(Stage("k", "A", Bytes(100, 'a')).ok());
  ASSERT_TRUE(Stage("k", "A", Bytes(70, 'z')).ok());
  EXPECT_EQ(fake_->live(), 1u);
  EXPECT_EQ(fake_->deleted().size(), 1u);
  Result<BlockList> list = store_->GetBlockList(Ref("k"));
  ASSERT_EQ(list->uncommitted.size(), 1u);
  EXPECT_EQ(list->uncommitted[0].size, 70u);
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  EXPECT_EQ(Get("k"), Bytes(70, 'z'));
}

TEST_F(BlocksTest, BlockIdsMustShareOneLength) {
  EXPECT_EQ(Stage("k", "", "x").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Stage("k", std::string(65, 'i'), "x").status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(Stage("k", std::string(64, 'i'), "x").ok());
  Result<StagedBlock> other = Stage("k", "abc", Bytes(100));
  EXPECT_EQ(other.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(fake_->live(), 0u);  // refused before any byte was stored
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{std::string(64, 'i')});
  // Another key has its own length; once committed, the staged set starts over.
  ASSERT_TRUE(Stage("other", "abc", "y").ok());
  ASSERT_TRUE(Commit("k", {Latest(std::string(64, 'i'))}).ok());
  ASSERT_TRUE(Stage("k", "ab", "z").ok());
  EXPECT_EQ(Commit("k", {Latest("ab"), Committed(std::string(64, 'i'))}).status().code(),
            ErrorCode::kInvalidPart);
}

TEST_F(BlocksTest, Md5AndCrc64AreVerified) {
  const std::string data = "123456789";
  StageBlockRequest bad_md5;
  bad_md5.expected_md5 = Md5("other");
  EXPECT_EQ(Stage("k", "A", data, bad_md5).status().code(), ErrorCode::kBadDigest);
  EXPECT_EQ(store_->GetBlockList(Ref("k")).status().code(), ErrorCode::kNoSuchKey);

  StageBlockRequest good;
  good.expected_md5 = Md5(data);
  // CRC-64/NVME of "123456789" is 0xAE8B14860A799888; Azure sends it little-endian.
  good.expected_crc64 = std::string("\x88\x98\x79\x0A\x86\x14\x8B\xAE", 8);
  ASSERT_TRUE(Stage("k", "A", data, good).ok());

  StageBlockRequest big_endian;
  big_endian.expected_crc64 = std::string("\xAE\x8B\x14\x86\x0A\x79\x98\x88", 8);
  EXPECT_EQ(Stage("k", "B", data, big_endian).status().code(), ErrorCode::kChecksumMismatch);
  StageBlockRequest short_crc;
  short_crc.expected_crc64 = "1234";
  EXPECT_EQ(Stage("k", "B", data, short_crc).status().code(), ErrorCode::kInvalidDigest);
  // A mismatch on a body stored in extents leaves none behind.
  StageBlockRequest bad_large;
  bad_large.expected_crc64 = std::string(8, '\0');
  EXPECT_EQ(Stage("k", "B", Bytes(300), bad_large).status().code(), ErrorCode::kChecksumMismatch);
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{"A"});
}

TEST_F(BlocksTest, LimitsOnBlockSizeAndCounts) {
  options_.max_block_size = 150;
  options_.max_staged_blocks = 3;
  options_.max_committed_blocks = 4;
  Reopen();
  EXPECT_EQ(Stage("k", "A", Bytes(151)).status().code(), ErrorCode::kEntityTooLarge);
  FailingSource unknown_size(Bytes(400));  // no Size(): stopped while streaming
  StageBlockRequest request;
  request.object = Ref("k");
  request.block_id = "A";
  EXPECT_EQ(store_->StageBlock(request, unknown_size).status().code(), ErrorCode::kEntityTooLarge);
  EXPECT_EQ(fake_->live(), 0u);
  ASSERT_TRUE(Stage("k", "A", Bytes(150)).ok());
  ASSERT_TRUE(Stage("k", "B", "b").ok());
  ASSERT_TRUE(Stage("k", "C", "c").ok());
  EXPECT_EQ(Stage("k", "D", "d").status().code(), ErrorCode::kInvalidRequest);
  ASSERT_TRUE(Stage("k", "C", "C").ok());  // replacing does not add a block
  EXPECT_EQ(Commit("k", std::vector<BlockListEntry>(5, Latest("B"))).status().code(),
            ErrorCode::kInvalidPart);
  ASSERT_TRUE(Commit("k", std::vector<BlockListEntry>(4, Latest("B"))).ok());
  EXPECT_EQ(Get("k"), "bbbb");
}

TEST_F(BlocksTest, EmptyListCreatesAnEmptyBlob) {
  ASSERT_TRUE(Stage("k", "A", Bytes(100)).ok());
  Result<ObjectInfo> info = Commit("k", {});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(info->etag, HexEncode(Md5("")));
  EXPECT_EQ(Get("k"), "");
  EXPECT_EQ(fake_->live(), 0u);
  Result<BlockList> list = store_->GetBlockList(Ref("k"));
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->object.has_value());
  EXPECT_TRUE(list->committed.empty());
  EXPECT_TRUE(list->uncommitted.empty());
}

TEST_F(BlocksTest, CommitEvaluatesPreconditionsAgainstTheCurrentObject) {
  ASSERT_TRUE(Stage("k", "A", "a").ok());
  Preconditions must_exist;
  must_exist.if_match = "*";
  EXPECT_EQ(Commit("k", {Latest("A")}, must_exist).status().code(), ErrorCode::kPreconditionFailed);
  Preconditions must_not_exist;
  must_not_exist.if_none_match = "*";
  Result<ObjectInfo> first = Commit("k", {Latest("A")}, must_not_exist);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Stage("k", "B", "b").ok());
  EXPECT_EQ(Commit("k", {Latest("B")}, must_not_exist).status().code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{"B"});  // a failed commit keeps them
  Preconditions same;
  same.if_match = "\"" + first->blob_etag + "\"";
  ASSERT_TRUE(Commit("k", {Committed("A"), Latest("B")}, same).ok());
  EXPECT_EQ(Get("k"), "ab");
}

TEST_F(BlocksTest, MultipartPartsAreCommittedBlocks) {
  Result<MultipartUpload> upload = store_->CreateMultipartUpload(Ref("mp"), {});
  ASSERT_TRUE(upload.ok());
  std::vector<CompletedPart> parts;
  for (uint32_t n = 1; n <= 2; ++n) {
    std::string data = Bytes(n == 1 ? 120 : 40, static_cast<char>('a' + n));
    OwnedSource body(data);
    Result<PartInfo> part = store_->UploadPart({Ref("mp"), upload->upload_id, n}, body);
    ASSERT_TRUE(part.ok());
    parts.push_back({n, part->etag});
  }
  ASSERT_TRUE(store_->CompleteMultipartUpload({Ref("mp"), upload->upload_id, parts}).ok());
  Result<BlockList> list = store_->GetBlockList(Ref("mp"));
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->committed.size(), 2u);
  EXPECT_EQ(list->committed[0].id, std::string("\0\0\0\x01", 4));
  EXPECT_EQ(list->committed[0].size, 120u);
  EXPECT_EQ(list->committed[1].id, std::string("\0\0\0\x02", 4));
  const int writes = fake_->write_calls();
  ASSERT_TRUE(Commit("mp", {Committed(std::string("\0\0\0\x02", 4))}).ok());
  EXPECT_EQ(fake_->write_calls(), writes);
  EXPECT_EQ(Get("mp"), Bytes(40, 'c'));
  // A single-piece object has no committed blocks.
  ASSERT_TRUE(Put("plain", "xyz").ok());
  EXPECT_TRUE(CommittedIds("plain").empty());
}

TEST_F(BlocksTest, PutAndDeleteDiscardStagedBlocks) {
  ASSERT_TRUE(Stage("k", "A", Bytes(100)).ok());
  ASSERT_TRUE(Put("k", "whole").ok());  // Put Blob drops uncommitted blocks
  EXPECT_TRUE(StagedIds("k").empty());
  EXPECT_EQ(fake_->live(), 0u);

  ASSERT_TRUE(Stage("k", "A", Bytes(100)).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("k"), {}).ok());
  EXPECT_EQ(store_->GetBlockList(Ref("k")).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(fake_->live(), 0u);
  // A key with only staged blocks is deleted too, once.
  ASSERT_TRUE(Stage("only", "A", Bytes(100)).ok());
  EXPECT_TRUE(store_->DeleteObject(Ref("only"), {}).ok());
  EXPECT_EQ(store_->DeleteObject(Ref("only"), {}).status().code(), ErrorCode::kNoSuchKey);
  EXPECT_EQ(fake_->live(), 0u);
}

TEST_F(BlocksTest, StagedBlocksGoWithTheirBucket) {
  ASSERT_TRUE(store_->CreateBucket({{kAccount, "b2"}, "local"}).ok());
  StageBlockRequest request;
  request.object = Ref("x", "b2");
  request.block_id = "A";
  OwnedSource body(Bytes(100));
  ASSERT_TRUE(store_->StageBlock(request, body).ok());
  ASSERT_TRUE(Put("y", "1", PutObjectRequest{Ref("y", "b2")}).ok());
  EXPECT_EQ(store_->DeleteBucket({kAccount, "b2"}).code(), ErrorCode::kBucketNotEmpty);
  ASSERT_TRUE(store_->DeleteObject(Ref("y", "b2"), {}).ok());
  ASSERT_EQ(fake_->live(), 1u);
  ASSERT_TRUE(store_->DeleteBucket({kAccount, "b2"}).ok());
  EXPECT_EQ(fake_->live(), 0u);
  // Recreated, the bucket has no trace of them.
  ASSERT_TRUE(store_->CreateBucket({{kAccount, "b2"}, "local"}).ok());
  EXPECT_EQ(store_->GetBlockList(Ref("x", "b2")).status().code(), ErrorCode::kNoSuchKey);
  OwnedSource missing(Bytes(10));
  request.object = Ref("x", "nobucket");
  EXPECT_EQ(store_->StageBlock(request, missing).status().code(), ErrorCode::kNoSuchBucket);
}

TEST_F(BlocksTest, ReadersKeepTheBlocksTheyOpened) {
  const std::string a = Bytes(150, 'a'), b = Bytes(150, 'b');
  ASSERT_TRUE(Stage("k", "A", a).ok());
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  GetObjectRequest get;
  get.object = Ref("k");
  Result<ObjectReader> reader = store_->GetObject(get);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(Stage("k", "B", b).ok());
  ASSERT_TRUE(Commit("k", {Latest("B")}).ok());  // A is no longer referenced
  EXPECT_EQ(Drain(*reader->body), a);
  reader = Status(ErrorCode::kInternal, "closed");
  EXPECT_EQ(fake_->live(), 2u);  // only B's extents
  EXPECT_EQ(Get("k"), b);
}

TEST_F(BlocksTest, StateSurvivesReopen) {
  ASSERT_TRUE(Stage("k", "A", Bytes(120, 'a')).ok());
  ASSERT_TRUE(Stage("k", "B", Bytes(20, 'b')).ok());
  Reopen();
  EXPECT_EQ(StagedIds("k"), (std::vector<std::string>{"A", "B"}));
  ASSERT_TRUE(Commit("k", {Latest("A")}).ok());
  ASSERT_TRUE(Stage("k", "C", Bytes(20, 'c')).ok());
  Reopen();
  EXPECT_EQ(CommittedIds("k"), std::vector<std::string>{"A"});
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{"C"});
  ASSERT_TRUE(Commit("k", {Committed("A"), Latest("C")}).ok());
  EXPECT_EQ(Get("k"), Bytes(120, 'a') + Bytes(20, 'c'));
  // New stage ids keep coming from the persisted counter: nothing old reappears.
  ASSERT_TRUE(Stage("k", "D", "d").ok());
  EXPECT_EQ(StagedIds("k"), std::vector<std::string>{"D"});
}

TEST_F(BlocksTest, CopyKeepsTheBlockList) {
  ASSERT_TRUE(Stage("src", "A", Bytes(100, 'a')).ok());
  ASSERT_TRUE(Stage("src", "B", Bytes(10, 'b')).ok());
  ASSERT_TRUE(Commit("src", {Latest("A"), Latest("B")}).ok());
  CopyObjectRequest copy;
  copy.source = Ref("src");
  copy.destination = Ref("dst");
  ASSERT_TRUE(store_->CopyObject(copy).ok());
  EXPECT_EQ(CommittedIds("dst"), (std::vector<std::string>{"A", "B"}));
  ASSERT_TRUE(Stage("dst", "C", "c").ok());
  ASSERT_TRUE(Commit("dst", {Committed("B"), Latest("C")}).ok());
  EXPECT_EQ(Get("dst"), Bytes(10, 'b') + "c");
  EXPECT_EQ(Get("src"), Bytes(100, 'a') + Bytes(10, 'b'));
}

TEST_F(BlocksTest, ListingIncludesUncommittedBlobsOnRequest) {
  ASSERT_TRUE(Put("a", "1").ok());
  ASSERT_TRUE(Put("c", "3").ok());
  ASSERT_TRUE(Stage("b", "X", "staged").ok());
  ASSERT_TRUE(Stage("c", "X", "staged").ok());  // has an object too: listed once
  ASSERT_TRUE(Stage("dir/x", "X", "staged").ok());
  ASSERT_TRUE(Stage("e", "X", "staged").ok());
  auto keys = [](const ListObjectsResult& r) {
    std::vector<std::string> out;
    for (const ObjectInfo& o : r.objects) out.push_back(o.key);
    return out;
  };
  ListObjectsRequest request;
  request.bucket = {kAccount, kBucket};
  Result<ListObjectsResult> plain = store_->ListObjects(request);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(keys(*plain), (std::vector<std::string>{"a", "c"}));

  request.include_uncommitted = true;
  Result<ListObjectsResult> all = store_->ListObjects(request);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(keys(*all), (std::vector<std::string>{"a", "b", "c", "dir/x", "e"}));
  EXPECT_EQ(all->objects[1].size, 0u);
  EXPECT_TRUE(all->objects[1].etag.empty());
  EXPECT_TRUE(all->objects[1].blob_etag.empty());
  EXPECT_GT(all->objects[1].last_modified, 0);
  EXPECT_EQ(all->objects[2].size, 1u);  // c is its object

  request.delimiter = "/";
  request.max_keys = 2;
  Result<ListObjectsResult> page = store_->ListObjects(request);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(keys(*page), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(page->truncated);
  request.start_after = page->next_marker;
  page = store_->ListObjects(request);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(keys(*page), std::vector<std::string>{"c"});
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"dir/"});
  request.start_after = page->next_marker;
  page = store_->ListObjects(request);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(keys(*page), std::vector<std::string>{"e"});
  EXPECT_FALSE(page->truncated);

  request = ListObjectsRequest{};
  request.bucket = {kAccount, kBucket};
  request.include_uncommitted = true;
  request.prefix = "d";
  page = store_->ListObjects(request);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(keys(*page), std::vector<std::string>{"dir/x"});
}

}  // namespace
}  // namespace tessera::store::testing
