// channel-sim's workload: connections that play ATMs and teller terminals
// against the demo bank (legacy-host directly, or corebridge in front of it),
// an expected ledger of every acknowledged posting, and the final proof that
// the bank's balances equal it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "adapters/channel/frame.h"
#include "common/status.h"
#include "mappings/layout.h"

namespace corebridge::sim {

struct Mix {  // relative weights of the operations
  int inquiry = 30;
  int post = 35;
  int transfer = 20;
  int statement = 5;
  int invalid = 5;  // zero amount, unknown account, unknown TRANCODE
  int open = 3;
  int close = 2;  // open a zero-balance account, close it, post to it (refused)
};

// "inquiry=30,post=35,..." over the defaults; errors name the bad entry.
Result<Mix> parseMix(const std::string& text);

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  double duration_s = 10;
  int connections = 4;
  double rate = 0;  // requests per second over all connections; 0: as fast as possible
  Mix mix;
  int accounts_per_connection = 4;
  // Product codes of the accounts opened, in turn (--products). The mix's
  // opens and open-and-close use the first savings (SAV*) or checking
  // (CHK*) product among them, which may open at zero; without one they
  // send an inquiry instead.
  std::vector<std::string> products = {"SAVB", "CHKP", "TD03", "LNPL"};
  int timeout_ms = 2000;
  int retries = 5;
  uint64_t seed = 1;
  std::string copybook_dir = "legacy/cobol/copybooks";
  mappings::Dialect dialect;  // the wire's: IBM, cp037
  adapters::FrameOptions framing;
  bool progress = true;
  // --ack-log: one line per write reply received (see docs/channel-sim.md);
  // empty: none.
  std::string ack_log;
};

struct SimSummary {
  uint64_t requests = 0;
  uint64_t unexpected_replies = 0;
  uint64_t errors = 0;   // requests that got no reply after every retry
  uint64_t retries = 0;  // resends with the same transaction id
  double duration_s = 0;
  double offered_rps = 0;  // --rate; 0: as fast as replies came
  double throughput_rps = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  bool ledger_balanced = false;
  uint64_t accounts_checked = 0;
  uint64_t accounts_mismatched = 0;
  uint64_t acknowledged_writes = 0;  // write replies with return code 00
  std::map<std::string, uint64_t> by_operation;
  std::map<int, uint64_t> by_return_code;
  std::string first_unexpected;  // the first unexpected reply, described

  std::string toJson() const;
};

// Runs the workload. Fails only when the run cannot start (copybooks, the
// first connection, opening the accounts); what goes wrong later is counted.
Result<SimSummary> runSimulation(const SimOptions& options);

}  // namespace corebridge::sim
