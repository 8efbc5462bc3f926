// bridgectl backfill: the legacy extract into the new core (docs/backfill.md).
//
// Two passes over the extract (mapped, never read whole into memory):
//   1. verify: every record decodes through EXTRREC.cpy, the record types
//      come in order (H, then A each followed by its P, then T), and the
//      trailer's control totals equal what was read. A bad extract fails
//      here, naming the record, before anything is sent.
//   2. load: the A records of the product line become AccountSnapshots
//      (watermark = EXA-LAST-POSTING-SEQ) sent in batches through
//      upsertSnapshots; after each acknowledged batch the checkpoint says how
//      many records are done, so that a rerun resumes after them.
// The new core applies a snapshot only when it is not older than what it
// holds (the watermark), so a load racing dual-writes loses nothing and
// counts nothing twice, and a second run changes nothing.
#include <fcntl.h>
#include <sys/stat.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CoreBanking.h"
#include "mappings/copybook.h"
#include "mappings/decimal.h"
#include "mappings/framing.h"
#include "mappings/mapped_file.h"
#include "mappings/pack.h"
#include "mappings/record_codec.h"
#include "mappings/select_rules.h"
#include "tools/bridgectl/args.h"
#include "tools/bridgectl/commands.h"
#include "tools/bridgectl/extract_reader.h"

