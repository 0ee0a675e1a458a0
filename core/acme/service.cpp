#include "core/acme/service.hpp"

#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <set>

#include "core/acme/base64url.hpp"
#include "core/acme/eab.hpp"
#include "core/acme/problem.hpp"
#include "core/errors.hpp"
#include "core/pki/certs.hpp"
#include "core/pki/keys.hpp"
#include "core/pki/policy.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"
#include "core/uuid.hpp"

namespace tenantca::core::acme {
namespace {

constexpr std::size_t kMaxIdentifiers = 100;

std::string random_token() {
  const auto bytes = random_bytes(32);
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The UUID at the end of an ACME URL, or nullopt.
bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

[[noreturn]] void not_found(const std::string& what) {
  throw AcmeError("malformed", what + " does not exist", 404);
}

std::string eab_aad(const std::string& eab_id) {
  return "acme-eab:" + eab_id;
}

// PEM with 64-character lines, as every PEM reader accepts.
std::string csr_pem_of(const std::string& der) {
  const std::string b64 = pki::base64_encode(der);
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE REQUEST-----\n";
}

nlohmann::json problem_json(const std::string& type, const std::string& detail) {
  return {{"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}};
}

// A DomainError of the issuance path as the ACME problem a client expects.
[[noreturn]] void rethrow_as_acme(const DomainError& e) {
  switch (e.code()) {
    case ErrorCode::policy_violation:
      throw AcmeError("rejectedIdentifier", e.public_detail(), 400);
    case ErrorCode::invalid_csr:
    case ErrorCode::invalid_request:
      throw AcmeError("badCSR", e.public_detail(), 400);
    case ErrorCode::conflict:
      throw AcmeError("orderNotReady", e.public_detail(), 403);
    case ErrorCode::rate_limited:
      throw AcmeError("rateLimited", e.public_detail(), 429);
    case ErrorCode::not_found:
      throw AcmeError("malformed", e.public_detail(), 404);
    case ErrorCode::unavailable:
      throw AcmeError("serverInternal", e.public_detail(), 503);
    default:
      throw AcmeError("serverInternal", e.public_detail(), 500);
  }
}

}  // namespace

AcmeService::AcmeService(AcmeStore& store, pki::PkiService& pki, const Kek* kek, const Clock& clock,
                         AcmeSettings settings)
    : store_(store), pki_(pki), kek_(kek), clock_(clock), settings_(std::move(settings)) {}

std::string AcmeService::base_url(const std::string& ca_id) const {
  return settings_.public_url + "/acme/" + ca_id;
}

pki::CaRecord AcmeService::acme_ca(const std::string& ca_id) {
  if (!looks_like_uuid(ca_id)) not_found("The CA");
  pki::CaRecord ca;
  try {
    ca = pki_.public_ca(ca_id);
  } catch (const DomainError& e) {
    if (e.code() == ErrorCode::not_found) not_found("The CA");
    rethrow_as_acme(e);
  }
  if (!ca.acme.enabled) not_found("ACME for this CA");
  return ca;
}

void AcmeService::require_acme_ca(const std::string& ca_id) {
  (void)acme_ca(ca_id);
}

AcmeReply AcmeService::directory(const std::string& ca_id) {
  (void)acme_ca(ca_id);
  const std::string b = base_url(ca_id);
  nlohmann::json meta = {{"externalAccountRequired", true}};
  if (!settings_.terms_of_service_url.empty())
    meta["termsOfService"] = settings_.terms_of_service_url;
  AcmeReply r;
  r.body = {{"newNonce", b + "/new-nonce"},   {"newAccount", b + "/new-account"},
            {"newOrder", b + "/new-order"},   {"revokeCert", b + "/revoke-cert"},
            {"keyChange", b + "/key-change"}, {"meta", meta}};
  return r;
}

std::string AcmeService::new_nonce() {
  std::string nonce = random_token();
  store_.insert_nonce(nonce, clock_.now_seconds() + settings_.nonce_lifetime_s);
  return nonce;
}

AcmeService::Authenticated AcmeService::authenticate(const std::string& ca_id,
                                                     const std::string& url,
                                                     const std::string& body, KeyRule rule) {
  (void)acme_ca(ca_id);
  Authenticated a{parse_jws(body), {}, std::nullopt};
  if (a.jws.url != url)
    throw AcmeError("unauthorized", "the JWS \"url\" is not the URL the request was sent to", 401);
  if (a.jws.jwk) {
    if (rule == KeyRule::kid)
      malformed("this request must be signed with the account's key id (\"kid\")");
    a.key = parse_jwk(*a.jws.jwk);
  } else {
    if (rule == KeyRule::jwk) malformed("this request must carry the account's key (\"jwk\")");
    const std::string prefix = base_url(ca_id) + "/account/";
    const std::string& kid = *a.jws.kid;
    if (kid.rfind(prefix, 0) != 0 || !looks_like_uuid(kid.substr(prefix.size())))
      throw AcmeError("accountDoesNotExist", "no account with this key id at this CA", 400);
    a.account = store_.find_account(ca_id, kid.substr(prefix.size()));
    if (!a.account)
      throw AcmeError("accountDoesNotExist", "no account with this key id at this CA", 400);
    if (a.account->status != "valid")
      throw AcmeError("unauthorized", "the account is " + a.account->status, 401);
    a.key = parse_jwk(a.account->jwk);
  }
  verify_jws(a.jws, a.key.key.get());
  // Last, so that a refused request writes nothing.
  if (!store_.consume_nonce(a.jws.nonce, clock_.now_seconds()))
    throw AcmeError("badNonce", "the nonce is unknown, expired or already used", 400);
  return a;
}

Actor AcmeService::actor_of(const Account& account) const {
  Actor actor;
  actor.account_id = account.id;
  actor.request_id = "acme";
  return actor;
}

nlohmann::json AcmeService::account_json(const Account& a) const {
  return {{"status", a.status},
          {"contact", a.contact},
          {"orders", base_url(a.ca_id) + "/account/" + a.id + "/orders"}};
}

nlohmann::json AcmeService::order_json(const Order& o) const {
  const std::string b = base_url(o.ca_id);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& i : o.identifiers) ids.push_back({{"type", i.type}, {"value", i.value}});
  nlohmann::json authz = nlohmann::json::array();
  for (const auto& id : o.authorization_ids) {
    std::string url = b + "/authz/";
    url += id;
    authz.push_back(std::move(url));
  }
  nlohmann::json j = {{"status", o.status},
                      {"expires", format_rfc3339(o.expires_s)},
                      {"identifiers", ids},
                      {"authorizations", authz},
                      {"finalize", b + "/order/" + o.id + "/finalize"}};
  if (o.certificate_id) j["certificate"] = b + "/certificate/" + *o.certificate_id;
  if (o.error) j["error"] = *o.error;
  return j;
}

nlohmann::json AcmeService::challenge_json(const std::string& ca_id, const Challenge& c) const {
  nlohmann::json j = {{"type", c.type},
                      {"url", base_url(ca_id) + "/challenge/" + c.id},
                      {"status", c.status},
                      {"token", c.token}};
  if (c.validated_s) j["validated"] = format_rfc3339(*c.validated_s);
  if (c.error) j["error"] = *c.error;
  return j;
}

nlohmann::json AcmeService::authorization_json(const std::string& ca_id,
                                               const Authorization& a) const {
  nlohmann::json challenges = nlohmann::json::array();
  for (const auto& c : a.challenges) challenges.push_back(challenge_json(ca_id, c));
  nlohmann::json j = {{"status", a.status},
                      {"expires", format_rfc3339(a.expires_s)},
                      {"identifier", {{"type", a.identifier.type}, {"value", a.identifier.value}}},
                      {"challenges", challenges}};
  if (a.wildcard) j["wildcard"] = true;
  return j;
}

// ---- accounts -----------------------------------------------------------------

AcmeReply AcmeService::new_account(const std::string& ca_id, const std::string& url,
                                   const std::string& body) {
  const pki::CaRecord ca = acme_ca(ca_id);
  auto req = authenticate(ca_id, url, body, KeyRule::jwk);
  const auto payload = payload_object(req.jws);
  AcmeReply reply;
  if (auto existing = store_.find_account_by_thumbprint(ca_id, req.key.thumbprint)) {
    reply.status = 200;
    reply.location = base_url(ca_id) + "/account/" + existing->id;
    reply.body = account_json(*existing);
    return reply;
  }
  if (payload.value("onlyReturnExisting", false))
    throw AcmeError("accountDoesNotExist", "no account exists for this key", 400);
  if (!payload.contains("externalAccountBinding"))
    throw AcmeError("externalAccountRequired",
                    "this CA requires an external account binding (an EAB key from its owner)",
                    400);
  nlohmann::json contact = nlohmann::json::array();
  if (payload.contains("contact")) {
    if (!payload["contact"].is_array() || payload["contact"].size() > 10)
      malformed("\"contact\" must be an array of at most 10 URLs");
    for (const auto& c : payload["contact"]) {
      if (!c.is_string() || c.get<std::string>().rfind("mailto:", 0) != 0 ||
          c.get<std::string>().size() > 320)
        throw AcmeError("unsupportedContact", "only mailto: contacts are supported", 400);
      contact.push_back(c);
    }
  }
  const auto binding = parse_external_binding(payload["externalAccountBinding"], url, req.key);
  if (kek_ == nullptr) throw AcmeError("serverInternal", "no key-encryption key is loaded", 500);
  Account account;
  account.id = new_uuid();
  account.tenant_id = ca.tenant_id;
  account.ca_id = ca_id;
  account.thumbprint = req.key.thumbprint;
  account.jwk = req.key.members;
  account.contact = contact;
  store_.transact("acme.account.create", [&](AcmeTx& tx) {
    auto eab = tx.lock_eab_key(binding.kid);
    // One answer for unknown, foreign and used keys: nothing to probe.
    if (!eab || eab->tenant_id != ca.tenant_id || eab->used_us)
      throw AcmeError("unauthorized", "the external account binding key is not valid here", 401);
    std::string hmac_key;
    try {
      hmac_key = pki::open_sealed(eab->sealed_hmac_key, *kek_, eab_aad(eab->id));
    } catch (const std::exception&) {
      throw AcmeError("serverInternal", "the external account binding key cannot be read", 500);
    }
    check_binding_mac(binding, hmac_key);
    OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
    account.eab_key_id = eab->id;
    tx.insert_account(account);
    tx.mark_eab_used(eab->id, account.id);
    tx.audit(make_audit_event(actor_of(account), ca.tenant_id, "acme.account.create",
                              "acme_account", account.id,
                              nlohmann::json{{"ca_id", ca_id}, {"eab_key_id", eab->id}}.dump()));
  });
  reply.status = 201;
  reply.location = base_url(ca_id) + "/account/" + account.id;
  reply.body = account_json(account);
  return reply;
}

AcmeReply AcmeService::account(const std::string& ca_id, const std::string& account_id,
                               const std::string& url, const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  if (req.account->id != account_id)
    throw AcmeError("unauthorized", "this is not the signing account's URL", 401);
  Account account = *req.account;
  if (!req.jws.payload.empty()) {
    const auto payload = payload_object(req.jws);
    if (payload.contains("status") && payload["status"] == "deactivated") {
      store_.transact("acme.account.deactivate", [&](AcmeTx& tx) {
        auto locked = tx.lock_account(ca_id, account_id);
        if (!locked) not_found("The account");
        account = *locked;
        account.status = "deactivated";
        tx.update_account(account);
        tx.audit(make_audit_event(actor_of(account), account.tenant_id, "acme.account.deactivate",
                                  "acme_account", account.id, "{}"));
      });
    } else if (payload.contains("contact")) {
      malformed("changing contacts is not supported; create the account with them");
    }
  }
  AcmeReply reply;
  reply.location = base_url(ca_id) + "/account/" + account.id;
  reply.body = account_json(account);
  return reply;
}

AcmeReply AcmeService::account_orders(const std::string& ca_id, const std::string& account_id,
                                      const std::string& url, const std::string& body,
                                      const std::string* cursor) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  if (req.account->id != account_id)
    throw AcmeError("unauthorized", "these are not the signing account's orders", 401);
  PageRequest page;
  try {
    page = parse_page_request(nullptr, cursor);
  } catch (const DomainError&) {
    malformed("the cursor is not one this server gave");
  }
  page.limit = kOrdersPerPage;
  const auto listed = store_.live_order_ids(ca_id, account_id, clock_.now_seconds(), page);
  nlohmann::json urls = nlohmann::json::array();
  for (const auto& id : listed.items) urls.push_back(base_url(ca_id) + "/order/" + id);
  AcmeReply reply;
  reply.body = {{"orders", urls}};
  // RFC 8555 7.1.2.1: the rest of a long list through a "next" link.
  if (listed.next_cursor)
    reply.links.push_back("<" + base_url(ca_id) + "/account/" + account_id +
                          "/orders?cursor=" + *listed.next_cursor + ">;rel=\"next\"");
  return reply;
}

// ---- orders -------------------------------------------------------------------

Identifier AcmeService::checked_identifier(const pki::CaRecord& ca,
                                           const nlohmann::json& raw) const {
  if (!raw.is_object() || !raw.contains("type") || !raw.contains("value") ||
      !raw["type"].is_string() || !raw["value"].is_string())
    malformed("an identifier needs a string \"type\" and \"value\"");
  const std::string type = raw["type"], value = raw["value"];
  if (type != "dns" && type != "ip")
    throw AcmeError("unsupportedIdentifier", "identifier type " + type + " (dns or ip)", 400);
  if (value.size() > 253) throw AcmeError("rejectedIdentifier", "the identifier is too long", 400);
  const auto judged =
      pki::judge_name(ca.policy, type == "dns" ? pki::NameType::dns : pki::NameType::ip, value);
  if (judged.verdict == pki::Verdict::malformed)
    throw AcmeError("rejectedIdentifier",
                    "'" + value + "' is not a valid " + type + " identifier: " + judged.reason,
                    400);
  if (judged.verdict == pki::Verdict::refused)
    throw AcmeError("rejectedIdentifier", "'" + value + "' is not allowed: " + judged.reason, 400);
  return Identifier{type, judged.value};
}

AcmeReply AcmeService::new_order(const std::string& ca_id, const std::string& url,
                                 const std::string& body) {
  const pki::CaRecord ca = acme_ca(ca_id);
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  const auto payload = payload_object(req.jws);
  if (payload.contains("notBefore") || payload.contains("notAfter"))
    malformed("notBefore and notAfter are not supported; the CA's policy sets the validity");
  if (!payload.contains("identifiers") || !payload["identifiers"].is_array() ||
      payload["identifiers"].empty() || payload["identifiers"].size() > kMaxIdentifiers)
    malformed("\"identifiers\" must be an array of 1 to 100 identifiers");
  const int64_t now = clock_.now_seconds();
  Order order;
  order.id = new_uuid();
  order.tenant_id = ca.tenant_id;
  order.ca_id = ca_id;
  order.account_id = req.account->id;
  order.expires_s = now + settings_.order_lifetime_s;
  std::vector<Authorization> authorizations;
  const auto offers = [&](const std::string& type) {
    return std::find(ca.acme.challenges.begin(), ca.acme.challenges.end(), type) !=
           ca.acme.challenges.end();
  };
  for (const auto& raw : payload["identifiers"]) {
    Identifier id = checked_identifier(ca, raw);
    if (std::find(order.identifiers.begin(), order.identifiers.end(), id) !=
        order.identifiers.end())
      continue;
    Authorization a;
    a.id = new_uuid();
    a.order_id = order.id;
    a.account_id = order.account_id;
    a.wildcard = id.type == "dns" && id.value.rfind("*.", 0) == 0;
    a.identifier = {id.type, a.wildcard ? id.value.substr(2) : id.value};
    a.expires_s = order.expires_s;
    for (const char* type : {"http-01", "dns-01", "tls-alpn-01"}) {
      const std::string t = type;
      if (!offers(t)) continue;
      if (a.wildcard && t != "dns-01") continue;       // RFC 8555 7.1.3
      if (id.type == "ip" && t == "dns-01") continue;  // RFC 8738 7
      a.challenges.push_back(Challenge{new_uuid(), a.id, t, random_token(), "pending", {}, {}, 0});
    }
    if (a.challenges.empty())
      throw AcmeError("rejectedIdentifier",
                      "no challenge type this CA offers can validate '" + id.value + "'", 400);
    order.identifiers.push_back(id);
    order.authorization_ids.push_back(a.id);
    authorizations.push_back(std::move(a));
  }
  store_.transact("acme.order.create", [&](AcmeTx& tx) {
    tx.insert_order(order, authorizations);
    nlohmann::json names = nlohmann::json::array();
    for (const auto& i : order.identifiers) names.push_back(i.value);
    tx.audit(make_audit_event(actor_of(*req.account), ca.tenant_id, "acme.order.create",
                              "acme_order", order.id,
                              nlohmann::json{{"ca_id", ca_id}, {"identifiers", names}}.dump()));
  });
  AcmeReply reply;
  reply.status = 201;
  reply.location = base_url(ca_id) + "/order/" + order.id;
  reply.body = order_json(order);
  return reply;
}

AcmeReply AcmeService::order(const std::string& ca_id, const std::string& order_id,
                             const std::string& url, const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  auto order = looks_like_uuid(order_id) ? store_.find_order(ca_id, order_id) : std::nullopt;
  if (!order || order->account_id != req.account->id) not_found("The order");
  AcmeReply reply;
  reply.body = order_json(*order);
  if (order->status == "processing") reply.retry_after_s = settings_.retry_after_s;
  return reply;
}

AcmeReply AcmeService::authorization(const std::string& ca_id, const std::string& authz_id,
                                     const std::string& url, const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  auto authz =
      looks_like_uuid(authz_id) ? store_.find_authorization(ca_id, authz_id) : std::nullopt;
  if (!authz || authz->account_id != req.account->id) not_found("The authorization");
  if (!req.jws.payload.empty()) {
    const auto payload = payload_object(req.jws);
    if (payload.contains("status") && payload["status"] == "deactivated") {
      store_.transact("acme.authorization.deactivate", [&](AcmeTx& tx) {
        auto locked = tx.lock_authorization(ca_id, authz_id);
        if (!locked) not_found("The authorization");
        if (locked->status != "pending" && locked->status != "valid")
          malformed("only a pending or valid authorization can be deactivated");
        tx.update_authorization_status(authz_id, "deactivated");
        tx.audit(make_audit_event(actor_of(*req.account), req.account->tenant_id,
                                  "acme.authorization.deactivate", "acme_authorization", authz_id,
                                  "{}"));
      });
      authz = store_.find_authorization(ca_id, authz_id);
    }
  }
  AcmeReply reply;
  reply.body = authorization_json(ca_id, *authz);
  bool processing = false;
  for (const auto& c : authz->challenges) processing = processing || c.status == "processing";
  if (processing) reply.retry_after_s = settings_.retry_after_s;
  return reply;
}

AcmeReply AcmeService::challenge(const std::string& ca_id, const std::string& challenge_id,
                                 const std::string& url, const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  auto authz = looks_like_uuid(challenge_id)
                   ? store_.find_authorization_of_challenge(ca_id, challenge_id)
                   : std::nullopt;
  if (!authz || authz->account_id != req.account->id) not_found("The challenge");
  Challenge found;
  store_.transact("acme.challenge.respond", [&](AcmeTx& tx) {
    auto locked = tx.lock_authorization(ca_id, authz->id);
    if (!locked) not_found("The challenge");
    for (auto& c : locked->challenges) {
      if (c.id != challenge_id) continue;
      found = c;
      // POST-as-GET only reads; an object ({}) asks for validation.
      if (req.jws.payload.empty() || c.status != "pending" || locked->status != "pending") return;
      found.status = "processing";
      tx.update_challenge(found, clock_.now_seconds());
      tx.audit(make_audit_event(
          actor_of(*req.account), req.account->tenant_id, "acme.challenge.respond",
          "acme_challenge", c.id,
          nlohmann::json{{"type", c.type}, {"identifier", locked->identifier.value}}.dump()));
    }
  });
  if (found.id.empty()) not_found("The challenge");
  AcmeReply reply;
  reply.body = challenge_json(ca_id, found);
  reply.links.push_back("<" + base_url(ca_id) + "/authz/" + authz->id + ">;rel=\"up\"");
  if (found.status == "processing") reply.retry_after_s = settings_.retry_after_s;
  return reply;
}

// ---- finalize, certificates, revocation -------------------------------------------

AcmeReply AcmeService::finalize(const std::string& ca_id, const std::string& order_id,
                                const std::string& url, const std::string& body) {
  const pki::CaRecord ca = acme_ca(ca_id);
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  const auto payload = payload_object(req.jws);
  if (!payload.contains("csr") || !payload["csr"].is_string()) malformed("\"csr\" is missing");
  const auto der = base64url_decode(payload["csr"].get<std::string>());
  if (!der || der->empty() || der->size() > std::size_t{32} * 1024)
    throw AcmeError("badCSR", "the CSR is not base64url DER", 400);
  const std::string pem = csr_pem_of(*der);
  std::set<std::pair<std::string, std::string>> asked;
  try {
    const auto csr = pki::parse_csr(pem);
    for (const auto& d : csr.sans.dns)
      asked.insert({"dns", pki::judge_name(ca.policy, pki::NameType::dns, d).value});
    for (const auto& i : csr.sans.ip)
      asked.insert({"ip", pki::judge_name(ca.policy, pki::NameType::ip, i).value});
    if (const auto& cn = csr.subject_fields.common_name; !cn.empty()) {
      // The CN, when present, must be one of the identifiers too.
      const auto as_ip = pki::judge_name(ca.policy, pki::NameType::ip, cn);
      if (as_ip.verdict != pki::Verdict::malformed) {
        asked.insert({"ip", as_ip.value});
      } else {
        asked.insert({"dns", pki::judge_name(ca.policy, pki::NameType::dns, cn).value});
      }
    }
  } catch (const DomainError& e) {
    throw AcmeError("badCSR", e.public_detail(), 400);
  }
  // Lock the order: ready -> processing, so a second finalize issues nothing.
  Order order;
  store_.transact("acme.order.finalize", [&](AcmeTx& tx) {
    auto locked = looks_like_uuid(order_id) ? tx.lock_order(ca_id, order_id) : std::nullopt;
    if (!locked || locked->account_id != req.account->id) not_found("The order");
    order = *locked;
    if (order.status != "ready")
      throw AcmeError("orderNotReady", "the order is " + order.status + ", not ready", 403);
    std::set<std::pair<std::string, std::string>> ordered;
    for (const auto& i : order.identifiers) ordered.insert({i.type, i.value});
    if (asked != ordered)
      throw AcmeError("badCSR", "the CSR must name exactly the order's identifiers", 400);
    order.status = "processing";
    tx.update_order(order);
  });
  try {
    pki::IssueRequest issue;
    issue.ca_id = ca_id;
    issue.csr_pem = pem;
    issue.usages = {pki::Usage::server_auth, pki::Usage::client_auth};
    const auto issued = pki_.issue(ca.tenant_id, issue, actor_of(*req.account));
    order.status = "valid";
    order.certificate_id = issued.certificate.id;
  } catch (const DomainError& e) {
    order.status = "invalid";
    order.error =
        problem_json(e.code() == ErrorCode::policy_violation ? "rejectedIdentifier" : "badCSR",
                     e.public_detail());
  }
  store_.transact("acme.order.finalized", [&](AcmeTx& tx) {
    tx.update_order(order);
    tx.audit(make_audit_event(actor_of(*req.account), ca.tenant_id, "acme.order.finalize",
                              "acme_order", order.id,
                              nlohmann::json{{"status", order.status},
                                             {"certificate_id", order.certificate_id.value_or("")}}
                                  .dump()));
  });
  AcmeReply reply;
  reply.location = base_url(ca_id) + "/order/" + order.id;
  reply.body = order_json(order);
  return reply;
}

AcmeReply AcmeService::certificate(const std::string& ca_id, const std::string& certificate_id,
                                   const std::string& url, const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  auto order = looks_like_uuid(certificate_id)
                   ? store_.find_order_of_certificate(ca_id, certificate_id)
                   : std::nullopt;
  if (!order || order->account_id != req.account->id) not_found("The certificate");
  AcmeReply reply;
  try {
    reply.pem = pki_.chain_pem(order->tenant_id, certificate_id);
    // A leaf of a root CA: its chain is the leaf alone. Clients (certbot)
    // expect the issuer after it, so it is sent too.
    std::size_t certs = 0;
    for (std::size_t at = 0;
         (at = reply.pem.find("-----BEGIN CERTIFICATE-----", at)) != std::string::npos; ++at)
      ++certs;
    if (certs == 1) {
      if (reply.pem.back() != '\n') reply.pem += '\n';
      reply.pem += pki_.public_ca(ca_id).cert.pem;
    }
  } catch (const DomainError& e) {
    rethrow_as_acme(e);
  }
  return reply;
}

AcmeReply AcmeService::revoke_certificate(const std::string& ca_id, const std::string& url,
                                          const std::string& body) {
  const pki::CaRecord ca = acme_ca(ca_id);
  auto req = authenticate(ca_id, url, body, KeyRule::either);
  const auto payload = payload_object(req.jws);
  if (!payload.contains("certificate") || !payload["certificate"].is_string())
    malformed("\"certificate\" is missing");
  const auto der = base64url_decode(payload["certificate"].get<std::string>());
  if (!der || der->size() > std::size_t{64} * 1024)
    malformed("\"certificate\" is not base64url DER");
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  pki::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size())
    malformed("\"certificate\" is not a DER certificate");
  pki::RevocationReason reason = pki::RevocationReason::unspecified;
  if (payload.contains("reason")) {
    if (!payload["reason"].is_number_integer()) malformed("\"reason\" must be a CRL reason code");
    const int code = payload["reason"];
    if (code < 0 || code > 10 || code == 7 || code == 2 || code == 8 || code == 10 || code == 6)
      throw AcmeError("badRevocationReason", "this revocation reason is not allowed", 400);
    reason = static_cast<pki::RevocationReason>(code);
  }
  const auto info = pki::describe(cert.get());
  pki::CertificateFilter filter;
  filter.serial = info.serial_hex;
  filter.ca_id = ca_id;
  const auto page = pki_.list_certificates(ca.tenant_id, filter, PageRequest{});
  if (page.items.empty() || page.items[0].cert.fingerprint_sha256 != info.fingerprint_sha256)
    throw AcmeError("malformed", "this CA did not issue that certificate", 404);
  const auto& stored = page.items[0];
  // Who may revoke: the account that ordered it, or whoever holds its key.
  bool allowed = false;
  Actor actor;
  actor.request_id = "acme";
  if (req.account) {
    auto order = store_.find_order_of_certificate(ca_id, stored.id);
    allowed = order && order->account_id == req.account->id;
    actor = actor_of(*req.account);
  } else {
    EVP_PKEY* cert_key = X509_get0_pubkey(cert.get());
    allowed = cert_key != nullptr && EVP_PKEY_eq(cert_key, req.key.key.get()) == 1;
    if (auto order = store_.find_order_of_certificate(ca_id, stored.id)) {
      actor.account_id = order->account_id;
    }
  }
  if (!allowed || actor.account_id.empty())
    throw AcmeError("unauthorized", "this key may not revoke that certificate", 403);
  if (stored.revoked_at)
    throw AcmeError("alreadyRevoked", "the certificate is already revoked", 400);
  try {
    pki_.revoke(ca.tenant_id, stored.id, reason, actor);
  } catch (const DomainError& e) {
    rethrow_as_acme(e);
  }
  return AcmeReply{};
}

AcmeReply AcmeService::key_change(const std::string& ca_id, const std::string& url,
                                  const std::string& body) {
  auto req = authenticate(ca_id, url, body, KeyRule::kid);
  // The payload is a JWS signed by the new key, naming the account and its old key.
  const Jws inner = parse_jws(req.jws.payload, false);
  if (!inner.jwk || inner.kid || inner.alg == "HS256")
    malformed("the inner JWS must carry the new key as \"jwk\" and be signed by it");
  if (inner.url != url) malformed("the inner JWS names another URL");
  Jwk new_key = parse_jwk(*inner.jwk);
  verify_jws(inner, new_key.key.get());
  const auto payload = payload_object(inner);
  if (payload.value("account", std::string()) != *req.jws.kid)
    malformed("the inner JWS names another account");
  if (!payload.contains("oldKey") || parse_jwk(payload["oldKey"]).thumbprint != req.key.thumbprint)
    malformed("\"oldKey\" is not the account's current key");
  AcmeReply reply;
  if (auto taken = store_.find_account_by_thumbprint(ca_id, new_key.thumbprint)) {
    reply.status = 409;
    reply.location = base_url(ca_id) + "/account/" + taken->id;
    reply.body = {{"type", "urn:ietf:params:acme:error:malformed"},
                  {"detail", "another account already uses the new key"}};
    return reply;
  }
  Account account = *req.account;
  account.thumbprint = new_key.thumbprint;
  account.jwk = new_key.members;
  store_.transact("acme.account.key_change", [&](AcmeTx& tx) {
    if (!tx.update_account_key(account))
      throw AcmeError("malformed", "another account already uses the new key", 409);
    tx.audit(make_audit_event(actor_of(account), account.tenant_id, "acme.account.key_change",
                              "acme_account", account.id,
                              nlohmann::json{{"old_thumbprint", req.key.thumbprint},
                                             {"new_thumbprint", new_key.thumbprint}}
                                  .dump()));
  });
  reply.body = account_json(account);
  return reply;
}

AcmeReply AcmeService::renewal_info(const std::string& ca_id, const std::string& cert_id) {
  const pki::CaRecord ca = acme_ca(ca_id);
  const auto dot = cert_id.find('.');
  const auto aki =
      dot == std::string::npos ? std::nullopt : base64url_decode(cert_id.substr(0, dot));
  const auto serial =
      dot == std::string::npos ? std::nullopt : base64url_decode(cert_id.substr(dot + 1));
  if (!aki || !serial || serial->empty() || serial->size() > 20 || aki->empty())
    malformed("the certificate identifier is not base64url(AKI).base64url(serial)");
  // The CA's subject key identifier must be the AKI the identifier names.
  auto ca_cert = pki::read_cert_pem(ca.cert.pem);
  const ASN1_OCTET_STRING* ski = ca_cert ? X509_get0_subject_key_id(ca_cert.get()) : nullptr;
  if (ski == nullptr || std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                                    static_cast<std::size_t>(ASN1_STRING_length(ski))) != *aki)
    not_found("The certificate");
  std::string hex = to_hex(reinterpret_cast<const unsigned char*>(serial->data()), serial->size());
  hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));  // the stored canonical form
  pki::CertificateFilter filter;
  filter.serial = hex;
  filter.ca_id = ca_id;
  const auto page = pki_.list_certificates(ca.tenant_id, filter, PageRequest{});
  if (page.items.empty()) not_found("The certificate");
  const auto& c = page.items[0];
  const int64_t now = clock_.now_seconds();
  int64_t start = 0, end = 0;
  if (c.revoked_at) {
    start = now - 86400;  // renew now
    end = now;
  } else {
    // The usual practice: the last third of the lifetime, renewed early in it.
    const int64_t lifetime = c.cert.not_after - c.cert.not_before;
    start = c.cert.not_before + lifetime * 2 / 3;
    end = start + lifetime / 9;
  }
  AcmeReply reply;
  reply.body = {
      {"suggestedWindow", {{"start", format_rfc3339(start)}, {"end", format_rfc3339(end)}}}};
  reply.retry_after_s = int64_t{6} * 3600;
  return reply;
}

