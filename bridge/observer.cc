#include "bridge/observer.h"

#include "common/logging.h"

namespace corebridge::bridge {

namespace {

// The series' cache key, in a buffer of the calling thread (reused: no
// allocation once it has grown).
std::string_view seriesKey(
    std::string_view name,
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  thread_local std::string key;
  key.assign(name);
  for (const auto& [k, v] : labels) {
    key += '\x1f';
    key += k;
    key += '=';
    key += v;
  }
  return key;
}

Labels labelsOf(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  Labels out;
  out.reserve(labels.size());
  for (const auto& [k, v] : labels) {
    out.emplace_back(std::string(k), std::string(v));
  }
  return out;
}

dualwrite::Side toDualwrite(Side side) {
  return side == Side::kLegacy ? dualwrite::Side::kLegacy : dualwrite::Side::kNew;
}

}  // namespace

Result<std::unique_ptr<BridgeObserver>> BridgeObserver::create(const mappings::Pack& pack,
                                                               MetricsRegistry& metrics,
                                                               dualwrite::MismatchSink* sink) {
  std::unique_ptr<BridgeObserver> o(new BridgeObserver(metrics, sink));
  for (const mappings::PackTransaction& tx : pack.transactions) {
    auto comparator = dualwrite::Comparator::create(tx);
    if (!comparator.ok()) {
      return comparator.status().withContext(pack.source + ": transaction " + tx.trancode);
    }
    o->comparators_[tx.trancode] = std::move(*comparator);
  }
  return o;
}

BridgeObserver::BridgeObserver(MetricsRegistry& metrics, dualwrite::MismatchSink* sink)
    : metrics_(metrics), sink_(sink) {}

template <class T, class Make>
T* BridgeObserver::cached(SeriesCache<T>& cache, std::string_view key, Make make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache.find(key);
  if (it != cache.end()) {
    return it->second;
  }
  Result<T*> made = make();
  T* out = made.ok() ? *made : nullptr;
  cache.emplace(std::string(key), out);
  return out;
}

Counter* BridgeObserver::counter(std::string_view name, std::string_view help, LabelViews labels) {
  return cached(counters_by_key_, seriesKey(name, labels), [&] {
    return metrics_.counter(std::string(name), std::string(help), labelsOf(labels));
  });
}

Histogram* BridgeObserver::histogram(std::string_view name, std::string_view help,
                                     LabelViews labels, const std::vector<double>& bounds) {
  return cached(histograms_by_key_, seriesKey(name, labels), [&] {
    return metrics_.histogram(std::string(name), std::string(help), labelsOf(labels), bounds);
  });
}

void BridgeObserver::onRequest(const RequestInfo& info) {
  const std::string_view stage = stageName(info.stage);
  if (Counter* c = counter("corebridge_requests_total",
                           "Channel requests by transaction, product line, stage and outcome.",
                           {{"trancode", info.trancode},
                            {"product_line", info.product_line},
                            {"stage", stage},
                            {"outcome", info.outcome}})) {
    c->inc();
  }
  if (info.secondary_refused) {
    if (Counter* c = counter("corebridge_secondary_not_sent_total",
                             "Writes the primary refused, not sent to the secondary.",
                             {{"trancode", info.trancode}, {"reason", "primary_refused"}})) {
      c->inc();
    }
  }
  if (info.outcome == "ok" && info.started != std::chrono::steady_clock::time_point{}) {
    // Everything but the primary call: decoding, routing, the journal's
    // wait, queueing the secondary, and a write-through's wait for its
    // secondary (the channel waits for it too). Not the channel socket's
    // read and write, which are the listener's.
    const auto added = std::chrono::steady_clock::now() - info.started - info.primary_latency;
    if (Histogram* h = histogram("corebridge_bridge_added_seconds",
                                 "Time the bridge added to a request the primary answered, "
                                 "beyond the primary call, by stage.",
                                 {{"stage", stage}}, addedTimeBuckets())) {
      h->observe(added);
    }
  }
  if (info.outcome != "bad_request") {
    if (Histogram* h = histogram("corebridge_backend_duration_seconds",
                                 "Back-end call latency by side and role.",
                                 {{"side", sideName(info.primary)}, {"role", "primary"}})) {
      h->observe(info.primary_latency);
    }
  }
  const auto& log = logger("bridge");
  if (log->should_log(spdlog::level::debug)) {
    log->debug("txn={} trancode={} line={} stage={} account={} primary={} outcome={} us={}{}",
               info.txn_id, info.trancode, info.product_line, stage, maskAccount(info.account),
               sideName(info.primary), info.outcome,
               std::chrono::duration_cast<std::chrono::microseconds>(info.primary_latency).count(),
               info.secondary_dropped   ? " secondary=dropped"
               : info.secondary_refused ? " secondary=not_sent_refused"
                                        : "");
  }
}

Verdict BridgeObserver::onSecondary(const SecondaryResult& result) {
  const Side secondary = result.primary == Side::kLegacy ? Side::kNew : Side::kLegacy;
  const std::string trancode = result.transaction != nullptr ? result.transaction->trancode : "";
  const std::string outcome =
      result.secondary_status.ok()
          ? "ok"
          : (result.secondary_status.code() == StatusCode::kDeadlineExceeded ? "timeout" : "error");
  if (Counter* c =
          counter("corebridge_secondary_total", "Secondary calls by side, transaction and outcome.",
                  {{"side", sideName(secondary)}, {"trancode", trancode}, {"outcome", outcome}})) {
    c->inc();
  }
  if (Histogram* h = histogram("corebridge_backend_duration_seconds",
                               "Back-end call latency by side and role.",
                               {{"side", sideName(secondary)}, {"role", "secondary"}})) {
    h->observe(result.secondary_latency);
  }
  if (!result.secondary_status.ok()) {
    counters_.secondary_errors.fetch_add(1);
    logger("bridge")->warn("txn={} trancode={} account={}: secondary {} call failed: {}",
                           result.txn_id, trancode, maskAccount(result.account),
                           sideName(secondary), result.secondary_status.toString());
    return Verdict::kNotCompared;
  }
  if (!result.compare) {
    return Verdict::kNotCompared;
  }
  auto it = comparators_.find(trancode);
  if (it == comparators_.end()) {
    return Verdict::kNotCompared;
  }
  const dualwrite::Comparator& comparator = *it->second;
  const dualwrite::Comparison comparison =
      comparator.compare(result.legacy_reply, result.new_reply);
  counters_.comparisons.fetch_add(1);
  if (Counter* c = counter(
          "corebridge_comparisons_total", "Compared secondary calls by transaction and result.",
          {{"trancode", trancode}, {"result", comparison.equal() ? "equal" : "different"}})) {
    c->inc();
  }
  if (comparison.equal()) {
    return Verdict::kEqual;
  }
  counters_.mismatches.fetch_add(1);
  for (const dualwrite::FieldDifference& d : comparison.differences) {
    if (Counter* c = counter("corebridge_mismatches_total",
                             "Differences between the two sides' replies by transaction and field.",
                             {{"trancode", trancode}, {"field", d.field}})) {
      c->inc();
    }
  }
  if (sink_ != nullptr) {
    dualwrite::MismatchContext context;
    context.time = std::chrono::system_clock::now();
    context.trancode = trancode;
    context.product_line = result.product_line;
    context.stage = std::string(stageName(result.stage));
    context.primary = toDualwrite(result.primary);
    context.txn_id = result.txn_id;
    context.account = result.account;
    sink_->record(dualwrite::makeMismatch(comparator, comparison, result.legacy_reply,
                                          result.new_reply, context));
  }
  return Verdict::kDifferent;
}

}  // namespace corebridge::bridge
