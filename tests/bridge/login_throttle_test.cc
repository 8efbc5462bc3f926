// Failed logins per client address (bridge/login_throttle.h).
#include "bridge/login_throttle.h"

#include <gtest/gtest.h>

namespace corebridge::bridge {
namespace {

using std::chrono::seconds;

TEST(LoginThrottle, RefusesAnAddressPastItsFailuresUntilTheyAge) {
  LoginThrottle t(3, seconds(60));
  const auto t0 = LoginThrottle::Clock::time_point() + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.retryAfter("10.0.0.1", t0 + seconds(i)), 0);
    t.failed("10.0.0.1", t0 + seconds(i));
  }
  EXPECT_EQ(t.retryAfter("10.0.0.1", t0 + seconds(3)), 58);  // the first ages out at 60
  EXPECT_EQ(t.retryAfter("10.0.0.2", t0 + seconds(3)), 0) << "another address is not affected";
  EXPECT_EQ(t.retryAfter("10.0.0.1", t0 + seconds(61)), 0);
  t.failed("10.0.0.1", t0 + seconds(61));  // with the one at 2 s: two in the window
  EXPECT_EQ(t.retryAfter("10.0.0.1", t0 + seconds(61)), 0);
  t.failed("10.0.0.1", t0 + seconds(61));
  EXPECT_GT(t.retryAfter("10.0.0.1", t0 + seconds(61)), 0) << "three in the window";
  t.succeeded("10.0.0.1");
  EXPECT_EQ(t.retryAfter("10.0.0.1", t0 + seconds(61)), 0);
}

TEST(LoginThrottle, RemembersABoundedNumberOfAddresses) {
  LoginThrottle t(1, seconds(60), 2);
  const auto t0 = LoginThrottle::Clock::time_point() + std::chrono::hours(1);
  t.failed("a", t0);
  t.failed("b", t0);
  t.failed("c", t0);  // one of a and b is forgotten
  EXPECT_GT(t.retryAfter("c", t0), 0);
  EXPECT_EQ((t.retryAfter("a", t0) > 0) + (t.retryAfter("b", t0) > 0), 1);
}

TEST(LoginThrottle, TheAddressOfAPeer) {
  EXPECT_EQ(LoginThrottle::addressOf("127.0.0.1:5123"), "127.0.0.1");
  EXPECT_EQ(LoginThrottle::addressOf("[::1]:5123"), "[::1]");
  EXPECT_EQ(LoginThrottle::addressOf("::1"), "::1");
  EXPECT_EQ(LoginThrottle::addressOf("host"), "host");
}

}  // namespace
}  // namespace corebridge::bridge
