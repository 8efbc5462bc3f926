#include "bridge/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "mappings/codepage.h"

namespace corebridge::bridge {

namespace {

namespace fs = std::filesystem;

// Where a node came from, for messages: "FILE:LINE" or "the command line".
class Where {
 public:
  explicit Where(std::string file) : file_(std::move(file)) {}
  std::string at(const YAML::Node& node, const std::string& key) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0 || file_.empty()) {
      return "option --" + key;
    }
    return file_ + ":" + std::to_string(mark.line + 1) + ": " + key;
  }

 private:
  std::string file_;
};

Status unknownKeys(const YAML::Node& map, const std::set<std::string>& known,
                   const std::string& prefix, const Where& where) {
  if (!map.IsMap()) {
    return invalidArgument(where.at(map, prefix.empty() ? "(top)" : prefix) + ": expected a map");
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (known.count(key) == 0) {
      return invalidArgument(where.at(kv.first, prefix + key) + ": unknown option");
    }
  }
  return okStatus();
}

template <typename T>
Status read(const YAML::Node& map, const std::string& key, const std::string& path,
            const Where& where, T* out) {
  const YAML::Node node = map[key];
  if (!node) {
    return okStatus();
  }
  try {
    *out = node.as<T>();
  } catch (const YAML::Exception&) {
    return invalidArgument(where.at(node, path + key) + ": '" + YAML::Dump(node) +
                           "' is not a valid value");
  }
  return okStatus();
}

Status readInt(const YAML::Node& map, const std::string& key, const std::string& path,
               const Where& where, int lo, int hi, int* out) {
  CB_RETURN_IF_ERROR(read(map, key, path, where, out));
  if (*out < lo || *out > hi) {
    return invalidArgument(where.at(map[key] ? map[key] : map, path + key) + ": " +
                           std::to_string(*out) + " is outside " + std::to_string(lo) + "-" +
                           std::to_string(hi));
  }
  return okStatus();
}

Status readEndpoint(const YAML::Node& root, const std::string& key, const Where& where,
                    Endpoint* out, const std::set<std::string>& more = {}) {
  const YAML::Node node = root[key];
  if (!node) {
    return okStatus();
  }
  std::set<std::string> known = {"host", "port"};
  known.insert(more.begin(), more.end());
  CB_RETURN_IF_ERROR(unknownKeys(node, known, key + ".", where));
  CB_RETURN_IF_ERROR(read(node, "host", key + ".", where, &out->host));
  return readInt(node, "port", key + ".", where, 0, 65535, &out->port);
}

Status readBackend(const YAML::Node& root, const std::string& key, const Where& where,
                   BackendConfig* out) {
  const YAML::Node node = root[key];
  if (!node) {
    return okStatus();
  }
  const std::string p = key + ".";
  CB_RETURN_IF_ERROR(
      unknownKeys(node, {"host", "port", "pool", "connect_timeout_ms", "timeout_ms"}, p, where));
  CB_RETURN_IF_ERROR(read(node, "host", p, where, &out->endpoint.host));
  CB_RETURN_IF_ERROR(readInt(node, "port", p, where, 1, 65535, &out->endpoint.port));
  CB_RETURN_IF_ERROR(readInt(node, "pool", p, where, 1, 4096, &out->pool));
  CB_RETURN_IF_ERROR(
      readInt(node, "connect_timeout_ms", p, where, 1, 600000, &out->connect_timeout_ms));
  return readInt(node, "timeout_ms", p, where, 1, 600000, &out->timeout_ms);
}

