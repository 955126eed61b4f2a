#pragma once

#include <string>
#include <vector>

#include "gateway/config.h"

namespace tessera::gateway {

// The operator's commands against a running gateway's admin listener (gateway/admin.h):
//   tessera heal status
//   tessera drive list|fail ID|restore ID
//   tessera admin capacity
//   tessera admin account list|create N|show N|keys N|disable N|enable N|delete N
//   tessera admin account rotate-key N key1|key2
//   tessera admin account limits N requests_per_s=R bytes_per_s=B
//   tessera admin account usage N
//   tessera admin account quota N [BUCKET] [max_bytes=B] [max_objects=O]
// each with [--admin HOST:PORT | --endpoint URL] [--admin-key KEY] [--data DIR] [--json].
// They return the process exit status.
struct AdminArgs {
  std::string address = kDefaultAdminAddress;  // "HOST:PORT" or "http://HOST:PORT"
  std::string token;     // the admin key; "" = $TESSERA_ADMIN_TOKEN, else DATA/admin.key
  std::string data_dir;  // "" = DefaultDataDir()
  bool json = false;
  std::vector<std::string> words;  // the command's words after its name
};
int HealCommand(const AdminArgs& args);
int DriveCommand(const AdminArgs& args);
int AdminCommand(const AdminArgs& args);

}  // namespace tessera::gateway
