// The admin HTTP port (docs/admin-api.md): a POCO Net HTTPServer with a tiny
// route table, method + path -> handler. Built-in routes:
//   GET /metrics   the registry in the Prometheus text format 0.0.4
//   GET /healthz   200 "ok" while the process serves
//   GET /readyz    200 "ready" when the readiness check says OK, else 503
//                  with its message as the reason
// Anything else: 404 for an unknown path, 405 (with Allow) for a known path
// and another method. HEAD is answered for every GET route, without a body.
// Later work adds its JSON API with addRoute(); a path ending in "/*" matches
// every path under that prefix (the handler reads request.path), an exact
// path wins over a prefix, a longer prefix over a shorter one.
//
// Handlers run on the server's worker threads (several at once) and must be
// thread-safe. They fill an AdminResponse; an exception escaping a handler
// is caught here and answered 500 (no exception leaves the server).
//
// Lifecycle: construct, addRoute() (any time, also while serving), start(),
// stop() (also from the destructor). start() binds `bind:port` (127.0.0.1
// by default; port 0 picks a free port, then port() says which) and returns
// Unavailable when the address cannot be bound, FailedPrecondition when
// already started. stop() stops accepting, aborts idle keep-alive
// connections and waits for handlers in progress.
//
// Thread-safety: all methods are safe from any thread; the route table is
// read under a shared lock per request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge/metrics.h"
#include "common/status.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}  // namespace Net
}  // namespace Poco

namespace corebridge::bridge {

struct AdminRequest {
  std::string method;  // as received: "GET", "POST" ...
  std::string path;    // decoded path, without the query
  std::string query;   // raw, after '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // at most AdminServerOptions::max_body bytes
  std::string peer;  // "address:port" of the client

  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using AdminHandler = std::function<void(const AdminRequest&, AdminResponse*)>;

// Ready when OK; otherwise the status message is the reason shown by /readyz.
using ReadinessCheck = std::function<Status()>;

struct AdminServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;
  // A keep-alive connection holds a worker while it idles (POCO), so a
  // few console tabs must not starve bridgectl or /metrics.
  int max_threads = 16;
  int max_queued = 64;
  size_t max_body = 1 << 20;  // larger bodies are answered 413
  // HTTPS when both are set: PEM files of the server's certificate (chain)
  // and private key. start() returns InvalidArgument when they cannot be
  // loaded.
  std::string tls_cert;
  std::string tls_key;
};

// The route table alone, usable without a server (and tested so).
class AdminRouter {
 public:
  // InvalidArgument for an empty method, a path not starting with '/', or a
  // method + path already routed.
  Status add(std::string method, std::string path, AdminHandler handler);

  // Runs the matching handler, or fills 404 / 405.
  void dispatch(const AdminRequest& request, AdminResponse* response) const;

 private:
  // path -> method -> handler; paths ending in "/*" are prefixes.
  std::map<std::string, std::map<std::string, AdminHandler>, std::less<>> routes_;
  mutable std::shared_mutex mu_;
};

class AdminServer {
 public:
  // `metrics` may be null (then /metrics renders an empty exposition) and
  // must outlive the server; a null readiness check means always ready.
  AdminServer(AdminServerOptions options, const MetricsRegistry* metrics, ReadinessCheck readiness);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  Status addRoute(std::string method, std::string path, AdminHandler handler) {
    return router_.add(std::move(method), std::move(path), std::move(handler));
  }

  Status start();
  void stop();

  // The bound port once started (the chosen one when options.port was 0).
  uint16_t port() const;
  const AdminRouter& router() const { return router_; }

 private:
  class HandlerFactory;

  AdminServerOptions options_;
  const MetricsRegistry* metrics_;
  ReadinessCheck readiness_;
  AdminRouter router_;

  mutable std::mutex mu_;  // guards the lifecycle below
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

}  // namespace corebridge::bridge
