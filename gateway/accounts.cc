#include "gateway/accounts.h"

#include <openssl/rand.h>

#include <algorithm>

#include "common/encoding.h"
#include "common/time.h"

namespace tessera::gateway {

std::string NewAccountKey() {
  std::string bytes(64, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) !=
      1) {
    std::abort();  // no randomness: never hand out a guessable key
  }
  return Base64Encode(bytes);
}

bool ValidAccountName(const std::string& name) {
  if (name.size() < 3 || name.size() > 24) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

Status AccountManager::Seed(const std::vector<auth::Account>& configured) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(std::vector<AccountInfo> stored, store_.ListAccounts());
  for (const auth::Account& a : configured) {
    const bool known = std::any_of(stored.begin(), stored.end(),
                                   [&](const AccountInfo& s) { return s.name == a.name; });
    if (known) continue;
    AccountInfo info;
    info.name = a.name;
    info.key1 = a.key;
    info.key2 = a.key2;
    info.created = NowMicros();
    RETURN_IF_ERROR(store_.PutAccount(info));
  }
  return Publish();
}

Result<std::vector<AccountInfo>> AccountManager::List() { return store_.ListAccounts(); }

Result<AccountInfo> AccountManager::Get(const std::string& name) {
  ASSIGN_OR_RETURN(std::vector<AccountInfo> accounts, store_.ListAccounts());
  for (AccountInfo& a : accounts) {
    if (a.name == name) return std::move(a);
  }
  return Status(ErrorCode::kNoSuchKey, "no account " + name);
}

Result<AccountInfo> AccountManager::Create(const std::string& name) {
  if (!ValidAccountName(name)) {
    return Status(ErrorCode::kInvalidArgument,
                  "an account name is 3 to 24 lowercase letters and digits");
  }
  std::lock_guard lock(mu_);
  if (Get(name).ok()) return Status(ErrorCode::kBucketAlreadyExists, "account exists: " + name);
  AccountInfo info;
  info.name = name;
  info.key1 = NewAccountKey();
  info.key2 = NewAccountKey();
  info.created = NowMicros();
  RETURN_IF_ERROR(store_.PutAccount(info));
  RETURN_IF_ERROR(Publish());
  return info;
}

Result<AccountInfo> AccountManager::Change(const std::string& name,
                                           const std::function<void(AccountInfo&)>& f) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(AccountInfo info, Get(name));
  f(info);
  RETURN_IF_ERROR(store_.PutAccount(info));
  RETURN_IF_ERROR(Publish());
  return info;
}

Result<AccountInfo> AccountManager::SetDisabled(const std::string& name, bool disabled) {
  return Change(name, [&](AccountInfo& a) { a.disabled = disabled; });
}

Result<AccountInfo> AccountManager::RotateKey(const std::string& name, int which) {
  if (which != 1 && which != 2) return Status(ErrorCode::kInvalidArgument, "key1 or key2");
  return Change(name, [&](AccountInfo& a) { (which == 1 ? a.key1 : a.key2) = NewAccountKey(); });
}

Result<AccountInfo> AccountManager::SetLimits(const std::string& name, uint64_t requests_per_s,
                                              uint64_t bytes_per_s) {
  return Change(name, [&](AccountInfo& a) {
    a.max_requests_per_s = requests_per_s;
    a.max_bytes_per_s = bytes_per_s;
  });
}

Status AccountManager::Delete(const std::string& name) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(store_.DeleteAccount(name));
  return Publish();
}

Result<std::map<std::string, Usage>> AccountManager::BucketUsage(const std::string& name) {
  RETURN_IF_ERROR(Get(name).status());
  return store_.GetAccountUsage(name);
}

Result<Quota> AccountManager::GetQuota(const std::string& name, const std::string& bucket) {
  RETURN_IF_ERROR(Get(name).status());
  return store_.GetQuota(name, bucket);
}

Status AccountManager::SetQuota(const std::string& name, const std::string& bucket,
                                const Quota& quota) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Get(name).status());
  return store_.SetQuota(name, bucket, quota);
}

Status AccountManager::Publish() {
  ASSIGN_OR_RETURN(std::vector<AccountInfo> stored, store_.ListAccounts());
  std::vector<auth::Account> accounts;
  accounts.reserve(stored.size());
  for (const AccountInfo& a : stored) {
    accounts.push_back({a.name, a.key1, a.key2, a.disabled});
  }
  directory_.Replace(std::move(accounts));
  if (on_change_) on_change_(stored);
  return Status::Ok();
}

}  // namespace tessera::gateway
