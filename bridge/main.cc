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
#include <thrift/Thrift.h>  // GlobalOutput (TOutput.h is not self-contained)
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/legacy/tcp_legacy_backend.h"
#include "adapters/newcore/thrift_new_backend.h"
#include "bridge/admin_server.h"
#include "bridge/auth.h"
#include "bridge/config.h"
#include "bridge/control_api.h"
#include "bridge/executor.h"
#include "bridge/flag_watcher.h"
#include "bridge/guard.h"
#include "bridge/listener.h"
#include "bridge/metrics.h"
#include "bridge/observer.h"
#include "bridge/sql_flag_store.h"
#include "bridge/traffic_window.h"
#include "common/logging.h"
#include "dualwrite/intent_log.h"
#include "dualwrite/repair_queue.h"
#include "dualwrite/sql_mismatch_store.h"
#include "dualwrite/sql_repair_store.h"
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

// Thrift's own diagnostics ("TSocket::open() error ... Connection refused",
// once per attempt while the new core is down) go to the logger at debug
// level instead of raw stderr: the backend's error is logged by the bridge.
void thriftOutput(const char* message) { cb::logger("newcore")->debug("thrift: {}", message); }

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
                    const br::BridgeObserver& observer, const cb::dualwrite::IntentLog* journal,
                    const cb::dualwrite::RepairQueue* repairs) {
  (void)m.gaugeCallback("corebridge_secondary_queue_depth", "Secondary calls queued or running.",
                        {}, [&] { return static_cast<double>(executor.secondaryDepth()); });
  (void)m.gaugeCallback(
      "corebridge_in_doubt_accounts",
      "Accounts fenced because a primary call of theirs is in doubt (their writes get CB07).", {},
      [&] { return static_cast<double>(executor.inDoubtAccounts()); });
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
  if (journal != nullptr) {
    (void)m.counterCallback("corebridge_journal_records_total", "Journal records made durable.", {},
                            [journal] { return double(journal->stats().journal.appends); });
    (void)m.counterCallback("corebridge_journal_syncs_total",
                            "Journal group commits (one fdatasync each).", {},
                            [journal] { return double(journal->stats().journal.batches); });
    (void)m.gaugeCallback("corebridge_journal_unsettled", "Journalled intents not yet settled.", {},
                          [journal] { return double(journal->stats().unsettled); });
    (void)m.gaugeCallback("corebridge_journal_healthy",
                          "1 while the journal accepts records, 0 once it failed closed.", {},
                          [journal] { return journal->health().ok() ? 1.0 : 0.0; });
  }
  if (repairs != nullptr) {
    (void)m.counterCallback("corebridge_repairs_opened_total", "Repair cases opened.", {},
                            [repairs] { return double(repairs->stats().opened); });
    (void)m.counterCallback("corebridge_repairs_closed_total", "Repair cases closed.", {},
                            [repairs] { return double(repairs->stats().closed); });
    (void)m.counterCallback("corebridge_repair_retries_failed_total",
                            "Repair replays that did not get through.", {},
                            [repairs] { return double(repairs->stats().retries_failed); });
    for (const char* kind : {"secondary_failed", "backlog", "parked", "divergence"}) {
      (void)m.gaugeCallback("corebridge_repairs_open", "Open repair cases by kind.",
                            {{"kind", kind}}, [repairs, kind] {
                              const auto by_kind = repairs->stats().open_by_kind;
                              auto it = by_kind.find(kind);
                              return it == by_kind.end() ? 0.0 : double(it->second);
                            });
    }
    (void)m.gaugeCallback("corebridge_repair_parked_accounts",
                          "Accounts whose secondary calls wait behind a repair case.", {},
                          [repairs] { return double(repairs->stats().parked_accounts); });
  }
}

// The stage table of the flag store's lines; a line the store does not
// hold is at the configuration's default stage.
br::StageTable tableOf(const std::vector<br::LineFlags>& lines, br::Stage default_stage) {
  br::StageTable table;
  table.default_stage = default_stage;
  for (const br::LineFlags& l : lines) {
    table.lines[l.line] = br::LineSetting{l.stage, l.ramp_percent};
  }
  return table;
}

