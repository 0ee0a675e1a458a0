#include "db/acme_store.hpp"

#include <atomic>
#include <nlohmann/json.hpp>

#include "db/statement.hpp"
#include "db/tenancy_store.hpp"

namespace tenantca::db {
namespace {

using core::acme::Account;
using core::acme::Authorization;
using core::acme::Challenge;
using core::acme::EabKey;
using core::acme::Identifier;
using core::acme::Order;
using core::acme::ValidationJob;

// ---- SQL ---------------------------------------------------------------
#define ACCOUNT_COLUMNS                                                                    \
  "id::text, tenant_id::text, ca_id::text, thumbprint, jwk::text, status, contact::text, " \
  "coalesce(eab_key_id::text, ''), (extract(epoch FROM created_at) * 1000000)::bigint"

constexpr Sql kFindAccount{
    "acme.account.get",
    "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE ca_id = $1::uuid AND id = $2::uuid", true};
constexpr Sql kLockAccount{
    "acme.account.lock", "SELECT " ACCOUNT_COLUMNS
                         " FROM acme_accounts WHERE ca_id = $1::uuid AND id = $2::uuid FOR UPDATE"};
constexpr Sql kFindAccountByThumbprint{
    "acme.account.by_thumbprint",
    "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE ca_id = $1::uuid AND thumbprint = $2",
    true};
constexpr Sql kInsertAccount{
    "acme.account.insert",
    "INSERT INTO acme_accounts (id, tenant_id, ca_id, thumbprint, jwk, status, contact, "
    "eab_key_id) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5::jsonb, $6, $7::jsonb, $8::uuid)"};
constexpr Sql kUpdateAccount{
    "acme.account.update",
    "UPDATE acme_accounts SET status = $2, contact = $3::jsonb WHERE id = $1::uuid"};
constexpr Sql kSetAccountStatus{
    "acme.account.set_status",
    "UPDATE acme_accounts SET status = $3 WHERE tenant_id = $1::uuid AND id = $2::uuid "
    "RETURNING " ACCOUNT_COLUMNS};
constexpr Sql kUpdateAccountKey{
    "acme.account.update_key",
    "UPDATE acme_accounts SET thumbprint = $2, jwk = $3::jsonb WHERE id = $1::uuid "
    "AND NOT EXISTS (SELECT 1 FROM acme_accounts o WHERE o.ca_id = $4::uuid AND o.thumbprint = $2) "
    "RETURNING id"};
constexpr Sql kListAccounts{
    "acme.account.list",
    "SELECT " ACCOUNT_COLUMNS
    " FROM acme_accounts WHERE tenant_id = $1::uuid AND (created_at, id) < (timestamptz 'epoch' "
    "+ $2::bigint * interval '1 microsecond', $3::uuid) ORDER BY created_at DESC, id DESC "
    "LIMIT $4::int"};

// Binary results (the sealed key is raw bytea): every other column as text.
#define EAB_COLUMNS                                                         \
  "id::text, tenant_id::text, name, kid, hmac_key, kek_id, "                \
  "((extract(epoch FROM created_at) * 1000000)::bigint)::text, "            \
  "coalesce(((extract(epoch FROM used_at) * 1000000)::bigint)::text, ''), " \
  "coalesce(account_id::text, '')"
constexpr Sql kLockEabKey{"acme.eab.lock",
                          "SELECT " EAB_COLUMNS
                          " FROM acme_eab_keys WHERE kid = $1 AND deleted_at IS NULL FOR UPDATE"};
constexpr Sql kMarkEabUsed{
    "acme.eab.mark_used",
    "UPDATE acme_eab_keys SET used_at = now(), account_id = $2::uuid WHERE id = $1::uuid"};
constexpr Sql kInsertEabKey{
    "acme.eab.insert",
    "INSERT INTO acme_eab_keys (id, tenant_id, name, kid, hmac_key, kek_id) "
    "VALUES ($1::uuid, $2::uuid, $3, $4, $5::bytea, $6)"};
constexpr Sql kListEabKeys{
    "acme.eab.list",
    "SELECT " EAB_COLUMNS
    " FROM acme_eab_keys WHERE tenant_id = $1::uuid AND deleted_at IS NULL AND (created_at, id) "
    "< (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid) "
    "ORDER BY created_at DESC, id DESC LIMIT $4::int"};
constexpr Sql kDeleteEabKey{
    "acme.eab.delete",
    "UPDATE acme_eab_keys SET deleted_at = now() WHERE tenant_id = $1::uuid AND id = $2::uuid "
    "AND deleted_at IS NULL RETURNING id"};

constexpr Sql kInsertNonce{
    "acme.nonce.insert",
    "INSERT INTO acme_nonces (nonce, expires_at) VALUES ($1, to_timestamp($2::bigint))", true};
constexpr Sql kConsumeNonce{
    "acme.nonce.consume",
    "DELETE FROM acme_nonces WHERE nonce = $1 AND expires_at > to_timestamp($2::bigint) "
    "RETURNING 1",
    true};
constexpr Sql kExpireNonces{"acme.nonce.expire",
                            "DELETE FROM acme_nonces WHERE expires_at < now()"};

#define ORDER_COLUMNS                                                                    \
  "o.id::text, o.tenant_id::text, o.ca_id::text, o.account_id::text, o.status, "         \
  "floor(extract(epoch FROM o.expires_at))::bigint, o.identifiers::text, "               \
  "coalesce(o.error::text, ''), coalesce(o.certificate_id::text, ''), "                  \
  "(SELECT coalesce(string_agg(a.id::text, ',' ORDER BY a.identifier_value, a.id), '') " \
  "FROM acme_authorizations a WHERE a.order_id = o.id)"
constexpr Sql kFindOrder{"acme.order.get",
                         "SELECT " ORDER_COLUMNS
                         " FROM acme_orders o WHERE o.ca_id = $1::uuid AND o.id = $2::uuid"};
constexpr Sql kLockOrder{"acme.order.lock",
                         "SELECT " ORDER_COLUMNS
                         " FROM acme_orders o WHERE o.ca_id = $1::uuid AND o.id = $2::uuid "
                         "FOR UPDATE OF o"};
constexpr Sql kLockOrderById{"acme.order.lock_by_id",
                             "SELECT " ORDER_COLUMNS
                             " FROM acme_orders o WHERE o.id = $1::uuid FOR UPDATE OF o"};
constexpr Sql kLiveOrderIds{
    "acme.order.live_ids",
    "SELECT id::text, ((extract(epoch FROM created_at) * 1000000)::bigint)::text "
    "FROM acme_orders WHERE ca_id = $1::uuid AND account_id = $2::uuid "
    "AND status <> 'invalid' AND expires_at > to_timestamp($3::bigint) "
    "AND (created_at, id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', "
    "$5::uuid) ORDER BY created_at DESC, id DESC LIMIT $6::int"};
constexpr Sql kFindOrderOfCertificate{"acme.order.of_certificate",
                                      "SELECT " ORDER_COLUMNS
                                      " FROM acme_orders o WHERE o.ca_id = $1::uuid "
                                      "AND o.certificate_id = $2::uuid"};
constexpr Sql kInsertOrder{
    "acme.order.insert",
    "INSERT INTO acme_orders (id, tenant_id, ca_id, account_id, status, expires_at, "
    "identifiers) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5, to_timestamp($6::bigint), "
    "$7::jsonb)"};
constexpr Sql kUpdateOrder{
    "acme.order.update",
    "UPDATE acme_orders SET status = $2, error = $3::jsonb, certificate_id = $4::uuid "
    "WHERE id = $1::uuid"};

#define AUTHZ_COLUMNS                                                                          \
  "a.id::text, a.order_id::text, a.account_id::text, a.identifier_type, a.identifier_value, "  \
  "a.wildcard, a.status, floor(extract(epoch FROM a.expires_at))::bigint, "                    \
  "(SELECT coalesce(json_agg(json_build_object('id', c.id, 'type', c.type, 'token', c.token, " \
  "'status', c.status, 'validated', floor(extract(epoch FROM c.validated_at))::bigint, "       \
  "'error', c.error, 'attempts', c.attempts) ORDER BY c.type), '[]') "                         \
  "FROM acme_challenges c WHERE c.authorization_id = a.id)::text"
constexpr Sql kFindAuthorization{
    "acme.authz.get", "SELECT " AUTHZ_COLUMNS
                      " FROM acme_authorizations a JOIN acme_orders o ON o.id = a.order_id "
                      "WHERE o.ca_id = $1::uuid AND a.id = $2::uuid"};
constexpr Sql kLockAuthorization{
    "acme.authz.lock", "SELECT " AUTHZ_COLUMNS
                       " FROM acme_authorizations a JOIN acme_orders o ON o.id = a.order_id "
                       "WHERE o.ca_id = $1::uuid AND a.id = $2::uuid FOR UPDATE OF a"};
constexpr Sql kFindAuthorizationOfChallenge{
    "acme.authz.of_challenge",
    "SELECT " AUTHZ_COLUMNS
    " FROM acme_authorizations a JOIN acme_orders o ON o.id = a.order_id "
    "WHERE o.ca_id = $1::uuid AND a.id = (SELECT authorization_id FROM acme_challenges "
    "WHERE id = $2::uuid)"};
constexpr Sql kAuthorizationsOfOrder{"acme.authz.of_order",
                                     "SELECT " AUTHZ_COLUMNS
                                     " FROM acme_authorizations a WHERE a.order_id = $1::uuid"};
constexpr Sql kInsertAuthorization{
    "acme.authz.insert",
    "INSERT INTO acme_authorizations (id, order_id, account_id, identifier_type, "
    "identifier_value, wildcard, status, expires_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, "
    "$5, $6::boolean, $7, to_timestamp($8::bigint))"};
constexpr Sql kUpdateAuthorizationStatus{
    "acme.authz.status", "UPDATE acme_authorizations SET status = $2 WHERE id = $1::uuid"};
constexpr Sql kInsertChallenge{
    "acme.challenge.insert",
    "INSERT INTO acme_challenges (id, authorization_id, type, token, status) "
    "VALUES ($1::uuid, $2::uuid, $3, $4, $5)"};
constexpr Sql kUpdateChallenge{
    "acme.challenge.update",
    "UPDATE acme_challenges SET status = $2, error = $3::jsonb, "
    "validated_at = to_timestamp($4::bigint), attempts = $5::int, "
    "next_attempt_at = to_timestamp($6::bigint), claimed_until = NULL WHERE id = $1::uuid"};
// One due job for this caller: due, not claimed by a live worker; the claim
// is a lease (claimed_until), so a job survives the loss of its worker.
constexpr Sql kClaimValidation{
    "acme.challenge.claim",
    "WITH job AS (SELECT c.id FROM acme_challenges c WHERE c.status = 'processing' "
    "AND c.next_attempt_at <= to_timestamp($1::bigint) "
    "AND (c.claimed_until IS NULL OR c.claimed_until < to_timestamp($1::bigint)) "
    "ORDER BY c.next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "UPDATE acme_challenges c SET claimed_until = to_timestamp($1::bigint + $2::bigint), "
    "claimed_by = $3 "
    "FROM job, acme_authorizations a, acme_accounts acc "
    "WHERE c.id = job.id AND a.id = c.authorization_id AND acc.id = a.account_id "
    "RETURNING c.id::text, c.authorization_id::text, c.type, c.token, c.attempts, "
    "a.identifier_type, a.identifier_value, acc.thumbprint, a.order_id::text, "
    "a.account_id::text, acc.tenant_id::text",
    true};

// ---- mapping ---------------------------------------------------------------
Account account_from(const Row& r) {
  Account a;
  a.id = r.text(0);
  a.tenant_id = r.text(1);
  a.ca_id = r.text(2);
  a.thumbprint = r.text(3);
  a.jwk = nlohmann::json::parse(r.text(4));
  a.status = r.text(5);
  a.contact = nlohmann::json::parse(r.text(6));
  a.eab_key_id = r.text(7);
  a.created_us = r.int64(8);
  return a;
}

// From a binary result (EAB_COLUMNS).
EabKey eab_from(const Row& r) {
  EabKey k;
  k.id = r.text(0);
  k.tenant_id = r.text(1);
  k.name = r.text(2);
  k.kid = r.text(3);
  k.sealed_hmac_key = r.text(4);
  k.kek_id = r.text(5);
  k.created_us = std::stoll(r.text(6));
  if (auto used = r.text(7); !used.empty()) k.used_us = std::stoll(used);
  if (auto account = r.text(8); !account.empty()) k.account_id = account;
  return k;
}

Order order_from(const Row& r) {
  Order o;
  o.id = r.text(0);
  o.tenant_id = r.text(1);
  o.ca_id = r.text(2);
  o.account_id = r.text(3);
  o.status = r.text(4);
  o.expires_s = r.int64(5);
  for (const auto& i : nlohmann::json::parse(r.text(6))) {
    o.identifiers.push_back(Identifier{i.at("type"), i.at("value")});
  }
  if (auto e = r.text(7); !e.empty()) o.error = nlohmann::json::parse(e);
  if (auto c = r.text(8); !c.empty()) o.certificate_id = c;
  const std::string ids = r.text(9);
  for (std::size_t pos = 0; pos < ids.size();) {
    const std::size_t end = std::min(ids.find(',', pos), ids.size());
    o.authorization_ids.push_back(ids.substr(pos, end - pos));
    pos = end + 1;
  }
  return o;
}

Authorization authorization_from(const Row& r) {
  Authorization a;
  a.id = r.text(0);
  a.order_id = r.text(1);
  a.account_id = r.text(2);
  a.identifier = {r.text(3), r.text(4)};
  a.wildcard = r.flag(5);
  a.status = r.text(6);
  a.expires_s = r.int64(7);
  for (const auto& c : nlohmann::json::parse(r.text(8))) {
    Challenge ch;
    ch.id = c.at("id");
    ch.authorization_id = a.id;
    ch.type = c.at("type");
    ch.token = c.at("token");
    ch.status = c.at("status");
    if (c.contains("validated") && c["validated"].is_number()) ch.validated_s = c["validated"];
    if (c.contains("error") && c["error"].is_object()) ch.error = c["error"];
    ch.attempts = c.value("attempts", 0);
    a.challenges.push_back(std::move(ch));
  }
  return a;
}

std::optional<std::string> optional_json(const std::optional<nlohmann::json>& j) {
  if (!j) return std::nullopt;
  return j->dump();
}

class SqlAcmeTx final : public core::acme::AcmeTx {
 public:
  explicit SqlAcmeTx(soci::session& s) : s_(s) {}
  std::optional<EabKey> lock_eab_key(const std::string& kid) override {
    return run(s_, kLockEabKey, {kid}, ResultFormat::binary).map_first(eab_from);
  }
  void mark_eab_used(const std::string& eab_key_id, const std::string& account_id) override {
    run(s_, kMarkEabUsed, {eab_key_id, account_id});
  }
  void insert_account(const Account& a) override {
    run(s_, kInsertAccount,
        {a.id, a.tenant_id, a.ca_id, a.thumbprint, a.jwk.dump(), a.status, a.contact.dump(),
         a.eab_key_id});
  }
  std::optional<Account> lock_account(const std::string& ca_id, const std::string& id) override {
    return run(s_, kLockAccount, {ca_id, id}).map_first(account_from);
  }
  void update_account(const Account& a) override {
    run(s_, kUpdateAccount, {a.id, a.status, a.contact.dump()});
  }
  bool update_account_key(const Account& a) override {
    return !run(s_, kUpdateAccountKey, {a.id, a.thumbprint, a.jwk.dump(), a.ca_id}).empty();
  }
  void insert_order(const Order& o, const std::vector<Authorization>& authorizations) override {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& i : o.identifiers) ids.push_back({{"type", i.type}, {"value", i.value}});
    run(s_, kInsertOrder,
        {o.id, o.tenant_id, o.ca_id, o.account_id, o.status, o.expires_s, ids.dump()});
    for (const auto& a : authorizations) {
      run(s_, kInsertAuthorization,
          {a.id, a.order_id, a.account_id, a.identifier.type, a.identifier.value, a.wildcard,
           a.status, a.expires_s});
      for (const auto& c : a.challenges) {
        run(s_, kInsertChallenge, {c.id, c.authorization_id, c.type, c.token, c.status});
      }
    }
  }
  std::optional<Order> lock_order(const std::string& ca_id, const std::string& id) override {
    return run(s_, kLockOrder, {ca_id, id}).map_first(order_from);
  }
  std::optional<Order> lock_order_by_id(const std::string& id) override {
    return run(s_, kLockOrderById, {id}).map_first(order_from);
  }
  void update_order(const Order& o) override {
    run(s_, kUpdateOrder, {o.id, o.status, optional_json(o.error), o.certificate_id});
  }
  std::optional<Authorization> lock_authorization(const std::string& ca_id,
                                                  const std::string& id) override {
    return run(s_, kLockAuthorization, {ca_id, id}).map_first(authorization_from);
  }
  std::vector<Authorization> authorizations_of_order(const std::string& order_id) override {
    return run(s_, kAuthorizationsOfOrder, {order_id}).map_rows(authorization_from);
  }
  void update_authorization_status(const std::string& id, const std::string& status) override {
    run(s_, kUpdateAuthorizationStatus, {id, status});
  }
  void update_challenge(const Challenge& c, std::optional<int64_t> next_attempt_s) override {
    std::optional<std::string> validated, next;
    if (c.validated_s) validated = std::to_string(*c.validated_s);
    if (next_attempt_s) next = std::to_string(*next_attempt_s);
    run(s_, kUpdateChallenge,
        {c.id, c.status, optional_json(c.error), validated, c.attempts, next});
  }
  void audit(const core::AuditEvent& event) override { insert_audit(s_, event); }

