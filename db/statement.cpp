#include "db/statement.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <tuple>

namespace tenantca::db {
namespace {

// Which (connection, statement) pairs are prepared. Keyed by the PGconn
// pointer plus the server backend pid, so a reconnect that reuses the
// address is not mistaken for the old connection.
std::mutex g_mutex;
std::set<std::tuple<const void*, int, std::string>> g_prepared;

constexpr const char* kAlreadyPrepared = "42P05";  // our bookkeeping was reset
constexpr const char* kStatementGone = "26000";    // the server lost it (reconnect)

std::string sqlstate_of(const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state ? state : "";
}

bool succeeded(const PGresult* r) {
  const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

std::string message_of(PGconn* conn, const PGresult* r) {
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

[[noreturn]] void fail(PGconn* conn, const Sql& sql, const PGresult* r) {
  throw DbError(std::string(sql.name) + ": " + message_of(conn, r), sqlstate_of(r));
}

struct Bound {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  explicit Bound(const std::vector<Param>& params) {
    for (const auto& p : params) {
      values.push_back(p.value() ? p.value()->data() : nullptr);
      lengths.push_back(p.value() ? static_cast<int>(p.value()->size()) : 0);
      formats.push_back(p.binary() ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

Result run_prepared(PGconn* conn, const Sql& sql, const Bound& bound, int result_format) {
  const auto key =
      std::make_tuple(static_cast<const void*>(conn), PQbackendPID(conn), std::string(sql.name));
  bool prepared = false;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    prepared = g_prepared.count(key) > 0;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!prepared) {
      PgResult r(PQprepare(conn, sql.name, sql.text, bound.count(), nullptr));
      if (!succeeded(r.get()) && sqlstate_of(r.get()) != kAlreadyPrepared) {
        fail(conn, sql, r.get());
      }
      std::lock_guard<std::mutex> lock(g_mutex);
      g_prepared.insert(key);
      prepared = true;
    }
    PgResult r(PQexecPrepared(conn, sql.name, bound.count(), bound.values.data(),
                              bound.lengths.data(), bound.formats.data(), result_format));
    if (succeeded(r.get())) return Result(std::move(r));
    if (sqlstate_of(r.get()) == kStatementGone && attempt == 0) {
      std::lock_guard<std::mutex> lock(g_mutex);
      g_prepared.erase(key);
      prepared = false;
      continue;
    }
    fail(conn, sql, r.get());
  }
  throw DbError(std::string(sql.name) + ": could not execute", "");
}

}  // namespace

Result run(PGconn* conn, const Sql& sql, const std::vector<Param>& params, ResultFormat format) {
  const int result_format = format == ResultFormat::binary ? 1 : 0;
  const Bound bound(params);
  if (sql.prepared) return run_prepared(conn, sql, bound, result_format);
  PgResult r(params.empty() && result_format == 0
                 ? PQexec(conn, sql.text)
                 : PQexecParams(conn, sql.text, bound.count(), nullptr, bound.values.data(),
                                bound.lengths.data(), bound.formats.data(), result_format));
  if (!succeeded(r.get())) fail(conn, sql, r.get());
  return Result(std::move(r));
}

Result run(soci::session& session, const Sql& sql, const std::vector<Param>& params,
           ResultFormat format) {
  return run(connection_of(session), sql, params, format);
}

PGconn* connection_of(soci::session& session) {
  // Every session of our pools is opened with the postgresql backend; its
  // typeinfo is not exported by libsoci, so no dynamic_cast.
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  return backend ? backend->conn_ : nullptr;
}

std::vector<Param> page_params(std::vector<Param> leading, const core::PageRequest& page) {
  leading.emplace_back(core::bound_micros(page));
  leading.emplace_back(core::bound_id(page));
  leading.emplace_back(page.limit + 1);
  return leading;
}

int Result::size() const {
  return PQntuples(result_.get());
}

int64_t Result::affected() const {
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

std::string Row::text(int column) const {
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::optional<std::string> Row::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

int64_t Row::int64(int column) const {
  return std::strtoll(PQgetvalue(result_, row_, column), nullptr, 10);
}

int Row::int32(int column) const {
  return static_cast<int>(std::strtol(PQgetvalue(result_, row_, column), nullptr, 10));
}

bool Row::flag(int column) const {
  const char* v = PQgetvalue(result_, row_, column);
  return v[0] == 't' || v[0] == '1';
}

bool Row::is_null(int column) const {
  return PQgetisnull(result_, row_, column) != 0;
}

}  // namespace tenantca::db
