// The bridge's durable write path alone: bridge::Executor at DUAL_WRITE
// with its journal on the real disk (fdatasync, group commit) and a repair
// queue, between back ends that answer at once in process, so that nothing
// but the bridge's own work and the journal bounds it. What the end-to-end
// figure (tests/bench/bridge_bench.sh, bridge-dualwrite) cannot show on this
// machine, because legacy-host's single COBOL worker answers a few hundred
// postings a second there.
//
//   executor_bench [--seconds S] [--threads 1,8,64] [--dir DIR]
//
// The journals go in a new folder cb-executor-bench-PID under DIR (the temp
// directory by default), removed at the end; nothing else in DIR is touched.
//
// For each thread count, every thread sends ACCTPOST requests with fresh
// transaction ids to its own savings account, one in flight per thread, for
// S seconds (2 by default), through Executor::handle(): the intent and the
// primary's answer journalled before the reply, the secondary called by the
// outbox and settled. Prints durable postings/s, handle() latency p50/p99,
// journal records per fdatasync (the batch group commit achieved) and, after
// the drain, that every intent was settled.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend.h"
#include "bridge/executor.h"
#include "dualwrite/intent_log.h"
#include "dualwrite/repair_queue.h"
#include "dualwrite/repair_store.h"
#include "mappings/pack.h"
#include "tests/bench/bench_util.h"
#include "tools/channel-sim/bank_client.h"

namespace {

namespace fs = std::filesystem;
namespace br = corebridge::bridge;
namespace dw = corebridge::dualwrite;
using Clock = std::chrono::steady_clock;
using corebridge::Result;
using corebridge::adapters::BackendReply;
using corebridge::mappings::Decimal;
using corebridge::sim::BankCodecs;
using corebridge::sim::Txn;

// Answers every call at once with the request as its reply (return code 00).
class InstantBackend : public corebridge::adapters::Backend {
 public:
  explicit InstantBackend(std::string side) : side_(std::move(side)) {}
  Result<BackendReply> call(std::string_view, std::string_view commarea,
                            const corebridge::adapters::CallContext&) override {
    return BackendReply{0, std::string(commarea)};
  }
  std::string_view side() const override { return side_; }

 private:
  std::string side_;
};

class CountingObserver : public br::ExecutorObserver {
 public:
  void onRequest(const br::RequestInfo&) override {}
  br::Verdict onSecondary(const br::SecondaryResult&) override { return br::Verdict::kEqual; }
};

struct Args {
  double seconds = 2.0;
  std::vector<int> threads = {1, 8, 64};
  std::string dir;
};

bool parseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      a->seconds = std::atof(argv[++i]);
    } else if (arg == "--threads" && i + 1 < argc) {
      a->threads = corebridge::bench::parseList(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      a->dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: executor_bench [--seconds S] [--threads 1,8,64] [--dir DIR]\n");
      return false;
    }
  }
  return true;
}

int run(const Args& args) {
  auto pack = corebridge::mappings::loadPack(std::string(CB_SOURCE_DIR) +
                                             "/mappings/packs/demobank/pack.yaml");
  if (!pack.ok()) {
    std::fprintf(stderr, "executor_bench: %s\n", pack.status().toString().c_str());
    return 1;
  }
  auto codecs = BankCodecs::load(std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks",
                                 corebridge::mappings::Dialect());
  if (!codecs.ok()) {
    std::fprintf(stderr, "executor_bench: %s\n", codecs.status().toString().c_str());
    return 1;
  }
  const std::string base = ((args.dir.empty() ? fs::temp_directory_path() : fs::path(args.dir)) /
                            ("cb-executor-bench-" + std::to_string(::getpid())))
                               .string();
  std::printf(
      "executor at DUAL_WRITE, journal in %s (fdatasync), in-process back ends, %.1f s a row\n",
      base.c_str(), args.seconds);
  std::printf("%8s %12s %10s %10s %10s %14s %10s\n", "threads", "postings/s", "p50 us", "p99 us",
              "syncs/s", "records/sync", "unsettled");
  for (int threads : args.threads) {
    const std::string dir = base + "/t" + std::to_string(threads);
    fs::remove_all(dir);
    std::vector<dw::UnfinishedIntent> unfinished;
    auto journal = dw::IntentLog::open(dir, {}, &unfinished);
    if (!journal.ok()) {
      std::fprintf(stderr, "executor_bench: %s\n", journal.status().toString().c_str());
      return 1;
    }
    dw::InMemoryRepairStore store;
    auto repairs = dw::RepairQueue::open(store, {});
    if (!repairs.ok()) {
      std::fprintf(stderr, "executor_bench: %s\n", repairs.status().toString().c_str());
      return 1;
    }
    InstantBackend legacy("legacy"), newcore("new");
    CountingObserver observer;
    auto stages = std::make_shared<br::StageTable>();
    for (const char* line : {"SAVINGS", "CHECKING", "TERM_DEPOSIT", "LOAN"}) {
      stages->lines[line] = {br::Stage::kDualWrite, 100};
    }
    br::ExecutorOptions options;
    options.journal = journal->get();
    options.repairs = repairs->get();
    auto ex = std::make_unique<br::Executor>(options, *pack, legacy, newcore, observer, stages);

    const dw::IntentLogStats before = (*journal)->stats();
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> failed{0};
    std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    workers.reserve(static_cast<size_t>(threads));
    const auto t0 = Clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const std::string account = std::to_string(100000000000LL + 10LL * t + 7);
        char txn[32];  // 16 characters (CA-TXN-ID) until n passes 10 digits
        for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
          std::snprintf(txn, sizeof(txn), "EB%04d%010llu", t % 10000,
                        static_cast<unsigned long long>(n));
          std::string commarea;
          if (!(*codecs)
                   ->request(Txn::kPost,
                             {BankCodecs::text("CA-TXN-ID", txn),
                              BankCodecs::number("PST-ACCT-NUMBER", *Decimal::parse(account)),
                              BankCodecs::text("PST-DR-CR-CODE", "C"),
                              BankCodecs::number("PST-AMOUNT", *Decimal::parse("1.00"))},
                             &commarea)
                   .ok()) {
            failed.fetch_add(1);
            return;
          }
          const auto s = Clock::now();
          const br::ChannelReply r = ex->handle("ACCTPOST", commarea);
          latencies[static_cast<size_t>(t)].push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - s).count());
          if (r.system_error) {
            failed.fetch_add(1);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
    stop = true;
    for (auto& w : workers) {
      w.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    ex->drain();
    const dw::IntentLogStats after = (*journal)->stats();
    std::vector<int64_t> all;
    for (auto& l : latencies) {
      all.insert(all.end(), l.begin(), l.end());
    }
    const uint64_t syncs = after.journal.batches - before.journal.batches;
    const uint64_t records = after.journal.appends - before.journal.appends;
    std::printf(
        "%8d %12.0f %10lld %10lld %10.0f %14.1f %10zu%s\n", threads,
        static_cast<double>(all.size()) / elapsed,
        static_cast<long long>(corebridge::bench::percentile(all, 0.50)),
        static_cast<long long>(corebridge::bench::percentile(all, 0.99)),
        static_cast<double>(syncs) / elapsed,
        syncs == 0 ? 0.0 : static_cast<double>(records) / static_cast<double>(syncs),
        after.unsettled,
        failed.load() == 0 ? "" : ("  (" + std::to_string(failed.load()) + " failed)").c_str());
    ex.reset();
    repairs->reset();
    journal->reset();
    fs::remove_all(dir);
  }
  fs::remove_all(base);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parseArgs(argc, argv, &args)) {
    return 2;
  }
  return run(args);
}
