#include "protocols/s3/request.h"

#include "common/encoding.h"

namespace tessera::s3 {

Result<Address> ResolveAddress(const HttpRequest& request,
                               const std::vector<std::string>& domains) {
  auto path = UriDecode(request.RawPath());
  if (!path) return Status(ErrorCode::kInvalidArgument, "bad escape in request path");
  std::string_view p = *path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);

  std::string host = ToLower(request.Header("host"));
  if (size_t colon = host.rfind(':');
      colon != std::string::npos && host.find(']') == std::string::npos) {
    host.resize(colon);
  }
  Address address;
  // The longest matching domain wins: "b.s3.localhost" is bucket "b" under "s3.localhost".
  const std::string* best = nullptr;
  for (const auto& domain : domains) {
    if (host.size() > domain.size() + 1 && host.ends_with(domain) &&
        host[host.size() - domain.size() - 1] == '.' &&
        (best == nullptr || domain.size() > best->size())) {
      best = &domain;
    }
  }
  if (best != nullptr) {
    address.bucket = host.substr(0, host.size() - best->size() - 1);
    address.key = std::string(p);
    address.virtual_hosted = true;
    return address;
  }
  size_t slash = p.find('/');
  address.bucket = std::string(p.substr(0, slash));
  if (slash != std::string_view::npos) address.key = std::string(p.substr(slash + 1));
  return address;
}

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  // Reserved by S3 for its own naming schemes (general purpose bucket naming rules).
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.starts_with(prefix)) return false;
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3"}) {
    if (name.ends_with(suffix)) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  bool all_digits_and_dots = true;
  int dots = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.') {
      ++dots;
      if (i > 0 && name[i - 1] == '.') return false;
    }
    if (!(c == '.' || (c >= '0' && c <= '9'))) all_digits_and_dots = false;
  }
  return !(all_digits_and_dots && dots == 3);
}

Status CheckObjectKey(std::string_view key) {
  if (key.size() > 1024) return Status(ErrorCode::kInvalidObjectName, "Your key is too long");
  if (IsValidObjectKey(key)) return Status::Ok();
  return Status(ErrorCode::kInvalidArgument,
                "Object key must be non-empty UTF-8 without NUL characters");
}

bool IsValidObjectKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return false;
  if (key.find('\0') != std::string_view::npos) return false;
  return IsValidUtf8(key);
}

}  // namespace tessera::s3