Status readStages(const YAML::Node& root, const Where& where, StageTable* out) {
  if (const YAML::Node d = root["default_stage"]) {
    auto s = parseStage(d.as<std::string>());
    if (!s.ok()) {
      return invalidArgument(where.at(d, "default_stage") + ": " + s.status().message());
    }
    out->default_stage = *s;
  }
  const YAML::Node lines = root["product_lines"];
  if (!lines) {
    return okStatus();
  }
  // Which lines exist is the mapping pack's to say; the bridge checks the
  // names against it at start-up.
  if (!lines.IsMap()) {
    return invalidArgument(where.at(lines, "product_lines") + ": expected a map");
  }
  for (const auto& kv : lines) {
    const std::string line = kv.first.as<std::string>();
    const std::string p = "product_lines." + line + ".";
    CB_RETURN_IF_ERROR(unknownKeys(kv.second, {"stage", "ramp"}, p, where));
    LineSetting setting;
    std::string stage = "LEGACY_ONLY";
    CB_RETURN_IF_ERROR(read(kv.second, "stage", p, where, &stage));
    auto s = parseStage(stage);
    if (!s.ok()) {
      return invalidArgument(where.at(kv.second["stage"], p + "stage") + ": " +
                             s.status().message());
    }
    setting.stage = *s;
    CB_RETURN_IF_ERROR(readInt(kv.second, "ramp", p, where, 0, 100, &setting.ramp_percent));
    out->lines[line] = setting;
  }
  return okStatus();
}

std::string resolve(const std::string& base_dir, const std::string& p);

Status readRate(const YAML::Node& map, const std::string& key, const std::string& path,
                const Where& where, double* out) {
  CB_RETURN_IF_ERROR(read(map, key, path, where, out));
  if (!(*out >= 0 && *out <= 1)) {
    return invalidArgument(where.at(map[key] ? map[key] : map, path + key) +
                           ": a rate is a fraction from 0 to 1 (0 disables the check)");
  }
  return okStatus();
}

Status readGuard(const YAML::Node& node, const std::string& p, const Where& where,
                 GuardSettings* out) {
  CB_RETURN_IF_ERROR(unknownKeys(
      node, {"max_mismatch_rate", "max_error_rate", "window_seconds", "min_samples"}, p, where));
  CB_RETURN_IF_ERROR(readRate(node, "max_mismatch_rate", p, where, &out->max_mismatch_rate));
  CB_RETURN_IF_ERROR(readRate(node, "max_error_rate", p, where, &out->max_error_rate));
  CB_RETURN_IF_ERROR(readInt(node, "window_seconds", p, where, 1, 3600, &out->window_seconds));
  return readInt(node, "min_samples", p, where, 1, 1'000'000, &out->min_samples);
}

Status readControl(const YAML::Node& root, const std::string& base_dir, const Where& where,
                   ControlConfig* out) {
  const YAML::Node n = root["control"];
  if (!n) {
    return okStatus();
  }
  const std::string p = "control.";
  CB_RETURN_IF_ERROR(unknownKeys(n,
                                 {"flag_store", "poll_ms", "users_file", "token_secret_file",
                                  "token_ttl_s", "guard_interval_ms", "instance", "guard"},
                                 p, where));
  CB_RETURN_IF_ERROR(read(n, "flag_store", p, where, &out->flag_store));
  CB_RETURN_IF_ERROR(readInt(n, "poll_ms", p, where, 10, 60000, &out->poll_ms));
  CB_RETURN_IF_ERROR(read(n, "users_file", p, where, &out->users_file));
  out->users_file = resolve(base_dir, out->users_file);
  CB_RETURN_IF_ERROR(read(n, "token_secret_file", p, where, &out->token_secret_file));
  out->token_secret_file = resolve(base_dir, out->token_secret_file);
  CB_RETURN_IF_ERROR(readInt(n, "token_ttl_s", p, where, 60, 7 * 86400, &out->token_ttl_s));
  CB_RETURN_IF_ERROR(
      readInt(n, "guard_interval_ms", p, where, 100, 600000, &out->guard_interval_ms));
  CB_RETURN_IF_ERROR(read(n, "instance", p, where, &out->instance));
  if (const YAML::Node g = n["guard"]) {
    CB_RETURN_IF_ERROR(readGuard(g, p + "guard.", where, &out->guard));
  }
  return okStatus();
}

