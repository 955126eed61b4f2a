#include "protocols/tags.h"

#include <algorithm>
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

class TagQueryParser {
 public:
  TagQueryParser(std::string_view text, TagQuerySyntax syntax) : text_(text), syntax_(syntax) {}

  Result<TagQuery> Run() {
    TagQuery query;
    ASSIGN_OR_RETURN(query.root_, Or(&query, 0));
    SkipSpaces();
    if (at_ != text_.size()) return Bad("unexpected text");
    return query;
  }

 private:
  using Node = TagQuery::Node;
  static constexpr int kMaxDepth = 16;
  static constexpr size_t kMaxTerms = 10;

  Status Bad(const std::string& why) const {
    return Status(ErrorCode::kInvalidArgument,
                  "The tag expression is not valid at offset " + std::to_string(at_) + ": " + why);
  }
  void SkipSpaces() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
  }
  // Case-insensitive keyword followed by a space or '(' / '"' / '@'.
  bool Keyword(std::string_view word) {
    SkipSpaces();
    if (text_.size() - at_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text_[at_ + i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != word[i]) return false;
    }
    const size_t end = at_ + word.size();
    if (end < text_.size() && text_[end] != ' ' && text_[end] != '(' && text_[end] != '"' &&
        text_[end] != '@') {
      return false;
    }
    at_ = end;
    return true;
  }

  Result<Node> Or(TagQuery* query, int depth) {
    ASSIGN_OR_RETURN(Node first, And(query, depth));
    Node node;
    node.kind = Node::kOr;
    node.children.push_back(std::move(first));
    while (Keyword("OR")) {
      if (syntax_ == TagQuerySyntax::kFind) return Bad("OR is not allowed here");
      ASSIGN_OR_RETURN(Node next, And(query, depth));
      node.children.push_back(std::move(next));
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  Result<Node> And(TagQuery* query, int depth) {
    Node node;
    node.kind = Node::kAnd;
    do {
      ASSIGN_OR_RETURN(Node term, Term(query, depth));
      if (++terms_ > kMaxTerms) return Bad("more than 10 comparisons");
      node.children.push_back(std::move(term));
    } while (Keyword("AND"));
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  Result<Node> Term(TagQuery* query, int depth) {
    SkipSpaces();
    if (at_ < text_.size() && text_[at_] == '(') {
      if (syntax_ == TagQuerySyntax::kFind) return Bad("parentheses are not allowed here");
      if (depth >= kMaxDepth) return Bad("too deeply nested");
      ++at_;
      ASSIGN_OR_RETURN(Node inner, Or(query, depth + 1));
      SkipSpaces();
      if (at_ >= text_.size() || text_[at_] != ')') return Bad("')' expected");
      ++at_;
      return inner;
    }
    Node node;
    bool container = false;
    if (at_ < text_.size() && text_[at_] == '@') {
      static constexpr std::string_view kContainer = "@container";
      if (syntax_ != TagQuerySyntax::kFind || text_.substr(at_, kContainer.size()) != kContainer) {
        return Bad("only @container may be named this way, in a find");
      }
      at_ += kContainer.size();
      container = true;
    } else {
      ASSIGN_OR_RETURN(node.key, Quoted('"'));
      if (node.key.empty() || node.key.size() > 128) return Bad("a tag name of 1-128 characters");
    }
    SkipSpaces();
    for (std::string_view op : {"<>", ">=", "<=", "=", ">", "<"}) {
      if (text_.substr(at_, op.size()) == op) {
        node.op = std::string(op);
        at_ += op.size();
        break;
      }
    }
    if (node.op.empty()) return Bad("an operator expected");
    if (node.op == "<>" && syntax_ == TagQuerySyntax::kFind) return Bad("<> is not allowed here");
    SkipSpaces();
    ASSIGN_OR_RETURN(node.value, Quoted('\''));
    if (node.value.size() > 256) return Bad("a value of at most 256 characters");
    if (container) {
      if (node.op != "=" || query->container_) return Bad("one @container = 'name' at most");
      query->container_ = node.value;
      Node always;
      always.kind = Node::kAnd;  // no children: true
      return always;
    }
    return node;
  }

  Result<std::string> Quoted(char quote) {
    if (at_ >= text_.size() || text_[at_] != quote) {
      return Status(Bad(quote == '"' ? "a double-quoted tag name expected"
                                     : "a single-quoted value expected"));
    }
    ++at_;
    std::string out;
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c != quote) {
        out.push_back(c);
        continue;
      }
      if (at_ < text_.size() && text_[at_] == quote) {  // doubled: a literal quote
        out.push_back(c);
        ++at_;
        continue;
      }
      return out;
    }
    return Status(Bad("an unterminated quote"));
  }

  std::string_view text_;
  TagQuerySyntax syntax_;
  size_t at_ = 0;
  size_t terms_ = 0;
};

Result<TagQuery> TagQuery::Parse(std::string_view text, TagQuerySyntax syntax) {
  return TagQueryParser(text, syntax).Run();
}

bool TagQuery::Eval(const Node& node, const Tags& tags) {
  switch (node.kind) {
    case Node::kAnd:
      for (const Node& c : node.children) {
        if (!Eval(c, tags)) return false;
      }
      return true;
    case Node::kOr:
      for (const Node& c : node.children) {
        if (Eval(c, tags)) return true;
      }
      return false;
    case Node::kCompare:
      break;
  }
  auto it = tags.find(node.key);
  if (it == tags.end()) return false;
  const int cmp = it->second.compare(node.value);
  if (node.op == "=") return cmp == 0;
  if (node.op == "<>") return cmp != 0;
  if (node.op == ">") return cmp > 0;
  if (node.op == ">=") return cmp >= 0;
  if (node.op == "<") return cmp < 0;
  return cmp <= 0;
}

bool TagQuery::Matches(const Tags& tags) const { return Eval(root_, tags); }

std::vector<std::string> TagQuery::keys() const {
  std::vector<std::string> out;
  std::vector<const Node*> stack = {&root_};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (node->kind == Node::kCompare) {
      if (std::find(out.begin(), out.end(), node->key) == out.end()) out.push_back(node->key);
    }
    for (const Node& c : node->children) stack.push_back(&c);
  }
  return out;
}

}  // namespace tessera
