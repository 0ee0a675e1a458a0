#pragma once
#include <optional>
#include <string>
// Small helpers every resource handler uses.
#include <nlohmann/json.hpp>
#include <string>

#include "core/pagination.hpp"
#include "core/tenancy.hpp"
#include "handlers/request_context.hpp"

namespace tenantca::handlers {

// A path parameter that must be a UUID; anything else is 404 (ids are not probed).
// A path id; 400 invalid_request when it is not a UUID.
std::string uuid_param(const RequestContext& ctx, std::size_t index);
// A query parameter as sent (decoded), or null when absent.
const std::string* query_param(const RequestContext& ctx, const char* name);
// A text query parameter, checked before it reaches SQL: valid UTF-8 without
// control bytes (or printable ASCII), at most max_len bytes; else 400.
std::optional<std::string> text_query(const RequestContext& ctx, const char* name,
                                      std::size_t max_len, bool ascii_only);
core::PageRequest page_request(const RequestContext& ctx);
core::Actor actor_of(const RequestContext& ctx);
const std::string& tenant_of(const RequestContext& ctx);
HttpResponse json_ok(int status, const nlohmann::json& body);

template <class T, class ToJson>
HttpResponse page_response(const core::Page<T>& page, ToJson to_json) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : page.items) items.push_back(to_json(item));
  nlohmann::json body = {{"items", items}, {"next_cursor", nullptr}};
  if (page.next_cursor) body["next_cursor"] = *page.next_cursor;
  return json_ok(200, body);
}

}  // namespace tenantca::handlers
