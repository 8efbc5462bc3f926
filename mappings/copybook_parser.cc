// Data description entries: levels, names, clauses, the item hierarchy.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "mappings/copybook.h"
#include "mappings/copybook_internal.h"

namespace corebridge::mappings {
namespace copybook_internal {
namespace {

constexpr int kMaxOccurs = 16'777'215;

bool isNumber(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// [+-]digits[.digits] or [+-].digits
bool isNumericLiteral(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) {
    return isNumber(s);
  }
  std::string_view a = s.substr(0, dot);
  std::string_view b = s.substr(dot + 1);
  return (a.empty() || isNumber(a)) && (b.empty() || isNumber(b)) && !(a.empty() && b.empty());
}

const char* figurativeOf(std::string_view w) {
  if (w == "SPACE" || w == "SPACES") {
    return "SPACE";
  }
  if (w == "ZERO" || w == "ZEROS" || w == "ZEROES") {
    return "ZERO";
  }
  if (w == "LOW-VALUE" || w == "LOW-VALUES" || w == "NULL" || w == "NULLS") {
    return "LOW-VALUE";
  }
  if (w == "HIGH-VALUE" || w == "HIGH-VALUES") {
    return "HIGH-VALUE";
  }
  if (w == "QUOTE" || w == "QUOTES") {
    return "QUOTE";
  }
  return nullptr;
}

bool isKeyword(std::string_view w) {
  static const char* const kWords[] = {"PIC",
                                       "PICTURE",
                                       "USAGE",
                                       "VALUE",
                                       "VALUES",
                                       "REDEFINES",
                                       "OCCURS",
                                       "SIGN",
                                       "SYNC",
                                       "SYNCHRONIZED",
                                       "JUST",
                                       "JUSTIFIED",
                                       "BLANK",
                                       "DISPLAY",
                                       "COMP",
                                       "COMPUTATIONAL",
                                       "COMP-1",
                                       "COMP-2",
                                       "COMP-3",
                                       "COMP-4",
                                       "COMP-5",
                                       "COMPUTATIONAL-1",
                                       "COMPUTATIONAL-2",
                                       "COMPUTATIONAL-3",
                                       "COMPUTATIONAL-4",
                                       "COMPUTATIONAL-5",
                                       "BINARY",
                                       "PACKED-DECIMAL",
                                       "POINTER",
                                       "INDEX",
                                       "NATIONAL",
                                       "LEADING",
                                       "TRAILING",
                                       "EXTERNAL",
                                       "GLOBAL",
                                       "RENAMES",
                                       "IS",
                                       "INDEXED",
                                       "ASCENDING",
                                       "DESCENDING",
                                       "DEPENDING",
                                       "TIMES",
                                       "TO",
                                       "ON",
                                       "KEY",
                                       "BY",
                                       "THRU",
                                       "THROUGH",
                                       "SEPARATE",
                                       "CHARACTER",
                                       "WHEN",
                                       "ZERO",
                                       "ZEROS",
                                       "ZEROES",
                                       "ARE",
                                       "OF",
                                       "IN",
                                       "LEFT",
                                       "RIGHT",
                                       "ALL"};
  for (const char* k : kWords) {
    if (w == k) {
      return true;
    }
  }
  return false;
}

bool isDataName(std::string_view w) {
  bool letter = false;
  for (char c : w) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      letter = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return letter && !isKeyword(w);
}

bool usageOf(std::string_view w, Usage* u) {
  if (w == "DISPLAY") {
    *u = Usage::kDisplay;
  } else if (w == "COMP" || w == "COMPUTATIONAL" || w == "COMP-4" || w == "COMPUTATIONAL-4" ||
             w == "BINARY") {
    *u = Usage::kBinary;
  } else if (w == "COMP-5" || w == "COMPUTATIONAL-5") {
    *u = Usage::kNativeBinary;
  } else if (w == "COMP-3" || w == "COMPUTATIONAL-3" || w == "PACKED-DECIMAL") {
    *u = Usage::kPacked;
  } else if (w == "COMP-1" || w == "COMPUTATIONAL-1") {
    *u = Usage::kFloatShort;
  } else if (w == "COMP-2" || w == "COMPUTATIONAL-2") {
    *u = Usage::kFloatLong;
  } else if (w == "POINTER") {
    *u = Usage::kPointer;
  } else if (w == "INDEX") {
    *u = Usage::kIndex;
  } else if (w == "NATIONAL") {
    *u = Usage::kNational;
  } else {
    return false;
  }
  return true;
}

// One literal of a VALUE clause.
struct Literal {
  std::string text;
  std::string figurative;  // non-empty for figurative constants and ALL
  std::string all_text;
};

class Parser {
 public:
  Parser(const std::vector<Token>& toks, const CopybookOptions& options)
      : toks_(toks), options_(options) {}

