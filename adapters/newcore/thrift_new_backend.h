// ThriftNewBackend: the new core as a Backend (adapters/backend.h).
//
// A channel transaction (TRANCODE + COMMAREA) goes through the mapping
// pack's Translator (translator.h) to newcore's Thrift API and comes back in
// the legacy reply layout. Calls go over a bounded pool of connected
// idl::CoreBankingClient (TSocket + TFramedTransport + TBinaryProtocol, as
// newcore serves): at most `pool_size` connections exist; a call waits for a
// free one until its deadline. A connection that failed (transport error,
// timeout, unexpected exception) or that the server closed while idle is
// discarded; the next call opens a new one.
//
// Timeouts: connect within min(connect_timeout, time left to the
// CallContext deadline); send and receive within min(call_timeout, time
// left). A CallContext without a deadline (the epoch) uses the options.
//
// Errors: as the Backend seam says. Unavailable: cannot connect, pool
// exhausted until the deadline, ServiceUnavailable, a broken connection;
// DeadlineExceeded: the deadline passed before the call or the call timed
// out (a write's outcome is then unknown); InvalidArgument: unknown TRANCODE
// or a COMMAREA the pack cannot translate (nothing sent).
//
// Thread-safety: call() from any number of threads; the pool's lock is never
// held across I/O.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/backend.h"
#include "adapters/newcore/translator.h"
#include "mappings/pack.h"

namespace corebridge::adapters::newcore {

struct ThriftNewBackendOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t pool_size = 8;  // at most this many connections, in use or idle
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds call_timeout{5000};
};

class ThriftNewBackend : public Backend {
 public:
  using Options = ThriftNewBackendOptions;

  // InvalidArgument when the pack does not fit the API (Translator::create)
  // or the options are unusable. Connects lazily, on the first call.
  static Result<std::unique_ptr<ThriftNewBackend>> create(
      std::shared_ptr<const mappings::Pack> pack, Options options);
  ~ThriftNewBackend() override;

  // Backend
  Result<BackendReply> call(std::string_view trancode, std::string_view commarea,
                            const CallContext& context) override;
  std::string_view side() const override { return "new"; }

  // Connections open now (in use or idle), for tests and metrics.
  size_t openConnections() const;

 private:
  struct Connection;
  ThriftNewBackend(std::unique_ptr<Translator> translator, Options options);
  Result<std::unique_ptr<Connection>> acquire(std::chrono::steady_clock::time_point deadline);
  Result<std::unique_ptr<Connection>> connect(std::chrono::milliseconds timeout);
  void release(std::unique_ptr<Connection> c, bool healthy);

  std::unique_ptr<Translator> translator_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                // guarded by mu_
};

}  // namespace corebridge::adapters::newcore
