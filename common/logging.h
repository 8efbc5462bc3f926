// Named spdlog loggers, one per component (bridge, legacy, newcore, dualwrite,
// admin, mappings, tools), all writing to stderr in text or JSON.
//
// Call initLogging() once from main(); logger("name") is then safe from any
// thread and returns the same logger for the same name.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace corebridge {

enum class LogFormat { kText, kJson };

struct LogOptions {
  LogFormat format = LogFormat::kText;
  spdlog::level::level_enum level = spdlog::level::info;
};

// Parses "text"/"json" and "trace|debug|info|warn|error|off"; false when unknown.
bool parseLogFormat(std::string_view s, LogFormat* out);
bool parseLogLevel(std::string_view s, spdlog::level::level_enum* out);

void initLogging(const LogOptions& options);

// The named logger, created on first use with the options of initLogging().
// The reference stays valid for the calling thread's lifetime.
const std::shared_ptr<spdlog::logger>& logger(const std::string& name);

// Masks an account or card number for logs and reports: at most the first six
// and last four digits stay visible ("4000001234567899" -> "400000******7899").
// Numbers shorter than 16 keep at most half their digits visible.
std::string maskAccount(std::string_view number);

}  // namespace corebridge
