// The metrics registry: exact Prometheus text (format 0.0.4) for counters,
// gauges, callbacks and histograms with labels and escaping; registration
// errors; concurrent updates.
#include "bridge/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace corebridge::bridge {
namespace {

TEST(Metrics, EmptyRegistryRendersNothing) {
  MetricsRegistry r;
  EXPECT_EQ(r.renderPrometheus(), "");
}

TEST(Metrics, CounterAndGaugeWithLabelsAndEscaping) {
  MetricsRegistry r;
  Counter* legacy = r.counter("corebridge_backend_calls_total", "Calls of a back end.",
                              {{"side", "legacy"}, {"kind", "ok"}})
                        .value();
  Counter* odd = r.counter("corebridge_backend_calls_total", "Calls of a back end.",
                           {{"kind", "a\"b\\c\nd"}, {"side", "new"}})
                     .value();
  Gauge* depth = r.gauge("corebridge_queue_depth", "Items queued.\nSecond line \\ here.").value();
  legacy->inc();
  legacy->inc(41);
  odd->inc();
  depth->set(2.5);
  EXPECT_EQ(r.renderPrometheus(),
            "# HELP corebridge_backend_calls_total Calls of a back end.\n"
            "# TYPE corebridge_backend_calls_total counter\n"
            "corebridge_backend_calls_total{kind=\"a\\\"b\\\\c\\nd\",side=\"new\"} 1\n"
            "corebridge_backend_calls_total{kind=\"ok\",side=\"legacy\"} 42\n"
            "# HELP corebridge_queue_depth Items queued.\\nSecond line \\\\ here.\n"
            "# TYPE corebridge_queue_depth gauge\n"
            "corebridge_queue_depth 2.5\n");
}

TEST(Metrics, SameNameAndLabelsGiveTheSameSeries) {
  MetricsRegistry r;
  auto a = r.counter("x_total", "X.", {{"a", "1"}, {"b", "2"}});
  auto b = r.counter("x_total", "X.", {{"b", "2"}, {"a", "1"}});  // order does not matter
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, r.counter("x_total", "X.", {{"a", "1"}, {"b", "3"}}).value());
}

TEST(Metrics, HistogramBucketsSumAndCount) {
  MetricsRegistry r;
  Histogram* h =
      r.histogram("corebridge_call_seconds", "Call latency.", {{"side", "legacy"}}, {0.25, 0.5, 1})
          .value();
  h->observe(0.125);
  h->observe(0.25);  // on a bound: counts in that bucket (le)
  h->observe(0.75);
  h->observe(std::chrono::milliseconds(2000));
  h->observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(h->count(), 4u);
  EXPECT_EQ(r.renderPrometheus(),
            "# HELP corebridge_call_seconds Call latency.\n"
            "# TYPE corebridge_call_seconds histogram\n"
            "corebridge_call_seconds_bucket{side=\"legacy\",le=\"0.25\"} 2\n"
            "corebridge_call_seconds_bucket{side=\"legacy\",le=\"0.5\"} 2\n"
            "corebridge_call_seconds_bucket{side=\"legacy\",le=\"1\"} 3\n"
            "corebridge_call_seconds_bucket{side=\"legacy\",le=\"+Inf\"} 4\n"
            "corebridge_call_seconds_sum{side=\"legacy\"} 3.125\n"
            "corebridge_call_seconds_count{side=\"legacy\"} 4\n");
}

TEST(Metrics, DefaultLatencyBucketsFrom50MicrosecondsTo10Seconds) {
  MetricsRegistry r;
  Histogram* h = r.histogram("lat_seconds", "L.").value();
  EXPECT_EQ(h->bounds().front(), 0.00005);
  EXPECT_EQ(h->bounds().back(), 10);
  h->observe(std::chrono::microseconds(20));
  const std::string text = r.renderPrometheus();
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"5e-05\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"2.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"10\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 2e-05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 1\n"), std::string::npos) << text;
}

