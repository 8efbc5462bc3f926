// corebridge's configuration: a YAML file (docs/configuration.md lists every
// option and its default), each option also settable on the command line as
// `--dotted.path value` (`--legacy.port 4700`,
// `--product_lines.SAVINGS.stage SHADOW`), which wins over the file.
//
// loadConfig() validates everything: unknown keys, wrong types and bad values
// are InvalidArgument naming the file, line and key (or the command-line
// option). Relative paths in the file are relative to the file's directory.
//
// A value; the bridge re-reads it on SIGHUP and applies what may change
// while serving (the product lines' stages and ramps, the log level).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/channel/frame.h"
#include "bridge/cutover.h"
#include "bridge/flag_store.h"
#include "common/status.h"

namespace corebridge::bridge {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 0;
};

struct BackendConfig {
  Endpoint endpoint;
  int pool = 16;  // connections kept open
  int connect_timeout_ms = 1000;
  int timeout_ms = 2000;  // a call's deadline, queueing included
};

// The control plane (docs/cutover-control.md).
struct ControlConfig {
  // The shared flag store (ODBC); "" keeps the stages in this file
  // (product_lines, reloaded on SIGHUP), without API changes or audit.
  std::string flag_store = "Driver=SQLite3;Database=corebridge-flags.db";
  int poll_ms = 250;              // how often the store's generation is read
  std::string users_file;         // who may use the admin API; "" no one
  std::string token_secret_file;  // the login tokens' HMAC key; "" random per process
  int token_ttl_s = 3600;         // a login token's lifetime
  int guard_interval_ms = 1000;   // how often the guard checks the windows
  std::string instance;           // this bridge's name in the audit; "" host:pid
  GuardSettings guard;            // the thresholds a line is seeded with
};

struct Config {
  std::string source;  // the file, "" when none was given

  Endpoint listen{"127.0.0.1", 4600};  // channels
  Endpoint admin{"127.0.0.1", 4601};   // /metrics, /healthz, /readyz, the control API
  std::string admin_tls_cert;          // admin.tls_cert, admin.tls_key: HTTPS when both set
  std::string admin_tls_key;
  int max_connections = 1024;  // channel connections served at once

  // The channels' framing (docs/protocol.md).
  int frame_length_bytes = 2;
  bool frame_length_includes_header = true;
  std::string code_page = "cp037";
  size_t max_message = 32767;

  std::string pack = "mappings/packs/demobank/pack.yaml";

  BackendConfig legacy{{"127.0.0.1", 4700}, 16, 1000, 2000};
  BackendConfig newcore{{"127.0.0.1", 4800}, 16, 1000, 2000};

  int secondary_queue = 10000;  // secondary calls waiting; more become repair cases
  int secondary_workers = 4;

  // Durable dual-write (docs/dual-write.md). The journal directory; "" runs
  // without one (secondary calls past the queue are then dropped: for tests
  // and benchmarks only).
  std::string journal_dir = "corebridge-journal";
  int journal_segment_mb = 64;
  int journal_preallocate_kb = 1024;  // zero-filled ahead, a step at a time; 0: plain appends
  int secondary_attempts = 3;         // tries of a secondary call before a repair case
  int retry_backoff_ms = 50;          // doubled between those tries
  int recovery_timeout_ms = 60000;    // replaying an in-doubt primary at start-up

  // The repair queue's store (ODBC, or "memory:").
  std::string repair_store = "Driver=SQLite3;Database=corebridge-repairs.db";
  int repair_initial_backoff_ms = 100;
  int repair_max_backoff_ms = 30000;

  // Where mismatches are kept (ODBC), "" for nowhere but the metrics.
  std::string mismatch_store = "Driver=SQLite3;Database=corebridge-mismatches.db";

  std::string log_level = "info";   // trace, debug, info, warn, error
  std::string log_format = "text";  // text or json

  ControlConfig control;

  StageTable stages;  // product_lines: {LINE: {stage: S, ramp: N}}; default_stage

  // The framing options (the code page resolved).
  Result<adapters::FrameOptions> frameOptions() const;
};

// Reads `path` ("" for none: the defaults), then applies `overrides`
// (dotted path, value) in order.
Result<Config> loadConfig(const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace corebridge::bridge
