#include "tools/channel-sim/simulator.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/logging.h"
#include "tools/channel-sim/bank_client.h"
#include "tools/channel-sim/connection.h"

namespace corebridge::sim {

using mappings::Decimal;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kOk = 0, kNotFound = 10, kInsufficient = 20, kClosed = 30, kInvalidAmount = 40;

// Expected balances (minor units) of the accounts channel-sim owns, changed
// only by acknowledged updates, each transaction id applied once.
class Ledger {
 public:
  void add(const std::string& account, int64_t minor) {
    std::lock_guard<std::mutex> l(mu_);
    balances_[account] += minor;
  }
  std::map<std::string, int64_t> snapshot() const {
    std::lock_guard<std::mutex> l(mu_);
    return balances_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> balances_;
};

// The --ack-log file: one tab-separated line per write reply, written and
// flushed as the reply arrives, so that the file holds every reply the
// channels saw even if channel-sim itself is killed:
//   TXN-ID  TRANCODE  RC  ACCOUNTS (comma-separated)  AMOUNT (minor units)  D|C|-
class AckLog {
 public:
  Status open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ == nullptr ? unavailable("--ack-log: cannot open " + path) : okStatus();
  }
  ~AckLog() {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }
  bool enabled() const { return file_ != nullptr; }
  void write(const std::string& line) {
    std::lock_guard<std::mutex> l(mu_);
    std::fputs(line.c_str(), file_);
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

struct Account {
  std::string number;
  std::string product;
  bool loan = false;
};

// What every worker adds to, merged at the end.
struct Tally {
  uint64_t requests = 0, unexpected = 0, errors = 0, retries = 0;
  std::vector<uint32_t> latencies_us;
  std::map<std::string, uint64_t> by_operation;
  std::map<int, uint64_t> by_return_code;
  std::string first_unexpected;
  uint64_t acknowledged_writes = 0;
};

int64_t minorUnits(const Decimal& d) {
  Result<Decimal> r = d.rescale(2);
  return r.ok() ? static_cast<int64_t>(r->unscaled) : INT64_MIN;
}

class Worker {
 public:
  Worker(const SimOptions& o, const BankCodecs& codecs, Ledger& ledger, AckLog& acks, int id,
         const std::string& run_tag)
      : o_(o),
        codecs_(codecs),
        ledger_(ledger),
        acks_(acks),
        id_(id),
        run_tag_(run_tag),
        rng_(o.seed * 1000003 + static_cast<uint64_t>(id)),
        conn_(o.host, o.port, o.framing, std::chrono::milliseconds(o.timeout_ms)) {}

  Tally& tally() { return tally_; }

  // Opens this worker's accounts; false if the bank refuses to open them.
  bool openAccounts(std::vector<Account>* out, std::string* why) {
    for (int i = 0; i < o_.accounts_per_connection; ++i) {
      const std::string& product = o_.products[static_cast<size_t>(i) % o_.products.size()];
      Account a;
      if (!open(product, product.rfind("TD", 0) == 0 ? 500000 : 100000, &a)) {
        *why = tally_.first_unexpected.empty() ? "no reply to ACCTOPEN" : tally_.first_unexpected;
        return false;
      }
      out->push_back(a);
    }
    return true;
  }

  void run(const std::vector<Account>& pool, Clock::time_point end) {
    const int total = o_.mix.inquiry + o_.mix.post + o_.mix.transfer + o_.mix.statement +
                      o_.mix.invalid + o_.mix.open + o_.mix.close;
    // At a fixed rate every connection sends on its own schedule, offset by
    // its share of the interval so the connections do not send together,
    // and a request's latency counts from when it was due: a late reply
    // delays the next send, and that wait is the channel's too
    // (coordinated omission; wrk2 measures the same way).
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        o_.rate > 0 ? std::chrono::duration<double>(o_.connections / o_.rate)
                    : std::chrono::duration<double>(0));
    auto next = Clock::now() + interval * id_ / std::max(1, o_.connections);
    while (Clock::now() < end && total > 0) {
      if (o_.rate > 0) {
        std::this_thread::sleep_until(next);
        due_ = next;
        next += interval;
      }
      switch (pickOp(total)) {
        case Op::kInquiry:
          inquiry(pool[rng_() % pool.size()]);
          break;
        case Op::kPost:
          post(pool[rng_() % pool.size()]);
          break;
        case Op::kTransfer:
          transfer(pool);
          break;
        case Op::kStatement:
          statement(pool[rng_() % pool.size()]);
          break;
        case Op::kInvalid:
          invalid(pool[rng_() % pool.size()]);
          break;
        case Op::kOpen: {
          Account a;
          open(zeroOpenProduct(), 1000 + static_cast<int64_t>(rng_() % 100000), &a);
          break;
        }
        case Op::kOpenAndClose:
          openAndClose();
          break;
      }
    }
  }

  // The bank's ledger balance of an account, or nullopt.
  std::optional<int64_t> balance(const std::string& account) {
    Reply r;
    if (!call(Txn::kInquiry, {BankCodecs::text("CA-TXN-ID", txnId())}, account, &r, "readback") ||
        r.return_code != kOk) {
      return std::nullopt;
    }
    std::optional<Decimal> b = r.number("INQ-LEDGER-BALANCE");
    return b ? std::optional<int64_t>(minorUnits(*b)) : std::nullopt;
  }

 private:
  std::string txnId() {
    // 16 characters: run tag (6), worker (2), counter (8); unique across runs.
    return fmt::format("{}{:02d}{:08d}", run_tag_, id_ % 100, ++counter_ % 100000000);
  }

  Decimal amount() {
    return Decimal::of(100 + static_cast<int64_t>(rng_() % 20000), 2);  // 1.00 - 200.99
  }

  void unexpected(const std::string& what) {
    ++tally_.unexpected;
    if (tally_.first_unexpected.empty()) {
      tally_.first_unexpected = what;
    }
  }

  // Sends one transaction, retrying with the same transaction id after a
  // timeout or a dropped connection. False when no reply came.
  bool call(Txn t, std::vector<BankCodecs::Field> fields, const std::string& account, Reply* r,
            const char* op) {
    if (!account.empty()) {
      const char* key = t == Txn::kInquiry     ? "INQ-ACCT-NUMBER"
                        : t == Txn::kPost      ? "PST-ACCT-NUMBER"
                        : t == Txn::kStatement ? "STM-ACCT-NUMBER"
                                               : "CLS-ACCT-NUMBER";
      Result<Decimal> n = Decimal::parse(account);
      fields.push_back(BankCodecs::number(key, *n));
    }
    fields.push_back(BankCodecs::text("CA-CHANNEL-CODE", id_ % 2 == 0 ? "ATM" : "TLR"));
    fields.push_back(BankCodecs::text("CA-TERMINAL-ID", fmt::format("SIM{:05d}", id_)));
    std::string commarea;
    if (Status st = codecs_.request(t, fields, &commarea); !st.ok()) {
      unexpected("cannot build " + std::string(txnName(t)) + ": " + st.message());
      return false;
    }
    std::string bytes;
    if (Status st = adapters::encodeRequest(o_.framing, trancodeOf(t), commarea, &bytes);
        !st.ok()) {
      unexpected("cannot frame " + std::string(txnName(t)) + ": " + st.message());
      return false;
    }
    adapters::Frame frame;
    if (!exchange(bytes, op, &frame)) {
      return false;
    }
    if (frame.zz != 0) {
      unexpected(fmt::format("{}: system error reply: {}", txnName(t),
                             adapters::decodeSystemErrorText(o_.framing, frame.commarea)));
      return false;
    }
    if (Status d = codecs_.reply(t, frame.commarea, r); !d.ok()) {
      unexpected(fmt::format("{}: undecodable reply: {}", txnName(t), d.message()));
      return false;
    }
    ++tally_.by_return_code[r->return_code];
    if (t == Txn::kOpen || t == Txn::kPost || t == Txn::kTransfer || t == Txn::kClose) {
      acknowledge(t, fields, *r);
    }
    return true;
  }

  // Notes a write's reply in the tally and the --ack-log.
  void acknowledge(Txn t, const std::vector<BankCodecs::Field>& fields, const Reply& r) {
    if (r.return_code == kOk) {
      ++tally_.acknowledged_writes;
    }
    if (!acks_.enabled()) {
      return;
    }
    std::string txn, accounts, dc = "-";
    int64_t amount = 0;
    auto addAccount = [&accounts](const Decimal& n) {
      accounts +=
          (accounts.empty() ? "" : ",") + fmt::format("{:012d}", static_cast<int64_t>(n.unscaled));
    };
    for (const BankCodecs::Field& f : fields) {
      if (f.name == "CA-TXN-ID") {
        txn = f.text;
      } else if (f.name == "PST-DR-CR-CODE") {
        dc = f.text;
      } else if (f.number && (f.name == "PST-ACCT-NUMBER" || f.name == "XFR-FROM-ACCT" ||
                              f.name == "XFR-TO-ACCT" || f.name == "CLS-ACCT-NUMBER")) {
        addAccount(*f.number);
      } else if (f.number && (f.name == "PST-AMOUNT" || f.name == "XFR-AMOUNT" ||
                              f.name == "OPN-INITIAL-AMOUNT")) {
        amount = minorUnits(*f.number);
      }
    }
    if (t == Txn::kOpen) {
      if (std::optional<Decimal> n = r.number("OPN-ACCT-NUMBER"); n && r.return_code == kOk) {
        addAccount(*n);
      }
    }
    acks_.write(fmt::format("{}\t{}\t{:02d}\t{}\t{}\t{}\n", txn, trancodeOf(t), r.return_code,
                            accounts, amount, dc));
  }

  // Sends one framed request and waits for its reply, resending the same
  // bytes (so the same transaction id) after a timeout, a dropped
  // connection or a CB07 reply. False, counted as an error, when every
  // attempt failed.
  bool exchange(std::string_view bytes, const char* op, adapters::Frame* frame) {
    ++tally_.requests;
    ++tally_.by_operation[op];
    for (int attempt = 0; attempt <= o_.retries; ++attempt) {
      if (attempt > 0) {
        ++tally_.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
      }
      auto t0 = Clock::now();
      if (attempt == 0 && due_ && *due_ < t0) {
        t0 = *due_;  // the first exchange of a paced operation counts from when it was due
      }
      due_.reset();
      if (conn_.callRaw(bytes, frame).ok()) {
        // CB07 (the host cannot serve now, the outcome unknown): a channel
        // asks again with the same transaction id, which the host answers
        // as it answered the first time it applied it.
        if (frame->zz == static_cast<uint16_t>(adapters::SystemError::kUnavailable) &&
            attempt < o_.retries) {
          continue;
        }
        tally_.latencies_us.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
        return true;
      }
    }
    ++tally_.errors;
    return false;
  }

  void expect(bool ok, const char* op, const Reply& r) {
    if (!ok) {
      unexpected(
          fmt::format("{}: return code {} ({})", op, r.return_code, r.text("CA-REASON-TEXT")));
    }
  }

  bool open(const std::string& product, int64_t initial_minor, Account* a) {
    Reply r;
    std::vector<BankCodecs::Field> f = {
        BankCodecs::text("CA-TXN-ID", txnId()),
        BankCodecs::text("OPN-PRODUCT-CODE", product),
        BankCodecs::number("OPN-BRANCH", Decimal::of(100 + id_ % 50, 0)),
        BankCodecs::number("OPN-CUSTOMER-ID", Decimal::of(9000000 + id_, 0)),
        BankCodecs::text("OPN-CURRENCY", "USD"),
        BankCodecs::number("OPN-INITIAL-AMOUNT", Decimal::of(initial_minor, 2))};
    if (!call(Txn::kOpen, f, "", &r, "open")) {
      return false;
    }
    expect(r.return_code == kOk, "open", r);
    if (r.return_code != kOk) {
      return false;
    }
    std::optional<Decimal> n = r.number("OPN-ACCT-NUMBER");
    if (!n) {
      unexpected("open: no account number in the reply");
      return false;
    }
    a->number = fmt::format("{:012d}", static_cast<int64_t>(n->unscaled));
    a->product = product;
    a->loan = product[0] == 'L';
    ledger_.add(a->number, a->loan ? -initial_minor : initial_minor);
    return true;
  }

  void inquiry(const Account& a) {
    Reply r;
    if (call(Txn::kInquiry, {BankCodecs::text("CA-TXN-ID", txnId())}, a.number, &r, "inquiry")) {
      expect(r.return_code == kOk, "inquiry", r);
    }
  }

  void post(const Account& a) {
    const bool debit = !a.loan && rng_() % 2 == 0;
    const Decimal amt = amount();
    Reply r;
    if (!call(Txn::kPost,
              {BankCodecs::text("CA-TXN-ID", txnId()),
               BankCodecs::text("PST-DR-CR-CODE", debit ? "D" : "C"),
               BankCodecs::number("PST-AMOUNT", amt),
               BankCodecs::text("PST-DESCRIPTION", debit ? "SIM CASH WITHDRAWAL" : "SIM DEPOSIT")},
              a.number, &r, "post")) {
      return;
    }
    expect(r.return_code == kOk || (debit && r.return_code == kInsufficient), "post", r);
    if (r.return_code == kOk) {
      ledger_.add(a.number, debit ? -minorUnits(amt) : minorUnits(amt));
    }
  }

  void transfer(const std::vector<Account>& pool) {
    const Account& from = pool[rng_() % pool.size()];
    const Account& to = pool[rng_() % pool.size()];
    if (from.loan || from.number == to.number) {
      return;  // loans take credits only; a transfer needs two accounts
    }
    const Decimal amt = amount();
    Reply r;
    if (!call(Txn::kTransfer,
              {BankCodecs::text("CA-TXN-ID", txnId()),
               BankCodecs::number("XFR-FROM-ACCT", *Decimal::parse(from.number)),
               BankCodecs::number("XFR-TO-ACCT", *Decimal::parse(to.number)),
               BankCodecs::number("XFR-AMOUNT", amt),
               BankCodecs::text("XFR-DESCRIPTION", "SIM TRANSFER")},
              "", &r, "transfer")) {
      return;
    }
    expect(r.return_code == kOk || r.return_code == kInsufficient, "transfer", r);
    if (r.return_code == kOk) {
      ledger_.add(from.number, -minorUnits(amt));
      ledger_.add(to.number, minorUnits(amt));
    }
  }

  void statement(const Account& a) {
    const int max = 1 + static_cast<int>(rng_() % 10);
    Reply r;
    if (!call(Txn::kStatement,
              {BankCodecs::text("CA-TXN-ID", txnId()),
               BankCodecs::number("STM-MAX-POSTINGS", Decimal::of(max, 0))},
              a.number, &r, "statement")) {
      return;
    }
    std::optional<Decimal> count = r.number("STM-POSTING-COUNT");
    expect(r.return_code == kOk && count && count->unscaled >= 1 && count->unscaled <= max,
           "statement", r);
  }

  void invalid(const Account& a) {
    Reply r;
    switch (rng_() % 3) {
      case 0:  // a zero amount
        if (call(Txn::kPost,
                 {BankCodecs::text("CA-TXN-ID", txnId()), BankCodecs::text("PST-DR-CR-CODE", "C"),
                  BankCodecs::number("PST-AMOUNT", Decimal::of(0, 2))},
                 a.number, &r, "invalid-amount")) {
          expect(r.return_code == kInvalidAmount, "post of zero", r);
        }
        break;
      case 1:  // an account that does not exist (check digit aside, serial 999999 is unused)
        if (call(Txn::kInquiry, {BankCodecs::text("CA-TXN-ID", txnId())}, "109999999999", &r,
                 "invalid-account")) {
          expect(r.return_code == kNotFound, "inquiry of an unknown account", r);
        }
        break;
      default: {  // a TRANCODE the bank does not have: a system-error reply
        std::string bytes;
        std::string commarea(codecs_.commareaLength(Txn::kInquiry), '\x40');
        if (!adapters::encodeRequest(o_.framing, "NOSUCHTX", commarea, &bytes).ok()) {
          return;
        }
        adapters::Frame frame;
        if (!exchange(bytes, "invalid-trancode", &frame)) {
          return;
        }
        if (frame.zz == 0) {
          unexpected("unknown TRANCODE NOSUCHTX answered as if it were a transaction");
        }
      }
    }
  }

  // The product the mix opens accounts with: one that may open at zero.
  const std::string& zeroOpenProduct() const {
    static const std::string kNone;
    for (const std::string& p : o_.products) {
      if (p.rfind("SAV", 0) == 0 || p.rfind("CHK", 0) == 0) {
        return p;
      }
    }
    return kNone;
  }

  enum class Op { kInquiry, kPost, kTransfer, kStatement, kInvalid, kOpen, kOpenAndClose };

  // Draws the next operation by the mix's weights (close is what is left after open). Without a
  // product that opens at zero, an inquiry stands in for an open or a close.
  Op pickOp(int total) {
    int pick = static_cast<int>(rng_() % static_cast<uint64_t>(total));
    if ((pick -= o_.mix.inquiry) < 0) {
      return Op::kInquiry;
    }
    if ((pick -= o_.mix.post) < 0) {
      return Op::kPost;
    }
    if ((pick -= o_.mix.transfer) < 0) {
      return Op::kTransfer;
    }
    if ((pick -= o_.mix.statement) < 0) {
      return Op::kStatement;
    }
    if ((pick -= o_.mix.invalid) < 0) {
      return Op::kInvalid;
    }
    if (zeroOpenProduct().empty()) {
      return Op::kInquiry;
    }
    return (pick -= o_.mix.open) < 0 ? Op::kOpen : Op::kOpenAndClose;
  }

  void openAndClose() {
    Account a;
    if (!open(zeroOpenProduct(), 0, &a)) {
      return;
    }
    Reply r;
    if (call(Txn::kClose, {BankCodecs::text("CA-TXN-ID", txnId())}, a.number, &r, "close")) {
      expect(r.return_code == kOk, "close of a zero-balance account", r);
    }
    if (call(Txn::kPost,
             {BankCodecs::text("CA-TXN-ID", txnId()), BankCodecs::text("PST-DR-CR-CODE", "C"),
              BankCodecs::number("PST-AMOUNT", Decimal::of(100, 2))},
             a.number, &r, "post-to-closed")) {
      expect(r.return_code == kClosed, "post to a closed account", r);
    }
  }

  const SimOptions& o_;
  const BankCodecs& codecs_;
  Ledger& ledger_;
  AckLog& acks_;
  int id_;
  std::string run_tag_;
  std::mt19937_64 rng_;
  Connection conn_;
  Tally tally_;
  uint64_t counter_ = 0;
  // When the current paced operation was due to be sent (--rate); unset otherwise.
  std::optional<Clock::time_point> due_;
};

// Six base-36 characters from the clock and the process id: transaction ids
// of different runs never collide in the bank's processed-transaction index.
std::string runTag() {
  uint64_t x = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch() /
                                     std::chrono::milliseconds(1)) *
                   31 +
               static_cast<uint64_t>(::getpid());
  std::string tag(6, '0');
  for (int i = 5; i >= 0; --i) {
    tag[i] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[x % 36];
    x /= 36;
  }
  return tag;
}

double percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) {
    return 0;
  }
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

