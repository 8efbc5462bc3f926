#include "tests/e2e/webdriver.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace corebridge::e2e {
namespace {

// W3C WebDriver's key of an element reference in JSON.
constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";
constexpr const char* kStartedLine = "started successfully on port ";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// WebDriver's error codes, as the Status a caller acts on.
Status webDriverError(const std::string& error, const std::string& message,
                      const std::string& what) {
  const std::string text = what + ": " + error + ": " + message.substr(0, message.find('\n'));
  if (error == "no such element") {
    return notFound(text);
  }
  if (error == "stale element reference" || error == "element click intercepted" ||
      error == "element not interactable") {
    return aborted(text);
  }
  if (error == "timeout" || error == "script timeout") {
    return deadlineExceeded(text);
  }
  return internalError(text);
}

std::string cssString(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out + "\"";
}

bool waitExited(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

Status checkChromeInstalled(const ChromeOptions& options) {
  std::string missing;
  if (::access(options.chromium.c_str(), X_OK) != 0) {
    missing += " " + options.chromium + " (Debian package chromium)";
  }
  if (::access(options.chromedriver.c_str(), X_OK) != 0) {
    missing += " " + options.chromedriver + " (Debian package chromium-driver)";
  }
  if (missing.empty()) {
    return okStatus();
  }
  return failedPrecondition("missing:" + missing +
                            "; install them with `make deps` or "
                            "`apt-get install chromium chromium-driver`");
}

Result<std::unique_ptr<ChromeDriver>> ChromeDriver::start(ChromeOptions options) {
  CB_RETURN_IF_ERROR(checkChromeInstalled(options));
  if (options.log_path.empty()) {
    return invalidArgument("ChromeOptions.log_path is required (the port is read from it)");
  }
  const int log = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (log < 0) {
    return unavailable("cannot create " + options.log_path);
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    return unavailable("fork failed");
  }
  if (pid == 0) {
    // Its own process group, so that stopping it also stops the chromium it
    // started; and killed with the test.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    std::string port_arg = "--port=0";
    std::vector<char*> argv = {options.chromedriver.data(), port_arg.data(), nullptr};
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log);
  ::setpgid(pid, pid);  // also here, so that it holds before the child runs
  std::unique_ptr<ChromeDriver> driver(new ChromeDriver(options, pid, 0));

  // chromedriver picks a free port and says which on stdout.
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (driver->port_ == 0) {
    const std::string text = readFile(options.log_path);
    const size_t at = text.find(kStartedLine);
    if (at != std::string::npos) {
      driver->port_ = std::atoi(text.c_str() + at + std::strlen(kStartedLine));
      break;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      driver->pid_ = -1;
      return unavailable("chromedriver exited at start-up: " + text);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return deadlineExceeded("chromedriver did not report its port: " + text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  while (true) {
    auto status = webDriverCall(driver->port_, "GET", "/status", nullptr);
    if (status.ok() && status->type() == typeid(Poco::JSON::Object::Ptr)) {
      auto o = status->extract<Poco::JSON::Object::Ptr>();
      if (o->optValue<bool>("ready", false)) {
        break;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return deadlineExceeded("chromedriver is not ready: " + readFile(options.log_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return driver;
}

ChromeDriver::~ChromeDriver() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(-pid_, SIGTERM);
  if (!waitExited(pid_, std::chrono::seconds(3))) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  // Whatever chromium left in the group.
  ::kill(-pid_, SIGKILL);
}

Result<std::unique_ptr<WebDriverSession>> ChromeDriver::newSession(
    const std::string& user_data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(user_data_dir, ec);
  if (ec) {
    return unavailable("cannot create " + user_data_dir + ": " + ec.message());
  }
  Poco::JSON::Array::Ptr args = new Poco::JSON::Array;
  for (const char* a : {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--disable-dev-shm-usage"}) {
    args->add(std::string(a));
  }
  args->add("--user-data-dir=" + user_data_dir);
  args->add("--window-size=" + std::to_string(options_.window_width) + "," +
            std::to_string(options_.window_height));
  Poco::JSON::Object::Ptr chrome = new Poco::JSON::Object;
  chrome->set("binary", options_.chromium);
  chrome->set("args", args);
  Poco::JSON::Object::Ptr timeouts = new Poco::JSON::Object;
  timeouts->set("implicit", 0);
  timeouts->set("pageLoad", 15000);
  timeouts->set("script", 10000);
  Poco::JSON::Object::Ptr always = new Poco::JSON::Object;
  always->set("browserName", std::string("chrome"));
  always->set("goog:chromeOptions", chrome);
  always->set("timeouts", timeouts);
  Poco::JSON::Object::Ptr capabilities = new Poco::JSON::Object;
  capabilities->set("alwaysMatch", always);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("capabilities", capabilities);

  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var value, webDriverCall(port_, "POST", "/session", body));
  try {
    auto o = value.extract<Poco::JSON::Object::Ptr>();
    return std::make_unique<WebDriverSession>(port_, o->getValue<std::string>("sessionId"));
  } catch (const Poco::Exception& e) {
    return internalError("new session: unexpected reply: " + e.displayText());
  }
}

Result<Poco::Dynamic::Var> webDriverCall(int port, const std::string& method,
                                         const std::string& path,
                                         const Poco::JSON::Object::Ptr& body) {
  const std::string what = method + " " + path;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    std::string text;
    if (body || method == "POST") {
      std::ostringstream out;
      if (body) {
        Poco::JSON::Stringifier::stringify(body, out);
      } else {
        out << "{}";
      }
      text = out.str();
      request.setContentType("application/json; charset=utf-8");
      request.setContentLength(static_cast<std::streamsize>(text.size()));
    }
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string reply;
    Poco::StreamCopier::copyToString(in, reply);
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(reply);
    auto o = parsed.extract<Poco::JSON::Object::Ptr>();
    Poco::Dynamic::Var value = o->get("value");
    if (response.getStatus() >= 400 || (value.type() == typeid(Poco::JSON::Object::Ptr) &&
                                        value.extract<Poco::JSON::Object::Ptr>()->has("error"))) {
      std::string error = "HTTP " + std::to_string(response.getStatus());
      std::string message = reply.substr(0, 300);
      if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        auto v = value.extract<Poco::JSON::Object::Ptr>();
        error = v->optValue<std::string>("error", error);
        message = v->optValue<std::string>("message", message);
      }
      return webDriverError(error, message, what);
    }
    return value;
  } catch (const Poco::Exception& e) {
    return unavailable(what + ": " + e.displayText());
  }
}

WebDriverSession::~WebDriverSession() { (void)call("DELETE", ""); }

Result<Poco::Dynamic::Var> WebDriverSession::call(const std::string& method,
                                                  const std::string& path,
                                                  const Poco::JSON::Object::Ptr& body) {
  return webDriverCall(port_, method, "/session/" + id_ + path, body);
}

Status WebDriverSession::navigate(const std::string& url) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("url", url);
  return call("POST", "/url", body).status();
}

Result<std::string> WebDriverSession::currentUrl() {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, call("GET", "/url"));
  return v.toString();
}

Result<std::string> WebDriverSession::pageSource() {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, call("GET", "/source"));
  return v.toString();
}

Result<std::string> WebDriverSession::screenshotPng() {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, call("GET", "/screenshot"));
  std::istringstream in(v.toString());
  Poco::Base64Decoder decoder(in);
  std::string png;
  Poco::StreamCopier::copyToString(decoder, png);
  return png;
}

Result<Poco::Dynamic::Var> WebDriverSession::execute(const std::string& script,
                                                     const Poco::JSON::Array::Ptr& args) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("script", script);
  body->set("args", args ? args : Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  return call("POST", "/execute/sync", body);
}

Result<std::vector<std::string>> WebDriverSession::findAll(const std::string& css) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("using", std::string("css selector"));
  body->set("value", css);
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, call("POST", "/elements", body));
  std::vector<std::string> ids;
  try {
    auto list = v.extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < list->size(); ++i) {
      ids.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>(kElementKey));
    }
  } catch (const Poco::Exception& e) {
    return internalError("find " + css + ": unexpected reply: " + e.displayText());
  }
  return ids;
}

