// ChildProcess: a server binary started by a test (legacy-host, newcore,
// corebridge), its stdout's first line read to learn where it listens, its
// stderr kept in a log file, killed when the test forgets to stop it.
//
// Header-only, for integration tests. One thread uses a ChildProcess.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace corebridge::test_support {

// build/bin, or $CB_BIN_DIR (ctest sets it).
inline std::string binDir() {
  const char* env = std::getenv("CB_BIN_DIR");
  return env != nullptr ? env : std::string(CB_BINARY_DIR) + "/bin";
}

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { kill(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `binary` (a name in binDir()) with `args`, stderr to `log_path`,
  // and reads its first stdout line into firstLine(). False when it exited
  // or closed stdout without writing one.
  bool start(const std::string& binary, const std::vector<std::string>& args,
             const std::string& log_path) {
    log_path_ = log_path;
    int out[2];
    if (::pipe(out) != 0) {
      return false;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out[1], 1);
      const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) {
        ::dup2(err, 2);
      }
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> all = {binDir() + "/" + binary};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) {
        argv.push_back(a.data());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    line_.clear();
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') {
      line_.push_back(c);
    }
    // Keep the pipe open: a later write to stdout must not kill the child.
    stdout_fd_ = out[0];
    return !line_.empty();
  }

  const std::string& firstLine() const { return line_; }
  // The port after "WORD HOST:" in the first line: portAfter("listening on").
  int portAfter(const std::string& word) const {
    const size_t at = line_.find(word);
    if (at == std::string::npos) {
      return -1;
    }
    const size_t colon = line_.find(':', at + word.size());
    return colon == std::string::npos ? -1 : std::atoi(line_.c_str() + colon + 1);
  }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  void signal(int sig) const {
    if (pid_ > 0) {
      ::kill(pid_, sig);
    }
  }
  // Sends `sig`, waits, returns the exit status (128 + signal when killed).
  int stop(int sig) {
    if (pid_ <= 0) {
      return -1;
    }
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void kill(int sig) {
    if (pid_ > 0) {
      (void)stop(sig);
    }
  }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string line_;
  std::string log_path_;
};

}  // namespace corebridge::test_support
