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

}  // namespace
}  // namespace tessera::testing
