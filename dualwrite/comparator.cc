#include "dualwrite/comparator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/logging.h"
#include "mappings/json.h"

namespace corebridge::dualwrite {

namespace mp = mappings;
using mp::NoiseRule;
using mp::Record;
using mp::RecordEvent;
using mp::Value;

namespace {

constexpr const char kAbsent[] = "(absent)";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trimTrailing(std::string_view s, bool low_values) {
  while (!s.empty() && (s.back() == ' ' || (low_values && s.back() == '\0'))) {
    s.remove_suffix(1);
  }
  return s;
}

// ---- time windows --------------------------------------------------------

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
// days_from_civil.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kDays[m - 1];
}

int64_t digitsAt(std::string_view s, size_t pos, size_t n) {
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<int64_t> dateDays(std::string_view s) {  // YYYYMMDD
  const int64_t y = digitsAt(s, 0, 4);
  const int m = static_cast<int>(digitsAt(s, 4, 2));
  const int d = static_cast<int>(digitsAt(s, 6, 2));
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    return std::nullopt;
  }
  return daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<int64_t> timeSeconds(std::string_view s) {  // HHMMSS
  const int64_t h = digitsAt(s, 0, 2), m = digitsAt(s, 2, 2), sec = digitsAt(s, 4, 2);
  if (h > 23 || m > 59 || sec > 59) {
    return std::nullopt;
  }
  return h * 3600 + m * 60 + sec;
}

// Seconds since the epoch (HHMMSS: since midnight) of `digits` in `format`.
std::optional<int64_t> parseTime(std::string_view format, std::string_view digits) {
  if (digits.size() != format.size() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (format == "YYYYMMDD") {
    auto days = dateDays(digits);
    return days ? std::optional<int64_t>(*days * 86400) : std::nullopt;
  }
  if (format == "YYDDD") {
    // Two-digit years: 00-49 are 20xx, 50-99 are 19xx.
    const int64_t yy = digitsAt(digits, 0, 2);
    const int64_t year = yy < 50 ? 2000 + yy : 1900 + yy;
    const int64_t ddd = digitsAt(digits, 2, 3);
    if (ddd < 1 || ddd > (leapYear(year) ? 366 : 365)) {
      return std::nullopt;
    }
    return (daysFromCivil(year, 1, 1) + ddd - 1) * 86400;
  }
  if (format == "HHMMSS") {
    return timeSeconds(digits);
  }
  if (format == "YYYYMMDDHHMMSS") {
    auto days = dateDays(digits.substr(0, 8));
    auto secs = timeSeconds(digits.substr(8));
    if (!days || !secs) {
      return std::nullopt;
    }
    return *days * 86400 + *secs;
  }
  return std::nullopt;
}

bool knownTimeFormat(std::string_view f) {
  return f == "YYYYMMDD" || f == "YYDDD" || f == "HHMMSS" || f == "YYYYMMDDHHMMSS";
}

// The digits a date/time item holds: a whole non-negative number zero-padded
// to the format's width, or text without trailing spaces.
std::optional<std::string> timeDigits(const Value& v, size_t width) {
  if (v.kind == Value::Kind::kNumber) {
    if (v.number.scale != 0 || v.number.isNegative()) {
      return std::nullopt;
    }
    std::string s = v.number.toString();
    if (s.size() < width) {
      s.insert(0, width - s.size(), '0');
    }
    return s;
  }
  if (v.kind == Value::Kind::kText) {
    return std::string(trimTrailing(v.text, false));
  }
  return std::nullopt;
}

// ---- paths ---------------------------------------------------------------

struct Leaf {
  std::string path;
  int field;
  const Value* value;
};

// Every leaf of the record with its dotted path and 1-based subscripts,
// reconstructed from the record's events (raw slots have none).
std::vector<Leaf> leavesOf(const mp::Layout& layout, const Record& rec) {
  struct Frame {
    int field;
    bool array;
    bool element;  // an object that is one occurrence of the array below it
    int index;     // arrays: the current occurrence (1-based)
    size_t path_length;
  };
  std::vector<Leaf> out;
  out.reserve(rec.slots().size());
  std::string path = rec.record() >= 0 ? layout.fields[rec.record()].name : std::string();
  std::vector<Frame> stack;
  auto subscripted = [&](Frame& top) {
    ++top.index;
    path.resize(top.path_length);
    path += '.';
    path += layout.fields[top.field].name;
    path += '[';
    path += std::to_string(top.index);
    path += ']';
  };
  for (const RecordEvent& e : rec.events()) {
    switch (e.type) {
      case RecordEvent::Type::kBeginArray:
        stack.push_back({e.field, true, false, 0, path.size()});
        break;
      case RecordEvent::Type::kBeginObject:
        if (!stack.empty() && stack.back().array && stack.back().field == e.field) {
          subscripted(stack.back());
          stack.push_back({e.field, false, true, 0, path.size()});
        } else if (stack.empty() && e.field == rec.record()) {
          stack.push_back({e.field, false, true, 0, path.size()});  // the wrapping 01 object
        } else {
          stack.push_back({e.field, false, false, 0, path.size()});
          path += '.';
          path += layout.fields[e.field].name;
        }
        break;
      case RecordEvent::Type::kEndArray:
      case RecordEvent::Type::kEndObject:
        if (!stack.empty()) {
          path.resize(stack.back().path_length);
          stack.pop_back();
        }
        break;
      case RecordEvent::Type::kLeaf: {
        const size_t keep = path.size();
        if (!stack.empty() && stack.back().array && stack.back().field == e.field) {
          subscripted(stack.back());
          out.push_back({path, e.field, &rec.slots()[e.slot].value});
          path.resize(stack.back().path_length);
        } else {
          path += '.';
          path += layout.fields[e.field].name;
          out.push_back({path, e.field, &rec.slots()[e.slot].value});
          path.resize(keep);
        }
        break;
      }
    }
  }
  return out;
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2 + 3);
  out += "X'";
  for (unsigned char c : bytes) {
    fmt::format_to(std::back_inserter(out), "{:02X}", c);
  }
  out += '\'';
  return out;
}

std::string escapeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) {
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

std::string_view differenceKindName(FieldDifference::Kind kind) {
  switch (kind) {
    case FieldDifference::Kind::kValue:
      return "value";
    case FieldDifference::Kind::kAbsent:
      return "absent";
    case FieldDifference::Kind::kUndecodable:
      return "undecodable";
    case FieldDifference::Kind::kOutcome:
      return "outcome";
  }
  return "value";
}

bool parseDifferenceKind(std::string_view name, FieldDifference::Kind* out) {
  for (auto k : {FieldDifference::Kind::kValue, FieldDifference::Kind::kAbsent,
                 FieldDifference::Kind::kUndecodable, FieldDifference::Kind::kOutcome}) {
    if (differenceKindName(k) == name) {
      *out = k;
      return true;
    }
  }
  return false;
}

bool isAccountFieldName(std::string_view name, const std::vector<std::string>& key_fields) {
  const std::string u = upper(name);
  for (const std::string& k : key_fields) {
    if (upper(k) == u) {
      return true;
    }
  }
  return u.find("ACCT") != std::string::npos || u.find("ACCOUNT") != std::string::npos ||
         u.find("CARD") != std::string::npos;
}

std::string maskFreeText(std::string_view text, bool hide_bytes) {
  std::string s(text);
  if (hide_bytes) {
    // "bytes: F1F2 F3", "bytes F1F2": the dump after the word, up to a
    // character that is neither hex nor a space.
    size_t pos = 0;
    while ((pos = s.find("bytes", pos)) != std::string::npos) {
      size_t start = pos + 5;
      if (start < s.size() && s[start] == ':') {
        ++start;
      }
      while (start < s.size() && s[start] == ' ') {
        ++start;
      }
      size_t end = start;
      while (end < s.size() && (std::isxdigit(static_cast<unsigned char>(s[end])) ||
                                (s[end] == ' ' && end + 1 < s.size() &&
                                 std::isxdigit(static_cast<unsigned char>(s[end + 1]))))) {
        ++end;
      }
      // A dump ends where the text goes on: "bytes but" is not one.
      const bool dump = end >= start + 2 &&
                        (end == s.size() || !std::isalnum(static_cast<unsigned char>(s[end])));
      if (dump) {
        s.replace(start, end - start, "<masked>");
        end = start + 8;
      }
      pos = end;
    }
  }
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
        ++j;
      }
      std::string_view run(s.data() + i, j - i);
      out += run.size() >= 8 ? maskAccount(run) : std::string(run);
      i = j;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

Comparator::Comparator(const mp::PackTransaction& transaction, ComparatorOptions options)
    : trancode_(transaction.trancode),
      key_fields_(transaction.key_fields),
      layout_(transaction.layout),
      codec_(transaction.codec),
      options_(options) {}

Result<std::unique_ptr<Comparator>> Comparator::create(const mp::PackTransaction& transaction,
                                                       ComparatorOptions options) {
  if (!transaction.codec) {
    return invalidArgument("transaction " + transaction.trancode +
                           ": no compiled reply codec (the pack was not loaded?)");
  }
  mp::PackTransaction t = transaction;
  if (!t.layout) {
    t.layout = std::shared_ptr<const mp::Layout>(transaction.codec, &transaction.codec->layout());
  }
  std::unique_ptr<Comparator> c(new Comparator(t, options));
  CB_RETURN_IF_ERROR(c->resolveRules(transaction.noise));
  return c;
}

Status Comparator::resolveRules(const std::vector<NoiseRule>& rules) {
  const mp::Layout& l = *layout_;
  const size_t n = l.fields.size();
  rules_ = rules;  // rule_of_ points into rules_, which is never resized after this
  std::vector<const NoiseRule*> own(n, nullptr);
  for (const NoiseRule& r : rules_) {
    const std::string where =
        fmt::format("transaction {}: noise rule for {} (line {})", trancode_, r.field, r.line);
    const int fi = l.find(r.field);
    if (fi == mp::kNoIndex) {
      return invalidArgument(where + ": no such field in the copybook");
    }
    if (own[fi] != nullptr) {
      return invalidArgument(where + ": the field already has a noise rule (line " +
                             std::to_string(own[fi]->line) + ")");
    }
    if (r.kind == NoiseRule::Kind::kTimeWindow) {
      if (!knownTimeFormat(r.format)) {
        return invalidArgument(where + ": time format '" + r.format +
                               "' is not YYYYMMDD, YYDDD, HHMMSS or YYYYMMDDHHMMSS");
      }
      if (r.window_seconds < 0) {
        return invalidArgument(where + ": negative time window");
      }
    }
    if (r.kind == NoiseRule::Kind::kTolerance) {
      if (r.tolerance_minor_units < 0) {
        return invalidArgument(where + ": negative tolerance");
      }
      if (!l.fields[fi].isGroup() && !l.fields[fi].isNumeric()) {
        return invalidArgument(where + ": a tolerance needs a numeric field");
      }
    }
    own[fi] = &r;
  }
  // Fields come in source order, a parent before its children: inherit the
  // nearest rule above.
  rule_of_.assign(n, nullptr);
  account_field_.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const mp::Field& f = l.fields[i];
    rule_of_[i] = own[i] != nullptr          ? own[i]
                  : f.parent != mp::kNoIndex ? rule_of_[static_cast<size_t>(f.parent)]
                                             : nullptr;
    account_field_[i] = !f.filler && isAccountFieldName(f.name, key_fields_);
  }
  return okStatus();
}

Status Comparator::decode(std::string_view commarea, Record* out) const {
  return codec_->decode(reinterpret_cast<const uint8_t*>(commarea.data()), commarea.size(), out);
}

Comparison Comparator::compare(const adapters::BackendReply& legacy,
                               const adapters::BackendReply& new_reply) const {
  const bool legacy_error = legacy.zz != 0;
  const bool new_error = new_reply.zz != 0;
  if (legacy_error && new_error) {
    return Comparison{};
  }
  if (legacy_error || new_error) {
    Comparison c;
    FieldDifference d;
    d.kind = FieldDifference::Kind::kOutcome;
    d.path = d.field = "(frame)";
    d.legacy = legacy_error ? systemErrorText(legacy) : "normal reply";
    d.new_value = new_error ? systemErrorText(new_reply) : "normal reply";
    c.differences.push_back(std::move(d));
    return c;
  }
  return compare(legacy.commarea, new_reply.commarea);
}

Comparison Comparator::compare(std::string_view legacy_commarea,
                               std::string_view new_commarea) const {
  Comparison c;
  Record legacy, fresh;
  const Status ls = decode(legacy_commarea, &legacy);
  const Status ns = decode(new_commarea, &fresh);
  if (!ls.ok() || !ns.ok()) {
    auto describe = [&](const Status& s) {
      if (s.ok()) {
        return std::string("decoded");
      }
      bool names_account = false;
      for (size_t i = 0; i < layout_->fields.size() && !names_account; ++i) {
        names_account =
            account_field_[i] && s.message().find(layout_->fields[i].name) != std::string::npos;
      }
      return "undecodable: " + maskFreeText(s.message(), names_account);
    };
    FieldDifference d;
    d.kind = FieldDifference::Kind::kUndecodable;
    d.path = d.field = "(commarea)";
    d.legacy = describe(ls);
    d.new_value = describe(ns);
    c.differences.push_back(std::move(d));
    return c;
  }
  compareRecords(legacy, fresh, &c);
  if (options_.compare_filler) {
    compareRaw(legacy, fresh, &c);
  }
  return c;
}

void Comparator::compareRecords(const Record& legacy, const Record& fresh, Comparison* out) const {
  const std::vector<Leaf> a = leavesOf(*layout_, legacy);
  const std::vector<Leaf> b = leavesOf(*layout_, fresh);
  auto one = [&](const Leaf* l, const Leaf* n) {
    const Leaf& any = l != nullptr ? *l : *n;
    const NoiseRule* rule = rule_of_[static_cast<size_t>(any.field)];
    if (rule != nullptr && rule->kind == NoiseRule::Kind::kIgnore) {
      ++out->fields_ignored;
      return;
    }
    ++out->fields_compared;
    if (l != nullptr && n != nullptr && valuesAgree(any.field, *l->value, *n->value)) {
      return;
    }
    FieldDifference d;
    d.kind = l != nullptr && n != nullptr ? FieldDifference::Kind::kValue
                                          : FieldDifference::Kind::kAbsent;
    d.path = any.path;
    d.field = layout_->fields[static_cast<size_t>(any.field)].name;
    d.legacy = l != nullptr ? render(any.field, *l->value) : kAbsent;
    d.new_value = n != nullptr ? render(any.field, *n->value) : kAbsent;
    out->differences.push_back(std::move(d));
  };

  // The usual case: both records have the same shape, leaf for leaf.
  bool same_shape = a.size() == b.size();
  for (size_t i = 0; same_shape && i < a.size(); ++i) {
    same_shape = a[i].field == b[i].field && a[i].path == b[i].path;
  }
  if (same_shape) {
    for (size_t i = 0; i < a.size(); ++i) {
      one(&a[i], &b[i]);
    }
    return;
  }
  std::unordered_map<std::string_view, size_t> in_b;
  in_b.reserve(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    in_b.emplace(b[i].path, i);
  }
  std::vector<bool> matched(b.size(), false);
  for (const Leaf& l : a) {
    auto it = in_b.find(l.path);
    if (it == in_b.end()) {
      one(&l, nullptr);
    } else {
      matched[it->second] = true;
      one(&l, &b[it->second]);
    }
  }
  for (size_t i = 0; i < b.size(); ++i) {
    if (!matched[i]) {
      one(nullptr, &b[i]);
    }
  }
}

void Comparator::compareRaw(const Record& legacy, const Record& fresh, Comparison* out) const {
  auto raws = [](const Record& r) {
    std::vector<const mp::Slot*> v;
    for (const mp::Slot& s : r.slots()) {
      if (s.value.kind == Value::Kind::kRaw) {
        v.push_back(&s);
      }
    }
    return v;
  };
  const auto a = raws(legacy);
  const auto b = raws(fresh);
  std::unordered_map<uint64_t, const mp::Slot*> in_b;
  for (const mp::Slot* s : b) {
    in_b.emplace((static_cast<uint64_t>(s->offset) << 32) | s->length, s);
  }
  auto name = [&](const mp::Slot& s) {
    return fmt::format("{} at offset {}",
                       s.field == mp::kNoIndex ? std::string("(bytes)") : layout_->path(s.field),
                       s.offset);
  };
  for (const mp::Slot* s : a) {
    if (s->field != mp::kNoIndex) {
      const NoiseRule* rule = rule_of_[static_cast<size_t>(s->field)];
      if (rule != nullptr && rule->kind == NoiseRule::Kind::kIgnore) {
        continue;
      }
    }
    ++out->fields_compared;
    auto it = in_b.find((static_cast<uint64_t>(s->offset) << 32) | s->length);
    if (it != in_b.end() && it->second->value.text == s->value.text) {
      continue;
    }
    FieldDifference d;
    d.kind = it == in_b.end() ? FieldDifference::Kind::kAbsent : FieldDifference::Kind::kValue;
    d.path = name(*s);
    d.field = "FILLER";
    d.legacy = hex(s->value.text);
    d.new_value = it == in_b.end() ? kAbsent : hex(it->second->value.text);
    out->differences.push_back(std::move(d));
  }
}

bool Comparator::valuesAgree(int field, const Value& a, const Value& b) const {
  const NoiseRule* rule = rule_of_[static_cast<size_t>(field)];
  const NoiseRule::Kind kind = rule != nullptr ? rule->kind : NoiseRule::Kind::kIgnore;
  const bool has_rule = rule != nullptr;
  if (has_rule && kind == NoiseRule::Kind::kTimeWindow) {
    auto da = timeDigits(a, rule->format.size());
    auto db = timeDigits(b, rule->format.size());
    const std::optional<int64_t> ta = da ? parseTime(rule->format, *da) : std::nullopt;
    const std::optional<int64_t> tb = db ? parseTime(rule->format, *db) : std::nullopt;
    if (ta.has_value() && tb.has_value()) {
      const int64_t x = ta.value_or(0), y = tb.value_or(0);
      int64_t diff = x > y ? x - y : y - x;
      if (rule->format == "HHMMSS") {
        diff = std::min<int64_t>(diff, 86400 - diff);  // across midnight
      }
      return diff <= rule->window_seconds;
    }
    // Not a time in the format (zeros, spaces): compared exactly below.
  }
  if (a.kind != b.kind) {
    return false;
  }
  switch (a.kind) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kNumber: {
      if (a.number.compare(b.number) == 0) {
        return true;
      }
      if (!has_rule || kind != NoiseRule::Kind::kTolerance) {
        return false;
      }
      const int item_scale = layout_->fields[static_cast<size_t>(field)].scale;
      const int scale = std::max({a.number.scale, b.number.scale, item_scale});
      auto ra = a.number.rescale(scale);
      auto rb = b.number.rescale(scale);
      if (!ra.ok() || !rb.ok() || scale - item_scale > mp::kMaxDecimalDigits) {
        return false;
      }
      mp::int128 diff = ra->unscaled - rb->unscaled;
      if (diff < 0) {
        diff = -diff;
      }
      return diff <= static_cast<mp::int128>(rule->tolerance_minor_units) *
                         mp::pow10i128(scale - item_scale);
    }
    case Value::Kind::kFloat:
      return a.text == b.text || a.real == b.real;
    case Value::Kind::kText:
      if (has_rule && kind == NoiseRule::Kind::kTrim) {
        return trimTrailing(a.text, true) == trimTrailing(b.text, true);
      }
      return a.text == b.text;
    case Value::Kind::kRaw:
      return a.text == b.text;
  }
  return false;
}

