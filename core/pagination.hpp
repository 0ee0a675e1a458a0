#pragma once
// Keyset pagination shared by every list endpoint: newest first, ordered by
// (created_at DESC, id DESC). The cursor is opaque to clients: base64url of
// "<created_at micros>.<id>" of the last item of the previous page. Rows
// inserted meanwhile sort before the cursor, so nothing is skipped or repeated.
#include <cstdint>
#include <optional>
#include <string>

namespace tenantca::core {

struct PageRequest {
  int limit = 50;
  bool has_cursor = false;
  int64_t after_micros = 0;  // items strictly "older" than (after_micros, after_id)
  std::string after_id;
};

// Validates ?limit= (1-500, default 50) and ?cursor=; throws invalid_request.
PageRequest parse_page_request(const std::string* limit, const std::string* cursor);
std::string encode_cursor(int64_t micros, const std::string& id);

}  // namespace tenantca::core

#include <vector>

namespace tenantca::core {

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

// Stores fetch limit+1 rows; the extra one only says "there is more".
template <class T, class KeyOf>
Page<T> make_page(std::vector<T> rows, int limit, KeyOf key_of) {
  Page<T> page;
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.resize(static_cast<std::size_t>(limit));
  if (more && !rows.empty()) {
    const auto& [micros, id] = key_of(rows.back());
    page.next_cursor = encode_cursor(micros, id);
  }
  page.items = std::move(rows);
  return page;
}

// The keyset bound for SQL: (created_at, id) < (bound_micros, bound_id).
// Without a cursor the bound lies past every row.
inline int64_t bound_micros(const PageRequest& p) {
  return p.has_cursor ? p.after_micros : INT64_MAX / 2;
}
inline std::string bound_id(const PageRequest& p) {
  return p.has_cursor ? p.after_id : "ffffffff-ffff-ffff-ffff-ffffffffffff";
}

}  // namespace tenantca::core
