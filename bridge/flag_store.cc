#include "bridge/flag_store.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace corebridge::bridge {

namespace {

constexpr std::array<std::string_view, 3> kChangeStateNames = {"pending", "applied", "rejected"};

}  // namespace

std::string_view changeStateName(ChangeState s) {
  return kChangeStateNames[static_cast<size_t>(s)];
}

Result<ChangeState> parseChangeState(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (size_t i = 0; i < kChangeStateNames.size(); ++i) {
    if (lower == kChangeStateNames[i]) {
      return static_cast<ChangeState>(i);
    }
  }
  return invalidArgument("unknown change state '" + std::string(name) +
                         "' (pending, applied, rejected)");
}

std::string describeSetting(Stage stage, int ramp_percent) {
  std::string out(stageName(stage));
  if (stage == Stage::kNewPrimary && ramp_percent < 100) {
    out += " " + std::to_string(ramp_percent) + "%";
  }
  return out;
}

}  // namespace corebridge::bridge
