#include "core/acme/network_validator.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/acme/base64url.hpp"

namespace tenantca::core::acme {
namespace {

constexpr std::size_t kMaxBody = 8192;

ValidationResult failed(std::string type, std::string detail, bool retryable) {
  return ValidationResult{false, std::move(type), std::move(detail), retryable};
}

std::string trim_right(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.pop_back();
  return s;
}

void init_libraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ares_library_init(ARES_LIB_INIT_ALL);
  });
}

// ---- c-ares: one query, waited for with poll() and a deadline ----------------------
struct QueryState {
  bool done = false;
  int status = ARES_ETIMEOUT;
  std::string answer;
};

void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* st = static_cast<QueryState*>(arg);
  st->done = true;
  st->status = status;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0)
    st->answer.assign(reinterpret_cast<char*>(abuf), static_cast<std::size_t>(alen));
}

struct Channel {
  ares_channel ch = nullptr;
  ~Channel() {
    if (ch != nullptr) ares_destroy(ch);
  }
};

std::string ares_query_once(const std::string& server, const std::string& name, int type,
                            int timeout_ms, int& status) {
  Channel channel;
  ares_options opts{};
  opts.timeout = std::max(100, timeout_ms / 2);
  opts.tries = 2;
  if (ares_init_options(&channel.ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
    status = ARES_ENOMEM;
    return {};
  }
  if (!server.empty() && ares_set_servers_ports_csv(channel.ch, server.c_str()) != ARES_SUCCESS) {
    status = ARES_EBADSTR;
    return {};
  }
  QueryState st;
  ares_query(channel.ch, name.c_str(), ns_c_in, type, on_answer, &st);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!st.done) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = ares_getsock(channel.ch, socks, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> fds;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
      if (events != 0) fds.push_back(pollfd{socks[i], events, 0});
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || fds.empty()) break;
    timeval max{static_cast<time_t>(left / 1000), static_cast<suseconds_t>((left % 1000) * 1000)};
    timeval tv{};
    timeval* t = ares_timeout(channel.ch, &max, &tv);
    const int wait_ms = static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000);
    poll(fds.data(), fds.size(), std::max(1, wait_ms));
    for (const auto& p : fds) {
      ares_process_fd(channel.ch,
                      (p.revents & (POLLIN | POLLERR | POLLHUP)) ? p.fd : ARES_SOCKET_BAD,
                      (p.revents & POLLOUT) ? p.fd : ARES_SOCKET_BAD);
    }
    if (fds.empty()) ares_process_fd(channel.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
  status = st.done ? st.status : ARES_ETIMEOUT;
  return st.answer;
}

// ---- addresses ---------------------------------------------------------------------
bool forbidden(const std::vector<pki::IpRange>& ranges, const std::string& address) {
  auto ip = pki::parse_ip(address);
  if (!ip) return true;
  for (const auto& r : ranges) {
    if (r.contains(*ip)) return true;
  }
  return false;
}

// ---- a bounded TCP connect ---------------------------------------------------------
int connect_with_timeout(const std::string& address, int port, int timeout_ms) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return -1;
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t errlen = sizeof err;
  if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 ||
      err != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (body->size() + bytes > kMaxBody) return 0;  // too large: abort the transfer
  body->append(data, bytes);
  return bytes;
}

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using CurlList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;

}  // namespace

std::string dns01_digest(const std::string& key_authorization) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(),
         md);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(md), sizeof md));
}

NetworkValidator::NetworkValidator(NetworkValidatorSettings settings)
    : settings_(std::move(settings)) {
  init_libraries();
}

std::vector<std::string> NetworkValidator::resolve(const std::string& name,
                                                   std::string& error) const {
  std::vector<std::string> out;
  if (settings_.dns_resolver.empty()) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      error = std::string("cannot resolve ") + name + ": " + gai_strerror(rc);
      return out;
    }
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {0};
      const void* src =
          a->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
      if (inet_ntop(a->ai_family, src, text, sizeof text) != nullptr) out.emplace_back(text);
    }
    freeaddrinfo(res);
    return out;
  }
  for (int type : {ns_t_a, ns_t_aaaa}) {
    int status = 0;
    const std::string answer =
        ares_query_once(settings_.dns_resolver, name, type, settings_.timeout_ms, status);
    if (status != ARES_SUCCESS) continue;
    const auto* abuf = reinterpret_cast<const unsigned char*>(answer.data());
    const int alen = static_cast<int>(answer.size());
    if (type == ns_t_a) {
      ares_addrttl addrs[16];
      int n = 16;
      if (ares_parse_a_reply(abuf, alen, nullptr, addrs, &n) == ARES_SUCCESS) {
        for (int i = 0; i < n; ++i) {
          char text[INET_ADDRSTRLEN] = {0};
          if (inet_ntop(AF_INET, &addrs[i].ipaddr, text, sizeof text) != nullptr)
            out.emplace_back(text);
        }
      }
    } else {
      ares_addr6ttl addrs[16];
      int n = 16;
      if (ares_parse_aaaa_reply(abuf, alen, nullptr, addrs, &n) == ARES_SUCCESS) {
        for (int i = 0; i < n; ++i) {
          char text[INET6_ADDRSTRLEN] = {0};
          if (inet_ntop(AF_INET6, &addrs[i].ip6addr, text, sizeof text) != nullptr)
            out.emplace_back(text);
        }
      }
    }
  }
  if (out.empty()) error = "no A or AAAA record for " + name;
  return out;
}

