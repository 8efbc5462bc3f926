#include "tests/support/db_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace corebridge::test_support {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kReadyDeadline = std::chrono::seconds(30);
constexpr auto kInitDeadline = std::chrono::seconds(120);
constexpr auto kShutdownDeadline = std::chrono::seconds(15);
constexpr auto kProbeDeadline = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr int kPortAttempts = 5;
constexpr int kLogTailLines = 30;
// util-linux; /sbin is /usr/sbin on Debian 12 (merged /usr).
constexpr const char* kRunuser = "/usr/sbin/runuser";

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

bool isRoot() { return ::geteuid() == 0; }

bool isExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// The last `lines` lines of a log file, for error messages.
std::string logTail(const std::string& path, int lines = kLogTailLines) {
  std::ifstream in(path);
  if (!in) {
    return "(no log at " + path + ")";
  }
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) {
      tail.pop_front();
    }
  }
  std::string out = "--- last lines of " + path + " ---\n";
  for (const auto& l : tail) {
    out += l + "\n";
  }
  return out;
}

bool logMentionsPortInUse(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("already in use") != std::string::npos ||
        line.find("Can't start server: Bind on TCP/IP port") != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Binds 127.0.0.1:0, reads the port the kernel chose and releases it. Another
// process may take it before the server binds; callers retry on collision.
Result<int> freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return internalError(errnoText("socket"));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Status s = internalError(errnoText("bind 127.0.0.1:0"));
    ::close(fd);
    return s;
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<std::string> makeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return internalError(errnoText("mkdtemp " + tmpl));
  }
  return std::string(buf.data());
}

// argv as the char* array execv wants; built before fork so that the child
// does nothing but async-signal-safe calls.
class Argv {
 public:
  explicit Argv(std::vector<std::string> args) : args_(std::move(args)) {
    for (auto& a : args_) {
      ptrs_.push_back(a.data());
    }
    ptrs_.push_back(nullptr);
  }
  char* const* get() const { return ptrs_.data(); }
  const std::string& program() const { return args_.front(); }
  std::string joined() const {
    std::string out;
    for (const auto& a : args_) {
      out += (out.empty() ? "" : " ") + a;
    }
    return out;
  }

 private:
  std::vector<std::string> args_;
  std::vector<char*> ptrs_;
};

// Forks and execs `argv` with stdin on /dev/null and stdout+stderr on
// `out_fd`, in `cwd`. The child gets SIGKILL if the forking thread dies, so a
// crashed test leaves no server behind (runuser's child loses that on its
// change of user; see docs/testing-databases.md).
Result<pid_t> spawn(const Argv& argv, int out_fd, const std::string& cwd) {
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    return internalError(errnoText("open /dev/null"));
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(devnull);
    return internalError(errnoText("fork"));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    // Descriptors the test process opened without O_CLOEXEC (a harness pipe,
    // a listening socket) must not outlive it in a server.
    ::close_range(3, ~0U, 0);
    if (::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::execv(argv.program().c_str(), argv.get());
    ::_exit(127);
  }
  ::close(devnull);
  return pid;
}

// Waits for `pid` until `deadline`; the wait status, or nullopt if it is still
// running.
std::optional<int> waitUntil(pid_t pid, Clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return status;
    }
    if (r < 0 && errno != EINTR) {
      return std::nullopt;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return "exit code " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("signal ") + ::strsignal(WTERMSIG(status));
  }
  return "wait status " + std::to_string(status);
}

struct CommandResult {
  int wait_status = 0;
  std::string output;
  bool succeeded() const { return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }
};

// Runs a short command to completion, capturing stdout and stderr together.
// Killed (and DeadlineExceeded returned) if it outlives `timeout`.
Result<CommandResult> runCommand(const std::vector<std::string>& args, const std::string& cwd,
                                 std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return internalError(errnoText("pipe"));
  }
  Argv argv(args);
  auto pid = spawn(argv, fds[1], cwd);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  CommandResult result;
  auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      timed_out = n == 0;
      break;
    }
    char buf[4096];
    ssize_t got = ::read(fds[0], buf, sizeof(buf));
    if (got <= 0) {
      break;
    }
    result.output.append(buf, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  if (timed_out) {
    ::kill(*pid, SIGKILL);
  }
  ::waitpid(*pid, &result.wait_status, 0);
  if (timed_out) {
    return deadlineExceeded(argv.joined() + " did not finish in " +
                            std::to_string(timeout.count()) + " ms; output:\n" + result.output);
  }
  return result;
}

