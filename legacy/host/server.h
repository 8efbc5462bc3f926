// HostServer: legacy-host's TCP front end and its dispatcher.
//
// One I/O thread accepts connections and reads LLZZ frames with a poll loop;
// it checks each request (known TRANCODE, COMMAREA length), converts the
// COMMAREA from the wire dialect to the COBOL host's, and queues it. One
// dispatcher thread owns the ProgramExecutor and runs the queued calls one
// at a time, as CICS runs application code on its one QR TCB; the I/O
// thread converts each reply back and writes it. Replies on a connection
// come back in the order of its requests.
//
// Errors become system-error replies (adapters/channel/frame.h) and nothing
// is called: a frame with a known boundary (unknown TRANCODE, wrong COMMAREA
// length, ZZ or TRANCODE bytes invalid) leaves the connection open; a lost
// boundary (LL below the header or above the maximum) is answered and the
// connection closed after the answers already due.
//
// requestStop() (async-signal-safe, for SIGTERM) stops accepting and
// reading, lets queued and running calls finish and their replies be
// written, then run() returns.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "adapters/channel/frame.h"
#include "common/status.h"
#include "legacy/host/cobol_executor.h"
#include "legacy/host/transaction_table.h"
#include "mappings/transcoder.h"

namespace corebridge::legacy {

struct HostOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0: any free port; port() tells which
  adapters::FrameOptions frame;
  // A connection is not read while this many of its requests await replies.
  size_t max_pending_per_connection = 64;
};

struct HostTransaction {
  TransactionDef def;
  std::unique_ptr<mappings::Transcoder> transcoder;
};

struct HostCounters {
  std::atomic<uint64_t> calls{0};          // programs called
  std::atomic<uint64_t> abends{0};         // of which ended abnormally
  std::atomic<uint64_t> system_errors{0};  // system-error replies sent
  std::atomic<uint64_t> connections{0};    // accepted
};

class HostServer {
 public:
  HostServer(HostOptions options, std::vector<HostTransaction> transactions,
             std::unique_ptr<ProgramExecutor> executor);
  ~HostServer();

  // Binds and listens. Unavailable when the address cannot be bound.
  Status listen();
  int port() const { return port_; }

  // Serves until requestStop(); returns after the drain.
  Status run();
  // Safe from a signal handler and any thread.
  void requestStop();

  const HostCounters& counters() const { return counters_; }

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  HostCounters counters_;
};

}  // namespace corebridge::legacy
