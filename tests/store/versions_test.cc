// The version history: versioned writes keep what they replace, deletes make markers or
// remove versions, suspended buckets keep one null version, listings of versions.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend/store/embedded_store.h"
#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

class VersionsTest : public StoreTest {
 protected:
  void SetVersioning(Versioning v) {
    UpdateBucketRequest request;
    request.bucket = {kAccount, kBucket};
    request.versioning = v;
    ASSERT_TRUE(store_->UpdateBucket(request).ok());
  }
  static ObjectRef Version(const std::string& key, const std::string& id) {
    ObjectRef ref = Ref(key);
    ref.version_id = id;
    return ref;
  }
  std::string GetVersion(const std::string& key, const std::string& id) {
    GetObjectRequest request;
    request.object = Version(key, id);
    Result<ObjectReader> reader = store_->GetObject(request);
    if (!reader.ok()) return "<error " + reader.status().ToString() + ">";
    return Drain(*reader->body);
  }
  std::vector<ObjectVersion> Versions(const std::string& prefix = "") {
    ListVersionsRequest request;
    request.bucket = {kAccount, kBucket};
    request.prefix = prefix;
    Result<ListVersionsResult> result = store_->ListObjectVersions(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->versions : std::vector<ObjectVersion>{};
  }
  uint64_t UsageBytes() { return store_->GetBucketUsage({kAccount, kBucket}).value().bytes; }
};

TEST_F(VersionsTest, VersionIdsAreTimesThatParseBackOneWay) {
  const uint64_t seq = 1765143000123456;
  const std::string id = FormatVersionId(seq);
  EXPECT_EQ(id, "2025-12-07T21:30:00.1234560Z");
  EXPECT_EQ(ParseVersionId(id), seq);
  for (const char* bad : {"", "null", "2025-12-07T21:30:00.1234561Z", "2025-12-07T21:30:00Z",
                          "2025-12-07 21:30:00.1234560Z", "x025-12-07T21:30:00.1234560Z"}) {
    EXPECT_FALSE(ParseVersionId(bad)) << bad;
  }
  EXPECT_TRUE(CheckVersionId("null").ok());
  EXPECT_EQ(CheckVersionId("3HL4kqtJlcpXroDTDmjVBH40Nrjfkd").code(), ErrorCode::kInvalidArgument);
}

TEST_F(VersionsTest, UnversionedBucketsReplaceTheNullVersionAndKeepNoHistory) {
  ASSERT_TRUE(Put("k", Bytes(100, 'a')).ok());
  Result<ObjectInfo> second = Put("k", Bytes(80, 'b'));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->version_id, "null");
  std::vector<ObjectVersion> versions = Versions();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_TRUE(versions[0].latest);
  EXPECT_EQ(versions[0].info.version_id, "null");
  EXPECT_EQ(fake_->live(), 1u);  // the first version's extent is gone
  EXPECT_EQ(UsageBytes(), 80u);
  Result<DeleteObjectResult> deleted = store_->DeleteObject(Ref("k"), {});
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(deleted->delete_marker);
  EXPECT_TRUE(Versions().empty());
  ASSERT_TRUE(store_->DeleteBucket({kAccount, kBucket}).ok());
}

TEST_F(VersionsTest, EnabledBucketsKeepEveryVersionReadableById) {
  SetVersioning(Versioning::kEnabled);
  std::vector<std::string> ids;
  for (char c : {'a', 'b', 'c'}) {
    Result<ObjectInfo> put = Put("k", Bytes(90, c));
    ASSERT_TRUE(put.ok());
    ASSERT_TRUE(ParseVersionId(put->version_id)) << put->version_id;
    ids.push_back(put->version_id);
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_EQ(Get("k"), Bytes(90, 'c'));
  EXPECT_EQ(GetVersion("k", ids[0]), Bytes(90, 'a'));
  EXPECT_EQ(GetVersion("k", ids[1]), Bytes(90, 'b'));
  EXPECT_EQ(UsageBytes(), 270u);  // noncurrent versions take space too
  std::vector<ObjectVersion> versions = Versions();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].info.version_id, ids[2]);
  EXPECT_TRUE(versions[0].latest);
  EXPECT_EQ(versions[1].info.version_id, ids[1]);
  EXPECT_FALSE(versions[1].latest);
  EXPECT_EQ(versions[2].info.version_id, ids[0]);
  EXPECT_EQ(GetVersion("k", FormatVersionId(1)).find("NoSuchVersion") != std::string::npos, true);
  EXPECT_NE(GetVersion("k", "bogus").find("InvalidArgument"), std::string::npos);
}

