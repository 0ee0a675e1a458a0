#pragma once
// JSON forms of PKI values, shared by the API and the jsonb columns.
#include <nlohmann/json.hpp>

#include "core/pki/model.hpp"

namespace tenantca::core::pki {

nlohmann::json to_json(const Subject& s);
nlohmann::json to_json(const Sans& s);
nlohmann::json to_json(const Policy& p);
nlohmann::json to_json(const AcmeCaSettings& a);
AcmeCaSettings acme_settings_from_json(const nlohmann::json& j);
// Lenient readers for stored values (validated when they were written).
Subject subject_from_json(const nlohmann::json& j);
Sans sans_from_json(const nlohmann::json& j);
Policy policy_from_json(const nlohmann::json& j);

}  // namespace tenantca::core::pki
