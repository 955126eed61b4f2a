#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth {

// A tenant. `key` is the account key exactly as configured (for the development account,
// Azurite's published base64 key): Blob SharedKey uses its base64-decoded bytes, and S3
// clients use the account name as access key id and this string verbatim as the secret.
struct Account {
  std::string name;
  std::string key;
};

// Who a request acts as once authenticated.
struct Principal {
  std::string account;
  bool anonymous = false;
};

// Read-only lookup of accounts. Thread-safe once built.
class AccountDirectory {
 public:
  explicit AccountDirectory(std::vector<Account> accounts) : accounts_(std::move(accounts)) {}
  // The account with this name (== S3 access key id), or nullptr.
  const Account* Find(std::string_view name) const {
    for (const auto& a : accounts_) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }
  const std::vector<Account>& all() const { return accounts_; }

 private:
  std::vector<Account> accounts_;
};

}  // namespace tessera::auth
