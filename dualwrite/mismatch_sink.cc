#include "dualwrite/mismatch_sink.h"

#include "common/logging.h"

namespace corebridge::dualwrite {

std::string_view sideName(Side side) { return side == Side::kNew ? "new" : "legacy"; }

bool parseSide(std::string_view name, Side* out) {
  if (name == "legacy") {
    *out = Side::kLegacy;
    return true;
  }
  if (name == "new") {
    *out = Side::kNew;
    return true;
  }
  return false;
}

Mismatch makeMismatch(const Comparator& comparator, const Comparison& comparison,
                      const adapters::BackendReply& legacy, const adapters::BackendReply& new_reply,
                      const MismatchContext& context) {
  Mismatch m;
  m.time = context.time;
  m.trancode = context.trancode.empty() ? comparator.trancode() : context.trancode;
  m.product_line = context.product_line;
  m.stage = context.stage;
  m.primary = context.primary;
  m.txn_id = context.txn_id;
  if (!context.account.empty()) {
    m.account = maskAccount(context.account);
  } else {
    const adapters::BackendReply& primary = context.primary == Side::kNew ? new_reply : legacy;
    m.account = primary.zz == 0 ? comparator.maskedAccount(primary.commarea) : "";
  }
  m.differences = comparison.differences;
  m.legacy_payload = comparator.payloadJson(legacy);
  m.new_payload = comparator.payloadJson(new_reply);
  return m;
}

}  // namespace corebridge::dualwrite
