// Storage of a parsed copybook: inherited clauses, elementary sizes,
// REDEFINES, SYNC slack, offsets, OCCURS DEPENDING ON, RENAMES, and the
// spelling-out of figurative constants.
#include <algorithm>
#include <unordered_map>

#include "mappings/copybook_internal.h"

namespace corebridge::mappings::copybook_internal {
namespace {

constexpr size_t kMaxRecordBytes = size_t{1} << 40;
constexpr size_t kMaxValueChars = size_t{1} << 20;
constexpr int kMaxDigits = 38;

class Storage {
 public:
  Storage(Layout* layout, std::vector<EntryInfo>* infos, const CopybookOptions& options)
      : l_(*layout), fields_(layout->fields), infos_(*infos), options_(options) {}

  Status run(const std::vector<PendingFigurative>& figuratives) {
    for (int i = 0; i < count(); ++i) {
      if (fields_[i].level == 66) {
        continue;
      }
      inherit(i);
      CB_RETURN_IF_ERROR(elementary(i));
    }
    for (int i = 0; i < count(); ++i) {
      CB_RETURN_IF_ERROR(resolveRedefines(i));
    }
    CB_RETURN_IF_ERROR(layoutRecords());
    for (int i = 0; i < count(); ++i) {
      CB_RETURN_IF_ERROR(resolveDepending(i));
    }
    for (int i = 0; i < count(); ++i) {
      if (fields_[i].level == 66) {
        CB_RETURN_IF_ERROR(resolveRenames(i));
      }
    }
    for (const PendingFigurative& p : figuratives) {
      CB_RETURN_IF_ERROR(spellOut(p));
    }
    return okStatus();
  }

 private:
  int count() const { return static_cast<int>(fields_.size()); }
  void warn(const Token& t, const std::string& message) {
    if (options_.warnings != nullptr) {
      options_.warnings->push_back(where(t) + message);
    }
  }

  // USAGE, SIGN and SYNC written on a group apply to the items inside it.
  void inherit(int i) {
    Field& f = fields_[i];
    EntryInfo& info = infos_[i];
    if (f.parent == kNoIndex) {
      return;
    }
    const Field& p = fields_[f.parent];
    const EntryInfo& pi = infos_[f.parent];
    if (!info.usage_explicit && pi.usage_explicit) {
      f.usage = p.usage;
      info.usage_explicit = true;
    }
    if (!info.sign_explicit && pi.sign_explicit) {
      info.sign_clause = pi.sign_clause;
      info.sign_explicit = true;
    }
    if (p.sync) {
      f.sync = true;
    }
  }

  Status elementary(int i) {
    Field& f = fields_[i];
    EntryInfo& info = infos_[i];
    if (!f.children.empty()) {
      if (info.has_picture) {
        return semanticError(info.picture_token,
                             "group item " + f.name + " may not have a PICTURE");
      }
      f.category = Category::kGroup;
      return okStatus();
    }
    switch (f.usage) {
      case Usage::kFloatShort:
      case Usage::kFloatLong:
      case Usage::kPointer:
      case Usage::kIndex:
        if (info.has_picture) {
          return semanticError(info.picture_token,
                               "item " + f.name + " of this USAGE may not have a PICTURE");
        }
        if (f.usage == Usage::kFloatShort || f.usage == Usage::kFloatLong) {
          f.category = Category::kFloat;
          f.is_signed = true;
          f.length = f.usage == Usage::kFloatShort ? 4 : 8;
        } else {
          f.category = Category::kPointer;
          f.length =
              f.usage == Usage::kPointer ? static_cast<size_t>(options_.dialect.pointer_size) : 4;
        }
        return okStatus();
      default:
        break;
    }
    if (!info.has_picture) {
      return semanticError(info.level_token,
                           "elementary item " + f.name + " has no PICTURE clause");
    }
    if (f.digits > kMaxDigits) {
      return semanticError(info.picture_token, "item " + f.name + " has " +
                                                   std::to_string(f.digits) + " digits; at most " +
                                                   std::to_string(kMaxDigits) + " are supported");
    }
    bool numeric = f.category == Category::kNumeric;
    if (f.category == Category::kNational && f.usage == Usage::kDisplay) {
      f.usage = Usage::kNational;
    }
    switch (f.usage) {
      case Usage::kDisplay:
      case Usage::kNational: {
        size_t chars = info.picture_chars;
        if (numeric && f.is_signed) {
          f.sign = info.sign_explicit ? info.sign_clause : SignMode::kTrailingOverpunch;
          if (f.sign == SignMode::kLeadingSeparate || f.sign == SignMode::kTrailingSeparate) {
            ++chars;
          }
        }
        f.length = f.usage == Usage::kNational ? chars * 2 : chars;
        return okStatus();
      }
      case Usage::kBinary:
      case Usage::kNativeBinary:
        if (!numeric) {
          return needsNumeric(i, "BINARY");
        }
        if (f.digits > 18) {
          return semanticError(info.picture_token,
                               "binary item " + f.name + " has more than 18 digits");
        }
        f.length = binarySize(f.usage, f.digits);
        return okStatus();
      case Usage::kPacked:
        if (!numeric) {
          return needsNumeric(i, "PACKED-DECIMAL");
        }
        f.length = static_cast<size_t>(f.digits) / 2 + 1;
        return okStatus();
      default:
        return okStatus();
    }
  }

