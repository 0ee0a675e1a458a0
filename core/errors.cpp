#include "core/errors.hpp"

namespace tenantca::core {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::invalid_csr:
      return "invalid_csr";
    case ErrorCode::policy_violation:
      return "policy_violation";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::method_not_allowed:
      return "method_not_allowed";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::unavailable:
      return "unavailable";
  }
  return "internal";
}

int error_http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
    case ErrorCode::invalid_csr:
      return 400;
    case ErrorCode::policy_violation:
      return 422;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::internal:
      return 500;
    case ErrorCode::unavailable:
      return 503;
  }
  return 500;
}

std::string_view error_title(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "Invalid request";
    case ErrorCode::invalid_csr:
      return "Invalid certificate signing request";
    case ErrorCode::policy_violation:
      return "Policy violation";
    case ErrorCode::unauthorized:
      return "Unauthorized";
    case ErrorCode::forbidden:
      return "Forbidden";
    case ErrorCode::not_found:
      return "Not found";
    case ErrorCode::method_not_allowed:
      return "Method not allowed";
    case ErrorCode::conflict:
      return "Conflict";
    case ErrorCode::payload_too_large:
      return "Payload too large";
    case ErrorCode::unsupported_media_type:
      return "Unsupported media type";
    case ErrorCode::rate_limited:
      return "Too many requests";
    case ErrorCode::internal:
      return "Internal error";
    case ErrorCode::unavailable:
      return "Service unavailable";
  }
  return "Internal error";
}

DomainError::DomainError(ErrorCode code, std::string public_detail, std::string internal)
    : std::runtime_error(internal.empty() ? public_detail : internal),
      code_(code),
      public_detail_(std::move(public_detail)),
      internal_(std::move(internal)) {}

void throw_invalid(std::string detail) {
  throw DomainError(ErrorCode::invalid_request, std::move(detail));
}
void throw_not_found(std::string detail) {
  throw DomainError(ErrorCode::not_found, std::move(detail));
}
void throw_conflict(std::string detail) {
  throw DomainError(ErrorCode::conflict, std::move(detail));
}

}  // namespace tenantca::core