// Polls `probe` until it succeeds, the server (our child `pid`) dies, or the
// deadline passes.
Status waitUntilReady(pid_t pid, const std::string& what, const std::string& log_path,
                      const std::function<bool()>& probe) {
  auto deadline = Clock::now() + kReadyDeadline;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return internalError(what + " exited during start-up (" + describeWaitStatus(status) + ")\n" +
                           logTail(log_path));
    }
    if (probe()) {
      return okStatus();
    }
    if (Clock::now() >= deadline) {
      return deadlineExceeded(what + " did not accept connections within " +
                              std::to_string(kReadyDeadline.count()) + " s\n" + logTail(log_path));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres.
Result<std::string> findPostgresBinDir() {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string bin = entry.path().string() + "/bin";
    if (isExecutable(bin + "/initdb") && isExecutable(bin + "/postgres")) {
      found.emplace_back(std::atoi(entry.path().filename().c_str()), bin);
    }
  }
  if (found.empty()) {
    return failedPrecondition(
        "PostgreSQL server binaries (initdb, postgres) not found under "
        "/usr/lib/postgresql/*/bin: `make deps` must install the Debian package `postgresql`");
  }
  std::sort(found.begin(), found.end());
  return found.back().second;
}

Status requireBinary(const std::string& path, const std::string& package) {
  if (!isExecutable(path)) {
    return failedPrecondition(path + " not found: `make deps` must install the Debian package `" +
                              package + "`");
  }
  return okStatus();
}

// Runs PostgreSQL's tools as `postgres` when we are root (it refuses root).
std::vector<std::string> asPostgresUser(std::vector<std::string> args) {
  if (!isRoot()) {
    return args;
  }
  std::vector<std::string> out = {kRunuser, "-u", "postgres", "--"};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

Result<int> openLog(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return internalError(errnoText("open " + path));
  }
  return fd;
}

Status appendToLog(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
  return out ? okStatus() : internalError("cannot write " + path);
}

std::optional<pid_t> readPidFile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (in >> pid && pid > 0) {
    return static_cast<pid_t>(pid);
  }
  return std::nullopt;
}

}  // namespace

// --- DbServer ---

Status DbServer::stop() {
  if (stopped_) {
    return okStatus();
  }
  stopped_ = true;
  Status result = okStatus();
  if (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      result = internalError("server had already exited (" + describeWaitStatus(status) + ")\n" +
                             logTail(log_path_));
    } else {
      requestShutdown();
      auto exited = waitUntil(pid_, Clock::now() + kShutdownDeadline);
      if (!exited) {
        requestShutdown();  // the subclass's pid, if any, first
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        result = deadlineExceeded("server ignored the shutdown request for " +
                                  std::to_string(kShutdownDeadline.count()) +
                                  " s and was killed\n" + logTail(log_path_));
      } else if (!WIFEXITED(*exited) || WEXITSTATUS(*exited) != 0) {
        result = internalError("server shut down with " + describeWaitStatus(*exited) + "\n" +
                               logTail(log_path_));
      }
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec && result.ok()) {
      result = internalError("cannot remove " + dir_ + ": " + ec.message());
    }
  }
  return result;
}

// --- PostgresServer ---

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(bool durable) {
  auto t0 = Clock::now();
  CB_ASSIGN_OR_RETURN(std::string bindir, findPostgresBinDir());
  CB_RETURN_IF_ERROR(requireBinary(bindir + "/psql", "postgresql"));
  CB_RETURN_IF_ERROR(requireBinary(bindir + "/pg_isready", "postgresql"));
  if (isRoot()) {
    CB_RETURN_IF_ERROR(requireBinary(kRunuser, "util-linux"));
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  CB_ASSIGN_OR_RETURN(server->dir_, makeTempDir("cb-postgres"));
  server->data_dir_ = server->dir_ + "/data";
  server->log_path_ = server->dir_ + "/postgres.log";
  if (isRoot()) {
    passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      return failedPrecondition(
          "no `postgres` user: `make deps` must install the Debian package `postgresql`");
    }
    if (::chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return internalError(errnoText("chown postgres " + server->dir_));
    }
  }
  // initdb writes its log through our pipe; runuser's child may not open
  // files in a directory it does not own, so the log is ours.
  CB_ASSIGN_OR_RETURN(
      CommandResult init,
      runCommand(asPostgresUser({bindir + "/initdb", "-D", server->data_dir_, "-U", "postgres",
                                 "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"}),
                 server->dir_, kInitDeadline));
  CB_RETURN_IF_ERROR(appendToLog(server->log_path_, "$ initdb\n" + init.output));
  if (!init.succeeded()) {
    return internalError("initdb failed (" + describeWaitStatus(init.wait_status) + ")\n" +
                         logTail(server->log_path_));
  }
  Status launched = okStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    launched = server->launch(bindir, durable);
    if (launched.ok() || !logMentionsPortInUse(server->log_path_)) {
      break;
    }
  }
  CB_RETURN_IF_ERROR(launched);
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(server->port_) +
                         " user=postgres dbname=postgres connect_timeout=5";
  CB_ASSIGN_OR_RETURN(CommandResult created,
                      runCommand({bindir + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                                  conninfo, "-c", "CREATE DATABASE " + server->database_},
                                 server->dir_, kProbeDeadline * 2));
  if (!created.succeeded()) {
    return internalError("CREATE DATABASE " + server->database_ + " failed: " + created.output);
  }
  server->startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return server;
}