  Status needsNumeric(int i, const char* usage) {
    return semanticError(infos_[i].picture_token, std::string("USAGE ") + usage + " item " +
                                                      fields_[i].name + " needs a numeric PICTURE");
  }

  size_t binarySize(Usage usage, int digits) const {
    const Dialect& d = options_.dialect;
    BinarySizeRule rule = d.binary_size;
    if (usage == Usage::kNativeBinary && d.native_binary_size) {
      rule = *d.native_binary_size;
    }
    if (rule == BinarySizeRule::kGnu1248 && digits <= 2) {
      return 1;
    }
    if (digits <= 4) {
      return 2;
    }
    if (digits <= 9) {
      return 4;
    }
    return 8;
  }

  // Redefinitions point at the original item: B REDEFINES A and C REDEFINES
  // B both get `redefines` == A, and A lists B and C in `redefined_by`.
  Status resolveRedefines(int i) {
    EntryInfo& info = infos_[i];
    if (info.redefines_name.empty()) {
      return okStatus();
    }
    Field& f = fields_[i];
    const std::vector<int>& siblings =
        f.parent == kNoIndex ? l_.records : fields_[f.parent].children;
    auto me = std::find(siblings.begin(), siblings.end(), i);
    int target = kNoIndex;
    for (auto it = me; it != siblings.begin();) {
      --it;
      bool record = f.level == 1 || f.level == 77;
      bool target_record = fields_[*it].level == 1 || fields_[*it].level == 77;
      if (fields_[*it].name == info.redefines_name && !fields_[*it].filler &&
          record == target_record) {
        target = *it;
        break;
      }
    }
    if (target == kNoIndex) {
      return semanticError(info.redefines_token,
                           "REDEFINES target " + info.redefines_name +
                               " is not a preceding item at the same level as " + f.name);
    }
    while (fields_[target].redefines != kNoIndex) {
      target = fields_[target].redefines;
    }
    f.redefines = target;
    fields_[target].redefined_by.push_back(i);
    return okStatus();
  }

  size_t alignmentOf(const Field& f) const {
    if (!f.sync || !f.children.empty()) {
      return 1;
    }
    switch (f.usage) {
      case Usage::kBinary:
      case Usage::kNativeBinary:
      case Usage::kFloatShort:
      case Usage::kFloatLong:
      case Usage::kPointer:
      case Usage::kIndex:
        return f.length;
      default:
        return 1;
    }
  }

  Status layoutRecords() {
    size_t area_cursor = 0;  // items of a copybook without 01
    bool area_odo = false;
    for (int r : l_.records) {
      Field& f = fields_[r];
      bool odo = false;
      if (f.level == 1 || f.level == 77) {
        odo_before_[r] = false;
        CB_RETURN_IF_ERROR(place(r, 0, &odo));
        continue;
      }
      if (f.redefines != kNoIndex) {
        odo = odo_before_[f.redefines];
        CB_RETURN_IF_ERROR(place(r, fields_[f.redefines].offset, &odo));
        area_odo = area_odo || odo;
        area_cursor = std::max(area_cursor, f.offset + f.totalLength());
        continue;
      }
      size_t align = alignmentOf(f);
      area_cursor = (area_cursor + align - 1) / align * align;
      odo_before_[r] = area_odo;
      CB_RETURN_IF_ERROR(place(r, area_cursor, &area_odo));
      area_cursor = f.offset + f.totalLength();
    }
    return okStatus();
  }

