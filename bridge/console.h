// The web console of the admin port (docs/cutover-control.md, "Web
// console"): one self-contained HTML page, inline CSS and vanilla JS, no
// external resource. The control API serves it at GET /console and GET /;
// the page signs in through POST /api/v1/login, keeps the token in
// sessionStorage and calls the API with "Authorization: Bearer". It shows
// the product lines (refreshed every 2 s from /api/v1/status), a form to
// propose a change, a demote button per line, the pending approvals with
// Approve / Reject, the recent audit and the latest reconciliation per line.
// Every server string goes into the DOM as text, never as markup.
//
// Element ids the end-to-end test (tests/e2e/console_e2e_test.cc) relies
// on, listed again at the top of the page:
//   #login-user #login-password #login-button #login-error
//   #whoami (user and role) #logout
//   #lines        rows tr[data-line="SAVINGS"]: td.stage, td.ramp, ...,
//                 input.demote-reason, button.demote
//   #propose-line #propose-stage #propose-ramp #propose-reason #propose-button
//   #message      the server's answer to the last action: data-kind
//                 (ok | pending | error), data-status (HTTP), data-rule
//   #pending      rows tr[data-change="ID"]: input.note, button.approve,
//                 button.reject
//   #audit        rows tr[data-seq="N"]: td.actor, td.action, td.line,
//                 td.from-to, td.reason, td.approved-by, td.hash
//   #reconciliations  rows tr[data-line="SAVINGS"]
//
// Thread-safety: the page is a constant; call from any thread.
#pragma once

#include <string_view>

namespace corebridge::bridge {

// The whole page (UTF-8), for a text/html response.
std::string_view consoleHtml();

}  // namespace corebridge::bridge
