#include "common/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <deque>
#include <mutex>

namespace corebridge {
namespace {

std::mutex g_mu;
LogOptions g_options;
spdlog::sink_ptr g_sink;

// JSON lines for log shippers. spdlog does not escape %v, so messages logged
// in JSON mode must not carry raw quotes or control bytes: callers log codes,
// masked numbers and field paths, never payload bytes.
constexpr const char* kJsonPattern =
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","msg":"%v"})";
constexpr const char* kTextPattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";

spdlog::sink_ptr sinkLocked() {
  if (!g_sink) {
    g_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    g_sink->set_pattern(g_options.format == LogFormat::kJson ? kJsonPattern : kTextPattern);
  }
  return g_sink;
}

}  // namespace

bool parseLogFormat(std::string_view s, LogFormat* out) {
  if (s == "text") {
    *out = LogFormat::kText;
  } else if (s == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

bool parseLogLevel(std::string_view s, spdlog::level::level_enum* out) {
  auto level = spdlog::level::from_str(std::string(s));
  if (level == spdlog::level::off && s != "off") {
    return false;
  }
  *out = level;
  return true;
}

void initLogging(const LogOptions& options) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_options = options;
  g_sink.reset();
  auto sink = sinkLocked();
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks().clear();
    l->sinks().push_back(sink);
    l->set_level(options.level);
  });
}

const std::shared_ptr<spdlog::logger>& logger(const std::string& name) {
  // Loggers are never dropped (initLogging changes them in place), so each
  // thread keeps the ones it used: the request path neither takes spdlog's
  // registry mutex nor touches the shared reference count. A deque, because
  // a returned reference must survive the thread's later lookups.
  thread_local std::deque<std::shared_ptr<spdlog::logger>> cache;
  for (const auto& l : cache) {
    if (l->name() == name) {
      return l;
    }
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::shared_ptr<spdlog::logger> l = spdlog::get(name);
  if (l == nullptr) {
    l = std::make_shared<spdlog::logger>(name, sinkLocked());
    l->set_level(g_options.level);
    spdlog::register_logger(l);
  }
  return cache.emplace_back(std::move(l));
}

std::string maskAccount(std::string_view number) {
  const size_t n = number.size();
  size_t head = 6;
  size_t tail = 4;
  if (n < 16) {  // short account numbers: keep at most half visible
    tail = std::min<size_t>(4, n / 4);
    head = std::min<size_t>(6, n / 2 - tail);
  }
  std::string out(number);
  for (size_t i = head; i + tail < n; ++i) {
    out[i] = '*';
  }
  return out;
}

}  // namespace corebridge
