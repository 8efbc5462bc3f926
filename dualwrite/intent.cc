#include "dualwrite/intent.h"

namespace corebridge::dualwrite {
namespace {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { fixed(v, 2); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  // Strings of one field are short (names, ids): u16 length.
  void str16(std::string_view s) {
    u16(static_cast<uint16_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void str32(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  std::string take() { return std::move(out_); }

 private:
  void fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
    }
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view in, const char* what) : in_(in), what_(what) {}

  // An unsigned integer as wide as *v.
  template <typename T>
  Status uint(const char* field, T* v) {
    uint64_t x = 0;
    CB_RETURN_IF_ERROR(fixed(field, sizeof(T), &x));
    *v = static_cast<T>(x);
    return okStatus();
  }
  Status str16(const char* field, std::string* s) {
    uint16_t n = 0;
    CB_RETURN_IF_ERROR(uint(field, &n));
    return bytes(field, n, s);
  }
  Status str32(const char* field, std::string* s) {
    uint32_t n = 0;
    CB_RETURN_IF_ERROR(uint(field, &n));
    return bytes(field, n, s);
  }
  Status version() {
    uint8_t v = 0;
    CB_RETURN_IF_ERROR(uint("version", &v));
    if (v != kIntentVersion) {
      return error(
          "version", 0,
          "is " + std::to_string(v) + ", this build reads " + std::to_string(kIntentVersion));
    }
    return okStatus();
  }
  Status end() {
    if (pos_ != in_.size()) {
      return error("end", pos_, std::to_string(in_.size() - pos_) + " bytes after the last field");
    }
    return okStatus();
  }
  Status error(const char* field, size_t at, const std::string& why) const {
    return {StatusCode::kDataLoss, std::string(what_) + " field " + field + " at offset " +
                                       std::to_string(at) + ": " + why};
  }

 private:
  Status fixed(const char* field, size_t n, uint64_t* v) {
    if (in_.size() - pos_ < n) {
      return error(field, pos_,
                   "truncated (" + std::to_string(in_.size() - pos_) + " of " + std::to_string(n) +
                       " bytes)");
    }
    uint64_t x = 0;
    for (size_t i = n; i-- > 0;) {
      x = (x << 8) | static_cast<unsigned char>(in_[pos_ + i]);
    }
    pos_ += n;
    *v = x;
    return okStatus();
  }
  Status bytes(const char* field, size_t n, std::string* s) {
    if (in_.size() - pos_ < n) {
      return error(field, pos_,
                   "length " + std::to_string(n) + " runs past the payload (" +
                       std::to_string(in_.size() - pos_) + " bytes left)");
    }
    s->assign(in_.substr(pos_, n));
    pos_ += n;
    return okStatus();
  }

  std::string_view in_;
  const char* what_;
  size_t pos_ = 0;
};

constexpr uint8_t kCompare = 1;
constexpr uint8_t kWriteThrough = 2;

}  // namespace

bool Intent::operator==(const Intent& o) const {
  return stage == o.stage && primary == o.primary && compare == o.compare &&
         write_through == o.write_through && trancode == o.trancode &&
         product_line == o.product_line && txn_id == o.txn_id && account == o.account &&
         accounts == o.accounts && commarea == o.commarea;
}

bool PrimaryOutcome::operator==(const PrimaryOutcome& o) const {
  return intent_seq == o.intent_seq && status == o.status && zz == o.zz && commarea == o.commarea;
}

bool Settlement::operator==(const Settlement& o) const {
  return intent_seq == o.intent_seq && reason == o.reason && repair_case == o.repair_case;
}

std::string encodeIntent(const Intent& intent) {
  Writer w;
  w.u8(kIntentVersion);
  w.u8(static_cast<uint8_t>(intent.stage));
  w.u8(static_cast<uint8_t>(intent.primary));
  w.u8(static_cast<uint8_t>((intent.compare ? kCompare : 0) |
                            (intent.write_through ? kWriteThrough : 0)));
  w.str16(intent.trancode);
  w.str16(intent.product_line);
  w.str16(intent.txn_id);
  w.str16(intent.account);
  w.u16(static_cast<uint16_t>(intent.accounts.size()));
  for (const std::string& a : intent.accounts) {
    w.str16(a);
  }
  w.str32(intent.commarea);
  return w.take();
}

Result<Intent> decodeIntent(std::string_view payload) {
  Reader r(payload, "intent");
  Intent out;
  CB_RETURN_IF_ERROR(r.version());
  uint8_t stage = 0;
  uint8_t primary = 0;
  uint8_t flags = 0;
  CB_RETURN_IF_ERROR(r.uint("stage", &stage));
  CB_RETURN_IF_ERROR(r.uint("primary", &primary));
  CB_RETURN_IF_ERROR(r.uint("flags", &flags));
  if (stage > 4) {
    return r.error("stage", 1, "is " + std::to_string(stage) + ", not 0..4");
  }
  if (primary > 1) {
    return r.error("primary", 2, "is " + std::to_string(primary) + ", not 0 or 1");
  }
  if ((flags & ~(kCompare | kWriteThrough)) != 0) {
    return r.error("flags", 3, "has unknown bits " + std::to_string(flags));
  }
  out.stage = stage;
  out.primary = primary;
  out.compare = (flags & kCompare) != 0;
  out.write_through = (flags & kWriteThrough) != 0;
  CB_RETURN_IF_ERROR(r.str16("trancode", &out.trancode));
  CB_RETURN_IF_ERROR(r.str16("product_line", &out.product_line));
  CB_RETURN_IF_ERROR(r.str16("txn_id", &out.txn_id));
  CB_RETURN_IF_ERROR(r.str16("account", &out.account));
  uint16_t n = 0;
  CB_RETURN_IF_ERROR(r.uint("accounts", &n));
  out.accounts.resize(n);
  for (std::string& a : out.accounts) {
    CB_RETURN_IF_ERROR(r.str16("accounts[]", &a));
  }
  CB_RETURN_IF_ERROR(r.str32("commarea", &out.commarea));
  CB_RETURN_IF_ERROR(r.end());
  return out;
}

std::string encodePrimaryOutcome(const PrimaryOutcome& outcome) {
  Writer w;
  w.u8(kIntentVersion);
  w.u64(outcome.intent_seq);
  w.u8(static_cast<uint8_t>(outcome.status));
  w.u16(outcome.zz);
  w.str32(outcome.commarea);
  return w.take();
}

Result<PrimaryOutcome> decodePrimaryOutcome(std::string_view payload) {
  Reader r(payload, "primary outcome");
  PrimaryOutcome out;
  CB_RETURN_IF_ERROR(r.version());
  CB_RETURN_IF_ERROR(r.uint("intent_seq", &out.intent_seq));
  uint8_t status = 0;
  CB_RETURN_IF_ERROR(r.uint("status", &status));
  if (status > 1) {
    return r.error("status", 9, "is " + std::to_string(status) + ", not 0 or 1");
  }
  out.status = static_cast<PrimaryStatus>(status);
  CB_RETURN_IF_ERROR(r.uint("zz", &out.zz));
  CB_RETURN_IF_ERROR(r.str32("commarea", &out.commarea));
  CB_RETURN_IF_ERROR(r.end());
  return out;
}

std::string encodeSettlement(const Settlement& settlement) {
  Writer w;
  w.u8(kIntentVersion);
  w.u64(settlement.intent_seq);
  w.u8(static_cast<uint8_t>(settlement.reason));
  w.u64(static_cast<uint64_t>(settlement.repair_case));
  return w.take();
}

Result<Settlement> decodeSettlement(std::string_view payload) {
  Reader r(payload, "settlement");
  Settlement out;
  CB_RETURN_IF_ERROR(r.version());
  CB_RETURN_IF_ERROR(r.uint("intent_seq", &out.intent_seq));
  uint8_t reason = 0;
  CB_RETURN_IF_ERROR(r.uint("reason", &reason));
  if (reason > 3) {
    return r.error("reason", 9, "is " + std::to_string(reason) + ", not 0..3");
  }
  out.reason = static_cast<SettleReason>(reason);
  uint64_t id = 0;
  CB_RETURN_IF_ERROR(r.uint("repair_case", &id));
  out.repair_case = static_cast<int64_t>(id);
  CB_RETURN_IF_ERROR(r.end());
  return out;
}

}  // namespace corebridge::dualwrite
