#include "mappings/pack.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "mappings/copybook.h"

namespace corebridge::mappings {

namespace {

namespace fs = std::filesystem;

const std::set<std::string>& apiCalls() {
  static const std::set<std::string> kCalls = {"getAccount", "openAccount",  "post",
                                               "transfer",   "getStatement", "closeAccount"};
  return kCalls;
}

bool knownTransform(const std::string& t) {
  static const std::set<std::string> kTransforms = {"text",          "number",    "digits", "money",
                                                    "decimal",       "code",      "const",  "count",
                                                    "date:YYYYMMDD", "date:YYDDD"};
  return kTransforms.count(t) != 0;
}

// Transforms whose COBOL side must be a numeric item.
bool numericTransform(const std::string& t) {
  return t == "number" || t == "digits" || t == "money" || t == "decimal" || t == "count" ||
         t.rfind("date:", 0) == 0;
}

// Reads one pack file; every error names the file, line and column.
class PackReader {
 public:
  explicit PackReader(std::string path) : path_(std::move(path)) {}

  Result<std::shared_ptr<const Pack>> read();

 private:
  std::string at(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return path_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  Status error(const YAML::Node& n, const std::string& what) const {
    return invalidArgument(at(n) + ": " + what);
  }
  Status onlyKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                  const std::string& what) const;
  Result<std::string> scalar(const YAML::Node& parent, const std::string& key, bool required) const;
  Result<bool> boolean(const YAML::Node& parent, const std::string& key) const;
  Result<int64_t> integer(const YAML::Node& n, const std::string& key) const;

  Status readDialect(const YAML::Node& root, Pack* pack) const;
  Status readProductLines(const YAML::Node& node, ProductLineRule* rule) const;
  Status readTransaction(const YAML::Node& t, const YAML::Node& defaults, const fs::path& dir,
                         const Pack& pack, PackTransaction* out) const;
  Status readMappings(const YAML::Node& list, const std::string& key,
                      std::vector<FieldMapping>* out) const;
  Status readOutcomes(const YAML::Node& map, std::map<std::string, ReturnCode>* out) const;
  Status readNoise(const YAML::Node& list, std::vector<NoiseRule>* out) const;
  Status readLegs(const YAML::Node& node, PackTransaction* out) const;
  Status readProductCodes(const YAML::Node& node, const Pack& pack, PackTransaction* out) const;
  Status compile(const YAML::Node& t, const Pack& pack, PackTransaction* txn) const;
  Status checkFields(const YAML::Node& t, const PackTransaction& txn) const;

  std::string path_;
};

Status PackReader::onlyKeys(const YAML::Node& map, const std::set<std::string>& allowed,
                            const std::string& what) const {
  for (const auto& kv : map) {
    const std::string k = kv.first.Scalar();
    if (allowed.count(k) == 0) {
      std::string message = "unknown field '";
      message.append(k).append("' in ").append(what);
      return error(kv.first, message);
    }
  }
  return okStatus();
}

Result<std::string> PackReader::scalar(const YAML::Node& parent, const std::string& key,
                                       bool required) const {
  const YAML::Node n = parent[key];
  if (!n) {
    if (!required) {
      return std::string();
    }
    return error(parent, "missing field '" + key + "'");
  }
  if (!n.IsScalar()) {
    return error(n, "field '" + key + "' must be a string");
  }
  if (required && n.Scalar().empty()) {
    return error(n, "field '" + key + "' must not be empty");
  }
  return n.Scalar();
}

Result<bool> PackReader::boolean(const YAML::Node& parent, const std::string& key) const {
  const YAML::Node n = parent[key];
  if (!n) {
    return false;
  }
  if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
    return n.Scalar() == "true";
  }
  return error(n, "field '" + key + "' must be true or false");
}

Result<int64_t> PackReader::integer(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar() || n.Scalar().empty()) {
    return error(n, "field '" + key + "' must be an integer");
  }
  const std::string& s = n.Scalar();
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 18 ||
      !std::all_of(s.begin() + static_cast<long>(i), s.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return error(n, "field '" + key + "' must be an integer, found '" + s + "'");
  }
  return static_cast<int64_t>(std::stoll(s));
}

