// One channel connection: a blocking TCP socket on which requests are sent
// and their replies awaited one at a time, as an ATM switch's session does.
// Not thread-safe: one per worker thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "adapters/channel/frame.h"
#include "common/status.h"

namespace corebridge::sim {

class Connection {
 public:
  Connection(std::string host, int port, adapters::FrameOptions options,
             std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one request and waits for its reply. Unavailable when the
  // connection could not be made or dropped; DeadlineExceeded on timeout
  // (the connection is then closed: a late reply must not answer the next
  // request). Connects on first use and after a failure.
  Status call(std::string_view trancode, std::string_view commarea, adapters::Frame* reply);
  // Sends raw bytes as a request (deliberately malformed frames).
  Status callRaw(std::string_view bytes, adapters::Frame* reply);
  void close();

 private:
  Status connect();
  Status sendAll(std::string_view bytes);
  Status receive(adapters::Frame* reply);

  std::string host_;
  int port_;
  adapters::FrameOptions options_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::unique_ptr<adapters::FrameDecoder> decoder_;
  std::string out_;
};

}  // namespace corebridge::sim
