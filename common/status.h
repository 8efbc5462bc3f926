// Status and Result<T>: how every data-plane function reports failure.
//
// No exception crosses a seam in corebridge. A function that can fail returns
// a Status (or a Result<T> carrying either a value or a Status). The code says
// what the caller should do about it:
//   InvalidArgument    bad input: reject it, never retry
//   NotFound           the thing named does not exist
//   Unavailable        transient: retry (with backoff)
//   DeadlineExceeded   the call took too long; the outcome may be unknown
//   Aborted            retry the whole transaction
//   FailedPrecondition fix the state of the system first
//   OutOfRange         a value does not fit where it must go
//   DataLoss           stored or received bytes are corrupt
//   Unimplemented      a valid request this build does not support
//   Internal           a bug: an invariant is broken
//
// Thread-safety: values; copy freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace corebridge {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kUnavailable,
  kDeadlineExceeded,
  kAborted,
  kFailedPrecondition,
  kOutOfRange,
  kDataLoss,
  kUnimplemented,
  kInternal,
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status okStatus() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: message" (or "OK").
  std::string toString() const;

  // Returns a copy whose message is `context: message`, keeping the code.
  Status withContext(std::string_view context) const;

  bool operator==(const Status& other) const {
    return code_ == other.code_ && message_ == other.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status okStatus() { return Status(); }
inline Status invalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status notFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status alreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status deadlineExceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status failedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status outOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status dataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status internalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace corebridge

#define CB_CONCAT_INNER_(a, b) a##b
#define CB_CONCAT_(a, b) CB_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define CB_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::corebridge::Status cb_status_ = (expr); \
    if (!cb_status_.ok()) return cb_status_;  \
  } while (0)

// `CB_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the status.
#define CB_ASSIGN_OR_RETURN(lhs, expr) \
  CB_ASSIGN_OR_RETURN_IMPL_(CB_CONCAT_(cb_result_, __LINE__), lhs, expr)
// `lhs` is a declaration and `tmp` a name: neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
