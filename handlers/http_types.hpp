#pragma once
// Our own request/response types: handlers never see Pistache, so routing,
// auth and error mapping are testable without a socket.
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tenantca::handlers {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;    // decoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;

  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close_connection = false;
  std::string client_address;  // who asked, for the access log (see RequestContext)

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

HttpResponse json_response(int status, const std::string& json_text);

// Percent-decoding for query strings ('+' is a space); nullopt-free: bad
// escapes are kept literally so validation reports them.
std::string url_decode(const std::string& s);
// Percent-decoding for path segments, where '+' is literal (base64 in OCSP GET URLs).
std::string url_decode_path(const std::string& s);
std::map<std::string, std::string> parse_query(const std::string& raw);

}  // namespace tenantca::handlers