// Starts the postmaster on a fresh port and waits until it accepts TCP
// connections. On failure the child has been reaped and pid_ is -1.
Status PostgresServer::launch(const std::string& bindir, bool durable) {
  CB_ASSIGN_OR_RETURN(port_, freeLoopbackPort());
  CB_ASSIGN_OR_RETURN(int log_fd, openLog(log_path_));
  std::vector<std::string> args = {bindir + "/postgres",        "-D", data_dir_, "-p",
                                   std::to_string(port_),       "-k", dir_,      "-c",
                                   "listen_addresses=127.0.0.1"};
  if (!durable) {
    // fsync off and friends: the data is thrown away, and start-up and every
    // commit are much faster without waiting for the disk.
    for (const char* off : {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
      args.emplace_back("-c");
      args.emplace_back(off);
    }
  }
  Argv argv(asPostgresUser(args));
  auto pid = spawn(argv, log_fd, dir_);
  ::close(log_fd);
  CB_RETURN_IF_ERROR(pid.status());
  pid_ = *pid;
  std::string ready = bindir + "/pg_isready";
  std::string port = std::to_string(port_);
  Status s = waitUntilReady(pid_, "postgres", log_path_, [&] {
    auto r = runCommand({ready, "-q", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-t", "2"},
                        dir_, kProbeDeadline);
    return r.ok() && r->succeeded();
  });
  if (!s.ok()) {
    requestShutdown();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  return s;
}

void PostgresServer::requestShutdown() {
  // SIGINT to the postmaster is "fast shutdown". Our child may be runuser,
  // which would turn a signal into SIGTERM ("smart", waits for clients) and
  // then SIGKILL two seconds later, so the postmaster is signalled directly.
  if (auto pm = readPidFile(data_dir_ + "/postmaster.pid")) {
    ::kill(*pm, SIGINT);
  } else if (pid_ > 0) {
    ::kill(pid_, SIGINT);
  }
}

PostgresServer::~PostgresServer() { (void)stop(); }

std::string PostgresServer::odbcConnectionString() const {
  return "Driver=PostgreSQL Unicode;Server=" + host_ + ";Port=" + std::to_string(port_) +
         ";Database=" + database_ + ";Uid=postgres;Pwd=;";
}

// --- MariaDbServer ---

namespace {
constexpr const char* kMariaDbd = "/usr/sbin/mariadbd";
constexpr const char* kInstallDb = "/usr/bin/mariadb-install-db";
constexpr const char* kMariaDbAdmin = "/usr/bin/mariadb-admin";
constexpr const char* kMariaDbClient = "/usr/bin/mariadb";
}  // namespace

Result<std::unique_ptr<MariaDbServer>> MariaDbServer::start() {
  auto t0 = Clock::now();
  CB_RETURN_IF_ERROR(requireBinary(kMariaDbd, "mariadb-server"));
  CB_RETURN_IF_ERROR(requireBinary(kInstallDb, "mariadb-server"));
  CB_RETURN_IF_ERROR(requireBinary(kMariaDbAdmin, "mariadb-server"));
  CB_RETURN_IF_ERROR(requireBinary(kMariaDbClient, "mariadb-server"));
  std::unique_ptr<MariaDbServer> server(new MariaDbServer());
  CB_ASSIGN_OR_RETURN(server->dir_, makeTempDir("cb-mariadb"));
  server->data_dir_ = server->dir_ + "/data";
  server->log_path_ = server->dir_ + "/mariadbd.log";
  CB_RETURN_IF_ERROR(server->installSystemTables());
  Status launched = okStatus();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    launched = server->launch();
    if (launched.ok() || !logMentionsPortInUse(server->log_path_)) {
      break;
    }
  }
  CB_RETURN_IF_ERROR(launched);
  CB_ASSIGN_OR_RETURN(
      CommandResult created,
      runCommand({kMariaDbClient, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P",
                  std::to_string(server->port_), "-uroot", "--connect-timeout=5", "-e",
                  "CREATE DATABASE " + server->database_},
                 server->dir_, kProbeDeadline * 2));
  if (!created.succeeded()) {
    return internalError("CREATE DATABASE " + server->database_ + " failed: " + created.output);
  }
  server->startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return server;
}

namespace {
// The lines of a mariadb-install-db transcript that say what went wrong:
// its own tail is only boilerplate ("Installation of system tables failed").
std::string errorLines(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.find("[ERROR]") != std::string::npos || line.find("ERROR ") == 0) {
      out += line + "\n";
    }
  }
  return out.empty() ? "(no [ERROR] lines in its output)\n" : out;
}
}  // namespace

