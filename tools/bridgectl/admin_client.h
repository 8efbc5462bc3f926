// AdminClient: bridgectl's side of the corebridge admin API
// (docs/cutover-control.md, "The admin API"): JSON requests over HTTP or
// HTTPS with a bearer token, one short-lived connection per request.
//
// Where the token comes from (connectionOptions() below, in this order):
// --token T, --token-file F, --user U with --password-file F (a
// POST /api/v1/login first, its token used for the rest), else $CB_TOKEN.
// The URL is --admin, else $CB_ADMIN, else http://127.0.0.1:4601; a path in
// it ("https://gw.bank/bridge") prefixes every route. HTTPS verifies the
// server's certificate and host name against the system's CAs, or --ca-file.
//
// Errors are Status values, never exceptions (POCO's are caught here):
//   Unavailable         the server could not be reached or answered 5xx
//   InvalidArgument     400 (a bad field) or a bad URL / option
//   FailedPrecondition  401 (no or bad token), 403 (role, self-approval),
//                       409 (a rule refused it)
//   Aborted             409 "stale": the line changed meanwhile
//   NotFound            404
//   DataLoss            a success whose body is not a JSON object
// The message is the server's "error" text; lastError() keeps its rule and
// field and the whole body, for printing and for --json.
//
// Thread-compatible: one thread uses a client.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "common/status.h"
#include "tools/bridgectl/args.h"

namespace corebridge::tools {

struct AdminOptions {
  std::string url = "http://127.0.0.1:4601";
  std::string token;     // sent as "Authorization: Bearer <token>"; "" none
  std::string user;      // with password: logged in by logIn()
  std::string password;  // the password itself (read from --password-file)
  std::string ca_file;   // HTTPS: a PEM file of trusted CAs ("" the system's)
  int timeout_ms = 30000;
};

// A reply the server sent: its HTTP status, body, and the body parsed when
// it is a JSON object (null otherwise).
struct ApiReply {
  int http_status = 0;
  std::string body;
  Poco::JSON::Object::Ptr json;
};

// What the server said when it refused: {"error", "rule"?, "field"?}.
struct ApiError {
  int http_status = 0;  // 0: no answer (the server could not be reached)
  std::string error;
  std::string rule;
  std::string field;
  std::string body;  // as received
};

class AdminClient {
 public:
  // Checks the URL (InvalidArgument); sends nothing.
  static Result<AdminClient> create(AdminOptions options);
  // With options.user: POST /api/v1/login and use its token from then on.
  // Nothing to do otherwise.
  Status logIn();

  Result<ApiReply> get(const std::string& route);
  Result<ApiReply> post(const std::string& route, const std::string& json_body);

  const std::string& url() const { return options_.url; }
  // The user logged in as, "" when a token was given.
  const std::string& user() const { return options_.user; }
  // The last refusal or failure (cleared by each successful call).
  const ApiError& lastError() const { return last_error_; }

 private:
  explicit AdminClient(AdminOptions options) : options_(std::move(options)) {}
  Result<ApiReply> request(const std::string& method, const std::string& route,
                           const std::string& body);

  AdminOptions options_;
  std::string scheme_, host_, prefix_;
  unsigned short port_ = 0;
  ApiError last_error_;
};

// The connection options every control-plane command accepts, for
// Args::parse, and their --help text.
std::vector<OptionSpec> connectionOptions();
extern const char kConnectionHelp[];

// AdminOptions from those options and the environment; InvalidArgument for
// a bad combination (--token with --user, --user without --password-file)
// or a file that cannot be read.
Result<AdminOptions> adminOptionsFrom(const Args& args);

// The first line of a file, without its line end: a password or a token.
Result<std::string> readSecretFile(const std::string& path);

// "a/b c" -> "a%2Fb%20c": for a path segment or a query value.
std::string urlEncode(const std::string& text);

}  // namespace corebridge::tools
