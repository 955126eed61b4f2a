#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

std::string HexEncode(std::string_view bytes);  // lowercase
std::optional<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);  // strict, padded

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~),
// and '/' too unless `keep_slash`. This is SigV4's UriEncode().
std::string UriEncode(std::string_view s, bool keep_slash);
// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> UriDecode(std::string_view s, bool plus_is_space = false);

bool IsValidUtf8(std::string_view s);
// Appends `s` as a JSON string literal (quotes included): quote, backslash and control
// characters escaped; when `s` is not valid UTF-8, every byte above 0x7f becomes U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);
std::string ToLower(std::string_view s);
std::string_view Trim(std::string_view s);

}  // namespace tessera
