// newcore: the new core-banking service (idl/corebanking.thrift) on Thrift.
//
//   newcore --port P [--dsn ODBC-CONNECTION-STRING | memory:] [--pool N]
//           [--server threaded|nonblocking] [--threads N] [--inject-latency-ms N]
//
// The ledger lives where --dsn says: an ODBC connection string (SQLite,
// PostgreSQL, MariaDB; default the SQLite file newcore.db in the working
// directory), or memory: for a throw-away in-memory store.
// Prints "listening on 127.0.0.1:PORT" on stdout once it accepts calls (port
// 0 picks a free one); logs go to stderr. SIGTERM or SIGINT stop it cleanly:
// no new connections, calls in flight finish, exit 0.
#include <thrift/Thrift.h>  // GlobalOutput (TOutput.h is not self-contained)

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/logging.h"
#include "newcore/core_banking_handler.h"
#include "newcore/delaying_handler.h"
#include "newcore/in_memory_ledger_store.h"
#include "newcore/server.h"
#include "newcore/sql_ledger_store.h"

namespace {

using corebridge::newcore::ServerKind;

constexpr const char* kUsage =
    "usage: newcore --port P [--dsn ODBC-CONNECTION-STRING | memory:] [--pool N]\n"
    "               [--server threaded|nonblocking] [--threads N] [--inject-latency-ms N]\n"
    "  --dsn    where the ledger lives (default: Driver=SQLite3;Database=newcore.db)\n"
    "  --pool   database connections (default 8)\n"
    "  --inject-latency-ms  sleep N ms before each call (tests and benchmarks only)\n";

struct Args {
  int port = -1;
  std::string dsn = "Driver=SQLite3;Database=newcore.db";
  int pool = 8;
  ServerKind kind = ServerKind::kThreaded;
  int threads = 0;
  int inject_latency_ms = 0;
};

bool parseInt(const std::string& s, int lo, int hi, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) {
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// Returns false with a message on stderr for a bad command line.
bool parseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "newcore: %s needs a value\n%s", flag.c_str(), kUsage);
      return false;
    }
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--port") {
      ok = parseInt(value, 0, 65535, &args->port);
    } else if (flag == "--dsn") {
      args->dsn = value;
    } else if (flag == "--pool") {
      ok = parseInt(value, 1, 256, &args->pool);
    } else if (flag == "--server") {
      ok = corebridge::newcore::parseServerKind(value, &args->kind);
    } else if (flag == "--threads") {
      ok = parseInt(value, 1, 1024, &args->threads);
    } else if (flag == "--inject-latency-ms") {
      ok = parseInt(value, 0, 60'000, &args->inject_latency_ms);
    } else {
      std::fprintf(stderr, "newcore: unknown option %s\n%s", flag.c_str(), kUsage);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "newcore: bad value '%s' for %s\n%s", value.c_str(), flag.c_str(),
                   kUsage);
      return false;
    }
  }
  if (args->port < 0) {
    std::fprintf(stderr, "newcore: --port is required\n%s", kUsage);
    return false;
  }
  return true;
}

// Thrift's own diagnostics ("TNonblockingServer: IO thread #0 ...") go to
// the component logger at debug level instead of raw stderr.
void thriftOutput(const char* message) {
  corebridge::logger("newcore")->debug("thrift: {}", message);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parseArgs(argc, argv, &args)) {
    return 2;
  }
  corebridge::initLogging({});
  auto log = corebridge::logger("newcore");
  apache::thrift::GlobalOutput.setOutputFunction(thriftOutput);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<corebridge::newcore::LedgerStore> store;
  if (args.dsn == "memory:") {
    store = std::make_unique<corebridge::newcore::InMemoryLedgerStore>();
  } else {
    corebridge::newcore::SqlStoreOptions store_options;
    store_options.pool_size = static_cast<size_t>(args.pool);
    auto sql = corebridge::newcore::SqlLedgerStore::open(args.dsn, store_options);
    if (!sql.ok()) {
      // A connection string the driver manager or the dialect rejects is the
      // operator's to fix (exit 2); a database that is down is not (exit 1).
      const bool bad_dsn = sql.status().code() == corebridge::StatusCode::kInvalidArgument ||
                           sql.status().code() == corebridge::StatusCode::kNotFound;
      log->error("--dsn {}: {}", corebridge::adapters::odbc::redacted(args.dsn),
                 sql.status().toString());
      return bad_dsn ? 2 : 1;
    }
    log->info("store: {} at schema version {}", corebridge::adapters::odbc::redacted(args.dsn),
              (*sql)->schemaVersion());
    store = std::move(*sql);
  }
  std::shared_ptr<corebridge::idl::CoreBankingIf> handler =
      std::make_shared<corebridge::newcore::CoreBankingHandler>(*store);
  if (args.inject_latency_ms > 0) {
    log->warn("--inject-latency-ms {}: every call sleeps before it is handled (test aid)",
              args.inject_latency_ms);
    handler = std::make_shared<corebridge::newcore::DelayingHandler>(
        std::move(handler), std::chrono::milliseconds(args.inject_latency_ms));
  }
  corebridge::newcore::ServerOptions options;
  options.port = args.port;
  options.kind = args.kind;
  options.threads = args.threads;
  corebridge::newcore::NewcoreServer server(handler, options);
  if (corebridge::Status s = server.start(); !s.ok()) {
    log->error("{}", s.toString());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  log->info("serving on 127.0.0.1:{} ({} server, store {})", server.port(),
            args.kind == ServerKind::kThreaded ? "threaded" : "nonblocking",
            corebridge::adapters::odbc::redacted(args.dsn));

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log->info("signal {}: stopping", sig);
  server.stop();
  log->info("stopped");
  return 0;
}
