#include "db/pq.hpp"

#include <fmt/format.h>

#include <vector>

namespace tenantca::db {

PgConn pq_connect(const std::string& conninfo) {
  PgConn conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw DatabaseUnavailable(fmt::format("cannot connect to the database: {}", msg));
  }
  return conn;
}

static PgResult check(PGconn* conn, PGresult* raw) {
  PgResult res(raw);
  const auto st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw std::runtime_error(msg);
  }
  return res;
}

PgResult pq_exec(PGconn* conn, const std::string& sql) {
  return check(conn, PQexec(conn, sql.c_str()));
}

PgResult pq_exec_params(PGconn* conn, const std::string& sql,
                        const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return check(conn, PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0));
}

}  // namespace tenantca::db
