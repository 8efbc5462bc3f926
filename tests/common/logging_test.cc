// Named loggers: one per name, cached per thread, changed in place by
// initLogging.
#include "common/logging.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace corebridge {
namespace {

TEST(LoggingTest, OneLoggerPerNameAcrossThreadsAndLookups) {
  const std::shared_ptr<spdlog::logger>& first = logger("logging-test-a");
  spdlog::logger* const a = first.get();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name(), "logging-test-a");
  // Other names looked up on this thread leave the first reference valid.
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(logger("logging-test-other-" + std::to_string(i))->name(),
              "logging-test-other-" + std::to_string(i));
  }
  EXPECT_EQ(first.get(), a);
  EXPECT_EQ(logger("logging-test-a").get(), a);
  std::vector<spdlog::logger*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] { seen[t] = logger("logging-test-a").get(); });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (spdlog::logger* p : seen) {
    EXPECT_EQ(p, a);
  }
}

TEST(LoggingTest, InitLoggingChangesTheLevelOfLoggersAlreadyCached) {
  LogOptions options;
  options.level = spdlog::level::warn;
  initLogging(options);
  const std::shared_ptr<spdlog::logger>& l = logger("logging-test-level");
  EXPECT_EQ(l->level(), spdlog::level::warn);
  options.level = spdlog::level::debug;
  initLogging(options);
  EXPECT_EQ(logger("logging-test-level")->level(), spdlog::level::debug);
  EXPECT_EQ(l->level(), spdlog::level::debug);
}

}  // namespace
}  // namespace corebridge
