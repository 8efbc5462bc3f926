// newcore under load: the server kinds over the in-memory store, then the
// threaded server over the SQL store on SQLite and on PostgreSQL.
//
//   newcore_bench [--seconds S] [--connections 1,4,16,64] [--workers N] [--hot]
//                 [--stores memory,sqlite,postgres] [--sql-connections 1,4,16]
//
// For each row, starts a NewcoreServer in this process on 127.0.0.1 port 0,
// opens one account per connection (--hot: one account for all of them) and
// has every connection post credits with fresh idempotency keys for S
// seconds, one call in flight per connection. Prints postings/s and latency
// percentiles per row. Clients and server share the machine's cores, as they
// would on one host.
//
// memory: both server kinds at --connections. sqlite: a fresh database file
// in the temporary directory (WAL, the driver's default synchronous=FULL).
// postgres: a PostgreSQL server from tests/support on loopback, started
// *durable* (fsync, synchronous_commit and full_page_writes at their
// defaults), so every posting waits for its commit to reach the disk;
// postgres-nosync (not in the default list): fsync off, for comparison.
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CoreBanking.h"
#include "common/logging.h"
#include "newcore/core_banking_handler.h"
#include "newcore/in_memory_ledger_store.h"
#include "newcore/server.h"
#include "newcore/sql_ledger_store.h"
#include "tests/bench/bench_util.h"
#include "tests/support/db_servers.h"

namespace {

namespace idl = ::corebridge::idl;
namespace nc = ::corebridge::newcore;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TSocket;
using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 3.0;
  std::vector<int> connections = {1, 4, 16, 64};
  int workers = 8;
  bool hot = false;
  std::vector<std::string> stores = {"memory", "sqlite", "postgres"};
  std::vector<int> sql_connections = {1, 4, 16};
};

struct Row {
  uint64_t calls = 0;
  uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

idl::Money usd(int64_t minor) {
  idl::Money m;
  m.minor_units = minor;
  m.currency = "USD";
  return m;
}

// `row` makes every row's idempotency keys its own on a store shared by rows.
Row runOne(nc::LedgerStore& store, nc::ServerKind kind, int connections, const Options& opt,
           int row_number) {
  auto handler = std::make_shared<nc::CoreBankingHandler>(store);
  nc::ServerOptions so;
  so.kind = kind;
  so.threads = kind == nc::ServerKind::kNonblocking ? opt.workers : 0;
  nc::NewcoreServer server(handler, so);
  if (!server.start().ok()) {
    std::fprintf(stderr, "cannot start the server\n");
    std::exit(1);
  }
  std::atomic<bool> go{false};
  std::atomic<bool> done{false};
  std::vector<Row> rows(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(connections));
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      Row& row = rows[static_cast<size_t>(c)];
      auto socket = std::make_shared<TSocket>("127.0.0.1", server.port());
      auto transport = std::make_shared<TFramedTransport>(socket);
      idl::CoreBankingClient client(std::make_shared<TBinaryProtocol>(transport));
      transport->open();
      idl::OpenAccountRequest open;
      open.idempotency_key = opt.hot ? "OPEN-HOT" : "OPEN-" + std::to_string(c);
      open.product_code = "SAVB";
      open.branch = 1;
      open.customer_id = opt.hot ? 1000000000 : 1000000000 + c;
      open.initial_amount = usd(0);
      idl::OpenAccountResult opened;
      client.openAccount(opened, open);
      idl::PostingRequest post;
      post.account_id = opened.account.account_id;
      post.direction = idl::Direction::CREDIT;
      post.amount = usd(1);
      while (!go.load()) {
        std::this_thread::yield();
      }
      for (uint64_t i = 0; !done.load(std::memory_order_relaxed); ++i) {
        post.idempotency_key =
            "B" + std::to_string(row_number) + "-" + std::to_string(c) + "-" + std::to_string(i);
        const auto t0 = Clock::now();
        try {
          idl::PostingResult r;
          client.post(r, post);
          row.calls++;
        } catch (const std::exception&) {
          row.errors++;
        }
        row.latencies_us.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
      transport->close();
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all connected
  const auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.seconds));
  done = true;
  for (auto& t : threads) {
    t.join();
  }
  Row total;
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& r : rows) {
    total.calls += r.calls;
    total.errors += r.errors;
    total.latencies_us.insert(total.latencies_us.end(), r.latencies_us.begin(),
                              r.latencies_us.end());
  }
  server.stop();
  return total;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    out.push_back(s.substr(pos, comma - pos));
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}

