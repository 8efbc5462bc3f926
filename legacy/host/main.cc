// legacy-host: a CICS-like transaction server for the demo bank's COBOL.
// Usage and decisions: docs/legacy-host.md.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/logging.h"
#include "legacy/host/cobol_executor.h"
#include "legacy/host/server.h"
#include "legacy/host/transaction_table.h"
#include "mappings/codepage.h"
#include "mappings/copybook.h"
#include "mappings/transcoder.h"

namespace corebridge::legacy {
namespace {

namespace fs = std::filesystem;

const char kUsage[] = R"(usage: legacy-host --port P --data-dir DIR [options]

  --port P                 TCP port (0: any free port; the bound one is printed
                           as "listening on ADDR:PORT")
  --bind ADDR              IPv4 address to listen on (default 127.0.0.1)
  --data-dir DIR           the bank's indexed files (BANK_DATA_DIR); created if missing
  --accounts N             accounts seeded on first start (default 5000)
  --seed-command CMD       how to seed, run by /bin/sh with BANK_DATA_DIR set;
                           {accounts}, {data_dir}, {program_dir} are replaced
                           (default "{program_dir}/SEED {accounts}"; "none": no seeding)
  --program-dir DIR        the compiled programs (COB_LIBRARY_PATH; default: the
                           build's cobol/ directory)
  --transactions FILE      the transaction table (default legacy/host/transactions.yaml)
  --isolation M            process (default): COBOL in a worker process, an abend
                           ends only the worker; thread: COBOL in this process
                           (faster; an abend ends the host)
  --codepage NAME          code page of the wire (TRANCODE, COMMAREA text, error
                           texts): cp037 (default), cp1047, cp500, cp273, cp1140, ascii
  --host-binary-size R     binary sizes the COBOL was compiled with: 1-2-4-8
                           (GnuCOBOL default) or 2-4-8 (-fbinary-size=2-4-8)
  --frame-ll-bytes N       2 (default) or 4
  --frame-ll-excludes-header
                           LL counts only what follows LL and ZZ
  --max-message N          largest message in bytes (default 32767)
  --log-level L            trace, debug, info (default), warn, error, off
  --log-format F           text (default) or json
)";

struct Args {
  std::map<std::string, std::string> values;
  bool has(const std::string& k) const { return values.count(k) != 0; }
  std::string get(const std::string& k, const std::string& d = "") const {
    auto it = values.find(k);
    return it == values.end() ? d : it->second;
  }
};

Result<Args> parseArgs(int argc, char** argv) {
  static const std::map<std::string, bool> kOptions = {
      {"port", true},           {"bind", true},
      {"data-dir", true},       {"accounts", true},
      {"seed-command", true},   {"program-dir", true},
      {"transactions", true},   {"isolation", true},
      {"codepage", true},       {"host-binary-size", true},
      {"frame-ll-bytes", true}, {"frame-ll-excludes-header", false},
      {"max-message", true},    {"log-level", true},
      {"log-format", true},     {"worker-fd", true},
      {"help", false}};
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      return invalidArgument("unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = kOptions.find(name);
    if (it == kOptions.end()) {
      return invalidArgument("unknown option --" + name);
    }
    if (it->second && value.empty()) {
      if (i + 1 >= argc) {
        return invalidArgument("--" + name + " needs a value");
      }
      value = argv[++i];
    }
    a.values[name] = value;
  }
  return a;
}

Result<long> number(const Args& a, const std::string& k, long dflt) {
  if (!a.has(k)) {
    return dflt;
  }
  const std::string v = a.get(k);
  long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
    return invalidArgument("--" + k + ": expected a number, found '" + v + "'");
  }
  return n;
}

std::string selfExe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// Seeds the data directory once: the marker file is written (atomically)
// only after the seed command succeeded, so a start killed while seeding
// seeds again.
Status seedIfFirstStart(const Args& a, const std::string& data_dir,
                        const std::string& program_dir) {
  const fs::path marker = fs::path(data_dir) / ".legacy-host-seeded";
  if (fs::exists(marker)) {
    logger("legacy")->info("data directory {} already seeded", data_dir);
    return okStatus();
  }
  CB_ASSIGN_OR_RETURN(long accounts, number(a, "accounts", 5000));
  std::string cmd = a.get("seed-command", "{program_dir}/SEED {accounts}");
  if (cmd != "none") {
    cmd = replaceAll(cmd, "{accounts}", std::to_string(accounts));
    cmd = replaceAll(cmd, "{data_dir}", data_dir);
    cmd = replaceAll(cmd, "{program_dir}", program_dir);
    logger("legacy")->info("seeding {} accounts: {}", accounts, cmd);
    // Its output goes to stderr: stdout carries only the "listening on" line.
    const int rc = std::system(("(" + cmd + ") 1>&2").c_str());
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
      return failedPrecondition("seed command failed (" +
                                std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) + "): " + cmd);
    }
  }
  const fs::path tmp = marker.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << accounts << "\n";
    if (!out) {
      return unavailable("cannot write " + tmp.string());
    }
  }
  fs::rename(tmp, marker);
  return okStatus();
}

Result<std::vector<HostTransaction>> loadTransactions(const std::string& path,
                                                      const mappings::CodePage* code_page,
                                                      mappings::BinarySizeRule host_binary) {
  CB_ASSIGN_OR_RETURN(TransactionTable table, loadTransactionTable(path));
  mappings::CopybookOptions wire;
  wire.dialect.code_page = code_page;
  mappings::CopybookOptions host;
  host.dialect = mappings::Dialect::gnuCobol();
  host.dialect.binary_size = host_binary;
  if (host_binary == mappings::BinarySizeRule::kIbm248) {
    host.dialect.native_binary_size = mappings::BinarySizeRule::kGnu1248;
  }
  std::vector<HostTransaction> out;
  for (TransactionDef& def : table.transactions) {
    auto t = mappings::Transcoder::fromCopybookFile(def.copybook, wire, host, def.record);
    if (!t.ok()) {
      return t.status().withContext(path + ":" + std::to_string(def.line) + ": transaction " +
                                    def.trancode);
    }
    out.push_back(HostTransaction{std::move(def), std::move(t).value()});
  }
  return out;
}

