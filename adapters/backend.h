// The seam between the bridge and each of its two back ends.
//
// A Backend answers a channel transaction the way the legacy system does: a
// TRANCODE and a COMMAREA in, a reply COMMAREA (laid out by the
// transaction's copybook, in the wire dialect: EBCDIC, IBM binary) out.
// TcpLegacyBackend (adapters/legacy/) forwards the bytes to a mainframe
// gateway or the bundled legacy-host over LLZZ; ThriftNewBackend
// (adapters/newcore/) translates them through the mapping pack into calls of
// the new core and its answers back into the same layout, so that a channel
// cannot tell which side answered.
//
// Errors (no exception crosses this seam):
//   Unavailable       the back end cannot be reached or refused the call
//                     (connection refused, pool exhausted, gateway down)
//   DeadlineExceeded  no answer within the call's deadline; the outcome is
//                     unknown (a write may or may not have been applied:
//                     retry with the same transaction id)
//   InvalidArgument   the request cannot be sent (unknown TRANCODE, a
//                     COMMAREA this side cannot translate); nothing applied
//   Internal          a bug
// A business refusal (not found, insufficient funds) is not an error: it is
// a reply with its return code, as legacy gives it.
//
// A failure that happened before any byte of the request left the bridge
// (no connection, pool busy, deadline already passed) says so in its
// message with kRequestNotSent, so that the durable write path knows the
// call was not applied; any other failure of a write leaves its outcome in
// doubt (requestNotSent() is false).
//
// Thread-safety: implementations are safe to call from many threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace corebridge::adapters {

struct BackendReply {
  // ZZ of the reply frame: 0 a normal reply; non-zero a system error, whose
  // commarea then carries the short EBCDIC error text (docs/protocol.md).
  uint16_t zz = 0;
  std::string commarea;
};

// What the bridge knows when it calls a side.
struct CallContext {
  std::chrono::steady_clock::time_point deadline;
  // The other side's reply when this is the secondary call of a write (e.g.
  // the account number legacy assigned to an ACCTOPEN), else null.
  const BackendReply* primary_reply = nullptr;
};

inline constexpr std::string_view kRequestNotSent = "the request was not sent";

inline bool requestNotSent(const Status& status) {
  return !status.ok() && status.message().find(kRequestNotSent) != std::string::npos;
}

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Result<BackendReply> call(std::string_view trancode, std::string_view commarea,
                                    const CallContext& context) = 0;
  // "legacy" or "new", for metrics and logs.
  virtual std::string_view side() const = 0;
};

}  // namespace corebridge::adapters
