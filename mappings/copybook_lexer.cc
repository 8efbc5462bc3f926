// Source reading for the copybook compiler: source format, comments,
// continuation lines, tokens, and COPY ... REPLACING expansion.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mappings/copybook_internal.h"

namespace corebridge::mappings::copybook_internal {

std::string where(const Token& t) {
  return (t.source ? *t.source : std::string("<input>")) + ":" + std::to_string(t.line) + ":" +
         std::to_string(t.col) + ": ";
}

std::string shown(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "end of file";
    case TokenKind::kPeriod:
      return ".";
    case TokenKind::kPseudo:
      return "==";
    case TokenKind::kLiteral:
      return "'" + t.text + "'";
    case TokenKind::kHex:
      return "X'" + t.text + "'";
    case TokenKind::kWord:
      break;
  }
  return t.text;
}

Status expected(const Token& t, std::string_view what) {
  return invalidArgument(where(t) + "expected " + std::string(what) + ", found '" + shown(t) + "'");
}

Status semanticError(const Token& t, std::string_view sentence) {
  return invalidArgument(where(t) + std::string(sentence));
}

namespace {

constexpr int kMaxCopyDepth = 32;

std::string upperCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string line(text.substr(start, nl - start));
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  return lines;
}

// Tabs advance to the next multiple of 8 columns (tab stops 9, 17, 25...).
std::string expandTabs(const std::string& line) {
  if (line.find('\t') == std::string::npos) {
    return line;
  }
  std::string out;
  for (char c : line) {
    if (c == '\t') {
      out.append(8 - out.size() % 8, ' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\f'; });
}

bool isIndicator(char c) {
  return c == ' ' || c == '*' || c == '/' || c == '-' || c == 'D' || c == 'd';
}

SourceFormat detectFormat(const std::vector<std::string>& raw) {
  bool any_sequence = false;
  bool all_fixed_shape = true;
  bool any_code = false;
  bool beyond_72 = false;
  for (const std::string& r : raw) {
    if (isBlank(r)) {
      continue;
    }
    any_code = true;
    std::string l = expandTabs(r);
    std::string area = l.substr(0, std::min<size_t>(6, l.size()));
    area.resize(6, ' ');
    char ind = l.size() > 6 ? l[6] : ' ';
    bool digits = std::all_of(area.begin(), area.end(),
                              [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    bool blank = isBlank(area);
    if (digits && isIndicator(ind)) {
      any_sequence = true;
    }
    bool shape = ((blank || digits) && isIndicator(ind)) || ind == '*' || ind == '/';
    if (!shape) {
      all_fixed_shape = false;
    }
    if (l.size() > 72 && !isBlank(std::string_view(l).substr(72))) {
      beyond_72 = true;
    }
  }
  if (any_sequence) {
    return SourceFormat::kFixed;
  }
  if (any_code && all_fixed_shape && !beyond_72) {
    return SourceFormat::kFixed;
  }
  return SourceFormat::kFree;
}

struct Ch {
  char c;
  int line;
  int col;
};

// Builds the logical character stream: code characters with their original
// positions, one '\n' per source line, comments removed, continuations joined.
class Stream {
 public:
  explicit Stream(std::shared_ptr<const std::string> source) : source_(std::move(source)) {}

  void append(std::string_view code, int line, int first_col) {
    for (size_t i = 0; i < code.size(); ++i) {
      char c = code[i];
      if (!in_literal_) {
        if (c == '*' && i + 1 < code.size() && code[i + 1] == '>') {
          break;
        }
        if (c == '\'' || c == '"') {
          in_literal_ = true;
          quote_ = c;
        }
      } else if (c == quote_) {
        in_literal_ = false;  // a doubled quote reopens on the next character
      }
      chars_.push_back({c, line, first_col + static_cast<int>(i)});
    }
  }

  void endLine(int line, int col) {
    chars_.push_back({'\n', line, col});
    last_line_ = line;
  }

  Status readFixed(const std::vector<std::string>& lines) {
    int prev_end_col = 7;  // last column of the previous code line
    for (size_t n = 0; n < lines.size(); ++n) {
      int line = static_cast<int>(n) + 1;
      std::string l = expandTabs(lines[n]);
      if (l.size() > 72) {
        l.resize(72);
      }
      if (l.size() <= 6 || isBlank(std::string_view(l).substr(6))) {
        continue;
      }
      char ind = l[6];
      std::string_view code = std::string_view(l).substr(7);
      size_t first = code.find_first_not_of(' ');
      if (first != std::string_view::npos && code.substr(first, 2) == ">>") {
        continue;
      }
      if (ind == '*' || ind == '/' || ind == 'D' || ind == 'd') {
        continue;
      }
      if (ind == '-' && !chars_.empty()) {
        if (first == std::string_view::npos) {
          continue;
        }
        if (in_literal_) {
          // The literal runs to column 72 of the continued line, then resumes
          // after the quote that opens the continuation line.
          chars_.pop_back();
          for (int c = prev_end_col + 1; c <= 72; ++c) {
            chars_.push_back({' ', last_line_, c});
          }
          if (code[first] != quote_) {
            Token t{TokenKind::kWord,           std::string(1, code[first]), "", source_, line,
                    8 + static_cast<int>(first)};
            return expected(t, "a quote continuing the literal");
          }
          append(code.substr(first + 1), line, 8 + static_cast<int>(first) + 1);
        } else {
          while (!chars_.empty() && (chars_.back().c == '\n' || chars_.back().c == ' ')) {
            chars_.pop_back();
          }
          append(code.substr(first), line, 8 + static_cast<int>(first));
        }
      } else if (ind == ' ' || ind == '-') {
        in_literal_ = false;  // an unclosed literal is reported by the tokenizer
        append(code, line, 8);
      } else {
        Token t{TokenKind::kWord, std::string(1, ind), "", source_, line, 7};
        return expected(t, "an indicator (' ', '*', '/', '-' or 'D') in column 7");
      }
      prev_end_col = 7 + static_cast<int>(code.size());
      endLine(line, prev_end_col + 1);
    }
    return okStatus();
  }

  void readFree(const std::vector<std::string>& lines) {
    for (size_t n = 0; n < lines.size(); ++n) {
      int line = static_cast<int>(n) + 1;
      std::string l = lines[n];
      std::replace(l.begin(), l.end(), '\t', ' ');
      size_t first = l.find_first_not_of(' ');
      if (first != std::string::npos && l.compare(first, 2, ">>") == 0) {
        continue;
      }
      in_literal_ = false;
      append(l, line, 1);
      endLine(line, static_cast<int>(l.size()) + 1);
    }
  }

  Result<std::vector<Token>> tokenize() const;

 private:
  char at(size_t k) const { return k < chars_.size() ? chars_[k].c : '\0'; }
  static bool separatorAfter(char c) {
    return c == ' ' || c == '\n' || c == '\0' || c == '\t' || c == '\f';
  }
  Token make(TokenKind kind, std::string text, size_t k) const {
    Token t;
    t.kind = kind;
    t.upper = kind == TokenKind::kWord ? upperCase(text) : text;
    t.text = std::move(text);
    t.source = source_;
    if (k < chars_.size()) {
      t.line = chars_[k].line;
      t.col = chars_[k].col;
    } else {
      // End of input: just after the last character of code.
      t.line = 1;
      t.col = 1;
      for (size_t j = chars_.size(); j > 0; --j) {
        if (chars_[j - 1].c != '\n') {
          t.line = chars_[j - 1].line;
          t.col = chars_[j - 1].col + 1;
          break;
        }
      }
    }
    return t;
  }

  std::shared_ptr<const std::string> source_;
  std::vector<Ch> chars_;
  bool in_literal_ = false;
  char quote_ = 0;
  int last_line_ = 0;
};

Result<std::vector<Token>> Stream::tokenize() const {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = chars_.size();
  while (i < n) {
    char c = chars_[i].c;
    if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == ',' || c == ';') {
      ++i;
      continue;
    }
    if (c == '.' && separatorAfter(at(i + 1))) {
      out.push_back(make(TokenKind::kPeriod, ".", i));
      ++i;
      continue;
    }
    if (c == '=' && at(i + 1) == '=') {
      out.push_back(make(TokenKind::kPseudo, "==", i));
      i += 2;
      continue;
    }
    bool prefixed =
        (std::strchr("XxNnGgZz", c) != nullptr) && (at(i + 1) == '\'' || at(i + 1) == '"');
    if (c == '\'' || c == '"' || prefixed) {
      size_t start = i;
      bool hex = prefixed && (c == 'X' || c == 'x');
      if (prefixed) {
        ++i;
      }
      char q = chars_[i].c;
      std::string value;
      ++i;
      while (true) {
        if (i >= n || chars_[i].c == '\n') {
          Token t = make(TokenKind::kWord, "end of line", start);
          return expected(t, "a closing quote for the literal starting here");
        }
        if (chars_[i].c == q) {
          if (at(i + 1) == q) {
            value.push_back(q);
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value.push_back(chars_[i].c);
        ++i;
      }
      if (hex) {
        bool ok = value.size() % 2 == 0 && std::all_of(value.begin(), value.end(), [](char h) {
                    return std::isxdigit(static_cast<unsigned char>(h));
                  });
        Token t = make(TokenKind::kHex, upperCase(value), start);
        if (!ok) {
          return expected(t, "an even number of hex digits");
        }
        out.push_back(std::move(t));
      } else {
        out.push_back(make(TokenKind::kLiteral, value, start));
      }
      continue;
    }
    size_t start = i;
    std::string word;
    while (i < n) {
      char w = chars_[i].c;
      if (w == ' ' || w == '\n' || w == '\t' || w == '\f' || w == '\'' || w == '"') {
        break;
      }
      if ((w == '.' || w == ',' || w == ';') && separatorAfter(at(i + 1))) {
        break;
      }
      if (w == '=' && at(i + 1) == '=' && !word.empty()) {
        break;
      }
      word.push_back(w);
      ++i;
    }
    out.push_back(make(TokenKind::kWord, word, start));
  }
  out.push_back(make(TokenKind::kEnd, "", n));
  // Free-format literal concatenation: 'abc' & 'def'.
  std::vector<Token> joined;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k].is("&") && !joined.empty() && joined.back().kind == TokenKind::kLiteral &&
        k + 1 < out.size() && out[k + 1].kind == TokenKind::kLiteral) {
      joined.back().text += out[k + 1].text;
      joined.back().upper += out[k + 1].upper;
      ++k;
      continue;
    }
    joined.push_back(std::move(out[k]));
  }
  return joined;
}

// ---- COPY ----------------------------------------------------------------

struct Replacement {
  enum class Mode { kWhole, kLeading, kTrailing } mode = Mode::kWhole;
  std::vector<Token> from;
  std::vector<Token> to;
};

bool sameToken(const Token& a, const Token& b) {
  if (a.kind != b.kind) {
    return false;
  }
  return a.kind == TokenKind::kWord ? a.upper == b.upper : a.text == b.text;
}

// Replaces every occurrence of `from` inside `word` (case-insensitive).
bool replaceInside(Token* t, const std::string& from, const std::string& to,
                   Replacement::Mode mode) {
  if (from.empty() || t->upper.size() < from.size()) {
    return false;
  }
  if (mode == Replacement::Mode::kLeading) {
    if (t->upper.compare(0, from.size(), from) != 0) {
      return false;
    }
    t->text = to + t->text.substr(from.size());
  } else if (mode == Replacement::Mode::kTrailing) {
    if (t->upper.compare(t->upper.size() - from.size(), from.size(), from) != 0) {
      return false;
    }
    t->text = t->text.substr(0, t->text.size() - from.size()) + to;
  } else {
    size_t pos = t->upper.find(from);
    if (pos == std::string::npos) {
      return false;
    }
    std::string text;
    size_t last = 0;
    while (pos != std::string::npos) {
      text += t->text.substr(last, pos - last) + to;
      last = pos + from.size();
      pos = t->upper.find(from, last);
    }
    text += t->text.substr(last);
    t->text = text;
  }
  t->upper = upperCase(t->text);
  return true;
}

// A pseudo-text operand of a single word delimited by colons or parentheses
// (":TAG:", "(TAG)") also replaces that text inside longer words, as IBM
// Enterprise COBOL does; LEADING/TRAILING replace a prefix/suffix.
bool isPartialPattern(const Replacement& r) {
  if (r.from.size() != 1 || r.from[0].kind != TokenKind::kWord) {
    return false;
  }
  if (r.mode != Replacement::Mode::kWhole) {
    return true;
  }
  const std::string& w = r.from[0].upper;
  return w.size() >= 2 &&
         ((w.front() == ':' && w.back() == ':') || (w.front() == '(' && w.back() == ')'));
}

std::vector<Token> applyReplacing(const std::vector<Token>& in,
                                  const std::vector<Replacement>& reps) {
  std::vector<Token> out;
  for (size_t i = 0; i < in.size();) {
    bool matched = false;
    for (const Replacement& r : reps) {
      if (r.mode != Replacement::Mode::kWhole || r.from.empty()) {
        continue;
      }
      if (i + r.from.size() > in.size()) {
        continue;
      }
      bool all = true;
      for (size_t k = 0; k < r.from.size() && all; ++k) {
        all = sameToken(in[i + k], r.from[k]);
      }
      if (!all) {
        continue;
      }
      for (Token t : r.to) {
        t.source = in[i].source;
        t.line = in[i].line;
        t.col = in[i].col;
        out.push_back(std::move(t));
      }
      i += r.from.size();
      matched = true;
      break;
    }
    if (matched) {
      continue;
    }
    Token t = in[i];
    if (t.kind == TokenKind::kWord) {
      for (const Replacement& r : reps) {
        if (!isPartialPattern(r)) {
          continue;
        }
        std::string to;
        for (const Token& x : r.to) {
          to += x.text;
        }
        if (replaceInside(&t, r.from[0].upper, to, r.mode)) {
          break;
        }
      }
      if (t.text.empty()) {
        ++i;
        continue;
      }
    }
    out.push_back(std::move(t));
    ++i;
  }
  return out;
}

struct CopyContext {
  const CopybookOptions& options;
  std::vector<std::string> stack;  // canonical paths being expanded
};

Result<std::vector<Token>> readSource(std::string_view text, const std::string& source_name,
                                      CopyContext* ctx);

std::string findMember(const std::string& member, const std::string& library,
                       const std::string& including, const CopybookOptions& options) {
  namespace fs = std::filesystem;
  std::vector<fs::path> dirs;
  fs::path parent = fs::path(including).parent_path();
  if (!parent.empty()) {
    dirs.push_back(parent);
  }
  for (const std::string& d : options.search_path) {
    dirs.push_back(d);
  }
  std::vector<std::string> names;
  std::string lower = member;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const std::string& base : {member, lower}) {
    for (const char* ext : {"", ".cpy", ".cob", ".CPY"}) {
      names.push_back(base + ext);
    }
  }
  std::error_code ec;
  if (fs::path(member).is_absolute() && fs::is_regular_file(member, ec)) {
    return member;
  }
  for (const fs::path& dir : dirs) {
    std::vector<fs::path> roots = {dir};
    if (!library.empty()) {
      roots.insert(roots.begin(), dir / library);
    }
    for (const fs::path& root : roots) {
      for (const std::string& name : names) {
        fs::path p = root / name;
        if (fs::is_regular_file(p, ec)) {
          return p.string();
        }
      }
    }
  }
  return "";
}

