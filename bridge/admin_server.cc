#include "bridge/admin_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <istream>

#include "common/logging.h"

namespace corebridge::bridge {
namespace {

constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void plain(AdminResponse* response, int status, std::string body) {
  response->status = status;
  response->content_type = "text/plain; charset=utf-8";
  response->body = std::move(body);
}

bool isPrefixRoute(std::string_view path) {
  return path.size() >= 2 && path.substr(path.size() - 2) == "/*";
}

// "/api/*" covers "/api" and everything under "/api/".
bool prefixMatches(std::string_view route, std::string_view path) {
  const std::string_view base = route.substr(0, route.size() - 2);
  return path == base || (path.size() > base.size() && path.substr(0, base.size()) == base &&
                          path[base.size()] == '/');
}

}  // namespace

std::string AdminRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (equalsIgnoreCase(n, name)) {
      return v;
    }
  }
  return "";
}

// ---- AdminRouter ------------------------------------------------------------

Status AdminRouter::add(std::string method, std::string path, AdminHandler handler) {
  if (method.empty() || path.empty() || path[0] != '/' || !handler) {
    return invalidArgument("admin route '" + method + " " + path +
                           "': needs a method, a path starting with '/' and a handler");
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto& methods = routes_[path];
  if (methods.count(method) != 0) {
    return invalidArgument("admin route '" + method + " " + path + "' is already routed");
  }
  methods.emplace(std::move(method), std::move(handler));
  return okStatus();
}

void AdminRouter::dispatch(const AdminRequest& request, AdminResponse* response) const {
  AdminHandler handler;
  std::string allow;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = routes_.find(request.path);
    if (it == routes_.end()) {
      size_t best = 0;
      for (auto r = routes_.begin(); r != routes_.end(); ++r) {
        if (isPrefixRoute(r->first) && r->first.size() > best &&
            prefixMatches(r->first, request.path)) {
          best = r->first.size();
          it = r;
        }
      }
    }
    if (it == routes_.end()) {
      plain(response, 404, "not found\n");
      return;
    }
    const auto& methods = it->second;
    auto m = methods.find(request.method);
    if (m == methods.end() && request.method == "HEAD") {
      m = methods.find("GET");
    }
    if (m != methods.end()) {
      handler = m->second;
    } else {
      for (const auto& [name, h] : methods) {
        allow += (allow.empty() ? "" : ", ") + name;
        if (name == "GET" && methods.count("HEAD") == 0) {
          allow += ", HEAD";
        }
      }
    }
  }
  if (!handler) {
    plain(response, 405, "method not allowed\n");
    response->headers.emplace_back("Allow", allow);
    return;
  }
  handler(request, response);  // outside the lock: handlers may be slow
}

// ---- AdminServer ------------------------------------------------------------

namespace {

class RouteHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RouteHandler(const AdminRouter& router, size_t max_body) : router_(router), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    AdminResponse out;
    AdminRequest in;
    try {
      in.method = request.getMethod();
      in.peer = request.clientAddress().toString();
      if (read(request, &in, &out)) {
        try {
          router_.dispatch(in, &out);
        } catch (const std::exception& e) {
          logger("admin")->error("{} {} from {}: handler failed: {}", in.method, in.path, in.peer,
                                 e.what());
          out = AdminResponse{};
          plain(&out, 500, "internal error\n");
        } catch (...) {
          logger("admin")->error("{} {} from {}: handler failed", in.method, in.path, in.peer);
          out = AdminResponse{};
          plain(&out, 500, "internal error\n");
        }
      }
      write(in.method == "HEAD", out, response);
    } catch (const Poco::Exception& e) {
      // The client went away or sent garbage; nothing left to answer.
      logger("admin")->debug("{} {} from {}: {}", in.method, in.path, in.peer, e.displayText());
    } catch (const std::exception& e) {
      logger("admin")->warn("{} {} from {}: {}", in.method, in.path, in.peer, e.what());
    }
  }

 private:
  // The request's path, query, headers and body; false with *out filled
  // when it is answered already (bad URI, body too large).
  bool read(Poco::Net::HTTPServerRequest& request, AdminRequest* in, AdminResponse* out) {
    try {
      const Poco::URI uri(request.getURI());
      in->path = uri.getPath();
      in->query = uri.getRawQuery();
    } catch (const Poco::SyntaxException&) {
      plain(out, 400, "bad request URI\n");
      return false;
    }
    if (in->path.empty()) {
      in->path = "/";
    }
    for (const auto& [name, value] : request) {
      in->headers.emplace_back(name, value);
    }
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<Poco::Int64>(max_body_)) {
      plain(out, 413, "request body too large\n");
      return false;
    }
    std::istream& body = request.stream();
    char buf[8192];
    while (body.read(buf, sizeof buf) || body.gcount() > 0) {
      in->body.append(buf, static_cast<size_t>(body.gcount()));
      if (in->body.size() > max_body_) {
        plain(out, 413, "request body too large\n");
        return false;
      }
    }
    return true;
  }

  static void write(bool head, const AdminResponse& out, Poco::Net::HTTPServerResponse& response) {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(out.status));
    response.setContentType(out.content_type);
    for (const auto& [name, value] : out.headers) {
      response.set(name, value);
    }
    response.setContentLength64(static_cast<Poco::Int64>(out.body.size()));
    if (head) {
      response.send();
    } else {
      response.sendBuffer(out.body.data(), out.body.size());
    }
  }

  const AdminRouter& router_;
  const size_t max_body_;
};

}  // namespace