// Sets root[a][b]...[z] = value for the dotted path "a.b...z".
Status applyOverride(YAML::Node& root, const std::string& path, const std::string& value) {
  if (path.empty() || path.front() == '.' || path.back() == '.') {
    return invalidArgument("option --" + path + ": not a dotted option name");
  }
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    const size_t dot = path.find('.', pos);
    parts.push_back(path.substr(pos, dot - pos));
    if (dot == std::string::npos) {
      break;
    }
    pos = dot + 1;
  }
  std::vector<YAML::Node> chain = {root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = chain.back()[parts[i]];
    } else if (!next.IsMap()) {
      return invalidArgument("option --" + path + ": " + parts[i] + " is not a section");
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = value;
  return okStatus();
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || base_dir.empty() || fs::path(p).is_absolute()) {
    return p;
  }
  return (fs::path(base_dir) / p).lexically_normal().string();
}

}  // namespace

Result<adapters::FrameOptions> Config::frameOptions() const {
  adapters::FrameOptions f;
  f.length_bytes = frame_length_bytes;
  f.length_includes_header = frame_length_includes_header;
  f.max_message = max_message;
  CB_ASSIGN_OR_RETURN(f.code_page, mappings::CodePage::byName(code_page));
  CB_RETURN_IF_ERROR(adapters::validateFrameOptions(f));
  return f;
}

