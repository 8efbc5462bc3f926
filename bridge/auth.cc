#include "bridge/auth.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/PBKDF2Engine.h>
#include <Poco/RandomStream.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Timestamp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <utility>
#include <vector>

namespace corebridge::bridge {
namespace {

// HMACEngine wants the block and digest sizes as enum constants.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(SHA_256) {}
};

using Pbkdf2Sha256 = Poco::PBKDF2Engine<Poco::HMACEngine<Sha256Engine>>;

constexpr std::string_view kScheme = "pbkdf2-sha256";

std::string randomHex(size_t bytes) {
  Poco::RandomInputStream random;
  std::string raw(bytes, '\0');
  random.read(raw.data(), static_cast<std::streamsize>(bytes));
  return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(raw.begin(), raw.end()));
}

Result<std::string> unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return invalidArgument("odd number of hex digits");
  }
  std::string out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return invalidArgument("not a hex digit");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string pbkdf2Hex(std::string_view password, const std::string& salt, int iterations) {
  Pbkdf2Sha256 engine(salt, static_cast<unsigned>(iterations), 32);
  engine.update(password.data(), password.size());
  return Poco::DigestEngine::digestToHex(engine.digest());
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::vector<std::string_view> splitDollar(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t d = s.find('$', start);
    parts.push_back(
        s.substr(start, d == std::string_view::npos ? std::string_view::npos : d - start));
    if (d == std::string_view::npos) {
      return parts;
    }
    start = d + 1;
  }
}

int64_t nowMs() { return Poco::Timestamp().epochMicroseconds() / 1000; }

}  // namespace

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kApprover:
      return "approver";
  }
  return "viewer";
}

Result<Role> parseRole(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kApprover}) {
    if (roleName(r) == name) {
      return r;
    }
  }
  return invalidArgument("unknown role '" + std::string(name) +
                         "' (expected viewer, operator or approver)");
}

std::string hashPassword(std::string_view password, int iterations, std::string_view salt_hex) {
  const std::string salt_text = salt_hex.empty() ? randomHex(16) : std::string(salt_hex);
  auto salt = unhex(salt_text);
  const std::string raw_salt = salt.ok() ? *salt : salt_text;
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + salt_text + "$" +
         pbkdf2Hex(password, raw_salt, iterations);
}

bool checkPassword(std::string_view password, std::string_view hashed) {
  const auto parts = splitDollar(hashed);
  if (parts.size() != 4 || parts[0] != kScheme) {
    return false;
  }
  char* end = nullptr;
  const std::string iter_text(parts[1]);
  const long iterations = std::strtol(iter_text.c_str(), &end, 10);
  if (end == iter_text.c_str() || *end != '\0' || iterations < 1 || iterations > 10000000) {
    return false;
  }
  auto salt = unhex(parts[2]);
  if (!salt.ok()) {
    return false;
  }
  return constantTimeEqual(pbkdf2Hex(password, *salt, static_cast<int>(iterations)), parts[3]);
}

