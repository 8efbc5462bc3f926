// Small helpers the benchmark programs share: a comma-separated list of
// counts from the command line, and a percentile of measured samples.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace corebridge::bench {

// "1,8,64" -> {1, 8, 64}.
inline std::vector<int> parseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    out.push_back(std::atoi(item.c_str()));
  }
  return out;
}

// The sample at rank p (0..1) of `v`, reordering it; 0 when empty.
template <typename T>
T percentile(std::vector<T>& v, double p) {
  if (v.empty()) {
    return T{};
  }
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace corebridge::bench
