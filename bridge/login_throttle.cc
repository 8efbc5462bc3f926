#include "bridge/login_throttle.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace corebridge::bridge {

void LoginThrottle::expire(std::deque<Clock::time_point>* failures, Clock::time_point now) const {
  while (!failures->empty() && failures->front() <= now - window_) {
    failures->pop_front();
  }
}

int LoginThrottle::retryAfter(const std::string& address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(address);
  if (it == failures_.end()) {
    return 0;
  }
  expire(&it->second, now);
  if (static_cast<int>(it->second.size()) < max_failures_) {
    return 0;
  }
  const auto free_at = it->second.front() + window_;
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(free_at - now).count();
  return static_cast<int>(std::max<int64_t>(1, wait + 1));
}

void LoginThrottle::failed(const std::string& address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failures_.size() >= max_addresses_ && failures_.count(address) == 0) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      expire(&it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() >= max_addresses_) {
      failures_.erase(failures_.begin());
    }
  }
  auto& list = failures_[address];
  expire(&list, now);
  list.push_back(now);
}

void LoginThrottle::succeeded(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(address);
}

std::string LoginThrottle::addressOf(const std::string& peer) {
  if (!peer.empty() && peer.front() == '[') {
    const size_t close = peer.find(']');
    return close == std::string::npos ? peer : peer.substr(0, close + 1);
  }
  const size_t colon = peer.find(':');
  if (colon == std::string::npos || peer.find(':', colon + 1) != std::string::npos) {
    return peer;  // no port, or a bare IPv6 address
  }
  return peer.substr(0, colon);
}

}  // namespace corebridge::bridge
