#include "bridge/cutover.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace corebridge::bridge {

namespace {

constexpr std::array<std::string_view, 5> kStageNames = {"LEGACY_ONLY", "DUAL_WRITE", "SHADOW",
                                                         "NEW_PRIMARY", "NEW_ONLY"};

}  // namespace

std::string_view stageName(Stage stage) { return kStageNames[static_cast<size_t>(stage)]; }

Result<Stage> parseStage(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (size_t i = 0; i < kStageNames.size(); ++i) {
    if (upper == kStageNames[i]) {
      return static_cast<Stage>(i);
    }
  }
  return invalidArgument("unknown stage '" + std::string(name) +
                         "' (LEGACY_ONLY, DUAL_WRITE, SHADOW, NEW_PRIMARY, NEW_ONLY)");
}

std::string_view sideName(Side side) { return side == Side::kLegacy ? "legacy" : "new"; }

LineSetting StageTable::settingOf(const std::string& line) const {
  auto it = lines.find(line);
  if (it == lines.end()) {
    LineSetting s;
    s.stage = default_stage;
    return s;
  }
  return it->second;
}

int rampBucket(std::string_view account) {
  uint32_t h = 2166136261u;
  for (unsigned char c : account) {
    h ^= c;
    h *= 16777619u;
  }
  return static_cast<int>(h % 100u);
}

Route route(const StageTable& table, const std::vector<std::string>& lines, bool write,
            std::string_view account) {
  return route(table, lines, write, std::vector<std::string>{std::string(account)});
}

Route route(const StageTable& table, const std::vector<std::string>& lines, bool write,
            const std::vector<std::string>& accounts) {
  // The least migrated stage among the lines; a ramp below 100 on any
  // NEW_PRIMARY line among them applies (the smallest).
  Stage stage = lines.empty() ? table.default_stage : Stage::kNewOnly;
  int ramp = 100;
  for (const std::string& line : lines) {
    const LineSetting s = table.settingOf(line);
    stage = std::min(stage, s.stage);
    if (s.stage == Stage::kNewPrimary) {
      ramp = std::min(ramp, std::clamp(s.ramp_percent, 0, 100));
    }
  }
  bool ramped_out = false;
  bool mixed = false;
  if (stage == Stage::kNewPrimary) {
    size_t in = 0;
    for (const std::string& account : accounts) {
      in += rampBucket(account) < ramp ? 1 : 0;
    }
    if (in < accounts.size()) {
      stage = Stage::kShadow;
      ramped_out = true;
      mixed = in > 0;
    }
  }
  Route r;
  r.ramped_out = ramped_out;
  r.mixed = mixed;
  r.stage = stage;
  switch (stage) {
    case Stage::kLegacyOnly:
      break;
    case Stage::kDualWrite:
      r.secondary = write;
      r.compare = write;
      break;
    case Stage::kShadow:
      r.secondary = true;
      r.compare = true;
      break;
    case Stage::kNewPrimary:
      r.primary = Side::kNew;
      r.secondary = true;
      r.compare = true;
      break;
    case Stage::kNewOnly:
      r.primary = Side::kNew;
      break;
  }
  return r;
}

}  // namespace corebridge::bridge
