#pragma once
// Small helpers every resource handler uses.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "core/json_writer.hpp"
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

// A page of a list: {"items": [...], "next_cursor": ...}. Each item is
// written by to_json, either into the page's JsonWriter (to_json(w, item))
// or as an nlohmann::json value (to_json(item)).
template <class T, class ToJson>
HttpResponse page_response(const core::Page<T>& page, ToJson to_json) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().key("items").begin_array();
  for (const auto& item : page.items) {
    if constexpr (std::is_invocable_v<ToJson&, core::JsonWriter&, const T&>) {
      to_json(w, item);
    } else {
      w.raw(to_json(item).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  w.end_array().key("next_cursor");
  if (page.next_cursor) {
    w.string(*page.next_cursor);
  } else {
    w.null();
  }
  w.end_object();
  return json_response(200, out);
}

}  // namespace tenantca::handlers