// The bootstrap server gets the same container-safe settings as the real one
// (no native AIO, a small buffer pool, its own tmpdir): several test
// processes bootstrap at once and the kernel's AIO contexts are shared. A
// failed bootstrap is tried once more in a fresh data directory, and both
// transcripts' errors are reported.
Status MariaDbServer::installSystemTables() {
  std::string errors;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
    std::vector<std::string> install = {kInstallDb,
                                        "--no-defaults",
                                        "--datadir=" + data_dir_,
                                        "--auth-root-authentication-method=normal",
                                        "--skip-test-db",
                                        "--tmpdir=" + dir_,
                                        "--innodb-use-native-aio=0",
                                        "--innodb-buffer-pool-size=32M"};
    if (isRoot()) {
      install.push_back("--user=root");
    }
    CB_ASSIGN_OR_RETURN(CommandResult init, runCommand(install, dir_, kInitDeadline));
    CB_RETURN_IF_ERROR(appendToLog(log_path_, "$ mariadb-install-db (attempt " +
                                                  std::to_string(attempt) + ")\n" + init.output));
    if (init.succeeded()) {
      return okStatus();
    }
    errors += "attempt " + std::to_string(attempt) + ": " + describeWaitStatus(init.wait_status) +
              "\n" + errorLines(init.output);
  }
  return internalError("mariadb-install-db failed twice in " + dir_ + "\n" + errors +
                       logTail(log_path_));
}

Status MariaDbServer::launch() {
  CB_ASSIGN_OR_RETURN(port_, freeLoopbackPort());
  CB_ASSIGN_OR_RETURN(int log_fd, openLog(log_path_));
  // Durability off and small buffers: the data is thrown away, and a test
  // machine runs several of these at once.
  std::vector<std::string> args = {
      kMariaDbd, "--no-defaults", "--datadir=" + data_dir_, "--port=" + std::to_string(port_),
      "--bind-address=127.0.0.1", "--socket=" + dir_ + "/mariadbd.sock",
      "--pid-file=" + dir_ + "/mariadbd.pid", "--tmpdir=" + dir_, "--innodb-buffer-pool-size=32M",
      "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
      // io_uring/libaio may be refused in containers
      "--innodb-use-native-aio=0", "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci"};
  if (isRoot()) {
    args.push_back("--user=root");
  }
  Argv argv(args);
  auto pid = spawn(argv, log_fd, dir_);
  ::close(log_fd);
  CB_RETURN_IF_ERROR(pid.status());
  pid_ = *pid;
  std::string port = std::to_string(port_);
  Status s = waitUntilReady(pid_, "mariadbd", log_path_, [&] {
    auto r = runCommand({kMariaDbAdmin, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P",
                         port, "-uroot", "--connect-timeout=2", "ping"},
                        dir_, kProbeDeadline);
    return r.ok() && r->succeeded();
  });
  if (!s.ok()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  return s;
}

void MariaDbServer::requestShutdown() {
  // SIGTERM is mariadbd's normal shutdown.
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
  }
}

MariaDbServer::~MariaDbServer() { (void)stop(); }

std::string MariaDbServer::odbcConnectionString() const {
  return "Driver=MariaDB Unicode;Server=" + host_ + ";Port=" + std::to_string(port_) +
         ";Database=" + database_ + ";Uid=root;Pwd=;";
}

// --- free functions ---

std::string sqliteConnectionString(const std::string& path) {
  return "Driver=SQLite3;Database=" + path + ";";
}

namespace {

// A shared server: started once, destroyed (server stopped) when the process
// exits normally, by the function-local static's destructor.
template <typename Server>
Result<Server*> shared() {
  static std::mutex mu;
  static std::unique_ptr<Server> server;
  static std::optional<Status> failure;
  std::lock_guard<std::mutex> lock(mu);
  if (server) {
    return server.get();
  }
  if (failure) {
    return *failure;
  }
  auto started = Server::start();
  if (!started.ok()) {
    failure = started.status();
    return *failure;
  }
  server = std::move(started).value();
  return server.get();
}

}  // namespace

Result<PostgresServer*> sharedPostgres() { return shared<PostgresServer>(); }
Result<MariaDbServer*> sharedMariaDb() { return shared<MariaDbServer>(); }

}  // namespace corebridge::test_support
