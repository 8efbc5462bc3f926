#include "bridge/console.h"

namespace corebridge::bridge {
namespace {

// Three raw literals (head and style, body, script), joined by the compiler
// into one array; each stays well below the literal sizes compilers accept.
constexpr char kPage[] = R"html(<!doctype html>
<!--
  corebridge web console (bridge/console.cc, docs/cutover-control.md "Web console").
  Served by the control API at GET /console and GET /. Everything it shows
  comes from /api/v1/*; server strings are inserted as text only.

  Stable element ids and selectors (tests/e2e/console_e2e_test.cc):
    #login-panel  #login-user  #login-password  #login-button  #login-error
    #whoami (user and role)  #logout  #instance  #console
    #lines            rows tr[data-line="SAVINGS"] with td.line td.stage td.ramp
                      td.rps td.mismatch td.errors td.repairs td.pending
                      td.version, input.demote-reason, button.demote
    #propose-line  #propose-stage  #propose-ramp  #propose-reason  #propose-button
    #message          the answer to the last action; attributes data-kind
                      (ok, pending, error), data-status (HTTP status), data-rule
    #pending          rows tr[data-change="ID"] with input.note, button.approve,
                      button.reject
    #audit            rows tr[data-seq="N"] with td.seq td.at td.actor td.action
                      td.line td.from-to td.reason td.approved-by td.change td.hash
    #reconciliations  rows tr[data-line="SAVINGS"] with td.result td.differences
-->
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>corebridge - cutover console</title>
<style>
:root {
  --bg: #f3f5f8; --panel: #fff; --ink: #1c2430; --muted: #6a7585; --line: #dde2ea;
  --head: #18212e; --accent: #2457c5; --ok: #1d7a46; --warn: #a86400; --bad: #b3261e;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { background: var(--bg); color: var(--ink); font: 13px/1.35 system-ui, -apple-system,
       "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
[hidden] { display: none !important; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: var(--head);
         color: #e8edf4; position: sticky; top: 0; z-index: 2; }
header .brand { font-weight: 700; letter-spacing: .02em; }
header .brand span { font-weight: 400; color: #9fb0c6; margin-left: 6px; }
#instance { color: #9fb0c6; font-family: var(--mono); font-size: 12px; flex: 1; }
#session { display: flex; align-items: center; gap: 10px; }
#whoami .user { font-weight: 600; }
#whoami .role { margin-left: 6px; padding: 1px 7px; border-radius: 9px; background: #2e3d52;
                color: #cfe0ff; font-size: 11px; letter-spacing: .02em; }
main { padding: 12px 16px 24px; max-width: 1500px; margin: 0 auto; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
         margin-bottom: 12px; overflow: auto; }
.panel h2 { margin: 0; padding: 7px 10px; font-size: 12px; text-transform: uppercase;
            letter-spacing: .05em; color: var(--muted); border-bottom: 1px solid var(--line);
            display: flex; gap: 10px; align-items: baseline; }
.panel h2 .note { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: auto; }
.grid { display: grid; grid-template-columns: minmax(300px, 1fr) 2fr; gap: 12px; align-items: start; }
.grid .panel { margin-bottom: 0; }
.grid + .panel { margin-top: 12px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 4px 8px; text-align: left; border-bottom: 1px solid var(--line);
         white-space: nowrap; vertical-align: middle; }
th { font-size: 11px; font-weight: 600; color: var(--muted); background: #fafbfc; }
td.num, th.num { text-align: right; font-family: var(--mono); font-variant-numeric: tabular-nums; }
td.reason { white-space: normal; min-width: 120px; max-width: 420px; overflow-wrap: anywhere; }
td.hash, td.at, td.seq, td.change, td.version { font-family: var(--mono); font-size: 12px; }
td.hash { color: var(--muted); }
tbody tr:hover { background: #f6f8fb; }
tr.empty td { color: var(--muted); font-style: italic; }
td.line { font-weight: 600; }
td.stage span { display: inline-block; padding: 1px 7px; border-radius: 4px; font-size: 11px;
                font-weight: 600; font-family: var(--mono); background: #e7eaf0; color: #394454; }
td.stage[data-stage="DUAL_WRITE"] span { background: #e4ecfb; color: #1f4aa8; }
td.stage[data-stage="SHADOW"] span { background: #ece5fb; color: #5b34a8; }
td.stage[data-stage="NEW_PRIMARY"] span { background: #fff0d6; color: #8a5200; }
td.stage[data-stage="NEW_ONLY"] span { background: #dcf3e5; color: #17683b; }
.warn { color: var(--warn); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--ok); font-weight: 600; }
.muted { color: var(--muted); }
input, select, button { font: inherit; }
input, select { padding: 3px 6px; border: 1px solid #c5ccd8; border-radius: 4px; background: #fff;
                color: var(--ink); }
input:focus, select:focus, button:focus-visible { outline: 2px solid #9db8f0; outline-offset: 0; }
input:disabled, select:disabled { background: #f0f2f5; color: var(--muted); }
input.invalid { border-color: var(--bad); }
button { padding: 3px 10px; border: 1px solid #b9c2d0; border-radius: 4px; background: #f4f6f9;
         color: var(--ink); cursor: pointer; }
button:hover:not(:disabled) { background: #e9edf3; }
button:disabled { opacity: .45; cursor: not-allowed; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover:not(:disabled) { background: #1d49a8; }
button.approve { border-color: #8cc5a3; color: var(--ok); }
button.reject, button.demote { border-color: #e0a9a4; color: var(--bad); }
header button { background: transparent; color: #e8edf4; border-color: #4a5a70; }
header button:hover:not(:disabled) { background: #2a374a; }
td.actions { display: flex; gap: 6px; align-items: center; }
input.demote-reason { width: 150px; }
input.note { width: 100px; }
form.stack { display: grid; grid-template-columns: auto 1fr; gap: 6px 10px; padding: 10px;
             align-items: center; }
form.stack label { color: var(--muted); font-size: 12px; }
form.stack .full { grid-column: 1 / -1; }
form.stack button { justify-self: start; }
#message { margin-bottom: 12px; padding: 7px 10px; border-radius: 6px; border: 1px solid var(--line);
           background: var(--panel); min-height: 32px; font-family: var(--mono); font-size: 12px;
           white-space: pre-wrap; }
#message:empty { display: none; }
#message[data-kind="ok"] { border-color: #9fd3b3; background: #eef9f2; color: #135c33; }
#message[data-kind="pending"] { border-color: #a9c1ef; background: #eef3fd; color: #1c3f8f; }
#message[data-kind="error"] { border-color: #eab0ab; background: #fdf0ef; color: #8c1d16; }
#login-panel { max-width: 360px; margin: 60px auto; }
#login-panel form { grid-template-columns: 80px 1fr; }
#login-error { color: var(--bad); min-height: 1em; }
.stale { color: var(--bad); }
</style>
</head>
)html"
                         R"html(<body>
<header>
  <div class="brand">corebridge<span>cutover console</span></div>
  <div id="instance"></div>
  <div id="session" hidden>
    <span id="whoami"></span>
    <button id="logout" type="button">Log out</button>
  </div>
</header>
<main>
  <section id="login-panel" class="panel">
    <h2>Sign in</h2>
    <form id="login-form" class="stack" autocomplete="on">
      <label for="login-user">User</label>
      <input id="login-user" name="username" autocomplete="username" autofocus>
      <label for="login-password">Password</label>
      <input id="login-password" name="password" type="password" autocomplete="current-password">
      <span></span>
      <button id="login-button" class="primary" type="submit">Sign in</button>
      <div id="login-error" class="full" role="alert"></div>
    </form>
  </section>

  <div id="console" hidden>
    <div id="message" role="status" aria-live="polite"></div>

    <section class="panel">
      <h2>Product lines <span id="lines-note" class="note"></span></h2>
      <table id="lines">
        <thead><tr>
          <th>Line</th><th>Stage</th><th class="num">Ramp</th><th class="num">Req/s</th>
          <th class="num">Mismatch</th><th class="num">New errors</th>
          <th class="num">Open repairs</th><th class="num">Pending</th><th class="num">Version</th>
          <th>In stage since</th><th>Demote one stage</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </section>

    <div class="grid">
      <section class="panel">
        <h2>Propose a change</h2>
        <form id="propose-form" class="stack">
          <label for="propose-line">Line</label>
          <select id="propose-line"></select>
          <label for="propose-stage">Stage</label>
          <select id="propose-stage">
            <option value="LEGACY_ONLY">LEGACY_ONLY</option>
            <option value="DUAL_WRITE">DUAL_WRITE</option>
            <option value="SHADOW">SHADOW</option>
            <option value="NEW_PRIMARY">NEW_PRIMARY</option>
            <option value="NEW_ONLY">NEW_ONLY</option>
          </select>
          <label for="propose-ramp">Ramp %</label>
          <input id="propose-ramp" type="number" min="0" max="100" step="1" value="100"
                 title="Share of accounts on the new core (NEW_PRIMARY only)">
          <label for="propose-reason">Reason</label>
          <input id="propose-reason" maxlength="500" placeholder="why, for the audit log">
          <span></span>
          <button id="propose-button" class="primary" type="submit">Propose</button>
          <div class="full muted">A promotion waits for a second person's approval; a demotion
            applies at once.</div>
        </form>
      </section>

      <section class="panel">
        <h2>Pending approvals <span id="pending-note" class="note"></span></h2>
        <table id="pending">
          <thead><tr>
            <th>#</th><th>Line</th><th>Change</th><th>Reason</th><th>Proposed by</th><th>At</th>
            <th>Note</th><th></th>
          </tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </div>

    <section class="panel">
      <h2>Latest reconciliation per line</h2>
      <table id="reconciliations">
        <thead><tr>
          <th>Line</th><th>Result</th><th class="num">Differences</th><th>Business date</th>
          <th>Recorded at</th><th>Recorded by</th><th class="num">Id</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </section>

    <section class="panel">
      <h2>Recent audit <span id="audit-note" class="note"></span></h2>
      <table id="audit">
        <thead><tr>
          <th class="num">Seq</th><th>At</th><th>Actor</th><th>Action</th><th>Line</th>
          <th>From &rarr; to</th><th>Reason</th><th>Approved by</th><th>Change</th><th>Hash</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </section>
  </div>
</main>
)html"
                         R"html(<script>
'use strict';
(() => {
  const STAGES = ['LEGACY_ONLY', 'DUAL_WRITE', 'SHADOW', 'NEW_PRIMARY', 'NEW_ONLY'];
  const REFRESH_MS = 2000;
  const KEY = 'corebridge.console.session';
  const $ = (id) => document.getElementById(id);

  // --- session (sessionStorage: gone with the tab) -------------------------
  function session() {
    try {
      const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
      return s && typeof s.token === 'string' && s.token ? s : null;
    } catch (e) {
      return null;
    }
  }
  function saveSession(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); }
  function clearSession() { sessionStorage.removeItem(KEY); }

  // --- DOM helpers: text only, never markup from data -----------------------
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids) e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    return e;
  }
  function setText(node, text, title) {
    const t = text === undefined || text === null ? '' : String(text);
    if (node.textContent !== t) node.textContent = t;
    if (title !== undefined) node.title = String(title);
  }
  function rowFor(tbody, attr, value) {
    return tbody.querySelector('tr[data-' + attr + '="' + CSS.escape(String(value)) + '"]');
  }
  function emptyRow(tbody, columns, text) {
    tbody.replaceChildren(el('tr', {class: 'empty'}, el('td', {colspan: columns, text})));
  }
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  function fmtTime(ms) {
    if (!ms) return '';
    const d = new Date(Number(ms));
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
        pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function fmtAge(ms) {
    if (!ms) return '';
    const s = Math.max(0, Math.round((Date.now() - Number(ms)) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  const num = (x) => (typeof x === 'number' && isFinite(x) ? x : 0);
  const pct = (x) => (num(x) * 100).toFixed(2) + ' %';
  function stageText(l) {
    if (!l || !l.stage) return '';
    if (typeof l.setting === 'string' && l.setting) return l.setting;
    return l.stage === 'NEW_PRIMARY' && l.ramp !== undefined ? l.stage + ' ' + l.ramp + '%' : l.stage;
  }
  function describeChange(from, to) {
    const parts = [];
    if (!from || !to) return '';
    if (from.stage !== to.stage || from.ramp !== to.ramp) parts.push(stageText(from) + ' \u2192 ' + stageText(to));
    if (JSON.stringify(from.guard || {}) !== JSON.stringify(to.guard || {})) parts.push('guard changed');
    return parts.join(', ') || 'no change';
  }

  // --- the API -------------------------------------------------------------
  async function api(method, path, body) {
    const s = session();
    const headers = {'Accept': 'application/json'};
    if (s) headers['Authorization'] = 'Bearer ' + s.token;
    const init = {method, headers, cache: 'no-store', credentials: 'omit'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return {status: 0, data: {error: 'the admin port did not answer (' + e.message + ')'}};
    }
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : {};
    } catch (e) {
      data = {error: text.trim() || res.statusText};
    }
    if (data === null || typeof data !== 'object') data = {value: data};
    if (res.status === 401 && s && path !== '/api/v1/login') {
      endSession('Signed out: ' + (data.error || 'the token was refused') + '. Sign in again.');
    }
    return {status: res.status, data};
  }
  function errorText(r) {
    const d = r.data || {};
    let t = d.error || ('HTTP ' + r.status);
    if (d.rule) t += ' [rule ' + d.rule + ']';
    if (d.field) t += ' [field ' + d.field + ']';
    return t + ' (HTTP ' + r.status + ')';
  }

  // --- the answer to the last action ----------------------------------------
  function showMessage(kind, text, r) {
    const m = $('message');
    m.dataset.kind = kind;
    m.dataset.status = r ? String(r.status) : '';
    m.dataset.rule = r && r.data && r.data.rule ? String(r.data.rule) : '';
    m.textContent = fmtTime(Date.now()).slice(11) + '  ' + text;
  }
  function clearMessage() {
    const m = $('message');
    delete m.dataset.kind;
    delete m.dataset.status;
    delete m.dataset.rule;
    m.textContent = '';
  }

  // --- state -----------------------------------------------------------------
  let lines = [];  // the latest status lines
  let auditHead = '';
  let timer = null;
  let refreshing = false;
  let again = false;
  let expiryTimer = null;
  const me = () => session() || {user: '', role: ''};
  const canOperate = () => me().role === 'operator' || me().role === 'approver';
  const isApprover = () => me().role === 'approver';
)html"
                         R"html(
  // --- product lines ---------------------------------------------------------
  function lineRow(name) {
    const tr = el('tr', {'data-line': name});
    for (const c of ['line', 'stage', 'ramp num', 'rps num', 'mismatch num', 'errors num',
                     'repairs num', 'pending num', 'version num', 'since']) {
      tr.append(el('td', {class: c}));
    }
    tr.querySelector('td.line').textContent = name;
    tr.querySelector('td.stage').append(el('span'));
    const reason = el('input', {class: 'demote-reason', placeholder: 'reason', maxlength: 500,
                                'aria-label': 'reason for demoting ' + name});
    const button = el('button', {class: 'demote', type: 'button', text: 'Demote'});
    button.addEventListener('click', () => demote(name, reason, button));
    reason.addEventListener('keydown', (e) => { if (e.key === 'Enter') button.click(); });
    tr.append(el('td', {class: 'actions'}, reason, button));
    return tr;
  }
  function renderLines(list) {
    const tbody = $('lines').tBodies[0];
    tbody.querySelectorAll('tr.empty').forEach((r) => r.remove());
    const seen = new Set();
    for (const l of list) {
      seen.add(l.line);
      let tr = rowFor(tbody, 'line', l.line);
      if (!tr) tbody.append(tr = lineRow(l.line));
      const cell = (c) => tr.querySelector('td.' + c);
      const stage = cell('stage');
      stage.dataset.stage = l.stage;
      setText(stage.firstChild, l.stage);
      setText(cell('ramp'), l.stage === 'NEW_PRIMARY' ? l.ramp + ' %' : '\u2014');
      setText(cell('rps'), num(l.requests_per_s).toFixed(1),
              num(l.requests) + ' requests in the last ' + num(l.window_seconds) + ' s');
      const g = l.guard || {};
      const mm = cell('mismatch');
      setText(mm, num(l.compared) ? pct(l.mismatch_rate) : '\u2014',
              num(l.different) + ' of ' + num(l.compared) + ' compared calls differed' +
              (g.max_mismatch_rate ? '; guard at ' + pct(g.max_mismatch_rate) : '; guard off'));
      mm.classList.toggle('bad', !!g.max_mismatch_rate && num(l.mismatch_rate) > g.max_mismatch_rate);
      const er = cell('errors');
      setText(er, num(l.new_calls) ? pct(l.new_error_rate) : '\u2014',
              num(l.new_errors) + ' of ' + num(l.new_calls) + ' new-side calls failed' +
              (g.max_error_rate ? '; guard at ' + pct(g.max_error_rate) : '; guard off'));
      er.classList.toggle('bad', !!g.max_error_rate && num(l.new_error_rate) > g.max_error_rate);
      const rep = cell('repairs');
      const unknown = num(l.open_repairs) < 0;
      setText(rep, unknown ? '?' : num(l.open_repairs),
              unknown ? 'the repair store could not be read' : 'open repair cases');
      rep.classList.toggle('warn', num(l.open_repairs) > 0);
      const pend = cell('pending');
      setText(pend, num(l.pending_changes));
      pend.classList.toggle('warn', num(l.pending_changes) > 0);
      // The store's version, and the one this instance still routes by
      // when it has not caught up yet (within a poll).
      const f = l.in_force;
      const lag = f && typeof f.version === 'number' && f.version !== l.version;
      setText(cell('version'), lag ? l.version + ' (in force ' + f.version + ')' : l.version,
              lag ? 'this instance still routes by ' + stageText(f) + ' (version ' + f.version +
                        ') until its next poll of the flag store'
                  : 'version of the line in the flag store');
      cell('version').classList.toggle('warn', !!lag);
      setText(cell('since'), fmtAge(l.stage_since_ms), fmtTime(l.stage_since_ms));
      const button = tr.querySelector('button.demote');
      const first = STAGES.indexOf(l.stage) <= 0;
      button.disabled = !canOperate() || first;
      button.title = !canOperate() ? 'viewers cannot demote'
          : first ? 'already at the first stage' : 'one stage back, at once';
    }
    tbody.querySelectorAll('tr[data-line]').forEach((tr) => {
      if (!seen.has(tr.dataset.line)) tr.remove();
    });
    if (!list.length) emptyRow(tbody, 11, 'No product lines in the flag store.');
  }
  function renderLineSelect(list) {
    const select = $('propose-line');
    const chosen = select.value;
    const names = list.map((l) => l.line);
    const have = Array.from(select.options).map((o) => o.value);
    if (names.join('\n') !== have.join('\n')) {
      select.replaceChildren(...names.map((n) => el('option', {value: n, text: n})));
      if (names.includes(chosen)) select.value = chosen;
      else if (names.length) suggestStage();
    }
  }
  // The next stage of the chosen line, as a starting point for the form.
  function suggestStage() {
    const l = lines.find((x) => x.line === $('propose-line').value);
    if (!l) return;
    const i = STAGES.indexOf(l.stage);
    $('propose-stage').value = STAGES[Math.min(i + 1, STAGES.length - 1)] || l.stage;
    $('propose-ramp').value = l.stage === 'NEW_PRIMARY' ? l.ramp : 10;
    rampEnabled();
  }
  function rampEnabled() { $('propose-ramp').disabled = $('propose-stage').value !== 'NEW_PRIMARY'; }

  function renderReconciliations(list) {
    const tbody = $('reconciliations').tBodies[0];
    if (!list.length) return emptyRow(tbody, 7, 'No product lines.');
    tbody.replaceChildren(...list.map((l) => {
      const r = l.last_reconciliation;
      const tr = el('tr', {'data-line': l.line}, el('td', {class: 'line', text: l.line}));
      if (!r) {
        tr.append(el('td', {class: 'result muted', colspan: 6, text: 'none recorded'}));
        return tr;
      }
      tr.append(el('td', {class: 'result ' + (r.balanced ? 'good' : 'bad'),
                          text: r.balanced ? 'in balance' : 'OUT OF BALANCE'}),
                el('td', {class: 'differences num', text: num(r.differences)}),
                el('td', {class: 'business-date', text: r.business_date || ''}),
                el('td', {class: 'at', text: fmtTime(r.at_ms)}),
                el('td', {class: 'recorded-by', text: r.recorded_by || ''}),
                el('td', {class: 'id num', text: r.id}));
      return tr;
    }));
  }

  // --- pending approvals -------------------------------------------------------
  function pendingRow(c) {
    const tr = el('tr', {'data-change': c.id});
    const note = el('input', {class: 'note', placeholder: 'note (optional)', maxlength: 500,
                              'aria-label': 'note on change ' + c.id});
    const approve = el('button', {class: 'approve', type: 'button', text: 'Approve'});
    const reject = el('button', {class: 'reject', type: 'button', text: 'Reject'});
    approve.addEventListener('click', () => decide(c.id, 'approve', note, approve));
    reject.addEventListener('click', () => decide(c.id, 'reject', note, reject));
    tr.append(el('td', {class: 'change num', text: '#' + c.id}),
              el('td', {class: 'line', text: c.line}),
              el('td', {class: 'what', text: describeChange(c.from, c.to)}),
              el('td', {class: 'reason', text: c.reason || ''}),
              el('td', {class: 'proposed-by', text: c.proposed_by || ''}),
              el('td', {class: 'at', text: fmtAge(c.proposed_at_ms), title: fmtTime(c.proposed_at_ms)}),
              el('td', {}, note), el('td', {class: 'actions'}, approve, reject));
    return tr;
  }
  function renderPending(changes) {
    const tbody = $('pending').tBodies[0];
    tbody.querySelectorAll('tr.empty').forEach((r) => r.remove());
    const seen = new Set();
    const who = me();
    for (const c of changes) {
      seen.add(String(c.id));
      let tr = rowFor(tbody, 'change', c.id);
      if (!tr) tbody.append(tr = pendingRow(c));
      setText(tr.querySelector('td.at'), fmtAge(c.proposed_at_ms));
      const own = c.proposed_by === who.user;
      const approve = tr.querySelector('button.approve');
      approve.disabled = !isApprover() || own;
      approve.title = own ? 'you proposed it: another person must approve'
          : !isApprover() ? 'only an approver may approve' : 'apply this change';
      const reject = tr.querySelector('button.reject');
      reject.disabled = !(isApprover() || (own && canOperate()));
      reject.title = reject.disabled ? 'only an approver or the proposer may reject' : 'reject it';
    }
    tbody.querySelectorAll('tr[data-change]').forEach((tr) => {
      if (!seen.has(tr.dataset.change)) tr.remove();
    });
    if (!changes.length) emptyRow(tbody, 8, 'Nothing waits for approval.');
  }

  // --- audit -----------------------------------------------------------------
  function renderAudit(data) {
    const entries = data.entries || [];
    const head = data.head ? data.head.seq + ':' + data.head.hash : '';
    setText($('audit-note'), data.head ? 'head ' + data.head.seq + ' \u00b7 ' +
            String(data.head.hash || '').slice(0, 12) : '');
    if (head === auditHead && head) return;
    auditHead = head;
    const tbody = $('audit').tBodies[0];
    if (!entries.length) return emptyRow(tbody, 10, 'The audit log is empty.');
    tbody.replaceChildren(...entries.map((e) => {
      const fromTo = e.from || e.to ? (e.from || '') + ' \u2192 ' + (e.to || '') : '';
      const hash = String(e.hash || '');
      return el('tr', {'data-seq': e.seq, 'data-action': e.action},
                el('td', {class: 'seq num', text: e.seq}),
                el('td', {class: 'at', text: fmtTime(e.at_ms)}),
                el('td', {class: 'actor', text: e.actor || ''}),
                el('td', {class: 'action', text: e.action || ''}),
                el('td', {class: 'line', text: e.line || ''}),
                el('td', {class: 'from-to', text: fromTo}),
                el('td', {class: 'reason', text: e.reason || ''}),
                el('td', {class: 'approved-by', text: e.approved_by || ''}),
                el('td', {class: 'change', text: e.change_id ? '#' + e.change_id : ''}),
                el('td', {class: 'hash', text: hash.slice(0, 10), title: hash}));
    }));
  }
)html"
                         R"html(
  // --- refresh -----------------------------------------------------------------
  async function refresh() {
    if (!session()) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      // One after the other, not in parallel: the admin server gives each
      // keep-alive connection a worker thread of its small pool, and a tab
      // holding three of them would starve bridgectl and /metrics.
      const st = await api('GET', '/api/v1/status');
      const pending = await api('GET', '/api/v1/changes?state=pending');
      const audit = await api('GET', '/api/v1/audit?limit=20&order=desc');
      if (!session()) return;
      if (st.status === 200) {
        lines = st.data.lines || [];
        renderLines(lines);
        renderLineSelect(lines);
        renderReconciliations(lines);
        const known = (x) => (typeof x === 'number' && x >= 0 ? x : '?');
        setText($('instance'), 'instance ' + (st.data.instance || '?') + ' \u00b7 generation ' +
                known(st.data.generation) + ' \u00b7 flags ' + known(st.data.flags_age_ms) + ' ms old');
        setText($('lines-note'), 'updated ' + fmtTime(Date.now()).slice(11));
        $('lines-note').classList.remove('stale');
      } else {
        setText($('lines-note'), 'status: ' + errorText(st));
        $('lines-note').classList.add('stale');
      }
      if (pending.status === 200) {
        renderPending(pending.data.changes || []);
        setText($('pending-note'), '');
      } else {
        setText($('pending-note'), errorText(pending));
      }
      if (audit.status === 200) renderAudit(audit.data);
      else setText($('audit-note'), errorText(audit));
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  // --- actions ---------------------------------------------------------------
  function requireReason(input) {
    const reason = input.value.trim();
    input.classList.toggle('invalid', !reason);
    if (!reason) input.focus();
    return reason;
  }
  async function busy(button, fn) {
    button.disabled = true;
    try {
      await fn();
    } finally {
      button.disabled = false;
      refresh();
    }
  }

  async function propose(ev) {
    ev.preventDefault();
    const line = $('propose-line').value;
    const stage = $('propose-stage').value;
    if (!line) return showMessage('error', 'No product line to change.');
    const reason = requireReason($('propose-reason'));
    if (!reason) return showMessage('error', 'A change needs a reason (it goes to the audit log).');
    const body = {stage, reason};
    if (stage === 'NEW_PRIMARY') body.ramp = Number($('propose-ramp').value);
    await busy($('propose-button'), async () => {
      const r = await api('POST', '/api/v1/flags/' + encodeURIComponent(line), body);
      const d = r.data || {};
      const change = d.change || (r.status === 202 ? d : null);
      if (r.status === 202 && change) {
        showMessage('pending', 'Change request #' + change.id + ' is pending approval: ' + line + ' ' +
                    describeChange(change.from, change.to) + '.', r);
        $('propose-reason').value = '';
      } else if (r.status === 200 || r.status === 201) {
        const l = d.line && typeof d.line === 'object' ? d.line : (d.to || d);
        showMessage('ok', 'Applied at once: ' + line + ' is now ' + (stageText(l) || stage) +
                    (l.version ? ' (version ' + l.version + ')' : '') + '.', r);
        $('propose-reason').value = '';
      } else {
        showMessage('error', 'Proposal for ' + line + ' refused: ' + errorText(r), r);
      }
    });
  }

  async function demote(line, input, button) {
    const reason = requireReason(input);
    if (!reason) return showMessage('error', 'Demoting ' + line + ' needs a reason (it goes to the audit log).');
    await busy(button, async () => {
      const r = await api('POST', '/api/v1/flags/' + encodeURIComponent(line) + '/demote', {reason});
      if (r.status >= 200 && r.status < 300) {
        const d = r.data || {};
        const l = d.line && typeof d.line === 'object' ? d.line : (d.to || d);
        showMessage('ok', 'Demoted ' + line + ' to ' + (stageText(l) || 'the previous stage') + '.', r);
        input.value = '';
      } else {
        showMessage('error', 'Demotion of ' + line + ' refused: ' + errorText(r), r);
      }
    });
  }

  async function decide(id, verb, noteInput, button) {
    const note = noteInput.value.trim();
    await busy(button, async () => {
      const r = await api('POST', '/api/v1/changes/' + encodeURIComponent(id) + '/' + verb,
                          note ? {note} : {});
      if (r.status >= 200 && r.status < 300) {
        const c = (r.data && (r.data.change || r.data)) || {};
        showMessage('ok', 'Change #' + id + (verb === 'approve' ? ' approved and applied' : ' rejected') +
                    (c.line ? ': ' + c.line + ' ' + describeChange(c.from, c.to) : '') + '.', r);
      } else {
        showMessage('error', (verb === 'approve' ? 'Approval' : 'Rejection') + ' of change #' + id +
                    ' refused: ' + errorText(r), r);
      }
    });
  }

  // --- sign in and out ----------------------------------------------------------
  function showLogin(message) {
    $('console').hidden = true;
    $('session').hidden = true;
    $('login-panel').hidden = false;
    setText($('login-error'), message || '');
    setText($('instance'), '');
    $('login-user').focus();
  }
  function enterConsole() {
    const s = session();
    $('whoami').replaceChildren(el('span', {class: 'user', text: s.user}), ' ',
                                el('span', {class: 'role', text: s.role}));
    $('session').hidden = false;
    $('login-panel').hidden = true;
    $('console').hidden = false;
    clearMessage();
    clearTimeout(expiryTimer);
    if (s.expires_at_ms) {
      const left = Number(s.expires_at_ms) - Date.now();
      expiryTimer = setTimeout(() => endSession('Your session expired. Sign in again.'),
                               Math.max(0, Math.min(left, 2147483647)));
    }
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }
  function endSession(message) {
    clearSession();
    clearInterval(timer);
    clearTimeout(expiryTimer);
    timer = null;
    lines = [];
    auditHead = '';
    for (const id of ['lines', 'pending', 'audit', 'reconciliations']) $(id).tBodies[0].replaceChildren();
    $('propose-line').replaceChildren();
    $('whoami').replaceChildren();
    clearMessage();
    showLogin(message);
  }
  async function login(ev) {
    ev.preventDefault();
    const user = $('login-user').value.trim();
    const password = $('login-password').value;
    if (!user || !password) return setText($('login-error'), 'User and password, please.');
    const button = $('login-button');
    button.disabled = true;
    setText($('login-error'), '');
    try {
      const r = await api('POST', '/api/v1/login', {user, password});
      if (r.status === 200 && r.data.token) {
        saveSession({token: r.data.token, user: r.data.user || user, role: r.data.role || 'viewer',
                     expires_at_ms: r.data.expires_at_ms || 0});
        $('login-password').value = '';
        enterConsole();
      } else {
        setText($('login-error'), 'Sign-in refused: ' + errorText(r));
        $('login-password').select();
      }
    } finally {
      button.disabled = false;
    }
  }

  async function start() {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', () => endSession(''));
    $('propose-form').addEventListener('submit', propose);
    $('propose-line').addEventListener('change', suggestStage);
    $('propose-stage').addEventListener('change', rampEnabled);
    $('propose-reason').addEventListener('input', (e) => e.target.classList.remove('invalid'));
    rampEnabled();
    const s = session();
    if (!s || (s.expires_at_ms && Number(s.expires_at_ms) <= Date.now())) {
      clearSession();
      return showLogin('');
    }
    // A reload keeps the tab's session; the server still has to accept it.
    const r = await api('GET', '/api/v1/whoami');
    if (r.status === 200 && session()) {
      saveSession(Object.assign(s, {user: r.data.user || s.user, role: r.data.role || s.role}));
      enterConsole();
    } else if (session()) {
      endSession(r.status === 0 ? errorText(r) : '');
    }
  }
  start();
})();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view consoleHtml() { return {kPage, sizeof(kPage) - 1}; }

}  // namespace corebridge::bridge
