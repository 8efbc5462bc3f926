// The demo bank's online transactions as channel-sim sends them: requests
// built and replies read through the COMMAREA copybooks (docs/legacy.md),
// in the wire dialect (IBM, cp037 by default).
//
// A BankCodecs is immutable after load() and shared by every connection.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "mappings/record_codec.h"

namespace corebridge::sim {

enum class Txn { kInquiry, kOpen, kPost, kTransfer, kStatement, kClose };

const char* txnName(Txn t);     // "inquiry", "open", ...
const char* trancodeOf(Txn t);  // "ACCTINQ", "ACCTOPEN", ...

// A decoded reply: the header's return code and the fields channel-sim uses.
struct Reply {
  int return_code = -1;
  std::unique_ptr<mappings::Record> record;
  const mappings::RecordCodec* codec = nullptr;
  const mappings::Value* value(const std::string& name) const;
  // A numeric field of the reply ("PST-LEDGER-BALANCE"); nullopt if absent.
  std::optional<mappings::Decimal> number(const std::string& path) const;
  std::string text(const std::string& path) const;
};

class BankCodecs {
 public:
  // Compiles CAINQ, CAOPEN, CAPOST, CAXFER, CASTMT, CACLOSE from `dir` in
  // the given dialect. Errors name the copybook.
  static Result<std::unique_ptr<BankCodecs>> load(const std::string& dir,
                                                  const mappings::Dialect& dialect);

  // A request field: its COBOL name and a text or a number.
  struct Field {
    std::string name;
    std::string text;
    std::optional<mappings::Decimal> number;
  };
  static Field text(std::string name, std::string value) {
    return {std::move(name), std::move(value), {}};
  }
  static Field number(std::string name, mappings::Decimal value) {
    return {std::move(name), {}, value};
  }

  // Encodes a COMMAREA: every field blank (spaces, numeric zero, the
  // statement table spaces), then the fields given. InvalidArgument names a
  // field that is unknown or whose value does not fit.
  Status request(Txn t, const std::vector<Field>& fields, std::string* commarea) const;
  // Decodes a reply COMMAREA.
  Status reply(Txn t, std::string_view commarea, Reply* out) const;

  size_t commareaLength(Txn t) const;

 private:
  struct Entry {
    std::shared_ptr<const mappings::Layout> layout;
    std::unique_ptr<mappings::RecordCodec> codec;
    std::string blank;  // the COMMAREA with every field blank
  };
  std::map<Txn, Entry> entries_;
};

}  // namespace corebridge::sim