std::vector<int> parseList(const std::string& s) {
  std::vector<int> out;
  for (const std::string& item : split(s)) {
    out.push_back(std::atoi(item.c_str()));
  }
  return out;
}

void printRow(const char* store, const char* server, int conns, Row& r) {
  std::printf("%-9s %-12s %6d %10.0f %9.0f %9.0f %9.0f %7llu\n", store, server, conns,
              static_cast<double>(r.calls) / r.seconds,
              corebridge::bench::percentile(r.latencies_us, 0.50),
              corebridge::bench::percentile(r.latencies_us, 0.99),
              corebridge::bench::percentile(r.latencies_us, 0.999),
              static_cast<unsigned long long>(r.errors));
  std::fflush(stdout);
}

// A SQL store on `connection_string`, or exit: a benchmark that cannot
// reach its database has nothing to print.
std::unique_ptr<nc::SqlLedgerStore> openSqlStore(const std::string& connection_string,
                                                 size_t pool_size) {
  nc::SqlStoreOptions options;
  options.pool_size = pool_size;
  auto store = nc::SqlLedgerStore::open(connection_string, options);
  if (!store.ok()) {
    std::fprintf(stderr, "newcore_bench: %s\n", store.status().toString().c_str());
    std::exit(1);
  }
  return std::move(*store);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      opt.seconds = std::atof(argv[++i]);
    } else if (a == "--connections" && i + 1 < argc) {
      opt.connections = parseList(argv[++i]);
    } else if (a == "--workers" && i + 1 < argc) {
      opt.workers = std::atoi(argv[++i]);
    } else if (a == "--hot") {
      opt.hot = true;
    } else if (a == "--stores" && i + 1 < argc) {
      opt.stores = split(argv[++i]);
    } else if (a == "--sql-connections" && i + 1 < argc) {
      opt.sql_connections = parseList(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: newcore_bench [--seconds S] [--connections 1,4,16,64] [--workers N] "
                   "[--hot] [--stores memory,sqlite,postgres] [--sql-connections 1,4,16]\n");
      return 2;
    }
  }
  corebridge::LogOptions lo;
  lo.level = spdlog::level::warn;
  corebridge::initLogging(lo);
  apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
  std::printf("newcore post(), %s, %.1f s per row, nonblocking workers %d, %u cores\n",
              opt.hot ? "one hot account" : "one account per connection", opt.seconds, opt.workers,
              std::thread::hardware_concurrency());
  std::printf("%-9s %-12s %6s %10s %9s %9s %9s %7s\n", "store", "server", "conns", "posts/s",
              "p50 us", "p99 us", "p999 us", "errors");
  int row_number = 0;
  for (const std::string& store_name : opt.stores) {
    if (store_name == "memory") {
      for (nc::ServerKind kind : {nc::ServerKind::kThreaded, nc::ServerKind::kNonblocking}) {
        for (int conns : opt.connections) {
          nc::InMemoryLedgerStore store;
          Row r = runOne(store, kind, conns, opt, ++row_number);
          printRow("memory", kind == nc::ServerKind::kThreaded ? "threaded" : "nonblocking", conns,
                   r);
        }
      }
      continue;
    }
    std::unique_ptr<corebridge::test_support::PostgresServer> postgres;
    std::string cs;
    std::string sqlite_path;
    if (store_name == "sqlite") {
      sqlite_path = "/tmp/cb_newcore_bench_" + std::to_string(::getpid()) + ".db";
      cs = "Driver=SQLite3;Database=" + sqlite_path;
    } else if (store_name == "postgres" || store_name == "postgres-nosync") {
      // postgres-nosync: the same server with fsync off, to tell the
      // statements' cost from the commit's wait for the disk.
      auto started = corebridge::test_support::PostgresServer::start(store_name == "postgres");
      if (!started.ok()) {
        std::fprintf(stderr, "newcore_bench: %s\n", started.status().toString().c_str());
        return 1;
      }
      postgres = std::move(*started);
      cs = postgres->odbcConnectionString();
    } else {
      std::fprintf(stderr, "newcore_bench: unknown store '%s'\n", store_name.c_str());
      return 2;
    }
    int most = 1;
    for (int conns : opt.sql_connections) {
      most = std::max(most, conns);
    }
    {
      auto store = openSqlStore(cs, static_cast<size_t>(most));
      for (int conns : opt.sql_connections) {
        Row r = runOne(*store, nc::ServerKind::kThreaded, conns, opt, ++row_number);
        printRow(store_name.c_str(), "threaded", conns, r);
      }
    }
    if (!sqlite_path.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::remove((sqlite_path + suffix).c_str());
      }
    }
  }
  return 0;
}
