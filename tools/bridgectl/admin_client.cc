#include "tools/bridgectl/admin_client.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "mappings/json.h"

namespace corebridge::tools {

namespace {

constexpr const char kDefaultUrl[] = "http://127.0.0.1:4601";

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
  if (body.empty()) {
    return nullptr;
  }
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(body);
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
      return v.extract<Poco::JSON::Object::Ptr>();
    }
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  return nullptr;
}

std::string member(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (o.isNull() || !o->has(key) || o->isNull(key)) {
    return "";
  }
  try {
    return o->get(key).convert<std::string>();
  } catch (const Poco::Exception&) {
    return "";
  }
}

Status statusFor(const ApiError& e) {
  std::string message = e.error.empty() ? "HTTP " + std::to_string(e.http_status) : e.error;
  switch (e.http_status) {
    case 400:
      return invalidArgument(message);
    case 404:
      return notFound(message);
    case 409:
      return e.rule == "stale" ? aborted(message) : failedPrecondition(message);
    case 401:
    case 403:
      return failedPrecondition(message);
    default:
      return e.http_status >= 500 ? unavailable(message) : failedPrecondition(message);
  }
}

// One process-wide SSL initialisation (POCO's OpenSSL setup).
void initializeSslOnce() {
  static const bool kDone = [] {
    Poco::Net::initializeSSL();
    return true;
  }();
  (void)kDone;
}

}  // namespace

Result<AdminClient> AdminClient::create(AdminOptions options) {
  AdminClient client(std::move(options));
  try {
    Poco::URI uri(client.options_.url);
    client.scheme_ = uri.getScheme();
    client.host_ = uri.getHost();
    client.port_ = uri.getPort();
    client.prefix_ = uri.getPath();
  } catch (const Poco::Exception& e) {
    return invalidArgument("--admin '" + client.options_.url + "' is not a URL: " + e.message());
  }
  if (client.scheme_ != "http" && client.scheme_ != "https") {
    return invalidArgument("--admin '" + client.options_.url +
                           "': only http:// and https:// URLs are served");
  }
  if (client.host_.empty()) {
    return invalidArgument("--admin '" + client.options_.url + "' names no host");
  }
  while (!client.prefix_.empty() && client.prefix_.back() == '/') {
    client.prefix_.pop_back();
  }
  return client;
}

Status AdminClient::logIn() {
  if (options_.user.empty()) {
    return okStatus();
  }
  std::string body = "{\"user\":";
  mappings::appendJsonString(options_.user, &body);
  body += ",\"password\":";
  mappings::appendJsonString(options_.password, &body);
  body += "}";
  options_.token.clear();
  Result<ApiReply> reply = post("/api/v1/login", body);
  if (!reply.ok()) {
    return reply.status().withContext("login as " + options_.user);
  }
  options_.token = member(reply->json, "token");
  if (options_.token.empty()) {
    return dataLoss("login as " + options_.user + ": the answer carries no token");
  }
  return okStatus();
}

Result<ApiReply> AdminClient::get(const std::string& route) { return request("GET", route, ""); }

Result<ApiReply> AdminClient::post(const std::string& route, const std::string& json_body) {
  return request("POST", route, json_body);
}

