#include "tools/bridgectl/extract_reader.h"

#include "mappings/copybook.h"
#include "mappings/select_rules.h"

namespace corebridge::tools {

using mappings::Decimal;
using mappings::int128;

Status resolveFields(const mappings::Layout& l, ExtractFields* f) {
  struct Need {
    const char* name;
    int* into;
  };
  const Need required[] = {
      {"EXA-ACCT-NUMBER", &f->account},         {"EXA-PRODUCT-CODE", &f->product},
      {"EXA-CUSTOMER-ID", &f->customer},        {"EXA-STATUS", &f->status},
      {"EXA-CURRENCY", &f->currency},           {"EXA-LEDGER-BALANCE", &f->ledger},
      {"EXA-AVAILABLE-BALANCE", &f->available}, {"EXA-OVERDRAFT-LIMIT", &f->overdraft},
      {"EXA-INTEREST-RATE", &f->rate},          {"EXA-OPEN-DATE", &f->open_date},
      {"EXA-LAST-POSTING-SEQ", &f->last_seq},   {"EXA-HOLD-COUNT", &f->holds},
      {"EXP-ACCT-NUMBER", &f->posting_account}, {"EXP-DR-CR-CODE", &f->posting_dc},
      {"EXP-AMOUNT", &f->posting_amount},       {"EXP-POSTING-SEQ", &f->posting_seq},
      {"EXP-CHANNEL-TXN-ID", &f->posting_txn},  {"EXP-BUSINESS-DATE", &f->posting_date},
      {"EXH-BUSINESS-DATE", &f->business_date}, {"EXT-RECORD-COUNT", &f->record_count},
      {"EXT-ACCOUNT-COUNT", &f->account_count}, {"EXT-POSTING-COUNT", &f->posting_count},
      {"EXT-BALANCE-TOTAL", &f->balance_total}, {"EXT-DEBIT-TOTAL", &f->debit_total},
      {"EXT-CREDIT-TOTAL", &f->credit_total},   {"EXT-HASH-TOTAL", &f->hash_total},
  };
  for (const Need& n : required) {
    *n.into = l.find(n.name);
    if (*n.into == mappings::kNoIndex) {
      return invalidArgument(std::string("the extract copybook has no field ") + n.name);
    }
  }
  f->accrued = l.find("EXA-ACCRUED-INTEREST");
  f->maturity = l.find("EXA-MATURITY-DATE");
  f->close_date = l.find("EXA-CLOSE-DATE");
  return okStatus();
}

Decimal number(const mappings::Record& r, int field) {
  if (field == mappings::kNoIndex) {
    return Decimal{};
  }
  const mappings::Value* v = r.first(field);
  return v == nullptr ? Decimal{} : v->number;
}

std::string text(const mappings::Record& r, int field) {
  const mappings::Value* v = r.first(field);
  if (v == nullptr) {
    return "";
  }
  std::string s = v->text;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) {
    s.pop_back();
  }
  return s;
}

int128 scaled(const Decimal& d, int scale) {
  Result<Decimal> r = d.rescale(scale);
  return r.ok() ? r->unscaled : d.unscaled;
}

std::string accountNumber(const Decimal& d) {
  std::string s = d.toString();
  if (s.size() < 12) {
    s.insert(0, 12 - s.size(), '0');
  }
  return s;
}

std::string money2(int128 cents) { return Decimal::of(cents, 2).toString(); }

MasterFields masterOf(const mappings::Record& r, const ExtractFields& f, int minor_digits) {
  auto minor = [&](int field) {
    return static_cast<int64_t>(scaled(number(r, field), minor_digits));
  };
  auto whole = [&](int field) { return static_cast<int64_t>(number(r, field).unscaled); };
  MasterFields m;
  m.number = accountNumber(number(r, f.account));
  m.product_code = text(r, f.product);
  m.customer = whole(f.customer);
  m.status = text(r, f.status);
  m.currency = text(r, f.currency);
  m.ledger = minor(f.ledger);
  m.available = minor(f.available);
  m.overdraft = minor(f.overdraft);
  m.accrued = minor(f.accrued);
  m.rate_micros = static_cast<int64_t>(scaled(number(r, f.rate), 6));
  m.open_date = whole(f.open_date);
  m.maturity_date = whole(f.maturity);
  m.close_date = whole(f.close_date);
  m.last_seq = whole(f.last_seq);
  m.holds = whole(f.holds);
  return m;
}

Result<std::unique_ptr<ExtractReader>> ExtractReader::open(const std::string& path,
                                                           const std::string& copybook,
                                                           const std::string& select_file) {
  mappings::CopybookOptions copts;
  copts.dialect = mappings::Dialect::gnuCobol();
  CB_ASSIGN_OR_RETURN(mappings::Layout layout, mappings::parseCopybookFile(copybook, copts));
  if (layout.maxLength() != kRecordLength) {
    return invalidArgument(copybook + ": records of " + std::to_string(layout.maxLength()) +
                           " bytes, the extract's are 150");
  }
  mappings::CodecOptions options;
  if (!select_file.empty()) {
    CB_RETURN_IF_ERROR(mappings::loadSelectFile(select_file, &options));
  } else {
    options.select = {{"EX-REC-TYPE", {"H"}, "EX-HEADER-BODY"},
                      {"EX-REC-TYPE", {"A"}, "EX-ACCOUNT-BODY"},
                      {"EX-REC-TYPE", {"P"}, "EX-POSTING-BODY"},
                      {"EX-REC-TYPE", {"T"}, "EX-TRAILER-BODY"}};
  }
  auto shared = std::make_shared<const mappings::Layout>(std::move(layout));
  CB_ASSIGN_OR_RETURN(auto codec, mappings::RecordCodec::create(shared, options));
  auto reader = std::unique_ptr<ExtractReader>(new ExtractReader());
  CB_RETURN_IF_ERROR(resolveFields(*shared, &reader->fields_));
  reader->codec_ = std::move(codec);
  CB_ASSIGN_OR_RETURN(mappings::MappedFile file, mappings::MappedFile::open(path));
  reader->file_.emplace(std::move(file));
  return reader;
}

Status ExtractReader::decode(size_t index, mappings::Record* out) const {
  std::string_view b = bytes(index);
  if (b.size() != kRecordLength) {
    return dataLoss("record " + std::to_string(index) + ": " + std::to_string(b.size()) +
                    " bytes, not 150: the extract is truncated");
  }
  Status s = codec_->decode(reinterpret_cast<const uint8_t*>(b.data()), b.size(), out);
  if (!s.ok()) {
    return dataLoss("record " + std::to_string(index) + " does not decode: " + s.message());
  }
  return okStatus();
}

}  // namespace corebridge::tools
