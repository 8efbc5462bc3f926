// ChannelListener: the channels' TCP port of corebridge, speaking LLZZ
// (adapters/channel/frame.h, docs/protocol.md) exactly as the legacy system
// does.
//
// One acceptor thread and one thread per connection: a channel sends a
// request and waits for its reply, so a connection's thread reads a frame,
// runs it through the Executor and writes the reply, with no hand-off on the
// request path (measured against a poll loop with workers: docs/bridge.md).
// Replies on a connection come back in the order of its requests.
//
// A frame whose boundary is known but whose content is bad gets a
// system-error reply and the connection stays open; a lost boundary (LL
// below the header or above the maximum) is answered and the connection
// closed. Connections beyond max_connections are closed at once.
//
// stop() stops accepting, lets every connection finish the request it is
// running and write its reply, then closes them.
//
// Thread-safety: start()/stop() from one thread; counters from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "adapters/channel/frame.h"
#include "bridge/executor.h"
#include "common/status.h"

namespace corebridge::bridge {

struct ListenerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: a free port; port() tells which
  adapters::FrameOptions frame;
  int max_connections = 1024;
};

struct ListenerCounters {
  std::atomic<uint64_t> connections{0};       // accepted
  std::atomic<uint64_t> refused{0};           // closed at once: max_connections reached
  std::atomic<uint64_t> malformed_frames{0};  // CB01 replies (bad LL, ZZ or TRANCODE bytes)
  std::atomic<uint64_t> broken_streams{0};    // connections closed: frame boundary lost
  std::atomic<int64_t> active{0};             // connections open now
};

class ChannelListener {
 public:
  ChannelListener(ListenerOptions options, Executor& executor);
  ~ChannelListener();  // stop()

  ChannelListener(const ChannelListener&) = delete;
  ChannelListener& operator=(const ChannelListener&) = delete;

  // Binds and listens. Unavailable when the address cannot be bound.
  Status listen();
  int port() const { return port_; }
  // Accepts on a background thread until stop().
  void start();
  void stop();

  const ListenerCounters& counters() const { return counters_; }

 private:
  void acceptLoop();
  void serve(int fd);
  void writeAll(int fd, const std::string& bytes);

  const ListenerOptions options_;
  Executor& executor_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  ListenerCounters counters_;

  std::mutex mu_;
  std::condition_variable done_;
  std::set<int> open_fds_;  // guarded by mu_
  int threads_ = 0;         // guarded by mu_: connection threads alive
};

}  // namespace corebridge::bridge