 private:
  soci::session& s_;
};

}  // namespace

void SqlAcmeStore::transact(const char* what,
                            const std::function<void(core::acme::AcmeTx&)>& work) {
  db_.in_transaction(what, [&](soci::session& s) {
    SqlAcmeTx tx(s);
    work(tx);
  });
}

void SqlAcmeStore::insert_nonce(const std::string& nonce, int64_t expires_s) {
  // Now and then, drop the expired ones (every worker shares the table).
  static std::atomic<uint64_t> issued{0};
  const bool sweep = (++issued % 1000) == 0;
  db_.with_session("acme.nonce.insert", [&](soci::session& s) {
    run(s, kInsertNonce, {nonce, expires_s});
    if (sweep) run(s, kExpireNonces);
  });
}

bool SqlAcmeStore::consume_nonce(const std::string& nonce, int64_t now_s) {
  if (nonce.empty() || nonce.size() > 100) return false;
  bool consumed = false;
  db_.with_session("acme.nonce.consume", [&](soci::session& s) {
    consumed = !run(s, kConsumeNonce, {nonce, now_s}).empty();
  });
  return consumed;
}

std::optional<Account> SqlAcmeStore::find_account(const std::string& ca_id, const std::string& id) {
  std::optional<Account> out;
  db_.with_session("acme.account.get", [&](soci::session& s) {
    out = run(s, kFindAccount, {ca_id, id}).map_first(account_from);
  });
  return out;
}

