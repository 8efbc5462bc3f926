#include "bridge/flag_watcher.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"

namespace corebridge::bridge {

FlagWatcher::FlagWatcher(FlagStore& store, Apply apply, std::chrono::milliseconds poll)
    : store_(store), apply_(std::move(apply)), poll_(poll) {}

FlagWatcher::~FlagWatcher() { stop(); }

Status FlagWatcher::refresh() {
  std::lock_guard<std::mutex> serial(refresh_mu_);
  auto generation = store_.generation();
  if (!generation.ok()) {
    ++errors_;
    return generation.status();
  }
  if (*generation == generation_.load()) {
    std::lock_guard<std::mutex> lock(mu_);
    last_ok_ = std::chrono::steady_clock::now();
    return okStatus();
  }
  auto lines = store_.lines();
  if (!lines.ok()) {
    ++errors_;
    return lines.status();
  }
  auto shared = std::make_shared<const std::vector<LineFlags>>(std::move(*lines));
  // Most commits (proposals, reconciliations, audit) change no line: the
  // table in force stays and nothing is logged.
  std::shared_ptr<const std::vector<LineFlags>> before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = lines_;
  }
  const auto sameVersions = [](const std::vector<LineFlags>& a, const std::vector<LineFlags>& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](const LineFlags& x, const LineFlags& y) {
             return x.line == y.line && x.version == y.version;
           });
  };
  if (before == nullptr || !sameVersions(*before, *shared)) {
    apply_(*shared);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines_ = shared;
    last_ok_ = std::chrono::steady_clock::now();
  }
  generation_ = *generation;
  return okStatus();
}

void FlagWatcher::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void FlagWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void FlagWatcher::loop() {
  auto log = logger("bridge");
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, poll_, [this] { return stop_; })) {
        return;
      }
    }
    const int64_t before = generation_.load();
    Status s = refresh();
    if (!s.ok() && !failing_) {
      log->error("flag store: cannot read it, the stages in force stay: {}", s.toString());
      failing_ = true;
    } else if (s.ok() && failing_) {
      log->info("flag store: readable again");
      failing_ = false;
    }
    if (s.ok() && generation_.load() != before) {
      log->debug("flag store: generation {} applied", generation_.load());
    }
  }
}

std::shared_ptr<const std::vector<LineFlags>> FlagWatcher::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_ ? lines_ : std::make_shared<const std::vector<LineFlags>>();
}

int64_t FlagWatcher::ageMs() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ok_ == std::chrono::steady_clock::time_point{}) {
    return -1;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               last_ok_)
      .count();
}

}  // namespace corebridge::bridge