std::vector<std::string> NetworkValidator::txt_records(const std::string& name,
                                                       std::string& error) const {
  std::vector<std::string> out;
  int status = 0;
  const std::string answer =
      ares_query_once(settings_.dns_resolver, name, ns_t_txt, settings_.timeout_ms, status);
  if (status != ARES_SUCCESS) {
    error = std::string("TXT lookup of ") + name + " failed: " + ares_strerror(status);
    return out;
  }
  ares_txt_reply* txt = nullptr;
  if (ares_parse_txt_reply(reinterpret_cast<const unsigned char*>(answer.data()),
                           static_cast<int>(answer.size()), &txt) != ARES_SUCCESS) {
    error = "unreadable TXT answer for " + name;
    return out;
  }
  for (ares_txt_reply* t = txt; t != nullptr; t = t->next)
    out.emplace_back(reinterpret_cast<const char*>(t->txt), t->length);
  ares_free_data(txt);
  return out;
}

bool NetworkValidator::pick_address(const Identifier& id, std::string& address,
                                    ValidationResult& failure) const {
  std::vector<std::string> candidates;
  if (id.type == "ip") {
    candidates.push_back(id.value);
  } else {
    std::string error;
    candidates = resolve(id.value, error);
    if (candidates.empty()) {
      failure = failed("dns", error, true);
      return false;
    }
  }
  for (const auto& c : candidates) {
    if (!forbidden(settings_.forbidden_ranges, c)) {
      address = c;
      return true;
    }
  }
  failure = failed("rejectedIdentifier",
                   id.value + " resolves only to addresses validation may not connect to", false);
  return false;
}

ValidationResult NetworkValidator::validate(const ValidationJob& job,
                                            const std::string& key_authorization) {
  if (job.challenge.type == "http-01") return http01(job, key_authorization);
  if (job.challenge.type == "dns-01") return dns01(job, key_authorization);
  if (job.challenge.type == "tls-alpn-01") return tls_alpn01(job, key_authorization);
  return failed("malformed", "unknown challenge type " + job.challenge.type, false);
}

ValidationResult NetworkValidator::http01(const ValidationJob& job,
                                          const std::string& key_authorization) const {
  std::string address;
  ValidationResult failure;
  if (!pick_address(job.identifier, address, failure)) return failure;
  const bool v6 = address.find(':') != std::string::npos;
  const std::string host =
      job.identifier.type == "ip" && v6 ? "[" + address + "]" : job.identifier.value;
  const std::string port = std::to_string(settings_.http01_port);
  const std::string url =
      "http://" + host + ":" + port + "/.well-known/acme-challenge/" + job.challenge.token;
  // Pin curl to the checked address: no second lookup, no rebinding.
  const std::string pin =
      job.identifier.value + ":" + port + ":" + (v6 ? "[" + address + "]" : address);
  CurlPtr curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return failed("serverInternal", "cannot start an HTTP client", true);
  CurlList resolve(job.identifier.type == "dns" ? curl_slist_append(nullptr, pin.c_str()) : nullptr,
                   &curl_slist_free_all);
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  if (resolve) curl_easy_setopt(curl.get(), CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);  // never to other ports or schemes
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "tenantca-acme-validation");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return failed(
        "connection",
        "fetching " + url + ": " + (error[0] ? std::string(error) : curl_easy_strerror(rc)), true);
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    return failed("unauthorized", url + " answered HTTP " + std::to_string(status), false);
  if (trim_right(body) != key_authorization)
    return failed("incorrectResponse", url + " did not return the key authorization", false);
  return ValidationResult{true, "", "", false};
}

