// BridgeObserver: what the bridge does with each transaction the Executor
// ran: counts it (bridge/metrics.h, names in docs/admin-api.md), logs it at
// debug level with the account masked, and for a compared secondary call
// compares both replies field by field (dualwrite/comparator.h), counting
// the differences by transaction and field and keeping the mismatch, both
// payloads masked, in the MismatchSink.
//
// Thread-safety: the Executor calls it from every connection thread and
// every secondary worker at once.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bridge/executor.h"
#include "bridge/metrics.h"
#include "dualwrite/comparator.h"
#include "dualwrite/mismatch_sink.h"
#include "mappings/pack.h"

namespace corebridge::bridge {

struct ObserverCounters {
  std::atomic<uint64_t> comparisons{0};
  std::atomic<uint64_t> mismatches{0};  // comparisons that found a difference
  std::atomic<uint64_t> secondary_errors{0};
};

class BridgeObserver : public ExecutorObserver {
 public:
  // InvalidArgument when a transaction's noise rules do not fit its copybook.
  // `sink` may be null (metrics only).
  static Result<std::unique_ptr<BridgeObserver>> create(const mappings::Pack& pack,
                                                        MetricsRegistry& metrics,
                                                        dualwrite::MismatchSink* sink);

  // ExecutorObserver
  void onRequest(const RequestInfo& info) override;
  Verdict onSecondary(const SecondaryResult& result) override;

  const ObserverCounters& counters() const { return counters_; }

 private:
  BridgeObserver(MetricsRegistry& metrics, dualwrite::MismatchSink* sink);
  // Label names and values as views: a series already seen is found without
  // building its Labels (one lookup per request and series, no allocation).
  using LabelViews = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  Counter* counter(std::string_view name, std::string_view help, LabelViews labels);
  Histogram* histogram(std::string_view name, std::string_view help, LabelViews labels,
                       const std::vector<double>& bounds = latencyBuckets());

  // Finds a string key without copying it (C++20 heterogeneous lookup).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class T>
  using SeriesCache = std::unordered_map<std::string, T*, KeyHash, std::equal_to<>>;
  // The series cached under `key`, registered by `make` (returning
  // Result<T*>) on first use; null, and cached as such, if that failed.
  template <class T, class Make>
  T* cached(SeriesCache<T>& cache, std::string_view key, Make make);

  MetricsRegistry& metrics_;
  dualwrite::MismatchSink* sink_;
  std::map<std::string, std::unique_ptr<dualwrite::Comparator>> comparators_;  // by trancode
  ObserverCounters counters_;

  std::mutex mu_;  // guards the series caches (the series themselves are atomic)
  SeriesCache<Counter> counters_by_key_;
  SeriesCache<Histogram> histograms_by_key_;
};

}  // namespace corebridge::bridge
