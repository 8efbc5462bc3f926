// channel-sim: plays the bank's channels (ATMs, teller terminals) against the
// demo bank, over the LLZZ protocol, and proves at the end that no money was
// lost or duplicated. The last line of its output is a JSON summary.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/logging.h"
#include "mappings/codepage.h"
#include "tools/bridgectl/args.h"
#include "tools/channel-sim/simulator.h"

namespace {

constexpr const char kHelp[] = R"(usage: channel-sim --target HOST:PORT [options]

Plays channels against the demo bank (legacy-host, or corebridge in front of
it): every connection opens its own accounts, then sends a random mix of
inquiries, postings, transfers within and across product lines, statements,
opens and closes, and deliberately invalid requests; every request has a
unique transaction id and is resent with the same id after a timeout or a
dropped connection. Every reply is checked; at the end every account is read
back and compared with the acknowledged postings. Progress goes to stderr;
the last line on stdout is a JSON summary (requests, unexpected_replies,
errors, throughput_rps, p50_us, p99_us, p999_us, ledger_balanced, ...).
Exit code 0 when there were no unexpected replies, no errors and the ledger
balanced; 1 otherwise; 2 for a bad command line or a run that cannot start.

  --target HOST:PORT       where the channels connect (required)
  --duration SECONDS       how long to send (default 10)
  --connections N          concurrent connections (default 4)
  --rate R                 requests per second over all connections (default: as fast as replies come)
  --mix SPEC               weights, e.g. inquiry=30,post=35,transfer=20,statement=5,
                           invalid=5,open=3,close=2 (the defaults)
  --accounts N             accounts each connection opens (default 4)
  --products CODES         product codes of those accounts, in turn (default SAVB,CHKP,TD03,LNPL;
                           e.g. SAVB,SAVP for savings only)
  --timeout-ms MS          reply timeout before a resend (default 2000)
  --retries N              resends with the same transaction id (default 5)
  --seed N                 random seed (default 1)
  --copybooks DIR          the COMMAREA copybooks (default legacy/cobol/copybooks)
  --codepage NAME          the wire's code page (default cp037)
  --ack-log FILE           append one line per write reply: TXN-ID, TRANCODE, RC, ACCOUNTS,
                           AMOUNT (minor units), D|C|- (tab-separated; for crash-check)
  --quiet                  no progress lines
  --help                   this text
)";

int usage(const std::string& message) {
  std::fprintf(stderr, "channel-sim: %s\n", message.c_str());
  return 2;
}

}  // namespace

namespace {

int simMain(int argc, char** argv) {
  using corebridge::tools::Args;
  corebridge::initLogging(corebridge::LogOptions{});
  auto args = Args::parse(argc, argv, 1,
                          {{"target", true},
                           {"duration", true},
                           {"connections", true},
                           {"rate", true},
                           {"mix", true},
                           {"accounts", true},
                           {"products", true},
                           {"timeout-ms", true},
                           {"retries", true},
                           {"seed", true},
                           {"copybooks", true},
                           {"codepage", true},
                           {"ack-log", true},
                           {"quiet", false},
                           {"help", false}});
  if (!args.ok()) {
    return usage(args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  corebridge::sim::SimOptions o;
  const std::string target = args->get("target");
  const size_t colon = target.rfind(':');
  if (target.empty() || colon == std::string::npos) {
    return usage("--target HOST:PORT is required");
  }
  o.host = target.substr(0, colon);
  auto number = [&](const char* name, double fallback, double lo, double hi, double* out) {
    if (!args->has(name)) {
      *out = fallback;
      return true;
    }
    char* end = nullptr;
    const std::string v = args->get(name);
    *out = std::strtod(v.c_str(), &end);
    return *end == '\0' && !v.empty() && *out >= lo && *out <= hi;
  };
  double port, connections, accounts, timeout, retries, seed;
  if (!number("duration", 10, 0, 86400, &o.duration_s) || !number("rate", 0, 0, 1e7, &o.rate) ||
      !number("connections", 4, 1, 1024, &connections) ||
      !number("accounts", 4, 1, 10000, &accounts) ||
      !number("timeout-ms", 2000, 1, 600000, &timeout) || !number("retries", 5, 0, 100, &retries) ||
      !number("seed", 1, 0, 1e15, &seed)) {
    return usage("a numeric option is out of range or not a number (see --help)");
  }
  char* end = nullptr;
  port = std::strtod(target.c_str() + colon + 1, &end);
  if (*end != '\0' || port < 1 || port > 65535) {
    return usage("--target: bad port in '" + target + "'");
  }
  o.port = static_cast<int>(port);
  o.connections = static_cast<int>(connections);
  o.accounts_per_connection = static_cast<int>(accounts);
  o.timeout_ms = static_cast<int>(timeout);
  o.retries = static_cast<int>(retries);
  o.seed = static_cast<uint64_t>(seed);
  o.copybook_dir = args->get("copybooks", o.copybook_dir);
  o.progress = !args->has("quiet");
  o.ack_log = args->get("ack-log");
  if (args->has("products")) {
    o.products.clear();
    const std::string list = args->get("products");
    size_t pos = 0;
    while (pos <= list.size()) {
      const size_t comma = list.find(',', pos);
      const std::string code = list.substr(pos, comma - pos);
      if (code.empty() || code.size() > 4) {
        return usage("--products: '" + code + "' is not a product code (SAVB, CHKP, TD03, ...)");
      }
      o.products.push_back(code);
      if (comma == std::string::npos) {
        break;
      }
      pos = comma + 1;
    }
  }
  if (args->has("mix")) {
    auto mix = corebridge::sim::parseMix(args->get("mix"));
    if (!mix.ok()) {
      return usage(mix.status().message());
    }
    o.mix = *mix;
  }
  if (args->has("codepage")) {
    auto cp = corebridge::mappings::CodePage::byName(args->get("codepage"));
    if (!cp.ok()) {
      return usage(cp.status().message());
    }
    o.dialect.code_page = *cp;
    o.framing.code_page = *cp;
  }
  auto summary = corebridge::sim::runSimulation(o);
  if (!summary.ok()) {
    return usage(summary.status().message());
  }
  std::printf("%s\n", summary->toJson().c_str());
  const bool good =
      summary->unexpected_replies == 0 && summary->errors == 0 && summary->ledger_balanced;
  return good ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return simMain(argc, argv);
  } catch (const std::exception& e) {  // a bug: nothing below main throws by design
    std::fprintf(stderr, "channel-sim: internal error: %s\n", e.what());
    return 70;
  }
}