HostServer* g_server = nullptr;

extern "C" void onStopSignal(int) {
  if (g_server != nullptr) {
    g_server->requestStop();
  }
}

int fail(const Status& s) {
  std::fprintf(stderr, "legacy-host: %s\n", s.toString().c_str());
  return 2;
}

int hostMain(int argc, char** argv) {
  auto parsed = parseArgs(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "legacy-host: %s\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  const Args& a = *parsed;
  if (a.has("worker-fd")) {
    return runWorker(std::atoi(a.get("worker-fd").c_str()));
  }
  if (a.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  LogOptions log;
  if (a.has("log-level") && !parseLogLevel(a.get("log-level"), &log.level)) {
    return fail(invalidArgument("--log-level: unknown level '" + a.get("log-level") + "'"));
  }
  if (a.has("log-format") && !parseLogFormat(a.get("log-format"), &log.format)) {
    return fail(invalidArgument("--log-format: expected text or json"));
  }
  initLogging(log);
  if (!a.has("port") || !a.has("data-dir")) {
    std::fprintf(stderr, "legacy-host: --port and --data-dir are required\n%s", kUsage);
    return 2;
  }

  HostOptions options;
  options.bind_address = a.get("bind", "127.0.0.1");
  auto port = number(a, "port", 0);
  if (!port.ok() || *port > 65535) {
    return fail(invalidArgument("--port: expected 0 to 65535"));
  }
  options.port = static_cast<int>(*port);
  auto cp = mappings::CodePage::byName(a.get("codepage", "cp037"));
  if (!cp.ok()) {
    return fail(cp.status().withContext("--codepage"));
  }
  options.frame.code_page = *cp;
  auto ll = number(a, "frame-ll-bytes", 2);
  auto max = number(a, "max-message", 32767);
  if (!ll.ok() || !max.ok()) {
    return fail(!ll.ok() ? ll.status() : max.status());
  }
  options.frame.length_bytes = static_cast<int>(*ll);
  options.frame.length_includes_header = !a.has("frame-ll-excludes-header");
  options.frame.max_message = static_cast<size_t>(*max);
  if (Status s = adapters::validateFrameOptions(options.frame); !s.ok()) {
    return fail(s);
  }
  mappings::BinarySizeRule host_binary = mappings::BinarySizeRule::kGnu1248;
  const std::string hb = a.get("host-binary-size", "1-2-4-8");
  if (hb == "2-4-8") {
    host_binary = mappings::BinarySizeRule::kIbm248;
  } else if (hb != "1-2-4-8") {
    return fail(invalidArgument("--host-binary-size: expected 1-2-4-8 or 2-4-8"));
  }
  const std::string isolation = a.get("isolation", "process");
  if (isolation != "process" && isolation != "thread") {
    return fail(invalidArgument("--isolation: expected process or thread"));
  }

  auto txns = loadTransactions(a.get("transactions", CB_DEFAULT_TRANSACTIONS),
                               options.frame.code_page, host_binary);
  if (!txns.ok()) {
    return fail(txns.status());
  }

  std::error_code ec;
  fs::create_directories(a.get("data-dir"), ec);
  const std::string data_dir = fs::absolute(a.get("data-dir")).string();
  const std::string program_dir =
      fs::absolute(a.get("program-dir", CB_DEFAULT_PROGRAM_DIR)).string();
  if (!fs::is_directory(data_dir)) {
    return fail(invalidArgument("--data-dir: cannot create " + data_dir));
  }
  // The programs find their files and libcob its modules through these.
  ::setenv("BANK_DATA_DIR", data_dir.c_str(), 1);
  ::setenv("COB_FILE_PATH", data_dir.c_str(), 1);
  ::setenv("COB_LIBRARY_PATH", program_dir.c_str(), 1);

  if (Status s = seedIfFirstStart(a, data_dir, program_dir); !s.ok()) {
    return fail(s);
  }

  std::unique_ptr<ProgramExecutor> executor;
  if (isolation == "process") {
    executor = std::make_unique<WorkerProcessExecutor>(selfExe());
  } else {
    executor = std::make_unique<InProcessExecutor>();
  }
  HostServer server(std::move(options), std::move(txns).value(), std::move(executor));
  if (Status s = server.listen(); !s.ok()) {
    return fail(s);
  }
  g_server = &server;
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::printf("listening on %s:%d\n", a.get("bind", "127.0.0.1").c_str(), server.port());
  std::fflush(stdout);
  logger("legacy")->info("listening on port {}, isolation {}, programs in {}, data in {}",
                         server.port(), isolation, program_dir, data_dir);
  Status s = server.run();
  g_server = nullptr;
  const HostCounters& c = server.counters();
  logger("legacy")->info("stopped: {} connections, {} calls, {} abends, {} system errors",
                         c.connections.load(), c.calls.load(), c.abends.load(),
                         c.system_errors.load());
  return s.ok() ? 0 : fail(s);
}

}  // namespace
}  // namespace corebridge::legacy

int main(int argc, char** argv) {
  try {
    return corebridge::legacy::hostMain(argc, argv);
  } catch (const std::exception& e) {  // a bug: nothing below main throws by design
    std::fprintf(stderr, "legacy-host: internal error: %s\n", e.what());
    return 70;
  }
}
