#pragma once
// The one way to run a SQL statement. SOCI owns sessions, the pool and
// transactions (db/database.hpp); every statement runs through libpq on the
// session's connection, because SOCI re-parses and re-prepares a statement
// on every call and moves bytea as hex (docs/pitfalls.md, "SOCI").
//
// Rules for the SQL in db/: named constants of type Sql, placeholders $1..$n
// only, results read through Row. Errors arrive as DbError with the
// server's SQLSTATE, which db/database.cpp classifies (retry, 503, conflict).
#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/pagination.hpp"
#include "db/pq.hpp"

namespace soci {
class session;
}

namespace tenantca::db {

// A SQL constant. Prepared statements are prepared once per connection and
// planned generically: right for lookups by key, wrong for the filtered lists
// (they are planned per call with the actual values, see pki_store.cpp).
struct Sql {
  const char* name;  // in error messages; the server-side name when prepared
  const char* text;
  bool prepared = false;
};

// A failed statement, with its SQLSTATE ("" when the connection failed
// before the server answered).
class DbError : public std::runtime_error {
 public:
  DbError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// One parameter: text (the server casts it as the SQL says), raw bytes for a
// bytea, or NULL.
class Param {
 public:
  Param(std::string text) : value_(std::move(text)) {}    // NOLINT: implicit on purpose
  Param(const char* text) : value_(std::string(text)) {}  // NOLINT
  template <typename T>
  requires std::is_integral_v<T> Param(T number) {  // NOLINT
    if constexpr (std::is_same_v<T, bool>) {
      value_ = number ? "true" : "false";
    } else {
      value_ = std::to_string(number);
    }
  }
  Param(const std::optional<std::string>& text) : value_(text) {}  // NOLINT
  static Param bytes(std::string raw) {
    Param p(std::move(raw));
    p.binary_ = true;
    return p;
  }
  const std::optional<std::string>& value() const { return value_; }
  bool binary() const { return binary_; }

 private:
  std::optional<std::string> value_;
  bool binary_ = false;
};

// One row of a result. Columns are read by position, in the order of the
// SELECT list; numbers are parsed from their text form.
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  int64_t int64(int column) const;
  int int32(int column) const;
  bool flag(int column) const;  // boolean or 0/1 column
  bool is_null(int column) const;

 private:
  const PGresult* result_;
  int row_;
};

class Result {
 public:
  explicit Result(PgResult result) : result_(std::move(result)) {}
  int size() const;
  bool empty() const { return size() == 0; }
  Row row(int i) const { return Row(result_.get(), i); }
  // Rows changed by an INSERT/UPDATE/DELETE.
  int64_t affected() const;
  // Every row through `map`, in order.
  template <typename Map>
  auto map_rows(Map map) const {
    std::vector<decltype(map(row(0)))> out;
    out.reserve(static_cast<std::size_t>(size()));
    for (int i = 0; i < size(); ++i) out.push_back(map(row(i)));
    return out;
  }
  // The first row through `map`, or nothing.
  template <typename Map>
  auto map_first(Map map) const -> std::optional<decltype(map(row(0)))> {
    if (empty()) return std::nullopt;
    return map(row(0));
  }

 private:
  PgResult result_;
};

// With `binary` every result column comes back raw (bytea without the hex
// round trip: a 100k-entry CRL is 3.5 MB of DER, 7 MB as hex): cast numbers
// to text in SQL and read them with Row::text.
enum class ResultFormat { text, binary };

// Runs `sql` on the connection. A statement without parameters that is not
// prepared goes through the simple protocol, so it may hold several
// statements (migrations).
Result run(PGconn* conn, const Sql& sql, const std::vector<Param>& params = {},
           ResultFormat format = ResultFormat::text);
// Same, on a pooled SOCI session's connection.
Result run(soci::session& session, const Sql& sql, const std::vector<Param>& params = {},
           ResultFormat format = ResultFormat::text);

// `leading` followed by the keyset bounds of a page: (micros, id, limit + 1),
// as every list query of db/ takes them after its own parameters.
std::vector<Param> page_params(std::vector<Param> leading, const core::PageRequest& page);

// The libpq connection under a session of our pools (the one place that
// reaches into SOCI's PostgreSQL backend).
PGconn* connection_of(soci::session& session);

}  // namespace tenantca::db
