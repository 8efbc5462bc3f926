#include "legacy/host/transaction_table.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

namespace corebridge::legacy {

namespace {

namespace fs = std::filesystem;

std::string at(const std::string& path, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

Result<std::string> scalar(const std::string& path, const YAML::Node& parent,
                           const std::string& key, bool required) {
  const YAML::Node n = parent[key];
  if (!n) {
    if (!required) {
      return std::string();
    }
    return invalidArgument(at(path, parent) + ": missing field '" + key + "'");
  }
  if (!n.IsScalar() || n.Scalar().empty()) {
    return invalidArgument(at(path, n) + ": field '" + key + "' must be a non-empty string");
  }
  return n.Scalar();
}

bool validName(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max) {
    return false;
  }
  for (char c : s) {
    if (c <= ' ' || c >= 0x7F) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<TransactionTable> loadTransactionTable(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return notFound(path + ": cannot read the transaction table");
  } catch (const YAML::Exception& e) {
    return invalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  TransactionTable table;
  table.source = path;
  if (!root.IsMap()) {
    return invalidArgument(path + ":1:1: expected a map with 'transactions'");
  }
  fs::path dir = fs::path(path).parent_path();
  CB_ASSIGN_OR_RETURN(std::string copybook_dir, scalar(path, root, "copybook_dir", false));
  if (!copybook_dir.empty()) {
    dir = fs::path(copybook_dir).is_absolute() ? fs::path(copybook_dir) : dir / copybook_dir;
  }
  const YAML::Node list = root["transactions"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    return invalidArgument(at(path, list ? list : root) +
                           ": 'transactions' must be a non-empty list");
  }
  std::set<std::string> seen;
  for (const YAML::Node& t : list) {
    if (!t.IsMap()) {
      return invalidArgument(at(path, t) + ": a transaction must be a map");
    }
    TransactionDef def;
    def.line = t.Mark().line + 1;
    CB_ASSIGN_OR_RETURN(def.trancode, scalar(path, t, "trancode", true));
    CB_ASSIGN_OR_RETURN(def.program, scalar(path, t, "program", true));
    CB_ASSIGN_OR_RETURN(std::string copybook, scalar(path, t, "copybook", true));
    CB_ASSIGN_OR_RETURN(def.record, scalar(path, t, "record", false));
    if (!validName(def.trancode, 8)) {
      return invalidArgument(at(path, t["trancode"]) +
                             ": trancode must be 1 to 8 printable characters");
    }
    if (!validName(def.program, 30)) {
      return invalidArgument(at(path, t["program"]) + ": program must be a module name");
    }
    if (!seen.insert(def.trancode).second) {
      return invalidArgument(at(path, t["trancode"]) + ": trancode " + def.trancode +
                             " is defined twice");
    }
    for (const auto& kv : t) {
      const std::string k = kv.first.Scalar();
      if (k != "trancode" && k != "program" && k != "copybook" && k != "record") {
        return invalidArgument(at(path, kv.first) + ": unknown field '" + k + "'");
      }
    }
    def.copybook = fs::path(copybook).is_absolute() ? copybook : (dir / copybook).string();
    table.transactions.push_back(std::move(def));
  }
  return table;
}

}  // namespace corebridge::legacy
