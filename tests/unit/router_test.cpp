#include "handlers/router.hpp"

#include <gtest/gtest.h>

#include "handlers/dispatcher.hpp"

using namespace tenantca::handlers;

namespace {
HttpResponse ok_handler(RequestContext& ctx) {
  std::string body;
  for (const auto& p : ctx.params) body += p + ";";
  return json_response(200, body);
}
}  // namespace

TEST(Router, MatchesPlaceholdersAndReportsAllowedMethods) {
  Router r;
  r.add("GET", "/api/v1/tenants/{id}", Access::public_, ok_handler);
  r.add("PATCH", "/api/v1/tenants/{id}", Access::public_, ok_handler);
  auto m = r.match("GET", "/api/v1/tenants/abc");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params, std::vector<std::string>{"abc"});
  auto wrong = r.match("DELETE", "/api/v1/tenants/abc");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allowed, (std::vector<std::string>{"GET", "PATCH"}));
  auto none = r.match("GET", "/api/v1/tenants/abc/extra");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
  EXPECT_EQ(r.match("GET", "/api/v1/tenants/").route, nullptr)
      << "an empty placeholder does not match";
}

TEST(Dispatcher, RejectsNonJsonBodiesWith415AndEchoesRequestId) {
  Router r;
  r.add("POST", "/x", Access::public_, ok_handler);
  Dispatcher d(
      std::move(r), [](RequestContext&, Access) {}, DispatcherOptions{100});
  HttpRequest req;
  req.method = "POST";
  req.path = "/x";
  req.body = "a=b";
  req.headers["content-type"] = "application/x-www-form-urlencoded";
  req.headers["x-request-id"] = "rid-1";
  auto resp = d.dispatch(req);
  EXPECT_EQ(resp.status, 415);
  EXPECT_EQ(resp.content_type, "application/problem+json");
  bool found = false;
  for (auto& h : resp.headers) found |= (h.first == "X-Request-Id" && h.second == "rid-1");
  EXPECT_TRUE(found);

  req.headers["content-type"] = "application/json; charset=utf-8";
  EXPECT_EQ(d.dispatch(req).status, 200);
  req.body = std::string(101, 'x');
  auto big = d.dispatch(req);
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(big.close_connection);
}

TEST(Dispatcher, UnexpectedExceptionsBecomeOpaque500) {
  Router r;
  r.add("GET", "/boom", Access::public_, [](RequestContext&) -> HttpResponse {
    throw std::runtime_error("SELECT secret FROM internals");
  });
  Dispatcher d(
      std::move(r), [](RequestContext&, Access) {}, DispatcherOptions{100});
  HttpRequest req;
  req.method = "GET";
  req.path = "/boom";
  auto resp = d.dispatch(req);
  EXPECT_EQ(resp.status, 500);
  EXPECT_EQ(resp.body.find("SELECT"), std::string::npos)
      << "internal text must not reach the client";
}

TEST(Query, DecodesPercentAndPlus) {
  auto q = parse_query("a=b%20c&d=e+f&bad=%zz&a=second");
  EXPECT_EQ(q["a"], "b c");
  EXPECT_EQ(q["d"], "e f");
  EXPECT_EQ(q["bad"], "%zz");
}
