// Users, passwords, API tokens and login tokens (bridge/auth.h).
#include "bridge/auth.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

namespace corebridge::bridge {
namespace {

std::string tempFile(const std::string& text) {
  char path[] = "/tmp/cb-auth-XXXXXX";
  const int fd = ::mkstemp(path);
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(Auth, PasswordsAreCheckedAgainstTheirPbkdf2Hash) {
  const std::string h = hashPassword("s3cret", 1000);
  EXPECT_EQ(h.rfind("pbkdf2-sha256$1000$", 0), 0u) << h;
  EXPECT_TRUE(checkPassword("s3cret", h));
  EXPECT_FALSE(checkPassword("s3cret ", h));
  EXPECT_FALSE(checkPassword("s3cret", "pbkdf2-sha256$1000$zz$00"));
  // Two hashes of one password differ by their salt.
  EXPECT_NE(hashPassword("s3cret", 1000), h);
  // RFC 7914's PBKDF2-HMAC-SHA256 vector ("passwd", salt "salt", 1 iteration).
  EXPECT_EQ(hashPassword("passwd", 1, "73616c74"),
            "pbkdf2-sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20da"
            "cbc");
}

TEST(Auth, TheUsersFileNamesTheLineAndFieldOfAMistake) {
  const std::string ok =
      tempFile("users:\n  alice: {role: operator, password: \"" + hashPassword("a", 1000) +
               "\"}\n  ci: {role: viewer, token_sha256: " + hashToken("tok") + "}\n");
  auto users = loadUsers(ok);
  ASSERT_TRUE(users.ok()) << users.status().toString();
  EXPECT_EQ(users->at("alice").role, Role::kOperator);
  EXPECT_EQ(users->at("ci").token_sha256, hashToken("tok"));
  const std::string bad_role = tempFile("users:\n  alice: {role: boss, password: x}\n");
  auto r = loadUsers(bad_role);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(":2: users.alice.role"), std::string::npos)
      << r.status().message();
  const std::string clear = tempFile("users:\n  bob: {role: approver, password: hunter2}\n");
  r = loadUsers(clear);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("users.bob.password"), std::string::npos);
  const std::string nothing = tempFile("users:\n  bob: {role: approver}\n");
  EXPECT_FALSE(loadUsers(nothing).ok());
  std::remove(ok.c_str());
  std::remove(bad_role.c_str());
  std::remove(clear.c_str());
  std::remove(nothing.c_str());
}

Authenticator twoUsers(std::chrono::seconds ttl = std::chrono::hours(1)) {
  std::map<std::string, User> users;
  users["alice"] = User{"alice", Role::kOperator, hashPassword("pw-a", 1000), ""};
  users["ci"] = User{"ci", Role::kViewer, "", hashToken("api-token")};
  return Authenticator(users, "a-secret-of-sixteen-bytes", ttl);
}

TEST(Auth, ALoginTokenOrAnApiTokenNamesThePrincipal) {
  Authenticator auth = twoUsers();
  auto token = auth.login("alice", "pw-a");
  ASSERT_TRUE(token.ok());
  auto who = auth.authenticate("Bearer " + token->token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "alice");
  EXPECT_EQ(who->role, Role::kOperator);
  auto ci = auth.authenticate("Bearer api-token");
  ASSERT_TRUE(ci.has_value());
  EXPECT_EQ(ci->role, Role::kViewer);
  EXPECT_FALSE(auth.login("alice", "wrong").ok());
  EXPECT_FALSE(auth.login("mallory", "pw-a").ok());
  EXPECT_FALSE(auth.authenticate("Bearer nope").has_value());
  EXPECT_FALSE(auth.authenticate(token->token).has_value());  // no "Bearer "
  // A token signed with another key, or tampered with, is refused.
  std::map<std::string, User> users;
  users["alice"] = User{"alice", Role::kApprover, hashPassword("pw-a", 1000), ""};
  Authenticator other(users, "another-secret-of-16-bytes");
  EXPECT_FALSE(other.authenticate("Bearer " + token->token).has_value());
  std::string tampered = token->token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(auth.authenticate("Bearer " + tampered).has_value());
}

TEST(Auth, ANewPasswordEndsTheOldPasswordsTokens) {
  Authenticator before = twoUsers();
  auto token = before.login("alice", "pw-a");
  ASSERT_TRUE(token.ok());
  std::map<std::string, User> users;
  users["alice"] = User{"alice", Role::kOperator, hashPassword("pw-new", 1000), ""};
  Authenticator after(users, "a-secret-of-sixteen-bytes");  // the same key
  EXPECT_FALSE(after.authenticate("Bearer " + token->token).has_value());
  EXPECT_TRUE(before.authenticate("Bearer " + token->token).has_value());
}

TEST(Auth, TwoUsersWithOneApiTokenAreRefused) {
  const std::string path =
      tempFile("users:\n  a: {role: viewer, token_sha256: " + hashToken("t") +
               "}\n  b: {role: approver, token_sha256: " + hashToken("t") + "}\n");
  auto r = loadUsers(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("users.b.token_sha256"), std::string::npos)
      << r.status().message();
  std::remove(path.c_str());
}

TEST(Auth, ALoginTokenStopsWorkingWhenItExpires) {
  Authenticator auth = twoUsers(std::chrono::seconds(1));
  auto token = auth.login("alice", "pw-a");
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(auth.authenticate("Bearer " + token->token).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_FALSE(auth.authenticate("Bearer " + token->token).has_value());
}

}  // namespace
}  // namespace corebridge::bridge