TEST(Metrics, CallbacksAreEvaluatedAtRenderTimeAndCanBeRemoved) {
  MetricsRegistry r;
  double depth = 3;
  ASSERT_TRUE(
      r.gaugeCallback("q_depth", "Depth.", {{"queue", "repair"}}, [&] { return depth; }).ok());
  ASSERT_TRUE(r.counterCallback("legacy_connects_total", "Connects.", {}, [] { return 7.0; }).ok());
  EXPECT_EQ(r.renderPrometheus(),
            "# HELP legacy_connects_total Connects.\n"
            "# TYPE legacy_connects_total counter\n"
            "legacy_connects_total 7\n"
            "# HELP q_depth Depth.\n"
            "# TYPE q_depth gauge\n"
            "q_depth{queue=\"repair\"} 3\n");
  depth = 9;
  EXPECT_NE(r.renderPrometheus().find("q_depth{queue=\"repair\"} 9\n"), std::string::npos);
  r.removeCallback("q_depth", {{"queue", "repair"}});
  EXPECT_EQ(r.renderPrometheus(),
            "# HELP legacy_connects_total Connects.\n"
            "# TYPE legacy_connects_total counter\n"
            "legacy_connects_total 7\n");
  // A plain gauge cannot also be a callback, nor the other way round.
  ASSERT_TRUE(r.gauge("g", "G.").ok());
  EXPECT_FALSE(r.gaugeCallback("g", "G.", {}, [] { return 1.0; }).ok());
  ASSERT_TRUE(r.gaugeCallback("cb", "C.", {}, [] { return 1.0; }).ok());
  EXPECT_FALSE(r.gauge("cb", "C.").ok());
}

TEST(Metrics, ValuesFormatting) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(0.1), "0.1");
  EXPECT_EQ(formatValue(1e300), "1e+300");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(escapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(Metrics, RegistrationErrors) {
  MetricsRegistry r;
  EXPECT_EQ(r.counter("1bad", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.counter("bad-name", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.counter("ns:ok_total", "x").ok());  // colons are allowed in names
  EXPECT_EQ(r.counter("c_total", "x", {{"__reserved", "v"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.counter("c_total", "x", {{"a-b", "v"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.counter("c_total", "x", {{"a", "1"}, {"a", "2"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.histogram("h_seconds", "x", {{"le", "1"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.histogram("h_seconds", "x", {}, {1, 1}).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(r.counter("c_total", "Help.", {{"side", "legacy"}}).ok());
  EXPECT_EQ(r.gauge("c_total", "Help.", {{"side", "legacy"}}).status().code(),
            StatusCode::kInvalidArgument);  // other type
  EXPECT_EQ(r.counter("c_total", "Other help.", {{"side", "legacy"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(r.counter("c_total", "Help.", {{"kind", "x"}}).status().code(),
            StatusCode::kInvalidArgument);  // other label names
  ASSERT_TRUE(r.histogram("h2_seconds", "x", {}, {1, 2}).ok());
  EXPECT_EQ(r.histogram("h2_seconds", "x", {}, {1, 3}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Metrics, ConcurrentUpdatesAndRenders) {
  MetricsRegistry r;
  Counter* c = r.counter("c_total", "C.").value();
  Histogram* h = r.histogram("h_seconds", "H.").value();
  Gauge* g = r.gauge("g", "G.").value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        c->inc();
        h->observe(0.001);
        g->add(1);
        if (i % 1000 == 0) {
          // New series while others render and update.
          ASSERT_TRUE(r.counter("per_thread_total", "P.", {{"t", std::to_string(t)}}).ok());
          EXPECT_FALSE(r.renderPrometheus().empty());
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(c->value(), 80000u);
  EXPECT_EQ(h->count(), 80000u);
  EXPECT_DOUBLE_EQ(g->value(), 80000);
  EXPECT_NEAR(h->sum(), 80.0, 1e-6);
}

}  // namespace
}  // namespace corebridge::bridge