ValidationResult NetworkValidator::dns01(const ValidationJob& job,
                                         const std::string& key_authorization) const {
  const std::string name = "_acme-challenge." + job.identifier.value;
  std::string error;
  const auto records = txt_records(name, error);
  const std::string expected = dns01_digest(key_authorization);
  for (const auto& r : records) {
    if (r == expected) return ValidationResult{true, "", "", false};
  }
  if (!error.empty()) return failed("dns", error, true);
  return failed("unauthorized", "no TXT record at " + name + " holds the expected digest", true);
}

ValidationResult NetworkValidator::tls_alpn01(const ValidationJob& job,
                                              const std::string& key_authorization) const {
  std::string address;
  ValidationResult failure;
  if (!pick_address(job.identifier, address, failure)) return failure;
  const int fd = connect_with_timeout(address, settings_.tlsalpn01_port, settings_.timeout_ms);
  if (fd < 0)
    return failed("connection",
                  "cannot connect to " + address + ":" + std::to_string(settings_.tlsalpn01_port),
                  true);
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  SslPtr ssl(ctx ? SSL_new(ctx.get()) : nullptr, &SSL_free);
  if (!ssl) {
    ::close(fd);
    return failed("serverInternal", "cannot start TLS", true);
  }
  SSL_set_fd(ssl.get(), fd);
  static const unsigned char alpn[] =
      "\x0a"
      "acme-tls/1";
  SSL_set_alpn_protos(ssl.get(), alpn, sizeof alpn - 1);
  // RFC 8737 3: SNI carries the name; an address cannot be a HostName (RFC
  // 6066), so for an ip identifier it is the reverse-mapping name (RFC 8738 6).
  const auto ip = job.identifier.type == "ip" ? pki::parse_ip(job.identifier.value) : std::nullopt;
  std::string sni = ip ? pki::reverse_dns_name(*ip) : job.identifier.value;
  // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
  SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, sni.data());
  SSL_set_verify(ssl.get(), SSL_VERIFY_NONE, nullptr);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.timeout_ms);
  int rc = 0;
  while ((rc = SSL_connect(ssl.get())) != 1) {
    const int err = SSL_get_error(ssl.get(), rc);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) || left <= 0) {
      ERR_clear_error();
      ::close(fd);
      return failed("tls", "TLS handshake with " + address + " failed", true);
    }
    pollfd p{fd, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    poll(&p, 1, static_cast<int>(left));
  }
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &proto, &proto_len);
  pki::X509Ptr cert(SSL_get1_peer_certificate(ssl.get()));
  SSL_shutdown(ssl.get());
  ::close(fd);
  if (proto_len != 10 || std::memcmp(proto, "acme-tls/1", 10) != 0)
    return failed("tls", "the server did not negotiate acme-tls/1", false);
  if (!cert) return failed("tls", "the server sent no certificate", false);
  // Exactly the identifier as the only subjectAltName.
  pki::GeneralNamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  bool names_ok = sans && sk_GENERAL_NAME_num(sans.get()) == 1;
  if (names_ok) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans.get(), 0);
    if (job.identifier.type == "dns") {
      names_ok = g->type == GEN_DNS &&
                 std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                             static_cast<std::size_t>(ASN1_STRING_length(g->d.dNSName))) ==
                     job.identifier.value;
    } else {
      const std::size_t n = ip && ip->family == AF_INET ? 4 : 16;
      names_ok = g->type == GEN_IPADD && ip &&
                 static_cast<std::size_t>(ASN1_STRING_length(g->d.iPAddress)) == n &&
                 std::memcmp(ASN1_STRING_get0_data(g->d.iPAddress), ip->bytes.data(), n) == 0;
    }
  }
  if (!names_ok)
    return failed("unauthorized", "the certificate must name exactly " + job.identifier.value,
                  false);
  // id-pe-acmeIdentifier, critical, an OCTET STRING of SHA-256(key authorization).
  const std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(
      OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1), &ASN1_OBJECT_free);
  const int at = X509_get_ext_by_OBJ(cert.get(), oid.get(), -1);
  X509_EXTENSION* ext = at >= 0 ? X509_get_ext(cert.get(), at) : nullptr;
  if (ext == nullptr || X509_EXTENSION_get_critical(ext) != 1)
    return failed("unauthorized", "the certificate has no critical acmeIdentifier extension",
                  false);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(),
         md);
  const unsigned char* p = ASN1_STRING_get0_data(value);
  const int len = ASN1_STRING_length(value);
  if (len != 2 + SHA256_DIGEST_LENGTH || p[0] != 0x04 || p[1] != SHA256_DIGEST_LENGTH ||
      std::memcmp(p + 2, md, SHA256_DIGEST_LENGTH) != 0)
    return failed("incorrectResponse", "the acmeIdentifier does not match the key authorization",
                  false);
  return ValidationResult{true, "", "", false};
}

}  // namespace tenantca::core::acme