// Writes the lines of the pack the store does not hold yet, at the stage the
// configuration gives them (audit action "seed"). Another instance seeding
// the same line at the same time wins; that is fine.
cb::Status seedLines(br::FlagStore& store, const br::Config& config,
                     const cb::mappings::Pack& pack) {
  CB_ASSIGN_OR_RETURN(auto stored, store.lines());
  std::set<std::string> have;
  for (const br::LineFlags& l : stored) {
    have.insert(l.line);
  }
  for (const std::string& line : pack.lines()) {
    if (have.count(line) > 0) {
      continue;
    }
    const br::LineSetting setting = config.stages.settingOf(line);
    br::LineFlags flags;
    flags.line = line;
    flags.stage = setting.stage;
    flags.ramp_percent = setting.ramp_percent;
    flags.guard = config.control.guard;
    br::FlagCommit commit;
    commit.set_line = flags;
    commit.expected_version = 0;
    br::AuditDraft audit;
    audit.actor = "system:config";
    audit.action = "seed";
    audit.line = line;
    audit.to = br::describeSetting(flags.stage, flags.ramp_percent);
    audit.reason = "first start with this flag store: the line is seeded from " +
                   (config.source.empty() ? std::string("the defaults") : config.source);
    commit.audit.push_back(audit);
    auto done = store.commit(commit);
    if (!done.ok() && done.status().code() != cb::StatusCode::kAborted) {
      return done.status();
    }
  }
  return cb::okStatus();
}

