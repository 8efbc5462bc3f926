// Running COBOL programs: the seam between legacy-host's dispatcher and
// libcob.
//
// A ProgramExecutor calls one program with a COMMAREA (in place, as
// EXEC CICS LINK does). libcob is not thread-safe and a COBOL runtime error
// ends the process it runs in (cob_stop_run calls exit), so there are two
// implementations, chosen by `--isolation` (docs/legacy-host.md):
//   InProcessExecutor      libcob in this process; the fastest, but an abend
//                          ends the host. Only ever call it from one thread.
//   WorkerProcessExecutor  libcob in one child process (legacy-host
//                          --worker) fed over a socketpair; an abend ends the
//                          child, is reported as Aborted, and a new child is
//                          started for the next call.
// Neither is thread-safe: the dispatcher thread owns its executor.
//
// call() returns OK (the COMMAREA holds the reply), NotFound (the program
// cannot be loaded), Aborted (the program ended abnormally: a runtime error,
// STOP RUN, a signal) or Unavailable (no worker could be started).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace corebridge::legacy {

class ProgramExecutor {
 public:
  virtual ~ProgramExecutor() = default;
  virtual Status call(const std::string& program, std::string* commarea) = 0;
};

// Initialises libcob when constructed (COB_LIBRARY_PATH and the programs'
// own environment variables must be set before, and the caller's signal
// handlers installed after: cob_init installs libcob's own); cob_tidy at
// destruction.
class InProcessExecutor : public ProgramExecutor {
 public:
  InProcessExecutor();
  ~InProcessExecutor() override;
  // ProgramExecutor
  Status call(const std::string& program, std::string* commarea) override;
};

class WorkerProcessExecutor : public ProgramExecutor {
 public:
  // `exe` is the legacy-host binary; the child runs `exe --worker-fd 3`
  // with this process's environment.
  explicit WorkerProcessExecutor(std::string exe);
  // Closes the worker's socket: the worker finishes its call, runs
  // cob_tidy and exits; waits for it.
  ~WorkerProcessExecutor() override;
  // ProgramExecutor
  Status call(const std::string& program, std::string* commarea) override;

  pid_t workerPid() const { return pid_; }
  int restarts() const { return restarts_; }

 private:
  Status start();
  // Reaps the worker and describes how it ended.
  std::string reap();

  std::string exe_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int restarts_ = -1;
};

// The worker's main loop over `fd`: read a request, call it in-process,
// write the reply; returns (after cob_tidy) when the parent closes the
// socket. A COBOL runtime error exits the process instead.
int runWorker(int fd);

}  // namespace corebridge::legacy
