// libFuzzer target for the copybook compiler: any bytes either fail with
// InvalidArgument or compile into a Layout whose invariants hold (tree links
// agree, children lie inside their parent, redefinitions share an offset,
// names resolve). abort() on a broken invariant.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mappings/copybook.h"

namespace {

using corebridge::mappings::Category;
using corebridge::mappings::Field;
using corebridge::mappings::kNoIndex;
using corebridge::mappings::Layout;

void check(bool ok) {
  if (!ok) std::abort();
}

void checkLayout(const Layout& l) {
  const int n = static_cast<int>(l.fields.size());
  check(n > 0 && !l.records.empty());
  for (int r : l.records) {
    check(r >= 0 && r < n);
    check(l.fields[r].parent == kNoIndex);
  }
  for (int i = 0; i < n; ++i) {
    const Field& f = l.fields[i];
    check(f.occurs_max >= 1 && f.occurs_min >= 0 && f.occurs_min <= f.occurs_max);
    check(f.digits >= 0 && f.digits <= 38);
    check(f.parent == kNoIndex || (f.parent >= 0 && f.parent < i));
    if (f.level == 66) {
      check(f.renames_first >= 0 && f.renames_first < i);
      check(f.renames_last >= 0 && f.renames_last < i);
      continue;
    }
    if (f.parent != kNoIndex) {
      const Field& p = l.fields[f.parent];
      bool listed = false;
      for (int c : p.children) listed = listed || c == i;
      check(listed);
      if (!f.after_odo) {
        check(f.offset >= p.offset);
        check(f.offset + f.totalLength() <= p.offset + p.length);
      }
    }
    for (int c : f.children) check(c > i && c < n && l.fields[c].parent == i);
    check(f.children.empty() == (f.category != Category::kGroup));
    if (f.category != Category::kGroup) check(f.length > 0);
    if (f.redefines != kNoIndex) {
      const Field& t = l.fields[f.redefines];
      check(f.redefines < i && t.offset == f.offset && t.parent == f.parent);
      bool listed = false;
      for (int c : t.redefined_by) listed = listed || c == i;
      check(listed);
    }
    if (!f.depending_on.empty()) {
      check(f.depending_field >= 0 && f.depending_field < n);
      check(l.fields[f.depending_field].category == Category::kNumeric);
    }
    if (!f.filler && f.level != 66) {
      int found = l.find(f.name);
      check(found == kNoIndex || l.fields[found].name == f.name);
    }
  }
  size_t max = 0;
  for (int r : l.records) max = std::max(max, l.fields[r].offset + l.fields[r].totalLength());
  check(max == l.maxLength());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  corebridge::mappings::CopybookOptions options;  // format auto, no search path
  auto result = corebridge::mappings::parseCopybook(text, "fuzz.cpy", options);
  if (!result.ok()) {
    check(result.status().code() == corebridge::StatusCode::kInvalidArgument);
    return 0;
  }
  checkLayout(*result);
  return 0;
}
