#include "adapters/odbc/environment.h"

#include <sqlext.h>

namespace corebridge::adapters::odbc {

Result<OdbcEnvironment*> OdbcEnvironment::instance() {
  static Result<OdbcEnvironment*> env = []() -> Result<OdbcEnvironment*> {
    SQLHENV handle = SQL_NULL_HENV;
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &handle);
    if (!SQL_SUCCEEDED(rc)) {
      return internalError("SQLAllocHandle(SQL_HANDLE_ENV) failed: is unixODBC installed?");
    }
    rc =
        SQLSetEnvAttr(handle, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    if (!SQL_SUCCEEDED(rc)) {
      SQLFreeHandle(SQL_HANDLE_ENV, handle);
      return internalError("SQLSetEnvAttr(SQL_ATTR_ODBC_VERSION, 3) failed");
    }
    return new OdbcEnvironment(handle);  // never freed, see the header
  }();
  return env;
}

}  // namespace corebridge::adapters::odbc
