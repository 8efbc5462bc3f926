// Shared by the dualwrite tests: the demo bank's COMMAREA copybooks
// (legacy/cobol/copybooks) compiled in the IBM dialect (cp037) into
// PackTransactions built by hand (no pack.yaml), and reply bytes made from
// JSON through the record codec.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dualwrite/comparator.h"
#include "mappings/copybook.h"
#include "mappings/pack.h"
#include "mappings/record_codec.h"

namespace corebridge::dualwrite::testing {

namespace mp = mappings;

inline std::string copybookPath(const std::string& name) {
  return std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks/" + name + ".cpy";
}

// A transaction as loadPack() would build it, without a pack.yaml.
inline mp::PackTransaction transaction(const std::string& trancode, const std::string& copybook,
                                       std::vector<mp::NoiseRule> noise = {},
                                       std::vector<std::string> keys = {}) {
  mp::CopybookOptions options;  // IBM: cp037, COMP 2-4-8 big-endian
  Result<mp::Layout> layout = mp::parseCopybookFile(copybookPath(copybook), options);
  EXPECT_TRUE(layout.ok()) << layout.status().toString();
  auto shared = std::make_shared<const mp::Layout>(std::move(layout).value());
  auto codec = mp::RecordCodec::create(shared, {});
  EXPECT_TRUE(codec.ok()) << codec.status().toString();
  mp::PackTransaction t;
  t.trancode = trancode;
  t.copybook = copybookPath(copybook);
  t.txn_id_field = "CA-TXN-ID";
  t.return_code_field = "CA-RETURN-CODE";
  t.reason_field = "CA-REASON-TEXT";
  t.key_fields = std::move(keys);
  t.noise = std::move(noise);
  t.layout = shared;
  t.codec = std::shared_ptr<const mp::RecordCodec>(std::move(codec).value());
  return t;
}

inline std::unique_ptr<Comparator> comparatorFor(const mp::PackTransaction& t,
                                                 ComparatorOptions options = {}) {
  auto c = Comparator::create(t, options);
  EXPECT_TRUE(c.ok()) << c.status().toString();
  return c.ok() ? std::move(c).value() : nullptr;
}

// The COMMAREA bytes of a record given as JSON, padded with EBCDIC spaces
// to `area` bytes (a CICS COMMAREA sized for the longest form).
inline std::string commarea(const mp::PackTransaction& t, const std::string& json,
                            size_t area = 0) {
  mp::Record rec;
  Status s = t.codec->fromJson(json, &rec);
  EXPECT_TRUE(s.ok()) << s.toString() << "\n" << json;
  std::string out;
  s = t.codec->encode(rec, &out);
  EXPECT_TRUE(s.ok()) << s.toString();
  if (out.size() < area) {
    out.append(area - out.size(), '\x40');
  }
  return out;
}

inline std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// An ACCTPOST reply: a debit of 125.50 on account 100000012345.
inline constexpr char kPost[] =
    R"({"CA-HEADER":{"CA-TXN-ID":"ATM0000000000001","CA-CHANNEL-CODE":"ATM",)"
    R"("CA-TERMINAL-ID":"ATM00017","CA-RETURN-CODE":0,"CA-REASON-TEXT":"OK",)"
    R"("CA-BUSINESS-DATE":20240315},)"
    R"("PST-REQUEST":{"PST-ACCT-NUMBER":100000012345,"PST-DR-CR-CODE":"D",)"
    R"("PST-TXN-CODE":1001,"PST-AMOUNT":125.50,"PST-DESCRIPTION":"ATM WITHDRAWAL"},)"
    R"("PST-REPLY":{"PST-POSTING-SEQ":42,"PST-LEDGER-BALANCE":874.50,)"
    R"("PST-AVAILABLE-BALANCE":874.50,"PST-LAST-ACTIVITY-DATE":24075}})";

}  // namespace corebridge::dualwrite::testing