Result<std::string> WebDriverSession::find(const std::string& css) {
  CB_ASSIGN_OR_RETURN(std::vector<std::string> ids, findAll(css));
  if (ids.empty()) {
    return notFound("no element matches " + css);
  }
  return ids.front();
}

Result<Poco::Dynamic::Var> WebDriverSession::onElement(const std::string& css,
                                                       const std::string& method,
                                                       const std::string& what,
                                                       const Poco::JSON::Object::Ptr& body) {
  CB_ASSIGN_OR_RETURN(std::string id, find(css));
  auto r = call(method, "/element/" + id + what, body);
  if (!r.ok()) {
    return Status(r.status().code(), css + ": " + r.status().message());
  }
  return r;
}

Status WebDriverSession::click(const std::string& css) {
  return onElement(css, "POST", "/click").status();
}

Status WebDriverSession::clear(const std::string& css) {
  return onElement(css, "POST", "/clear").status();
}

Status WebDriverSession::sendKeys(const std::string& css, const std::string& text) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("text", text);
  return onElement(css, "POST", "/value", body).status();
}

Status WebDriverSession::type(const std::string& css, const std::string& text) {
  CB_RETURN_IF_ERROR(clear(css));
  return sendKeys(css, text);
}

Result<std::string> WebDriverSession::text(const std::string& css) {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, onElement(css, "GET", "/text"));
  return v.toString();
}

