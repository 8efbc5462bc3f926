// corebridge: the strangler-fig facade. Channels connect here instead of to
// the mainframe; each product line's stage says which back end answers and
// which is called second and compared (docs/bridge.md).
//
//   corebridge [--config FILE] [--check] [--dotted.option VALUE ...]
//
// Prints "listening on HOST:PORT admin HOST:PORT" on stdout once it serves
// (the only stdout line); logs go to stderr. SIGHUP re-reads the
// configuration and applies stages, ramps and the log level; SIGTERM or
// SIGINT stop accepting, finish the requests in flight and the queued
// secondary calls, and exit 0. Exit 2: a bad command line, configuration or
// mapping pack; exit 1: a port that cannot be bound or a store that cannot
// be opened.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "adapters/legacy/tcp_legacy_backend.h"
#include "adapters/newcore/thrift_new_backend.h"
#include "bridge/admin_server.h"
#include "bridge/config.h"
#include "bridge/executor.h"
#include "bridge/listener.h"
#include "bridge/metrics.h"
#include "bridge/observer.h"
#include "common/logging.h"
#include "dualwrite/sql_mismatch_store.h"
#include "mappings/pack.h"

namespace {

namespace cb = ::corebridge;
namespace br = ::corebridge::bridge;

constexpr const char* kUsage =
    "usage: corebridge [--config FILE] [--check] [--OPTION VALUE ...]\n"
    "  --config FILE   the YAML configuration (docs/configuration.md)\n"
    "  --check         load the configuration and the mapping pack, print them, exit\n"
    "  --OPTION VALUE  any option of the file by its dotted path, e.g.\n"
    "                  --legacy.port 4700 --product_lines.SAVINGS.stage SHADOW\n";

struct Args {
  std::string config;
  bool check = false;
  std::vector<std::pair<std::string, std::string>> overrides;
};

int usage(const std::string& message) {
  std::fprintf(stderr, "corebridge: %s\n%s", message.c_str(), kUsage);
  return 2;
}

// 0 to go on, otherwise the exit code.
int parseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return -1;
    }
    if (a == "--check") {
      args->check = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a.size() < 3) {
      return usage("unexpected argument '" + a + "'");
    }
    if (i + 1 >= argc) {
      return usage(a + " needs a value");
    }
    const std::string value = argv[++i];
    if (a == "--config") {
      args->config = value;
    } else {
      args->overrides.emplace_back(a.substr(2), value);
    }
  }
  return 0;
}

void applyLogLevel(const br::Config& config) {
  cb::LogOptions options;
  cb::parseLogLevel(config.log_level, &options.level);
  cb::parseLogFormat(config.log_format, &options.format);
  cb::initLogging(options);
  spdlog::set_level(options.level);
}

// The product lines the configuration names must be the pack's.
cb::Status checkLines(const br::Config& config, const cb::mappings::Pack& pack) {
  const std::vector<std::string> known = pack.lines();
  const std::set<std::string> names(known.begin(), known.end());
  for (const auto& [line, setting] : config.stages.lines) {
    if (names.count(line) == 0) {
      std::string list;
      for (const std::string& n : known) {
        list += (list.empty() ? "" : ", ") + n;
      }
      std::string message = config.source.empty() ? "" : config.source + ": ";
      message.append("product_lines.").append(line).append(": the pack ").append(pack.source);
      message.append(" has no such product line (it has ").append(list).append(")");
      return cb::invalidArgument(std::move(message));
    }
  }
  return cb::okStatus();
}

std::string describeStages(const br::StageTable& table) {
  std::string out;
  for (const auto& [line, s] : table.lines) {
    out += (out.empty() ? "" : ", ") + line + " " + std::string(br::stageName(s.stage));
    if (s.stage == br::Stage::kNewPrimary && s.ramp_percent < 100) {
      out += " " + std::to_string(s.ramp_percent) + "%";
    }
  }
  return out.empty() ? "all " + std::string(br::stageName(table.default_stage)) : out;
}