TEST_F(VersionsTest, DeleteMakesAMarkerAndRemovingTheMarkerRestoresTheObject) {
  SetVersioning(Versioning::kEnabled);
  std::string first = Put("k", Bytes(70, 'a')).value().version_id;
  Result<DeleteObjectResult> marker = store_->DeleteObject(Ref("k"), {});
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(marker->delete_marker);
  ASSERT_TRUE(ParseVersionId(marker->version_id));
  EXPECT_NE(Get("k").find("NoSuchKey"), std::string::npos);
  EXPECT_EQ(GetVersion("k", first), Bytes(70, 'a'));
  // Reading the marker itself is not allowed; listings skip the key.
  EXPECT_NE(GetVersion("k", marker->version_id).find("MethodNotAllowed"), std::string::npos);
  ListObjectsRequest list;
  list.bucket = {kAccount, kBucket};
  EXPECT_TRUE(store_->ListObjects(list).value().objects.empty());
  std::vector<ObjectVersion> versions = Versions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_TRUE(versions[0].info.delete_marker);
  EXPECT_TRUE(versions[0].latest);
  EXPECT_FALSE(versions[1].latest);
  // A bucket with only history is not empty.
  EXPECT_EQ(store_->DeleteBucket({kAccount, kBucket}).code(), ErrorCode::kBucketNotEmpty);

  Result<DeleteObjectResult> removed = store_->DeleteObject(Version("k", marker->version_id), {});
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->delete_marker);
  EXPECT_EQ(Get("k"), Bytes(70, 'a'));
  versions = Versions();
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_TRUE(versions[0].latest);
  EXPECT_EQ(versions[0].info.version_id, first);
}

TEST_F(VersionsTest, RemovingTheCurrentVersionPromotesTheOneBelow) {
  SetVersioning(Versioning::kEnabled);
  std::string a = Put("k", Bytes(90, 'a')).value().version_id;
  std::string b = Put("k", Bytes(90, 'b')).value().version_id;
  ASSERT_TRUE(store_->DeleteObject(Version("k", b), {}).ok());
  EXPECT_EQ(Get("k"), Bytes(90, 'a'));
  EXPECT_EQ(fake_->live(), 1u);  // b's extent is freed
  EXPECT_EQ(UsageBytes(), 90u);
  ASSERT_TRUE(store_->DeleteObject(Version("k", a), {}).ok());
  EXPECT_NE(Get("k").find("NoSuchKey"), std::string::npos);
  EXPECT_TRUE(Versions().empty());
  EXPECT_EQ(fake_->live(), 0u);
  EXPECT_EQ(UsageBytes(), 0u);
  // A version that is not there: nothing to do, no error.
  EXPECT_TRUE(store_->DeleteObject(Version("k", a), {}).ok());
  ASSERT_TRUE(store_->DeleteBucket({kAccount, kBucket}).ok());
}

