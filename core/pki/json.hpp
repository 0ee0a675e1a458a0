#pragma once
// JSON forms of PKI values, shared by the API and the jsonb columns.
#include <nlohmann/json.hpp>

#include "core/json_writer.hpp"
#include "core/pki/model.hpp"

namespace tenantca::core::pki {

nlohmann::json to_json(const Subject& s);
nlohmann::json to_json(const Sans& s);
// The same documents written in one pass (core/json_writer.hpp), for the
// group-commit batch; tests/unit/pki_json_test.cpp holds the two together.
void write_json(JsonWriter& w, const Subject& s);
void write_json(JsonWriter& w, const Sans& s);
nlohmann::json to_json(const Policy& p);
nlohmann::json to_json(const AcmeCaSettings& a);
AcmeCaSettings acme_settings_from_json(const nlohmann::json& j);
// Lenient readers for stored values (validated when they were written).
Subject subject_from_json(const nlohmann::json& j);
Sans sans_from_json(const nlohmann::json& j);
Policy policy_from_json(const nlohmann::json& j);

}  // namespace tenantca::core::pki
