#include "handlers/problem.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

namespace tenantca::handlers {

HttpResponse problem_response(core::ErrorCode code, const std::string& detail,
                              const std::string& request_id) {
  const std::string name(core::error_code_name(code));
  const int status = core::error_http_status(code);
  nlohmann::json body = {{"type", "https://tenantca.dev/problems/" + name},
                         {"title", std::string(core::error_title(code))},
                         {"status", status},
                         {"detail", detail},
                         {"code", name},
                         {"request_id", request_id}};
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (code == core::ErrorCode::unauthorized) r.set_header("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse problem_from_exception(const std::exception_ptr& error,
                                    const std::string& request_id) {
  try {
    std::rethrow_exception(error);
  } catch (const core::DomainError& e) {
    if (!e.internal().empty()) {
      spdlog::warn("request {}: {}: {}", request_id, core::error_code_name(e.code()), e.internal());
    }
    return problem_response(e.code(), e.public_detail(), request_id);
  } catch (const nlohmann::json::exception& e) {
    // Type errors while reading a parsed body are the client's fault.
    return problem_response(core::ErrorCode::invalid_request,
                            "The JSON body does not have the expected shape.", request_id);
  } catch (const std::exception& e) {
    spdlog::error("request {}: unexpected error: {}", request_id, e.what());
  } catch (...) {
    spdlog::error("request {}: unexpected non-standard exception", request_id);
  }
  return problem_response(core::ErrorCode::internal,
                          "An internal error occurred; it has been logged.", request_id);
}

}  // namespace tenantca::handlers