namespace corebridge::tools {

namespace {

namespace fs = std::filesystem;
namespace idl = ::corebridge::idl;
using mappings::Decimal;
using mappings::int128;

constexpr const char kBackfillHelp[] =
    R"(usage: bridgectl backfill --product-line P --extract FILE --newcore HOST:PORT [options]

Loads the accounts of one product line from the legacy daily extract
(EXTRACT, laid out by EXTRREC.cpy, ASCII as GnuCOBOL writes it) into the new
core through upsertSnapshots. The extract is verified first (every record
decodes, the trailer's control totals match); then the accounts go in
batches, each snapshot carrying the legacy last-posting sequence as its
watermark, so that postings dual-written meanwhile are neither lost nor
counted twice (docs/backfill.md). Running it again changes nothing.

  --product-line P     the product line to load (SAVINGS, CHECKING, ...), as
                       the pack's product_lines name it
  --extract FILE       the extract file
  --newcore HOST:PORT  the new core's Thrift address
  --checkpoint FILE    progress file: written after every acknowledged batch;
                       a rerun with it resumes after the last one. Refused if
                       it belongs to another extract or product line
  --batch N            snapshots per call, 1..1000 (default 500)
  --max-batches N      stop after N batches (resume later with --checkpoint)
  --pack DIR           the mapping pack (default mappings/packs/demobank)
  --copybooks DIR      where EXTRREC.cpy is (default: the pack's copybook_dir)
  --quiet              no progress on stderr
  --help               this text

Exit: 0 loaded (or stopped by --max-batches), 1 the extract is bad or the new
core refused or could not be reached (the checkpoint stands at the last
acknowledged batch), 2 the command line or a file named in it is bad.
)";

int usageError(const std::string& message) {
  std::fprintf(stderr, "bridgectl backfill: %s\n", message.c_str());
  return 2;
}

int dataError(const std::string& message) {
  std::fprintf(stderr, "bridgectl backfill: %s\n", message.c_str());
  return 1;
}

// --- the extract (tools/bridgectl/extract_reader.h) ----------------------

struct Extract {
  std::string path;
  size_t size = 0;
  uint64_t header_hash = 0;
  size_t records = 0;
  size_t line_accounts = 0;  // accounts of the product line
  Totals totals;
};

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h = (h ^ c) * 1099511628211ULL;
  }
  return h;
}

// Pass 1: structure, decoding and control totals.
Result<Extract> verify(const ExtractReader& x, const std::string& path,
                       const mappings::ProductLineRule& lines, const std::string& line) {
  Extract e;
  e.path = path;
  e.size = x.size();
  const ExtractFields& f = x.fields();
  if (x.count() == 0) {
    return dataLoss("the extract is empty");
  }
  e.header_hash = fnv1a(x.bytes(1));
  mappings::Record r;
  Totals declared;
  bool trailer = false;
  std::string last_account;
  for (size_t i = 1; i <= x.count(); ++i) {
    const std::string at = "record " + std::to_string(i);
    CB_RETURN_IF_ERROR(x.decode(i, &r));
    const char type = x.bytes(i)[0];
    if (trailer) {
      return dataLoss(at + ": a record after the trailer");
    }
    if (i == 1 && type != 'H') {
      return dataLoss(at + ": the extract does not start with its header (type '" +
                      std::string(1, type) + "')");
    }
    e.totals.records += 1;
    switch (type) {
      case 'H':
        if (i != 1) {
          return dataLoss(at + ": a second header");
        }
        break;
      case 'A': {
        const Decimal id = number(r, f.account);
        const std::string account = accountNumber(id);
        if (!last_account.empty() && account <= last_account) {
          return dataLoss(at + ": account out of order after the previous one");
        }
        last_account = account;
        e.totals.accounts += 1;
        e.totals.balance += scaled(number(r, f.ledger), 2);
        e.totals.hash = (e.totals.hash + id.unscaled) % kHashModulus;
        if (lines.lineOf(account) == line) {
          e.line_accounts += 1;
        }
        break;
      }
      case 'P': {
        if (last_account.empty() || accountNumber(number(r, f.posting_account)) != last_account) {
          return dataLoss(at + ": a posting that does not follow its account's record");
        }
        e.totals.postings += 1;
        const int128 amount = scaled(number(r, f.posting_amount), 2);
        (text(r, f.posting_dc) == "D" ? e.totals.debits : e.totals.credits) += amount;
        break;
      }
      case 'T':
        trailer = true;
        declared.records = number(r, f.record_count).unscaled;
        declared.accounts = number(r, f.account_count).unscaled;
        declared.postings = number(r, f.posting_count).unscaled;
        declared.balance = scaled(number(r, f.balance_total), 2);
        declared.debits = scaled(number(r, f.debit_total), 2);
        declared.credits = scaled(number(r, f.credit_total), 2);
        declared.hash = number(r, f.hash_total).unscaled;
        break;
      default:
        return dataLoss(at + ": unknown record type '" + std::string(1, type) + "'");
    }
  }
  if (!trailer) {
    return dataLoss("record " + std::to_string(x.count()) +
                    " is the last and not the trailer: the extract is truncated");
  }
  e.records = x.count();
  auto differs = [&](const char* what, int128 read, int128 said, bool money) -> Status {
    if (read == said) {
      return okStatus();
    }
    auto show = [&](int128 v) { return money ? money2(v) : Decimal::of(v, 0).toString(); };
    return dataLoss("record " + std::to_string(e.records) + " (trailer): " + what + " " +
                    show(said) + ", but the extract holds " + show(read));
  };
  CB_RETURN_IF_ERROR(differs("record count", e.totals.records, declared.records, false));
  CB_RETURN_IF_ERROR(differs("account count", e.totals.accounts, declared.accounts, false));
  CB_RETURN_IF_ERROR(differs("posting count", e.totals.postings, declared.postings, false));
  CB_RETURN_IF_ERROR(differs("balance total", e.totals.balance, declared.balance, true));
  CB_RETURN_IF_ERROR(differs("debit total", e.totals.debits, declared.debits, true));
  CB_RETURN_IF_ERROR(differs("credit total", e.totals.credits, declared.credits, true));
  CB_RETURN_IF_ERROR(differs("hash total", e.totals.hash, declared.hash, false));
  return e;
}

// --- snapshots -------------------------------------------------------------

Result<idl::AccountSnapshot> snapshotOf(const mappings::Record& r, const ExtractFields& f,
                                        idl::ProductLine::type line, int minor_digits) {
  const MasterFields m = masterOf(r, f, minor_digits);
  idl::AccountSnapshot s;
  idl::Account& a = s.account;
  a.account_id = m.number;
  a.product_line = line;
  a.product_code = m.product_code;
  a.customer_id = m.customer;
  static const std::map<std::string, idl::AccountStatus::type> kStatus = {
      {"A", idl::AccountStatus::ACTIVE},
      {"D", idl::AccountStatus::DORMANT},
      {"F", idl::AccountStatus::FROZEN},
      {"C", idl::AccountStatus::CLOSED},
      {"P", idl::AccountStatus::PENDING_OPEN}};
  auto status = kStatus.find(m.status);
  if (status == kStatus.end()) {
    return invalidArgument("account status '" + m.status + "' is not A, D, F, C or P");
  }
  a.status = status->second;
  auto money = [&](int64_t minor_units) {
    idl::Money money;
    money.minor_units = minor_units;
    money.currency = m.currency;
    return money;
  };
  a.ledger_balance = money(m.ledger);
  a.available_balance = money(m.available);
  a.overdraft_limit = money(m.overdraft);
  a.accrued_interest = money(m.accrued);
  a.interest_rate_pct_micros = m.rate_micros;
  a.open_date = static_cast<int32_t>(m.open_date);
  a.maturity_date = static_cast<int32_t>(m.maturity_date);
  a.close_date = static_cast<int32_t>(m.close_date);
  a.hold_count = static_cast<int32_t>(m.holds);
  a.last_posting_seq = m.last_seq;
  s.watermark = a.last_posting_seq;
  return s;
}

// --- the checkpoint ----------------------------------------------------------

struct Checkpoint {
  std::string extract;  // absolute path
  size_t size = 0;
  uint64_t header_hash = 0;
  std::string product_line;
  size_t records_done = 0;  // records consumed: the load resumes after them
  size_t accounts_done = 0;
  size_t created = 0, updated = 0, ignored_stale = 0;
  bool complete = false;
};

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string format(const Checkpoint& c) {
  std::ostringstream o;
  o << "# bridgectl backfill checkpoint (docs/backfill.md)\n"
    << "extract=" << c.extract << "\n"
    << "extract_size=" << c.size << "\n"
    << "header_fnv1a=" << hex64(c.header_hash) << "\n"
    << "product_line=" << c.product_line << "\n"
    << "records_done=" << c.records_done << "\n"
    << "accounts_done=" << c.accounts_done << "\n"
    << "created=" << c.created << "\n"
    << "updated=" << c.updated << "\n"
    << "ignored_stale=" << c.ignored_stale << "\n"
    << "complete=" << (c.complete ? 1 : 0) << "\n";
  return o.str();
}

Result<Checkpoint> readCheckpoint(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return notFound(path);
  }
  Checkpoint c;
  std::string line;
  int n = 0;
  std::map<std::string, std::string> kv;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return invalidArgument(path + ":" + std::to_string(n) + ": not key=value");
    }
    kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  try {
    c.extract = kv.at("extract");
    c.size = std::stoull(kv.at("extract_size"));
    c.header_hash = std::stoull(kv.at("header_fnv1a"), nullptr, 16);
    c.product_line = kv.at("product_line");
    c.records_done = std::stoull(kv.at("records_done"));
    c.accounts_done = std::stoull(kv.at("accounts_done"));
    c.created = std::stoull(kv.at("created"));
    c.updated = std::stoull(kv.at("updated"));
    c.ignored_stale = std::stoull(kv.at("ignored_stale"));
    c.complete = kv.at("complete") == "1";
  } catch (const std::exception&) {
    return invalidArgument(path + ": not a backfill checkpoint (a key is missing or malformed)");
  }
  return c;
}

