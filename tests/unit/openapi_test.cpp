#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "handlers/routes.hpp"

namespace {

// "METHOD /path" for every operation in docs/openapi.yaml. The document is
// written in block style with two-space indents, which this reads line by line.
std::set<std::string> documented_operations() {
  std::ifstream in(TENANTCA_OPENAPI_PATH);
  std::set<std::string> out;
  std::string line, path;
  const std::regex path_re(R"(^  (/[^:]*):\s*$)");
  const std::regex method_re(R"(^    (get|post|put|patch|delete):\s*$)");
  std::smatch m;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line.rfind("paths:", 0) == 0)
      in_paths = true;
    else if (!line.empty() && line[0] != ' ')
      in_paths = false;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re))
      path = m[1];
    else if (std::regex_match(line, m, method_re)) {
      std::string method = m[1];
      for (auto& c : method) c = static_cast<char>(::toupper(c));
      out.insert(method + " " + path);
    }
  }
  return out;
}

}  // namespace

TEST(OpenApi, DocumentsExactlyTheRoutesTheServerHas) {
  const auto documented = documented_operations();
  ASSERT_FALSE(documented.empty());
  std::set<std::string> served;
  const auto router = tenantca::handlers::build_router({});
  for (const auto& r : router.routes()) served.insert(r.method + " " + r.pattern);
  for (const auto& op : served)
    EXPECT_TRUE(documented.count(op)) << "route missing from docs/openapi.yaml: " << op;
  for (const auto& op : documented)
    EXPECT_TRUE(served.count(op)) << "documented but not served: " << op;
}
