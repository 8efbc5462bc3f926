#include "bridge/traffic_window.h"

#include <algorithm>
#include <string_view>

namespace corebridge::bridge {

TrafficWindows::TrafficWindows(Clock clock) : clock_(std::move(clock)), epoch_(clock_()) {}

int64_t TrafficWindows::nowSecond() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_() - epoch_).count();
}

template <typename Fn>
void TrafficWindows::add(const std::string& lines, Fn fn) {
  if (lines.empty()) {
    return;
  }
  const int64_t now = nowSecond();
  std::lock_guard<std::mutex> lock(mu_);
  size_t start = 0;
  while (start <= lines.size()) {
    size_t plus = lines.find('+', start);
    if (plus == std::string::npos) {
      plus = lines.size();
    }
    const std::string_view line(lines.data() + start, plus - start);
    if (!line.empty()) {
      auto it = rings_.find(line);
      if (it == rings_.end()) {
        it = rings_.emplace(std::string(line), Ring(kMaxWindowSeconds)).first;
      }
      Bucket& b = it->second[static_cast<size_t>(now % kMaxWindowSeconds)];
      if (b.second != now) {
        b = Bucket{};
        b.second = now;
      }
      fn(b);
    }
    start = plus + 1;
  }
}

void TrafficWindows::recordRequest(const std::string& lines) {
  add(lines, [](Bucket& b) { ++b.requests; });
}

void TrafficWindows::recordNewCall(const std::string& lines, bool failed) {
  add(lines, [failed](Bucket& b) {
    ++b.new_calls;
    b.new_errors += failed ? 1 : 0;
  });
}

void TrafficWindows::recordComparison(const std::string& lines, bool different) {
  add(lines, [different](Bucket& b) {
    ++b.compared;
    b.different += different ? 1 : 0;
  });
}

WindowFigures TrafficWindows::figures(const std::string& line, int window_seconds) const {
  WindowFigures f;
  f.window_seconds = std::max(1, std::min(window_seconds, kMaxWindowSeconds));
  const int64_t now = nowSecond();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rings_.find(line);
  if (it == rings_.end()) {
    return f;
  }
  for (const Bucket& b : it->second) {
    // The current second counts: the window is (now - window, now].
    if (b.second > now - f.window_seconds && b.second <= now) {
      f.requests += b.requests;
      f.compared += b.compared;
      f.different += b.different;
      f.new_calls += b.new_calls;
      f.new_errors += b.new_errors;
    }
  }
  return f;
}

void TrafficWindows::reset(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  rings_.erase(line);
}

void TrafficObserver::onRequest(const RequestInfo& info) {
  inner_.onRequest(info);
  windows_.recordRequest(info.product_line);
  // A new-primary call that got no answer is the new side's error; a bad
  // request is the channel's, and CB07 for in-doubt or behind accounts is
  // the bridge's own fence, neither the new core's.
  if (info.primary == Side::kNew &&
      (info.outcome == "ok" || info.outcome == "unavailable" || info.outcome == "timeout")) {
    windows_.recordNewCall(info.product_line, info.outcome != "ok");
  }
}

Verdict TrafficObserver::onSecondary(const SecondaryResult& result) {
  const Verdict v = inner_.onSecondary(result);
  if (result.primary == Side::kLegacy) {
    windows_.recordNewCall(result.product_line, !result.secondary_status.ok());
  }
  if (v != Verdict::kNotCompared) {
    windows_.recordComparison(result.product_line, v == Verdict::kDifferent);
  }
  return v;
}

}  // namespace corebridge::bridge
