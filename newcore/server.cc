#include "newcore/server.h"

#include <thrift/concurrency/ThreadFactory.h>
#include <thrift/concurrency/ThreadManager.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TNonblockingServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#include <thrift/transport/TServerSocket.h>

#include <future>

namespace corebridge::newcore {
namespace {

namespace at = apache::thrift;

// Reports the bound port once the server listens (preServe runs after bind).
class ListenEvent : public at::server::TServerEventHandler {
 public:
  explicit ListenEvent(std::function<int()> port) : port_(std::move(port)) {}
  void preServe() override {
    if (!fired_) {
      fired_ = true;
      bound_.set_value(port_());
    }
  }
  std::future<int> bound() { return bound_.get_future(); }
  void fail() {
    if (!fired_) {
      fired_ = true;
      bound_.set_value(-1);
    }
  }

 private:
  std::function<int()> port_;
  std::promise<int> bound_;
  bool fired_ = false;
};

}  // namespace

bool parseServerKind(const std::string& s, ServerKind* out) {
  if (s == "threaded") {
    *out = ServerKind::kThreaded;
    return true;
  }
  if (s == "nonblocking") {
    *out = ServerKind::kNonblocking;
    return true;
  }
  return false;
}

NewcoreServer::NewcoreServer(std::shared_ptr<idl::CoreBankingIf> handler, ServerOptions options)
    : handler_(std::move(handler)), options_(std::move(options)) {}

NewcoreServer::~NewcoreServer() { stop(); }

Status NewcoreServer::start() {
  auto processor = std::make_shared<idl::CoreBankingProcessor>(handler_);
  auto protocol = std::make_shared<at::protocol::TBinaryProtocolFactory>();
  std::shared_ptr<ListenEvent> event;
  try {
    if (options_.kind == ServerKind::kThreaded) {
      auto socket = std::make_shared<at::transport::TServerSocket>(options_.host, options_.port);
      auto server = std::make_shared<at::server::TThreadedServer>(
          processor, socket, std::make_shared<at::transport::TFramedTransportFactory>(), protocol);
      if (options_.threads > 0) {
        server->setConcurrentClientLimit(options_.threads);
      }
      event = std::make_shared<ListenEvent>([socket] { return socket->getPort(); });
      server_ = server;
    } else {
      workers_ = at::concurrency::ThreadManager::newSimpleThreadManager(
          static_cast<size_t>(options_.threads > 0 ? options_.threads : 8));
      workers_->threadFactory(std::make_shared<at::concurrency::ThreadFactory>());
      workers_->start();
      auto socket =
          std::make_shared<at::transport::TNonblockingServerSocket>(options_.host, options_.port);
      auto server =
          std::make_shared<at::server::TNonblockingServer>(processor, protocol, socket, workers_);
      event = std::make_shared<ListenEvent>([socket] { return socket->getListenPort(); });
      server_ = server;
    }
  } catch (const at::TException& e) {
    return unavailable(std::string("newcore server: ") + e.what());
  }
  server_->setServerEventHandler(event);
  std::future<int> bound = event->bound();
  auto error = std::make_shared<std::string>();
  thread_ = std::thread([this, event, error] {
    try {
      server_->serve();
    } catch (const std::exception& e) {
      *error = e.what();
    }
    event->fail();
  });
  port_ = bound.get();
  if (port_ < 0) {
    thread_.join();
    server_.reset();
    return unavailable("newcore server: cannot listen on " + options_.host + ":" +
                       std::to_string(options_.port) + ": " + *error);
  }
  return okStatus();
}

void NewcoreServer::stop() {
  if (server_ && thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
  if (workers_) {
    workers_->stop();
    workers_.reset();
  }
  server_.reset();
}

}  // namespace corebridge::newcore