void registerGauges(br::MetricsRegistry& m, br::Executor& executor, br::ChannelListener& listener,
                    cb::adapters::TcpLegacyBackend& legacy,
                    cb::adapters::newcore::ThriftNewBackend& newcore,
                    const br::BridgeObserver& observer) {
  (void)m.gaugeCallback("corebridge_secondary_queue_depth", "Secondary calls queued or running.",
                        {}, [&] { return static_cast<double>(executor.secondaryDepth()); });
  (void)m.counterCallback("corebridge_secondary_dropped_total",
                          "Secondary calls dropped because the queue was full.", {},
                          [&] { return static_cast<double>(executor.secondaryDropped()); });
  (void)m.gaugeCallback("corebridge_channel_connections", "Channel connections open.", {},
                        [&] { return static_cast<double>(listener.counters().active.load()); });
  (void)m.counterCallback(
      "corebridge_malformed_frames_total", "Frames answered with CB01.", {},
      [&] { return static_cast<double>(listener.counters().malformed_frames.load()); });
  (void)m.gaugeCallback("corebridge_backend_connections", "Open connections to a back end.",
                        {{"side", "legacy"}},
                        [&] { return static_cast<double>(legacy.stats().open_connections); });
  (void)m.gaugeCallback("corebridge_backend_connections", "Open connections to a back end.",
                        {{"side", "new"}},
                        [&] { return static_cast<double>(newcore.openConnections()); });
  (void)m.counterCallback(
      "corebridge_secondary_errors_total", "Secondary calls that failed (any transaction).", {},
      [&] { return static_cast<double>(observer.counters().secondary_errors.load()); });
}

