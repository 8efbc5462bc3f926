// TcpLegacyBackend: the legacy side of the Backend seam (adapters/backend.h)
// over TCP. It sends each call as one LLZZ request frame (adapters/channel/
// frame.h, docs/protocol.md) to a mainframe gateway or the bundled
// legacy-host and reads exactly one reply frame back.
//
// Connections: a bounded pool of at most `pool_size` persistent connections,
// opened lazily by the first call that finds no idle one and reused by later
// calls (one call at a time per connection, no pipelining). A connection
// whose stream position is unknown (a deadline hit mid-call, an I/O error, a
// malformed or surplus reply) is closed, never reused. An idle connection
// the peer has closed (gateway restart, idle timeout) is noticed before it is
// reused and replaced by a fresh one, so a restart of the host costs no call.
// There is no hidden retry: once a request byte has been written, a failure
// is the caller's to retry (with the same transaction id; the legacy side
// applies a transaction id at most once).
//
// Deadlines: every call honours CallContext::deadline for each step (waiting
// for a pooled connection, connecting, writing, reading); all sockets are
// non-blocking and waited on with poll(2). Connecting is also bounded by
// `connect_timeout`. A default CallContext (deadline at the clock's epoch)
// has always expired: such a call sends nothing and is DeadlineExceeded.
//
// Errors (the seam's codes):
//   InvalidArgument   the frame cannot be built (TRANCODE empty, too long or
//                     not in the code page; message over max_message);
//                     nothing sent
//   Unavailable       connect refused/failed/timed out (connect_timeout),
//                     name not resolvable, every pooled connection busy until
//                     the deadline, connection lost or a malformed reply;
//                     when the message says "after the request was sent" the
//                     outcome of a write is unknown
//   DeadlineExceeded  the deadline passed while connecting, writing or
//                     waiting for the reply (the message says whether the
//                     request had been sent)
// A reply with ZZ != 0 (a system error, e.g. CB02 unknown TRANCODE) is a
// reply, not an error: BackendReply.zz carries it, commarea its text.
//
// Thread-safety: call() and stats() are safe from any number of threads.
// The pool's mutex is never held across I/O. The object must outlive every
// call in flight; the destructor closes the idle connections.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backend.h"
#include "adapters/channel/frame.h"
#include "common/status.h"

namespace corebridge::adapters {

struct TcpLegacyOptions {
  // Host name or IPv4/IPv6 address of the gateway (resolved on each connect).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Most connections open at once; a call finding all busy waits for one
  // until its deadline.
  size_t pool_size = 8;
  // Upper bound of one connect, within the call's deadline.
  std::chrono::milliseconds connect_timeout{2000};
  // Framing of the gateway (LL width, header counting, code page, maximum).
  FrameOptions frame;
};

// A snapshot of the backend's counters (monotonic unless marked a gauge).
struct TcpLegacyStats {
  uint64_t open_connections = 0;  // gauge: connected sockets, idle or in use
  uint64_t idle_connections = 0;  // gauge
  uint64_t connects = 0;          // successful connects
  uint64_t discarded = 0;         // connections closed because unusable
  uint64_t calls = 0;             // call() invocations
  uint64_t replies = 0;           // calls answered with a reply frame, any ZZ
  uint64_t system_errors = 0;     // of which ZZ != 0
  // Errors by kind; their sum is calls - replies.
  uint64_t invalid_argument = 0;  // frame could not be built
  uint64_t connect_failed = 0;    // refused, unreachable, unresolvable, connect_timeout
  uint64_t pool_exhausted = 0;    // no connection free before the deadline
  uint64_t deadline_exceeded = 0;
  uint64_t connection_lost = 0;  // EOF or I/O error mid-call
  uint64_t bad_reply = 0;        // reply frame malformed
  // Not an error: bytes after a reply (the reply is returned, the connection
  // closed).
  uint64_t trailing_bytes = 0;
};

class TcpLegacyBackend : public Backend {
 public:
  // InvalidArgument when the options are unusable (frame options invalid,
  // pool_size 0, port 0, empty host). Nothing is connected yet.
  static Result<std::unique_ptr<TcpLegacyBackend>> create(TcpLegacyOptions options);

  ~TcpLegacyBackend() override;
  TcpLegacyBackend(const TcpLegacyBackend&) = delete;
  TcpLegacyBackend& operator=(const TcpLegacyBackend&) = delete;

  // Backend
  Result<BackendReply> call(std::string_view trancode, std::string_view commarea,
                            const CallContext& context) override;
  std::string_view side() const override { return "legacy"; }

  TcpLegacyStats stats() const;
  const TcpLegacyOptions& options() const { return options_; }

 private:
  class Connection;
  using Clock = std::chrono::steady_clock;

  explicit TcpLegacyBackend(TcpLegacyOptions options);

  // A connection for one call: an idle one, else a new one when the pool has
  // room, else waits for one to come back until the deadline.
  Result<std::unique_ptr<Connection>> acquire(Clock::time_point deadline);
  // Back to the idle list (healthy) or closed (anything else).
  void release(std::unique_ptr<Connection> connection, bool healthy);
  Result<std::unique_ptr<Connection>> connect(Clock::time_point deadline);
  // Writes the request and reads one reply. *reusable: the stream is at a
  // frame boundary with nothing pending (only after a clean reply).
  Result<BackendReply> exchange(Connection& connection, const std::string& request,
                                Clock::time_point deadline, bool* reusable);
  Status countError(Status status, std::atomic<uint64_t>& counter);

  const TcpLegacyOptions options_;
  const std::string peer_;  // "host:port", for messages

  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_, most recent last
  size_t open_ = 0;                                // guarded by mu_, idle + in use + connecting

  std::atomic<uint64_t> next_connection_id_{1};
  std::atomic<uint64_t> connected_{0};  // sockets open now (Connection objects alive)
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> discarded_{0};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> replies_{0};
  std::atomic<uint64_t> system_errors_{0};
  std::atomic<uint64_t> invalid_argument_{0};
  std::atomic<uint64_t> connect_failed_{0};
  std::atomic<uint64_t> pool_exhausted_{0};
  std::atomic<uint64_t> deadline_exceeded_{0};
  std::atomic<uint64_t> connection_lost_{0};
  std::atomic<uint64_t> bad_reply_{0};
  std::atomic<uint64_t> trailing_bytes_{0};
};

}  // namespace corebridge::adapters