Result<Mix> parseMix(const std::string& text) {
  Mix m;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) {
      comma = text.size();
    }
    std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    size_t eq = item.find('=');
    int* slot = nullptr;
    std::string name = item.substr(0, eq);
    if (name == "inquiry") {
      slot = &m.inquiry;
    }
    if (name == "post") {
      slot = &m.post;
    }
    if (name == "transfer") {
      slot = &m.transfer;
    }
    if (name == "statement") {
      slot = &m.statement;
    }
    if (name == "invalid") {
      slot = &m.invalid;
    }
    if (name == "open") {
      slot = &m.open;
    }
    if (name == "close") {
      slot = &m.close;
    }
    if (slot == nullptr || eq == std::string::npos) {
      return invalidArgument("--mix: '" + item +
                             "': expected NAME=WEIGHT with NAME one of inquiry, post, transfer, "
                             "statement, invalid, open, close");
    }
    char* end = nullptr;
    long w = std::strtol(item.c_str() + eq + 1, &end, 10);
    if (*end != '\0' || w < 0 || w > 1000000) {
      return invalidArgument("--mix: '" + item + "': the weight must be a whole number >= 0");
    }
    *slot = static_cast<int>(w);
  }
  return m;
}

std::string SimSummary::toJson() const {
  std::string ops, codes;
  for (const auto& [k, v] : by_operation) {
    ops += fmt::format("{}\"{}\":{}", ops.empty() ? "" : ",", k, v);
  }
  for (const auto& [k, v] : by_return_code) {
    codes += fmt::format("{}\"{:02d}\":{}", codes.empty() ? "" : ",", k, v);
  }
  std::string first;
  for (char c : first_unexpected) {
    if (c == '"' || c == '\\') {
      first.push_back('\\');
    }
    if (static_cast<unsigned char>(c) >= 0x20) {
      first.push_back(c);
    }
  }
  return fmt::format(
      R"({{"requests":{},"unexpected_replies":{},"errors":{},"retries":{},"duration_s":{:.1f},)"
      R"("offered_rps":{:.0f},"throughput_rps":{:.0f},"p50_us":{:.0f},"p99_us":{:.0f},"p999_us":{:.0f},)"
      R"("ledger_balanced":{},"accounts_checked":{},"accounts_mismatched":{},)"
      R"("acknowledged_writes":{},)"
      R"("by_operation":{{{}}},"by_return_code":{{{}}},"first_unexpected":"{}"}})",
      requests, unexpected_replies, errors, retries, duration_s, offered_rps, throughput_rps,
      p50_us, p99_us, p999_us, ledger_balanced ? "true" : "false", accounts_checked,
      accounts_mismatched, acknowledged_writes, ops, codes, first);
}

