#include "handlers/router.hpp"

#include <algorithm>

namespace tenantca::handlers {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  if (path.empty() || path[0] != '/') return parts;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool is_rest(const std::string& p) {
  return p.size() > 5 && p.compare(p.size() - 4, 4, "...}") == 0;
}

bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::vector<std::string>* params) {
  // A last segment "{name...}" takes the rest of the path, slashes included
  // (base64 OCSP requests in GET URLs contain '/').
  const bool rest = !pattern.empty() && is_rest(pattern.back());
  if (rest ? path.size() < pattern.size() : pattern.size() != path.size()) return false;
  std::vector<std::string> found;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (rest && i + 1 == pattern.size()) {
      std::string joined;
      for (std::size_t j = i; j < path.size(); ++j) joined += (j == i ? "" : "/") + path[j];
      if (joined.empty()) return false;
      found.push_back(joined);
      break;
    }
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      found.push_back(path[i]);
    } else if (p != path[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Access access, RouteHandler handler,
                 std::string body_media_type) {
  auto segments = split_path(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), access, std::move(handler),
                          std::move(body_media_type), std::move(segments)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  const auto parts = split_path(path);
  for (const auto& r : routes_) {
    std::vector<std::string> params;
    if (!match_pattern(r.segments, parts, &params)) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end())
      m.allowed.push_back(r.method);
  }
  return m;
}

}  // namespace tenantca::handlers