int run(int argc, char** argv) {
  Args args;
  if (int rc = parseArgs(argc, argv, &args); rc != 0) {
    return rc < 0 ? 0 : rc;
  }
  auto config = br::loadConfig(args.config, args.overrides);
  if (!config.ok()) {
    std::fprintf(stderr, "corebridge: %s\n", config.status().message().c_str());
    return 2;
  }
  applyLogLevel(*config);
  auto log = cb::logger("bridge");
  auto pack = cb::mappings::loadPack(config->pack);
  if (!pack.ok()) {
    log->error("mapping pack: {}", pack.status().message());
    return 2;
  }
  if (cb::Status s = checkLines(*config, **pack); !s.ok()) {
    log->error("{}", s.message());
    return 2;
  }
  auto frame = config->frameOptions();
  if (!frame.ok()) {
    log->error("frame: {}", frame.status().message());
    return 2;
  }
  if (args.check) {
    std::printf("configuration %s: valid\n",
                config->source.empty() ? "(defaults)" : config->source.c_str());
    std::printf("pack %s (%s): %zu transactions\n", (*pack)->source.c_str(), (*pack)->name.c_str(),
                (*pack)->transactions.size());
    std::printf("stages: %s\n", describeStages(config->stages).c_str());
    return 0;
  }

  // Stop signals and SIGHUP are waited for by main; every thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  cb::adapters::TcpLegacyOptions legacy_options;
  legacy_options.host = config->legacy.endpoint.host;
  legacy_options.port = static_cast<uint16_t>(config->legacy.endpoint.port);
  legacy_options.pool_size = static_cast<size_t>(config->legacy.pool);
  legacy_options.connect_timeout = std::chrono::milliseconds(config->legacy.connect_timeout_ms);
  legacy_options.frame = *frame;
  auto legacy = cb::adapters::TcpLegacyBackend::create(legacy_options);
  if (!legacy.ok()) {
    log->error("legacy: {}", legacy.status().toString());
    return 2;
  }
  cb::adapters::newcore::ThriftNewBackendOptions new_options;
  new_options.host = config->newcore.endpoint.host;
  new_options.port = config->newcore.endpoint.port;
  new_options.pool_size = static_cast<size_t>(config->newcore.pool);
  new_options.connect_timeout = std::chrono::milliseconds(config->newcore.connect_timeout_ms);
  new_options.call_timeout = std::chrono::milliseconds(config->newcore.timeout_ms);
  auto newcore = cb::adapters::newcore::ThriftNewBackend::create(*pack, new_options);
  if (!newcore.ok()) {
    log->error("newcore: {}", newcore.status().toString());
    return 2;
  }
  std::unique_ptr<cb::dualwrite::SqlMismatchStore> store;
  if (!config->mismatch_store.empty()) {
    auto opened = cb::dualwrite::SqlMismatchStore::open(config->mismatch_store);
    if (!opened.ok()) {
      log->error("mismatch_store: {}", opened.status().toString());
      return 1;
    }
    store = std::move(*opened);
  }

  br::MetricsRegistry metrics;
  auto observer = br::BridgeObserver::create(**pack, metrics, store.get());
  if (!observer.ok()) {
    log->error("{}", observer.status().message());
    return 2;
  }
  br::ExecutorOptions executor_options;
  executor_options.legacy_timeout = std::chrono::milliseconds(config->legacy.timeout_ms);
  executor_options.new_timeout = std::chrono::milliseconds(config->newcore.timeout_ms);
  executor_options.secondary_queue = static_cast<size_t>(config->secondary_queue);
  executor_options.secondary_workers = config->secondary_workers;
  br::Executor executor(executor_options, *pack, **legacy, **newcore, **observer,
                        std::make_shared<const br::StageTable>(config->stages));

  br::ListenerOptions listener_options;
  listener_options.address = config->listen.host;
  listener_options.port = config->listen.port;
  listener_options.frame = *frame;
  listener_options.max_connections = config->max_connections;
  br::ChannelListener listener(listener_options, executor);
  if (cb::Status s = listener.listen(); !s.ok()) {
    log->error("listen: {}", s.message());
    return 1;
  }
  std::atomic<bool> stopping{false};
  br::AdminServerOptions admin_options;
  admin_options.bind = config->admin.host;
  admin_options.port = static_cast<uint16_t>(config->admin.port);
  br::AdminServer admin(admin_options, &metrics, [&]() -> cb::Status {
    return stopping.load() ? cb::unavailable("shutting down") : cb::okStatus();
  });
  if (cb::Status s = admin.start(); !s.ok()) {
    log->error("admin: {}", s.message());
    return 1;
  }
  registerGauges(metrics, executor, listener, **legacy, **newcore, **observer);
  listener.start();
  std::printf("listening on %s:%d admin %s:%u\n", config->listen.host.c_str(), listener.port(),
              config->admin.host.c_str(), admin.port());
  std::fflush(stdout);
  log->info("serving pack {} ({} transactions); legacy {}:{}, newcore {}:{}; stages: {}",
            (*pack)->name, (*pack)->transactions.size(), config->legacy.endpoint.host,
            config->legacy.endpoint.port, config->newcore.endpoint.host,
            config->newcore.endpoint.port, describeStages(config->stages));

  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGHUP) {
      log->info("signal {}: stopping", sig);
      break;
    }
    auto reloaded = br::loadConfig(args.config, args.overrides);
    cb::Status s = reloaded.ok() ? checkLines(*reloaded, **pack) : reloaded.status();
    if (!s.ok()) {
      log->error("SIGHUP: configuration not reloaded, the running one stays: {}", s.message());
      continue;
    }
    executor.setStages(std::make_shared<const br::StageTable>(reloaded->stages));
    applyLogLevel(*reloaded);
    log->info("SIGHUP: stages now {}", describeStages(reloaded->stages));
  }
  stopping = true;
  listener.stop();
  executor.stop();
  if (store != nullptr) {
    store->flush(std::chrono::seconds(10));
  }
  admin.stop();
  log->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corebridge: %s\n", e.what());
    return 1;
  }
}
