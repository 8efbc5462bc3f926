// The process-wide ODBC environment (one SQLHENV, ODBC 3 behaviour).
//
// Created on first use and never freed: connections may be closed by static
// destructors in any order, and the driver manager frees everything at exit.
//
// Thread-safety: instance() is safe from any thread (a function-local static);
// the handle may be used by many threads at once, as ODBC 3 allows for the
// environment handle.
#pragma once

#include <sql.h>

#include "common/status.h"

namespace corebridge::adapters::odbc {

class OdbcEnvironment {
 public:
  // Internal when the driver manager cannot allocate an environment.
  static Result<OdbcEnvironment*> instance();

  SQLHENV handle() const { return env_; }

  OdbcEnvironment(const OdbcEnvironment&) = delete;
  OdbcEnvironment& operator=(const OdbcEnvironment&) = delete;

 private:
  explicit OdbcEnvironment(SQLHENV env) : env_(env) {}

  SQLHENV env_;
};

}  // namespace corebridge::adapters::odbc