std::string instanceName(const br::Config& config, uint16_t admin_port) {
  if (!config.control.instance.empty()) {
    return config.control.instance;
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + ":" + std::to_string(admin_port) + " (pid " +
         std::to_string(getpid()) + ")";
}

cb::Result<std::string> readSecret(const std::string& path) {
  if (path.empty()) {
    return std::string();
  }
  std::ifstream in(path);
  if (!in) {
    return cb::invalidArgument("control.token_secret_file: cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
    secret.pop_back();
  }
  if (secret.size() < 16) {
    return cb::invalidArgument("control.token_secret_file: " + path +
                               " holds fewer than 16 bytes: too short a key");
  }
  return secret;
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
  apache::thrift::GlobalOutput.setOutputFunction(thriftOutput);
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
    if (config->control.flag_store.empty()) {
      std::printf("stages: %s\n", describeStages(config->stages).c_str());
    } else {
      std::printf("stages: from the flag store %s (lines it lacks are seeded at: %s)\n",
                  config->control.flag_store.c_str(), describeStages(config->stages).c_str());
    }
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
  br::TrafficWindows windows;
  br::TrafficObserver traffic(**observer, windows);

  // The control plane: the stages come from the shared flag store (or, with
  // control.flag_store "", from this file).
  std::unique_ptr<br::SqlFlagStore> flag_store;
  br::StageTable stages = config->stages;
  if (!config->control.flag_store.empty()) {
    auto opened = br::SqlFlagStore::open(config->control.flag_store);
    if (!opened.ok()) {
      log->error("control.flag_store: {}", opened.status().toString());
      return 1;
    }
    flag_store = std::move(*opened);
    if (cb::Status s = seedLines(*flag_store, *config, **pack); !s.ok()) {
      log->error("control.flag_store: seeding the product lines: {}", s.toString());
      return 1;
    }
    auto lines = flag_store->lines();
    if (!lines.ok()) {
      log->error("control.flag_store: {}", lines.status().toString());
      return 1;
    }
    stages = tableOf(*lines, config->stages.default_stage);
  } else {
    log->warn(
        "control.flag_store is empty: stages come from the configuration file (SIGHUP), "
        "with no admin API changes, approvals or audit (tests only)");
  }
  std::map<std::string, br::User> users;
  if (!config->control.users_file.empty()) {
    auto loaded = br::loadUsers(config->control.users_file);
    if (!loaded.ok()) {
      log->error("control.users_file: {}", loaded.status().message());
      return 2;
    }
    users = std::move(*loaded);
  }
  auto secret = readSecret(config->control.token_secret_file);
  if (!secret.ok()) {
    log->error("{}", secret.status().message());
    return 2;
  }
  br::Authenticator authenticator(std::move(users), *secret,
                                  std::chrono::seconds(config->control.token_ttl_s));
  // Durable dual-write: the journal (recovered here) and the repair queue.
  std::unique_ptr<cb::dualwrite::IntentLog> journal;
  std::vector<cb::dualwrite::UnfinishedIntent> unfinished;
  if (!config->journal_dir.empty()) {
    cb::dualwrite::IntentLogOptions journal_options;
    journal_options.journal.segment_bytes = uint64_t(config->journal_segment_mb) << 20;
    journal_options.journal.preallocate_bytes = uint64_t(config->journal_preallocate_kb) << 10;
    cb::dualwrite::RecoveryReport report;
    auto opened =
        cb::dualwrite::IntentLog::open(config->journal_dir, journal_options, &unfinished, &report);
    if (!opened.ok()) {
      log->error("journal: {}", opened.status().toString());
      return 1;
    }
    journal = std::move(*opened);
    log->info("journal {}: {} records in {} segments, {} unfinished intents{}", config->journal_dir,
              report.records, report.segments, unfinished.size(),
              report.bytes_cut > 0
                  ? fmt::format("; cut a torn tail of {} bytes off {} at {}", report.bytes_cut,
                                report.cut_segment, report.cut_offset)
                  : std::string());
  } else {
    log->warn("dualwrite.journal is empty: secondary calls are NOT durable (tests only)");
  }
  auto repair_store = cb::dualwrite::openRepairStore(config->repair_store);
  if (!repair_store.ok()) {
    log->error("repairs.store: {}", repair_store.status().toString());
    return 1;
  }
  br::Executor* executor_ptr = nullptr;  // the repair worker's callback runs once it exists
  cb::dualwrite::RepairQueueOptions repair_options;
  repair_options.initial_backoff = std::chrono::milliseconds(config->repair_initial_backoff_ms);
  repair_options.max_backoff = std::chrono::milliseconds(config->repair_max_backoff_ms);
  repair_options.retry = [&executor_ptr](const cb::dualwrite::RepairCase& c) {
    return executor_ptr->retryRepair(c);
  };
  auto repairs = cb::dualwrite::RepairQueue::open(**repair_store, repair_options);
  if (!repairs.ok()) {
    log->error("repairs: {}", repairs.status().toString());
    return 1;
  }

  br::ExecutorOptions executor_options;
  executor_options.journal = journal.get();
  executor_options.repairs = repairs->get();
  executor_options.secondary_attempts = config->secondary_attempts;
  executor_options.retry_backoff = std::chrono::milliseconds(config->retry_backoff_ms);
  executor_options.recovery_timeout = std::chrono::milliseconds(config->recovery_timeout_ms);
  executor_options.legacy_timeout = std::chrono::milliseconds(config->legacy.timeout_ms);
  executor_options.new_timeout = std::chrono::milliseconds(config->newcore.timeout_ms);
  executor_options.secondary_queue = static_cast<size_t>(config->secondary_queue);
  executor_options.secondary_workers = config->secondary_workers;
  br::Executor executor(executor_options, *pack, **legacy, **newcore, traffic,
                        std::make_shared<const br::StageTable>(stages));
  executor_ptr = &executor;
  if (!unfinished.empty()) {
    // Before serving: no new request of an account may overtake what a
    // crash left unfinished for it.
    auto recovered = executor.recover(unfinished);
    if (!recovered.ok()) {
      log->error("recovery: {}", recovered.status().toString());
      return 1;
    }
    log->info("recovery: {} unfinished intents, {} primaries replayed, {} secondary calls queued",
              recovered->intents, recovered->primaries_replayed, recovered->secondaries_queued);
  }
  (*repairs)->start();

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
  admin_options.tls_cert = config->admin_tls_cert;
  admin_options.tls_key = config->admin_tls_key;
  br::AdminServer admin(admin_options, &metrics, [&]() -> cb::Status {
    return stopping.load() ? cb::unavailable("shutting down") : cb::okStatus();
  });
  if (cb::Status s = admin.start(); !s.ok()) {
    log->error("admin: {}", s.message());
    return 1;
  }
  registerGauges(metrics, executor, listener, **legacy, **newcore, **observer, journal.get(),
                 repairs->get());
  std::unique_ptr<br::FlagWatcher> watcher;
  std::unique_ptr<br::Guard> guard;
  std::unique_ptr<br::ControlApi> control;
  const std::string instance = instanceName(*config, admin.port());
  if (flag_store != nullptr) {
    const br::Stage default_stage = config->stages.default_stage;
    watcher = std::make_unique<br::FlagWatcher>(
        *flag_store,
        [&executor, &log, default_stage](const std::vector<br::LineFlags>& lines) {
          auto table = std::make_shared<const br::StageTable>(tableOf(lines, default_stage));
          log->info("flag store: stages now {}", describeStages(*table));
          executor.setStages(std::move(table));
        },
        std::chrono::milliseconds(config->control.poll_ms));
    (void)watcher->refresh();
    watcher->start();
    br::GuardOptions guard_options;
    guard_options.instance = instance;
    guard_options.interval = std::chrono::milliseconds(config->control.guard_interval_ms);
    br::FlagWatcher* w = watcher.get();
    guard = std::make_unique<br::Guard>(
        *flag_store, windows, [w] { return w->lines(); }, guard_options);
    guard->start();
    br::ControlApiDeps deps;
    deps.store = flag_store.get();
    deps.auth = &authenticator;
    deps.windows = &windows;
    deps.watcher = watcher.get();
    cb::dualwrite::RepairStore* rs = repair_store->get();
    deps.open_repairs = [rs](const std::string& line) -> cb::Result<int64_t> {
      cb::dualwrite::RepairFilter filter;
      filter.state = cb::dualwrite::RepairState::kOpen;
      filter.product_line = line;
      filter.limit = 0;
      CB_ASSIGN_OR_RETURN(auto open, rs->list(filter));
      return static_cast<int64_t>(open.size());
    };
    deps.instance = instance;
    control = std::make_unique<br::ControlApi>(std::move(deps));
    cb::Status routed = control->registerRoutes(
        [&admin](std::string method, std::string path, br::AdminHandler handler) {
          return admin.addRoute(std::move(method), std::move(path), std::move(handler));
        });
    if (!routed.ok()) {
      log->error("admin: {}", routed.message());
      admin.stop();  // its routes point at the control API, gone on return
      return 1;
    }
    (void)metrics.counterCallback("corebridge_flag_store_errors_total",
                                  "Reads of the flag store that failed (the stages in force "
                                  "stayed).",
                                  {}, [w] { return double(w->errors()); });
    (void)metrics.gaugeCallback("corebridge_flag_generation",
                                "The flag store generation this instance runs.", {},
                                [w] { return double(w->generation()); });
    if (authenticator.empty()) {
      log->warn(
          "control.users_file is empty: the admin API refuses every change (no one can "
          "log in)");
    }
  }
  listener.start();
  std::printf("listening on %s:%d admin %s:%u\n", config->listen.host.c_str(), listener.port(),
              config->admin.host.c_str(), admin.port());
  std::fflush(stdout);
  log->info("serving pack {} ({} transactions); legacy {}:{}, newcore {}:{}; stages: {}",
            (*pack)->name, (*pack)->transactions.size(), config->legacy.endpoint.host,
            config->legacy.endpoint.port, config->newcore.endpoint.host,
            config->newcore.endpoint.port, describeStages(stages));

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
    applyLogLevel(*reloaded);
    if (flag_store != nullptr) {
      log->info(
          "SIGHUP: log level reloaded; the stages come from the flag store "
          "(bridgectl flags), not from the file");
      continue;
    }
    executor.setStages(std::make_shared<const br::StageTable>(reloaded->stages));
    log->info("SIGHUP: stages now {}", describeStages(reloaded->stages));
  }
  stopping = true;
  if (guard != nullptr) {
    guard->stop();
  }
  if (watcher != nullptr) {
    watcher->stop();
  }
  listener.stop();
  executor.stop();
  (*repairs)->stop();
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
