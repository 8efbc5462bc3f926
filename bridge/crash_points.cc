#include "bridge/crash_points.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace corebridge::bridge {

namespace crash_internal {

std::atomic<int> g_state{0};

namespace {

std::once_flag g_once;
std::string g_label;
long g_target = 1;
std::atomic<long> g_hits{0};

void readEnvironment() {
  const char* spec = std::getenv("COREBRIDGE_CRASH_AT");
  if (spec == nullptr || *spec == '\0') {
    g_state.store(1, std::memory_order_relaxed);
    return;
  }
  std::string text = spec;
  const size_t colon = text.rfind(':');
  g_label = text.substr(0, colon);
  if (colon != std::string::npos) {
    g_target = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  }
  bool known = false;
  for (const char* const* l = crashPointLabels(); *l != nullptr; ++l) {
    known = known || g_label == *l;
  }
  if (!known || g_target < 1) {
    std::fprintf(stderr, "corebridge: COREBRIDGE_CRASH_AT=%s: unknown label or count; ignored\n",
                 spec);
    g_state.store(1, std::memory_order_relaxed);
    return;
  }
  std::fprintf(stderr, "corebridge: COREBRIDGE_CRASH_AT: SIGKILL at the %ld. %s\n", g_target,
               g_label.c_str());
  g_state.store(2, std::memory_order_relaxed);
}

}  // namespace

void reached(const char* label) {
  std::call_once(g_once, readEnvironment);
  if (g_state.load(std::memory_order_relaxed) != 2 || g_label != label) {
    return;
  }
  if (g_hits.fetch_add(1, std::memory_order_relaxed) + 1 == g_target) {
    // Written with write(2): nothing buffered may run after this point.
    const char msg[] = "corebridge: crash point reached, SIGKILL\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached
  }
}

}  // namespace crash_internal

const char* const* crashPointLabels() {
  static const char* const kLabels[] = {
      "after_intent",    "after_primary", "after_outcome", "before_secondary",
      "after_secondary", "after_settle",  nullptr};
  return kLabels;
}

}  // namespace corebridge::bridge
