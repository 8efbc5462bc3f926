// LoginThrottle: slows password guessing at POST /api/v1/login
// (docs/cutover-control.md, "Users, roles, tokens"). Failed logins are
// counted per client address over a sliding window; past `max_failures` in
// it, that address is refused (429) until its oldest failure leaves the
// window. Per address, not per user, so nobody can lock a user out by
// guessing wrong on purpose. A success clears the address's count.
//
// Bounded: at most `max_addresses` addresses are remembered; when full, the
// ones with no failure in the window are forgotten first, then the oldest.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace corebridge::bridge {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoginThrottle(int max_failures = 10,
                         std::chrono::seconds window = std::chrono::seconds(60),
                         size_t max_addresses = 10000)
      : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

  // 0 when `address` may try now, else the seconds until it may.
  int retryAfter(const std::string& address, Clock::time_point now);
  void failed(const std::string& address, Clock::time_point now);
  void succeeded(const std::string& address);

  // "127.0.0.1:5123" -> "127.0.0.1", "[::1]:5123" -> "[::1]".
  static std::string addressOf(const std::string& peer);

 private:
  void expire(std::deque<Clock::time_point>* failures, Clock::time_point now) const;

  const int max_failures_;
  const std::chrono::seconds window_;
  const size_t max_addresses_;
  std::mutex mu_;
  std::map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace corebridge::bridge