// ---- validation ----------------------------------------------------------------------

bool AcmeService::validate_next(ChallengeValidator& validator) {
  const int64_t now = clock_.now_seconds();
  auto job = store_.claim_validation(now, settings_.validation_lease_s, settings_.claimant);
  if (!job) return false;
  ValidationResult result;
  try {
    result = validator.validate(*job, job->challenge.token + "." + job->thumbprint);
  } catch (const std::exception& e) {
    result = ValidationResult{false, "serverInternal", "validation failed", true};
  }
  record_validation(*job, result);
  return true;
}

void AcmeService::record_validation(const ValidationJob& job, const ValidationResult& result) {
  const int64_t now = clock_.now_seconds();
  store_.transact("acme.challenge.validated", [&](AcmeTx& tx) {
    Challenge c = job.challenge;
    c.attempts += 1;
    if (result.ok) {
      c.status = "valid";
      c.validated_s = now;
      c.error.reset();
      tx.update_challenge(c, std::nullopt);
      tx.update_authorization_status(c.authorization_id, "valid");
    } else if (result.retryable && c.attempts < settings_.max_validation_attempts) {
      c.error = problem_json(result.problem_type, result.detail);
      tx.update_challenge(c, now + c.attempts);  // 1 s, then 2 s: bounded retries
      return;
    } else {
      c.status = "invalid";
      c.error = problem_json(result.problem_type, result.detail);
      tx.update_challenge(c, std::nullopt);
      tx.update_authorization_status(c.authorization_id, "invalid");
    }
    auto order = tx.lock_order_by_id(job.order_id);
    if (!order) return;
    if (!result.ok) {
      order->status = "invalid";
      order->error = problem_json(result.problem_type, job.identifier.value + ": " + result.detail);
    } else {
      bool all_valid = true;
      for (const auto& a : tx.authorizations_of_order(order->id))
        all_valid = all_valid && a.status == "valid";
      if (all_valid && order->status == "pending") order->status = "ready";
    }
    tx.update_order(*order);
    Actor actor;
    actor.account_id = job.account_id;
    actor.request_id = "acme-validation";
    tx.audit(make_audit_event(actor, job.tenant_id, "acme.challenge.validate", "acme_challenge",
                              c.id,
                              nlohmann::json{{"type", c.type},
                                             {"identifier", job.identifier.value},
                                             {"status", c.status},
                                             {"detail", result.ok ? "" : result.detail}}
                                  .dump()));
  });
}