std::optional<Account> SqlAcmeStore::find_account_by_thumbprint(const std::string& ca_id,
                                                                const std::string& thumbprint) {
  std::optional<Account> out;
  db_.with_session("acme.account.by_thumbprint", [&](soci::session& s) {
    out = run(s, kFindAccountByThumbprint, {ca_id, thumbprint}).map_first(account_from);
  });
  return out;
}

std::optional<Order> SqlAcmeStore::find_order(const std::string& ca_id, const std::string& id) {
  std::optional<Order> out;
  db_.with_session("acme.order.get", [&](soci::session& s) {
    out = run(s, kFindOrder, {ca_id, id}).map_first(order_from);
  });
  return out;
}

std::optional<Authorization> SqlAcmeStore::find_authorization(const std::string& ca_id,
                                                              const std::string& id) {
  std::optional<Authorization> out;
  db_.with_session("acme.authz.get", [&](soci::session& s) {
    out = run(s, kFindAuthorization, {ca_id, id}).map_first(authorization_from);
  });
  return out;
}

std::optional<Authorization> SqlAcmeStore::find_authorization_of_challenge(
    const std::string& ca_id, const std::string& challenge_id) {
  std::optional<Authorization> out;
  db_.with_session("acme.authz.of_challenge", [&](soci::session& s) {
    out =
        run(s, kFindAuthorizationOfChallenge, {ca_id, challenge_id}).map_first(authorization_from);
  });
  return out;
}