  Result<Layout> run() {
    while (peek().kind != TokenKind::kEnd) {
      if (peek().is("EJECT") || peek().is("SKIP1") || peek().is("SKIP2") || peek().is("SKIP3")) {
        next();
        if (peek().kind == TokenKind::kPeriod) {
          next();
        }
        continue;
      }
      CB_RETURN_IF_ERROR(entry());
    }
    if (layout_.fields.empty()) {
      return expected(peek(), "a level number");
    }
    layout_.dialect = options_.dialect;
    CB_RETURN_IF_ERROR(computeStorage(&layout_, &infos_, figuratives_, options_));
    return std::move(layout_);
  }

 private:
  const Token& peek(size_t k = 0) const {
    size_t i = std::min(pos_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& next() {
    const Token& t = toks_[std::min(pos_, toks_.size() - 1)];
    if (pos_ < toks_.size() - 1) {
      ++pos_;
    }
    return t;
  }
  void skipWord(std::string_view w) {
    if (peek().is(w)) {
      next();
    }
  }
  void warn(const Token& t, const std::string& message) {
    if (options_.warnings != nullptr) {
      options_.warnings->push_back(where(t) + message);
    }
  }

  Status entry() {
    const Token& level_tok = next();
    if (level_tok.kind != TokenKind::kWord || !isNumber(level_tok.text) ||
        level_tok.text.size() > 2) {
      return expected(level_tok, "a level number");
    }
    int level = std::stoi(level_tok.text);
    if (!((level >= 1 && level <= 49) || level == 66 || level == 77 || level == 88)) {
      return expected(level_tok, "a level number (01-49, 66, 77 or 88)");
    }
    if (level == 88) {
      return conditionEntry(level_tok);
    }
    Field f;
    EntryInfo info;
    info.level_token = level_tok;
    f.level = level;
    f.line = level_tok.line;
    f.source = level_tok.source ? *level_tok.source : "";
    if (peek().kind == TokenKind::kWord && (peek().is("FILLER") || !isKeyword(peek().upper))) {
      const Token& name = next();
      if (!name.is("FILLER") && !isDataName(name.upper)) {
        return expected(name, "a data name");
      }
      f.name = name.upper;
      f.filler = name.is("FILLER");
    } else {
      f.name = "FILLER";
      f.filler = true;
    }
    if (level == 66) {
      if (f.filler) {
        return expected(peek(), "a data name for level 66");
      }
      return renamesEntry(std::move(f), std::move(info));
    }
    int index = static_cast<int>(layout_.fields.size());
    layout_.fields.push_back(std::move(f));
    infos_.push_back(std::move(info));
    CB_RETURN_IF_ERROR(clauses(index));
    return attach(index);
  }

  Status attach(int index) {
    Field& f = layout_.fields[index];
    EntryInfo& info = infos_[index];
    last_item_ = index;
    if (f.level == 1 || f.level == 77) {
      stack_.clear();
      layout_.records.push_back(index);
      info.top_level = true;
      if (f.level == 1) {
        stack_.push_back(index);
      }
      if (f.has_occurs) {
        return semanticError(info.level_token,
                             "OCCURS is not allowed at level " + std::to_string(f.level));
      }
      return okStatus();
    }
    while (!stack_.empty() && layout_.fields[stack_.back()].level >= f.level) {
      stack_.pop_back();
    }
    if (stack_.empty()) {
      // A copybook without 01: its outermost items are laid out one after
      // the other, each listed as a record.
      layout_.records.push_back(index);
      info.top_level = true;
    } else {
      int parent = stack_.back();
      Field& p = layout_.fields[parent];
      if (!p.children.empty() && layout_.fields[p.children.back()].level != f.level) {
        warn(info.level_token, "level " + std::to_string(f.level) + " of " + f.name +
                                   " differs from the level " +
                                   std::to_string(layout_.fields[p.children.back()].level) +
                                   " of its preceding sibling; treated as a sibling (IBM rule)");
      }
      f.parent = parent;
      p.children.push_back(index);
    }
    stack_.push_back(index);
    return okStatus();
  }

  Status clauses(int index) {
    Field& f = layout_.fields[index];
    EntryInfo& info = infos_[index];
    while (peek().kind != TokenKind::kPeriod) {
      const Token& t = peek();
      if (t.kind != TokenKind::kWord) {
        return expected(t, "a data description clause or '.'");
      }
      Usage usage;
      if (t.is("PIC") || t.is("PICTURE")) {
        next();
        skipWord("IS");
        const Token& pic = next();
        if (pic.kind != TokenKind::kWord) {
          return expected(pic, "a PICTURE character-string");
        }
        PictureInfo pi;
        std::string why;
        if (!analyzePicture(pic.text, &pi, &why)) {
          return expected(pic, "a valid PICTURE character-string (" + why + ")");
        }
        info.has_picture = true;
        info.picture_token = pic;
        info.picture_chars = pi.chars;
        f.picture = pi.expanded;
        f.category = pi.category;
        f.digits = pi.digits;
        f.scale = pi.scale;
        f.is_signed = pi.is_signed;
      } else if (t.is("USAGE") || usageOf(t.upper, &usage)) {
        if (t.is("USAGE")) {
          next();
          skipWord("IS");
          if (!usageOf(peek().upper, &usage) || peek().kind != TokenKind::kWord) {
            return expected(peek(),
                            "a USAGE (DISPLAY, COMP, COMP-1...5, BINARY, PACKED-DECIMAL, "
                            "POINTER, INDEX, NATIONAL)");
          }
        }
        next();
        f.usage = usage;
        info.usage_explicit = true;
      } else if (t.is("VALUE") || t.is("VALUES")) {
        next();
        skipWord("IS");
        skipWord("ARE");
        Literal lit;
        CB_RETURN_IF_ERROR(literal(&lit));
        f.has_value = true;
        f.value = lit.text;
        if (!lit.figurative.empty()) {
          figuratives_.push_back({index, -1, 0, false, lit.figurative, lit.all_text});
        }
      } else if (t.is("REDEFINES")) {
        next();
        const Token& target = next();
        if (target.kind != TokenKind::kWord || !isDataName(target.upper)) {
          return expected(target, "the name of the redefined item");
        }
        info.redefines_token = target;
        info.redefines_name = target.upper;
      } else if (t.is("OCCURS")) {
        CB_RETURN_IF_ERROR(occurs(index));
      } else if (t.is("ASCENDING") || t.is("DESCENDING")) {
        next();
        skipWord("KEY");
        skipWord("IS");
        CB_RETURN_IF_ERROR(names("a key name"));
      } else if (t.is("INDEXED")) {
        next();
        skipWord("BY");
        CB_RETURN_IF_ERROR(names("an index name"));
      } else if (t.is("SIGN") || t.is("LEADING") || t.is("TRAILING")) {
        if (t.is("SIGN")) {
          next();
          skipWord("IS");
        }
        bool leading = peek().is("LEADING");
        if (!leading && !peek().is("TRAILING")) {
          return expected(peek(), "LEADING or TRAILING");
        }
        next();
        bool separate = peek().is("SEPARATE");
        if (separate) {
          next();
          skipWord("CHARACTER");
        }
        info.sign_explicit = true;
        info.sign_clause =
            leading ? (separate ? SignMode::kLeadingSeparate : SignMode::kLeadingOverpunch)
                    : (separate ? SignMode::kTrailingSeparate : SignMode::kTrailingOverpunch);
      } else if (t.is("SYNC") || t.is("SYNCHRONIZED")) {
        next();
        if (peek().is("LEFT") || peek().is("RIGHT")) {
          next();
        }
        f.sync = true;
      } else if (t.is("JUST") || t.is("JUSTIFIED")) {
        next();
        skipWord("RIGHT");
        f.justified_right = true;
      } else if (t.is("BLANK")) {
        next();
        skipWord("WHEN");
        if (!peek().is("ZERO") && !peek().is("ZEROS") && !peek().is("ZEROES")) {
          return expected(peek(), "ZERO after BLANK WHEN");
        }
        next();
        f.blank_when_zero = true;
      } else if (t.is("EXTERNAL") || t.is("GLOBAL")) {
        next();
      } else {
        return expected(t, "a data description clause or '.'");
      }
    }
    next();  // the period
    return okStatus();
  }

  Status occurs(int index) {
    Field& f = layout_.fields[index];
    EntryInfo& info = infos_[index];
    next();
    if (f.has_occurs) {
      return expected(peek(), "a single OCCURS clause");
    }
    int first = 0;
    CB_RETURN_IF_ERROR(integer(&first, "an OCCURS count"));
    f.has_occurs = true;
    f.occurs_min = f.occurs_max = first;
    if (peek().is("TO")) {
      next();
      int max = 0;
      const Token& max_tok = peek();
      CB_RETURN_IF_ERROR(integer(&max, "the maximum OCCURS count"));
      if (max < first || max < 1) {
        return expected(max_tok, "a maximum not below the minimum");
      }
      f.occurs_max = max;
    } else if (first < 1) {
      return expected(toks_[pos_ - 1], "an OCCURS count of at least 1");
    }
    skipWord("TIMES");
    if (peek().is("DEPENDING")) {
      next();
      skipWord("ON");
      const Token& obj = next();
      if (obj.kind != TokenKind::kWord || !isDataName(obj.upper)) {
        return expected(obj, "the name of the DEPENDING ON object");
      }
      info.depending_token = obj;
      f.depending_on = obj.upper;
      while ((peek().is("OF") || peek().is("IN")) && peek(1).kind == TokenKind::kWord) {
        f.depending_on += " " + next().upper;
        f.depending_on += " " + next().upper;
      }
    } else if (f.occurs_min != f.occurs_max) {
      return expected(peek(), "DEPENDING ON after OCCURS m TO n");
    }
    return okStatus();
  }

  Status integer(int* out, std::string_view what) {
    const Token& t = next();
    if (t.kind != TokenKind::kWord || !isNumber(t.text) || t.text.size() > 9 ||
        std::stol(t.text) > kMaxOccurs) {
      return expected(t, what);
    }
    *out = std::stoi(t.text);
    return okStatus();
  }

  Status names(std::string_view what) {
    if (peek().kind != TokenKind::kWord || !isDataName(peek().upper)) {
      return expected(peek(), what);
    }
    while (peek().kind == TokenKind::kWord && isDataName(peek().upper)) {
      next();
    }
    return okStatus();
  }

  Status literal(Literal* out) {
    const Token& t = next();
    if (t.kind == TokenKind::kLiteral) {
      out->text = t.text;
      return okStatus();
    }
    if (t.kind == TokenKind::kHex) {
      std::string bytes;
      for (size_t i = 0; i + 1 < t.text.size(); i += 2) {
        bytes.push_back(static_cast<char>(std::stoi(t.text.substr(i, 2), nullptr, 16)));
      }
      options_.dialect.code_page->decode(reinterpret_cast<const uint8_t*>(bytes.data()),
                                         bytes.size(), &out->text);
      return okStatus();
    }
    if (t.kind == TokenKind::kWord) {
      if (isNumericLiteral(t.text)) {
        out->text = t.text;
        return okStatus();
      }
      if (const char* fig = figurativeOf(t.upper)) {
        out->figurative = fig;
        return okStatus();
      }
      if (t.is("ALL")) {
        const Token& lit = next();
        if (lit.kind != TokenKind::kLiteral || lit.text.empty()) {
          if (lit.kind == TokenKind::kWord && figurativeOf(lit.upper) != nullptr) {
            out->figurative = figurativeOf(lit.upper);
            return okStatus();
          }
          return expected(lit, "a non-empty literal after ALL");
        }
        out->figurative = "ALL";
        out->all_text = lit.text;
        return okStatus();
      }
    }
    return expected(t, "a literal");
  }

  Status conditionEntry(const Token& level_tok) {
    const Token& name = next();
    if (name.kind != TokenKind::kWord || !isDataName(name.upper)) {
      return expected(name, "a condition name");
    }
    if (last_item_ == kNoIndex) {
      return semanticError(level_tok, "level 88 without a data item");
    }
    if (!peek().is("VALUE") && !peek().is("VALUES")) {
      return expected(peek(), "VALUE or VALUES");
    }
    next();
    skipWord("IS");
    skipWord("ARE");
    Field& owner = layout_.fields[last_item_];
    Condition cond;
    cond.name = name.upper;
    cond.line = level_tok.line;
    int cond_index = static_cast<int>(owner.conditions.size());
    if (peek().kind == TokenKind::kPeriod) {
      return expected(peek(), "a literal");
    }
    while (peek().kind != TokenKind::kPeriod) {
      if (peek().is("WHEN") || peek().is("FALSE")) {
        // WHEN SET TO FALSE IS literal: the value SET ... TO FALSE stores.
        while (!peek().is("IS") && peek().kind != TokenKind::kPeriod &&
               peek().kind != TokenKind::kEnd && !peek().is("FALSE")) {
          next();
        }
        skipWord("FALSE");
        skipWord("IS");
        Literal ignored;
        CB_RETURN_IF_ERROR(literal(&ignored));
        continue;
      }
      Literal low;
      CB_RETURN_IF_ERROR(literal(&low));
      ConditionValue v;
      v.low = low.text;
      int value_index = static_cast<int>(cond.values.size());
      if (!low.figurative.empty()) {
        figuratives_.push_back(
            {last_item_, cond_index, value_index, false, low.figurative, low.all_text});
      }
      if (peek().is("THRU") || peek().is("THROUGH")) {
        next();
        Literal high;
        CB_RETURN_IF_ERROR(literal(&high));
        v.high = high.text;
        if (!high.figurative.empty()) {
          figuratives_.push_back(
              {last_item_, cond_index, value_index, true, high.figurative, high.all_text});
        }
      }
      cond.values.push_back(std::move(v));
    }
    next();
    owner.conditions.push_back(std::move(cond));
    return okStatus();
  }

  Status renamesEntry(Field f, EntryInfo info) {
    if (!peek().is("RENAMES")) {
      return expected(peek(), "RENAMES");
    }
    next();
    CB_RETURN_IF_ERROR(qualifiedName(&info.renames_from, &info.renames_token));
    if (peek().is("THRU") || peek().is("THROUGH")) {
      next();
      Token ignored;
      CB_RETURN_IF_ERROR(qualifiedName(&info.renames_thru, &ignored));
    }
    if (peek().kind != TokenKind::kPeriod) {
      return expected(peek(), "'.'");
    }
    next();
    if (layout_.records.empty()) {
      return semanticError(info.level_token, "level 66 outside a record");
    }
    f.parent = layout_.records.back();
    last_item_ = kNoIndex;
    layout_.fields.push_back(std::move(f));
    infos_.push_back(std::move(info));
    return okStatus();
  }

  Status qualifiedName(std::string* out, Token* first) {
    const Token& t = next();
    if (t.kind != TokenKind::kWord || !isDataName(t.upper)) {
      return expected(t, "a data name");
    }
    *first = t;
    *out = t.upper;
    while ((peek().is("OF") || peek().is("IN")) && peek(1).kind == TokenKind::kWord) {
      *out += " " + next().upper;
      *out += " " + next().upper;
    }
    return okStatus();
  }

  const std::vector<Token>& toks_;
  const CopybookOptions& options_;
  size_t pos_ = 0;
  Layout layout_;
  std::vector<EntryInfo> infos_;
  std::vector<PendingFigurative> figuratives_;
  std::vector<int> stack_;  // open items, outermost first
  int last_item_ = kNoIndex;
};

}  // namespace
}  // namespace copybook_internal

Result<Layout> parseCopybook(std::string_view text, std::string_view source_name,
                             const CopybookOptions& options) {
  using namespace copybook_internal;
  CB_ASSIGN_OR_RETURN(std::vector<Token> toks,
                      tokenizeCopybook(text, std::string(source_name), options));
  Parser parser(toks, options);
  return parser.run();
}

Result<Layout> parseCopybookFile(const std::string& path, const CopybookOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return notFound("cannot read copybook " + path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return parseCopybook(buf.str(), path, options);
}

}  // namespace corebridge::mappings
