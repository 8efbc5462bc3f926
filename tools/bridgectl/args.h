// A small command-line reader for bridgectl's subcommands: "--name value",
// "--name=value", repeatable options, flags and positional arguments.
// Errors are returned, never thrown; bridgectl prints them and exits 2.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace corebridge::tools {

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool takes_value;
};

class Args {
 public:
  // Reads argv[first..]. Unknown options and missing values are errors.
  static Result<Args> parse(int argc, char** argv, int first, const std::vector<OptionSpec>& spec);

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The last value given, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace corebridge::tools
