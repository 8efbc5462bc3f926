// Who may use the admin API (docs/cutover-control.md, "Users, roles,
// tokens"): the users file, password and API-token checks, and the login
// tokens (HMAC-SHA256 JWTs, POCO JWT).
//
//   users:
//     alice: {role: operator, password: "pbkdf2-sha256$100000$<salt hex>$<hash hex>"}
//     ci:    {role: viewer, token_sha256: "<hex SHA-256 of the token>"}
//
// A user has a role and a password, an API token, or both. The file holds
// no secret in the clear: passwords as PBKDF2-HMAC-SHA256, tokens as their
// SHA-256. loadUsers() names the file, line and field of anything wrong.
//
// Thread-safety: Authenticator is immutable once built; every method may be
// called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace corebridge::bridge {

enum class Role { kViewer = 0, kOperator = 1, kApprover = 2 };
std::string_view roleName(Role role);  // "viewer", "operator", "approver"
Result<Role> parseRole(std::string_view name);

struct User {
  std::string name;
  Role role = Role::kViewer;
  std::string password;      // "pbkdf2-sha256$ITER$SALTHEX$HASHHEX", "" for none
  std::string token_sha256;  // lower-case hex, "" for none
};

// "pbkdf2-sha256$ITER$SALTHEX$HASHHEX" of `password` (a random 16-byte salt
// when `salt_hex` is empty).
std::string hashPassword(std::string_view password, int iterations = 100000,
                         std::string_view salt_hex = "");
// Whether `password` matches a hashPassword() value (constant-time compare);
// false for a malformed value.
bool checkPassword(std::string_view password, std::string_view hashed);
// Lower-case hex SHA-256 of `token`.
std::string hashToken(std::string_view token);
// 32 random bytes as hex: a fresh API token.
std::string newToken();

// The users file; InvalidArgument naming file:line and the field.
Result<std::map<std::string, User>> loadUsers(const std::string& path);

struct Principal {
  std::string user;
  Role role = Role::kViewer;
};

struct LoginToken {
  std::string token;  // the JWT
  int64_t expires_at_ms = 0;
};

class Authenticator {
 public:
  // `secret`: the HMAC key of login tokens ("" picks 32 random bytes, so
  // tokens are only good on this process); `ttl`: a token's lifetime.
  Authenticator(std::map<std::string, User> users, std::string secret,
                std::chrono::seconds ttl = std::chrono::hours(1));

  bool empty() const { return users_.empty(); }
  // A login token for user + password; Unauthenticated-like InvalidArgument
  // ("unknown user or wrong password": never which of the two).
  Result<LoginToken> login(std::string_view user, std::string_view password) const;
  // The principal of an "Authorization" header value ("Bearer <login token
  // or API token>"); nullopt when absent, malformed, expired or unknown
  // (the user must still be in the users file with the same role).
  std::optional<Principal> authenticate(std::string_view authorization) const;

 private:
  std::map<std::string, User> users_;
  std::map<std::string, std::string> by_token_;  // token sha256 -> user
  std::string secret_;
  std::chrono::seconds ttl_;
  std::string dummy_password_;  // hashed for an unknown user's login
};

}  // namespace corebridge::bridge
