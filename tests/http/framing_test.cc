#include "http/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera {
namespace {

HttpRequest With(std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.method = "PUT";
  r.target = "/b/k";
  r.headers = std::move(headers);
  return r;
}

TEST(FramingTest, OneLengthOrChunkedIsAccepted) {
  EXPECT_TRUE(CheckFraming(With({})).ok());
  EXPECT_TRUE(CheckFraming(With({{"content-length", "5"}})).ok());
  EXPECT_TRUE(CheckFraming(With({{"transfer-encoding", "chunked"}})).ok());
  EXPECT_TRUE(CheckFraming(With({{"transfer-encoding", "Chunked"}})).ok());
}

TEST(FramingTest, SmugglingShapesAreRefused) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> shapes = {
      {{"transfer-encoding", "chunked"}, {"content-length", "5"}},
      {{"content-length", "5"}, {"transfer-encoding", "xchunked"}},
      {{"transfer-encoding", "xchunked"}},
      {{"transfer-encoding", "chunked, identity"}},
      {{"transfer-encoding", "gzip, chunked"}},
      {{"transfer-encoding", "chunked, chunked"}},
      {{"transfer-encoding", "chunked"}, {"transfer-encoding", "chunked"}},
      {{"transfer-encoding", "identity"}},
      {{"transfer-encoding", ""}},
      {{"content-length", "5"}, {"content-length", "6"}},
      {{"content-length", "5"}, {"content-length", "5"}},
  };
  for (const auto& shape : shapes) {
    Status s = CheckFraming(With(shape));
    EXPECT_EQ(s.code(), ErrorCode::kInvalidRequest) << shape[0].second;
  }
}

}  // namespace
}  // namespace tessera
