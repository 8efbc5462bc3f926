#include "mappings/record_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <iterator>
#include <optional>

#include "mappings/field_codec.h"
#include "mappings/json.h"

namespace corebridge::mappings {

namespace {

// A select rule with its names resolved to field indices and its values
// parsed for the discriminator's type.
struct ResolvedRule {
  int discriminator = kNoIndex;
  std::vector<std::string> texts;
  std::vector<Decimal> numbers;
  int alternative = kNoIndex;
};

enum class LeafKind : uint8_t { kText, kNumber, kFloat };

LeafKind leafKind(const Field& f) {
  switch (f.category) {
    case Category::kNumeric:
    case Category::kNumericEdited:
    case Category::kPointer:
      return LeafKind::kNumber;
    case Category::kFloat:
      return LeafKind::kFloat;
    default:
      return LeafKind::kText;
  }
}

std::string_view trimTrailingSpaces(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && s[n - 1] == ' ') {
    --n;
  }
  return s.substr(0, n);
}

bool isStructural(const Field& f) { return f.level == 66 || f.level == 88; }

}  // namespace

// The slots and JSON shape of every record that makes the same choices.
struct StaticShape {
  int record = kNoIndex;
  size_t length = 0;
  std::vector<Slot> slots;  // field, offset, length; kind kRaw or kNull (a value)
  std::vector<LeafKind> kinds;
  std::vector<RecordEvent> events;
};

// A child of a group as the walk needs it, computed once by create().
struct ChildPlan {
  int field;
  size_t rel;         // static offset within the group
  size_t area;        // bytes it and its REDEFINES alternatives occupy
  bool alternatives;  // redefined by other items: an alternative is chosen
  bool simple_leaf;   // elementary, no OCCURS, not redefined
};

struct RecordCodec::Plan {
  std::vector<std::vector<ChildPlan>> children;  // by group index
  int default_record = kNoIndex;
  bool wrap_records = false;    // several 01 records: JSON objects are {"REC": {...}}
  int top_area = 0;             // index of the top-level area in rules_by_area
  size_t fixed_length = 0;      // one 01 record without ODO: its length; else 0
  bool record_has_odo = false;  // the default record holds an ODO table
  // Records without ODO have one shape per combination of the alternatives
  // their select rules pick (one shape when there are no rules). Such records
  // decode through a flat list of slots instead of the walk: the rules are
  // evaluated on the bytes, and the combination names the shape.
  std::vector<StaticShape> shapes;            // empty: always walk
  std::vector<int> choice_areas;              // area keys that have rules
  std::vector<std::vector<int>> choice_alts;  // per area: the alternatives its rules name
  std::vector<std::vector<ResolvedRule>> rules_by_area;
  bool has_rules = false;
  std::vector<uint8_t> odo_object;  // by field index: some table depends on it
  std::vector<int> odo_objects;     // the same, as a list
};

// ---------------------------------------------------------------------------
// Record

void Record::reset() {
  shape_ = nullptr;
  used_ = 0;
  events_used_ = 0;
  record_ = kNoIndex;
  length_ = 0;
  warnings_ = 0;
}

const Value* Record::first(int field) const {
  for (const Slot& s : slots()) {
    if (s.field == field && s.value.kind != Value::Kind::kRaw) {
      return &s.value;
    }
  }
  return nullptr;
}

