#pragma once
// libpq connections of their own, outside the pools, for what SOCI does not
// offer: multi-statement migrations and LISTEN/NOTIFY (statements on them run
// through db/statement.hpp like everything else).
#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenantca::db {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Connects or throws DatabaseUnavailable with libpq's message.
PgConn pq_connect(const std::string& conninfo);
}  // namespace tenantca::db