core::Page<std::string> SqlAcmeStore::live_order_ids(const std::string& ca_id,
                                                     const std::string& account_id, int64_t now_s,
                                                     const core::PageRequest& page) {
  std::vector<std::pair<std::string, int64_t>> rows;
  db_.with_session("acme.order.live_ids", [&](soci::session& s) {
    rows = run(s, kLiveOrderIds, page_params({ca_id, account_id, now_s}, page))
               .map_rows([](const Row& r) { return std::make_pair(r.text(0), r.int64(1)); });
  });
  auto listed = core::make_page(std::move(rows), page.limit, [](const auto& row) {
    return std::pair<int64_t, std::string>(row.second, row.first);
  });
  core::Page<std::string> out;
  out.next_cursor = std::move(listed.next_cursor);
  for (auto& row : listed.items) out.items.push_back(std::move(row.first));
  return out;
}

std::optional<Order> SqlAcmeStore::find_order_of_certificate(const std::string& ca_id,
                                                             const std::string& certificate_id) {
  std::optional<Order> out;
  db_.with_session("acme.order.of_certificate", [&](soci::session& s) {
    out = run(s, kFindOrderOfCertificate, {ca_id, certificate_id}).map_first(order_from);
  });
  return out;
}

std::optional<ValidationJob> SqlAcmeStore::claim_validation(int64_t now_s, int64_t lease_s,
                                                            const std::string& claimant) {
  std::optional<ValidationJob> out;
  db_.with_session("acme.challenge.claim", [&](soci::session& s) {
    out = run(s, kClaimValidation, {now_s, lease_s, claimant}).map_first([](const Row& r) {
      ValidationJob j;
      j.challenge.id = r.text(0);
      j.challenge.authorization_id = r.text(1);
      j.challenge.type = r.text(2);
      j.challenge.token = r.text(3);
      j.challenge.status = "processing";
      j.challenge.attempts = r.int32(4);
      j.identifier = {r.text(5), r.text(6)};
      j.thumbprint = r.text(7);
      j.order_id = r.text(8);
      j.account_id = r.text(9);
      j.tenant_id = r.text(10);
      return j;
    });
  });
  return out;
}

