#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"

namespace tessera {

// The one query-string parser, for the dialects and auth alike. How '+' decodes is the
// caller's: S3 (and SigV4's canonical query) read it as a space, as AWS does; Blob's
// SharedKey and SAS keep it literal (RFC 3986), as Azure does.
enum class Plus { kSpace, kLiteral };

// Decoded query parameters in arrival order. `has_value` distinguishes "?uploads" from
// "?uploads=". Empty items ("a=1&&b=2") are skipped.
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = false;
};

class Query {
 public:
  // A bad %-escape is kInvalidArgument, or, when `lenient`, kept as sent (SharedKey's
  // canonicalized resource signs what the client meant, whatever it sent).
  static Result<Query> Parse(std::string_view raw, Plus plus = Plus::kSpace, bool lenient = false);
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  // Value of the first parameter with this name, or nullopt / nullptr / "".
  std::optional<std::string> Get(std::string_view name) const {
    const std::string* v = Find(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }
  const std::string* Find(std::string_view name) const {
    for (const auto& p : params_) {
      if (p.name == name) return &p.value;
    }
    return nullptr;
  }
  std::string Value(std::string_view name) const {
    const std::string* v = Find(name);
    return v ? *v : std::string();
  }
  const std::vector<QueryParam>& params() const { return params_; }

 private:
  std::vector<QueryParam> params_;
};

// Whether the raw query has a parameter whose undecoded name is exactly `name` (dialect
// detection, before anything is decoded).
bool HasRawParam(std::string_view raw, std::string_view name);

}  // namespace tessera
