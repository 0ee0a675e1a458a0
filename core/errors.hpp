#pragma once
// Domain errors: one code per problem type of the API. The public detail is
// safe to show to a client; anything internal (SQL, OpenSSL text) goes only to
// the log through `internal`.
#include <stdexcept>
#include <string>
#include <string_view>

namespace tenantca::core {

enum class ErrorCode {
  invalid_request,
  invalid_csr,
  policy_violation,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  payload_too_large,
  unsupported_media_type,
  rate_limited,
  internal,
  unavailable,
};

std::string_view error_code_name(ErrorCode code);
int error_http_status(ErrorCode code);
std::string_view error_title(ErrorCode code);

class DomainError : public std::runtime_error {
 public:
  DomainError(ErrorCode code, std::string public_detail, std::string internal = {});
  ErrorCode code() const noexcept { return code_; }
  const std::string& public_detail() const noexcept { return public_detail_; }
  const std::string& internal() const noexcept { return internal_; }

 private:
  ErrorCode code_;
  std::string public_detail_;
  std::string internal_;
};

// Shorthands that read well at the throw site.
[[noreturn]] void throw_invalid(std::string detail);
[[noreturn]] void throw_not_found(std::string detail);
[[noreturn]] void throw_conflict(std::string detail);

}  // namespace tenantca::core
