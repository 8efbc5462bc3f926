// Per product line, a sliding window of one-second buckets of what this
// instance saw (docs/cutover-control.md, "The guard"): requests, compared
// calls and how many differed, new-side calls and how many failed. The
// guard and /api/v1/status read it.
//
// TrafficObserver feeds it: an ExecutorObserver that passes every event on
// to the bridge's observer (which compares and counts) and records the
// outcome per product line; a transaction touching several lines
// ("SAVINGS+CHECKING") counts for each of them.
//
// Thread-safety: every method may be called from any thread (one mutex,
// held for a few additions per event).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "bridge/executor.h"

namespace corebridge::bridge {

struct WindowFigures {
  int window_seconds = 0;
  int64_t requests = 0;
  int64_t compared = 0;
  int64_t different = 0;
  int64_t new_calls = 0;
  int64_t new_errors = 0;
  double mismatchRate() const { return compared == 0 ? 0 : double(different) / double(compared); }
  double newErrorRate() const {
    return new_calls == 0 ? 0 : double(new_errors) / double(new_calls);
  }
  double requestsPerSecond() const {
    return window_seconds == 0 ? 0 : double(requests) / double(window_seconds);
  }
};

class TrafficWindows {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr int kMaxWindowSeconds = 3600;

  explicit TrafficWindows(Clock clock = std::chrono::steady_clock::now);

  // `lines`: one line or several joined with '+'; "" is ignored.
  void recordRequest(const std::string& lines);
  void recordNewCall(const std::string& lines, bool failed);
  void recordComparison(const std::string& lines, bool different);

  // The last `window_seconds` (1 to kMaxWindowSeconds) of `line`.
  WindowFigures figures(const std::string& line, int window_seconds) const;
  // Forgets what `line` saw (the guard does so when the line changes stage:
  // samples of the stage before do not count against the new one).
  void reset(const std::string& line);

 private:
  struct Bucket {
    int64_t second = -1;  // which second of the clock it holds
    int64_t requests = 0, compared = 0, different = 0, new_calls = 0, new_errors = 0;
  };
  using Ring = std::vector<Bucket>;
  int64_t nowSecond() const;
  template <typename Fn>
  void add(const std::string& lines, Fn fn);

  Clock clock_;
  std::chrono::steady_clock::time_point epoch_;
  mutable std::mutex mu_;
  std::map<std::string, Ring, std::less<>> rings_;
};

class TrafficObserver : public ExecutorObserver {
 public:
  // Both must outlive this.
  TrafficObserver(ExecutorObserver& inner, TrafficWindows& windows)
      : inner_(inner), windows_(windows) {}

  // ExecutorObserver
  void onRequest(const RequestInfo& info) override;
  Verdict onSecondary(const SecondaryResult& result) override;

 private:
  ExecutorObserver& inner_;
  TrafficWindows& windows_;
};

}  // namespace corebridge::bridge
