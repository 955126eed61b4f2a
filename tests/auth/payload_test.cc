#include "auth/payload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4.h"
#include "common/encoding.h"
#include "common/hash.h"
#include "common/time.h"

namespace tessera::auth {
namespace {

// Owns its bytes and hands out at most `step` bytes per Read().
class StringSource : public BodySource {
 public:
  explicit StringSource(std::string data, size_t step = SIZE_MAX)
      : data_(std::move(data)), step_(step) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    size_t n = std::min({capacity, step_, data_.size() - pos_});
    data_.copy(buf, n, pos_);
    pos_ += n;
    ++reads_;
    return n;
  }
  int reads() const { return reads_; }

 private:
  std::string data_;
  size_t step_;
  size_t pos_ = 0;
  int reads_ = 0;
};

// Reads to the end; the error of the first failing Read, if any.
Result<std::string> ReadAll(BodySource& source, size_t buffer = 8192) {
  std::string out;
  std::vector<char> buf(buffer);
  while (true) {
    Result<size_t> n = source.Read(buf.data(), buf.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

ErrorCode CodeOf(const Result<std::string>& r) { return r.status().code(); }

// The AWS example "Signature Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks": 66560 bytes of 'a' in a 65536-byte chunk, a 1024-byte chunk and the final
// empty chunk.
constexpr char kSeed[] = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr char kSig1[] = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr char kSig2[] = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr char kSig3[] = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

SigV4Context ExampleContext() {
  HttpRequest r;
  r.method = "PUT";
  r.target = "/examplebucket/chunkObject.txt";
  r.headers = {
      {"host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"authorization",
       std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                   "aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-"
                   "content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
                   "Signature=") +
           kSeed},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"content-encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"content-length", "66824"}};
  AccountDirectory accounts(std::vector<Account>{{"AKIAIOSFODNN7EXAMPLE", kSecret}});
  Result<SigV4Context> c = VerifySigV4(r, accounts, *ParseAmzDate("20130524T000000Z"));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : SigV4Context();
}

std::string SignedChunk(size_t size, const std::string& signature, char fill = 'a') {
  char head[32];
  std::snprintf(head, sizeof(head), "%zx", size);
  return std::string(head) + ";chunk-signature=" + signature + "\r\n" + std::string(size, fill) +
         "\r\n";
}

std::string ExampleBody() {
  return SignedChunk(65536, kSig1) + SignedChunk(1024, kSig2) + SignedChunk(0, kSig3);
}

// --- Signed streaming (AWS published example) --------------------------------------------

TEST(AwsChunkedTest, PublishedExampleDecodes) {
  std::string body = ExampleBody();
  ASSERT_EQ(body.size(), 66824u);
  StringSource raw(body);
  SigV4Context context = ExampleContext();
  auto source = NewAwsChunkedSource(raw, context, 66560, "");
  Result<std::string> data = ReadAll(*source);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, std::string(66560, 'a'));
  EXPECT_TRUE(source->trailers().empty());
  EXPECT_EQ(source->Size(), 66560u);
}

TEST(AwsChunkedTest, PublishedExampleDecodesOneBytePerRead) {
  StringSource raw(ExampleBody(), 1);
  SigV4Context context = ExampleContext();
  auto source = NewAwsChunkedSource(raw, context, 66560, "");
  Result<std::string> data = ReadAll(*source, 7);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, std::string(66560, 'a'));
}

TEST(AwsChunkedTest, AlteredChunkDataIsSignatureMismatch) {
  std::string body =
      SignedChunk(65536, kSig1) + SignedChunk(1024, kSig2, 'b') + SignedChunk(0, kSig3);
  StringSource raw(body);
  auto source = NewAwsChunkedSource(raw, ExampleContext(), 66560, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
}

TEST(AwsChunkedTest, WrongChunkSignatureIsSignatureMismatch) {
  std::string body = SignedChunk(65536, kSig1) + SignedChunk(1024, kSig1) + SignedChunk(0, kSig3);
  StringSource raw(body);
  auto source = NewAwsChunkedSource(raw, ExampleContext(), 66560, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
}

TEST(AwsChunkedTest, SignedChunkWithoutSignatureIsSignatureMismatch) {
  StringSource raw("10\r\n" + std::string(16, 'a') + "\r\n0\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, ExampleContext(), std::nullopt, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
}

TEST(AwsChunkedTest, ErrorsAreSticky) {
  std::string body = SignedChunk(65536, kSig1) + SignedChunk(1024, kSig1) + SignedChunk(0, kSig3);
  StringSource raw(body);
  auto source = NewAwsChunkedSource(raw, ExampleContext(), 66560, "");
  ASSERT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
  char buf[16];
  Result<size_t> again = source->Read(buf, sizeof(buf));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kSignatureMismatch);
}

TEST(AwsChunkedTest, TruncatedStreamIsIncompleteBody) {
  std::string body = ExampleBody();
  for (size_t cut : {size_t{10}, size_t{100}, size_t{60000}, size_t{65626}, body.size() - 90}) {
    StringSource raw(body.substr(0, cut));
    auto source = NewAwsChunkedSource(raw, ExampleContext(), 66560, "");
    EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kIncompleteBody) << "cut at " << cut;
  }
}

TEST(AwsChunkedTest, DecodedLengthShortIsIncompleteBody) {
  StringSource raw(ExampleBody());
  auto source = NewAwsChunkedSource(raw, ExampleContext(), 66561, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kIncompleteBody);
}

TEST(AwsChunkedTest, DecodedLengthExceededIsInvalidArgument) {
  StringSource raw(ExampleBody());
  auto source = NewAwsChunkedSource(raw, ExampleContext(), 1000, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

// --- Unsigned payload with trailers ------------------------------------------------------

SigV4Context UnsignedTrailerContext() {
  SigV4Context c;
  c.principal.account = "acct";
  c.payload_mode = PayloadMode::kStreamingUnsignedTrailer;
  return c;
}

// CRC-32/ISO-HDLC("123456789") = 0xCBF43926, base64 of its big-endian bytes.
constexpr char kCrc32Of123456789[] = "y/Q5Jg==";

TEST(AwsChunkedTest, UnsignedTrailerWithCorrectCrc32) {
  StringSource raw(std::string("4\r\n1234\r\n5\r\n56789\r\n0\r\nx-amz-checksum-crc32:") +
                   kCrc32Of123456789 + "\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "x-amz-checksum-crc32");
  Result<std::string> data = ReadAll(*source);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "123456789");
  ASSERT_EQ(source->trailers().size(), 1u);
  EXPECT_EQ(source->trailers()[0].first, "x-amz-checksum-crc32");
  EXPECT_EQ(source->trailers()[0].second, kCrc32Of123456789);
}

TEST(AwsChunkedTest, UnsignedTrailerWithWrongCrc32IsChecksumMismatch) {
  StringSource raw("9\r\n123456789\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "x-amz-checksum-crc32");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kChecksumMismatch);
}

TEST(AwsChunkedTest, TrailerNamesAreLowercased) {
  StringSource raw(std::string("9\r\n123456789\r\n0\r\nX-Amz-Checksum-CRC32:") + kCrc32Of123456789 +
                   "\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "X-Amz-Checksum-Crc32");
  ASSERT_TRUE(ReadAll(*source).ok());
  EXPECT_EQ(source->trailers()[0].first, "x-amz-checksum-crc32");
}

TEST(AwsChunkedTest, UnsignedTrailerOneBytePerRead) {
  StringSource raw(
      std::string("9\r\n123456789\r\n0\r\nx-amz-checksum-crc32:") + kCrc32Of123456789 + "\r\n\r\n",
      1);
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "x-amz-checksum-crc32");
  Result<std::string> data = ReadAll(*source, 1);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "123456789");
}

TEST(AwsChunkedTest, MissingAnnouncedTrailerIsInvalidArgument) {
  StringSource raw("9\r\n123456789\r\n0\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "x-amz-checksum-crc32");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

TEST(AwsChunkedTest, UnsupportedTrailerNameIsInvalidArgument) {
  StringSource raw("0\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 0, "x-my-trailer");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

TEST(AwsChunkedTest, Sha256AndCrc32cTrailersVerify) {
  std::string data = "hello, world";
  for (auto [name, digest] : {std::pair{"x-amz-checksum-sha256", Sha256(data)},
                              std::pair{"x-amz-checksum-crc32c", [&] {
                                          auto h = NewCrc32c();
                                          h->Update(data.data(), data.size());
                                          return h->Finish();
                                        }()}}) {
    StringSource raw("c\r\n" + data + "\r\n0\r\n" + name + ":" + Base64Encode(digest) + "\r\n\r\n");
    auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, name);
    Result<std::string> out = ReadAll(*source);
    ASSERT_TRUE(out.ok()) << name << ": " << out.status().ToString();
    EXPECT_EQ(*out, data);
  }
}

// --- Framing errors ----------------------------------------------------------------------

TEST(AwsChunkedTest, MalformedSizeLineIsInvalidArgument) {
  for (const char* body : {"xyz\r\nabc\r\n0\r\n\r\n", ";x\r\n0\r\n\r\n", "-1\r\n\r\n",
                           "1000000000000000\r\n", "3\nabc\r\n0\r\n\r\n"}) {
    StringSource raw(body);
    auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, "");
    EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument) << body;
  }
}

TEST(AwsChunkedTest, DataNotFollowedByCrlfIsInvalidArgument) {
  StringSource raw("3\r\nabcX\r\n0\r\n\r\n");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

TEST(AwsChunkedTest, OversizedLineIsInvalidArgument) {
  // Terminated and unterminated: neither may be buffered without bound.
  for (std::string body : {std::string(5000, '1') + "\r\n", std::string(100000, '1')}) {
    StringSource raw(body);
    auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, "");
    EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
  }
}

TEST(AwsChunkedTest, OversizedTrailerSectionIsInvalidArgument) {
  std::string body = "0\r\n";
  for (int i = 0; i < 100; ++i)
    body += "x-filler-" + std::to_string(i) + ":" + std::string(300, 'v') + "\r\n";
  body += "\r\n";
  StringSource raw(body);
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

TEST(AwsChunkedTest, BytesAfterTheEndAreInvalidArgument) {
  StringSource raw("3\r\nabc\r\n0\r\n\r\nextra");
  auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), std::nullopt, "");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kInvalidArgument);
}

TEST(AwsChunkedTest, EveryTruncationFailsCleanly) {
  // Every prefix of a valid body fails cleanly, except one missing only the closing blank
  // line: by then every byte and trailer has been verified.
  std::string body = std::string("4\r\n1234\r\n5\r\n56789\r\n0\r\nx-amz-checksum-crc32:") +
                     kCrc32Of123456789 + "\r\n\r\n";
  for (size_t cut = 0; cut + 2 < body.size(); ++cut) {
    StringSource raw(body.substr(0, cut));
    auto source = NewAwsChunkedSource(raw, UnsignedTrailerContext(), 9, "x-amz-checksum-crc32");
    EXPECT_FALSE(ReadAll(*source).ok()) << "cut at " << cut;
  }
}

// Random single-byte corruptions of a signed body: each decodes to the original data or
// fails with an error; none crashes or returns altered data as valid.
TEST(AwsChunkedTest, CorruptedBytesAreNeverAccepted) {
  SigV4Context context = ExampleContext();
  std::string good = ExampleBody();
  uint32_t state = 12345;
  for (int i = 0; i < 300; ++i) {
    state = state * 1103515245u + 12345u;
    std::string mutated = good;
    size_t at = (state >> 8) % mutated.size();
    mutated[at] = static_cast<char>(mutated[at] ^ (1 + (state & 0x7f)));
    StringSource raw(mutated, 1 + (state % 5000));
    auto source = NewAwsChunkedSource(raw, context, 66560, "");
    Result<std::string> out = ReadAll(*source, 1 + (state % 3000));
    if (out.ok()) {
      EXPECT_EQ(*out, std::string(66560, 'a')) << "byte " << at;
    }
  }
}

// --- Signed payload with a signed trailer ------------------------------------------------

struct TrailerFixture {
  SigV4Context context;
  std::string body;
};

// Builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body for "123456789" with a CRC32
// trailer, chaining signatures the way the SigV4 streaming specification describes.
TrailerFixture SignedTrailerBody(const std::string& checksum, bool corrupt_trailer_signature) {
  TrailerFixture f;
  f.context.principal.account = "AKIAIOSFODNN7EXAMPLE";
  f.context.payload_mode = PayloadMode::kStreamingSignedTrailer;
  f.context.signing_key = DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3");
  f.context.amz_date = "20130524T000000Z";
  f.context.scope = "20130524/us-east-1/s3/aws4_request";
  f.context.seed_signature = kSeed;
  const SigV4Context& c = f.context;
  std::string data = "123456789";
  std::string sig1 = SignatureHex(
      c.signing_key, ChunkStringToSign(c.amz_date, c.scope, kSeed, HexEncode(Sha256(data))));
  std::string sig0 = SignatureHex(
      c.signing_key, ChunkStringToSign(c.amz_date, c.scope, sig1, HexEncode(Sha256(""))));
  std::string trailer = "x-amz-checksum-crc32:" + checksum + "\n";
  std::string trailer_sig = SignatureHex(
      c.signing_key, TrailerStringToSign(c.amz_date, c.scope, sig0, HexEncode(Sha256(trailer))));
  if (corrupt_trailer_signature) trailer_sig[0] = trailer_sig[0] == 'a' ? 'b' : 'a';
  f.body = "9;chunk-signature=" + sig1 + "\r\n" + data + "\r\n" + "0;chunk-signature=" + sig0 +
           "\r\nx-amz-checksum-crc32:" + checksum + "\r\nx-amz-trailer-signature:" + trailer_sig +
           "\r\n\r\n";
  return f;
}

TEST(AwsChunkedTest, SignedTrailerVerifies) {
  TrailerFixture f = SignedTrailerBody(kCrc32Of123456789, false);
  StringSource raw(f.body, 3);
  auto source = NewAwsChunkedSource(raw, f.context, 9, "x-amz-checksum-crc32");
  Result<std::string> data = ReadAll(*source);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "123456789");
  ASSERT_EQ(source->trailers().size(), 1u);
  EXPECT_EQ(source->trailers()[0].second, kCrc32Of123456789);
}

TEST(AwsChunkedTest, WrongTrailerSignatureIsSignatureMismatch) {
  TrailerFixture f = SignedTrailerBody(kCrc32Of123456789, true);
  StringSource raw(f.body);
  auto source = NewAwsChunkedSource(raw, f.context, 9, "x-amz-checksum-crc32");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
}

TEST(AwsChunkedTest, SignedTrailerWithWrongChecksumIsChecksumMismatch) {
  TrailerFixture f = SignedTrailerBody("AAAAAA==", false);
  StringSource raw(f.body);
  auto source = NewAwsChunkedSource(raw, f.context, 9, "x-amz-checksum-crc32");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kChecksumMismatch);
}

TEST(AwsChunkedTest, SignedTrailerWithoutSignatureIsSignatureMismatch) {
  TrailerFixture f = SignedTrailerBody(kCrc32Of123456789, false);
  size_t at = f.body.find("x-amz-trailer-signature:");
  f.body = f.body.substr(0, at) + "\r\n";
  StringSource raw(f.body);
  auto source = NewAwsChunkedSource(raw, f.context, 9, "x-amz-checksum-crc32");
  EXPECT_EQ(CodeOf(ReadAll(*source)), ErrorCode::kSignatureMismatch);
}

// --- SHA-256 verifying source ------------------------------------------------------------

TEST(Sha256VerifyingSourceTest, MatchingBodyPassesThrough) {
  StringSource raw("Welcome to Amazon S3.", 4);
  auto source = NewSha256VerifyingSource(
      raw, "44CE7DD67C959E0D3524FFAC1771DFBBA87D2B6B4B4E99E42034A8B803F8B072");
  Result<std::string> data = ReadAll(*source, 5);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "Welcome to Amazon S3.");
}

TEST(Sha256VerifyingSourceTest, DifferentBodyFailsTheFinalRead) {
  StringSource raw("Welcome to Amazon S4.");
  auto source = NewSha256VerifyingSource(
      raw, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  char buf[64];
  Result<size_t> first = source->Read(buf, sizeof(buf));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 21u);
  Result<size_t> last = source->Read(buf, sizeof(buf));
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().code(), ErrorCode::kPayloadHashMismatch);
  EXPECT_FALSE(source->Read(buf, sizeof(buf)).ok());
}

TEST(Sha256VerifyingSourceTest, EmptyBodyMatchesEmptyHash) {
  StringSource raw("");
  auto source = NewSha256VerifyingSource(
      raw, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Result<std::string> data = ReadAll(*source);
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(data->empty());
}

}  // namespace
}  // namespace tessera::auth
