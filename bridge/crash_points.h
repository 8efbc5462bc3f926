// Crash points: a test-only fault hook for the crash test (docs/crash-test.md).
//
// COREBRIDGE_CRASH_AT=<label>:<n> makes the process kill itself with
// SIGKILL the n-th time (n >= 1, default 1) it reaches CB_CRASH_POINT(label),
// exactly as a `kill -9` from outside would at that moment: no destructor,
// no flush, no journal sync beyond what the code already did. The
// environment is read once, by the first crash point reached; unset, a
// crash point is one relaxed atomic load and a predictable branch.
//
// The labels of the durable write path (bridge/executor.cc):
//   after_intent      intent journalled, primary not yet called
//   after_primary     primary answered, its outcome not yet journalled
//   after_outcome     outcome journalled, channel not yet answered
//   before_secondary  worker about to call the secondary
//   after_secondary   secondary answered, settle record not yet written
//   after_settle      settle record written
//
// Thread-safe: any thread may reach a crash point.
#pragma once

#include <atomic>

namespace corebridge::bridge {

namespace crash_internal {
// 0: not read yet; 1: no crash point armed; 2: one is armed.
extern std::atomic<int> g_state;
void reached(const char* label);
}  // namespace crash_internal

// The labels crash points may name (for validation and the docs).
const char* const* crashPointLabels();

inline void crashPoint(const char* label) {
  if (crash_internal::g_state.load(std::memory_order_relaxed) != 1) {
    crash_internal::reached(label);
  }
}

}  // namespace corebridge::bridge

#define CB_CRASH_POINT(label) ::corebridge::bridge::crashPoint(label)
