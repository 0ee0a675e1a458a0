#include "handlers/common.hpp"

#include "core/errors.hpp"
#include "core/uuid.hpp"

namespace tenantca::handlers {

std::string uuid_param(const RequestContext& ctx, std::size_t index) {
  const std::string& v = ctx.params.at(index);
  if (!core::is_uuid(v)) core::throw_not_found("No such resource.");
  std::string lower = v;
  for (auto& c : lower) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
  return lower;
}

core::PageRequest page_request(const RequestContext& ctx) {
  auto find = [&](const char* name) -> const std::string* {
    auto it = ctx.request.query.find(name);
    return it == ctx.request.query.end() ? nullptr : &it->second;
  };
  return core::parse_page_request(find("limit"), find("cursor"));
}

core::Actor actor_of(const RequestContext& ctx) { return core::Actor{ctx.who().key_id, ctx.request_id}; }

const std::string& tenant_of(const RequestContext& ctx) { return *ctx.who().tenant_id; }

HttpResponse json_ok(int status, const nlohmann::json& body) {
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tenantca::handlers