void SqlAcmeStore::insert_eab_key(const EabKey& key, const core::AuditEvent& event) {
  db_.in_transaction("acme.eab.insert", [&](soci::session& s) {
    run(s, kInsertEabKey,
        {key.id, key.tenant_id, key.name, key.kid, Param::bytes(key.sealed_hmac_key), key.kek_id});
    insert_audit(s, event);
  });
}

core::Page<EabKey> SqlAcmeStore::list_eab_keys(const std::string& tenant_id,
                                               const core::PageRequest& page) {
  std::vector<EabKey> rows;
  db_.with_session("acme.eab.list", [&](soci::session& s) {
    rows = run(s, kListEabKeys, page_params({tenant_id}, page), ResultFormat::binary)
               .map_rows(eab_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const EabKey& k) {
    return std::pair<int64_t, std::string>(k.created_us, k.id);
  });
}

bool SqlAcmeStore::delete_eab_key(const std::string& tenant_id, const std::string& id,
                                  const core::AuditEvent& event) {
  bool deleted = false;
  db_.in_transaction("acme.eab.delete", [&](soci::session& s) {
    deleted = !run(s, kDeleteEabKey, {tenant_id, id}).empty();
    if (deleted) insert_audit(s, event);
  });
  return deleted;
}

core::Page<Account> SqlAcmeStore::list_accounts(const std::string& tenant_id,
                                                const core::PageRequest& page) {
  std::vector<Account> rows;
  db_.with_session("acme.account.list", [&](soci::session& s) {
    rows = run(s, kListAccounts, page_params({tenant_id}, page)).map_rows(account_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const Account& a) {
    return std::pair<int64_t, std::string>(a.created_us, a.id);
  });
}

std::optional<Account> SqlAcmeStore::set_account_status(const std::string& tenant_id,
                                                        const std::string& id,
                                                        const std::string& status,
                                                        const core::AuditEvent& event) {
  std::optional<Account> out;
  db_.in_transaction("acme.account.set_status", [&](soci::session& s) {
    out = run(s, kSetAccountStatus, {tenant_id, id, status}).map_first(account_from);
    if (out) insert_audit(s, event);
  });
  return out;
}

}  // namespace tenantca::db