const Value* Record::find(const Layout& layout, std::string_view path) const {
  std::string want(path);
  for (char& c : want) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  // Names of the open containers, each with its element counter when it is a table.
  struct Frame {
    std::string path;
    bool array;
    int count;
  };
  std::vector<Frame> stack;
  auto childPath = [&](int field) {
    std::string p = stack.empty() ? std::string() : stack.back().path;
    if (!stack.empty() && stack.back().array) {
      return p + "[" + std::to_string(++stack.back().count) + "]";
    }
    if (!p.empty()) {
      p.push_back('.');
    }
    return p + layout.fields[field].name;
  };
  auto matches = [&](const std::string& full) {
    if (full == want) {
      return true;
    }
    // The record name may be left out.
    size_t dot = full.find('.');
    return dot != std::string::npos && full.compare(dot + 1, std::string::npos, want) == 0;
  };
  std::string rec = record_ == kNoIndex ? std::string() : layout.fields[record_].name;
  stack.push_back({rec, false, 0});
  for (const RecordEvent& e : events()) {
    switch (e.type) {
      case RecordEvent::Type::kBeginObject:
        stack.push_back({childPath(e.field), false, 0});
        break;
      case RecordEvent::Type::kBeginArray:
        stack.push_back({childPath(e.field), true, 0});
        break;
      case RecordEvent::Type::kEndObject:
      case RecordEvent::Type::kEndArray:
        stack.pop_back();
        break;
      case RecordEvent::Type::kLeaf:
        if (matches(childPath(e.field))) {
          return &slots_[e.slot].value;
        }
        break;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// The walk over a record's layout, shared by decode (bytes in) and fromJson
// (JSON in). It places every slot at its offset, expands tables, picks one
// alternative per REDEFINES area and covers gaps with raw slots; the Source
// supplies values, table counts and alternatives.
//
// Offsets: each field has a static offset (at maximum ODO sizes). `shift` is
// how far the real offset lags behind the static one after smaller-than-max
// ODO tables; it only ever grows more negative.

template <typename Source>
class Walker {
 public:
  Walker(const Layout& layout, const RecordCodec::Plan& plan, Record* rec, Source* src)
      : layout_(layout), plan_(plan), rec_(rec), src_(src) {}

  Status walkRecord() {
    rec_->reset();
    if (rec_->odo_values_.size() < layout_.fields.size()) {
      rec_->odo_values_.resize(layout_.fields.size());
    }
    // An ODO object left in an alternative this record does not use must not
    // lend the previous record's count to a table.
    for (int object : plan_.odo_objects) {
      rec_->odo_values_[object] = -1;
    }
    int record;
    CB_RETURN_IF_ERROR(src_->chooseRecord(plan_, &record));
    rec_->record_ = record;
    const Field& r = layout_.fields[record];
    if (plan_.wrap_records) {
      beginObject(record);
    }
    size_t size = 0;
    CB_RETURN_IF_ERROR(walkGroupBody(record, 0, r.offset, &size));
    if (plan_.wrap_records) {
      endObject(record);
    }
    // The bytes past a shorter record are kept raw when the area is sized
    // for the longest: a file of several record layouts padded to the
    // longest (FB), or a COMMAREA whose ODO table is below its maximum.
    std::optional<size_t> input = src_->inputSize();
    const bool padded_area = layout_.records.size() > 1 || plan_.record_has_odo;
    if (input && *input > size && padded_area && *input <= layout_.maxLength()) {
      CB_RETURN_IF_ERROR(gap(size, *input - size, kSpaceFill));
      size = *input;
    }
    rec_->length_ = size;
    rec_->warnings_ = src_->warnings();
    return src_->finish(*rec_);
  }

 private:
  Status walkGroupBody(int gi, size_t actual, size_t static_off, size_t* size) {
    const Field& g = layout_.fields[gi];
    const ptrdiff_t start_shift =
        static_cast<ptrdiff_t>(actual) - static_cast<ptrdiff_t>(static_off);
    ptrdiff_t shift = start_shift;
    size_t cursor = static_off;  // static end of what is covered so far
    for (const ChildPlan& c : plan_.children[gi]) {
      const size_t c_static = static_off + c.rel;
      if (c_static > cursor) {
        CB_RETURN_IF_ERROR(gap(cursor + shift, c_static - cursor, 0));
      }
      if (c.simple_leaf) {  // the common case: an elementary item, no table, no REDEFINES
        CB_RETURN_IF_ERROR(leaf(c.field, c_static + shift, -1));
        cursor = c_static + c.area;
        continue;
      }
      int chosen = c.field;
      if (c.alternatives) {
        CB_RETURN_IF_ERROR(src_->chooseAlternative(plan_.rules_by_area[c.field], c.field, &chosen));
      }
      const size_t chosen_total = layout_.fields[chosen].totalLength();
      size_t used = 0;
      CB_RETURN_IF_ERROR(walkItem(chosen, c_static + shift, c_static, &used));
      shift += static_cast<ptrdiff_t>(used) - static_cast<ptrdiff_t>(chosen_total);
      if (chosen_total < c.area) {
        CB_RETURN_IF_ERROR(gap(c_static + chosen_total + shift, c.area - chosen_total, kSpaceFill));
      }
      cursor = c_static + c.area;
    }
    const size_t end = static_off + g.length;
    if (cursor < end) {
      CB_RETURN_IF_ERROR(gap(cursor + shift, end - cursor, 0));
    }
    *size = static_cast<size_t>(static_cast<ptrdiff_t>(g.length) + shift - start_shift);
    return okStatus();
  }

  Status walkItem(int fi, size_t actual, size_t static_off, size_t* size) {
    const Field& f = layout_.fields[fi];
    if (f.filler && f.isGroup()) {  // FILLER groups are kept whole, as stored
      *size = f.totalLength();
      return gap(actual, f.totalLength(), 0, fi);
    }
    int count = f.occurs_max;
    if (f.depending_field != kNoIndex) {
      int64_t odo = rec_->odo_values_[f.depending_field];
      if (odo < 0) {
        return invalidArgument(fmt::format(
            "field {} at offset {}: its OCCURS DEPENDING ON object {} was not decoded before it "
            "(it lies in a REDEFINES alternative this record does not use)",
            path(fi), actual, layout_.path(f.depending_field)));
      }
      CB_RETURN_IF_ERROR(src_->occurrences(f, odo, *this, fi, &count));
      if (count < f.occurs_min || count > f.occurs_max) {
        return invalidArgument(fmt::format(
            "field {} at offset {}: OCCURS DEPENDING ON {} = {} is outside {} TO {}", path(fi),
            actual, layout_.fields[f.depending_field].name, count, f.occurs_min, f.occurs_max));
      }
    }
    const bool table = f.has_occurs;
    if (table) {
      CB_RETURN_IF_ERROR(src_->beginArray(f, *this, fi, count));
      event(RecordEvent::Type::kBeginArray, fi);
      path_.push_back({fi, 0});
    }
    size_t used = 0;
    for (int k = 0; k < count; ++k) {
      if (table) {
        path_.back().occurrence = k + 1;
      }
      if (f.isGroup()) {
        beginObject(fi);
        CB_RETURN_IF_ERROR(src_->beginObject(f, *this, fi, table ? k : -1));
        size_t sz = 0;
        CB_RETURN_IF_ERROR(
            walkGroupBody(fi, actual + used, static_off + static_cast<size_t>(k) * f.length, &sz));
        src_->endObject();
        endObject(fi);
        used += sz;
      } else {
        CB_RETURN_IF_ERROR(leaf(fi, actual + used, table ? k : -1));
        used += f.length;
      }
    }
    if (table) {
      path_.pop_back();
      src_->endArray();
      event(RecordEvent::Type::kEndArray, fi);
    }
    *size = used;
    return okStatus();
  }

  Status leaf(int fi, size_t offset, int occurrence) {
    const Field& f = layout_.fields[fi];
    Slot& s = rec_->addSlot(fi, offset, f.length);
    if (f.filler) {
      s.value.kind = Value::Kind::kRaw;
      return src_->raw(s, 0, fi);
    }
    event(RecordEvent::Type::kLeaf, fi, static_cast<uint32_t>(rec_->used_ - 1));
    CB_RETURN_IF_ERROR(src_->leaf(f, s, occurrence, *this));
    if (plan_.odo_object[fi]) {
      if (s.value.kind != Value::Kind::kNumber || s.value.number.scale != 0 ||
          s.value.number.unscaled < 0 || s.value.number.unscaled > INT32_MAX) {
        return invalidArgument(fmt::format(
            "field {} at offset {}: an OCCURS DEPENDING ON count must be a whole number >= 0",
            path(fi), offset));
      }
      rec_->odo_values_[fi] = static_cast<int64_t>(s.value.number.unscaled);
    }
    return okStatus();
  }

  static constexpr int kSpaceFill = 1;

  Status gap(size_t offset, size_t length, int fill, int field = kNoIndex) {
    Slot& s = rec_->addSlot(field, offset, length);
    s.value.kind = Value::Kind::kRaw;
    return src_->raw(s, fill, field);
  }

  void event(RecordEvent::Type t, int fi, uint32_t slot = 0) { rec_->addEvent(t, fi, slot); }
  void beginObject(int fi) { event(RecordEvent::Type::kBeginObject, fi); }
  void endObject(int fi) { event(RecordEvent::Type::kEndObject, fi); }

 public:
  // "REC.HOLDS[2].AMT" for the field being walked, for error messages only.
  std::string path(int fi) const {
    std::string out = layout_.path(fi);
    // Subscripts of the enclosing tables, innermost last.
    for (const auto& [table, occurrence] : path_) {
      if (occurrence == 0) {
        continue;
      }
      std::string name = layout_.path(table);
      if (out.compare(0, name.size(), name) != 0) {
        continue;
      }
      out.insert(name.size(), "[" + std::to_string(occurrence) + "]");
    }
    return out;
  }
  const Layout& layout() const { return layout_; }

 private:
  struct PathFrame {
    int table;
    int occurrence;
  };
  const Layout& layout_;
  const RecordCodec::Plan& plan_;
  Record* rec_;
  Source* src_;
  std::vector<PathFrame> path_;
};

// ---------------------------------------------------------------------------
// Decoding: values from bytes.

namespace {

// The alternative the first matching rule picks, or kNoIndex. `text` is
// scratch space, reused across calls.
int matchRule(const std::vector<ResolvedRule>& rules, const Layout& layout, const uint8_t* p,
              size_t n, std::string* text) {
  const Dialect& d = layout.dialect;
  for (const ResolvedRule& r : rules) {
    const Field& f = layout.fields[r.discriminator];
    if (f.offset + f.length > n) {
      continue;
    }
    const uint8_t* q = p + f.offset;
    if (leafKind(f) == LeafKind::kNumber) {
      Decimal v;
      if (!decodeNumber(f, d, q, &v).ok()) {
        continue;
      }
      for (const Decimal& want : r.numbers) {
        if (v == want) {
          return r.alternative;
        }
      }
    } else {
      text->clear();
      if (!decodeText(f, d, q, text).ok()) {
        continue;
      }
      std::string_view t = trimTrailingSpaces(*text);
      for (const std::string& want : r.texts) {
        if (t == want) {
          return r.alternative;
        }
      }
    }
  }
  return kNoIndex;
}

// Area keys: a redefined item's index, or Plan::top_area for the 01 records.
using ForcedChoices = std::vector<std::pair<int, int>>;  // area key -> alternative

class ByteSource {
 public:
  ByteSource(const Layout& layout, const uint8_t* p, size_t n, bool lenient)
      : layout_(layout), d_(layout.dialect), p_(p), n_(n), lenient_(lenient) {}

  // Shape mode: alternatives come from `forced`, the input is zero bytes as
  // long as the longest record, and its length is not checked.
  void forceChoices(const ForcedChoices* forced, int top_area) {
    forced_ = forced;
    top_area_ = top_area;
  }

  Status chooseRecord(const RecordCodec::Plan& plan, int* record) {
    return choose(plan.rules_by_area[plan.top_area], plan.top_area, plan.default_record, record);
  }
  Status chooseAlternative(const std::vector<ResolvedRule>& rules, int base, int* chosen) {
    return choose(rules, base, base, chosen);
  }
  template <typename W>
  Status occurrences(const Field&, int64_t odo, const W&, int, int* count) {
    *count = static_cast<int>(odo);
    return okStatus();
  }
  template <typename W>
  Status beginArray(const Field&, const W&, int, int) {
    return okStatus();
  }
  void endArray() {}
  template <typename W>
  Status beginObject(const Field&, const W&, int, int) {
    return okStatus();
  }
  void endObject() {}
  std::optional<size_t> inputSize() const {
    return forced_ == nullptr ? std::optional<size_t>(n_) : std::nullopt;
  }

  Status raw(Slot& s, int, int field) {
    if (!inBounds(s)) {
      return tooShort(s, field);
    }
    s.value.text.assign(reinterpret_cast<const char*>(p_ + s.offset), s.length);
    return okStatus();
  }

  template <typename W>
  Status leaf(const Field& f, Slot& s, int, const W& walker) {
    if (!inBounds(s)) {
      return tooShort(s, s.field);
    }
    const uint8_t* q = p_ + s.offset;
    Value& v = s.value;
    Status st;
    switch (leafKind(f)) {
      case LeafKind::kText:
        v.kind = Value::Kind::kText;
        v.text.clear();
        st = decodeText(f, d_, q, &v.text);
        break;
      case LeafKind::kNumber:
        v.kind = Value::Kind::kNumber;
        st = decodeNumber(f, d_, q, &v.number);
        break;
      case LeafKind::kFloat:
        v.kind = Value::Kind::kFloat;
        st = decodeFloat(f, d_, q, &v.real);
        v.text.assign(reinterpret_cast<const char*>(q), f.length);
        break;
    }
    if (st.ok()) {
      return st;
    }
    if (lenient_) {
      v.kind = Value::Kind::kNull;
      ++warnings_;
      return okStatus();
    }
    return Status(st.code(), fmt::format("field {} at offset {}: {}", walker.path(s.field),
                                         s.offset, st.message()));
  }

  int warnings() const { return warnings_; }
  Status finish(Record& rec) {
    if (forced_ == nullptr && rec.length() != n_) {
      return invalidArgument(fmt::format("record is {} bytes but layout {} describes {}", n_,
                                         layout_.fields[rec.record()].name, rec.length()));
    }
    return okStatus();
  }

 private:
  bool inBounds(const Slot& s) const { return size_t{s.offset} + s.length <= n_; }
  Status tooShort(const Slot& s, int field) const {
    std::string what = field == kNoIndex ? "slack bytes" : "field " + layout_.path(field);
    return invalidArgument(fmt::format("record is {} bytes but {} at offset {} needs {}", n_, what,
                                       s.offset, s.length));
  }

  // Picks the alternative of an area from its rules; the base when it has none.
  Status choose(const std::vector<ResolvedRule>& rules, int area, int base, int* chosen) {
    *chosen = base;
    if (rules.empty()) {
      return okStatus();
    }
    if (forced_ != nullptr) {
      for (const auto& [key, alt] : *forced_) {
        if (key == area) {
          *chosen = alt;
        }
      }
      return okStatus();
    }
    std::string text;
    *chosen = matchRule(rules, layout_, p_, n_, &text);
    if (*chosen != kNoIndex) {
      return okStatus();
    }
    const Field& disc = layout_.fields[rules.front().discriminator];
    std::string shown;
    if (disc.offset + disc.length <= n_) {
      shown = hexBytes(p_ + disc.offset, disc.length);
    } else {
      shown = "beyond the record";
    }
    return invalidArgument(fmt::format(
        "no select rule matches {} at offset {} (bytes {}) for the REDEFINES of {}",
        layout_.path(rules.front().discriminator), disc.offset, shown, layout_.path(base)));
  }

  const Layout& layout_;
  const Dialect& d_;
  const uint8_t* p_;
  size_t n_;
  bool lenient_;
  int warnings_ = 0;
  const ForcedChoices* forced_ = nullptr;
  int top_area_ = 0;
};

// ---------------------------------------------------------------------------
// fromJson: values from a JSON object of the shape toJson writes.

class JsonSource {
 public:
  JsonSource(const Layout& layout, const JsonValue& root) : layout_(layout) {
    stack_.push_back(&root);
  }

  Status chooseRecord(const RecordCodec::Plan& plan, int* record) {
    *record = plan.default_record;
    if (!plan.wrap_records) {
      const Field& r = layout_.fields[*record];
      return checkKeys(*stack_.back(), r, r.name);
    }
    // {"REC-NAME": {...}}: the single key names the record.
    const JsonValue& root = *stack_.back();
    if (root.members().size() != 1) {
      return invalidArgument(fmt::format(
          "the copybook has several 01 records: expected an object with one key naming the "
          "record, found {} keys",
          root.members().size()));
    }
    const std::string& key = root.members().front().first;
    for (int r : layout_.records) {
      const Field& rf = layout_.fields[r];
      if (rf.level == 1 && rf.name == key) {
        *record = r;
        const JsonValue& inner = root.members().front().second;
        CB_RETURN_IF_ERROR(checkKeys(inner, rf, rf.name));
        stack_.push_back(&inner);
        return okStatus();
      }
    }
    return invalidArgument(fmt::format("\"{}\" is not a 01 record of the copybook", key));
  }

  Status chooseAlternative(const std::vector<ResolvedRule>&, int base, int* chosen) {
    // Exactly one of the alternatives' names must be present.
    const JsonValue& obj = *stack_.back();
    const Field& b = layout_.fields[base];
    int found = kNoIndex;
    auto consider = [&](int alt) -> Status {
      if (obj.get(layout_.fields[alt].name) == nullptr) {
        return okStatus();
      }
      if (found != kNoIndex) {
        return invalidArgument(
            fmt::format("{}: both {} and {} are given; they redefine the same "
                        "bytes, give one",
                        layout_.path(base), layout_.fields[found].name, layout_.fields[alt].name));
      }
      found = alt;
      return okStatus();
    };
    CB_RETURN_IF_ERROR(consider(base));
    for (int alt : b.redefined_by) {
      CB_RETURN_IF_ERROR(consider(alt));
    }
    if (found == kNoIndex) {
      return invalidArgument(
          fmt::format("{}: missing (or one of the fields that redefine it)", layout_.path(base)));
    }
    *chosen = found;
    return okStatus();
  }

  template <typename W>
  Status occurrences(const Field& f, int64_t odo, const W& w, int fi, int* count) {
    const std::string path = w.path(fi);
    const JsonValue* v = member(f.name);
    if (v == nullptr || v->type() != JsonValue::Type::kArray) {
      return invalidArgument(fmt::format("{}: expected an array", path));
    }
    *count = static_cast<int>(v->items().size());
    if (*count != odo) {
      return invalidArgument(fmt::format("{}: {} elements given but {} says {}", path, *count,
                                         layout_.fields[f.depending_field].name, odo));
    }
    return okStatus();
  }

  template <typename W>
  Status beginArray(const Field& f, const W& w, int fi, int count) {
    const std::string path = w.path(fi);
    const JsonValue* v = member(f.name);
    if (v == nullptr) {
      return invalidArgument(fmt::format("{}: missing", path));
    }
    if (v->type() != JsonValue::Type::kArray) {
      return invalidArgument(
          fmt::format("{}: expected an array, found {}", path, JsonValue::typeName(v->type())));
    }
    if (static_cast<int>(v->items().size()) != count) {
      return invalidArgument(fmt::format("{}: expected {} elements (OCCURS {}), found {}", path,
                                         count, count, v->items().size()));
    }
    stack_.push_back(v);
    return okStatus();
  }
  void endArray() { stack_.pop_back(); }

  template <typename W>
  Status beginObject(const Field& f, const W& w, int fi, int occurrence) {
    const std::string path = w.path(fi);
    const JsonValue* v = occurrence >= 0 ? &stack_.back()->items()[occurrence] : member(f.name);
    if (v == nullptr) {
      return invalidArgument(fmt::format("{}: missing", path));
    }
    if (v->type() != JsonValue::Type::kObject) {
      return invalidArgument(
          fmt::format("{}: expected an object, found {}", path, JsonValue::typeName(v->type())));
    }
    CB_RETURN_IF_ERROR(checkKeys(*v, f, path));
    stack_.push_back(v);
    return okStatus();
  }
  void endObject() { stack_.pop_back(); }

  Status raw(Slot& s, int fill, int field) {
    s.value.text.resize(s.length);
    if (field != kNoIndex && !layout_.fields[field].isGroup()) {
      return encodeInitial(layout_.fields[field], layout_.dialect,
                           reinterpret_cast<uint8_t*>(s.value.text.data()));
    }
    // FILLER groups and uncovered REDEFINES bytes are spaces; SYNC slack
    // and other gaps low-values.
    const bool spaces = fill != 0 || field != kNoIndex;
    std::memset(s.value.text.data(), spaces ? layout_.dialect.code_page->space() : 0, s.length);
    return okStatus();
  }

  template <typename W>
  Status leaf(const Field& f, Slot& s, int occurrence, const W& walker) {
    const JsonValue* v = occurrence >= 0 ? &stack_.back()->items()[occurrence] : member(f.name);
    auto fail = [&](std::string_view why) {
      return invalidArgument(fmt::format("{}: {}", walker.path(s.field), why));
    };
    if (v == nullptr) {
      return fail("missing");
    }
    Value& out = s.value;
    Status st;
    scratch_.resize(f.length);
    auto* buf = reinterpret_cast<uint8_t*>(scratch_.data());
    switch (leafKind(f)) {
      case LeafKind::kText:
        if (v->type() != JsonValue::Type::kString) {
          return fail(fmt::format("expected a string, found {}", JsonValue::typeName(v->type())));
        }
        out.kind = Value::Kind::kText;
        out.text = v->text();
        st = encodeText(f, layout_.dialect, out.text, buf);
        break;
      case LeafKind::kNumber: {
        if (v->type() != JsonValue::Type::kNumber) {
          return fail(fmt::format("expected a number, found {}", JsonValue::typeName(v->type())));
        }
        Result<Decimal> d = Decimal::parse(v->text());
        if (!d.ok()) {
          return fail(d.status().message());
        }
        out.kind = Value::Kind::kNumber;
        out.number = *d;
        st = encodeNumber(f, layout_.dialect, out.number, buf);
        break;
      }
      case LeafKind::kFloat: {
        if (v->type() != JsonValue::Type::kNumber) {
          return fail(fmt::format("expected a number, found {}", JsonValue::typeName(v->type())));
        }
        char* end = nullptr;
        std::string text = v->text();
        double x = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size() || !std::isfinite(x)) {
          return fail("not a finite floating-point number: " + text);
        }
        out.kind = Value::Kind::kFloat;
        out.real = x;
        out.text.clear();
        st = encodeFloat(f, layout_.dialect, x, buf);
        break;
      }
    }
    if (!st.ok()) {
      return Status(st.code(), fmt::format("{}: {}", walker.path(s.field), st.message()));
    }
    return okStatus();
  }

  int warnings() const { return 0; }
  Status finish(Record&) { return okStatus(); }
  std::optional<size_t> inputSize() const { return std::nullopt; }

 private:
  const JsonValue* member(const std::string& name) const { return stack_.back()->get(name); }

  // Every key of an object must name a field of the group (or an alternative
  // of one of its REDEFINES), so that a misspelt key is not silently dropped.
  Status checkKeys(const JsonValue& obj, const Field& g, const std::string& path) {
    if (obj.type() != JsonValue::Type::kObject) {
      return invalidArgument(
          fmt::format("{}: expected an object, found {}", path, JsonValue::typeName(obj.type())));
    }
    for (const auto& [key, value] : obj.members()) {
      bool known = false;
      for (int c : g.children) {
        const Field& cf = layout_.fields[c];
        if (!cf.filler && !isStructural(cf) && cf.name == key) {
          known = true;
        }
      }
      if (!known) {
        return invalidArgument(fmt::format("{}: \"{}\" is not a field of {}", path, key, g.name));
      }
    }
    return okStatus();
  }

  const Layout& layout_;
  std::vector<const JsonValue*> stack_;
  std::string scratch_;
};

}  // namespace

// ---------------------------------------------------------------------------
// RecordCodec

RecordCodec::RecordCodec(std::shared_ptr<const Layout> layout, CodecOptions options,
                         std::unique_ptr<const Plan> plan)
    : layout_(std::move(layout)), options_(std::move(options)), plan_(std::move(plan)) {}

RecordCodec::~RecordCodec() = default;

namespace {

constexpr size_t kMaxShapes = 256;

// Fills plan->shapes when every record the codec can produce has a static
// shape: no ODO anywhere and at most kMaxShapes combinations of choices.
Status buildShapes(const Layout& l, RecordCodec::Plan* plan) {
  for (int r : l.records) {
    if (l.hasOdo(r)) {
      return okStatus();
    }
  }
  size_t combinations = 1;
  for (size_t area = 0; area < plan->rules_by_area.size(); ++area) {
    const auto& rules = plan->rules_by_area[area];
    if (rules.empty()) {
      continue;
    }
    std::vector<int> alts;
    for (const ResolvedRule& r : rules) {
      if (std::find(alts.begin(), alts.end(), r.alternative) == alts.end()) {
        alts.push_back(r.alternative);
      }
    }
    combinations *= alts.size();
    if (combinations > kMaxShapes) {
      plan->choice_areas.clear();
      plan->choice_alts.clear();
      return okStatus();
    }
    plan->choice_areas.push_back(static_cast<int>(area));
    plan->choice_alts.push_back(std::move(alts));
  }
  const std::string zeros(l.maxLength(), '\0');
  std::vector<StaticShape> shapes(combinations);
  for (size_t combo = 0; combo < combinations; ++combo) {
    ForcedChoices forced;
    size_t rest = combo;
    for (size_t i = plan->choice_areas.size(); i-- > 0;) {
      const auto& alts = plan->choice_alts[i];
      forced.emplace_back(plan->choice_areas[i], alts[rest % alts.size()]);
      rest /= alts.size();
    }
    ByteSource src(l, reinterpret_cast<const uint8_t*>(zeros.data()), zeros.size(), true);
    src.forceChoices(&forced, plan->top_area);
    Record rec;
    Walker<ByteSource> w(l, *plan, &rec, &src);
    CB_RETURN_IF_ERROR(w.walkRecord());
    StaticShape& shape = shapes[combo];
    shape.record = rec.record();
    shape.length = rec.length();
    shape.events.assign(rec.events().begin(), rec.events().end());
    for (const Slot& slot : rec.slots()) {
      Slot op;
      op.field = slot.field;
      op.offset = slot.offset;
      op.length = slot.length;
      op.value.kind = slot.value.kind == Value::Kind::kRaw ? Value::Kind::kRaw : Value::Kind::kNull;
      shape.kinds.push_back(op.field == kNoIndex ? LeafKind::kText : leafKind(l.fields[op.field]));
      shape.slots.push_back(std::move(op));
    }
  }
  plan->shapes = std::move(shapes);
  return okStatus();
}

}  // namespace

Result<std::unique_ptr<RecordCodec>> RecordCodec::create(std::shared_ptr<const Layout> layout,
                                                         CodecOptions options) {
  const Layout& l = *layout;
  auto plan = std::make_unique<Plan>();
  std::vector<int> level01;
  for (int r : l.records) {
    if (l.fields[r].level == 1) {
      level01.push_back(r);
    }
  }
  if (level01.empty()) {
    return invalidArgument("the copybook has no 01 record");
  }
  plan->default_record = level01.front();
  if (!options.record.empty()) {
    int r = l.find(options.record);
    if (r == kNoIndex || l.fields[r].level != 1) {
      return invalidArgument("record " + options.record + " is not a 01 record of the copybook");
    }
    plan->default_record = r;
  }
  plan->children.resize(l.fields.size());
  for (size_t gi = 0; gi < l.fields.size(); ++gi) {
    const Field& g = l.fields[gi];
    if (!g.isGroup()) {
      continue;
    }
    for (int ci : g.children) {
      const Field& c = l.fields[ci];
      if (isStructural(c) || c.redefines != kNoIndex) {
        continue;
      }
      ChildPlan cp{ci, c.offset - g.offset, c.totalLength(), !c.redefined_by.empty(), false};
      for (int alt : c.redefined_by) {
        const Field& a = l.fields[alt];
        cp.area = std::max(cp.area, a.offset - c.offset + a.totalLength());
      }
      cp.simple_leaf = !c.isGroup() && !c.has_occurs && !cp.alternatives;
      plan->children[gi].push_back(cp);
    }
  }
  plan->top_area = static_cast<int>(l.fields.size());
  plan->rules_by_area.resize(l.fields.size() + 1);
  plan->odo_object.assign(l.fields.size(), 0);
  for (const Field& f : l.fields) {
    if (f.depending_field != kNoIndex && !plan->odo_object[f.depending_field]) {
      plan->odo_object[f.depending_field] = 1;
      plan->odo_objects.push_back(f.depending_field);
    }
  }

  bool top_rules = false;
  for (const SelectRule& rule : options.select) {
    ResolvedRule rr;
    rr.discriminator = l.find(rule.field);
    if (rr.discriminator == kNoIndex) {
      return invalidArgument("select rule: field " + rule.field +
                             " is not in the copybook (or is ambiguous: qualify it)");
    }
    const Field& disc = l.fields[rr.discriminator];
    if (disc.isGroup() || disc.after_odo || disc.has_occurs) {
      return invalidArgument("select rule: field " + rule.field +
                             " must be an elementary item at a fixed offset, outside any table");
    }
    rr.alternative = l.find(rule.alternative);
    if (rr.alternative == kNoIndex) {
      return invalidArgument("select rule: alternative " + rule.alternative +
                             " is not in the copybook");
    }
    const Field& alt = l.fields[rr.alternative];
    int area;
    if (alt.level == 1) {
      area = plan->top_area;
      top_rules = true;
    } else if (alt.redefines != kNoIndex) {
      area = alt.redefines;
    } else if (!alt.redefined_by.empty()) {
      area = rr.alternative;
    } else {
      return invalidArgument("select rule: " + rule.alternative +
                             " neither redefines nor is redefined by another item");
    }
    for (const std::string& v : rule.values) {
      if (leafKind(disc) == LeafKind::kNumber) {
        Result<Decimal> d = Decimal::parse(v);
        if (!d.ok()) {
          return invalidArgument("select rule: " + rule.field + " is numeric but value '" + v +
                                 "' is not a number");
        }
        rr.numbers.push_back(*d);
      } else {
        rr.texts.emplace_back(trimTrailingSpaces(v));
      }
    }
    plan->rules_by_area[area].push_back(std::move(rr));
    plan->has_rules = true;
  }
  plan->wrap_records = level01.size() > 1 && (options.record.empty() || top_rules);
  plan->record_has_odo = l.hasOdo(plan->default_record);
  if (!plan->wrap_records && !plan->record_has_odo) {
    plan->fixed_length = l.fields[plan->default_record].totalLength();
  }
  CB_RETURN_IF_ERROR(buildShapes(l, plan.get()));
  return std::unique_ptr<RecordCodec>(
      new RecordCodec(std::move(layout), std::move(options), std::move(plan)));
}

Status RecordCodec::decode(const uint8_t* p, size_t n, Record* out) const {
  if (plan_->fixed_length != 0 && n != plan_->fixed_length) {
    return invalidArgument(fmt::format("record is {} bytes but layout {} describes {}", n,
                                       layout_->fields[plan_->default_record].name,
                                       plan_->fixed_length));
  }
  if (!plan_->shapes.empty() && decodeStatic(p, n, out)) {
    return okStatus();
  }
  // The walk also reports what the flat path found wrong, with the full path.
  ByteSource src(*layout_, p, n, options_.lenient);
  Walker<ByteSource> w(*layout_, *plan_, out, &src);
  return w.walkRecord();
}

bool RecordCodec::decodeStatic(const uint8_t* p, size_t n, Record* out) const {
  const Plan& plan = *plan_;
  const Layout& l = *layout_;
  size_t combo = 0;
  if (!plan.choice_areas.empty()) {
    std::string& text = out->scratch_;
    for (size_t i = 0; i < plan.choice_areas.size(); ++i) {
      int alt = matchRule(plan.rules_by_area[plan.choice_areas[i]], l, p, n, &text);
      const auto& alts = plan.choice_alts[i];
      auto it = std::find(alts.begin(), alts.end(), alt);
      if (it == alts.end()) {
        return false;  // the walk reports it, or needs no choice here
      }
      combo = combo * alts.size() + static_cast<size_t>(it - alts.begin());
    }
  }
  const StaticShape& shape = plan.shapes[combo];
  if (n != shape.length) {
    return false;
  }
  const size_t count = shape.slots.size();
  if (out->slots_.size() < count) {
    out->slots_.resize(count);
  }
  if (out->shape_ != &shape) {
    out->events_.assign(shape.events.begin(), shape.events.end());
    out->events_used_ = shape.events.size();
    out->shape_ = &shape;
  }
  out->used_ = count;
  out->record_ = shape.record;
  out->length_ = shape.length;
  out->warnings_ = 0;
  const Dialect& d = l.dialect;
  Slot* slots = out->slots_.data();
  for (size_t k = 0; k < count; ++k) {
    const Slot& op = shape.slots[k];
    Slot& s = slots[k];
    s.field = op.field;
    s.offset = op.offset;
    s.length = op.length;
    const uint8_t* q = p + op.offset;
    Value& v = s.value;
    if (op.value.kind == Value::Kind::kRaw) {
      v.kind = Value::Kind::kRaw;
      v.text.assign(reinterpret_cast<const char*>(q), op.length);
      continue;
    }
    const Field& f = l.fields[op.field];
    switch (shape.kinds[k]) {
      case LeafKind::kText:
        v.kind = Value::Kind::kText;
        v.text.clear();
        if (!decodeText(f, d, q, &v.text).ok()) {
          return false;
        }
        break;
      case LeafKind::kNumber:
        v.kind = Value::Kind::kNumber;
        if (!decodeNumber(f, d, q, &v.number).ok()) {
          return false;
        }
        break;
      case LeafKind::kFloat:
        v.kind = Value::Kind::kFloat;
        if (!decodeFloat(f, d, q, &v.real).ok()) {
          return false;
        }
        v.text.assign(reinterpret_cast<const char*>(q), op.length);
        break;
    }
  }
  return true;
}

Status RecordCodec::fromJson(std::string_view json, Record* out) const {
  CB_ASSIGN_OR_RETURN(JsonValue root, JsonValue::parse(json));
  if (root.type() != JsonValue::Type::kObject) {
    return invalidArgument(
        fmt::format("expected a JSON object, found {}", JsonValue::typeName(root.type())));
  }
  JsonSource src(*layout_, root);
  Walker<JsonSource> w(*layout_, *plan_, out, &src);
  CB_RETURN_IF_ERROR(w.walkRecord());
  return checkSelection(*out);
}

// The JSON names the alternatives it fills; the select rules must pick the
// same ones from the encoded bytes, or the record could be written but not
// read back (a type byte 'P' over an account body).
Status RecordCodec::checkSelection(const Record& rec) const {
  if (!plan_->has_rules) {
    return okStatus();
  }
  std::string bytes;
  CB_RETURN_IF_ERROR(encode(rec, &bytes));
  Record back;
  Status st = decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &back);
  if (!st.ok()) {
    return invalidArgument("the select rules pick no alternative for this record: " + st.message());
  }
  auto alternatives = [&](const Record& r) {
    std::vector<int> out;
    if (plan_->wrap_records) {
      out.push_back(r.record());
    }
    for (const RecordEvent& e : r.events()) {
      const Field& f = layout_->fields[e.field];
      if (e.type == RecordEvent::Type::kEndObject || e.type == RecordEvent::Type::kEndArray) {
        continue;
      }
      if (f.redefines != kNoIndex || !f.redefined_by.empty()) {
        out.push_back(e.field);
      }
    }
    return out;
  };
  const std::vector<int> given = alternatives(rec);
  const std::vector<int> picked = alternatives(back);
  for (size_t i = 0; i < std::min(given.size(), picked.size()); ++i) {
    if (given[i] != picked[i]) {
      return invalidArgument(
          fmt::format("the record gives {} but its discriminator makes the select rules pick {}",
                      layout_->path(given[i]), layout_->path(picked[i])));
    }
  }
  if (given.size() != picked.size()) {
    return invalidArgument("the select rules pick other alternatives than the record gives");
  }
  return okStatus();
}

Status RecordCodec::encode(const Record& record, std::string* out) const {
  const size_t base = out->size();
  out->resize(base + record.length());
  auto* buf = reinterpret_cast<uint8_t*>(out->data() + base);
  const Dialect& d = layout_->dialect;
  for (const Slot& s : record.slots()) {
    uint8_t* q = buf + s.offset;
    if (size_t{s.offset} + s.length > record.length()) {
      out->resize(base);
      return internalError("slot beyond the record's length");
    }
    Status st;
    switch (s.value.kind) {
      case Value::Kind::kRaw:
        // Raw bytes, not a C string.  NOLINTNEXTLINE(bugprone-not-null-terminated-result)
        std::memcpy(q, s.value.text.data(), std::min<size_t>(s.length, s.value.text.size()));
        break;
      case Value::Kind::kText:
        st = encodeText(layout_->fields[s.field], d, s.value.text, q);
        break;
      case Value::Kind::kNumber:
        st = encodeNumber(layout_->fields[s.field], d, s.value.number, q);
        break;
      case Value::Kind::kFloat: {
        // Keep the stored bytes when the value is unchanged: IBM hex long
        // floats carry more precision than a double.
        double stored = 0;
        if (s.value.text.size() == s.length &&
            decodeFloat(layout_->fields[s.field], d,
                        reinterpret_cast<const uint8_t*>(s.value.text.data()), &stored)
                .ok() &&
            (stored == s.value.real || (std::isnan(stored) && std::isnan(s.value.real)))) {
          std::memcpy(q, s.value.text.data(), s.length);
        } else {
          st = encodeFloat(layout_->fields[s.field], d, s.value.real, q);
        }
        break;
      }
      case Value::Kind::kNull:
        st = invalidArgument("the value is null (it was not decodable)");
        break;
    }
    if (!st.ok()) {
      out->resize(base);
      return Status(st.code(), fmt::format("field {} at offset {}: {}", layout_->path(s.field),
                                           s.offset, st.message()));
    }
  }
  return okStatus();
}

void RecordCodec::toJson(const Record& record, std::string* out) const {
  const Layout& l = *layout_;
  // One flag per open container: does the next member need a comma?
  bool stack_comma[512];
  bool stack_array[512];
  int depth = 0;
  stack_comma[0] = false;
  stack_array[0] = false;
  out->push_back('{');
  auto key = [&](int field) {
    if (stack_comma[depth]) {
      out->push_back(',');
    }
    stack_comma[depth] = true;
    if (!stack_array[depth]) {
      out->push_back('"');
      out->append(l.fields[field].name);
      out->append("\":");
    }
  };
  for (const RecordEvent& e : record.events()) {
    switch (e.type) {
      case RecordEvent::Type::kBeginObject:
      case RecordEvent::Type::kBeginArray: {
        key(e.field);
        const bool array = e.type == RecordEvent::Type::kBeginArray;
        out->push_back(array ? '[' : '{');
        if (depth + 1 < 512) {
          ++depth;
        }
        stack_comma[depth] = false;
        stack_array[depth] = array;
        break;
      }
      case RecordEvent::Type::kEndObject:
      case RecordEvent::Type::kEndArray:
        out->push_back(e.type == RecordEvent::Type::kEndArray ? ']' : '}');
        if (depth > 0) {
          --depth;
        }
        break;
      case RecordEvent::Type::kLeaf: {
        key(e.field);
        const Value& v = record.slots()[e.slot].value;
        switch (v.kind) {
          case Value::Kind::kNumber:
            v.number.appendTo(out);
            break;
          case Value::Kind::kText:
            appendJsonString(trimTrailingSpaces(v.text), out);
            break;
          case Value::Kind::kFloat:
            if (std::isfinite(v.real)) {
              fmt::format_to(std::back_inserter(*out), "{}", v.real);
            } else {
              out->append("null");
            }
            break;
          case Value::Kind::kNull:
          case Value::Kind::kRaw:
            out->append("null");
            break;
        }
        break;
      }
    }
  }
  out->push_back('}');
}

}  // namespace corebridge::mappings
