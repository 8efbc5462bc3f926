#include "bridge/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace corebridge::bridge {
namespace {

bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool validMetricName(std::string_view n) {
  if (n.empty() || !(isNameStart(n[0]) || n[0] == ':')) {
    return false;
  }
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return isNameStart(c) || isDigit(c) || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, "__" prefix reserved.
bool validLabelName(std::string_view n) {
  if (n.empty() || !isNameStart(n[0]) || n.rfind("__", 0) == 0) {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char c) { return isNameStart(c) || isDigit(c); });
}

std::string escapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

const char* typeName(int type) {
  switch (type) {
    case 0:
      return "counter";
    case 1:
      return "gauge";
    default:
      return "histogram";
  }
}

}  // namespace

std::string escapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatValue(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {  // 2^53: exact integers
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// ---- Histogram --------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  if (std::isnan(v)) {
    return;
  }
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

const std::vector<double>& latencyBuckets() {
  static const std::vector<double> kBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                               0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                               0.5,     1,      2.5,     5,      10};
  return kBuckets;
}

const std::vector<double>& addedTimeBuckets() {
  static const std::vector<double> kBuckets = {
      0.000005, 0.00001, 0.000015, 0.00002, 0.00003, 0.00005, 0.000075, 0.0001,
      0.00015,  0.0002,  0.0003,   0.0005,  0.00075, 0.001,   0.002,    0.005,
      0.01,     0.025,   0.05,     0.1,     0.25,    1};
  return kBuckets;
}

// ---- MetricsRegistry --------------------------------------------------------

struct MetricsRegistry::Series {
  std::vector<std::string> values;  // in the family's (sorted) label-name order
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  std::function<double()> read;  // guarded by callbacks_mu_
  bool is_callback = false;      // set once at creation, under mu_
};

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  Type type;
  std::vector<std::string> label_names;  // sorted
  std::vector<double> bounds;            // histograms
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Series* MetricsRegistry::series(std::string_view name, std::string_view help,
                                                 Type type, const Labels& labels,
                                                 const std::vector<double>* bounds,
                                                 Status* status) {
  const std::string where = "metric " + std::string(name);
  if (!validMetricName(name)) {
    *status = invalidArgument(where + ": not a valid metric name");
    return nullptr;
  }
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> names;
  std::vector<std::string> values;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const std::string& n = sorted[i].first;
    if (!validLabelName(n) || (type == Type::kHistogram && n == "le")) {
      std::string message = where;
      message.append(": label name '").append(n).append("' is not allowed");
      *status = invalidArgument(std::move(message));
      return nullptr;
    }
    if (i > 0 && sorted[i - 1].first == n) {
      std::string message = where;
      message.append(": label '").append(n).append("' given twice");
      *status = invalidArgument(std::move(message));
      return nullptr;
    }
    names.push_back(n);
    values.push_back(sorted[i].second);
  }
  if (bounds != nullptr) {
    for (size_t i = 0; i < bounds->size(); ++i) {
      if (!std::isfinite((*bounds)[i]) || (i > 0 && (*bounds)[i - 1] >= (*bounds)[i])) {
        *status = invalidArgument(where + ": bucket bounds must be finite and ascending");
        return nullptr;
      }
    }
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->name = std::string(name);
    family->help = std::string(help);
    family->type = type;
    family->label_names = names;
    if (bounds != nullptr) {
      family->bounds = *bounds;
    }
    it = families_.emplace(family->name, std::move(family)).first;
  }
  Family& family = *it->second;
  if (family.type != type || family.help != help || family.label_names != names ||
      (bounds != nullptr && family.bounds != *bounds)) {
    *status = invalidArgument(where +
                              ": registered before with another type, help text, label names "
                              "or buckets");
    return nullptr;
  }
  std::unique_ptr<Series>& s = family.series[values];
  if (s == nullptr) {
    s = std::make_unique<Series>();
    s->values = values;
  }
  return s.get();
}

