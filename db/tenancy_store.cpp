#include "db/tenancy_store.hpp"

#include "core/random.hpp"
#include "core/uuid.hpp"
#include "db/statement.hpp"

namespace tenantca::db {
namespace {

// ---- SQL ---------------------------------------------------------------
#define TENANT_COLUMNS                                                                 \
  "id::text, name, rate_rps, rate_burst, disabled, (extract(epoch FROM created_at) * " \
  "1000000)::bigint"

constexpr Sql kInsertTenant{"tenants.insert",
                            "INSERT INTO tenants (id, name, rate_rps, rate_burst) "
                            "VALUES ($1::uuid, $2, $3::int, $4::int) RETURNING " TENANT_COLUMNS};
// The hot read path: prepared once per connection.
constexpr Sql kSelectTenant{"tenants.get",
                            "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = $1::uuid", true};
constexpr Sql kSelectTenantForUpdate{"tenants.get_for_update",
                                     "SELECT " TENANT_COLUMNS
                                     " FROM tenants WHERE id = $1::uuid FOR UPDATE"};
constexpr Sql kListTenants{"tenants.list",
                           "SELECT " TENANT_COLUMNS
                           " FROM tenants WHERE (created_at, id) < (timestamptz 'epoch' + "
                           "$1::bigint * interval '1 microsecond', $2::uuid) "
                           "ORDER BY created_at DESC, id DESC LIMIT $3::int"};
constexpr Sql kUpdateTenant{
    "tenants.update",
    "UPDATE tenants SET name = $1, rate_rps = $2::int, rate_burst = $3::int, "
    "disabled = $4::boolean WHERE id = $5::uuid"};

constexpr Sql kInsertApiKey{"api_keys.insert",
                            "INSERT INTO api_keys (id, tenant_id, name, role, secret_hash) "
                            "VALUES ($1::uuid, $2::uuid, $3, $4, $5::bytea) "
                            "RETURNING (extract(epoch FROM created_at) * 1000000)::bigint"};
constexpr Sql kListApiKeys{
    "api_keys.list",
    "SELECT id::text, tenant_id::text, name, role, (extract(epoch FROM created_at) * "
    "1000000)::bigint FROM api_keys WHERE tenant_id = $1::uuid AND deleted_at IS NULL "
    "AND (created_at, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', "
    "$3::uuid) ORDER BY created_at DESC, id DESC LIMIT $4::int"};
constexpr Sql kDeleteApiKey{"api_keys.delete",
                            "UPDATE api_keys SET deleted_at = clock_timestamp() "
                            "WHERE id = $1::uuid AND tenant_id = $2::uuid AND deleted_at IS NULL "
                            "RETURNING name, role"};
constexpr Sql kListOperatorKeys{
    "operator_keys.list",
    "SELECT id::text, name, (extract(epoch FROM created_at) * 1000000)::bigint FROM api_keys "
    "WHERE tenant_id IS NULL AND role = 'operator' AND deleted_at IS NULL ORDER BY created_at, id"};
constexpr Sql kRevokeOperatorKey{
    "operator_keys.revoke",
    "UPDATE api_keys SET deleted_at = clock_timestamp() WHERE id = $1::uuid AND tenant_id IS NULL "
    "AND role = 'operator' AND deleted_at IS NULL RETURNING name"};
constexpr const char* kCommandLineKeyId = "00000000-0000-4000-8000-00000000c11a";
constexpr Sql kEnsureCommandLineKey{
    "api_keys.ensure_command_line",
    "INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, deleted_at) "
    "VALUES ($1::uuid, NULL, 'command line (audit actor only)', 'operator', "
    "decode(repeat('00', 32), 'hex'), now()) ON CONFLICT (id) DO NOTHING"};
// Authentication: prepared once per connection.
constexpr Sql kSelectKeyRecord{"api_keys.auth",
                               "SELECT k.id::text, k.tenant_id::text, k.role, k.secret_hash, "
                               "coalesce(t.disabled, false)::int::text, "
                               "coalesce(t.rate_rps, 0)::text, coalesce(t.rate_burst, 0)::text "
                               "FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id "
                               "WHERE k.id = $1::uuid AND k.deleted_at IS NULL",
                               true};

// Every mutation writes one: prepared once per connection.
constexpr Sql kInsertAudit{"audit.insert",
                           "INSERT INTO audit_events (id, tenant_id, actor_key_id, action, "
                           "target_type, target_id, request_id, detail, actor_account_id) "
                           "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8::jsonb, "
                           "$9::uuid)",
                           true};
constexpr Sql kListAudit{
    "audit.list",
    "SELECT id::text, tenant_id::text, (extract(epoch FROM time) * 1000000)::bigint, "
    "coalesce(actor_key_id::text, ''), action, target_type, coalesce(target_id, ''), request_id, "
    "detail::text, coalesce(actor_account_id::text, '') "
    "FROM audit_events WHERE tenant_id = $1::uuid "
    "AND (time, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid) "
    "ORDER BY time DESC, id DESC LIMIT $4::int"};

// ---- row mapping -----------------------------------------------------------
core::Tenant tenant_from(const Row& r) {
  core::Tenant t;
  t.id = r.text(0);
  t.name = r.text(1);
  t.rate_limit.requests_per_second = r.int32(2);
  t.rate_limit.burst = r.int32(3);
  t.disabled = r.flag(4);
  t.created_us = r.int64(5);
  return t;
}

core::ApiKeyInfo api_key_from(const Row& r) {
  core::ApiKeyInfo k;
  k.id = r.text(0);
  k.tenant_id = r.optional_text(1);
  k.name = r.text(2);
  k.role = core::parse_stored_role(r.text(3));
  k.created_us = r.int64(4);
  return k;
}

core::ApiKeyInfo operator_key_from(const Row& r) {
  core::ApiKeyInfo k;
  k.id = r.text(0);
  k.name = r.text(1);
  k.role = core::Role::operator_;
  k.created_us = r.int64(2);
  return k;
}

core::AuditEvent audit_event_from(const Row& r) {
  core::AuditEvent e;
  e.id = r.text(0);
  e.tenant_id = r.optional_text(1);
  e.time_us = r.int64(2);
  e.actor_key_id = r.text(3);
  e.action = r.text(4);
  e.target_type = r.text(5);
  e.target_id = r.text(6);
  e.request_id = r.text(7);
  e.detail_json = r.text(8);
  e.actor_account_id = r.text(9);
  return e;
}

std::optional<std::string> optional_id(const std::string& id) {
  return id.empty() ? std::nullopt : std::optional<std::string>(id);
}

}  // namespace

void insert_audit(soci::session& s, const core::AuditEvent& e) {
  run(s, kInsertAudit,
      {e.id, e.tenant_id, optional_id(e.actor_key_id), e.action, e.target_type, e.target_id,
       e.request_id, e.detail_json, optional_id(e.actor_account_id)});
}

// ---- the transaction ---------------------------------------------------------
namespace {
class SqlTenancyTx final : public core::TenancyTx {
 public:
  explicit SqlTenancyTx(soci::session& s) : s_(s) {}
  std::optional<core::Tenant> lock_tenant(const std::string& id) override {
    return run(s_, kSelectTenantForUpdate, {id}).map_first(tenant_from);
  }
  core::Tenant insert_tenant(const std::string& id, const std::string& name,
                             core::RateLimitSpec rate) override {
    try {
      return tenant_from(
          run(s_, kInsertTenant, {id, name, rate.requests_per_second, rate.burst}).row(0));
    } catch (const DbError& e) {
      if (is_unique_violation(e))
        core::throw_conflict("A tenant named '" + name + "' already exists.");
      throw;
    }
  }
  void update_tenant(const core::Tenant& t) override {
    try {
      run(s_, kUpdateTenant,
          {t.name, t.rate_limit.requests_per_second, t.rate_limit.burst, t.disabled, t.id});
    } catch (const DbError& e) {
      if (is_unique_violation(e)) core::throw_conflict("A tenant with that name already exists.");
      throw;
    }
  }
  int64_t insert_api_key(const core::ApiKeyInfo& key, const core::SecretHash& hash) override {
    const std::string raw(reinterpret_cast<const char*>(hash.data()), hash.size());
    try {
      return run(s_, kInsertApiKey,
                 {key.id, key.tenant_id, key.name, core::role_name(key.role), Param::bytes(raw)})
          .row(0)
          .int64(0);
    } catch (const DbError& e) {
      if (is_foreign_key_violation(e)) {
        core::throw_not_found("No tenant with id " + key.tenant_id.value_or("") + ".");
      }
      throw;
    }
  }
  std::optional<core::ApiKeyInfo> delete_api_key(const std::string& tenant_id,
                                                 const std::string& key_id) override {
    return run(s_, kDeleteApiKey, {key_id, tenant_id}).map_first([&](const Row& r) {
      core::ApiKeyInfo k;
      k.id = key_id;
      k.tenant_id = tenant_id;
      k.name = r.text(0);
      k.role = core::parse_stored_role(r.text(1));
      return k;
    });
  }
  std::optional<core::ApiKeyInfo> revoke_operator_key(const std::string& key_id) override {
    return run(s_, kRevokeOperatorKey, {key_id}).map_first([&](const Row& r) {
      core::ApiKeyInfo k;
      k.id = key_id;
      k.name = r.text(0);
      k.role = core::Role::operator_;
      return k;
    });
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
      [&](soci::session& s) { out = run(s, kSelectTenant, {id}).map_first(tenant_from); },
      [&] { return out.has_value(); });
  return out;
}

core::Page<core::Tenant> SqlTenancyStore::list_tenants(const core::PageRequest& page) {
  std::vector<core::Tenant> rows;
  db_.read("tenants.list", [&](soci::session& s) {
    rows = run(s, kListTenants, page_params({}, page)).map_rows(tenant_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const core::Tenant& t) {
    return std::pair<int64_t, std::string>(t.created_us, t.id);
  });
}

core::Page<core::ApiKeyInfo> SqlTenancyStore::list_api_keys(const std::string& tenant_id,
                                                            const core::PageRequest& page) {
  std::vector<core::ApiKeyInfo> rows;
  db_.read("api_keys.list", [&](soci::session& s) {
    rows = run(s, kListApiKeys, page_params({tenant_id}, page)).map_rows(api_key_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const core::ApiKeyInfo& k) {
    return std::pair<int64_t, std::string>(k.created_us, k.id);
  });
}

std::vector<core::ApiKeyInfo> SqlTenancyStore::list_operator_keys() {
  std::vector<core::ApiKeyInfo> out;
  db_.read("operator_keys.list",
           [&](soci::session& s) { out = run(s, kListOperatorKeys).map_rows(operator_key_from); });
  return out;
}

std::optional<core::KeyRecord> find_key_record(Database& db, const std::string& key_id) {
  std::optional<core::KeyRecord> out;
  db.with_session("api_keys.auth", [&](soci::session& s) {
    // Binary results: the hash arrives as its 32 raw bytes.
    out = run(s, kSelectKeyRecord, {key_id}, ResultFormat::binary).map_first([](const Row& r) {
      core::KeyRecord k;
      k.id = r.text(0);
      k.tenant_id = r.optional_text(1);
      k.role = core::parse_stored_role(r.text(2));
      const std::string hash = r.text(3);
      for (std::size_t i = 0; i < k.secret_hash.size() && i < hash.size(); ++i) {
        k.secret_hash[i] = static_cast<unsigned char>(hash[i]);
      }
      k.tenant_disabled = r.text(4) == "1";
      k.tenant_rate_limit = {std::stoi(r.text(5)), std::stoi(r.text(6))};
      return k;
    });
  });
  return out;
}

core::Page<core::AuditEvent> SqlTenancyStore::list_audit_events(const std::string& tenant_id,
                                                                const core::PageRequest& page) {
  std::vector<core::AuditEvent> rows;
  db_.read("audit.list", [&](soci::session& s) {
    rows = run(s, kListAudit, page_params({tenant_id}, page)).map_rows(audit_event_from);
  });
  return core::make_page(std::move(rows), page.limit, [](const core::AuditEvent& e) {
    return std::pair<int64_t, std::string>(e.time_us, e.id);
  });
}

std::string command_line_actor_key(Database& db) {
  std::string id = kCommandLineKeyId;
  db.in_transaction("api_keys.command_line",
                    [&](soci::session& s) { run(s, kEnsureCommandLineKey, {id}); });
  return id;
}

}  // namespace tenantca::db
