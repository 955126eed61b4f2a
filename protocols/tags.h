#pragma once

#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

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

// A Blob tag expression, as x-ms-if-tags and Find Blobs by Tags write them:
//   "key" = 'value' AND ("other" >= '2024' OR "k2" <> 'x')
// Keys are double-quoted, values single-quoted ('' is a quote); operators = <> > >= < <=
// compare strings byte-wise; a missing tag makes its comparison false. kCondition allows
// AND, OR and parentheses; kFind (the `where` of Find Blobs by Tags) allows AND only,
// no <>, and one @container = 'name', which selects the container instead of testing a
// tag. Malformed expressions are kInvalidArgument.
enum class TagQuerySyntax { kCondition, kFind };

class TagQuery {
 public:
  static Result<TagQuery> Parse(std::string_view text, TagQuerySyntax syntax);
  bool Matches(const Tags& tags) const;
  // kFind: the container named by @container, if any.
  const std::optional<std::string>& container() const { return container_; }
  // The tag names the expression compares, without repeats.
  std::vector<std::string> keys() const;

 private:
  struct Node {
    enum Kind { kAnd, kOr, kCompare } kind = kCompare;
    std::vector<Node> children;  // kAnd, kOr
    std::string key, value;      // kCompare
    std::string op;
  };
  static bool Eval(const Node& node, const Tags& tags);
  Node root_;
  std::optional<std::string> container_;
  friend class TagQueryParser;
};

}  // namespace tessera
