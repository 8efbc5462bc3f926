// FlagWatcher: keeps this instance's product lines in step with the flag
// store (docs/cutover-control.md, "How a change reaches every instance").
// A thread reads the store's generation every `poll` and, when it moved,
// reads the lines and, when a line's version moved too, hands them to
// `apply` (main builds a StageTable of them and swaps it into the
// Executor). While the store cannot be read the
// last lines stay in force; errors are counted and logged once per outage.
//
// Thread-safety: every method may be called from any thread; `apply` runs
// on the watcher's thread (or the caller's, in refresh()).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bridge/flag_store.h"
#include "common/status.h"

namespace corebridge::bridge {

class FlagWatcher {
 public:
  using Apply = std::function<void(const std::vector<LineFlags>& lines)>;

  FlagWatcher(FlagStore& store, Apply apply, std::chrono::milliseconds poll);
  ~FlagWatcher();
  FlagWatcher(const FlagWatcher&) = delete;
  FlagWatcher& operator=(const FlagWatcher&) = delete;

  // Reads the store now and applies what changed (everything the first
  // time); the error when the store could not be read.
  Status refresh();
  void start();
  void stop();

  // The lines in force (empty before the first successful read).
  std::shared_ptr<const std::vector<LineFlags>> lines() const;
  int64_t generation() const { return generation_.load(); }
  // Milliseconds since the store was last read successfully (-1: never).
  int64_t ageMs() const;
  uint64_t errors() const { return errors_.load(); }

 private:
  void loop();

  FlagStore& store_;
  Apply apply_;
  std::chrono::milliseconds poll_;

  mutable std::mutex mu_;  // guards lines_, last_ok_, stop_
  std::condition_variable cv_;
  std::shared_ptr<const std::vector<LineFlags>> lines_;
  std::chrono::steady_clock::time_point last_ok_{};
  bool stop_ = false;
  bool failing_ = false;   // the watcher thread's: logging once per outage
  std::mutex refresh_mu_;  // one refresh at a time
  std::atomic<int64_t> generation_{-1};
  std::atomic<uint64_t> errors_{0};
  std::thread thread_;
};

}  // namespace corebridge::bridge