Result<Counter*> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                          const Labels& labels) {
  Status status;
  Series* s = series(name, help, Type::kCounter, labels, nullptr, &status);
  if (s == nullptr) {
    return status;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (s->is_callback) {
    return invalidArgument("metric " + std::string(name) + ": series is a callback");
  }
  if (s->counter == nullptr) {
    s->counter = std::make_unique<Counter>();
  }
  return s->counter.get();
}

Result<Gauge*> MetricsRegistry::gauge(std::string_view name, std::string_view help,
                                      const Labels& labels) {
  Status status;
  Series* s = series(name, help, Type::kGauge, labels, nullptr, &status);
  if (s == nullptr) {
    return status;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (s->is_callback) {
    return invalidArgument("metric " + std::string(name) + ": series is a callback");
  }
  if (s->gauge == nullptr) {
    s->gauge = std::make_unique<Gauge>();
  }
  return s->gauge.get();
}

Result<Histogram*> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                              const Labels& labels,
                                              const std::vector<double>& bounds) {
  Status status;
  Series* s = series(name, help, Type::kHistogram, labels, &bounds, &status);
  if (s == nullptr) {
    return status;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (s->histogram == nullptr) {
    s->histogram = std::make_unique<Histogram>(bounds);
  }
  return s->histogram.get();
}

Status MetricsRegistry::gaugeCallback(std::string_view name, std::string_view help,
                                      const Labels& labels, std::function<double()> read) {
  Status status;
  Series* s = series(name, help, Type::kGauge, labels, nullptr, &status);
  if (s == nullptr) {
    return status;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (s->gauge != nullptr) {
      return invalidArgument("metric " + std::string(name) + ": series is a plain gauge");
    }
    s->is_callback = true;
  }
  std::lock_guard<std::mutex> lock(callbacks_mu_);
  s->read = std::move(read);
  return okStatus();
}

Status MetricsRegistry::counterCallback(std::string_view name, std::string_view help,
                                        const Labels& labels, std::function<double()> read) {
  Status status;
  Series* s = series(name, help, Type::kCounter, labels, nullptr, &status);
  if (s == nullptr) {
    return status;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (s->counter != nullptr) {
      return invalidArgument("metric " + std::string(name) + ": series is a plain counter");
    }
    s->is_callback = true;
  }
  std::lock_guard<std::mutex> lock(callbacks_mu_);
  s->read = std::move(read);
  return okStatus();
}

void MetricsRegistry::removeCallback(std::string_view name, const Labels& labels) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> values;
  for (const auto& [n, v] : sorted) {
    values.push_back(v);
  }
  Series* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto f = families_.find(name);
    if (f == families_.end()) {
      return;
    }
    auto it = f->second->series.find(values);
    if (it == f->second->series.end() || !it->second->is_callback) {
      return;
    }
    s = it->second.get();
  }
  std::lock_guard<std::mutex> lock(callbacks_mu_);
  s->read = nullptr;
}

std::string MetricsRegistry::renderPrometheus() const {
  // Families and series are never removed, so pointers taken under mu_ stay
  // valid; the values are read after it is released.
  struct SeriesView {
    const Series* series;
    const Counter* counter;
    const Gauge* gauge;
    const Histogram* histogram;
  };
  struct View {
    const Family* family;
    std::vector<SeriesView> series;
  };
  std::vector<View> views;
  {
    std::lock_guard<std::mutex> lock(mu_);
    views.reserve(families_.size());
    for (const auto& [name, family] : families_) {
      View v{family.get(), {}};
      for (const auto& [values, s] : family->series) {
        v.series.push_back({s.get(), s->counter.get(), s->gauge.get(), s->histogram.get()});
      }
      views.push_back(std::move(v));
    }
  }

  std::string out;
  std::lock_guard<std::mutex> callbacks(callbacks_mu_);
  for (const View& v : views) {
    const Family& f = *v.family;
    std::string body;
    for (const SeriesView& sv : v.series) {
      const Series& s = *sv.series;
      std::string labels;
      for (size_t i = 0; i < f.label_names.size(); ++i) {
        labels +=
            (i == 0 ? "" : ",") + f.label_names[i] + "=\"" + escapeLabelValue(s.values[i]) + "\"";
      }
      const std::string braced = labels.empty() ? "" : "{" + labels + "}";
      if (sv.counter != nullptr) {
        body += f.name + braced + " " + std::to_string(sv.counter->value()) + "\n";
      } else if (sv.gauge != nullptr) {
        body += f.name + braced + " " + formatValue(sv.gauge->value()) + "\n";
      } else if (sv.histogram != nullptr) {
        const std::vector<uint64_t> counts = sv.histogram->cumulativeCounts();
        const std::string prefix = f.name + "_bucket{" + labels + (labels.empty() ? "" : ",");
        for (size_t i = 0; i < f.bounds.size(); ++i) {
          body += prefix + "le=\"" + formatValue(f.bounds[i]) + "\"} " + std::to_string(counts[i]) +
                  "\n";
        }
        body += prefix + "le=\"+Inf\"} " + std::to_string(counts.back()) + "\n";
        body += f.name + "_sum" + braced + " " + formatValue(sv.histogram->sum()) + "\n";
        body += f.name + "_count" + braced + " " + std::to_string(counts.back()) + "\n";
      } else if (s.read) {  // a callback (is_callback); empty once removed
        body += f.name + braced + " " + formatValue(s.read()) + "\n";
      }
    }
    if (body.empty()) {
      continue;
    }
    out += "# HELP " + f.name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + f.name + " " + typeName(static_cast<int>(f.type)) + "\n";
    out += body;
  }
  return out;
}

}  // namespace corebridge::bridge
