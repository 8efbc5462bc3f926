// newcore under load: TThreadedServer against TNonblockingServer.
//
//   newcore_bench [--seconds S] [--connections 1,4,16,64] [--workers N] [--hot]
//
// For each server kind and connection count, starts a NewcoreServer over the
// in-memory store in this process on 127.0.0.1 port 0, opens one account per
// connection (--hot: one account for all of them) and has every connection
// post credits with fresh idempotency keys for S seconds, one call in flight
// per connection. Prints calls/s and latency percentiles per row. Clients
// and server share the machine's cores, as they would on one host.
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

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
};

struct Row {
  uint64_t calls = 0;
  uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) {
    return 0;
  }
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

idl::Money usd(int64_t minor) {
  idl::Money m;
  m.minor_units = minor;
  m.currency = "USD";
  return m;
}

Row runOne(nc::ServerKind kind, int connections, const Options& opt) {
  nc::InMemoryLedgerStore store;
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
        post.idempotency_key = "B" + std::to_string(c) + "-" + std::to_string(i);
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

std::vector<int> parseList(const std::string& s) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    out.push_back(std::atoi(s.substr(pos, comma - pos).c_str()));
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
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
    } else {
      std::fprintf(stderr,
                   "usage: newcore_bench [--seconds S] [--connections 1,4,16,64] [--workers N] "
                   "[--hot]\n");
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
  std::printf("%-12s %6s %10s %9s %9s %9s %7s\n", "server", "conns", "calls/s", "p50 us", "p99 us",
              "p999 us", "errors");
  for (nc::ServerKind kind : {nc::ServerKind::kThreaded, nc::ServerKind::kNonblocking}) {
    for (int conns : opt.connections) {
      Row r = runOne(kind, conns, opt);
      std::printf("%-12s %6d %10.0f %9.0f %9.0f %9.0f %7llu\n",
                  kind == nc::ServerKind::kThreaded ? "threaded" : "nonblocking", conns,
                  static_cast<double>(r.calls) / r.seconds, percentile(r.latencies_us, 0.50),
                  percentile(r.latencies_us, 0.99), percentile(r.latencies_us, 0.999),
                  static_cast<unsigned long long>(r.errors));
      std::fflush(stdout);
    }
  }
  return 0;
}
