#pragma once
// ACME (RFC 8555) endpoints under /acme/{ca_id}/, public and authenticated
// by their JWS, and the REST administration of EAB keys and ACME accounts.
// Every ACME answer carries a fresh Replay-Nonce and the directory link;
// refusals are application/problem+json with urn:ietf:params:acme:error types.
#include "core/acme/service.hpp"
#include "handlers/router.hpp"

namespace tenantca::handlers {

struct AcmeDeps {
  core::acme::AcmeService* service;
  std::string public_url;  // the URL a JWS must name is public_url + the request path
};

void add_acme_routes(Router& router, AcmeDeps deps);

}  // namespace tenantca::handlers
