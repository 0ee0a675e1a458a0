#pragma once
// Thin RAII over libpq for the few places that need what SOCI does not offer:
// multi-statement migrations, the bounded health probe and LISTEN/NOTIFY.
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
// Runs SQL (several statements allowed); throws std::runtime_error on failure.
PgResult pq_exec(PGconn* conn, const std::string& sql);
// Same, with text parameters $1..$n.
PgResult pq_exec_params(PGconn* conn, const std::string& sql,
                        const std::vector<std::string>& params);

}  // namespace tenantca::db
