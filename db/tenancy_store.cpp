#include "db/tenancy_store.hpp"

#include "core/random.hpp"
#include "core/uuid.hpp"
#include "db/prepared.hpp"

namespace tenantca::db {
namespace {

// ---- SQL ---------------------------------------------------------------
constexpr const char* kInsertTenant =
    "INSERT INTO tenants (id, name, rate_rps, rate_burst) VALUES (CAST(:id AS uuid), :name, :rps, "
    ":burst) "
    "RETURNING id::text, name, rate_rps, rate_burst, disabled::int, (extract(epoch FROM "
    "created_at) * 1000000)::bigint";
// The same lookup as a server-side prepared statement (the hot read path).
constexpr const char* kSelectTenantPrepared =
    "SELECT id::text, name, rate_rps, rate_burst, disabled::int, (extract(epoch FROM created_at) * "
    "1000000)::bigint "
    "FROM tenants WHERE id = $1::uuid";
constexpr const char* kSelectTenantForUpdate =
    "SELECT id::text, name, rate_rps, rate_burst, disabled::int, (extract(epoch FROM created_at) * "
    "1000000)::bigint "
    "FROM tenants WHERE id = CAST(:id AS uuid) FOR UPDATE";
// Lists and the key lookup go through libpq (one round trip; the lookup
// prepared once per connection), like the PKI reads.
constexpr const char* kListTenants =
    "SELECT id::text, name, rate_rps, rate_burst, disabled::int, (extract(epoch FROM created_at) * "
    "1000000)::bigint "
    "FROM tenants WHERE (created_at, id) < (timestamptz 'epoch' + $1::bigint * interval '1 "
    "microsecond', $2::uuid) "
    "ORDER BY created_at DESC, id DESC LIMIT $3::int";
constexpr const char* kUpdateTenant =
    "UPDATE tenants SET name = :name, rate_rps = :rps, rate_burst = :burst, disabled = (:disabled "
    "= 1) "
    "WHERE id = CAST(:id AS uuid)";

constexpr const char* kInsertApiKey =
    "INSERT INTO api_keys (id, tenant_id, name, role, secret_hash) "
    "VALUES (CAST(:id AS uuid), CAST(:tid AS uuid), :name, :role, decode(:hash, 'hex')) "
    "RETURNING (extract(epoch FROM created_at) * 1000000)::bigint";
constexpr const char* kListApiKeys =
    "SELECT id::text, tenant_id::text, name, role, (extract(epoch FROM created_at) * "
    "1000000)::bigint "
    "FROM api_keys WHERE tenant_id = $1::uuid AND deleted_at IS NULL "
    "AND (created_at, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', "
    "$3::uuid) "
    "ORDER BY created_at DESC, id DESC LIMIT $4::int";
constexpr const char* kDeleteApiKey =
    "UPDATE api_keys SET deleted_at = clock_timestamp() "
    "WHERE id = CAST(:id AS uuid) AND tenant_id = CAST(:tid AS uuid) AND deleted_at IS NULL "
    "RETURNING name, role";
constexpr const char* kListOperatorKeys =
    "SELECT id::text, name, (extract(epoch FROM created_at) * 1000000)::bigint FROM api_keys "
    "WHERE tenant_id IS NULL AND role = 'operator' AND deleted_at IS NULL ORDER BY created_at, id";
constexpr const char* kRevokeOperatorKey =
    "UPDATE api_keys SET deleted_at = clock_timestamp() "
    "WHERE id = CAST(:id AS uuid) AND tenant_id IS NULL AND role = 'operator' AND deleted_at IS "
    "NULL RETURNING name";
constexpr const char* kCommandLineKeyId = "00000000-0000-4000-8000-00000000c11a";
constexpr const char* kEnsureCommandLineKey =
    "INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, deleted_at) "
    "VALUES (CAST(:id AS uuid), NULL, 'command line (audit actor only)', 'operator', "
    "decode(repeat('00', 32), 'hex'), now()) ON CONFLICT (id) DO NOTHING";
constexpr const char* kSelectKeyRecord =
    "SELECT k.id::text, k.tenant_id::text, k.role, encode(k.secret_hash, 'hex'), "
    "coalesce(t.disabled, false)::int, "
    "coalesce(t.rate_rps, 0), coalesce(t.rate_burst, 0) "
    "FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id "
    "WHERE k.id = $1::uuid AND k.deleted_at IS NULL";

// Prepared once per connection (libpq): every mutation runs it.
constexpr const char* kInsertAudit =
    "INSERT INTO audit_events (id, tenant_id, actor_key_id, action, target_type, target_id, "
    "request_id, detail) "
    "VALUES ($1::uuid, NULLIF($2, '')::uuid, $3::uuid, $4, $5, $6, $7, $8::jsonb)";
constexpr const char* kListAudit =
    "SELECT id::text, tenant_id::text, (extract(epoch FROM time) * 1000000)::bigint, "
    "actor_key_id::text, action, "
    "target_type, coalesce(target_id, ''), request_id, detail::text "
    "FROM audit_events WHERE tenant_id = $1::uuid "
    "AND (time, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid) "
    "ORDER BY time DESC, id DESC LIMIT $4::int";

// ---- row mapping -----------------------------------------------------------
// From a soci::row (writes with RETURNING) or a PgRow (reads).
template <typename Row>
core::Tenant tenant_from(const Row& r) {
  core::Tenant t;
  t.id = r.template get<std::string>(0);
  t.name = r.template get<std::string>(1);
  t.rate_limit.requests_per_second = r.template get<int>(2);
  t.rate_limit.burst = r.template get<int>(3);
  t.disabled = r.template get<int>(4) != 0;
  t.created_us = r.template get<long long>(5);
  return t;
}

std::optional<std::string> opt_string(const PgRow& r, int i) {
  if (r.is_null(i)) return std::nullopt;
  return r.get<std::string>(i);
}

// SOCI binds an empty optional as NULL through an indicator.
struct NullableText {
  std::string value;
  soci::indicator ind;
  explicit NullableText(const std::optional<std::string>& v)
      : value(v.value_or("")), ind(v ? soci::i_ok : soci::i_null) {}
};

}  // namespace

void insert_audit(soci::session& s, const core::AuditEvent& e) {
  exec_prepared(s, "tca_audit_insert", kInsertAudit,
                {e.id, e.tenant_id.value_or(""), e.actor_key_id, e.action, e.target_type,
                 e.target_id, e.request_id, e.detail_json});
}

// ---- the transaction ---------------------------------------------------------
namespace {
class SqlTenancyTx final : public core::TenancyTx {
 public:
  explicit SqlTenancyTx(soci::session& s) : s_(s) {}
  std::optional<core::Tenant> lock_tenant(const std::string& id) override {
    soci::row r;
    s_ << kSelectTenantForUpdate, soci::use(id), soci::into(r);
    if (!s_.got_data()) return std::nullopt;
    return tenant_from(r);
  }
  core::Tenant insert_tenant(const std::string& id, const std::string& name,
                             core::RateLimitSpec rate) override {
    try {
      soci::row r;
      s_ << kInsertTenant, soci::use(id), soci::use(name), soci::use(rate.requests_per_second),
          soci::use(rate.burst), soci::into(r);
      return tenant_from(r);
    } catch (const soci::soci_error& e) {
      if (is_unique_violation(e))
        core::throw_conflict("A tenant named '" + name + "' already exists.");
      throw;
    }
  }
  void update_tenant(const core::Tenant& t) override {
    try {
      const int disabled = t.disabled ? 1 : 0;
      s_ << kUpdateTenant, soci::use(t.name), soci::use(t.rate_limit.requests_per_second),
          soci::use(t.rate_limit.burst), soci::use(disabled), soci::use(t.id);
    } catch (const soci::soci_error& e) {
      if (is_unique_violation(e)) core::throw_conflict("A tenant with that name already exists.");
      throw;
    }
  }
  int64_t insert_api_key(const core::ApiKeyInfo& key, const core::SecretHash& hash) override {
    const std::string hash_hex = core::to_hex(hash.data(), hash.size());
    const std::string role_text = core::role_name(key.role);
    NullableText tid(key.tenant_id);
    long long created = 0;
    try {
      s_ << kInsertApiKey, soci::use(key.id), soci::use(tid.value, tid.ind), soci::use(key.name),
          soci::use(role_text), soci::use(hash_hex), soci::into(created);
    } catch (const soci::soci_error& e) {
      if (is_foreign_key_violation(e)) {
        core::throw_not_found("No tenant with id " + key.tenant_id.value_or("") + ".");
      }
      throw;
    }
    return created;
  }
  std::optional<core::ApiKeyInfo> delete_api_key(const std::string& tenant_id,
                                                 const std::string& key_id) override {
    soci::row r;
    s_ << kDeleteApiKey, soci::use(key_id), soci::use(tenant_id), soci::into(r);
    if (!s_.got_data()) return std::nullopt;
    core::ApiKeyInfo k;
    k.id = key_id;
    k.tenant_id = tenant_id;
    k.name = r.get<std::string>(0);
    k.role = core::parse_stored_role(r.get<std::string>(1));
    return k;
  }
  std::optional<core::ApiKeyInfo> revoke_operator_key(const std::string& key_id) override {
    soci::row r;
    s_ << kRevokeOperatorKey, soci::use(key_id), soci::into(r);
    if (!s_.got_data()) return std::nullopt;
    core::ApiKeyInfo k;
    k.id = key_id;
    k.name = r.get<std::string>(0);
    k.role = core::Role::operator_;
    return k;
  }
  void audit(const core::AuditEvent& event) override { insert_audit(s_, event); }

