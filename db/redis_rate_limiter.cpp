#include "db/redis_rate_limiter.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <regex>
#include <stdexcept>

namespace tenantca::db {
namespace {

// KEYS[1] bucket; ARGV rate/s, burst. Returns {allowed, tokens left as text}
// (a Lua number in a reply would be truncated to an integer). The bucket
// expires once it would be full again, so idle keys cost no memory.
constexpr const char* kTakeScript = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000000)
end
if at ~= nil and at > now then now = at end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, string.format('%.6f', tokens)}
)lua";

constexpr auto kRetryInterval = std::chrono::seconds(1);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

}  // namespace

RedisEndpoint parse_redis_url(const std::string& url) {
  static const std::regex re(
      R"(^redis://(?::([^@]*)@)?([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?(?:/(\d{1,2}))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, re)) {
    // The URL may carry a password: never echo it.
    std::string shown = url;
    if (const auto at = shown.rfind('@'); at != std::string::npos) {
      const auto scheme = shown.find("://");
      const auto from = scheme == std::string::npos ? 0 : scheme + 3;
      if (at >= from) shown.replace(from, at - from, "***");
    }
    throw std::invalid_argument("expected redis://[:password@]host[:port][/db], got '" + shown +
                                "'");
  }
  RedisEndpoint e;
  e.password = m[1].str();
  e.host = m[2].str();
  if (e.host.front() == '[') e.host = e.host.substr(1, e.host.size() - 2);
  if (m[3].matched) {
    e.port = std::stoi(m[3].str());
    if (e.port < 1 || e.port > 65535)
      throw std::invalid_argument("port must be between 1 and 65535");
  }
  if (m[4].matched) e.database = std::stoi(m[4].str());
  return e;
}

RedisRateLimiter::RedisRateLimiter(RedisEndpoint endpoint, std::chrono::milliseconds timeout,
                                   core::RateLimiter& fallback, core::RateLimiterStats* stats)
    : endpoint_(std::move(endpoint)), timeout_(timeout), fallback_(fallback), stats_(stats) {
  // Connect once now so a misconfiguration shows in the log at boot; a
  // failure is not fatal: the worker limits locally meanwhile.
  if (auto c = lease()) give_back(std::move(c));
}

RedisRateLimiter::~RedisRateLimiter() = default;

RedisRateLimiter::Connection::~Connection() {
  if (ctx) redisFree(ctx);
}

std::unique_ptr<RedisRateLimiter::Connection> RedisRateLimiter::connect(std::string& why) {
  auto c = std::make_unique<Connection>();
  const timeval tv = to_timeval(timeout_);
  c->ctx = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv);
  if (c->ctx == nullptr || c->ctx->err) {
    why = c->ctx ? c->ctx->errstr : "cannot allocate a connection";
    return nullptr;
  }
  redisSetTimeout(c->ctx, tv);
  auto command = [&](const char* what, Reply r, int want_type) {
    if (r && r->type == want_type) return r;
    why = r && r->type == REDIS_REPLY_ERROR
              ? std::string(what) + " refused: " + std::string(r->str, r->len)
              : c->ctx->errstr;
    return Reply();
  };
  if (!endpoint_.password.empty() && !command("AUTH",
                                              Reply(static_cast<redisReply*>(redisCommand(
                                                  c->ctx, "AUTH %s", endpoint_.password.c_str()))),
                                              REDIS_REPLY_STATUS)) {
    return nullptr;
  }
  if (endpoint_.database != 0 && !command("SELECT",
                                          Reply(static_cast<redisReply*>(redisCommand(
                                              c->ctx, "SELECT %d", endpoint_.database))),
                                          REDIS_REPLY_STATUS)) {
    return nullptr;
  }
  Reply sha =
      command("SCRIPT LOAD",
              Reply(static_cast<redisReply*>(redisCommand(c->ctx, "SCRIPT LOAD %s", kTakeScript))),
              REDIS_REPLY_STRING);
  if (!sha) return nullptr;
  c->script_sha.assign(sha->str, sha->len);
  return c;
}

std::unique_ptr<RedisRateLimiter::Connection> RedisRateLimiter::lease() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (std::chrono::steady_clock::now() < retry_at_)
      return nullptr;  // down: try again later, not per request
  }
  std::string why;
  auto c = connect(why);
  if (!c) {
    went_down(why);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (reported_down_) {
    spdlog::info("rate limiting: Redis {}:{} reachable again; limits are shared across instances",
                 endpoint_.host, endpoint_.port);
  }
  reported_down_ = false;
  if (stats_) stats_->shared_store_up = 1;
  return c;
}

void RedisRateLimiter::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(c));
}

void RedisRateLimiter::went_down(const std::string& why) {
  std::vector<std::unique_ptr<Connection>> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  dropped.swap(idle_);  // they lead to the same server: do not wait on each in turn
  retry_at_ = std::chrono::steady_clock::now() + kRetryInterval;
  if (stats_) stats_->shared_store_up = 0;
  if (!reported_down_) {
    spdlog::warn(
        "rate limiting: Redis {}:{} unreachable ({}); using this instance's local limiter until it "
        "is back",
        endpoint_.host, endpoint_.port, why);
    reported_down_ = true;
  }
}

bool RedisRateLimiter::eval(Connection& c, const std::string& key, int rate, int burst,
                            bool& allowed, double& tokens, std::string& why) {
  const std::string bucket = "tenantca:ratelimit:" + key;
  const std::string rate_s = std::to_string(rate);
  const std::string burst_s = std::to_string(burst);
  for (int attempt = 0; attempt < 2; ++attempt) {
    Reply r(static_cast<redisReply*>(redisCommand(c.ctx, "EVALSHA %s 1 %b %s %s",
                                                  c.script_sha.c_str(), bucket.data(),
                                                  bucket.size(), rate_s.c_str(), burst_s.c_str())));
    if (!r) {
      why = c.ctx->errstr;
      return false;
    }
    if (r->type == REDIS_REPLY_ERROR && std::string(r->str, r->len).rfind("NOSCRIPT", 0) == 0 &&
        attempt == 0) {
      // Redis restarted or its scripts were flushed: load it again.
      Reply load(static_cast<redisReply*>(redisCommand(c.ctx, "SCRIPT LOAD %s", kTakeScript)));
      if (!load || load->type != REDIS_REPLY_STRING) {
        why = "SCRIPT LOAD failed";
        return false;
      }
      c.script_sha.assign(load->str, load->len);
      continue;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_STRING) {
      why = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len)
                                         : "unexpected reply to the bucket script";
      return false;
    }
    allowed = r->element[0]->integer == 1;
    const char* s = r->element[1]->str;
    const auto [p, ec] = std::from_chars(s, s + r->element[1]->len, tokens);
    if (ec != std::errc()) {
      why = "unparsable token count";
      return false;
    }
    return true;
  }
  return false;
}

core::RateDecision RedisRateLimiter::take(const std::string& key, int rate, int burst) {
  if (auto c = lease()) {
    bool allowed = false;
    double tokens = 0;
    std::string why;
    if (eval(*c, key, rate, burst, allowed, tokens, why)) {
      give_back(std::move(c));
      if (stats_) ++stats_->shared_decisions;
      return core::decision_after_take(tokens, allowed, rate, burst);
    }
    went_down(why);  // the failed connection is dropped with c
  }
  if (stats_) ++stats_->fallback_decisions;
  return fallback_.take(key, rate, burst);
}

}  // namespace tenantca::db
