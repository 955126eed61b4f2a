#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/accounts.h"
#include "backend/api/object_model.h"
#include "backend/api/status.h"
#include "http/request.h"

namespace tessera::auth {

// Azure Blob shared access signatures signed with the account key: the account SAS
// (ss/srt) and the service SAS (sr=b|c|bs|bv, optionally naming a stored access policy with
// si). User delegation SAS (skoid, sktid, skt, ske, sks, skv ...) needs Microsoft Entra ID and
// is refused. Pure functions of their arguments; thread-safe.

enum class SasKind { kAccount, kService };

// What a verified SAS grants.
struct SasGrant {
  Principal principal;
  SasKind kind = SasKind::kService;
  std::string permissions;  // as signed (sp), or from the stored policy, e.g. "racwdl"
  std::string resource;     // service SAS: sr ("b", "c", "bs", "bv"); account SAS: srt ("sco")
  std::string services;     // account SAS: ss
  std::string policy_id;    // service SAS: si
  // Response header overrides requested by rscc/rscd/rsce/rscl/rsct (service SAS).
  std::string cache_control, content_disposition, content_encoding, content_language, content_type;
  std::string encryption_scope;  // ses, when signed
};

// True when the query carries both sig and sv.
bool HasSas(const HttpRequest& request);

// What the caller knows about the request.
struct SasContext {
  std::string account;    // the account the request addresses
  std::string container;  // may be empty (service-level request)
  std::string blob;       // may be empty
  bool https = false;     // the connection is TLS
  std::string client_ip;  // dotted IPv4 (an IPv4-mapped IPv6 "::ffff:a.b.c.d" is accepted)
  // The container's stored access policy named by si, looked up by the caller; nullopt when
  // si is absent or names no policy.
  std::optional<AccessPolicy> policy;
};

// Verifies the SAS in the request's query against the account key of `context.account`.
// The service SAS string-to-sign follows sv:
//   >= 2020-12-06  sp st se res si sip spr sv sr snapshot ses rscc rscd rsce rscl rsct
//   >= 2018-11-09  sp st se res si sip spr sv sr snapshot rscc rscd rsce rscl rsct
//   >= 2015-04-05  sp st se res si sip spr sv rscc rscd rsce rscl rsct
//   >= 2013-08-15  sp st se res si sv rscc rscd rsce rscl rsct
//   >= 2012-02-12  sp st se res si sv
// joined by "\n", where res is "/blob/<account>/<container>[/<blob>]" (without "/blob" before
// 2015-02-21; the blob only for sr=b|bs|bv) and snapshot is the request's snapshot (sr=bs) or
// versionid (sr=bv) parameter. The account SAS string-to-sign (sv >= 2015-04-05) is
//   account sp ss srt st se sip spr sv [ses, from 2020-12-06] each followed by "\n".
// A stored policy fills in st/se/sp the SAS leaves out. Times are checked exactly (no skew).
// Errors:
//   kAuthorizationHeaderMalformed  a parameter given twice, sig not base64 of 32 bytes, sv
//                                  older than 2012-02-12 (2015-04-05 for account SAS, 2018-11-09
//                                  for sr=bs|bv), unknown sr/ss/srt/spr value, neither
//                                  ss+srt nor sr, a bad st/se/sip, no sp or se after the stored
//                                  policy is applied, sr=bs|bv without snapshot/versionid
//   kUnknownAccessKey              no such account, or its key is not base64
//   kSignatureMismatch             the signature does not match; the message quotes the
//                                  string-to-sign ("Signature did not match. String to sign
//                                  used was ...")
//   kInvalidRequest                st, se or sp given both in the SAS and in the stored policy
//                                  (Azure answers 400)
//   kRequestExpired                now is before st or after se
//   kAccessDenied                  user delegation SAS; si names no stored policy; spr=https
//                                  on plain HTTP (AuthorizationProtocolMismatch); client IP
//                                  outside sip (AuthorizationSourceIPMismatch); an account SAS
//                                  whose ss lacks 'b' (AuthorizationServiceMismatch)
Result<SasGrant> VerifySas(const HttpRequest& request, const SasContext& context,
                           const AccountDirectory& accounts, int64_t now_micros);

// Whether `grant` allows an operation needing the Blob permission letter `permission` (r, a, c,
// w, d, x, y, l, t, f, m, e, i, p, u ...) on a resource of type `resource_type`: 's' service,
// 'c' container, 'o' object (blob). An account SAS needs the type in srt; a service SAS never
// allows service-level operations, and sr=b|bs|bv allows only blob-level ones.
bool SasAllows(const SasGrant& grant, char permission, char resource_type);

// The signed fields shared by both kinds. Times are ISO 8601 text exactly as they will appear
// in the query ("2015-06-26T00:00:00Z"); empty fields are left out.
struct SasFields {
  std::string version = "2021-12-02";  // sv
  std::string permissions;             // sp
  std::string start;                   // st
  std::string expiry;                  // se
  std::string ip;                      // sip: "a.b.c.d" or "a.b.c.d-e.f.g.h"
  std::string protocol;                // spr: "https" or "https,http"
  std::string encryption_scope;        // ses
};

struct ServiceSasSpec {
  SasFields fields;
  std::string account;
  std::string container;
  std::string blob;       // ignored for sr=c
  std::string resource;   // sr: "b", "c", "bs", "bv"
  std::string snapshot;   // sr=bs: the snapshot time; sr=bv: the version id
  std::string policy_id;  // si
  std::string cache_control, content_disposition, content_encoding, content_language,
      content_type;  // rscc, rscd, rsce, rscl, rsct
};

struct AccountSasSpec {
  SasFields fields;
  std::string account;
  std::string services;        // ss, e.g. "b"
  std::string resource_types;  // srt, e.g. "sco"
};

// The strings-to-sign described at VerifySas, for `spec.fields.version`.
std::string ServiceSasStringToSign(const ServiceSasSpec& spec);
std::string AccountSasStringToSign(const AccountSasSpec& spec);

// Signed SAS query strings (no leading '?'), parameters in the order the Azure Python SDK
// writes them, values percent-encoded except unreserved characters and '/'. The snapshot or
// version id of sr=bs|bv is not included: it is the request's own snapshot/versionid
// parameter. "" when the key is not base64.
std::string MakeServiceSas(const ServiceSasSpec& spec, std::string_view base64_key);
std::string MakeAccountSas(const AccountSasSpec& spec, std::string_view base64_key);

}  // namespace tessera::auth