Result<Config> loadConfig(const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& overrides) {
  Config c;
  c.source = path;
  YAML::Node root(YAML::NodeType::Map);
  std::string base_dir;
  if (!path.empty()) {
    if (!fs::exists(path)) {
      return notFound(path + ": no such configuration file");
    }
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      return invalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (root.IsNull()) {
      root = YAML::Node(YAML::NodeType::Map);
    }
    base_dir = fs::path(path).parent_path().string();
  }
  for (const auto& [key, value] : overrides) {
    CB_RETURN_IF_ERROR(applyOverride(root, key, value));
  }
  const Where where(path);
  CB_RETURN_IF_ERROR(unknownKeys(root,
                                 {"listen", "admin", "max_connections", "frame", "pack", "legacy",
                                  "newcore", "secondary", "mismatch_store", "dualwrite", "repairs",
                                  "log", "control", "default_stage", "product_lines"},
                                 "", where));
  CB_RETURN_IF_ERROR(readEndpoint(root, "listen", where, &c.listen));
  CB_RETURN_IF_ERROR(readEndpoint(root, "admin", where, &c.admin, {"tls_cert", "tls_key"}));
  if (const YAML::Node a = root["admin"]) {
    CB_RETURN_IF_ERROR(read(a, "tls_cert", "admin.", where, &c.admin_tls_cert));
    CB_RETURN_IF_ERROR(read(a, "tls_key", "admin.", where, &c.admin_tls_key));
    c.admin_tls_cert = resolve(base_dir, c.admin_tls_cert);
    c.admin_tls_key = resolve(base_dir, c.admin_tls_key);
    if (c.admin_tls_cert.empty() != c.admin_tls_key.empty()) {
      return invalidArgument(where.at(a, "admin") +
                             ": HTTPS needs both tls_cert and tls_key (PEM files)");
    }
  }
  CB_RETURN_IF_ERROR(readInt(root, "max_connections", "", where, 1, 100000, &c.max_connections));
  if (const YAML::Node f = root["frame"]) {
    CB_RETURN_IF_ERROR(
        unknownKeys(f, {"length_bytes", "length_includes_header", "code_page", "max_message"},
                    "frame.", where));
    CB_RETURN_IF_ERROR(readInt(f, "length_bytes", "frame.", where, 2, 4, &c.frame_length_bytes));
    CB_RETURN_IF_ERROR(
        read(f, "length_includes_header", "frame.", where, &c.frame_length_includes_header));
    CB_RETURN_IF_ERROR(read(f, "code_page", "frame.", where, &c.code_page));
    int max_message = static_cast<int>(c.max_message);
    CB_RETURN_IF_ERROR(readInt(f, "max_message", "frame.", where, 16, 1 << 30, &max_message));
    c.max_message = static_cast<size_t>(max_message);
  }
  CB_RETURN_IF_ERROR(read(root, "pack", "", where, &c.pack));
  c.pack = resolve(base_dir, c.pack);
  CB_RETURN_IF_ERROR(readBackend(root, "legacy", where, &c.legacy));
  CB_RETURN_IF_ERROR(readBackend(root, "newcore", where, &c.newcore));
  if (const YAML::Node s = root["secondary"]) {
    CB_RETURN_IF_ERROR(unknownKeys(s, {"queue", "workers"}, "secondary.", where));
    CB_RETURN_IF_ERROR(readInt(s, "queue", "secondary.", where, 1, 10'000'000, &c.secondary_queue));
    CB_RETURN_IF_ERROR(readInt(s, "workers", "secondary.", where, 1, 256, &c.secondary_workers));
  }
  CB_RETURN_IF_ERROR(read(root, "mismatch_store", "", where, &c.mismatch_store));
  if (const YAML::Node d = root["dualwrite"]) {
    CB_RETURN_IF_ERROR(unknownKeys(d,
                                   {"journal", "segment_mb", "preallocate_kb", "attempts",
                                    "retry_backoff_ms", "recovery_timeout_ms"},
                                   "dualwrite.", where));
    CB_RETURN_IF_ERROR(read(d, "journal", "dualwrite.", where, &c.journal_dir));
    if (!c.journal_dir.empty()) {
      c.journal_dir = resolve(base_dir, c.journal_dir);
    }
    CB_RETURN_IF_ERROR(
        readInt(d, "segment_mb", "dualwrite.", where, 1, 4096, &c.journal_segment_mb));
    CB_RETURN_IF_ERROR(
        readInt(d, "preallocate_kb", "dualwrite.", where, 0, 1 << 20, &c.journal_preallocate_kb));
    CB_RETURN_IF_ERROR(readInt(d, "attempts", "dualwrite.", where, 1, 100, &c.secondary_attempts));
    CB_RETURN_IF_ERROR(
        readInt(d, "retry_backoff_ms", "dualwrite.", where, 0, 60000, &c.retry_backoff_ms));
    CB_RETURN_IF_ERROR(readInt(d, "recovery_timeout_ms", "dualwrite.", where, 0, 3'600'000,
                               &c.recovery_timeout_ms));
  }
  if (const YAML::Node r = root["repairs"]) {
    CB_RETURN_IF_ERROR(
        unknownKeys(r, {"store", "initial_backoff_ms", "max_backoff_ms"}, "repairs.", where));
    CB_RETURN_IF_ERROR(read(r, "store", "repairs.", where, &c.repair_store));
    if (c.repair_store.empty()) {
      return invalidArgument(where.at(r["store"], "repairs.store") +
                             ": empty; the durable write path needs a repair store (memory: "
                             "for a throwaway one)");
    }
    CB_RETURN_IF_ERROR(readInt(r, "initial_backoff_ms", "repairs.", where, 1, 3'600'000,
                               &c.repair_initial_backoff_ms));
    CB_RETURN_IF_ERROR(
        readInt(r, "max_backoff_ms", "repairs.", where, 1, 3'600'000, &c.repair_max_backoff_ms));
  }
  if (const YAML::Node l = root["log"]) {
    CB_RETURN_IF_ERROR(unknownKeys(l, {"level", "format"}, "log.", where));
    CB_RETURN_IF_ERROR(read(l, "level", "log.", where, &c.log_level));
    CB_RETURN_IF_ERROR(read(l, "format", "log.", where, &c.log_format));
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (levels.count(c.log_level) == 0) {
      return invalidArgument(where.at(l["level"], "log.level") + ": '" + c.log_level +
                             "' is not one of trace, debug, info, warn, error");
    }
    if (c.log_format != "text" && c.log_format != "json") {
      return invalidArgument(where.at(l["format"], "log.format") + ": '" + c.log_format +
                             "' is neither text nor json");
    }
  }
  CB_RETURN_IF_ERROR(readControl(root, base_dir, where, &c.control));
  CB_RETURN_IF_ERROR(readStages(root, where, &c.stages));
  auto frame = c.frameOptions();
  if (!frame.ok()) {
    return invalidArgument((path.empty() ? std::string("frame") : path + ": frame") + ": " +
                           frame.status().message());
  }
  return c;
}

}  // namespace corebridge::bridge