Status PackReader::readDialect(const YAML::Node& root, Pack* pack) const {
  CB_ASSIGN_OR_RETURN(std::string dialect, scalar(root, "wire_dialect", false));
  if (dialect.empty() || dialect == "ibm") {
    pack->dialect = Dialect();
  } else if (dialect == "gnucobol") {
    pack->dialect = Dialect::gnuCobol();
  } else {
    return error(root["wire_dialect"],
                 "wire_dialect must be 'ibm' or 'gnucobol', found '" + dialect + "'");
  }
  CB_ASSIGN_OR_RETURN(std::string code_page, scalar(root, "code_page", false));
  if (!code_page.empty()) {
    Result<const CodePage*> cp = CodePage::byName(code_page);
    if (!cp.ok()) {
      return error(root["code_page"], "unknown code_page '" + code_page + "'");
    }
    pack->dialect.code_page = *cp;
  }
  return okStatus();
}

Status PackReader::readProductLines(const YAML::Node& node, ProductLineRule* rule) const {
  if (!node.IsMap()) {
    return error(node, "product_lines must be a map");
  }
  CB_RETURN_IF_ERROR(onlyKeys(node, {"prefix_length", "prefixes"}, "product_lines"));
  if (node["prefix_length"]) {
    CB_ASSIGN_OR_RETURN(int64_t n, integer(node["prefix_length"], "prefix_length"));
    if (n < 1 || n > 12) {
      return error(node["prefix_length"], "prefix_length must be 1 to 12");
    }
    rule->prefix_length = static_cast<size_t>(n);
  }
  const YAML::Node prefixes = node["prefixes"];
  if (!prefixes || !prefixes.IsMap() || prefixes.size() == 0) {
    return error(prefixes ? prefixes : node, "product_lines.prefixes must be a non-empty map");
  }
  for (const auto& kv : prefixes) {
    const std::string prefix = kv.first.Scalar();
    if (prefix.size() != rule->prefix_length) {
      return error(kv.first, "prefix '" + prefix + "' is not " +
                                 std::to_string(rule->prefix_length) + " characters");
    }
    if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
      return error(kv.second, "the product line of prefix '" + prefix + "' must be a name");
    }
    rule->prefixes[prefix] = kv.second.Scalar();
  }
  return okStatus();
}

Status PackReader::readMappings(const YAML::Node& list, const std::string& key,
                                std::vector<FieldMapping>* out) const {
  if (!list) {
    return okStatus();
  }
  if (!list.IsSequence()) {
    return error(list, "'" + key + "' must be a list of mappings");
  }
  for (const YAML::Node& m : list) {
    if (!m.IsMap()) {
      return error(m, "a mapping must be a map with 'api' and 'cobol'");
    }
    CB_RETURN_IF_ERROR(
        onlyKeys(m, {"api", "cobol", "transform", "codes", "value", "max"}, "a mapping"));
    FieldMapping fm;
    fm.line = m.Mark().line + 1;
    CB_ASSIGN_OR_RETURN(fm.api, scalar(m, "api", true));
    CB_ASSIGN_OR_RETURN(fm.cobol, scalar(m, "cobol", false));
    CB_ASSIGN_OR_RETURN(std::string transform, scalar(m, "transform", false));
    if (!transform.empty()) {
      fm.transform = transform;
    }
    if (!knownTransform(fm.transform)) {
      return error(m["transform"], "unknown transform '" + fm.transform + "' for " + fm.api);
    }
    if (fm.transform == "const") {
      CB_ASSIGN_OR_RETURN(fm.value, scalar(m, "value", true));
    } else if (fm.cobol.empty()) {
      return error(m, "mapping of " + fm.api + ": missing field 'cobol'");
    }
    const YAML::Node codes = m["codes"];
    if (fm.transform == "code") {
      if (!codes || !codes.IsMap() || codes.size() == 0) {
        return error(codes ? codes : m,
                     "transform 'code' of " + fm.cobol + " needs a non-empty 'codes' map");
      }
      std::set<std::string> api_values;
      for (const auto& kv : codes) {
        if (!kv.second.IsScalar()) {
          return error(kv.second, "code of " + fm.cobol + " must map to a string");
        }
        if (!api_values.insert(kv.second.Scalar()).second) {
          return error(kv.second, "code table of " + fm.cobol + " maps two legacy values to " +
                                      kv.second.Scalar() + ": it cannot be inverted");
        }
        fm.codes[kv.first.Scalar()] = kv.second.Scalar();
      }
    } else if (codes) {
      return error(codes, "'codes' only goes with transform 'code'");
    }
    if (m["max"]) {
      CB_ASSIGN_OR_RETURN(int64_t max, integer(m["max"], "max"));
      fm.max = max;
    }
    out->push_back(std::move(fm));
  }
  return okStatus();
}

