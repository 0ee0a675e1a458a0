#pragma once
// ACME errors (RFC 8555 section 6.7): a problem type from the
// urn:ietf:params:acme:error: namespace, a detail for the client and the
// HTTP status. Everything the ACME endpoints refuse is one of these; the
// handler turns it into application/problem+json.
#include <stdexcept>
#include <string>

namespace tenantca::core::acme {

class AcmeError : public std::runtime_error {
 public:
  AcmeError(std::string type, std::string detail, int status = 400)
      : std::runtime_error(detail), type_(std::move(type)), status_(status) {}
  // The short type ("badNonce"); the URN is "urn:ietf:params:acme:error:" + type.
  const std::string& type() const { return type_; }
  int status() const { return status_; }

 private:
  std::string type_;
  int status_;
};

[[noreturn]] inline void malformed(const std::string& detail) {
  throw AcmeError("malformed", detail, 400);
}

}  // namespace tenantca::core::acme