std::string hashToken(std::string_view token) {
  Sha256Engine engine;
  engine.update(token.data(), token.size());
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string newToken() { return randomHex(32); }

Result<std::map<std::string, User>> loadUsers(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return invalidArgument(path + ": cannot read the users file");
  } catch (const YAML::Exception& e) {
    return invalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto where = [&](const YAML::Node& n, const std::string& field) {
    return path + ":" + std::to_string(n.Mark().line + 1) + ": " + field;
  };
  if (!root.IsMap() || !root["users"] || !root["users"].IsMap()) {
    return invalidArgument(path + ": expected a map 'users: {NAME: {role: ..., password: ...}}'");
  }
  std::map<std::string, User> users;
  std::map<std::string, std::string> token_owner;
  for (const auto& entry : root["users"]) {
    User u;
    u.name = entry.first.as<std::string>();
    const YAML::Node& spec = entry.second;
    const std::string field = "users." + u.name;
    if (u.name.empty() || u.name.size() > 64 || u.name.rfind("system:", 0) == 0) {
      return invalidArgument(where(entry.first, field) +
                             ": a user name is 1-64 characters and does not start with 'system:'");
    }
    if (!spec.IsMap()) {
      return invalidArgument(where(spec, field) + ": expected {role: ..., password: ...}");
    }
    for (const auto& kv : spec) {
      const std::string key = kv.first.as<std::string>();
      if (key != "role" && key != "password" && key != "token_sha256") {
        std::string name = field;
        name.append(".").append(key);
        std::string message = where(kv.first, name);
        message += ": unknown key (expected role, password, token_sha256)";
        return invalidArgument(std::move(message));
      }
    }
    if (!spec["role"]) {
      return invalidArgument(where(spec, field + ".role") + ": missing");
    }
    auto role = parseRole(spec["role"].as<std::string>());
    if (!role.ok()) {
      return invalidArgument(where(spec["role"], field + ".role") + ": " + role.status().message());
    }
    u.role = *role;
    if (spec["password"]) {
      u.password = spec["password"].as<std::string>();
      const auto parts = splitDollar(u.password);
      if (parts.size() != 4 || parts[0] != kScheme || !unhex(parts[2]).ok() ||
          parts[3].size() != 64) {
        return invalidArgument(where(spec["password"], field + ".password") +
                               ": expected pbkdf2-sha256$ITERATIONS$SALTHEX$HASHHEX (bridgectl "
                               "hash-password prints one)");
      }
    }
    if (spec["token_sha256"]) {
      u.token_sha256 = spec["token_sha256"].as<std::string>();
      if (u.token_sha256.size() != 64 || !unhex(u.token_sha256).ok()) {
        return invalidArgument(where(spec["token_sha256"], field + ".token_sha256") +
                               ": expected 64 hex digits (bridgectl hash-token prints one)");
      }
      for (char& c : u.token_sha256) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    if (!u.token_sha256.empty()) {
      auto [owner, fresh] = token_owner.emplace(u.token_sha256, u.name);
      if (!fresh) {
        return invalidArgument(where(spec["token_sha256"], field + ".token_sha256") +
                               ": the same token as " + owner->second +
                               "'s: every API token must be its own");
      }
    }
    if (u.password.empty() && u.token_sha256.empty()) {
      return invalidArgument(where(spec, field) + ": needs a password or a token_sha256");
    }
    users.emplace(u.name, std::move(u));
  }
  return users;
}

Authenticator::Authenticator(std::map<std::string, User> users, std::string secret,
                             std::chrono::seconds ttl)
    : users_(std::move(users)), secret_(std::move(secret)), ttl_(ttl) {
  if (secret_.empty()) {
    secret_ = randomHex(32);
  }
  // An unknown user's login hashes as long as a known one's, so that its
  // answer time does not tell which names exist.
  int iterations = 100000;
  for (const auto& [name, u] : users_) {
    if (!u.token_sha256.empty()) {
      by_token_.emplace(u.token_sha256, name);
    }
    const auto parts = splitDollar(u.password);
    if (parts.size() == 4) {
      iterations = std::max(1, std::atoi(std::string(parts[1]).c_str()));
    }
  }
  dummy_password_ = hashPassword("no such user", iterations);
}

Result<LoginToken> Authenticator::login(std::string_view user, std::string_view password) const {
  auto it = users_.find(std::string(user));
  // Hash even for an unknown user, so that timing does not tell which it was.
  const std::string& hashed =
      it == users_.end() || it->second.password.empty() ? dummy_password_ : it->second.password;
  const bool ok = checkPassword(password, hashed) && it != users_.end();
  if (!ok) {
    return invalidArgument("unknown user or wrong password");
  }
  LoginToken out;
  out.expires_at_ms = nowMs() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl_).count();
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(it->first);
  token.payload().set("role", std::string(roleName(it->second.role)));
  // A new password in the users file ends the tokens of the old one.
  token.payload().set("pwd", hashToken(it->second.password).substr(0, 16));
  token.setIssuedAt(Poco::Timestamp());
  token.setExpiration(Poco::Timestamp(out.expires_at_ms * 1000));
  Poco::JWT::Signer signer(secret_);
  out.token = signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
  return out;
}

std::optional<Principal> Authenticator::authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  const std::string credential(authorization.substr(kBearer.size()));
  if (auto t = by_token_.find(hashToken(credential)); t != by_token_.end()) {
    const User& u = users_.at(t->second);
    return Principal{u.name, u.role};
  }
  try {
    Poco::JWT::Signer signer(secret_);
    Poco::JWT::Token token;
    if (!signer.tryVerify(credential, token)) {
      return std::nullopt;
    }
    if (token.getExpiration().epochMicroseconds() / 1000 <= nowMs()) {
      return std::nullopt;
    }
    auto it = users_.find(token.getSubject());
    if (it == users_.end() ||
        token.payload().optValue<std::string>("role", "") != roleName(it->second.role) ||
        token.payload().optValue<std::string>("pwd", "") !=
            hashToken(it->second.password).substr(0, 16)) {
      return std::nullopt;
    }
    return Principal{it->first, it->second.role};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace corebridge::bridge
