// How fast a flag change reaches every bridge instance (docs/benchmarks.md,
// "Flag propagation"): several FlagWatchers, each on its own SqlFlagStore
// connection to one SQLite flag store file (as separate corebridge
// processes are), poll the store's generation; a change is committed and
// the time until each watcher has applied it is measured. Also the cost of
// one generation() poll and of one commit, and what feeding the guard's
// traffic windows adds to a request.
//
//   flag_bench [--instances 4] [--changes 40] [--polls 250,50]
//
// Prints, per poll interval, the median, p99 and max of commit-to-applied
// over every watcher and change. The goal (issue 7): within one second.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridge/flag_watcher.h"
#include "bridge/sql_flag_store.h"
#include "bridge/traffic_window.h"
#include "tests/bench/bench_util.h"

namespace {

namespace br = corebridge::bridge;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Applied {
  std::mutex mu;
  std::condition_variable cv;
  int64_t want_version = 0;
  std::vector<Clock::time_point> at;  // per watcher: when it applied want_version
};

int run(int instances, int changes, const std::vector<int>& polls, const std::string& dsn) {
  auto writer = br::SqlFlagStore::open(dsn);
  if (!writer.ok()) {
    std::fprintf(stderr, "flag_bench: %s\n", writer.status().toString().c_str());
    return 1;
  }
  br::LineFlags line;
  line.line = "SAVINGS";
  br::FlagCommit seed;
  seed.set_line = line;
  (void)(*writer)->commit(seed);

  // The cost of a poll and of a commit.
  std::vector<double> poll_us;
  for (int i = 0; i < 2000; ++i) {
    const auto t0 = Clock::now();
    (void)(*writer)->generation();
    poll_us.push_back(ms(Clock::now() - t0) * 1000);
  }
  std::printf("generation() poll: median %.1f us, p99 %.1f us (2000 reads)\n",
              corebridge::bench::percentile(poll_us, 0.5),
              corebridge::bench::percentile(poll_us, 0.99));

  for (int poll : polls) {
    Applied applied;
    applied.at.resize(static_cast<size_t>(instances));
    std::vector<std::unique_ptr<br::SqlFlagStore>> stores;
    std::vector<std::unique_ptr<br::FlagWatcher>> watchers;
    for (int w = 0; w < instances; ++w) {
      auto s = br::SqlFlagStore::open(dsn);
      if (!s.ok()) {
        std::fprintf(stderr, "flag_bench: %s\n", s.status().toString().c_str());
        return 1;
      }
      stores.push_back(std::move(*s));
      watchers.push_back(std::make_unique<br::FlagWatcher>(
          *stores.back(),
          [&applied, w](const std::vector<br::LineFlags>& lines) {
            const auto now = Clock::now();
            std::lock_guard<std::mutex> lock(applied.mu);
            for (const br::LineFlags& l : lines) {
              if (l.line == "SAVINGS" && l.version == applied.want_version) {
                applied.at[static_cast<size_t>(w)] = now;
              }
            }
            applied.cv.notify_all();
          },
          std::chrono::milliseconds(poll)));
      (void)watchers.back()->refresh();
      watchers.back()->start();
    }
    std::vector<double> latency;
    std::vector<double> commit_ms;
    for (int c = 0; c < changes; ++c) {
      auto current = (*writer)->lines();
      const br::LineFlags now = current->front();
      br::FlagCommit change;
      change.set_line = now;
      change.set_line->stage =
          now.stage == br::Stage::kLegacyOnly ? br::Stage::kDualWrite : br::Stage::kLegacyOnly;
      change.expected_version = now.version;
      br::AuditDraft audit;
      audit.actor = "flag_bench";
      audit.action = "demote";
      audit.line = "SAVINGS";
      change.audit.push_back(audit);
      {
        std::lock_guard<std::mutex> lock(applied.mu);
        applied.want_version = now.version + 1;
        std::fill(applied.at.begin(), applied.at.end(), Clock::time_point{});
      }
      const auto t0 = Clock::now();
      auto done = (*writer)->commit(change);
      commit_ms.push_back(ms(Clock::now() - t0));
      if (!done.ok()) {
        std::fprintf(stderr, "flag_bench: commit: %s\n", done.status().toString().c_str());
        return 1;
      }
      std::unique_lock<std::mutex> lock(applied.mu);
      const bool all = applied.cv.wait_for(lock, std::chrono::seconds(10), [&] {
        return std::all_of(applied.at.begin(), applied.at.end(),
                           [](Clock::time_point t) { return t != Clock::time_point{}; });
      });
      if (!all) {
        std::fprintf(stderr, "flag_bench: a watcher did not apply change %d in 10 s\n", c);
        return 1;
      }
      for (Clock::time_point t : applied.at) {
        latency.push_back(ms(t - t0));
      }
      lock.unlock();
      // Changes land at random points of the poll cycle.
      std::this_thread::sleep_for(std::chrono::milliseconds(37 * (c % 7) + 13));
    }
    for (auto& w : watchers) {
      w->stop();
    }
    std::vector<double> sorted = latency;
    std::sort(sorted.begin(), sorted.end());
    std::printf(
        "poll %4d ms, %d instances, %d changes: commit median %.2f ms; commit-to-applied median "
        "%.0f ms, p99 %.0f ms, max %.0f ms (goal: within 1000 ms)\n",
        poll, instances, changes, corebridge::bench::percentile(commit_ms, 0.5),
        corebridge::bench::percentile(latency, 0.5), corebridge::bench::percentile(latency, 0.99),
        sorted.back());
  }
  return 0;
}

// What feeding the guard's windows costs a request: TrafficWindows::
// recordRequest plus recordComparison (what TrafficObserver adds per
// compared request), from 1 and 2 threads at once.
void trafficWindowCost() {
  for (int threads : {1, 2}) {
    br::TrafficWindows windows;
    constexpr int kPerThread = 2'000'000;
    const auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&windows] {
        for (int i = 0; i < kPerThread; ++i) {
          windows.recordRequest("SAVINGS");
          windows.recordComparison("SAVINGS", false);
        }
      });
    }
    for (auto& t : pool) {
      t.join();
    }
    const double ns = ms(Clock::now() - t0) * 1e6 / (double(kPerThread) * threads);
    std::printf("traffic windows: %.0f ns per compared request, %d thread(s) recording at once\n",
                ns, threads);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int instances = 4;
  int changes = 40;
  std::vector<int> polls = {250, 50};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--instances") {
      instances = std::atoi(argv[i + 1]);
    } else if (a == "--changes") {
      changes = std::atoi(argv[i + 1]);
    } else if (a == "--polls") {
      polls = corebridge::bench::parseList(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: flag_bench [--instances N] [--changes N] [--polls MS,MS]\n");
      return 2;
    }
  }
  char pattern[] = "/tmp/cb-flag-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    return 1;
  }
  const std::string dir = pattern;
  std::printf("flag_bench: %d watchers on one SQLite flag store (%s/flags.db)\n", instances,
              dir.c_str());
  trafficWindowCost();
  const int rc = run(instances, changes, polls, "Driver=SQLite3;Database=" + dir + "/flags.db");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return rc;
}
