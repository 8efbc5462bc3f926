#include "mappings/pack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace corebridge::mappings {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kDemobank = std::string(CB_SOURCE_DIR) + "/mappings/packs/demobank/pack.yaml";
const std::string kCopybooks = std::string(CB_SOURCE_DIR) + "/legacy/cobol/copybooks";

// A scratch directory with pack files, removed at the end of the test.
class PackDir {
 public:
  PackDir() {
    static int n = 0;
    path_ = fs::temp_directory_path() /
            ("pack_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::create_directories(path_);
  }
  ~PackDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

// A one-transaction pack over the demo bank's CAPOST.cpy; `txn` is the
// transaction's body, indented under "- ".
std::string packText(const std::string& txn) {
  return "name: test\n"
         "currency: USD\n"
         "copybook_dir: " +
         kCopybooks +
         "\n"
         "product_lines:\n"
         "  prefixes: {\"10\": SAVINGS}\n"
         "transactions:\n"
         "  - trancode: ACCTPOST\n"
         "    copybook: CAPOST.cpy\n"
         "    kind: write\n"
         "    api: post\n"
         "    txn_id_field: CA-TXN-ID\n"
         "    return_code_field: CA-RETURN-CODE\n"
         "    key_fields: [PST-ACCT-NUMBER]\n"
         "    outcomes: {ok: {code: \"00\"}}\n" +
         txn;
}

TEST(PackTest, DemobankLoads) {
  Result<std::shared_ptr<const Pack>> pack = loadPack(kDemobank);
  ASSERT_TRUE(pack.ok()) << pack.status().toString();
  const Pack& p = **pack;
  EXPECT_EQ(p.name, "demobank");
  EXPECT_EQ(p.currency, "USD");
  EXPECT_EQ(p.minor_digits, 2);
  EXPECT_EQ(p.dialect.code_page, &CodePage::cp037());
  EXPECT_EQ(p.dialect.binary_size, BinarySizeRule::kIbm248);
  ASSERT_EQ(p.transactions.size(), 6u);
  for (const char* t : {"ACCTINQ", "ACCTOPEN", "ACCTPOST", "ACCTXFER", "ACCTSTMT", "ACCTCLOS"}) {
    const PackTransaction* txn = p.find(t);
    ASSERT_NE(txn, nullptr) << t;
    ASSERT_NE(txn->layout, nullptr);
    ASSERT_NE(txn->codec, nullptr);
    EXPECT_EQ(txn->return_code_field, "CA-RETURN-CODE");
    EXPECT_EQ(txn->reason_field, "CA-REASON-TEXT");
    EXPECT_EQ(txn->txn_id_field, "CA-TXN-ID");
    EXPECT_EQ(txn->outcomes.at("ok").code, "00");
    EXPECT_EQ(txn->outcomes.at("NotFound").reason, "ACCOUNT NOT FOUND");
  }
  EXPECT_EQ(p.find("ACCTSTMT")->layout->maxLength(), 1150u);
  EXPECT_EQ(p.find("ACCTINQ")->layout->maxLength(), 200u);
  EXPECT_NE(p.find("ACCTINQ "), nullptr) << "space-padded TRANCODE";
  EXPECT_EQ(p.find("ACCTNONE"), nullptr);
  EXPECT_EQ(p.find("ACCTINQ")->kind, TxnKind::kRead);
  EXPECT_EQ(p.find("ACCTPOST")->kind, TxnKind::kWrite);
  EXPECT_EQ(p.find("ACCTXFER")->key_fields,
            (std::vector<std::string>{"XFR-FROM-ACCT", "XFR-TO-ACCT"}));
  EXPECT_EQ(p.find("ACCTPOST")->outcomes.at("AccountClosed.FROZEN").reason,
            "ACCOUNT NOT POSTABLE, STATUS F");
  EXPECT_TRUE(p.find("ACCTPOST")->outcomes.at("IdempotencyConflict").keep_reply);
  EXPECT_TRUE(p.find("ACCTPOST")->outcomes.at("InsufficientFunds").read_account);
  EXPECT_EQ(p.find("ACCTXFER")->legs.size(), 2u);
  EXPECT_EQ(p.find("ACCTSTMT")->request[1].max, 10);
  EXPECT_EQ(p.find("ACCTOPEN")->product_code_field, "OPN-PRODUCT-CODE");
  EXPECT_EQ(p.find("ACCTOPEN")->product_codes.at("LNMT"), "LOAN");
  EXPECT_EQ(p.find("ACCTOPEN")->product_codes.size(), 10u);
  EXPECT_TRUE(p.find("ACCTPOST")->product_code_field.empty());
}

TEST(PackTest, ProductLines) {
  Result<std::shared_ptr<const Pack>> pack = loadPack(kDemobank);
  ASSERT_TRUE(pack.ok()) << pack.status().toString();
  const ProductLineRule& r = (*pack)->product_lines;
  EXPECT_EQ(r.lineOf("100010000011"), "SAVINGS");
  EXPECT_EQ(r.lineOf("200010000019"), "CHECKING");
  EXPECT_EQ(r.lineOf("300010000017"), "TERM_DEPOSIT");
  EXPECT_EQ(r.lineOf("400010000015"), "LOAN");
  EXPECT_EQ(r.lineOf("500010000012"), "");
  EXPECT_EQ(r.lineOf("1"), "");
  EXPECT_EQ((*pack)->lines(),
            (std::vector<std::string>{"CHECKING", "LOAN", "SAVINGS", "TERM_DEPOSIT"}));
}

TEST(PackTest, MinimalPackLoads) {
  PackDir dir;
  Result<std::shared_ptr<const Pack>> pack = loadPack(dir.write("pack.yaml", packText("")));
  ASSERT_TRUE(pack.ok()) << pack.status().toString();
  EXPECT_EQ((*pack)->transactions[0].reason_field, "");
}

TEST(PackTest, MissingFileIsNotFound) {
  Result<std::shared_ptr<const Pack>> pack = loadPack("/nonexistent/pack.yaml");
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(pack.status().message(), HasSubstr("/nonexistent/pack.yaml"));
}

TEST(PackTest, BadYamlNamesFileAndLine) {
  PackDir dir;
  const std::string path = dir.write("pack.yaml", "name: x\ncurrency: [USD\n");
  Result<std::shared_ptr<const Pack>> pack = loadPack(path);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(pack.status().message(), HasSubstr(path + ":"));
}

struct BadCase {
  const char* name;
  std::string txn;        // appended to the transaction
  std::string line;       // ":LINE:" expected
  std::string substring;  // expected in the message
};

class PackErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(PackErrorTest, NamesFileLineAndField) {
  PackDir dir;
  const std::string path = dir.write("pack.yaml", packText(GetParam().txn));
  Result<std::shared_ptr<const Pack>> pack = loadPack(path);
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(pack.status().message(), HasSubstr(path + GetParam().line));
  EXPECT_THAT(pack.status().message(), HasSubstr(GetParam().substring));
}

// Lines: the transaction starts on 7; its appended body on 15.
INSTANTIATE_TEST_SUITE_P(
    Cases, PackErrorTest,
    ::testing::Values(
        BadCase{"MissingRequestField",
                "    request:\n      - {api: amount, cobol: PST-AMOUNTX, transform: money}\n",
                ":16:", "'PST-AMOUNTX' is not a field of CAPOST.cpy"},
        BadCase{"MissingReplyField", "    reply:\n      - {api: posting_seq, cobol: PST-SEQ}\n",
                ":16:", "'PST-SEQ'"},
        BadCase{"UnknownTransform",
                "    request:\n      - {api: amount, cobol: PST-AMOUNT, transform: cents}\n",
                ":16:", "unknown transform 'cents'"},
        BadCase{"NumericTransformOnText",
                "    request:\n      - {api: description, cobol: PST-DESCRIPTION, "
                "transform: money}\n",
                ":16:", "'PST-DESCRIPTION' is not numeric"},
        BadCase{"CodeWithoutTable",
                "    request:\n      - {api: direction, cobol: PST-DR-CR-CODE, transform: code}\n",
                ":16:", "needs a non-empty 'codes' map"},
        BadCase{"NoiseField", "    noise:\n      - {field: PST-NOTHING, kind: ignore}\n",
                ":16:", "'PST-NOTHING'"},
        BadCase{"NoiseKind", "    noise:\n      - {field: PST-AMOUNT, kind: fuzzy}\n",
                ":16:", "unknown noise kind 'fuzzy'"},
        BadCase{"BadMax",
                "    request:\n      - {api: txn_code, cobol: PST-TXN-CODE, transform: number, "
                "max: ten}\n",
                ":16:", "field 'max' must be an integer"},
        BadCase{"UnknownKey", "    colour: blue\n", ":15:", "unknown field 'colour'"},
        BadCase{"ReasonField", "    reason_field: CA-REASON\n", ":15:", "'CA-REASON'"},
        BadCase{"ProductCodeLine",
                "    product_line_from: {field: PST-DESCRIPTION, codes: {SAVB: SAVING}}\n",
                ":15:", "'SAVING' is not a product line"},
        BadCase{"ProductCodeField",
                "    product_line_from: {field: PST-CODE, codes: {SAVB: SAVINGS}}\n",
                ":15:", "'PST-CODE'"},
        BadCase{"GroupAsField", "    reply:\n      - {api: posting_seq, cobol: PST-REPLY}\n",
                ":16:", "'PST-REPLY' is a group"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(PackTest, OutcomeErrors) {
  PackDir dir;
  const std::string text = "name: test\ncurrency: USD\ncopybook_dir: " + kCopybooks +
                           "\nproduct_lines: {prefixes: {\"10\": SAVINGS}}\n"
                           "transactions:\n"
                           "  - {trancode: ACCTINQ, copybook: CAINQ.cpy, kind: read,\n"
                           "     api: getAccount, return_code_field: CA-RETURN-CODE,\n"
                           "     key_fields: [INQ-ACCT-NUMBER],\n"
                           "     outcomes: {ok: {code: \"00\"}, Missing: {code: \"10\"}}}\n";
  Result<std::shared_ptr<const Pack>> pack = loadPack(dir.write("pack.yaml", text));
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(), HasSubstr("pack.yaml:9:"));
  EXPECT_THAT(pack.status().message(), HasSubstr("unknown outcome 'Missing'"));
}

TEST(PackTest, MissingCopybookNamesTransaction) {
  PackDir dir;
  std::string text = packText("");
  text.replace(text.find("CAPOST.cpy"), 10, "CANONE.cpy");
  Result<std::shared_ptr<const Pack>> pack = loadPack(dir.write("pack.yaml", text));
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(), HasSubstr("pack.yaml:8:"));
  EXPECT_THAT(pack.status().message(), HasSubstr("ACCTPOST"));
  EXPECT_THAT(pack.status().message(), HasSubstr("CANONE.cpy"));
}

TEST(PackTest, WriteNeedsTxnId) {
  PackDir dir;
  std::string text = packText("");
  text.erase(text.find("    txn_id_field: CA-TXN-ID\n"), 28);
  Result<std::shared_ptr<const Pack>> pack = loadPack(dir.write("pack.yaml", text));
  ASSERT_FALSE(pack.ok());
  EXPECT_THAT(pack.status().message(), HasSubstr("pack.yaml:7:"));
  EXPECT_THAT(pack.status().message(), HasSubstr("txn_id_field"));
}

}  // namespace
}  // namespace corebridge::mappings
