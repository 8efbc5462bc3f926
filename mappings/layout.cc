#include "mappings/layout.h"

#include <algorithm>
#include <cctype>

namespace corebridge::mappings {

Dialect Dialect::gnuCobol() {
  Dialect d;
  d.code_page = &CodePage::ascii();
  d.binary_size = BinarySizeRule::kGnu1248;
  d.binary_order = ByteOrder::kBigEndian;
  d.native_order = ByteOrder::kLittleEndian;
  d.float_format = FloatFormat::kIeee;
  d.pointer_size = 8;
  d.ascii_sign = AsciiSign::kGnuCobol;
  return d;
}

size_t Layout::maxLength() const {
  size_t n = 0;
  for (int r : records) {
    n = std::max(n, fields[r].totalLength() + fields[r].offset);
  }
  return n;
}

namespace {

// Splits "A OF B OF C" or "C.B.A" into innermost-first names: {A, B, C}.
std::vector<std::string> qualifiers(std::string_view name) {
  std::vector<std::string> parts;
  std::string upper;
  for (char c : name) {
    upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (upper.find('.') != std::string::npos) {
    size_t start = 0;
    while (start <= upper.size()) {
      size_t dot = upper.find('.', start);
      if (dot == std::string::npos) {
        dot = upper.size();
      }
      parts.push_back(upper.substr(start, dot - start));
      start = dot + 1;
    }
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  size_t pos = 0;
  while (pos < upper.size()) {
    size_t of = upper.find(" OF ", pos);
    size_t in = upper.find(" IN ", pos);
    size_t cut = std::min(of, in);
    if (cut == std::string::npos) {
      cut = upper.size();
    }
    std::string part = upper.substr(pos, cut - pos);
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    parts.push_back(part);
    pos = cut == upper.size() ? cut : cut + 4;
  }
  return parts;
}

// True for a bare COBOL name already in upper case (no qualifier, no
// space): the form the mapping code passes on every request, which needs no
// splitting or copying.
bool isPlainUpperName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

int Layout::find(std::string_view name) const {
  // A plain upper-case name is its own only qualifier: no splitting or copying.
  std::vector<std::string> q;
  std::string_view innermost = name;
  if (!isPlainUpperName(name)) {
    q = qualifiers(name);
    if (q.empty()) {
      return kNoIndex;
    }
    innermost = q[0];
  }
  int found = kNoIndex;
  for (int i = 0; i < static_cast<int>(fields.size()); ++i) {
    const Field& f = fields[i];
    if (f.filler || f.name != innermost) {
      continue;
    }
    // Each further qualifier must name an ancestor, in order.
    int anc = f.parent;
    size_t k = 1;
    while (k < q.size() && anc != kNoIndex) {
      if (fields[anc].name == q[k]) {
        ++k;
      }
      anc = fields[anc].parent;
    }
    if (k < q.size()) {
      continue;
    }
    if (found != kNoIndex) {
      return kNoIndex;  // ambiguous
    }
    found = i;
  }
  return found;
}

std::string Layout::path(int index) const {
  std::vector<const std::string*> names;
  for (int i = index; i != kNoIndex; i = fields[i].parent) {
    names.push_back(&fields[i].name);
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!out.empty()) {
      out.push_back('.');
    }
    out += **it;
  }
  return out;
}

bool Layout::hasOdo(int index) const {
  const Field& f = fields[index];
  if (!f.depending_on.empty()) {
    return true;
  }
  for (int c : f.children) {
    if (hasOdo(c)) {
      return true;
    }
  }
  return false;
}

}  // namespace corebridge::mappings