Status PackReader::readOutcomes(const YAML::Node& map,
                                std::map<std::string, ReturnCode>* out) const {
  if (!map) {
    return okStatus();
  }
  if (!map.IsMap()) {
    return error(map, "'outcomes' must be a map of outcome -> {code, reason}");
  }
  const std::vector<std::string>& names = outcomeNames();
  for (const auto& kv : map) {
    const std::string name = kv.first.Scalar();
    const std::string base = name.substr(0, name.find('.'));
    if (std::find(names.begin(), names.end(), base) == names.end()) {
      return error(kv.first, "unknown outcome '" + name + "'");
    }
    const YAML::Node& v = kv.second;
    if (!v.IsMap()) {
      return error(v, "outcome " + name + " must be a map with 'code'");
    }
    CB_RETURN_IF_ERROR(onlyKeys(v, {"code", "reason", "reply", "read_account"}, "an outcome"));
    ReturnCode rc;
    rc.line = v.Mark().line + 1;
    CB_ASSIGN_OR_RETURN(rc.code, scalar(v, "code", true));
    if (!std::all_of(rc.code.begin(), rc.code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return error(v["code"],
                   "return code of " + name + " must be digits, found '" + rc.code + "'");
    }
    CB_ASSIGN_OR_RETURN(rc.reason, scalar(v, "reason", false));
    CB_ASSIGN_OR_RETURN(std::string reply, scalar(v, "reply", false));
    if (!reply.empty() && reply != "as_received" && reply != "initialised") {
      return error(v["reply"], "reply of " + name + " must be 'as_received' or 'initialised'");
    }
    rc.keep_reply = reply == "as_received";
    CB_ASSIGN_OR_RETURN(rc.read_account, boolean(v, "read_account"));
    (*out)[name] = std::move(rc);
  }
  return okStatus();
}

Status PackReader::readNoise(const YAML::Node& list, std::vector<NoiseRule>* out) const {
  if (!list) {
    return okStatus();
  }
  if (!list.IsSequence()) {
    return error(list, "'noise' must be a list of rules");
  }
  for (const YAML::Node& n : list) {
    if (!n.IsMap()) {
      return error(n, "a noise rule must be a map with 'field' and 'kind'");
    }
    CB_RETURN_IF_ERROR(
        onlyKeys(n, {"field", "kind", "format", "window_seconds", "tolerance"}, "a noise rule"));
    NoiseRule r;
    r.line = n.Mark().line + 1;
    CB_ASSIGN_OR_RETURN(r.field, scalar(n, "field", true));
    CB_ASSIGN_OR_RETURN(std::string kind, scalar(n, "kind", true));
    if (kind == "ignore") {
      r.kind = NoiseRule::Kind::kIgnore;
    } else if (kind == "trim") {
      r.kind = NoiseRule::Kind::kTrim;
    } else if (kind == "time_window") {
      r.kind = NoiseRule::Kind::kTimeWindow;
      CB_ASSIGN_OR_RETURN(r.format, scalar(n, "format", true));
      if (r.format != "YYYYMMDD" && r.format != "YYDDD" && r.format != "HHMMSS" &&
          r.format != "YYYYMMDDHHMMSS") {
        return error(n["format"], "unknown time format '" + r.format + "' for " + r.field);
      }
      if (!n["window_seconds"]) {
        return error(n, "time_window rule of " + r.field + ": missing field 'window_seconds'");
      }
      CB_ASSIGN_OR_RETURN(r.window_seconds, integer(n["window_seconds"], "window_seconds"));
    } else if (kind == "tolerance") {
      r.kind = NoiseRule::Kind::kTolerance;
      if (!n["tolerance"]) {
        return error(n, "tolerance rule of " + r.field + ": missing field 'tolerance'");
      }
      CB_ASSIGN_OR_RETURN(r.tolerance_minor_units, integer(n["tolerance"], "tolerance"));
    } else {
      return error(n["kind"], "unknown noise kind '" + kind + "' for " + r.field +
                                  " (ignore, trim, time_window, tolerance)");
    }
    out->push_back(std::move(r));
  }
  return okStatus();
}

Status PackReader::readLegs(const YAML::Node& node, PackTransaction* out) const {
  if (!node) {
    return okStatus();
  }
  if (!node.IsMap()) {
    return error(node, "'failed_leg' must be a map with 'field' and 'legs'");
  }
  CB_RETURN_IF_ERROR(onlyKeys(node, {"field", "legs"}, "failed_leg"));
  CB_ASSIGN_OR_RETURN(out->failed_leg_field, scalar(node, "field", true));
  const YAML::Node legs = node["legs"];
  if (!legs || !legs.IsSequence() || legs.size() == 0) {
    return error(legs ? legs : node, "failed_leg.legs must be a non-empty list");
  }
  for (const YAML::Node& l : legs) {
    if (!l.IsMap()) {
      return error(l, "a leg must be a map with 'api' and 'value'");
    }
    CB_RETURN_IF_ERROR(onlyKeys(l, {"api", "value", "reason_prefix"}, "a leg"));
    LegRule leg;
    leg.line = l.Mark().line + 1;
    CB_ASSIGN_OR_RETURN(leg.api, scalar(l, "api", true));
    CB_ASSIGN_OR_RETURN(leg.value, scalar(l, "value", true));
    CB_ASSIGN_OR_RETURN(leg.reason_prefix, scalar(l, "reason_prefix", false));
    out->legs.push_back(std::move(leg));
  }
  return okStatus();
}

Status PackReader::readProductCodes(const YAML::Node& node, const Pack& pack,
                                    PackTransaction* out) const {
  if (!node) {
    return okStatus();
  }
  if (!node.IsMap()) {
    return error(node, "'product_line_from' must be a map with 'field' and 'codes'");
  }
  CB_RETURN_IF_ERROR(onlyKeys(node, {"field", "codes"}, "product_line_from"));
  CB_ASSIGN_OR_RETURN(out->product_code_field, scalar(node, "field", true));
  const YAML::Node codes = node["codes"];
  if (!codes || !codes.IsMap() || codes.size() == 0) {
    return error(codes ? codes : node, "product_line_from.codes must be a non-empty map");
  }
  const std::vector<std::string> lines = pack.lines();
  for (const auto& kv : codes) {
    const std::string line = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (std::find(lines.begin(), lines.end(), line) == lines.end()) {
      return error(kv.second, "product code " + kv.first.Scalar() + ": '" + line +
                                  "' is not a product line of product_lines");
    }
    out->product_codes[kv.first.Scalar()] = line;
  }
  return okStatus();
}

Status PackReader::compile(const YAML::Node& t, const Pack& pack, PackTransaction* txn) const {
  CopybookOptions options;
  options.dialect = pack.dialect;
  options.search_path = {fs::path(txn->copybook).parent_path().string()};
  Result<Layout> layout = parseCopybookFile(txn->copybook, options);
  if (!layout.ok()) {
    return Status(layout.status().code(), at(t["copybook"]) + ": transaction " + txn->trancode +
                                              ": copybook " + txn->copybook + ": " +
                                              layout.status().message());
  }
  txn->layout = std::make_shared<const Layout>(std::move(*layout));
  CodecOptions codec_options;
  codec_options.record = txn->record;
  Result<std::unique_ptr<RecordCodec>> codec = RecordCodec::create(txn->layout, codec_options);
  if (!codec.ok()) {
    return error(t["record"] ? t["record"] : t,
                 "transaction " + txn->trancode + ": " + codec.status().message());
  }
  txn->codec = std::shared_ptr<const RecordCodec>(std::move(*codec));
  return okStatus();
}

// Every COBOL name the transaction uses is an item of its copybook, of the
// kind its use needs.
Status PackReader::checkFields(const YAML::Node& t, const PackTransaction& txn) const {
  const Layout& l = *txn.layout;
  const std::string where = path_ + ":";
  const std::string cpy = fs::path(txn.copybook).filename().string();
  auto missing = [&](int line, const std::string& what, const std::string& name) {
    return invalidArgument(where + std::to_string(line) + ": transaction " + txn.trancode + ": " +
                           what + " '" + name + "' is not a field of " + cpy);
  };
  auto elementary = [&](int line, const std::string& what, const std::string& name) -> Status {
    const int i = l.find(name);
    if (i == kNoIndex) {
      return missing(line, what, name);
    }
    if (l.fields[i].isGroup()) {
      return invalidArgument(where + std::to_string(line) + ": transaction " + txn.trancode + ": " +
                             what + " '" + name + "' is a group, not an elementary item");
    }
    return okStatus();
  };
  auto lineOf = [&](const char* key) { return t[key] ? t[key].Mark().line + 1 : txn.line; };
  if (!txn.txn_id_field.empty()) {
    CB_RETURN_IF_ERROR(elementary(lineOf("txn_id_field"), "txn_id_field", txn.txn_id_field));
  }
  CB_RETURN_IF_ERROR(
      elementary(lineOf("return_code_field"), "return_code_field", txn.return_code_field));
  if (!l.fields[l.find(txn.return_code_field)].isNumeric()) {
    return invalidArgument(where + std::to_string(lineOf("return_code_field")) + ": transaction " +
                           txn.trancode + ": return_code_field '" + txn.return_code_field +
                           "' must be numeric");
  }
  if (!txn.reason_field.empty()) {
    CB_RETURN_IF_ERROR(elementary(lineOf("reason_field"), "reason_field", txn.reason_field));
  }
  if (!txn.business_date_field.empty()) {
    CB_RETURN_IF_ERROR(
        elementary(lineOf("business_date_field"), "business_date_field", txn.business_date_field));
  }
  if (!txn.reply_group.empty() && l.find(txn.reply_group) == kNoIndex) {
    return missing(lineOf("reply_group"), "reply_group", txn.reply_group);
  }
  if (!txn.failed_leg_field.empty()) {
    CB_RETURN_IF_ERROR(elementary(lineOf("failed_leg"), "failed_leg.field", txn.failed_leg_field));
  }
  if (!txn.product_code_field.empty()) {
    CB_RETURN_IF_ERROR(
        elementary(lineOf("product_line_from"), "product_line_from.field", txn.product_code_field));
  }
  for (const std::string& k : txn.key_fields) {
    CB_RETURN_IF_ERROR(elementary(lineOf("key_fields"), "key field", k));
  }
  for (const auto* list : {&txn.request, &txn.reply, &txn.refusal_reply, &txn.from_primary,
                           &txn.source_seq_from_primary}) {
    for (const FieldMapping& m : *list) {
      if (m.cobol.empty()) {
        continue;
      }
      CB_RETURN_IF_ERROR(elementary(m.line, "field", m.cobol));
      const Field& f = l.fields[l.find(m.cobol)];
      if (numericTransform(m.transform) && !f.isNumeric()) {
        return invalidArgument(where + std::to_string(m.line) + ": transaction " + txn.trancode +
                               ": field '" + m.cobol + "' is not numeric: transform '" +
                               m.transform + "' needs a numeric item");
      }
    }
  }
  for (const NoiseRule& r : txn.noise) {
    if (l.find(r.field) == kNoIndex) {
      return missing(r.line, "noise rule field", r.field);
    }
  }
  for (const auto& [name, rc] : txn.outcomes) {
    const Field& f = l.fields[l.find(txn.return_code_field)];
    if (rc.code.size() > f.length) {
      std::string message = where;
      message.append(std::to_string(rc.line)).append(": transaction ").append(txn.trancode);
      message.append(": return code '").append(rc.code).append("' of ").append(name);
      message.append(" does not fit ").append(txn.return_code_field);
      return invalidArgument(std::move(message));
    }
    if (!txn.reason_field.empty() && rc.reason.size() > l.fields[l.find(txn.reason_field)].length) {
      std::string message = where;
      message.append(std::to_string(rc.line)).append(": transaction ").append(txn.trancode);
      message.append(": reason of ").append(name).append(" is longer than ");
      message.append(txn.reason_field);
      return invalidArgument(std::move(message));
    }
  }
  return okStatus();
}

Status PackReader::readTransaction(const YAML::Node& t, const YAML::Node& defaults,
                                   const fs::path& dir, const Pack& pack,
                                   PackTransaction* out) const {
  static const std::set<std::string> kKeys = {"trancode",
                                              "copybook",
                                              "record",
                                              "kind",
                                              "api",
                                              "txn_id_field",
                                              "return_code_field",
                                              "reason_field",
                                              "business_date_field",
                                              "reply_group",
                                              "key_fields",
                                              "request",
                                              "reply",
                                              "refusal_reply",
                                              "from_primary",
                                              "source_seq_from_primary",
                                              "failed_leg",
                                              "outcomes",
                                              "noise",
                                              "product_line_from"};
  CB_RETURN_IF_ERROR(onlyKeys(t, kKeys, "a transaction"));
  PackTransaction& txn = *out;
  txn.line = t.Mark().line + 1;
  CB_ASSIGN_OR_RETURN(txn.trancode, scalar(t, "trancode", true));
  if (txn.trancode.size() > 8 || std::any_of(txn.trancode.begin(), txn.trancode.end(),
                                             [](char c) { return c <= ' ' || c >= 0x7F; })) {
    return error(t["trancode"], "trancode must be 1 to 8 printable characters");
  }
  CB_ASSIGN_OR_RETURN(std::string copybook, scalar(t, "copybook", true));
  txn.copybook = fs::path(copybook).is_absolute() ? copybook : (dir / copybook).string();
  CB_ASSIGN_OR_RETURN(txn.record, scalar(t, "record", false));
  CB_ASSIGN_OR_RETURN(std::string kind, scalar(t, "kind", true));
  if (kind != "read" && kind != "write") {
    return error(t["kind"], "kind must be 'read' or 'write', found '" + kind + "'");
  }
  txn.kind = kind == "read" ? TxnKind::kRead : TxnKind::kWrite;
  CB_ASSIGN_OR_RETURN(txn.api, scalar(t, "api", true));
  if (apiCalls().count(txn.api) == 0) {
    return error(t["api"], "unknown api call '" + txn.api + "' of " + txn.trancode);
  }
  // Header fields: the transaction's own, else the pack's defaults.
  auto headerField = [&](const char* key, std::string* into) -> Status {
    CB_ASSIGN_OR_RETURN(*into, scalar(t, key, false));
    if (into->empty() && defaults) {
      CB_ASSIGN_OR_RETURN(*into, scalar(defaults, key, false));
    }
    return okStatus();
  };
  CB_RETURN_IF_ERROR(headerField("txn_id_field", &txn.txn_id_field));
  CB_RETURN_IF_ERROR(headerField("return_code_field", &txn.return_code_field));
  CB_RETURN_IF_ERROR(headerField("reason_field", &txn.reason_field));
  CB_RETURN_IF_ERROR(headerField("business_date_field", &txn.business_date_field));
  CB_ASSIGN_OR_RETURN(txn.reply_group, scalar(t, "reply_group", false));
  if (txn.return_code_field.empty()) {
    return error(t, "transaction " + txn.trancode + ": missing field 'return_code_field'");
  }
  if (txn.kind == TxnKind::kWrite && txn.txn_id_field.empty()) {
    return error(
        t, "transaction " + txn.trancode + ": a write needs 'txn_id_field' (its idempotency key)");
  }
  const YAML::Node keys = t["key_fields"];
  if (!keys || !keys.IsSequence() || keys.size() == 0) {
    return error(keys ? keys : t,
                 "transaction " + txn.trancode + ": 'key_fields' must be a non-empty list");
  }
  for (const YAML::Node& k : keys) {
    if (!k.IsScalar() || k.Scalar().empty()) {
      return error(k, "a key field must be a COBOL name");
    }
    txn.key_fields.push_back(k.Scalar());
  }
  CB_RETURN_IF_ERROR(readMappings(t["request"], "request", &txn.request));
  CB_RETURN_IF_ERROR(readMappings(t["reply"], "reply", &txn.reply));
  CB_RETURN_IF_ERROR(readMappings(t["refusal_reply"], "refusal_reply", &txn.refusal_reply));
  CB_RETURN_IF_ERROR(readMappings(t["from_primary"], "from_primary", &txn.from_primary));
  CB_RETURN_IF_ERROR(readMappings(t["source_seq_from_primary"], "source_seq_from_primary",
                                  &txn.source_seq_from_primary));
  CB_RETURN_IF_ERROR(readLegs(t["failed_leg"], &txn));
  CB_RETURN_IF_ERROR(readProductCodes(t["product_line_from"], pack, &txn));
  if (defaults) {
    CB_RETURN_IF_ERROR(readOutcomes(defaults["outcomes"], &txn.outcomes));
    CB_RETURN_IF_ERROR(readNoise(defaults["noise"], &txn.noise));
  }
  CB_RETURN_IF_ERROR(readOutcomes(t["outcomes"], &txn.outcomes));
  CB_RETURN_IF_ERROR(readNoise(t["noise"], &txn.noise));
  if (txn.outcomes.count("ok") == 0) {
    return error(t, "transaction " + txn.trancode + ": outcomes must give 'ok' a return code");
  }
  CB_RETURN_IF_ERROR(compile(t, pack, &txn));
  return checkFields(t, txn);
}

Result<std::shared_ptr<const Pack>> PackReader::read() {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path_);
  } catch (const YAML::BadFile&) {
    return notFound(path_ + ": cannot read the mapping pack");
  } catch (const YAML::Exception& e) {
    return invalidArgument(path_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) {
    return invalidArgument(path_ + ":1:1: expected a map with 'name' and 'transactions'");
  }
  CB_RETURN_IF_ERROR(onlyKeys(root,
                              {"name", "currency", "minor_digits", "wire_dialect", "code_page",
                               "copybook_dir", "product_lines", "defaults", "transactions"},
                              "the pack"));
  auto pack = std::make_shared<Pack>();
  pack->source = path_;
  CB_ASSIGN_OR_RETURN(pack->name, scalar(root, "name", true));
  CB_ASSIGN_OR_RETURN(pack->currency, scalar(root, "currency", true));
  if (pack->currency.size() != 3 || !std::all_of(pack->currency.begin(), pack->currency.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return error(root["currency"],
                 "currency must be an ISO 4217 code, found '" + pack->currency + "'");
  }
  if (root["minor_digits"]) {
    CB_ASSIGN_OR_RETURN(int64_t digits, integer(root["minor_digits"], "minor_digits"));
    if (digits < 0 || digits > 4) {
      return error(root["minor_digits"], "minor_digits must be 0 to 4");
    }
    pack->minor_digits = static_cast<int>(digits);
  }
  CB_RETURN_IF_ERROR(readDialect(root, pack.get()));
  fs::path dir = fs::path(path_).parent_path();
  CB_ASSIGN_OR_RETURN(std::string copybook_dir, scalar(root, "copybook_dir", false));
  if (!copybook_dir.empty()) {
    dir = fs::path(copybook_dir).is_absolute() ? fs::path(copybook_dir) : dir / copybook_dir;
  }
  if (!root["product_lines"]) {
    return error(root, "missing field 'product_lines'");
  }
  CB_RETURN_IF_ERROR(readProductLines(root["product_lines"], &pack->product_lines));
  const YAML::Node defaults = root["defaults"];
  if (defaults) {
    if (!defaults.IsMap()) {
      return error(defaults, "'defaults' must be a map");
    }
    CB_RETURN_IF_ERROR(onlyKeys(defaults,
                                {"txn_id_field", "return_code_field", "reason_field",
                                 "business_date_field", "outcomes", "noise"},
                                "defaults"));
  }
  const YAML::Node list = root["transactions"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    return error(list ? list : root, "'transactions' must be a non-empty list");
  }
  std::set<std::string> seen;
  for (const YAML::Node& t : list) {
    if (!t.IsMap()) {
      return error(t, "a transaction must be a map");
    }
    PackTransaction txn;
    CB_RETURN_IF_ERROR(readTransaction(t, defaults, dir, *pack, &txn));
    if (!seen.insert(txn.trancode).second) {
      return error(t["trancode"], "trancode " + txn.trancode + " is defined twice");
    }
    pack->transactions.push_back(std::move(txn));
  }
  return std::shared_ptr<const Pack>(std::move(pack));
}

}  // namespace