// ---- REST ------------------------------------------------------------------------------

AcmeService::CreatedEabKey AcmeService::create_eab_key(const std::string& tenant_id,
                                                       const std::string& name,
                                                       const Actor& actor) {
  if (name.empty() || name.size() > 100) throw_invalid("Field 'name' must be 1 to 100 characters.");
  if (kek_ == nullptr)
    throw DomainError(ErrorCode::unavailable, "No key-encryption key is configured.");
  CreatedEabKey out;
  std::string raw = new_eab_hmac_key();
  out.key.id = new_uuid();
  out.key.tenant_id = tenant_id;
  out.key.name = name;
  out.key.kid = "eab_" + random_token().substr(0, 22);
  out.key.sealed_hmac_key = pki::seal_bytes(raw, *kek_, eab_aad(out.key.id));
  out.key.kek_id = kek_->id;
  out.key.created_us = clock_.now_seconds() * 1000000;
  out.hmac_key = base64url_encode(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  store_.insert_eab_key(
      out.key, make_audit_event(actor, tenant_id, "acme.eab_key.create", "acme_eab_key", out.key.id,
                                nlohmann::json{{"name", name}, {"kid", out.key.kid}}.dump()));
  return out;
}

void AcmeService::delete_eab_key(const std::string& tenant_id, const std::string& id,
                                 const Actor& actor) {
  if (!store_.delete_eab_key(
          tenant_id, id,
          make_audit_event(actor, tenant_id, "acme.eab_key.delete", "acme_eab_key", id, "{}")))
    throw_not_found("No EAB key with id " + id + ".");
}

Account AcmeService::deactivate_account(const std::string& tenant_id, const std::string& id,
                                        const Actor& actor) {
  auto account = store_.set_account_status(
      tenant_id, id, "deactivated",
      make_audit_event(actor, tenant_id, "acme.account.deactivate", "acme_account", id, "{}"));
  if (!account) throw_not_found("No ACME account with id " + id + ".");
  return *account;
}

}  // namespace tenantca::core::acme
