#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/api/status.h"

namespace tessera {

// Decoded query parameters in arrival order. `has_value` distinguishes "?uploads" from
// "?uploads=".
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = false;
};

class Query {
 public:
  static Result<Query> Parse(std::string_view raw);
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  // Value of the first parameter with this name, or nullopt.
  std::optional<std::string> Get(std::string_view name) const {
    const QueryParam* p = Find(name);
    return p ? std::optional<std::string>(p->value) : std::nullopt;
  }
  const std::vector<QueryParam>& params() const { return params_; }

 private:
  const QueryParam* Find(std::string_view name) const {
    for (const auto& p : params_) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  std::vector<QueryParam> params_;
};

}  // namespace tessera