const std::vector<std::string>& outcomeNames() {
  static const std::vector<std::string> kNames = {"ok",
                                                  "NotFound",
                                                  "InsufficientFunds",
                                                  "AccountClosed",
                                                  "BalanceNotZero",
                                                  "InvalidRequest",
                                                  "IdempotencyConflict"};
  return kNames;
}

std::string ProductLineRule::lineOf(std::string_view account) const {
  if (account.size() < prefix_length) {
    return "";
  }
  auto it = prefixes.find(std::string(account.substr(0, prefix_length)));
  return it == prefixes.end() ? "" : it->second;
}

const PackTransaction* Pack::find(std::string_view trancode) const {
  // A TRANCODE arrives space-padded to 8 ("ACCTINQ ").
  while (!trancode.empty() && trancode.back() == ' ') {
    trancode.remove_suffix(1);
  }
  for (const PackTransaction& t : transactions) {
    if (t.trancode == trancode) {
      return &t;
    }
  }
  return nullptr;
}

std::vector<std::string> Pack::lines() const {
  std::set<std::string> s;
  for (const auto& [prefix, line] : product_lines.prefixes) {
    s.insert(line);
  }
  return {s.begin(), s.end()};
}

Result<std::shared_ptr<const Pack>> loadPack(const std::string& path) {
  return PackReader(path).read();
}

}  // namespace corebridge::mappings