Result<std::string> WebDriverSession::attribute(const std::string& css, const std::string& name) {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, onElement(css, "GET", "/attribute/" + name));
  return v.isEmpty() ? std::string() : v.toString();
}

Result<Poco::Dynamic::Var> WebDriverSession::property(const std::string& css,
                                                      const std::string& name) {
  return onElement(css, "GET", "/property/" + name);
}

Result<bool> WebDriverSession::enabled(const std::string& css) {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, onElement(css, "GET", "/enabled"));
  return v.convert<bool>();
}

Result<bool> WebDriverSession::displayed(const std::string& css) {
  CB_ASSIGN_OR_RETURN(Poco::Dynamic::Var v, onElement(css, "GET", "/displayed"));
  return v.convert<bool>();
}

Status WebDriverSession::select(const std::string& css, const std::string& value) {
  return click(css + " option[value=" + cssString(value) + "]");
}

Status WebDriverSession::waitUntil(const std::string& what, std::chrono::milliseconds timeout,
                                   const std::function<Result<bool>()>& probe) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "never true";
  while (true) {
    Result<bool> r = probe();
    if (r.ok() && *r) {
      return okStatus();
    }
    if (!r.ok()) {
      last = r.status().toString();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string message = "waited " + std::to_string(timeout.count()) + " ms for ";
      message += what;
      message += " (last: ";
      message += last;
      message += ")";
      return deadlineExceeded(message);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status WebDriverSession::waitForElement(const std::string& css, std::chrono::milliseconds timeout) {
  return waitUntil(css, timeout, [&]() -> Result<bool> {
    CB_ASSIGN_OR_RETURN(std::vector<std::string> ids, findAll(css));
    return !ids.empty();
  });
}

Status WebDriverSession::waitForDisplayed(const std::string& css,
                                          std::chrono::milliseconds timeout) {
  return waitUntil(css + " displayed", timeout, [&]() { return displayed(css); });
}

Status WebDriverSession::waitForText(const std::string& css, const std::string& needle,
                                     std::chrono::milliseconds timeout, bool exact) {
  std::string seen;
  Status s = waitUntil(css + (exact ? " text == \"" : " text containing \"") + needle + "\"",
                       timeout, [&]() -> Result<bool> {
                         CB_ASSIGN_OR_RETURN(seen, text(css));
                         return exact ? seen == needle : seen.find(needle) != std::string::npos;
                       });
  if (!s.ok()) {
    return Status(s.code(), s.message() + "; text was \"" + seen + "\"");
  }
  return s;
}

}  // namespace corebridge::e2e