class AdminServer::HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(const AdminRouter& router, size_t max_body)
      : router_(router), max_body_(max_body) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RouteHandler(router_, max_body_);
  }

 private:
  const AdminRouter& router_;
  const size_t max_body_;
};

AdminServer::AdminServer(AdminServerOptions options, const MetricsRegistry* metrics,
                         ReadinessCheck readiness)
    : options_(std::move(options)), metrics_(metrics), readiness_(std::move(readiness)) {
  // The table is empty, so these cannot collide.
  static_cast<void>(router_.add("GET", "/metrics", [this](const AdminRequest&, AdminResponse* r) {
    r->content_type = std::string(kPrometheusContentType);
    r->body = metrics_ != nullptr ? metrics_->renderPrometheus() : "";
  }));
  static_cast<void>(router_.add(
      "GET", "/healthz", [](const AdminRequest&, AdminResponse* r) { plain(r, 200, "ok\n"); }));
  static_cast<void>(router_.add("GET", "/readyz", [this](const AdminRequest&, AdminResponse* r) {
    const Status ready = readiness_ ? readiness_() : okStatus();
    if (ready.ok()) {
      plain(r, 200, "ready\n");
    } else {
      plain(r, 503, "not ready: " + ready.message() + "\n");
    }
  }));
}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (server_ != nullptr) {
    return failedPrecondition("admin server already started on port " + std::to_string(port_));
  }
  const std::string where = "admin server " + options_.bind + ":" + std::to_string(options_.port);
  std::unique_ptr<Poco::Net::ServerSocket> tls_socket;
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty()) {
      return invalidArgument(where + ": TLS needs both a certificate and a key");
    }
    try {
      static std::once_flag ssl_once;
      std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, options_.tls_key, options_.tls_cert, "",
          Poco::Net::Context::VERIFY_NONE, 9, false, "HIGH:!aNULL:!MD5:!RC4");
      context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
      tls_socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
    } catch (const Poco::Exception& e) {
      return invalidArgument(where + ": cannot load the TLS certificate " + options_.tls_cert +
                             " and key " + options_.tls_key + ": " + e.displayText());
    }
  }
  try {
    Poco::Net::ServerSocket plain;
    Poco::Net::ServerSocket& socket = tls_socket != nullptr ? *tls_socket : plain;
    // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: a second bridge on
    // the same port must fail, not share it.
    socket.bind(Poco::Net::SocketAddress(options_.bind, options_.port), /*reuseAddress=*/true,
                /*reusePort=*/false);
    socket.listen(64);
    auto params = Poco::Net::HTTPServerParams::Ptr(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(options_.max_threads);
    params->setMaxQueued(options_.max_queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(2, 0));
    params->setTimeout(Poco::Timespan(10, 0));
    params->setServerName("corebridge-admin");
    auto pool = std::make_unique<Poco::ThreadPool>(1, std::max(1, options_.max_threads));
    auto server = std::make_unique<Poco::Net::HTTPServer>(
        new HandlerFactory(router_, options_.max_body), *pool, socket, params);
    server->start();
    port_ = socket.address().port();
    pool_ = std::move(pool);
    server_ = std::move(server);
  } catch (const Poco::Exception& e) {
    return unavailable(where + ": " + e.displayText());
  }
  logger("admin")->info("admin server listening on {}:{}{}", options_.bind, port_,
                        tls_socket != nullptr ? " (HTTPS)" : "");
  return okStatus();
}

void AdminServer::stop() {
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::unique_ptr<Poco::ThreadPool> pool;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server = std::move(server_);
    pool = std::move(pool_);
  }
  if (server == nullptr) {
    return;
  }
  try {
    // Shuts idle keep-alive connections down too, so no worker waits out
    // its keep-alive timeout; then waits for the workers.
    server->stopAll(/*abortCurrent=*/true);
    pool->joinAll();
  } catch (const Poco::Exception& e) {
    logger("admin")->warn("admin server stop: {}", e.displayText());
  }
  server.reset();
  pool.reset();
}

uint16_t AdminServer::port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return port_;
}

}  // namespace corebridge::bridge