Result<SimSummary> runSimulation(const SimOptions& o) {
  CB_ASSIGN_OR_RETURN(std::unique_ptr<BankCodecs> codecs,
                      BankCodecs::load(o.copybook_dir, o.dialect));
  Ledger ledger;
  AckLog acks;
  if (!o.ack_log.empty()) {
    CB_RETURN_IF_ERROR(acks.open(o.ack_log));
  }
  const std::string tag = runTag();
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Account> pool;
  for (int i = 0; i < o.connections; ++i) {
    workers.push_back(std::make_unique<Worker>(o, *codecs, ledger, acks, i, tag));
    std::string why;
    if (!workers.back()->openAccounts(&pool, &why)) {
      return unavailable("cannot open the simulation's accounts at " + o.host + ":" +
                         std::to_string(o.port) + ": " + why);
    }
  }

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(o.duration_s));
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& w : workers) {
    threads.emplace_back([&w, &pool, end] { w->run(pool, end); });
  }
  std::atomic<bool> done{false};
  std::thread progress([&] {
    while (o.progress && !done.load()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (done.load()) {
        break;
      }
      double t = std::chrono::duration<double>(Clock::now() - start).count();
      std::fprintf(stderr, "channel-sim: %5.1fs of %.0fs, %d connections running\n", t,
                   o.duration_s, o.connections);
    }
  });
  for (auto& t : threads) {
    t.join();
  }
  done = true;
  progress.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  SimSummary s;
  std::vector<uint32_t> lat;
  for (auto& w : workers) {
    Tally& t = w->tally();
    s.requests += t.requests;
    s.unexpected_replies += t.unexpected;
    s.errors += t.errors;
    s.retries += t.retries;
    s.acknowledged_writes += t.acknowledged_writes;
    lat.insert(lat.end(), t.latencies_us.begin(), t.latencies_us.end());
    for (const auto& [k, v] : t.by_operation) {
      s.by_operation[k] += v;
    }
    for (const auto& [k, v] : t.by_return_code) {
      s.by_return_code[k] += v;
    }
    if (s.first_unexpected.empty()) {
      s.first_unexpected = t.first_unexpected;
    }
  }
  s.duration_s = elapsed;
  s.offered_rps = o.rate;
  s.throughput_rps = static_cast<double>(s.requests) / elapsed;
  s.p50_us = percentile(lat, 0.50);
  s.p99_us = percentile(lat, 0.99);
  s.p999_us = percentile(lat, 0.999);

  // The proof: every account's balance at the bank equals the sum of what
  // the bank acknowledged.
  for (const auto& [account, expected] : ledger.snapshot()) {
    ++s.accounts_checked;
    std::optional<int64_t> actual = workers.front()->balance(account);
    if (!actual || *actual != expected) {
      ++s.accounts_mismatched;
      if (s.first_unexpected.empty()) {
        s.first_unexpected = fmt::format(
            "account {}: bank balance {} but the acknowledged postings give {}",
            maskAccount(account), actual ? std::to_string(*actual) : "unreadable", expected);
      }
    }
  }
  s.ledger_balanced = s.accounts_checked > 0 && s.accounts_mismatched == 0;
  return s;
}

}  // namespace corebridge::sim
