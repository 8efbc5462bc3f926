// Comparator: does the new core answer a channel transaction the way legacy
// does? It decodes both reply COMMAREAs through the transaction's copybook
// and compares them field by field (docs/comparator.md).
//
// What is compared:
//   - the frame outcome first: a system-error reply (ZZ != 0) on one side and
//     a normal reply on the other is one difference of kind kOutcome. Two
//     system errors agree (their texts are each side's own wording and are
//     not compared); nothing else is then compared.
//   - every named elementary item of the decoded records, in storage order,
//     addressed by its dotted COBOL path with 1-based subscripts
//     ("STM-COMMAREA.STM-REPLY.STM-POSTINGS[2].STM-PST-AMOUNT"). Items that
//     only one side holds (an OCCURS DEPENDING ON table of another length, a
//     different REDEFINES alternative) are differences of kind kAbsent.
//   - numbers as exact decimals: 1.50 equals 1.5, -0 equals 0, never double;
//     text exactly (UTF-8 as decoded), unless a noise rule relaxes it.
//   - FILLER and raw bytes (uncovered REDEFINES bytes, the unused tail of an
//     ODO table) are not compared: they carry no meaning, and legacy leaves
//     whatever was in storage there. ComparatorOptions::compare_filler turns
//     that on (bytes compared exactly, shown as X'..').
// Noise rules (mappings::NoiseRule) of the pack apply to the field they name
// and, when it names a group, to every item under it (a rule on the item
// itself wins): kIgnore, kTrim (trailing spaces and low-values do not
// count), kTimeWindow (YYYYMMDD, YYDDD, HHMMSS, YYYYMMDDHHMMSS values within
// window_seconds; values that do not parse in the format are compared
// exactly), kTolerance (numbers within tolerance_minor_units at the item's
// scale).
//
// A reply that does not decode (wrong length, invalid packed digits ...) is
// a difference of kind kUndecodable carrying the codec's error (field path
// and offset), not an error: a mismatch is a value.
//
// Masking: values of account fields are masked in the differences (at most
// the first six and last four digits visible, common/logging.h maskAccount).
// An account field is one of the pack's key_fields, or any field whose name
// contains ACCT, ACCOUNT or CARD (isAccountFieldName). This errs on the side
// of masking: a field named ACCT-STATUS is masked too.
//
// Thread-safety: immutable after create(); compare() and payloadJson() may be
// called from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/backend.h"
#include "common/status.h"
#include "mappings/layout.h"
#include "mappings/pack.h"
#include "mappings/record_codec.h"

namespace corebridge::dualwrite {

struct FieldDifference {
  enum class Kind : uint8_t {
    kValue,        // both sides hold the item, with different values
    kAbsent,       // only one side holds the item (its value text is "(absent)")
    kUndecodable,  // a reply did not decode; its value text is the codec's error
    kOutcome,      // system-error reply vs normal reply
  };
  Kind kind = Kind::kValue;
  // The COBOL path with subscripts; "(frame)" for kOutcome, "(commarea)" for
  // kUndecodable.
  std::string path;
  // The elementary item's name without qualification or subscripts
  // ("STM-PST-AMOUNT"), what the mismatch store counts by; equals `path`
  // for kOutcome and kUndecodable.
  std::string field;
  std::string legacy;     // the legacy value as text (masked for account fields)
  std::string new_value;  // the new core's value as text (masked likewise)

  bool operator==(const FieldDifference&) const = default;
};

// "value", "absent", "undecodable", "outcome"; parseDifferenceKind is the inverse.
std::string_view differenceKindName(FieldDifference::Kind kind);
bool parseDifferenceKind(std::string_view name, FieldDifference::Kind* out);

struct Comparison {
  std::vector<FieldDifference> differences;
  int fields_compared = 0;  // items compared (after ignore rules)
  int fields_ignored = 0;   // items skipped by kIgnore rules

  bool equal() const { return differences.empty(); }
};

struct ComparatorOptions {
  // Compare FILLER and other raw bytes too (exactly, as bytes).
  bool compare_filler = false;
};

// Whether values of a field named `name` are account or card numbers: it is
// one of `key_fields`, or its name contains ACCT, ACCOUNT or CARD.
bool isAccountFieldName(std::string_view name, const std::vector<std::string>& key_fields);

// Masks what could be an account number in free text (a codec error, a
// system-error message): every run of 8 or more digits goes through
// maskAccount, and hex dumps after "bytes" are replaced by "<masked>" when
// `hide_bytes` is set.
std::string maskFreeText(std::string_view text, bool hide_bytes);

class Comparator {
 public:
  // InvalidArgument when the transaction has no compiled codec, or a noise
  // rule names a field the copybook does not have, a format that is not one
  // of the four, a negative window or tolerance, or a field that already has
  // a rule (the error names the rule's line).
  static Result<std::unique_ptr<Comparator>> create(const mappings::PackTransaction& transaction,
                                                    ComparatorOptions options = {});

  Comparator(const Comparator&) = delete;
  Comparator& operator=(const Comparator&) = delete;

  // Compares two normal (ZZ = 0) reply COMMAREAs.
  Comparison compare(std::string_view legacy_commarea, std::string_view new_commarea) const;
  // Compares two reply frames: their outcome (normal or system error), then,
  // when both are normal, their COMMAREAs.
  Comparison compare(const adapters::BackendReply& legacy,
                     const adapters::BackendReply& new_reply) const;

  // The reply as JSON for the mismatch store, account fields masked, never
  // the raw bytes: the decoded record (RecordCodec::toJson's shape), or
  // {"system_error":{"zz":N,"text":"..."}} for a system-error reply, or
  // {"undecodable":"<codec error>"} for a reply that does not decode.
  std::string payloadJson(const adapters::BackendReply& reply) const;

  // The masked text of the first key field in a reply COMMAREA ("" when the
  // transaction has no key fields or the reply does not decode).
  std::string maskedAccount(std::string_view commarea) const;

  const std::string& trancode() const { return trancode_; }
  const mappings::Layout& layout() const { return *layout_; }

 private:
  Comparator(const mappings::PackTransaction& transaction, ComparatorOptions options);
  Status resolveRules(const std::vector<mappings::NoiseRule>& rules);

  Status decode(std::string_view commarea, mappings::Record* out) const;
  void compareRecords(const mappings::Record& legacy, const mappings::Record& fresh,
                      Comparison* out) const;
  void compareRaw(const mappings::Record& legacy, const mappings::Record& fresh,
                  Comparison* out) const;
  bool valuesAgree(int field, const mappings::Value& a, const mappings::Value& b) const;
  std::string render(int field, const mappings::Value& v) const;
  std::string systemErrorText(const adapters::BackendReply& reply) const;

  std::string trancode_;
  std::vector<std::string> key_fields_;
  std::shared_ptr<const mappings::Layout> layout_;
  std::shared_ptr<const mappings::RecordCodec> codec_;
  ComparatorOptions options_;
  // By layout field index: the noise rule that governs the item (nullptr:
  // none), resolved through the groups above it.
  std::vector<const mappings::NoiseRule*> rule_of_;
  std::vector<mappings::NoiseRule> rules_;  // owned copies rule_of_ points into
  std::vector<bool> account_field_;         // by layout field index
};

}  // namespace corebridge::dualwrite
