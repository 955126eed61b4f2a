// Request smuggling on the real binary: a head whose framing a proxy could read otherwise
// (Transfer-Encoding other than chunked, with Content-Length, or Content-Length twice) is
// answered 400 and the connection closed, so a request hidden in its body never runs.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/gateway/fixture.h"

namespace tessera::testing {
namespace {

class FramingTest : public GatewayFixture {};

TEST_F(FramingTest, EachSmugglingShapeIsRefusedAndTheHiddenRequestNeverRuns) {
  ASSERT_EQ(Do("PUT", "/smug").status, 200);
  const std::vector<std::string> shapes = {
      "Transfer-Encoding: xchunked\r\nContent-Length: %LEN%\r\n",
      "Transfer-Encoding: chunked, identity\r\nContent-Length: %LEN%\r\n",
      "Transfer-Encoding: chunked\r\nContent-Length: %LEN%\r\n",
      "Content-Length: %LEN%\r\nContent-Length: %LEN%\r\n",
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
  };
  int n = 0;
  for (std::string framing : shapes) {
    const std::string inner_key = "inner" + std::to_string(n);
    const std::string outer_key = "outer" + std::to_string(n++);
    Request inner;
    inner.method = "PUT";
    inner.target = "/smug/" + inner_key;
    inner.body = "smuggled";
    // A chunked reader sees an empty body and then the inner request.
    const std::string body = "0\r\n\r\n" + Serialize(inner, gateway_->port());
    for (size_t at; (at = framing.find("%LEN%")) != std::string::npos;) {
      framing.replace(at, 5, std::to_string(body.size()));
    }
    Connection c(gateway_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c.Send("PUT /smug/" + outer_key + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing +
                       "\r\n" + body));
    RawResponse r;
    ASSERT_TRUE(c.Read(&r)) << framing;
    EXPECT_EQ(r.status, 400) << framing << r.body;
    EXPECT_NE(r.body.find("<Code>InvalidRequest</Code>"), std::string::npos) << r.body;
    RawResponse more;
    EXPECT_FALSE(c.Read(&more)) << framing << ": the connection stays open: " << more.status;
    EXPECT_EQ(Do("HEAD", "/smug/" + inner_key).status, 404) << framing;
    EXPECT_EQ(Do("HEAD", "/smug/" + outer_key).status, 404) << framing;
  }
  // Plain chunked and plain Content-Length still work.
  Request ok;
  ok.method = "PUT";
  ok.target = "/smug/fine";
  ok.body = "fine";
  EXPECT_EQ(Send(gateway_->port(), ok).status, 200);
}

// Header-signed SigV4 requests: an x-amz-* header added after signing is refused (it would
// change what the signed request does) and nothing is stored; a key holding NUL is an
// invalid argument, not a key too long.
TEST_F(FramingTest, AnUnsignedAmzHeaderIsRefusedAndAKeyWithNulIsInvalid) {
  ASSERT_EQ(Do("PUT", "/strict").status, 200);
  Request put;
  put.method = "PUT";
  put.target = "/strict/obj";
  put.body = "data";
  std::string wire = Serialize(put, gateway_->port());
  const size_t head_end = wire.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  wire.insert(head_end, "\r\nx-amz-meta-injected: yes");
  Connection c(gateway_->port());
  ASSERT_TRUE(c.Send(wire));
  RawResponse r;
  ASSERT_TRUE(c.Read(&r));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("<Code>AccessDenied</Code>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("not signed"), std::string::npos) << r.body;
  EXPECT_EQ(Do("HEAD", "/strict/obj").status, 404);
  // Signed, the same header is fine.
  EXPECT_EQ(Do("PUT", "/strict/obj", "data", {{"x-amz-meta-injected", "yes"}}).status, 200);

  r = Do("PUT", "/strict/a%00b", "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidArgument</Code>"), std::string::npos) << r.body;
  r = Do("PUT", "/strict/" + std::string(1025, 'k'), "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>KeyTooLongError</Code>"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace tessera::testing
