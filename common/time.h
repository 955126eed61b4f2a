#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// Microseconds since the Unix epoch, UTC.
int64_t NowMicros();

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 7231 IMF-fixdate), second resolution.
std::string FormatHttpDate(int64_t micros);
// Accepts IMF-fixdate, RFC 850 and asctime forms; nullopt when unparseable.
std::optional<int64_t> ParseHttpDate(std::string_view s);
// "2009-10-12T17:50:30.000Z" as S3 listings write it.
std::string FormatIso8601Millis(int64_t micros);
// "20130524T000000Z" as SigV4 writes x-amz-date.
std::string FormatAmzDate(int64_t micros);
std::optional<int64_t> ParseAmzDate(std::string_view s);
// Also accepts "2013-05-24T00:00:00Z" and fractional seconds (Blob SAS st/se).
std::optional<int64_t> ParseIso8601(std::string_view s);

}  // namespace tessera