// temp file, fsync, rename, fsync of the directory: a crash leaves the old
// checkpoint or the new one, never a torn one.
Status writeCheckpoint(const std::string& path, const Checkpoint& c) {
  const std::string tmp = path + ".tmp";
  const std::string body = format(c);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return unavailable("cannot write " + tmp);
  }
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return unavailable("cannot write checkpoint " + path);
  }
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return okStatus();
}

// --- progress ------------------------------------------------------------------

class Progress {
 public:
  Progress(bool quiet, size_t total, size_t already)
      : quiet_(quiet), tty_(::isatty(2) == 1), total_(total), start_done_(already) {}

  void update(size_t done, bool last = false) {
    if (quiet_) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    const auto since = now - shown_;
    if (!last && since < (tty_ ? std::chrono::milliseconds(100) : std::chrono::seconds(5))) {
      return;
    }
    shown_ = now;
    const double secs = std::chrono::duration<double>(now - started_).count();
    const double rate = secs > 0 ? static_cast<double>(done - start_done_) / secs : 0;
    const double pct = total_ == 0 ? 100.0 : 100.0 * static_cast<double>(done) / total_;
    std::string eta = "--:--";
    if (rate > 0 && done <= total_) {
      const auto left = static_cast<long>(static_cast<double>(total_ - done) / rate);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
      eta = buf;
    }
    const int width = 30;
    const int filled = static_cast<int>(pct / 100.0 * width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "%s[%s] %zu/%zu accounts (%.1f %%)  %.0f/s  ETA %s%s", tty_ ? "\r" : "",
                 bar.c_str(), done, total_, pct, rate, eta.c_str(), tty_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  bool quiet_;
  bool tty_;
  size_t total_;
  size_t start_done_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point shown_{};
};

// --- the new core ----------------------------------------------------------------

class NewCore {
 public:
  NewCore(std::string host, int port) : host_(std::move(host)), port_(port) {}

  // upsertSnapshots with retries: Unavailable after the last attempt,
  // InvalidArgument when the new core refuses the batch.
  Result<idl::UpsertResult> upsert(const std::vector<idl::AccountSnapshot>& batch) {
    Status last;
    for (int attempt = 0; attempt < 6; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
      }
      try {
        connect();
        idl::UpsertResult r;
        client_->upsertSnapshots(r, batch);
        return r;
      } catch (const idl::InvalidRequest& e) {
        return invalidArgument("the new core refused the batch: " + e.field + ": " + e.reason);
      } catch (const idl::ServiceUnavailable& e) {
        last = unavailable("the new core is unavailable: " + e.message);
      } catch (const apache::thrift::TException& e) {
        last = unavailable(std::string("the new core at ") + host_ + ":" + std::to_string(port_) +
                           ": " + e.what());
        client_.reset();
      }
    }
    return last;
  }

 private:
  void connect() {
    if (client_) {
      return;
    }
    using namespace apache::thrift;
    auto socket = std::make_shared<transport::TSocket>(host_, port_);
    socket->setConnTimeout(5000);
    socket->setRecvTimeout(120000);
    socket->setSendTimeout(120000);
    transport_ = std::make_shared<transport::TFramedTransport>(socket);
    client_ = std::make_unique<idl::CoreBankingClient>(
        std::make_shared<protocol::TBinaryProtocol>(transport_));
    transport_->open();
  }

  std::string host_;
  int port_;
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  std::unique_ptr<idl::CoreBankingClient> client_;
};

Result<std::pair<std::string, int>> hostPort(const std::string& s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return invalidArgument("--newcore '" + s + "' is not HOST:PORT");
  }
  int port = 0;
  try {
    port = std::stoi(s.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port < 1 || port > 65535) {
    return invalidArgument("--newcore '" + s + "': port not 1..65535");
  }
  return std::make_pair(s.substr(0, colon), port);
}

Result<size_t> count(const Args& args, const std::string& name, size_t dflt, size_t lo, size_t hi) {
  if (!args.has(name)) {
    return dflt;
  }
  const std::string v = args.get(name);
  size_t n = 0;
  try {
    size_t used = 0;
    n = std::stoul(v, &used);
    if (used != v.size()) {
      n = 0;
    }
  } catch (const std::exception&) {
    n = 0;
  }
  if (n < lo || n > hi) {
    return invalidArgument("--" + name + " '" + v + "' is not " + std::to_string(lo) + ".." +
                           std::to_string(hi));
  }
  return n;
}

struct Options {
  std::string line;
  idl::ProductLine::type line_enum = idl::ProductLine::SAVINGS;
  std::string extract;
  std::string host;
  int port = 0;
  std::string checkpoint;
  size_t batch = 500;
  size_t max_batches = 0;  // 0: no limit
  bool quiet = false;
};

// Pass 2. Returns the exit code.
int load(const Options& o, const ExtractReader& x, const Extract& e, const mappings::Pack& pack,
         Checkpoint cp) {
  const ExtractFields& f = x.fields();
  Progress progress(o.quiet, e.line_accounts, cp.accounts_done);
  NewCore core(o.host, o.port);
  const size_t resumed_after = cp.records_done;
  size_t batches = 0;
  size_t run_created = 0, run_updated = 0, run_stale = 0;
  std::vector<idl::AccountSnapshot> batch;
  size_t batch_last_record = 0;
  const auto started = std::chrono::steady_clock::now();

  auto send = [&]() -> Status {
    if (batch.empty()) {
      return okStatus();
    }
    CB_ASSIGN_OR_RETURN(idl::UpsertResult r, core.upsert(batch));
    if (r.results.size() != batch.size()) {
      return internalError("the new core answered " + std::to_string(r.results.size()) +
                           " results for " + std::to_string(batch.size()) + " snapshots");
    }
    for (const idl::SnapshotResult& s : r.results) {
      switch (s.outcome) {
        case idl::SnapshotOutcome::CREATED:
          ++run_created;
          ++cp.created;
          break;
        case idl::SnapshotOutcome::UPDATED:
          ++run_updated;
          ++cp.updated;
          break;
        default:
          ++run_stale;
          ++cp.ignored_stale;
          break;
      }
    }
    cp.accounts_done += batch.size();
    cp.records_done = batch_last_record;
    batch.clear();
    ++batches;
    if (!o.checkpoint.empty()) {
      CB_RETURN_IF_ERROR(writeCheckpoint(o.checkpoint, cp));
    }
    progress.update(cp.accounts_done);
    return okStatus();
  };

  mappings::Record r;
  bool stopped = false;
  for (size_t i = cp.records_done + 1; i <= e.records; ++i) {
    if (x.bytes(i)[0] != 'A') {
      continue;
    }
    Status st = x.decode(i, &r);
    if (!st.ok()) {
      return dataError(st.message());  // the file changed since pass 1
    }
    const std::string account = accountNumber(number(r, f.account));
    if (pack.product_lines.lineOf(account) != o.line) {
      continue;
    }
    Result<idl::AccountSnapshot> s = snapshotOf(r, f, o.line_enum, pack.minor_digits);
    if (!s.ok()) {
      return dataError("record " + std::to_string(i) + ": " + s.status().message());
    }
    batch.push_back(std::move(*s));
    batch_last_record = i;
    if (batch.size() == o.batch) {
      Status sent = send();
      if (!sent.ok()) {
        return dataError("batch ending at record " + std::to_string(batch_last_record) + ": " +
                         sent.message() + " (the checkpoint stands at record " +
                         std::to_string(cp.records_done) + ")");
      }
      if (o.max_batches != 0 && batches == o.max_batches) {
        stopped = true;
        break;
      }
    }
  }
  if (!stopped) {
    batch_last_record = e.records;  // the rest holds no account of the line
    Status sent = batch.empty() ? okStatus() : send();
    if (!sent.ok()) {
      return dataError("the last batch: " + sent.message() + " (the checkpoint stands at record " +
                       std::to_string(cp.records_done) + ")");
    }
    cp.records_done = e.records;
    cp.complete = true;
    if (!o.checkpoint.empty()) {
      Status w = writeCheckpoint(o.checkpoint, cp);
      if (!w.ok()) {
        return dataError(w.message());
      }
    }
  }
  progress.update(cp.accounts_done, true);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("backfill %s from %s: %zu of %zu accounts loaded in %zu batches, %.1f s%s\n",
              o.line.c_str(), e.path.c_str(), cp.accounts_done, e.line_accounts, batches, secs,
              stopped ? " (stopped by --max-batches: rerun with --checkpoint to resume)" : "");
  if (resumed_after > 0) {
    std::printf("  resumed after record %zu\n", resumed_after);
  }
  std::printf("  %-14s %10zu\n  %-14s %10zu\n  %-14s %10zu\n", "created", run_created, "updated",
              run_updated, "ignored_stale", run_stale);
  std::printf(
      "control totals: %s records, %s accounts, %s postings, balance %s, debits %s, credits %s, "
      "hash %s: match\n",
      Decimal::of(e.totals.records, 0).toString().c_str(),
      Decimal::of(e.totals.accounts, 0).toString().c_str(),
      Decimal::of(e.totals.postings, 0).toString().c_str(), money2(e.totals.balance).c_str(),
      money2(e.totals.debits).c_str(), money2(e.totals.credits).c_str(),
      Decimal::of(e.totals.hash, 0).toString().c_str());
  return 0;
}

}  // namespace