TEST_F(VersionsTest, SuspendedBucketsKeepOneNullVersionBesideTheOthers) {
  SetVersioning(Versioning::kEnabled);
  std::string kept = Put("k", Bytes(90, 'a')).value().version_id;
  SetVersioning(Versioning::kSuspended);
  EXPECT_EQ(Put("k", Bytes(90, 'b')).value().version_id, "null");
  EXPECT_EQ(Put("k", Bytes(90, 'c')).value().version_id, "null");  // replaces b
  std::vector<ObjectVersion> versions = Versions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].info.version_id, "null");
  EXPECT_EQ(versions[1].info.version_id, kept);
  EXPECT_EQ(Get("k"), Bytes(90, 'c'));
  EXPECT_EQ(fake_->live(), 2u);
  // A delete makes a null marker, which replaces the null version.
  Result<DeleteObjectResult> marker = store_->DeleteObject(Ref("k"), {});
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(marker->version_id, "null");
  EXPECT_TRUE(marker->delete_marker);
  versions = Versions();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_TRUE(versions[0].info.delete_marker);
  EXPECT_EQ(versions[1].info.version_id, kept);
  EXPECT_EQ(fake_->live(), 1u);
  EXPECT_EQ(GetVersion("k", kept), Bytes(90, 'a'));
  // Versioning cannot be turned off once enabled.
  UpdateBucketRequest off;
  off.bucket = {kAccount, kBucket};
  off.versioning = Versioning::kUnversioned;
  EXPECT_EQ(store_->UpdateBucket(off).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(VersionsTest, VersionListingsPageByKeyAndVersionMarkers) {
  SetVersioning(Versioning::kEnabled);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Put("a", Bytes(10, 'a' + i)).ok());
  ASSERT_TRUE(store_->DeleteObject(Ref("b"), {}).ok());  // a marker for a key never written
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Put("c/x", Bytes(10, 'x' + i)).ok());
  std::vector<ObjectVersion> all = Versions();
  ASSERT_EQ(all.size(), 6u);
  ListVersionsRequest request;
  request.bucket = {kAccount, kBucket};
  request.max_keys = 2;
  std::vector<std::pair<std::string, std::string>> seen;
  for (int page = 0; page < 10; ++page) {
    Result<ListVersionsResult> got = store_->ListObjectVersions(request);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (const auto& v : got->versions) seen.emplace_back(v.info.key, v.info.version_id);
    if (!got->truncated) break;
    request.key_marker = got->next_key_marker;
    request.version_id_marker = got->next_version_id_marker;
  }
  ASSERT_EQ(seen.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(seen[i].first, all[i].info.key);
    EXPECT_EQ(seen[i].second, all[i].info.version_id);
  }
  // A delimiter rolls c/'s versions into one prefix.
  ListVersionsRequest rolled;
  rolled.bucket = {kAccount, kBucket};
  rolled.delimiter = "/";
  Result<ListVersionsResult> got = store_->ListObjectVersions(rolled);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->versions.size(), 4u);
  EXPECT_EQ(got->common_prefixes, std::vector<std::string>{"c/"});
}

TEST_F(VersionsTest, AVersionMarkerDeletedBetweenPagesStillPlacesTheNextPage) {
  SetVersioning(Versioning::kEnabled);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Put("k", Bytes(10, 'a' + i)).value().version_id);
  ListVersionsRequest request;
  request.bucket = {kAccount, kBucket};
  request.max_keys = 2;
  Result<ListVersionsResult> page = store_->ListObjectVersions(request);
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->truncated);
  EXPECT_EQ(page->next_version_id_marker, ids[2]);
  ASSERT_TRUE(store_->DeleteObject(Version("k", ids[2]), {}).ok());
  request.key_marker = page->next_key_marker;
  request.version_id_marker = page->next_version_id_marker;
  page = store_->ListObjectVersions(request);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->versions.size(), 2u);
  EXPECT_EQ(page->versions[0].info.version_id, ids[1]);
  EXPECT_EQ(page->versions[1].info.version_id, ids[0]);
  request.version_id_marker = "not-a-version";
  EXPECT_EQ(store_->ListObjectVersions(request).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(VersionsTest, CopiesReadTheVersionTheyNameAndUpdatesStayWhereTheVersionIs) {
  SetVersioning(Versioning::kEnabled);
  std::string old = Put("src", Bytes(90, 'o')).value().version_id;
  ASSERT_TRUE(Put("src", Bytes(90, 'n')).ok());
  CopyObjectRequest copy;
  copy.source = Version("src", old);
  copy.destination = Ref("dst");
  Result<ObjectInfo> copied = store_->CopyObject(copy);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(Get("dst"), Bytes(90, 'o'));
  UpdateObjectRequest tags;
  tags.object = Version("src", old);
  tags.tags = Tags{{"k", "v"}};
  ASSERT_TRUE(store_->UpdateObject(tags).ok());
  GetObjectRequest head;
  head.object = Version("src", old);
  EXPECT_EQ(store_->HeadObject(head).value().tags.size(), 1u);
  head.object = Ref("src");
  EXPECT_TRUE(store_->HeadObject(head).value().tags.empty());
  EXPECT_EQ(Get("src"), Bytes(90, 'n'));
}

TEST_F(VersionsTest, HistorySurvivesAReopen) {
  SetVersioning(Versioning::kEnabled);
  std::string a = Put("k", Bytes(90, 'a')).value().version_id;
  ASSERT_TRUE(Put("k", Bytes(90, 'b')).ok());
  Reopen();
  EXPECT_EQ(GetVersion("k", a), Bytes(90, 'a'));
  EXPECT_EQ(Versions().size(), 2u);
  EXPECT_EQ(store_->HeadBucket({kAccount, kBucket}).value().versioning, Versioning::kEnabled);
}

}  // namespace
}  // namespace tessera::store::testing