Result<ApiReply> AdminClient::request(const std::string& method, const std::string& route,
                                      const std::string& body) {
  last_error_ = ApiError();
  ApiReply reply;
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (scheme_ == "https") {
      initializeSslOnce();
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, "", "", options_.ca_file,
          Poco::Net::Context::VERIFY_RELAXED, 9, /*loadDefaultCAs=*/options_.ca_file.empty());
      session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
    }
    session->setTimeout(Poco::Timespan(static_cast<long>(options_.timeout_ms / 1000),
                                       static_cast<long>(options_.timeout_ms % 1000) * 1000));
    Poco::Net::HTTPRequest http(method, prefix_ + route, Poco::Net::HTTPMessage::HTTP_1_1);
    http.set("Accept", "application/json");
    http.set("User-Agent", "bridgectl");
    if (!options_.token.empty()) {
      http.set("Authorization", "Bearer " + options_.token);
    }
    if (method == "POST") {
      http.setContentType("application/json");
      http.setContentLength(static_cast<std::streamsize>(body.size()));
      session->sendRequest(http) << body;
    } else {
      session->sendRequest(http);
    }
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.http_status = static_cast<int>(response.getStatus());
    if (reply.http_status >= 400 && reply.body.empty()) {
      reply.body = response.getReason();
    }
  } catch (const Poco::Exception& e) {
    last_error_.error = "cannot reach the admin API at " + options_.url + ": " + e.displayText();
    return unavailable(last_error_.error);
  } catch (const std::exception& e) {
    last_error_.error = "cannot reach the admin API at " + options_.url + ": " + e.what();
    return unavailable(last_error_.error);
  }
  reply.json = parseObject(reply.body);
  if (reply.http_status >= 400) {
    last_error_.http_status = reply.http_status;
    last_error_.body = reply.body;
    last_error_.error = member(reply.json, "error");
    last_error_.rule = member(reply.json, "rule");
    last_error_.field = member(reply.json, "field");
    if (last_error_.error.empty()) {
      last_error_.error = reply.body.substr(0, 200);
    }
    return statusFor(last_error_);
  }
  if (reply.json.isNull()) {
    last_error_.http_status = reply.http_status;
    last_error_.body = reply.body;
    last_error_.error = method + " " + route + ": HTTP " + std::to_string(reply.http_status) +
                        " without a JSON object in its body";
    return dataLoss(last_error_.error);
  }
  return reply;
}

const char kConnectionHelp[] = R"(Connection (every command that talks to the admin API):
  --admin URL          the admin API, http:// or https:// (default $CB_ADMIN,
                       else http://127.0.0.1:4601)
  --token T            an API or login token (default $CB_TOKEN)
  --token-file F       the token from the first line of F
  --user U             log in as U (POST /api/v1/login) with --password-file
  --password-file F    U's password: the first line of F
  --ca-file F          https: trust the CAs in this PEM file (default: the
                       system's)
)";

std::vector<OptionSpec> connectionOptions() {
  return {{"admin", true}, {"token", true},         {"token-file", true},
          {"user", true},  {"password-file", true}, {"ca-file", true}};
}

Result<std::string> readSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return invalidArgument("cannot read " + path);
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

Result<AdminOptions> adminOptionsFrom(const Args& args) {
  AdminOptions options;
  const char* env_url = std::getenv("CB_ADMIN");
  options.url = args.get("admin", env_url != nullptr && *env_url != '\0' ? env_url : kDefaultUrl);
  options.ca_file = args.get("ca-file");
  const int ways =
      (args.has("token") ? 1 : 0) + (args.has("token-file") ? 1 : 0) + (args.has("user") ? 1 : 0);
  if (ways > 1) {
    return invalidArgument("give one of --token, --token-file and --user");
  }
  if (args.has("password-file") && !args.has("user")) {
    return invalidArgument("--password-file goes with --user");
  }
  if (args.has("token")) {
    options.token = args.get("token");
  } else if (args.has("token-file")) {
    CB_ASSIGN_OR_RETURN(std::string token, readSecretFile(args.get("token-file")));
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
      token.pop_back();
    }
    if (token.empty()) {
      return invalidArgument("--token-file " + args.get("token-file") + " holds no token");
    }
    options.token = token;
  } else if (args.has("user")) {
    if (!args.has("password-file")) {
      return invalidArgument("--user needs --password-file");
    }
    options.user = args.get("user");
    CB_ASSIGN_OR_RETURN(options.password, readSecretFile(args.get("password-file")));
  } else if (const char* env_token = std::getenv("CB_TOKEN"); env_token != nullptr) {
    options.token = env_token;
  }
  return options;
}

std::string urlEncode(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "/?#[]@!$&'()*+,;=%", out);
  return out;
}

}  // namespace corebridge::tools