int backfillCommand(int argc, char** argv) {
  Result<Args> args = Args::parse(argc, argv, 2,
                                  {{"product-line", true},
                                   {"extract", true},
                                   {"newcore", true},
                                   {"checkpoint", true},
                                   {"batch", true},
                                   {"max-batches", true},
                                   {"pack", true},
                                   {"copybooks", true},
                                   {"quiet", false},
                                   {"help", false}});
  if (!args.ok()) {
    return usageError(args.status().message());
  }
  if (args->has("help")) {
    std::fputs(kBackfillHelp, stdout);
    return 0;
  }
  if (!args->positional().empty()) {
    return usageError("unexpected argument '" + args->positional()[0] + "'");
  }
  for (const char* required : {"product-line", "extract", "newcore"}) {
    if (!args->has(required)) {
      return usageError(std::string("--") + required + " is required");
    }
  }
  Options o;
  o.line = args->get("product-line");
  o.extract = args->get("extract");
  o.checkpoint = args->get("checkpoint");
  o.quiet = args->has("quiet");
  Result<std::pair<std::string, int>> hp = hostPort(args->get("newcore"));
  Result<size_t> batch = count(*args, "batch", 500, 1, 1000);
  Result<size_t> max_batches = count(*args, "max-batches", 0, 1, SIZE_MAX);
  for (const Status& s : {hp.status(), batch.status(), max_batches.status()}) {
    if (!s.ok()) {
      return usageError(s.message());
    }
  }
  o.host = hp->first;
  o.port = hp->second;
  o.batch = *batch;
  o.max_batches = *max_batches;

  const std::string pack_dir = args->get("pack", "mappings/packs/demobank");
  Result<std::shared_ptr<const mappings::Pack>> pack = mappings::loadPack(pack_dir + "/pack.yaml");
  if (!pack.ok()) {
    return usageError(pack.status().message());
  }
  const std::vector<std::string> lines = (*pack)->lines();
  if (std::find(lines.begin(), lines.end(), o.line) == lines.end()) {
    return usageError("--product-line '" + o.line + "' is not one of the pack's product lines");
  }
  bool known = false;
  for (const auto& [value, name] : idl::_ProductLine_VALUES_TO_NAMES) {
    if (o.line == name) {
      o.line_enum = static_cast<idl::ProductLine::type>(value);
      known = true;
    }
  }
  if (!known) {
    return usageError("--product-line '" + o.line + "' is not a product line of the new core");
  }
  std::string copybooks = args->get("copybooks");
  if (copybooks.empty() && !(*pack)->transactions.empty()) {
    copybooks = fs::path((*pack)->transactions.front().copybook).parent_path().string();
  }
  const std::string select = pack_dir + "/extract-select.yaml";
  Result<std::unique_ptr<ExtractReader>> reader = ExtractReader::open(
      o.extract, copybooks + "/EXTRREC.cpy", fs::exists(select) ? select : std::string());
  if (!reader.ok()) {
    return usageError(reader.status().message());
  }
  std::error_code ec;
  const std::string absolute = fs::absolute(o.extract, ec).lexically_normal().string();

  Result<Extract> extract = verify(**reader, absolute, (*pack)->product_lines, o.line);
  if (!extract.ok()) {
    return dataError(o.extract + ": " + extract.status().message() + "; nothing was sent");
  }

  Checkpoint cp;
  cp.extract = absolute;
  cp.size = extract->size;
  cp.header_hash = extract->header_hash;
  cp.product_line = o.line;
  if (!o.checkpoint.empty() && fs::exists(o.checkpoint)) {
    Result<Checkpoint> old = readCheckpoint(o.checkpoint);
    if (!old.ok()) {
      return usageError(old.status().message());
    }
    if (old->extract != cp.extract || old->size != cp.size || old->header_hash != cp.header_hash ||
        old->product_line != cp.product_line) {
      return usageError("checkpoint " + o.checkpoint + " belongs to the " + old->product_line +
                        " backfill of " + old->extract + " (" + std::to_string(old->size) +
                        " bytes, header " + hex64(old->header_hash) + "), not to the " + o.line +
                        " backfill of " + cp.extract + " (" + std::to_string(cp.size) +
                        " bytes, header " + hex64(cp.header_hash) +
                        "): name another --checkpoint, or delete it to start over");
    }
    if (old->records_done > extract->records) {
      return usageError("checkpoint " + o.checkpoint + " is past the end of the extract");
    }
    if (old->complete) {
      std::printf("backfill %s from %s: already complete (checkpoint %s); delete it to run again\n",
                  o.line.c_str(), cp.extract.c_str(), o.checkpoint.c_str());
      return 0;
    }
    cp = *old;
  }
  return load(o, **reader, *extract, **pack, cp);
}

}  // namespace corebridge::tools
