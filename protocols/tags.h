#pragma once

#include <pugixml.hpp>
#include <string_view>

#include "backend/api/object_model.h"
#include "backend/api/status.h"

namespace tessera {

// Object tags as both dialects carry them: one set per object (S3 object tagging and Blob
// index tags are the same tags). At most 10; a key of 1..128 characters, a value of
// 0..256. The dialects differ in the characters they allow: S3 takes letters (any
// script), digits, spaces and + - = . _ : / @; Blob takes ASCII letters and digits, spaces
// and + - . / : = _. Errors are kInvalidTag.
enum class TagRules { kS3, kBlob };

Status CheckTags(const Tags& tags, TagRules rules);

// The header form (x-amz-tagging, x-ms-tags): "k1=v1&k2=v2", URL-encoded.
Result<Tags> ParseTagHeader(std::string_view header, TagRules rules);

// The body form: `tag_set` is a <TagSet> of <Tag><Key>..</Key><Value>..</Value></Tag>.
Result<Tags> ParseTagSet(pugi::xml_node tag_set, TagRules rules);
// Appends <TagSet> with one <Tag> per tag to `parent`.
void AppendTagSet(pugi::xml_node parent, const Tags& tags);

}  // namespace tessera
