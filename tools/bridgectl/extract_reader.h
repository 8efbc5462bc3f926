// The legacy daily extract (EXTRACT, laid out by EXTRREC.cpy, 150-byte
// records in ASCII as GnuCOBOL writes them), read through the record codec
// without loading it: shared by `bridgectl backfill` and `bridgectl
// reconcile` (docs/backfill.md, docs/reconcile.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mappings/decimal.h"
#include "mappings/mapped_file.h"
#include "mappings/record_codec.h"

namespace corebridge::tools {

constexpr size_t kRecordLength = 150;
// EXTRREC's hash total: the sum of the account numbers, modulo 10^18.
constexpr mappings::int128 kHashModulus =
    static_cast<mappings::int128>(1'000'000'000'000'000'000LL);

// The extract's fields, by layout index (kNoIndex: not in this copybook;
// the optional ones default to zero).
struct ExtractFields {
  int account = 0, product = 0, customer = 0, status = 0, currency = 0, ledger = 0, available = 0,
      overdraft = 0, rate = 0, open_date = 0, last_seq = 0, holds = 0;
  int accrued = mappings::kNoIndex, maturity = mappings::kNoIndex, close_date = mappings::kNoIndex;
  int posting_account = 0, posting_dc = 0, posting_amount = 0, posting_seq = 0, posting_txn = 0,
      posting_date = 0;
  int business_date = 0;  // the header's
  int record_count = 0, account_count = 0, posting_count = 0, balance_total = 0, debit_total = 0,
      credit_total = 0, hash_total = 0;
};

// Finds every field by name; InvalidArgument names one the copybook lacks.
Status resolveFields(const mappings::Layout& l, ExtractFields* f);

// A numeric field's value (zero when absent or not in this copybook).
mappings::Decimal number(const mappings::Record& r, int field);
// A text field's value, trailing spaces and NULs removed.
std::string text(const mappings::Record& r, int field);
// `d` at `scale` decimals, as an integer of that unit.
mappings::int128 scaled(const mappings::Decimal& d, int scale);
// An account number as the 12 digits the bank writes.
std::string accountNumber(const mappings::Decimal& d);
// Minor units as "123.45".
std::string money2(mappings::int128 cents);

// An account's master fields as an A record states them: legacy's status
// code (A D F C P), money in minor units, the interest rate in percent x
// 10^6, dates yyyymmdd. What backfill loads and reconcile compares.
struct MasterFields {
  std::string number;  // 12 digits
  std::string product_code;
  int64_t customer = 0;
  std::string status;
  std::string currency;
  int64_t ledger = 0, available = 0, overdraft = 0, accrued = 0;
  int64_t rate_micros = 0;
  int64_t open_date = 0, maturity_date = 0, close_date = 0;
  int64_t last_seq = 0, holds = 0;
};

// The master fields of a decoded A record; money at `minor_digits` decimals.
MasterFields masterOf(const mappings::Record& r, const ExtractFields& f, int minor_digits);

// The control totals of EXTRREC's trailer, as read or as declared.
struct Totals {
  mappings::int128 records = 0, accounts = 0, postings = 0, balance = 0, debits = 0, credits = 0,
                   hash = 0;
};

class ExtractReader {
 public:
  // Compiles `copybook` (GnuCOBOL dialect), loads the record selection of
  // `select_file` (empty: EX-REC-TYPE H/A/P/T), maps `path`.
  static Result<std::unique_ptr<ExtractReader>> open(const std::string& path,
                                                     const std::string& copybook,
                                                     const std::string& select_file);

  size_t size() const { return file_->view().size(); }
  // Records in the file, counting a partial last one.
  size_t count() const { return (size() + kRecordLength - 1) / kRecordLength; }
  std::string_view bytes(size_t index) const {  // 1-based
    return file_->view().substr((index - 1) * kRecordLength, kRecordLength);
  }
  // Decodes record `index` (1-based); the error names it.
  Status decode(size_t index, mappings::Record* out) const;
  const ExtractFields& fields() const { return fields_; }

 private:
  ExtractReader() = default;
  std::unique_ptr<mappings::RecordCodec> codec_;
  std::optional<mappings::MappedFile> file_;
  ExtractFields fields_;
};

}  // namespace corebridge::tools
