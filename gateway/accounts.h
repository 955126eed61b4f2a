#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "backend/api/object_store.h"

namespace tessera::gateway {

// The tenants: stored in metadata, changed by the operator through the admin API, and
// used by the next request (the directory the dialects authenticate against is replaced
// after every change; no restart). Changes are serialised; reads of the directory are not.
//
// The config file seeds accounts: one it names that metadata lacks is created with the
// configured key(s). After that the stored account is what counts, so keys rotated or
// accounts disabled through the admin API stay so across restarts.
class AccountManager {
 public:
  // `on_change` is told every account after each change (and after Seed), e.g. to update
  // rate limits.
  AccountManager(ObjectStore& store, auth::AccountDirectory& directory,
                 std::function<void(const std::vector<AccountInfo>&)> on_change = {})
      : store_(store), directory_(directory), on_change_(std::move(on_change)) {}

  Status Seed(const std::vector<auth::Account>& configured);
  Result<std::vector<AccountInfo>> List();
  // kNoSuchKey when absent.
  Result<AccountInfo> Get(const std::string& name);
  // A new account with two generated keys. Names are 3-24 lowercase letters and digits,
  // as Azure storage account names (kInvalidArgument); kBucketAlreadyExists when taken.
  Result<AccountInfo> Create(const std::string& name);
  Result<AccountInfo> SetDisabled(const std::string& name, bool disabled);
  // A fresh key1 or key2 (`which` is 1 or 2); the other keeps working.
  Result<AccountInfo> RotateKey(const std::string& name, int which);
  // Requests per second and body bytes per second, 0 = unlimited.
  Result<AccountInfo> SetLimits(const std::string& name, uint64_t requests_per_s,
                                uint64_t bytes_per_s);
  // kBucketNotEmpty while the account owns buckets.
  Status Delete(const std::string& name);

  // Bytes and objects of each of the account's buckets (kNoSuchKey: no such account).
  Result<std::map<std::string, Usage>> BucketUsage(const std::string& name);
  // The account's quota (`bucket` "") or one bucket's; 0 = none.
  Result<Quota> GetQuota(const std::string& name, const std::string& bucket);
  Status SetQuota(const std::string& name, const std::string& bucket, const Quota& quota);

 private:
  Result<AccountInfo> Change(const std::string& name, const std::function<void(AccountInfo&)>& f);
  Status Publish();  // reloads the directory from metadata; mu_ held

  ObjectStore& store_;
  auth::AccountDirectory& directory_;
  std::function<void(const std::vector<AccountInfo>&)> on_change_;
  std::mutex mu_;
};

// A new account key: 64 random bytes, base64 (88 characters, like Azure's).
std::string NewAccountKey();

// Whether `name` may be given to a new account: 3-24 lowercase letters and digits.
bool ValidAccountName(const std::string& name);

}  // namespace tessera::gateway