std::string Comparator::render(int field, const Value& v) const {
  const mp::Field& f = layout_->fields[static_cast<size_t>(field)];
  const bool account = account_field_[static_cast<size_t>(field)];
  std::string s;
  switch (v.kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kNumber:
      s = v.number.toString();
      if (account && v.number.scale == 0 && !v.number.isNegative() &&
          s.size() < static_cast<size_t>(f.digits)) {
        s.insert(0, static_cast<size_t>(f.digits) - s.size(), '0');  // the number as written
      }
      break;
    case Value::Kind::kFloat:
      s = fmt::format("{}", v.real);
      break;
    case Value::Kind::kText:
      s = escapeText(trimTrailing(v.text, false));
      break;
    case Value::Kind::kRaw:
      s = hex(v.text);
      break;
  }
  return account ? maskAccount(s) : s;
}

std::string Comparator::systemErrorText(const adapters::BackendReply& reply) const {
  std::string text;
  layout_->dialect.code_page->decode(reinterpret_cast<const uint8_t*>(reply.commarea.data()),
                                     reply.commarea.size(), &text);
  return fmt::format("system error (ZZ={}): {}", reply.zz,
                     maskFreeText(escapeText(trimTrailing(text, true)), false));
}

std::string Comparator::payloadJson(const adapters::BackendReply& reply) const {
  std::string out;
  if (reply.zz != 0) {
    std::string text;
    layout_->dialect.code_page->decode(reinterpret_cast<const uint8_t*>(reply.commarea.data()),
                                       reply.commarea.size(), &text);
    out = fmt::format("{{\"system_error\":{{\"zz\":{},\"text\":", reply.zz);
    mp::appendJsonString(maskFreeText(trimTrailing(text, true), false), &out);
    out += "}}";
    return out;
  }
  Record rec;
  const Status s = decode(reply.commarea, &rec);
  if (!s.ok()) {
    out = "{\"undecodable\":";
    mp::appendJsonString(maskFreeText(s.message(), true), &out);
    out += '}';
    return out;
  }
  for (mp::Slot& slot : rec.mutableSlots()) {
    if (slot.field == mp::kNoIndex || !account_field_[static_cast<size_t>(slot.field)] ||
        slot.value.kind == Value::Kind::kRaw) {
      continue;
    }
    std::string masked = render(slot.field, slot.value);
    slot.value = Value{};
    slot.value.kind = Value::Kind::kText;
    slot.value.text = std::move(masked);
  }
  codec_->toJson(rec, &out);
  return out;
}

std::string Comparator::maskedAccount(std::string_view commarea) const {
  if (key_fields_.empty()) {
    return "";
  }
  Record rec;
  if (!decode(commarea, &rec).ok()) {
    return "";
  }
  const int fi = layout_->find(key_fields_.front());
  if (fi == mp::kNoIndex) {
    return "";
  }
  const Value* v = rec.first(fi);
  if (v == nullptr) {
    return "";
  }
  std::string s = render(fi, *v);
  return account_field_[static_cast<size_t>(fi)] ? s : maskAccount(s);
}

}  // namespace corebridge::dualwrite
