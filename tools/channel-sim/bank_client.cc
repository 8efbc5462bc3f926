#include "tools/channel-sim/bank_client.h"

#include "mappings/copybook.h"
#include "mappings/field_codec.h"

namespace corebridge::sim {

namespace {

struct TxnInfo {
  Txn txn;
  const char* name;
  const char* trancode;
  const char* copybook;
};

constexpr TxnInfo kTxns[] = {
    {Txn::kInquiry, "inquiry", "ACCTINQ", "CAINQ.cpy"},
    {Txn::kOpen, "open", "ACCTOPEN", "CAOPEN.cpy"},
    {Txn::kPost, "post", "ACCTPOST", "CAPOST.cpy"},
    {Txn::kTransfer, "transfer", "ACCTXFER", "CAXFER.cpy"},
    {Txn::kStatement, "statement", "ACCTSTMT", "CASTMT.cpy"},
    {Txn::kClose, "close", "ACCTCLOS", "CACLOSE.cpy"},
};

const TxnInfo& info(Txn t) {
  for (const TxnInfo& i : kTxns) {
    if (i.txn == t) {
      return i;
    }
  }
  return kTxns[0];
}

bool inTable(const mappings::Layout& l, int index) {
  for (int i = index; i != mappings::kNoIndex; i = l.fields[i].parent) {
    if (l.fields[i].has_occurs) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* txnName(Txn t) { return info(t).name; }
const char* trancodeOf(Txn t) { return info(t).trancode; }

// A field by its (unique) COBOL name, as the copybooks name reply fields.
const mappings::Value* Reply::value(const std::string& name) const {
  if (!record) {
    return nullptr;
  }
  int field = codec->layout().find(name);
  return field == mappings::kNoIndex ? nullptr : record->first(field);
}

std::optional<mappings::Decimal> Reply::number(const std::string& path) const {
  const mappings::Value* v = value(path);
  if (v == nullptr || v->kind != mappings::Value::Kind::kNumber) {
    return std::nullopt;
  }
  return v->number;
}

std::string Reply::text(const std::string& path) const {
  const mappings::Value* v = value(path);
  if (v == nullptr || v->kind != mappings::Value::Kind::kText) {
    return "";
  }
  std::string s = v->text;
  while (!s.empty() && s.back() == ' ') {
    s.pop_back();
  }
  return s;
}

Result<std::unique_ptr<BankCodecs>> BankCodecs::load(const std::string& dir,
                                                     const mappings::Dialect& dialect) {
  auto codecs = std::make_unique<BankCodecs>();
  for (const TxnInfo& t : kTxns) {
    mappings::CopybookOptions options;
    options.dialect = dialect;
    options.search_path = {dir};
    const std::string path = dir + "/" + t.copybook;
    Result<mappings::Layout> layout = mappings::parseCopybookFile(path, options);
    if (!layout.ok()) {
      return layout.status();
    }
    Entry e;
    e.layout = std::make_shared<const mappings::Layout>(std::move(*layout));
    CB_ASSIGN_OR_RETURN(e.codec, mappings::RecordCodec::create(e.layout, {}));
    const mappings::Layout& l = *e.layout;
    e.blank.assign(l.maxLength(), static_cast<char>(l.dialect.code_page->space()));
    for (size_t i = 0; i < l.fields.size(); ++i) {
      const mappings::Field& f = l.fields[i];
      if (f.isGroup() || f.level == 66 || f.level == 88 || inTable(l, static_cast<int>(i))) {
        continue;
      }
      Status st = mappings::encodeInitial(f, l.dialect,
                                          reinterpret_cast<uint8_t*>(e.blank.data() + f.offset));
      if (!st.ok()) {
        return st.withContext(path + ": " + f.name);
      }
    }
    codecs->entries_.emplace(t.txn, std::move(e));
  }
  return codecs;
}

size_t BankCodecs::commareaLength(Txn t) const { return entries_.at(t).blank.size(); }

Status BankCodecs::request(Txn t, const std::vector<Field>& fields, std::string* commarea) const {
  const Entry& e = entries_.at(t);
  const mappings::Layout& l = *e.layout;
  *commarea = e.blank;
  auto* base = reinterpret_cast<uint8_t*>(commarea->data());
  for (const Field& field : fields) {
    int i = l.find(field.name);
    if (i == mappings::kNoIndex || l.fields[i].isGroup() || inTable(l, i)) {
      return invalidArgument(std::string(txnName(t)) + ": no request field " + field.name);
    }
    const mappings::Field& f = l.fields[i];
    Status st = field.number ? mappings::encodeNumber(f, l.dialect, *field.number, base + f.offset)
                             : mappings::encodeText(f, l.dialect, field.text, base + f.offset);
    if (!st.ok()) {
      return st.withContext(std::string(txnName(t)) + ": " + field.name);
    }
  }
  return okStatus();
}

Status BankCodecs::reply(Txn t, std::string_view commarea, Reply* out) const {
  const Entry& e = entries_.at(t);
  out->codec = e.codec.get();
  if (!out->record) {
    out->record = std::make_unique<mappings::Record>();
  }
  CB_RETURN_IF_ERROR(e.codec->decode(reinterpret_cast<const uint8_t*>(commarea.data()),
                                     commarea.size(), out->record.get()));
  std::optional<mappings::Decimal> rc = out->number("CA-RETURN-CODE");
  out->return_code = rc ? static_cast<int>(rc->unscaled) : -1;
  return okStatus();
}

}  // namespace corebridge::sim