Result<std::vector<Token>> pseudoText(const std::vector<Token>& toks, size_t* i) {
  std::vector<Token> out;
  const Token& open = toks[*i];
  ++*i;
  while (toks[*i].kind != TokenKind::kPseudo) {
    if (toks[*i].kind == TokenKind::kEnd) {
      return expected(open, "pseudo-text closed by '=='");
    }
    out.push_back(toks[*i]);
    ++*i;
  }
  ++*i;
  return out;
}

Result<std::vector<Token>> replacingOperand(const std::vector<Token>& toks, size_t* i) {
  const Token& t = toks[*i];
  if (t.kind == TokenKind::kPseudo) {
    return pseudoText(toks, i);
  }
  if (t.kind == TokenKind::kWord || t.kind == TokenKind::kLiteral || t.kind == TokenKind::kHex) {
    ++*i;
    return std::vector<Token>{t};
  }
  return expected(t, "a REPLACING operand (==pseudo-text==, a word or a literal)");
}

Result<std::vector<Token>> expandCopies(const std::vector<Token>& toks, CopyContext* ctx) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < toks.size()) {
    if (!toks[i].is("COPY")) {
      out.push_back(toks[i]);
      ++i;
      continue;
    }
    const Token& copy = toks[i++];
    const Token& name = toks[i];
    if (name.kind != TokenKind::kWord && name.kind != TokenKind::kLiteral) {
      return expected(name, "a COPY member name");
    }
    ++i;
    std::string library;
    if (toks[i].is("OF") || toks[i].is("IN")) {
      ++i;
      if (toks[i].kind != TokenKind::kWord && toks[i].kind != TokenKind::kLiteral) {
        return expected(toks[i], "a library name");
      }
      library = toks[i].text;
      ++i;
    }
    if (toks[i].is("SUPPRESS")) {
      ++i;
    }
    std::vector<Replacement> reps;
    if (toks[i].is("REPLACING")) {
      ++i;
      do {
        Replacement r;
        if (toks[i].is("LEADING")) {
          r.mode = Replacement::Mode::kLeading;
          ++i;
        } else if (toks[i].is("TRAILING")) {
          r.mode = Replacement::Mode::kTrailing;
          ++i;
        }
        const Token& from_tok = toks[i];
        CB_ASSIGN_OR_RETURN(r.from, replacingOperand(toks, &i));
        if (r.from.empty()) {
          return expected(from_tok, "non-empty pseudo-text");
        }
        if (r.mode != Replacement::Mode::kWhole && r.from.size() != 1) {
          return expected(from_tok, "a single word after LEADING/TRAILING");
        }
        if (!toks[i].is("BY")) {
          return expected(toks[i], "BY");
        }
        ++i;
        CB_ASSIGN_OR_RETURN(r.to, replacingOperand(toks, &i));
        reps.push_back(std::move(r));
      } while (toks[i].kind != TokenKind::kPeriod && toks[i].kind != TokenKind::kEnd);
    }
    if (toks[i].kind != TokenKind::kPeriod) {
      return expected(toks[i], "'.' ending the COPY statement");
    }
    ++i;
    if (ctx->stack.size() >= kMaxCopyDepth) {
      return semanticError(copy, "COPY nesting deeper than " + std::to_string(kMaxCopyDepth));
    }
    std::string path = findMember(name.text, library, *copy.source, ctx->options);
    if (path.empty()) {
      return semanticError(name, "COPY member '" + name.text + "' not found in the including " +
                                     "file's directory or the search path");
    }
    std::error_code ec;
    std::string canon = std::filesystem::weakly_canonical(path, ec).string();
    if (ec) {
      canon = path;
    }
    auto cycle = std::find(ctx->stack.begin(), ctx->stack.end(), canon);
    if (cycle != ctx->stack.end()) {
      std::string chain;
      for (auto it = cycle; it != ctx->stack.end(); ++it) {
        chain += *it;
        chain += " -> ";
      }
      chain += canon;
      return semanticError(name, "COPY cycle: " + chain);
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) {
      return semanticError(name, "cannot read COPY member " + path);
    }
    ctx->stack.push_back(canon);
    auto member = readSource(buf.str(), path, ctx);
    ctx->stack.pop_back();
    if (!member.ok()) {
      return member.status();
    }
    std::vector<Token> body = std::move(member).value();
    body.pop_back();  // kEnd
    if (!reps.empty()) {
      body = applyReplacing(body, reps);
    }
    for (Token& t : body) {
      out.push_back(std::move(t));
    }
  }
  return out;
}

Result<std::vector<Token>> readSource(std::string_view text, const std::string& source_name,
                                      CopyContext* ctx) {
  auto source = std::make_shared<const std::string>(source_name);
  std::vector<std::string> lines = splitLines(text);
  SourceFormat format = ctx->options.format;
  if (format == SourceFormat::kAuto) {
    format = detectFormat(lines);
  }
  Stream stream(source);
  if (format == SourceFormat::kFixed) {
    CB_RETURN_IF_ERROR(stream.readFixed(lines));
  } else {
    stream.readFree(lines);
  }
  CB_ASSIGN_OR_RETURN(std::vector<Token> toks, stream.tokenize());
  return expandCopies(toks, ctx);
}

}  // namespace

Result<std::vector<Token>> tokenizeCopybook(std::string_view text, const std::string& source_name,
                                            const CopybookOptions& options) {
  CopyContext ctx{options, {}};
  std::error_code ec;
  if (!source_name.empty() && std::filesystem::is_regular_file(source_name, ec)) {
    ctx.stack.push_back(std::filesystem::weakly_canonical(source_name, ec).string());
  }
  return readSource(text, source_name, &ctx);
}

}  // namespace corebridge::mappings::copybook_internal
