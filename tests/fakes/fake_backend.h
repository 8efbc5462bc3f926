// FakeBackend: an adapters::Backend that answers from a function, records
// every call, and can be slowed or made to fail, for executor and bridge
// tests (STYLE.md: fakes of the seams live in tests/fakes/).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/backend.h"

namespace corebridge::fakes {

class FakeBackend : public adapters::Backend {
 public:
  struct Call {
    std::string trancode;
    std::string commarea;
    bool had_primary_reply = false;
  };
  using Answer = std::function<Result<adapters::BackendReply>(std::string_view trancode,
                                                              std::string_view commarea)>;

  explicit FakeBackend(std::string side) : side_(std::move(side)) {
    // Default: echo the request COMMAREA as the reply.
    answer_ = [](std::string_view, std::string_view commarea) -> Result<adapters::BackendReply> {
      adapters::BackendReply r;
      r.commarea = std::string(commarea);
      return r;
    };
  }

  void setAnswer(Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }
  void setDelay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }

  Result<adapters::BackendReply> call(std::string_view trancode, std::string_view commarea,
                                      const adapters::CallContext& context) override {
    Answer answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(
          {std::string(trancode), std::string(commarea), context.primary_reply != nullptr});
      answer = answer_;
    }
    if (delay_ms_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    }
    return answer(trancode, commarea);
  }
  std::string_view side() const override { return side_; }

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  size_t callCount() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }

 private:
  std::string side_;
  mutable std::mutex mu_;
  Answer answer_;
  std::vector<Call> calls_;
  std::atomic<int> delay_ms_{0};
};

}  // namespace corebridge::fakes
