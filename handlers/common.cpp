#include "handlers/common.hpp"

#include "core/errors.hpp"
#include "core/text.hpp"
#include "core/uuid.hpp"

namespace tenantca::handlers {

std::string uuid_param(const RequestContext& ctx, std::size_t index) {
  const std::string& v = ctx.params.at(index);
  if (!core::is_uuid(v))
    core::throw_invalid("The id in the path must be a UUID, got '" + core::printable(v, 64) + "'.");
  return core::to_lower_ascii(v);
}

const std::string* query_param(const RequestContext& ctx, const char* name) {
  const auto it = ctx.request.query.find(name);
  return it == ctx.request.query.end() ? nullptr : &it->second;
}

std::optional<std::string> text_query(const RequestContext& ctx, const char* name,
                                      std::size_t max_len, bool ascii_only) {
  const std::string* found = query_param(ctx, name);
  if (found == nullptr) return std::nullopt;
  const std::string& v = *found;
  const bool ok =
      v.size() <= max_len && (ascii_only ? core::visible_ascii(v) : core::valid_utf8_text(v));
  if (!ok) {
    core::throw_invalid(std::string("Query parameter '") + name + "' must be " +
                        (ascii_only ? "printable ASCII" : "UTF-8 text without control characters") +
                        " of at most " + std::to_string(max_len) + " bytes.");
  }
  return v;
}

core::PageRequest page_request(const RequestContext& ctx) {
  return core::parse_page_request(query_param(ctx, "limit"), query_param(ctx, "cursor"));
}

core::Actor actor_of(const RequestContext& ctx) {
  return core::Actor{.key_id = ctx.who().key_id,
                     .request_id = ctx.request_id,
                     .client_address = ctx.client_address};
}

const std::string& tenant_of(const RequestContext& ctx) {
  return *ctx.who().tenant_id;
}

HttpResponse json_ok(int status, const nlohmann::json& body) {
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tenantca::handlers
