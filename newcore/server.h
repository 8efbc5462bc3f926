// NewcoreServer: serves a CoreBanking handler over Thrift (framed transport,
// binary protocol) with either of Thrift's C++ servers:
//   kThreaded     TThreadedServer: one thread per connection, blocking I/O.
//   kNonblocking  TNonblockingServer: libevent I/O thread, a pool of
//                 `threads` workers running the handler.
// docs/newcore.md has both measured and says which is the default and why.
//
// Thread-safety: start() and stop() from one owner thread. The handler is
// called from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "CoreBanking.h"
#include "common/status.h"

namespace apache::thrift::server {
class TServer;
}
namespace apache::thrift::concurrency {
class ThreadManager;
}

namespace corebridge::newcore {

enum class ServerKind { kThreaded, kNonblocking };

// Parses "threaded" / "nonblocking"; false when unknown.
bool parseServerKind(const std::string& s, ServerKind* out);

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port, see port()
  ServerKind kind = ServerKind::kThreaded;
  // kNonblocking: worker threads. kThreaded: the most connections served at
  // once (0: no limit; more wait in the accept queue).
  int threads = 0;
};

class NewcoreServer {
 public:
  NewcoreServer(std::shared_ptr<idl::CoreBankingIf> handler, ServerOptions options);
  ~NewcoreServer();
  NewcoreServer(const NewcoreServer&) = delete;
  NewcoreServer& operator=(const NewcoreServer&) = delete;

  // Binds and starts serving on a background thread; returns once the socket
  // listens (Unavailable when it cannot bind).
  Status start();
  // The port bound, after a successful start().
  int port() const { return port_; }
  // Stops accepting, ends the connections and joins. Idempotent.
  void stop();

 private:
  std::shared_ptr<idl::CoreBankingIf> handler_;
  ServerOptions options_;
  std::shared_ptr<apache::thrift::server::TServer> server_;
  std::shared_ptr<apache::thrift::concurrency::ThreadManager> workers_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace corebridge::newcore