  // Lays out field i at `offset`. *odo says whether an ODO table precedes it
  // and is set when this field is or holds one. Returns the largest
  // alignment of a SYNC item inside it through *align.
  Status place(int i, size_t offset, bool* odo, size_t* max_align = nullptr) {
    Field& f = fields_[i];
    f.offset = offset;
    f.after_odo = *odo;
    size_t align = alignmentOf(f);
    if (!f.children.empty()) {
      size_t cursor = offset;
      size_t end = offset;
      bool flag = *odo;
      for (int c : f.children) {
        Field& child = fields_[c];
        if (child.redefines != kNoIndex) {
          bool alt = odo_before_[child.redefines];
          const Field& origin = fields_[child.redefines];
          CB_RETURN_IF_ERROR(place(c, origin.offset, &alt, &align));
          flag = flag || alt;
          size_t child_end = child.offset + child.totalLength();
          if (child.totalLength() > origin.totalLength()) {
            warn(infos_[c].level_token, child.name + " is longer than the item " + origin.name +
                                            " it redefines; the area is the longer of the two");
          }
          cursor = std::max(cursor, child_end);
          end = std::max(end, child_end);
          continue;
        }
        size_t a = alignmentOf(child);
        cursor = (cursor + a - 1) / a * a;
        odo_before_[c] = flag;
        CB_RETURN_IF_ERROR(place(c, cursor, &flag, &align));
        cursor = child.offset + child.totalLength();
        end = std::max(end, cursor);
      }
      f.length = end - offset;
      // Slack at the end of each occurrence keeps SYNC items aligned in
      // every occurrence of a table.
      if (f.has_occurs && align > 1) {
        f.length = (f.length + align - 1) / align * align;
      }
      *odo = flag;
    }
    if (f.occurs_max > 1 && f.length > kMaxRecordBytes / static_cast<size_t>(f.occurs_max)) {
      return semanticError(infos_[i].level_token, "item " + f.name + " is too large");
    }
    if (offset + f.totalLength() > kMaxRecordBytes) {
      return semanticError(infos_[i].level_token, "item " + f.name + " is too large");
    }
    if (!f.depending_on.empty()) {
      *odo = true;
    }
    if (max_align != nullptr) {
      *max_align = std::max(*max_align, align);
    }
    return okStatus();
  }

  Status resolveDepending(int i) {
    Field& f = fields_[i];
    if (f.depending_on.empty()) {
      return okStatus();
    }
    const Token& at = infos_[i].depending_token;
    // The object is looked up in the table's own record first, so that
    // alternative 01 layouts may reuse names.
    int root = i;
    while (fields_[root].parent != kNoIndex) {
      root = fields_[root].parent;
    }
    int obj = kNoIndex;
    for (int c = 0; c < count(); ++c) {
      int r = c;
      while (fields_[r].parent != kNoIndex) {
        r = fields_[r].parent;
      }
      if (r != root || fields_[c].level == 66 || !matches(c, f.depending_on)) {
        continue;
      }
      obj = obj == kNoIndex ? c : -2;
    }
    if (obj < 0) {
      obj = l_.find(f.depending_on);
    }
    if (obj == kNoIndex) {
      return semanticError(
          at, "DEPENDING ON object " + f.depending_on + " is not defined (or not unique)");
    }
    const Field& o = fields_[obj];
    if (!o.children.empty() || o.category != Category::kNumeric || o.scale > 0 || o.level == 66) {
      return semanticError(
          at, "DEPENDING ON object " + f.depending_on + " is not a numeric integer item");
    }
    for (int a = obj; a != kNoIndex; a = fields_[a].parent) {
      if (a == i) {
        return semanticError(
            at, "DEPENDING ON object " + f.depending_on + " is inside the table " + f.name);
      }
    }
    f.depending_field = obj;
    return okStatus();
  }

  bool matches(int candidate, const std::string& qualified) const {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos <= qualified.size()) {
      size_t sp = qualified.find(" OF ", pos);
      size_t sp2 = qualified.find(" IN ", pos);
      size_t cut = std::min(sp, sp2);
      if (cut == std::string::npos) {
        cut = qualified.size();
      }
      parts.push_back(qualified.substr(pos, cut - pos));
      pos = cut + 4;
    }
    if (fields_[candidate].name != parts[0] || fields_[candidate].filler) {
      return false;
    }
    size_t k = 1;
    for (int a = fields_[candidate].parent; a != kNoIndex && k < parts.size();
         a = fields_[a].parent) {
      if (fields_[a].name == parts[k]) {
        ++k;
      }
    }
    return k == parts.size();
  }

