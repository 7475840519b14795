import { DASHBOARD_CHART } from "./dashboard_chart.ts";
import { DASHBOARD_ERRORS } from "./dashboard_errors.ts";
import { DASHBOARD_EVENTS } from "./dashboard_events.ts";
import { DASHBOARD_FEED } from "./dashboard_feed.ts";
import { DASHBOARD_LOOKUP } from "./dashboard_lookup.ts";
import { DASHBOARD_PANELS } from "./dashboard_panels.ts";
import { DASHBOARD_UTIL } from "./dashboard_util.ts";

/**
 * The page's state and wiring: what a snapshot or an event changes, the throughput samples, and
 * the render loop (panels are redrawn at most once per animation frame, and only those whose data
 * changed; the charts' scrolling is the only per-frame work).
 */
const MAIN = String.raw`
var WINDOW_MS = 5 * 60 * 1000;
var RATE_SPAN_MS = 2000;
var state = {
  stats: null, pipe: null, errors: null, latency: null, runs: [], samples: [], p95History: {},
  groups: new Map(), failedIds: new Map(), openGroup: null, latencyView: "recent",
  show: { total: true, failed: true }, lastUpdate: 0, conn: "connecting", resetUntil: 0, seenData: false,
};
var dirty = {};
var renderPending = false;
var charts = {};

var soon = {};

/** Marks a panel for redrawing at most once every ms (for what events can change very often). */
function markSoon(name, ms) {
  if (soon[name]) return;
  soon[name] = setTimeout(function () { soon[name] = 0; markDirty(name); }, ms);
}

function markDirty(name) {
  dirty[name] = true;
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(renderDirty);
}

function totals() {
  if (state.pipe) {
    var p = state.pipe.pipelineStats;
    var done = p.itemsProcessed + p.itemsFailed + p.itemsCancelled;
    return { ok: p.itemsProcessed, failed: p.itemsFailed, cancelled: p.itemsCancelled,
      inflight: p.itemsInFlight, done: done, total: done + p.itemsInFlight };
  }
  var s = state.stats || {};
  var ok = (s.completed || 0) + (s.skipped || 0);
  var failed = s.failed || 0;
  var cancelled = s.cancelled || 0;
  var inflight = (s.queued || 0) + (s.in_progress || 0) + (s.retrying || 0);
  var finished = ok + failed + cancelled;
  return { ok: ok, failed: failed, cancelled: cancelled, inflight: inflight, done: finished, total: finished + inflight };
}

function addSample() {
  var t = totals();
  var stages = {};
  if (state.pipe) {
    var stats = state.pipe.pipelineStats.stageStats;
    for (var name in stats) stages[name] = stats[name].completedItems + stats[name].failedItems;
  }
  var now = Date.now();
  var serverTime = state.pipe ? state.pipe.timestamp : now;
  var samples = state.samples;
  samples.push({ t: now, st: serverTime, done: t.done, failed: t.failed, inflight: t.inflight, stages: stages });
  while (samples.length > 2 && samples[1].t < now - WINDOW_MS - 10000) samples.shift();
}

/** [[t, per second]] of value(sample), each over at least span (RATE_SPAN_MS) of server time. */
function rateSeries(value, span) {
  span = span || RATE_SPAN_MS;
  var samples = state.samples;
  var out = [];
  var j = 0;
  for (var i = 1; i < samples.length; i++) {
    while (j < i - 1 && samples[i].st - samples[j + 1].st >= span) j++;
    var a = samples[j];
    var b = samples[i];
    var va = value(a);
    var vb = value(b);
    var dt = b.st - a.st;
    if (dt <= 0 || va === undefined || vb === undefined || vb < va) continue;
    out.push([b.t, ((vb - va) * 1000) / dt]);
  }
  return out;
}

/** The rate over the last 5 s (0 when the newest sample is old). */
function lastRate(value) {
  var series = rateSeries(value, 5000);
  var last = series[series.length - 1];
  return last && Date.now() - last[0] < 10000 ? last[1] : 0;
}
function currentRates() {
  return { done: lastRate(function (s) { return s.done; }), failed: lastRate(function (s) { return s.failed; }) };
}
function stageRates() {
  var out = {};
  stageNames().forEach(function (name) { out[name] = lastRate(function (s) { return s.stages[name]; }); });
  return out;
}

var WINDOWS = [10000, 20000, 30000, 60000, 120000, 180000, 240000, WINDOW_MS];

/** The charts' span: the time since the first sample, rounded up to 10 s … 5 minutes. */
function chartWindow() {
  var first = state.samples[0];
  var span = first ? Date.now() - first.t : 0;
  for (var i = 0; i < WINDOWS.length; i++) if (span <= WINDOWS[i]) return WINDOWS[i];
  return WINDOW_MS;
}

function renderCharts() {
  var windowMs = chartWindow();
  charts.rate.options.windowMs = windowMs;
  charts.inflight.options.windowMs = windowMs;
  setText("chart-span", "items/s, last " + (windowMs < 60000 ? windowMs / 1000 + " s" : windowMs === 60000 ? "minute" : windowMs / 60000 + " minutes"));
  var series = [];
  stageNames().forEach(function (name, index) {
    if (state.show[name]) {
      series.push({ key: name, color: stageColor(index), width: 1.5,
        points: rateSeries(function (s) { return s.stages[name]; }) });
    }
  });
  if (state.show.total) series.push({ key: "total", color: "#2d6cdf", width: 2.4, points: rateSeries(function (s) { return s.done; }) });
  if (state.show.failed) series.push({ key: "failed", color: "#d64545", dash: "4 3", points: rateSeries(function (s) { return s.failed; }) });
  charts.rate.draw(series);
  charts.inflight.draw([{ key: "inflight", color: "#7c5cd6", area: true, width: 1.4,
    points: state.samples.map(function (s) { return [s.t, s.inflight]; }) }]);
  renderToggles();
}

function renderToggles() {
  var keys = [["total", "total", "#2d6cdf"]];
  stageNames().forEach(function (name, index) { keys.push([name, name, stageColor(index)]); });
  keys.push(["failed", "failures/s", "#d64545"]);
  var box = $("series");
  if (box.getAttribute("data-keys") === JSON.stringify(keys)) {
    box.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", state.show[b.getAttribute("data-key")] ? "true" : "false"); });
    return;
  }
  box.setAttribute("data-keys", JSON.stringify(keys));
  fill(box, keys.map(function (k) {
    var b = el("button", "toggle");
    b.type = "button";
    b.setAttribute("data-key", k[0]);
    b.setAttribute("aria-pressed", state.show[k[0]] ? "true" : "false");
    var swatch = el("i", k[0] === "failed" ? "swatch dashed" : "swatch");
    swatch.style.background = k[0] === "failed" ? "" : k[2];
    b.appendChild(swatch);
    b.appendChild(document.createTextNode(k[1]));
    return b;
  }));
}

function renderConn() {
  var now = Date.now();
  var name = state.conn === "live" && now < state.resetUntil ? "reset" : state.conn;
  var labels = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…",
    reset: "reset: state reloaded", unauthorized: "unauthorized" };
  var badge = $("conn");
  badge.className = "badge " + name;
  badge.setAttribute("data-state", name);
  setText("conn", labels[name] || name);
  show("auth", state.conn === "unauthorized");
  // While the stream is live, an old "updated" only means that nothing changed.
  var stale = state.lastUpdate && state.conn !== "live";
  var updated = $("updated");
  updated.className = stale ? "stale" : "muted";
  setText("updated", state.lastUpdate ? "updated " + clock(state.lastUpdate) + " (" + ago(now - state.lastUpdate) + ")" : "no data yet");
}

function renderEmpty() {
  var t = totals();
  var empty = state.seenData && state.runs.length === 0 && t.total === 0;
  show("empty", empty);
  show("loading", !state.seenData);
}

var RENDERERS = { overview: renderOverview, charts: renderCharts, runs: renderRuns, latency: renderLatency,
  stages: renderStages, workers: renderWorkers, errors: renderErrors, conn: renderConn, empty: renderEmpty };

function renderDirty() {
  renderPending = false;
  var names = Object.keys(dirty);
  dirty = {};
  names.forEach(function (name) { RENDERERS[name](); });
}
`;

/**
 * The dashboard's JavaScript (inline in the page; plain ES2020 in one strict-mode function, no
 * template literals so it can live in these strings). Every text reaches the DOM through
 * `textContent` (or an SVG attribute set with `setAttribute`).
 *
 * @internal
 */
export const DASHBOARD_SCRIPT: string = [
  '"use strict";\n(function () {',
  DASHBOARD_UTIL,
  DASHBOARD_FEED,
  DASHBOARD_CHART,
  DASHBOARD_PANELS,
  DASHBOARD_ERRORS,
  DASHBOARD_LOOKUP,
  MAIN,
  DASHBOARD_EVENTS,
  "})();\n",
].join("\n");
