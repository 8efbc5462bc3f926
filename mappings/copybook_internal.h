// Internals of the copybook compiler shared by copybook_*.cc. Not a public
// interface: include mappings/copybook.h instead.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mappings/copybook.h"
#include "mappings/layout.h"

namespace corebridge::mappings::copybook_internal {

enum class TokenKind {
  kWord,     // a COBOL word, number, picture string or other character-string
  kLiteral,  // 'text' or "text" (text holds the value, quotes removed)
  kHex,      // X'C1C2' (text holds the hex digits)
  kPeriod,   // separator period
  kPseudo,   // == (pseudo-text delimiter)
  kEnd,      // end of input
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;   // as written (literal: value without quotes)
  std::string upper;  // text in upper case (words), for keyword matching
  std::shared_ptr<const std::string> source;
  int line = 0;
  int col = 0;

  bool is(std::string_view word) const { return kind == TokenKind::kWord && upper == word; }
};

// "FILE:LINE:COL: "
std::string where(const Token& t);
// How a token is shown after "found": the text as written, or "end of file".
std::string shown(const Token& t);
// InvalidArgument "FILE:LINE:COL: expected WHAT, found 'TOKEN'".
Status expected(const Token& t, std::string_view what);
// InvalidArgument "FILE:LINE:COL: SENTENCE".
Status semanticError(const Token& t, std::string_view sentence);

// Reads the source text (fixed or free format), drops comments, joins
// continuation lines, splits it into tokens and expands COPY statements.
// The result ends with one kEnd token.
Result<std::vector<Token>> tokenizeCopybook(std::string_view text, const std::string& source_name,
                                            const CopybookOptions& options);

// What a PICTURE character-string says about an item.
struct PictureInfo {
  std::string expanded;  // repetitions written out, upper case
  Category category = Category::kAlphanumeric;
  int digits = 0;
  int scale = 0;
  bool is_signed = false;  // S, or a sign symbol in an edited picture
  size_t chars = 0;        // character positions (bytes in DISPLAY, chars for N)
};

// Analyses an upper-case picture string; on error returns a short description
// of what is wrong (for "expected a valid PICTURE ..., found").
bool analyzePicture(std::string_view pic, PictureInfo* out, std::string* error);

// Parsed-but-not-yet-computed facts about one entry, kept beside Layout::fields.
struct EntryInfo {
  Token level_token;
  Token redefines_token;  // kEnd when no REDEFINES
  std::string redefines_name;
  Token picture_token;
  Token depending_token;
  Token renames_token;
  std::string renames_from;
  std::string renames_thru;
  bool has_picture = false;
  size_t picture_chars = 0;
  bool top_level = false;  // no parent: a record (01, 77) or an item of a copybook without 01
  bool usage_explicit = false;
  bool sign_explicit = false;
  SignMode sign_clause = SignMode::kNone;  // leading/trailing (+separate) from SIGN
};

// A figurative constant (SPACE, ZERO, LOW-VALUE, HIGH-VALUE, QUOTE, or ALL
// with `all_text`) in a VALUE, spelled out once the item's length is known.
struct PendingFigurative {
  int field;
  int condition;  // -1: the field's own VALUE
  int value;
  bool high;
  std::string figurative;
  std::string all_text;
};

// Computes offsets, lengths and resolves names across the parsed layout.
Status computeStorage(Layout* layout, std::vector<EntryInfo>* infos,
                      const std::vector<PendingFigurative>& figuratives,
                      const CopybookOptions& options);

}  // namespace corebridge::mappings::copybook_internal