 private:
  soci::session& s_;
};
}  // namespace

void SqlTenancyStore::transact(const char* what,
                               const std::function<void(core::TenancyTx&)>& work) {
  db_.in_transaction(what, [&](soci::session& s) {
    SqlTenancyTx tx(s);
    work(tx);
  });
}

std::optional<core::Tenant> SqlTenancyStore::find_tenant(const std::string& id) {
  std::optional<core::Tenant> out;
  db_.read(
      "tenants.get",
      [&](soci::session& s) {
        out.reset();
        auto r = exec_prepared(s, "tca_tenant_get", kSelectTenantPrepared, {id});
        if (PQntuples(r.get()) == 1) out = tenant_from(PgRow(r.get(), 0));
      },
      [&] { return out.has_value(); });
  return out;
}

core::Page<core::Tenant> SqlTenancyStore::list_tenants(const core::PageRequest& page) {
  std::vector<core::Tenant> rows;
  db_.read("tenants.list", [&](soci::session& s) {
    rows.clear();
    const long long micros = core::bound_micros(page);
    const std::string aid = core::bound_id(page);
    const int lim = page.limit + 1;
    auto r = exec_params(s, kListTenants, {{std::to_string(micros)}, {aid}, {std::to_string(lim)}},
                         false);
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.push_back(tenant_from(PgRow(r.get(), i)));
  });
  return core::make_page(std::move(rows), page.limit, [](const core::Tenant& t) {
    return std::pair<int64_t, std::string>(t.created_us, t.id);
  });
}

core::Page<core::ApiKeyInfo> SqlTenancyStore::list_api_keys(const std::string& tenant_id,
                                                            const core::PageRequest& page) {
  std::vector<core::ApiKeyInfo> rows;
  db_.read("api_keys.list", [&](soci::session& s) {
    rows.clear();
    const long long micros = core::bound_micros(page);
    const std::string aid = core::bound_id(page);
    const int lim = page.limit + 1;
    auto res =
        exec_params(s, kListApiKeys,
                    {{tenant_id}, {std::to_string(micros)}, {aid}, {std::to_string(lim)}}, false);
    for (int i = 0; i < PQntuples(res.get()); ++i) {
      const PgRow r(res.get(), i);
      core::ApiKeyInfo k;
      k.id = r.get<std::string>(0);
      k.tenant_id = opt_string(r, 1);
      k.name = r.get<std::string>(2);
      k.role = core::parse_stored_role(r.get<std::string>(3));
      k.created_us = r.get<long long>(4);
      rows.push_back(std::move(k));
    }
  });
  return core::make_page(std::move(rows), page.limit, [](const core::ApiKeyInfo& k) {
    return std::pair<int64_t, std::string>(k.created_us, k.id);
  });
}

std::vector<core::ApiKeyInfo> SqlTenancyStore::list_operator_keys() {
  std::vector<core::ApiKeyInfo> out;
  db_.read("operator_keys.list", [&](soci::session& s) {
    out.clear();
    auto res = exec_params(s, kListOperatorKeys, {}, false);
    for (int i = 0; i < PQntuples(res.get()); ++i) {
      const PgRow r(res.get(), i);
      core::ApiKeyInfo k;
      k.id = r.get<std::string>(0);
      k.name = r.get<std::string>(1);
      k.role = core::Role::operator_;
      k.created_us = r.get<long long>(2);
      out.push_back(std::move(k));
    }
  });
  return out;
}

std::optional<core::KeyRecord> find_key_record(Database& db, const std::string& key_id) {
  std::optional<core::KeyRecord> out;
  db.with_session("api_keys.auth", [&](soci::session& s) {
    out.reset();
    auto res = exec_prepared(s, "tca_key_record", kSelectKeyRecord, {key_id});
    if (PQntuples(res.get()) != 1) return;
    const PgRow r(res.get(), 0);
    core::KeyRecord k;
    k.id = r.get<std::string>(0);
    k.tenant_id = opt_string(r, 1);
    k.role = core::parse_stored_role(r.get<std::string>(2));
    const std::string hex = r.get<std::string>(3);
    for (std::size_t i = 0; i < k.secret_hash.size() && 2 * i + 1 < hex.size(); ++i) {
      k.secret_hash[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    k.tenant_disabled = r.get<int>(4) != 0;
    k.tenant_rate_limit = {r.get<int>(5), r.get<int>(6)};
    out = k;
  });
  return out;
}

core::Page<core::AuditEvent> SqlTenancyStore::list_audit_events(const std::string& tenant_id,
                                                                const core::PageRequest& page) {
  std::vector<core::AuditEvent> rows;
  db_.read("audit.list", [&](soci::session& s) {
    rows.clear();
    const long long micros = core::bound_micros(page);
    const std::string aid = core::bound_id(page);
    const int lim = page.limit + 1;
    auto res =
        exec_params(s, kListAudit,
                    {{tenant_id}, {std::to_string(micros)}, {aid}, {std::to_string(lim)}}, false);
    for (int i = 0; i < PQntuples(res.get()); ++i) {
      const PgRow r(res.get(), i);
      core::AuditEvent e;
      e.id = r.get<std::string>(0);
      e.tenant_id = opt_string(r, 1);
      e.time_us = r.get<long long>(2);
      e.actor_key_id = r.get<std::string>(3);
      e.action = r.get<std::string>(4);
      e.target_type = r.get<std::string>(5);
      e.target_id = r.get<std::string>(6);
      e.request_id = r.get<std::string>(7);
      e.detail_json = r.get<std::string>(8);
      rows.push_back(std::move(e));
    }
  });
  return core::make_page(std::move(rows), page.limit, [](const core::AuditEvent& e) {
    return std::pair<int64_t, std::string>(e.time_us, e.id);
  });
}

std::string command_line_actor_key(Database& db) {
  std::string id = kCommandLineKeyId;
  db.in_transaction("api_keys.command_line",
                    [&](soci::session& s) { s << kEnsureCommandLineKey, soci::use(id); });
  return id;
}

}  // namespace tenantca::db
