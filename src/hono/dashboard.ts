import { DASHBOARD_SCRIPT } from "./dashboard_script.ts";
import { DASHBOARD_STYLE } from "./dashboard_style.ts";

/**
 * The dashboard page: one HTML document with its CSS and JS inline (no external assets), served
 * with a strict Content-Security-Policy whose nonce changes on every response.
 *
 * @internal
 */
export function dashboardResponse(_request: Request): Response {
  const nonce = makeNonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return new Response(dashboardHTML(nonce), {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-cache",
      "Content-Security-Policy": csp,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  });
}

function makeNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

function dashboardHTML(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AntFlow dashboard</title>
<style nonce="${nonce}">${DASHBOARD_STYLE}</style>
</head>
<body>
<header>
  <h1><span class="logo" aria-hidden="true"></span>AntFlow</h1>
  <span id="conn" class="badge connecting" data-state="connecting" role="status">connecting…</span>
  <span id="run" class="run-label"></span>
  <span class="spacer"></span>
  <span id="updated" class="muted"></span>
  <form id="search" role="search">
    <input id="q" type="search" placeholder="Look up an item id…" autocomplete="off" spellcheck="false"
      aria-label="item id">
  </form>
</header>
<form id="auth" class="auth" hidden>
  <span>This dashboard needs a bearer token.</span>
  <input id="token" type="password" placeholder="token" autocomplete="off" aria-label="bearer token">
  <button type="submit">Connect</button>
</form>
<main>
  <section id="loading" class="card span12 notice"><p>Connecting to the pipeline…</p></section>
  <section id="empty" class="card span12 notice" hidden>
    <h2>No run yet</h2>
    <p>Nothing has been fed to the pipeline. This page updates by itself as soon as a run starts
      (<code>pipeline.run(items)</code>, <code>stream()</code> or <code>feed()</code>).</p>
  </section>
  <section id="lookup-card" class="card span12" hidden>
    <div class="card-head"><h2>Item <span id="lookup-title" class="mono"></span></h2>
      <span id="lookup-summary" class="summary"></span>
      <button id="lookup-close" type="button" class="close" aria-label="close">×</button></div>
    <div id="lookup-body"></div>
  </section>
  <section class="card span12 overview">
    <div class="progress-line">
      <p class="big"><span id="done">0</span> <span class="muted">/</span> <span id="total">0</span>
        <span class="muted small">items done</span> <span id="percent" class="percent"></span></p>
      <div id="status-chips" class="status-chips"></div>
    </div>
    <div class="bar"><div id="bar-ok"></div><div id="bar-fail"></div><div id="bar-cancel"></div></div>
    <div class="chips">
      <div><b id="succeeded">0</b><span>succeeded</span></div>
      <div class="failed-chip"><b id="failed">0</b><span>failed</span></div>
      <div><b id="cancelled">0</b><span>cancelled</span></div>
      <div><b id="inflight">0</b><span>in flight</span></div>
      <div><b id="rate">0</b><span>items/s</span></div>
      <div><b id="fail-rate">0</b><span>failures/s</span></div>
    </div>
  </section>
  <section class="card span12">
    <div class="card-head"><h2>Stages</h2></div>
    <div id="stages" class="stages"></div>
    <p id="stages-empty" class="muted empty-note">No pipeline attached: only the tracker's counts are
      known.</p>
  </section>
  <section class="card span9">
    <div class="card-head"><h2>Throughput</h2><span id="chart-span" class="muted small">items/s</span>
      <span id="series" class="toggles"></span></div>
    <div id="rate-chart" class="chart"></div>
    <div class="card-head sub"><h3>In flight</h3></div>
    <div id="inflight-chart" class="chart"></div>
  </section>
  <section class="card span3">
    <div class="card-head"><h2>Runs</h2></div>
    <ul id="runs" class="runs"></ul>
    <p id="runs-empty" class="muted empty-note">No run yet.</p>
  </section>
  <section class="card span7">
    <div class="card-head"><h2>Latency</h2>
      <span id="latency-view" class="segmented">
        <button type="button" data-view="recent" aria-pressed="true">last minute</button>
        <button type="button" data-view="all" aria-pressed="false">all time</button>
      </span></div>
    <table class="latency">
      <thead><tr><th>stage / task</th><th class="num">n</th><th class="num">p50</th>
        <th class="num">p95</th><th class="num">p99</th><th class="num">max</th>
        <th>p50 · p95 · p99</th><th>p95 trend</th></tr></thead>
      <tbody id="latency"></tbody>
    </table>
    <p id="latency-empty" class="muted empty-note">No stage has finished an item yet.</p>
    <p id="latency-tasks-note" class="muted small" hidden>Task durations are recorded only while
      task events are built: a task event listener or callback, or a full-mode client of the event
      stream (this page's summary stream builds none).</p>
  </section>
  <section id="errors-card" class="card span5">
    <div class="card-head"><h2>Errors</h2><span id="errors-total" class="muted small"></span></div>
    <div id="groups" class="groups"></div>
    <p id="errors-empty" class="muted empty-note">No failures.</p>
  </section>
  <section class="card span12 lazy">
    <div class="card-head"><h2>Workers</h2></div>
    <div class="scroll-y">
    <table>
      <thead><tr><th>worker</th><th>state</th><th>item</th><th>task</th><th class="num">for</th>
        <th class="num">done</th><th class="num">failed</th><th class="num">avg</th></tr></thead>
      <tbody id="workers"></tbody>
    </table>
    </div>
  </section>
</main>
<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
