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

}  // namespace tenantca::db
