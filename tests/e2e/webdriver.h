// A small W3C WebDriver client for end-to-end tests of the web console:
// Debian's chromedriver started as a child process on a port of its own
// choosing, one headless chromium session driven over the WebDriver HTTP
// protocol (POCO Net + POCO JSON), no npm, no downloads.
//
//   ChromeOptions options;
//   options.log_path = dir + "/chromedriver.log";
//   auto driver = ChromeDriver::start(options);
//   auto session = (*driver)->newSession(dir + "/profile");
//   (*session)->navigate("http://127.0.0.1:8081/console");
//   (*session)->type("#login-user", "alice");
//   (*session)->click("#login-button");
//   (*session)->waitForText("#whoami", "alice", 5s);
//
// Elements are named by CSS selector and looked up again on every call, so a
// page that re-renders a row never leaves the test holding a stale element;
// the wait helpers poll until their deadline. Errors are Status values
// whose message carries WebDriver's error code and message.
//
// Thread-safety: none; one test thread uses a driver and its session.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace corebridge::e2e {

using namespace std::chrono_literals;

struct ChromeOptions {
  std::string chromedriver = "/usr/bin/chromedriver";
  std::string chromium = "/usr/bin/chromium";
  std::string log_path;  // chromedriver's stdout and stderr; required
  std::chrono::milliseconds start_timeout = 15s;
  int window_width = 1400;
  int window_height = 1000;
};

// Whether the browser and its driver are installed; otherwise a message
// naming the Debian packages to install.
Status checkChromeInstalled(const ChromeOptions& options);

class WebDriverSession;

// The chromedriver process. Stopping it (destructor) ends its sessions and
// its process group, so no chromium outlives the test.
class ChromeDriver {
 public:
  static Result<std::unique_ptr<ChromeDriver>> start(ChromeOptions options);
  ~ChromeDriver();
  ChromeDriver(const ChromeDriver&) = delete;
  ChromeDriver& operator=(const ChromeDriver&) = delete;

  int port() const { return port_; }
  // A headless chromium with a fresh profile in `user_data_dir` (created if
  // missing).
  Result<std::unique_ptr<WebDriverSession>> newSession(const std::string& user_data_dir);

 private:
  ChromeDriver(ChromeOptions options, pid_t pid, int port)
      : options_(std::move(options)), pid_(pid), port_(port) {}

  ChromeOptions options_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// One HTTP exchange with the driver: the JSON reply's "value".
Result<Poco::Dynamic::Var> webDriverCall(int port, const std::string& method,
                                         const std::string& path,
                                         const Poco::JSON::Object::Ptr& body);

class WebDriverSession {
 public:
  WebDriverSession(int port, std::string id) : port_(port), id_(std::move(id)) {}
  ~WebDriverSession();  // deletes the session (closes the browser)
  WebDriverSession(const WebDriverSession&) = delete;
  WebDriverSession& operator=(const WebDriverSession&) = delete;

  const std::string& id() const { return id_; }

  Status navigate(const std::string& url);
  Result<std::string> currentUrl();
  Result<std::string> pageSource();
  // The visible viewport as PNG bytes (decoded from WebDriver's base64).
  Result<std::string> screenshotPng();
  // Runs `script` as a function body in the page (arguments[0..]); its
  // return value.
  Result<Poco::Dynamic::Var> execute(const std::string& script,
                                     const Poco::JSON::Array::Ptr& args = nullptr);

  // WebDriver element ids of the elements matching `css` (maybe none).
  Result<std::vector<std::string>> findAll(const std::string& css);
  // The first match; NotFound when there is none.
  Result<std::string> find(const std::string& css);

  // Each acts on the first element matching `css`, looked up now.
  Status click(const std::string& css);
  Status clear(const std::string& css);
  Status sendKeys(const std::string& css, const std::string& text);
  Status type(const std::string& css, const std::string& text);  // clear, then sendKeys
  Result<std::string> text(const std::string& css);              // rendered text
  Result<std::string> attribute(const std::string& css, const std::string& name);  // "" if absent
  Result<Poco::Dynamic::Var> property(const std::string& css, const std::string& name);
  Result<bool> enabled(const std::string& css);
  Result<bool> displayed(const std::string& css);
  // Chooses the <option> whose value is `value` in the <select> `css`.
  Status select(const std::string& css, const std::string& value);

  // Polls `probe` every 100 ms until it returns true, or returns
  // DeadlineExceeded with `what` and the last error seen.
  Status waitUntil(const std::string& what, std::chrono::milliseconds timeout,
                   const std::function<Result<bool>()>& probe);
  Status waitForElement(const std::string& css, std::chrono::milliseconds timeout);
  Status waitForDisplayed(const std::string& css, std::chrono::milliseconds timeout);
  // Until the text of the first match contains `needle` (or equals it when
  // `exact`). The last text seen is in the error.
  Status waitForText(const std::string& css, const std::string& needle,
                     std::chrono::milliseconds timeout, bool exact = false);

 private:
  Result<Poco::Dynamic::Var> call(const std::string& method, const std::string& path,
                                  const Poco::JSON::Object::Ptr& body = nullptr);
  Result<Poco::Dynamic::Var> onElement(const std::string& css, const std::string& method,
                                       const std::string& what,
                                       const Poco::JSON::Object::Ptr& body = nullptr);

  int port_;
  std::string id_;
};

}  // namespace corebridge::e2e
