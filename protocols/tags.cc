#include "protocols/tags.h"

#include <string>

#include "http/query.h"

namespace tessera {
namespace {

constexpr size_t kMaxTags = 10;
constexpr size_t kMaxKey = 128;
constexpr size_t kMaxValue = 256;

Status Invalid(const std::string& why) { return Status(ErrorCode::kInvalidTag, why); }

// Characters (UTF-8 code points) of `s`.
size_t Characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool Allowed(std::string_view s, TagRules rules) {
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (c == ' ' || c == '+' || c == '-' || c == '=' || c == '.' || c == '_' || c == ':' ||
        c == '/') {
      continue;
    }
    if (rules == TagRules::kS3 && (c == '@' || c >= 0x80)) continue;  // letters of any script
    return false;
  }
  return true;
}

}  // namespace

Status CheckTags(const Tags& tags, TagRules rules) {
  if (tags.size() > kMaxTags) {
    return Invalid(rules == TagRules::kS3 ? "Object tags cannot be greater than 10"
                                          : "A blob may have at most 10 tags.");
  }
  for (const auto& [key, value] : tags) {
    if (key.empty() || Characters(key) > kMaxKey) {
      return Invalid("The TagKey you have provided is invalid");
    }
    if (Characters(value) > kMaxValue) return Invalid("The TagValue you have provided is invalid");
    if (!Allowed(key, rules)) return Invalid("The TagKey you have provided is invalid");
    if (!Allowed(value, rules)) return Invalid("The TagValue you have provided is invalid");
  }
  return Status::Ok();
}

Result<Tags> ParseTagHeader(std::string_view header, TagRules rules) {
  Tags tags;
  if (header.empty()) return tags;
  auto query = Query::Parse(header);
  if (!query.ok()) return Invalid("The tag header is not a valid URL-encoded query string");
  for (const auto& p : query->params()) {
    if (!tags.emplace(p.name, p.value).second) {
      return Invalid("Cannot provide multiple Tags with the same key");
    }
  }
  RETURN_IF_ERROR(CheckTags(tags, rules));
  return tags;
}

Result<Tags> ParseTagSet(pugi::xml_node tag_set, TagRules rules) {
  Tags tags;
  for (pugi::xml_node tag : tag_set.children("Tag")) {
    if (!tag.child("Key")) {
      return Status(ErrorCode::kMalformedXml, "A Tag without a Key");
    }
    if (!tags.emplace(tag.child_value("Key"), tag.child_value("Value")).second) {
      return Invalid("Cannot provide multiple Tags with the same key");
    }
  }
  RETURN_IF_ERROR(CheckTags(tags, rules));
  return tags;
}

void AppendTagSet(pugi::xml_node parent, const Tags& tags) {
  pugi::xml_node set = parent.append_child("TagSet");
  for (const auto& [key, value] : tags) {
    pugi::xml_node tag = set.append_child("Tag");
    tag.append_child("Key").text().set(key.c_str());
    tag.append_child("Value").text().set(value.c_str());
  }
}

}  // namespace tessera
