#include "db/prepared.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <mutex>
#include <set>
#include <utility>

namespace tenantca::db {
namespace {

// Which (connection, statement) pairs are prepared. Keyed by the PGconn
// pointer plus the server backend pid, so a reconnect that reuses the
// address is not mistaken for the old connection.
std::mutex g_mutex;
std::set<std::tuple<const void*, int, std::string>> g_prepared;

PGconn* conn_of(soci::session& s) {
  // Sessions of our pools always use the postgresql backend (see database.cpp).
  return static_cast<soci::postgresql_session_backend*>(s.get_backend())->conn_;
}

std::string sqlstate_of(const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state ? state : "";
}

}  // namespace

PgResult exec_prepared(soci::session& session, const char* name, const char* sql,
                       const std::vector<std::string>& params) {
  PGconn* conn = conn_of(session);
  const auto key =
      std::make_tuple(static_cast<const void*>(conn), PQbackendPID(conn), std::string(name));
  bool prepared = false;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    prepared = g_prepared.count(key) > 0;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!prepared) {
      PgResult r(PQprepare(conn, name, sql, static_cast<int>(params.size()), nullptr));
      const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
      // 42P05: already prepared on this connection (our bookkeeping was reset).
      if (!r || (PQresultStatus(r.get()) != PGRES_COMMAND_OK &&
                 !(state && std::string(state) == "42P05"))) {
        throw PqError(std::string("prepare ") + name + ": " + PQerrorMessage(conn),
                      sqlstate_of(r.get()));
      }
      std::lock_guard<std::mutex> lock(g_mutex);
      g_prepared.insert(key);
      prepared = true;
    }
    PgResult r(PQexecPrepared(conn, name, static_cast<int>(values.size()), values.data(), nullptr,
                              nullptr, 0));
    const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::string(state) == "26000" && attempt == 0) {  // statement gone: prepare again
      std::lock_guard<std::mutex> lock(g_mutex);
      g_prepared.erase(key);
      prepared = false;
      continue;
    }
    throw PqError(std::string(name) + ": " + PQerrorMessage(conn), sqlstate_of(r.get()));
  }
  throw PqError(std::string(name) + ": could not execute", "");
}

PgResult exec_params(soci::session& session, const char* sql, const std::vector<PqParam>& params,
                     bool binary_result) {
  PGconn* conn = conn_of(session);
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  PgResult r(PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, values.data(),
                          lengths.data(), formats.data(), binary_result ? 1 : 0));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    throw PqError(std::string("statement failed: ") + PQerrorMessage(conn), sqlstate_of(r.get()));
  }
  return r;
}

}  // namespace tenantca::db
