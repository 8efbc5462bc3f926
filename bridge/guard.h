// The guard (docs/cutover-control.md, "The guard"): every interval, for
// each product line with a threshold set, it reads this instance's window
// (bridge/traffic_window.h) and, when at least min_samples calls are in it
// and the mismatch rate or the new side's error rate exceeds its threshold,
// demotes the line one stage through the flag store, audited as
// "system:guard" with the figures. The write is conditional on the line's
// version, so instances tripping together demote it once.
//
// The guard never takes a line below DUAL_WRITE: there legacy answers every
// channel already, and LEGACY_ONLY would stop the new store receiving the
// line's writes (it would need a new backfill), which is a person's call.
//
// A line's window is cleared whenever its stage or ramp changes (a new
// setting is judged on its own samples); a change of thresholds alone keeps
// it, so tightening them again and again cannot keep the guard from ever
// having enough samples. The guard does not take a
// line out of NEW_ONLY without the re-sync the rules ask for: it logs that
// it would have, once per version.
//
// Thread-safety: checkOnce() runs on the guard's thread after start();
// tests call it directly without start().
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bridge/flag_store.h"
#include "bridge/traffic_window.h"

namespace corebridge::bridge {

struct GuardOptions {
  std::string instance;  // named in the audit's evidence
  std::chrono::milliseconds interval{1000};
};

struct GuardTrip {
  std::string line;
  LineFlags from;
  LineFlags to;
  std::string reason;  // the figures in words
  bool applied = false;
  std::string refused;  // why not applied ("" when applied)
};

class Guard {
 public:
  using Lines = std::function<std::shared_ptr<const std::vector<LineFlags>>()>;

  Guard(FlagStore& store, TrafficWindows& windows, Lines lines, GuardOptions options);
  ~Guard();
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Checks every line once; what tripped.
  std::vector<GuardTrip> checkOnce();
  void start();
  void stop();

 private:
  void loop();
  GuardTrip trip(const LineFlags& line, const WindowFigures& f, bool mismatch);

  FlagStore& store_;
  TrafficWindows& windows_;
  Lines lines_;
  GuardOptions options_;
  std::map<std::string, std::pair<Stage, int>> seen_setting_;  // checkOnce()'s alone
  std::map<std::string, int64_t> blocked_version_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace corebridge::bridge
