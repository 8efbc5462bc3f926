#include "bridge/guard.h"

#include <Poco/JSON/Object.h>

#include <sstream>
#include <utility>

#include "bridge/change_policy.h"
#include "bridge/flag_actions.h"
#include "common/logging.h"

namespace corebridge::bridge {
namespace {

std::string percent(double rate) { return fmt::format("{:.1f}%", rate * 100); }

std::string evidenceJson(const std::string& instance, const LineFlags& line,
                         const WindowFigures& f) {
  Poco::JSON::Object o;
  o.set("instance", instance);
  o.set("window_seconds", f.window_seconds);
  o.set("requests", f.requests);
  o.set("compared", f.compared);
  o.set("different", f.different);
  o.set("mismatch_rate", f.mismatchRate());
  o.set("new_calls", f.new_calls);
  o.set("new_errors", f.new_errors);
  o.set("new_error_rate", f.newErrorRate());
  o.set("max_mismatch_rate", line.guard.max_mismatch_rate);
  o.set("max_error_rate", line.guard.max_error_rate);
  o.set("min_samples", line.guard.min_samples);
  o.set("line_version", line.version);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

}  // namespace

Guard::Guard(FlagStore& store, TrafficWindows& windows, Lines lines, GuardOptions options)
    : store_(store), windows_(windows), lines_(std::move(lines)), options_(std::move(options)) {}

Guard::~Guard() { stop(); }

std::vector<GuardTrip> Guard::checkOnce() {
  std::vector<GuardTrip> trips;
  const auto lines = lines_();
  for (const LineFlags& line : *lines) {
    const std::pair<Stage, int> setting{line.stage, line.ramp_percent};
    auto seen = seen_setting_.find(line.line);
    if (seen == seen_setting_.end()) {
      seen_setting_[line.line] = setting;
    } else if (seen->second != setting) {
      windows_.reset(line.line);
      seen->second = setting;
      continue;
    }
    const GuardSettings& g = line.guard;
    // The floor is DUAL_WRITE: below it the new store stops receiving the
    // line's writes and would need a new backfill, which is a person's call.
    if ((g.max_mismatch_rate <= 0 && g.max_error_rate <= 0) || line.stage <= Stage::kDualWrite) {
      continue;
    }
    const WindowFigures f = windows_.figures(line.line, g.window_seconds);
    const bool mismatch = g.max_mismatch_rate > 0 && f.compared >= g.min_samples &&
                          f.mismatchRate() > g.max_mismatch_rate;
    const bool errors =
        g.max_error_rate > 0 && f.new_calls >= g.min_samples && f.newErrorRate() > g.max_error_rate;
    if (mismatch || errors) {
      trips.push_back(trip(line, f, mismatch));
    }
  }
  return trips;
}

GuardTrip Guard::trip(const LineFlags& line, const WindowFigures& f, bool mismatch) {
  auto log = logger("bridge");
  GuardTrip t;
  t.line = line.line;
  t.from = line;
  const GuardSettings& g = line.guard;
  t.reason = mismatch ? fmt::format(
                            "mismatch rate {} ({} of {} compared calls) over {} s exceeded "
                            "the threshold {}",
                            percent(f.mismatchRate()), f.different, f.compared, f.window_seconds,
                            percent(g.max_mismatch_rate))
                      : fmt::format(
                            "new-side error rate {} ({} of {} calls) over {} s exceeded "
                            "the threshold {}",
                            percent(f.newErrorRate()), f.new_errors, f.new_calls, f.window_seconds,
                            percent(g.max_error_rate));
  auto back = oneStageBack(line);
  if (!back.ok()) {
    t.refused = back.status().message();
    return t;
  }
  t.to = *back;
  PolicyFacts facts;
  facts.current = line;
  auto last = lastReconciliationOf(store_, line.line);
  if (last.ok()) {
    facts.last_reconciliation = *last;
  }
  const PolicyDecision d = decideChange(facts, t.to, false);
  if (!d.allowed) {
    t.refused = d.message;
    if (blocked_version_[line.line] != line.version) {
      blocked_version_[line.line] = line.version;
      log->warn("guard: {} tripped ({}) but is not demoted: {}", line.line, t.reason, d.message);
    }
    return t;
  }
  AuditDraft audit;
  audit.actor = "system:guard";
  audit.action = "guard_demote";
  audit.reason = t.reason;
  audit.evidence = evidenceJson(options_.instance, line, f);
  auto committed = applyDirectly(store_, line, t.to, audit);
  if (committed.ok()) {
    t.applied = true;
    log->warn("guard: {} demoted {} -> {}: {}", line.line,
              describeSetting(line.stage, line.ramp_percent),
              describeSetting(t.to.stage, t.to.ramp_percent), t.reason);
  } else if (committed.status().code() == StatusCode::kAborted) {
    t.refused = "the line changed meanwhile (another instance or a person acted first)";
  } else {
    t.refused = committed.status().toString();
    log->error("guard: could not demote {}: {}", line.line, t.refused);
  }
  return t;
}

void Guard::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Guard::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Guard::loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, options_.interval, [this] { return stop_; })) {
        return;
      }
    }
    (void)checkOnce();
  }
}

}  // namespace corebridge::bridge
