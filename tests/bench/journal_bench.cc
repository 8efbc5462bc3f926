// The journal under load: durable appends (real fdatasync) in a fresh temp
// directory, with group commit.
//
//   journal_bench [--seconds S] [--threads 1,8,64] [--payload BYTES] [--dir DIR]
//                 [--preallocate-kb KB]
//
// For each thread count, every thread appends --payload-byte records (100 by
// default) back to back for S seconds (2 by default), one append in flight per
// thread. Prints appends/s, fdatasyncs/s, records per sync (the batch size
// group commit achieved) and append latency p50/p99/max. With one thread the
// figure is one fdatasync per record: what the disk's sync latency bounds.
// --preallocate-kb is JournalOptions::preallocate_bytes in KiB (1024 by
// default; 0: plain appends, each sync also commits the file's new size).
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

#include "dualwrite/journal.h"
#include "tests/bench/bench_util.h"

namespace {

namespace fs = std::filesystem;
namespace dw = corebridge::dualwrite;
using Clock = std::chrono::steady_clock;

struct Args {
  double seconds = 2.0;
  std::vector<int> threads = {1, 8, 64};
  size_t payload = 100;
  std::string dir;
  uint64_t preallocate_kb = dw::JournalOptions().preallocate_bytes >> 10;
};

bool parseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", a.c_str());
      return false;
    }
    const std::string v = argv[++i];
    if (a == "--seconds") {
      args->seconds = std::atof(v.c_str());
    } else if (a == "--threads") {
      args->threads = corebridge::bench::parseList(v);
    } else if (a == "--payload") {
      args->payload = static_cast<size_t>(std::atol(v.c_str()));
    } else if (a == "--dir") {
      args->dir = v;
    } else if (a == "--preallocate-kb") {
      args->preallocate_kb = static_cast<uint64_t>(std::atoll(v.c_str()));
    } else {
      std::fprintf(stderr,
                   "usage: journal_bench [--seconds S] [--threads 1,8,64] [--payload BYTES] "
                   "[--dir DIR] [--preallocate-kb KB]\n");
      return false;
    }
  }
  return true;
}

int runRow(const Args& args, const fs::path& dir, int threads) {
  fs::remove_all(dir);
  dw::JournalOptions options;
  options.preallocate_bytes = args.preallocate_kb << 10;
  auto opened = dw::Journal::open(dir.string(), options, nullptr);
  if (!opened.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), opened.status().toString().c_str());
    return 1;
  }
  auto journal = std::move(opened).value();
  const std::string payload(args.payload, 'p');
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& lat = latencies[static_cast<size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        if (!journal->append(dw::RecordType::kIntent, payload).ok()) {
          ++errors;
          return;
        }
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  stop = true;
  for (auto& th : pool) {
    th.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) {
    all.insert(all.end(), l.begin(), l.end());
  }
  const auto stats = journal->stats();
  const double maxLat = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  std::printf(
      "%7d %12.0f %10.0f %9.1f %9.0f %9.0f %9.0f %6d\n", threads,
      static_cast<double>(stats.appends) / elapsed, static_cast<double>(stats.batches) / elapsed,
      stats.batches == 0 ? 0.0
                         : static_cast<double>(stats.appends) / static_cast<double>(stats.batches),
      corebridge::bench::percentile(all, 0.50), corebridge::bench::percentile(all, 0.99), maxLat,
      errors.load());
  journal.reset();
  fs::remove_all(dir);
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parseArgs(argc, argv, &args)) {
    return 2;
  }
  const fs::path base = args.dir.empty() ? fs::temp_directory_path() : fs::path(args.dir);
  const fs::path dir = base / ("cb-journal-bench-" + std::to_string(::getpid()));
  std::printf(
      "journal_bench: %zu-byte payloads, %.1f s a row, fdatasync on %s, preallocate %llu KiB\n",
      args.payload, args.seconds, base.c_str(),
      static_cast<unsigned long long>(args.preallocate_kb));
  std::printf("%7s %12s %10s %9s %9s %9s %9s %6s\n", "threads", "appends/s", "syncs/s", "rec/sync",
              "p50 us", "p99 us", "max us", "errors");
  int rc = 0;
  for (int threads : args.threads) {
    rc |= runRow(args, dir, threads);
  }
  return rc;
}
