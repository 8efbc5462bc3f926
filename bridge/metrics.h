// The bridge's metrics: counters, gauges and histograms with label sets, and
// their rendering in the Prometheus text exposition format 0.0.4
// (docs/admin-api.md names the metrics and their conventions).
//
// A metric family is a name, a help text, a type and a fixed set of label
// names; a series is one combination of label values. Series are created
// once (under the registry's mutex) and handed out as stable pointers that
// the caller keeps: the hot path is then one relaxed atomic operation, no
// lock and no lookup. A series lives as long as the registry.
//
//   MetricsRegistry registry;
//   Counter* calls = *registry.counter("corebridge_backend_calls_total",
//                                      "Calls of a back end.", {{"side", "legacy"}});
//   calls->inc();
//
// Gauges may also be callbacks evaluated at render time (queue depths, pool
// sizes owned elsewhere); so may counters kept elsewhere (a client's own
// atomics). A callback runs on the rendering thread, outside the registration
// mutex, and must not add or remove callbacks itself.
//
// Errors: registration returns InvalidArgument for a name or label name the
// format does not allow (or reserved: `le` on a histogram, `__` prefixes),
// and for a family registered again with another type, help text, label
// names or buckets. Registration is start-up work: fail fast on it.
//
// Thread-safety: everything is safe from any thread. Rendering reads each
// value atomically but the whole exposition is not one snapshot (a
// histogram's _sum may include an observation its buckets do not yet show).
// Do not register or remove callbacks while holding a lock that one of the
// callbacks takes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace corebridge::bridge {

// Label name -> value. Order does not matter: series are identified and
// rendered with labels sorted by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  void sub(double d) { add(-d); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed, ascending upper bounds ("le": a value
// equal to a bound counts in its bucket); +Inf is implicit. NaN is ignored.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);

  void observe(double v);
  // Seconds, the unit of every latency histogram.
  void observe(std::chrono::nanoseconds d) { observe(std::chrono::duration<double>(d).count()); }

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts, one per bound then +Inf (the last equals count()).
  std::vector<uint64_t> cumulativeCounts() const;
  uint64_t count() const { return cumulativeCounts().back(); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  // Per bucket, not cumulative; the last is (last bound, +Inf). The count is
  // their sum, so _count always equals the +Inf bucket.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

// 50 µs to 10 s in 1-2.5-5 steps: the bounds of every latency histogram.
const std::vector<double>& latencyBuckets();
// 5 µs to 1 s, finer below 1 ms: for the time the bridge adds to a request.
const std::vector<double>& addedTimeBuckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The series of the family `name` with these labels, created on first use;
  // the same pointer on every later call with the same name and labels.
  Result<Counter*> counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Result<Gauge*> gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Result<Histogram*> histogram(std::string_view name, std::string_view help,
                               const Labels& labels = {},
                               const std::vector<double>& bounds = latencyBuckets());

  // A series whose value `read` returns at render time; replaces an earlier
  // callback of the same series. The callable must stay valid until
  // removeCallback() for the series returns or the registry is destroyed.
  Status gaugeCallback(std::string_view name, std::string_view help, const Labels& labels,
                       std::function<double()> read);
  Status counterCallback(std::string_view name, std::string_view help, const Labels& labels,
                         std::function<double()> read);
  // After it returns the callback is not running and will not run again.
  void removeCallback(std::string_view name, const Labels& labels);

  // The text exposition format 0.0.4: families sorted by name, each with
  // HELP and TYPE lines, series sorted by label values.
  std::string renderPrometheus() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series;
  struct Family;

  // The series (created if absent) of a validated family; null with *status
  // set when the registration conflicts.
  Series* series(std::string_view name, std::string_view help, Type type, const Labels& labels,
                 const std::vector<double>* bounds, Status* status);

  mutable std::mutex mu_;  // guards families_ (not the series' values)
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
  // Held while callbacks run, so that removeCallback() can wait them out;
  // taken after mu_ is released, never together with it.
  mutable std::mutex callbacks_mu_;
};

// Label-value escaping of the exposition format: \ " and newline.
std::string escapeLabelValue(std::string_view v);
// A sample value: integers without a fraction, others in the shortest form
// that reads back exactly, "+Inf", "-Inf", "NaN".
std::string formatValue(double v);

}  // namespace corebridge::bridge
