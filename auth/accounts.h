#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth {

// A tenant's credentials. `key` and `key2` are the account keys exactly as configured or
// generated (base64, like Azure's; the development account's is Azurite's published key):
// Blob SharedKey and SAS use their base64-decoded bytes, and S3 clients use the account name
// as access key id and either key string verbatim as the secret. Both keys are valid at
// once, so one can be rotated while clients still use the other.
struct Account {
  std::string name;
  std::string key;
  std::string key2;  // "" = none
  bool disabled = false;

  // The keys a signature may have been made with, key first.
  std::vector<std::string_view> Keys() const {
    std::vector<std::string_view> keys = {key};
    if (!key2.empty()) keys.push_back(key2);
    return keys;
  }
};

// Who a request acts as once authenticated.
struct Principal {
  std::string account;
  bool anonymous = false;
};

// Lookup of accounts, replaced whole when the operator changes one (a new account or key is
// used by the next request, no restart). Thread-safe: Find may run on any thread while
// Replace runs on another.
class AccountDirectory {
 public:
  AccountDirectory() : AccountDirectory(std::vector<Account>{}) {}
  explicit AccountDirectory(std::vector<Account> accounts) { Replace(std::move(accounts)); }
  // The account with this name (== S3 access key id), copied, or nullopt.
  std::optional<Account> Find(std::string_view name) const {
    std::shared_ptr<const Map> map;
    {
      std::lock_guard lock(mu_);
      map = accounts_;
    }
    auto it = map->find(name);
    if (it == map->end()) return std::nullopt;
    return it->second;
  }
  void Replace(std::vector<Account> accounts) {
    auto map = std::make_shared<Map>();
    for (auto& a : accounts) {
      std::string name = a.name;
      (*map)[std::move(name)] = std::move(a);
    }
    std::lock_guard lock(mu_);
    accounts_ = std::move(map);
  }
  std::vector<Account> all() const {
    std::lock_guard lock(mu_);
    std::vector<Account> out;
    for (const auto& [name, a] : *accounts_) out.push_back(a);
    return out;
  }

 private:
  using Map = std::map<std::string, Account, std::less<>>;
  mutable std::mutex mu_;
  std::shared_ptr<const Map> accounts_;
};

}  // namespace tessera::auth
