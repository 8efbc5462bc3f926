// The admin HTTP server on loopback, port 0, through Poco's HTTP client: the
// built-in routes, readiness flipping, 404/405, added routes (exact and
// prefix), request bodies, handler failures, start/stop. The route table is
// also tested without a server.
#include "bridge/admin_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace corebridge::bridge {
namespace {

struct Reply {
  int status = 0;
  std::string content_type;
  std::string allow;
  std::string body;
};

Reply fetch(uint16_t port, const std::string& method, const std::string& path,
            const std::string& body = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!body.empty()) {
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply r;
  r.status = response.getStatus();
  r.content_type = response.getContentType();
  r.allow = response.get("Allow", "");
  std::ostringstream ss;
  Poco::StreamCopier::copyStream(in, ss);
  r.body = ss.str();
  return r;
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<AdminServer>(AdminServerOptions{}, &metrics_, [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return ready_;
    });
    ASSERT_TRUE(server_->start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  void setReady(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = std::move(s);
  }

  MetricsRegistry metrics_;
  std::mutex mu_;
  Status ready_;
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, MetricsInThePrometheusTextFormat) {
  metrics_.counter("corebridge_test_total", "A test counter.", {{"side", "legacy"}})
      .value()
      ->inc(3);
  const Reply r = fetch(server_->port(), "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, metrics_.renderPrometheus());
  EXPECT_EQ(r.body,
            "# HELP corebridge_test_total A test counter.\n"
            "# TYPE corebridge_test_total counter\n"
            "corebridge_test_total{side=\"legacy\"} 3\n");
}

TEST_F(AdminServerTest, HealthzIsOkWhileServing) {
  const Reply r = fetch(server_->port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(AdminServerTest, ReadinessFlips) {
  Reply r = fetch(server_->port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  setReady(unavailable("legacy back end not connected"));
  r = fetch(server_->port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: legacy back end not connected\n");
  // Health does not depend on readiness.
  EXPECT_EQ(fetch(server_->port(), "GET", "/healthz").status, 200);
  setReady(okStatus());
  EXPECT_EQ(fetch(server_->port(), "GET", "/readyz").status, 200);
}

TEST_F(AdminServerTest, UnknownPathIs404AndOtherMethodIs405) {
  Reply r = fetch(server_->port(), "GET", "/nothing-here");
  EXPECT_EQ(r.status, 404);
  r = fetch(server_->port(), "GET", "/metrics/extra");
  EXPECT_EQ(r.status, 404);
  r = fetch(server_->port(), "POST", "/metrics", "x=1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET, HEAD");
  r = fetch(server_->port(), "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
}

TEST_F(AdminServerTest, HeadAnswersGetRoutesWithoutABody) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
  Poco::Net::HTTPRequest request("HEAD", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  EXPECT_EQ(response.getStatus(), 200);
  EXPECT_EQ(response.getContentLength64(), 3);
  std::ostringstream ss;
  Poco::StreamCopier::copyStream(in, ss);
  EXPECT_EQ(ss.str(), "");
}

TEST_F(AdminServerTest, AddedRoutesWithQueryBodyAndPrefix) {
  ASSERT_TRUE(server_
                  ->addRoute("POST", "/api/v1/echo",
                             [](const AdminRequest& req, AdminResponse* resp) {
                               resp->content_type = "application/json";
                               resp->status = 201;
                               resp->body = req.method + " " + req.path + "?" + req.query + " " +
                                            req.header("content-length") + " " + req.body;
                             })
                  .ok());
  ASSERT_TRUE(server_
                  ->addRoute("GET", "/api/v1/flags/*",
                             [](const AdminRequest& req, AdminResponse* resp) {
                               resp->body = "flag " + req.path;
                             })
                  .ok());
  EXPECT_EQ(server_->addRoute("POST", "/api/v1/echo", [](auto&, auto*) {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(server_->addRoute("GET", "no-slash", [](auto&, auto*) {}).code(),
            StatusCode::kInvalidArgument);

  Reply r = fetch(server_->port(), "POST", "/api/v1/echo?x=1&y=2", "{\"a\":1}");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "POST /api/v1/echo?x=1&y=2 7 {\"a\":1}");
  r = fetch(server_->port(), "GET", "/api/v1/flags/savings");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "flag /api/v1/flags/savings");
  EXPECT_EQ(fetch(server_->port(), "GET", "/api/v1/flagsX").status, 404);
  EXPECT_EQ(fetch(server_->port(), "PUT", "/api/v1/flags/savings").status, 405);
}

TEST_F(AdminServerTest, TooLargeBodyIs413) {
  server_.reset();
  AdminServerOptions o;
  o.max_body = 16;
  AdminServer small(o, &metrics_, nullptr);
  ASSERT_TRUE(small.start().ok());
  ASSERT_TRUE(small.addRoute("POST", "/p", [](auto&, AdminResponse* r) { r->body = "ok"; }).ok());
  EXPECT_EQ(fetch(small.port(), "POST", "/p", std::string(17, 'x')).status, 413);
  EXPECT_EQ(fetch(small.port(), "POST", "/p", std::string(16, 'x')).status, 200);
}

TEST_F(AdminServerTest, HandlerExceptionIs500AndTheServerGoesOn) {
  ASSERT_TRUE(
      server_
          ->addRoute("GET", "/boom",
                     [](const AdminRequest&, AdminResponse*) { throw std::runtime_error("bug"); })
          .ok());
  EXPECT_EQ(fetch(server_->port(), "GET", "/boom").status, 500);
  EXPECT_EQ(fetch(server_->port(), "GET", "/healthz").status, 200);
}

TEST_F(AdminServerTest, KeepAliveSessionAndConcurrentClients) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
  session.setKeepAlive(true);
  for (int i = 0; i < 3; ++i) {
    Poco::Net::HTTPRequest request("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::ostringstream ss;
    Poco::StreamCopier::copyStream(in, ss);
    EXPECT_EQ(ss.str(), "ok\n");
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (fetch(server_->port(), "GET", "/metrics").status == 200) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 80);
  // stop() with the keep-alive session still open does not wait for it.
  server_->stop();
}

TEST_F(AdminServerTest, StartStopAndErrors) {
  EXPECT_EQ(server_->start().code(), StatusCode::kFailedPrecondition);
  const uint16_t port = server_->port();
  // The port is taken: a second server on it cannot bind.
  AdminServerOptions o;
  o.port = port;
  AdminServer clash(o, nullptr, nullptr);
  EXPECT_EQ(clash.start().code(), StatusCode::kUnavailable);
  server_->stop();
  server_->stop();  // idempotent
  EXPECT_THROW(fetch(port, "GET", "/healthz"), Poco::Exception);
  // A stopped server can start again.
  ASSERT_TRUE(server_->start().ok());
  EXPECT_EQ(fetch(server_->port(), "GET", "/healthz").status, 200);
}

// admin.tls_cert / tls_key: the same routes over HTTPS; a plain HTTP client
// gets no answer, and a certificate that cannot be read stops start().
TEST(AdminServerTls, ServesHttpsWithTheGivenCertificate) {
  char pattern[] = "/tmp/cb-admin-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const std::string cert = dir + "/cert.pem";
  const std::string key = dir + "/key.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                         "-keyout " +
                         key + " -out " + cert + " >/dev/null 2>&1")
                            .c_str()),
            0)
      << "openssl (Debian package openssl) could not make a test certificate";
  AdminServerOptions options;
  options.tls_cert = cert;
  options.tls_key = key;
  AdminServer server(options, nullptr, nullptr);
  ASSERT_TRUE(server.start().ok());
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", cert,
                             Poco::Net::Context::VERIFY_RELAXED, 9, false);
  Poco::Net::HTTPSClientSession https("127.0.0.1", server.port(), context);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz");
  https.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(https.receiveResponse(response), body);
  EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
  EXPECT_EQ(body, "ok\n");
  bool plain_answered = false;
  try {
    Poco::Net::HTTPClientSession plain("127.0.0.1", server.port());
    plain.setTimeout(Poco::Timespan(2, 0));
    Poco::Net::HTTPRequest again(Poco::Net::HTTPRequest::HTTP_GET, "/healthz");
    plain.sendRequest(again);
    Poco::Net::HTTPResponse r;
    plain.receiveResponse(r);
    plain_answered = r.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
  } catch (const Poco::Exception&) {
  }
  EXPECT_FALSE(plain_answered);
  server.stop();
  AdminServerOptions missing;
  missing.tls_cert = dir + "/none.pem";
  missing.tls_key = key;
  AdminServer broken(missing, nullptr, nullptr);
  Status s = broken.start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("none.pem"), std::string::npos) << s.message();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TEST(AdminRouter, DispatchWithoutAServer) {
  AdminRouter router;
  ASSERT_TRUE(router.add("GET", "/a/*", [](auto&, AdminResponse* r) { r->body = "short"; }).ok());
  ASSERT_TRUE(router.add("GET", "/a/b/*", [](auto&, AdminResponse* r) { r->body = "long"; }).ok());
  ASSERT_TRUE(router.add("GET", "/a/b/c", [](auto&, AdminResponse* r) { r->body = "exact"; }).ok());
  const auto run = [&](std::string method, std::string path) {
    AdminRequest req;
    req.method = std::move(method);
    req.path = std::move(path);
    AdminResponse resp;
    router.dispatch(req, &resp);
    return std::to_string(resp.status) + " " + resp.body;
  };
  EXPECT_EQ(run("GET", "/a/b/c"), "200 exact");
  EXPECT_EQ(run("GET", "/a/b/d"), "200 long");
  EXPECT_EQ(run("GET", "/a/b"), "200 long");
  EXPECT_EQ(run("GET", "/a/x"), "200 short");
  EXPECT_EQ(run("GET", "/a"), "200 short");
  EXPECT_EQ(run("GET", "/ab"), "404 not found\n");
  EXPECT_EQ(run("POST", "/a/b/c"), "405 method not allowed\n");
}

}  // namespace
}  // namespace corebridge::bridge
