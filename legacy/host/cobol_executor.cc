#include "legacy/host/cobol_executor.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

// libcob.h uses size_t unqualified; <cstddef> first.
#include <libcob.h>

#include "common/logging.h"

extern char** environ;

namespace corebridge::legacy {

namespace {

enum : uint32_t { kReplyOk = 0, kReplyNotFound = 1 };

bool writeAll(int fd, const void* p, size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::send(fd, b, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return false;
    }
    b += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool readAll(int fd, void* p, size_t n) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    ssize_t r = ::read(fd, b, n);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return false;
    }
    b += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool writeBlob(int fd, uint32_t head, const std::string& s) {
  const uint32_t h[2] = {head, static_cast<uint32_t>(s.size())};
  return writeAll(fd, h, sizeof h) && writeAll(fd, s.data(), s.size());
}

bool readBlob(int fd, uint32_t* head, std::string* s) {
  uint32_t h[2];
  if (!readAll(fd, h, sizeof h)) {
    return false;
  }
  *head = h[0];
  s->resize(h[1]);
  return readAll(fd, s->data(), s->size());
}

bool g_cob_initialized = false;
bool g_in_worker = false;

void ignoreStopSignals() {
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
}

// cob_init installs libcob's own handlers for SIGINT, SIGTERM and others
// (they print a message and end the process); the host's must win.
void ensureCobInit() {
  if (!g_cob_initialized) {
    cob_init(0, nullptr);
    g_cob_initialized = true;
    if (g_in_worker) {
      ignoreStopSignals();
    }
  }
}

Status callInProcess(const std::string& program, std::string* commarea) {
  ensureCobInit();
  void* entry = cob_resolve(program.c_str());
  if (entry == nullptr) {
    const char* why = cob_resolve_error();
    return notFound("program " + program + " cannot be loaded" +
                    (why != nullptr ? std::string(": ") + why : std::string()));
  }
  auto fn = reinterpret_cast<int (*)(void*)>(entry);
  fn(commarea->data());
  return okStatus();
}

}  // namespace

InProcessExecutor::InProcessExecutor() { ensureCobInit(); }

InProcessExecutor::~InProcessExecutor() {
  if (g_cob_initialized) {
    cob_tidy();
    g_cob_initialized = false;
  }
}

Status InProcessExecutor::call(const std::string& program, std::string* commarea) {
  return callInProcess(program, commarea);
}

WorkerProcessExecutor::WorkerProcessExecutor(std::string exe) : exe_(std::move(exe)) {}

WorkerProcessExecutor::~WorkerProcessExecutor() {
  if (pid_ > 0) {
    reap();
  }
}

Status WorkerProcessExecutor::start() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return unavailable(std::string("socketpair: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 3);  // dup2 clears CLOEXEC
  const std::string fd_arg = "3";
  char* argv[] = {const_cast<char*>(exe_.c_str()), const_cast<char*>("--worker-fd"),
                  const_cast<char*>(fd_arg.c_str()), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe_.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return unavailable("cannot start worker " + exe_ + ": " + std::strerror(rc));
  }
  pid_ = pid;
  fd_ = sv[0];
  ++restarts_;
  logger("legacy")->info("worker process {} started", pid_);
  return okStatus();
}

std::string WorkerProcessExecutor::reap() {
  ::close(fd_);
  fd_ = -1;
  int status = 0;
  std::string how = "ended";
  if (::waitpid(pid_, &status, 0) == pid_) {
    if (WIFEXITED(status)) {
      how = "exit status " + std::to_string(WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      how = std::string("signal ") + strsignal(WTERMSIG(status));
    }
  }
  pid_ = -1;
  return how;
}

Status WorkerProcessExecutor::call(const std::string& program, std::string* commarea) {
  if (pid_ < 0) {
    CB_RETURN_IF_ERROR(start());
  }
  uint32_t head = 0;
  std::string reply;
  if (!writeBlob(fd_, 0, program) || !writeBlob(fd_, 0, *commarea) ||
      !readBlob(fd_, &head, &reply)) {
    const std::string how = reap();
    logger("legacy")->warn("program {} ended abnormally ({}); worker will be restarted", program,
                           how);
    return aborted("program " + program + " ended abnormally (" + how + ")");
  }
  if (head == kReplyNotFound) {
    return notFound(reply);
  }
  if (reply.size() != commarea->size()) {
    return internalError("worker returned " + std::to_string(reply.size()) + " bytes");
  }
  *commarea = std::move(reply);
  return okStatus();
}

int runWorker(int fd) {
  // Only the parent ends a worker (by closing the socket), never between two
  // writes of a call: a Ctrl-C or SIGTERM to the process group is the
  // parent's to handle.
  g_in_worker = true;
  ignoreStopSignals();
  std::string program;
  std::string commarea;
  uint32_t head = 0;
  while (readBlob(fd, &head, &program) && readBlob(fd, &head, &commarea)) {
    Status s = callInProcess(program, &commarea);
    const bool sent =
        s.ok() ? writeBlob(fd, kReplyOk, commarea) : writeBlob(fd, kReplyNotFound, s.message());
    if (!sent) {
      break;
    }
  }
  if (g_cob_initialized) {
    cob_tidy();
  }
  return 0;
}

}  // namespace corebridge::legacy
