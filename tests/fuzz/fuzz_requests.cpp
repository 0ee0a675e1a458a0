// libFuzzer target for the request decoders in handlers/: JSON bodies (strict
// parsing, duplicate keys, depth, field readers of every type), query
// strings, percent-decoding of paths, and routing with ids. The first byte
// picks the decoder. Run with scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "handlers/http_types.hpp"
#include "handlers/json_body.hpp"
#include "handlers/routes.hpp"

using namespace tenantca;
using namespace tenantca::handlers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Router router = build_router({});
  if (size < 1) return 0;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 4) {
      case 0: {
        HttpRequest request;
        request.body = input;
        auto body = JsonFields::from_body(request);
        (void)body.optional_string("name", 128);
        (void)body.optional_int("validity_days", 1, 36500);
        (void)body.optional_bool("disabled");
        (void)body.optional_string_array("usage", 2);
        if (auto sub = body.optional_object("subject")) {
          (void)sub->optional_string("common_name", 64);
          sub->reject_unknown();
        }
        (void)body.take_null("policy");
        body.reject_unknown();
        break;
      }
      case 1:
        (void)parse_query(input);
        break;
      case 2:
        (void)url_decode_path(input);
        break;
      case 3: {
        for (const char* method : {"GET", "POST", "PATCH", "DELETE"})
          (void)router.match(method, input);
        break;
      }
    }
  } catch (const core::DomainError&) {
    // A clear refusal is the expected outcome for garbage.
  }
  return 0;
}