  Result<int> renamed(int i, const std::string& name, const Token& at) {
    int record = fields_[i].parent;
    for (int c = record; c < i; ++c) {
      if (fields_[c].level == 66 || !matches(c, name)) {
        continue;
      }
      if (fields_[c].level == 1 || fields_[c].level == 77) {
        return semanticError(at, "RENAMES may not name the record " + name);
      }
      return c;
    }
    return semanticError(at, "RENAMES object " + name + " is not an item of record " +
                                 fields_[record].name + " before " + fields_[i].name);
  }

  Status resolveRenames(int i) {
    EntryInfo& info = infos_[i];
    CB_ASSIGN_OR_RETURN(int first, renamed(i, info.renames_from, info.renames_token));
    int last = first;
    if (!info.renames_thru.empty()) {
      CB_ASSIGN_OR_RETURN(last, renamed(i, info.renames_thru, info.renames_token));
    }
    Field& f = fields_[i];
    const Field& a = fields_[first];
    const Field& b = fields_[last];
    size_t end = std::max(a.offset + a.totalLength(), b.offset + b.totalLength());
    if (b.offset + b.totalLength() <= a.offset && last != first) {
      return semanticError(info.renames_token, "RENAMES THRU object " + info.renames_thru +
                                                   " precedes " + info.renames_from);
    }
    f.renames_first = first;
    f.renames_last = last;
    f.offset = a.offset;
    f.length = end - a.offset;
    f.after_odo = a.after_odo;
    if (first == last && a.children.empty() && !a.has_occurs) {
      f.category = a.category;
      f.usage = a.usage;
      f.picture = a.picture;
      f.digits = a.digits;
      f.scale = a.scale;
      f.is_signed = a.is_signed;
      f.sign = a.sign;
      f.justified_right = a.justified_right;
      f.blank_when_zero = a.blank_when_zero;
    } else {
      f.category = Category::kGroup;
    }
    return okStatus();
  }

  // Spells out a figurative constant for the item it initialises (or the
  // item whose condition it is a value of).
  Status spellOut(const PendingFigurative& p) {
    const Field& f = fields_[p.field];
    bool numeric = f.category == Category::kNumeric || f.category == Category::kFloat ||
                   f.category == Category::kPointer;
    size_t chars = f.usage == Usage::kNational ? f.length / 2 : f.length;
    std::string text;
    if (p.figurative == "ZERO" && numeric) {
      text = "0";
    } else {
      if (chars > kMaxValueChars) {
        return semanticError(infos_[p.field].level_token,
                             "VALUE of " + f.name + " is too long to spell out");
      }
      if (p.figurative == "SPACE") {
        text.assign(chars, ' ');
      } else if (p.figurative == "ZERO") {
        text.assign(chars, '0');
      } else if (p.figurative == "QUOTE") {
        text.assign(chars, '"');
      } else if (p.figurative == "ALL") {
        while (text.size() < chars) {
          text += p.all_text;
        }
        text.resize(chars);
      } else {
        std::string bytes(chars, p.figurative == "HIGH-VALUE" ? '\xFF' : '\0');
        options_.dialect.code_page->decode(reinterpret_cast<const uint8_t*>(bytes.data()),
                                           bytes.size(), &text);
      }
    }
    Field& owner = fields_[p.field];
    if (p.condition < 0) {
      owner.value = text;
    } else {
      ConditionValue& v = owner.conditions[p.condition].values[p.value];
      (p.high ? v.high : v.low) = text;
    }
    return okStatus();
  }

  Layout& l_;
  std::vector<Field>& fields_;
  std::vector<EntryInfo>& infos_;
  const CopybookOptions& options_;
  // Whether an ODO table precedes each item; REDEFINES alternatives start
  // from the state before the item they redefine.
  std::unordered_map<int, bool> odo_before_;
};

}  // namespace

Status computeStorage(Layout* layout, std::vector<EntryInfo>* infos,
                      const std::vector<PendingFigurative>& figuratives,
                      const CopybookOptions& options) {
  Storage storage(layout, infos, options);
  return storage.run(figuratives);
}

}  // namespace corebridge::mappings::copybook_internal
