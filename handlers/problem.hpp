#pragma once
// The one place that turns errors into RFC 9457 problem+json answers. Only
// the public detail of a DomainError reaches the client; internal text is
// logged with the request id.
#include <exception>
#include <string>

#include "core/errors.hpp"
#include "handlers/http_types.hpp"

namespace tenantca::handlers {

HttpResponse problem_response(core::ErrorCode code, const std::string& detail,
                              const std::string& request_id);
// Maps any exception (DomainError, JSON errors, the unexpected) to a response.
HttpResponse problem_from_exception(const std::exception_ptr& error, const std::string& request_id);

}  // namespace tenantca::handlers
