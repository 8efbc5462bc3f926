#include "tools/bridgectl/args.h"

namespace corebridge::tools {

Result<Args> Args::parse(int argc, char** argv, int first, const std::vector<OptionSpec>& spec) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      args.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec* s = nullptr;
    for (const OptionSpec& o : spec) {
      if (o.name == name) {
        s = &o;
      }
    }
    if (s == nullptr) {
      return invalidArgument("unknown option --" + name + " (see --help)");
    }
    if (s->takes_value && !inline_value) {
      if (i + 1 >= argc) {
        return invalidArgument("option --" + name + " needs a value");
      }
      value = argv[++i];
    } else if (!s->takes_value && inline_value) {
      return invalidArgument("option --" + name + " takes no value");
    }
    args.values_[name].push_back(value);
  }
  return args;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

const std::vector<std::string>& Args::all(const std::string& name) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(name);
  return it == values_.end() ? kNone : it->second;
}

}  // namespace corebridge::tools
