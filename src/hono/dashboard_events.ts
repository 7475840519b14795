/**
 * What the dashboard does with what arrives (browser JavaScript, part of the page's one script):
 * a snapshot updates the state and marks every panel for redrawing, a `failed` event joins its
 * error group, a run event updates the run list, a `reset` shows in the connection badge; and the
 * page's own controls (series toggles, latency view, error groups, search, token prompt).
 *
 * @internal
 */
export const DASHBOARD_EVENTS: string = String.raw`
function onSnapshot(data) {
  state.stats = data.stats;
  state.pipe = data.pipeline;
  state.errors = data.errors || null;
  if (data.latency) {
    state.latency = data.latency;
    for (var name in data.latency.stages) {
      var history = state.p95History[name] || (state.p95History[name] = []);
      var p95 = data.latency.stages[name].recent.p95;
      history.push(p95 === null ? 0 : p95);
      if (history.length > 240) history.shift();
    }
  }
  if (data.runs) mergeRuns(data.runs, data.errors && data.errors.failedItems !== undefined);
  if (data.errors && data.errors.failedItems) rebuildGroups(data.errors.failedItems, data.errors);
  else reconcileGroups(data.errors);
  state.lastUpdate = Date.now();
  state.seenData = true;
  addSample();
  ["overview", "charts", "runs", "latency", "stages", "workers", "errors", "conn", "empty"].forEach(markDirty);
}

/** Runs from a snapshot: replaces the list on a connection's first one, else merges. */
function mergeRuns(runs, replace) {
  if (replace) { state.runs = runs.slice(); return; }
  runs.forEach(onRun);
}

function onRun(run) {
  var runs = state.runs;
  for (var i = runs.length - 1; i >= 0; i--) {
    if (runs[i].runId === run.runId) {
      if (runs[i].endedAt === undefined || run.endedAt !== undefined) runs[i] = run;
      markDirty("runs");
      return;
    }
  }
  runs.push(run);
  if (runs.length > 100) runs.shift();
  markDirty("runs");
  markDirty("empty");
}

function onMessage(type, text) {
  var data = JSON.parse(text);
  if (type === "snapshot") onSnapshot(data);
  else if (type === "status" && data.status === "failed") {
    var m = data.metadata || {};
    addFailure({ itemId: data.itemId, stage: data.stage, errorType: m.errorType, error: m.error,
      attempts: m.attempt, timestamp: data.timestamp });
    markSoon("errors", 500);
  } else if (type === "runstart" || type === "runend") onRun(data);
  else if (type === "reset") {
    state.resetUntil = Date.now() + 5000;
    markDirty("conn");
  }
}

function onState(name) {
  state.conn = name;
  markDirty("conn");
}

function wire() {
  $("series").addEventListener("click", function (e) {
    var button = e.target.closest("button[data-key]");
    if (!button) return;
    var key = button.getAttribute("data-key");
    state.show[key] = !state.show[key];
    markDirty("charts");
  });
  $("latency-view").addEventListener("click", function (e) {
    var button = e.target.closest("button[data-view]");
    if (!button) return;
    state.latencyView = button.getAttribute("data-view");
    $("latency-view").querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    markDirty("latency");
  });
  $("groups").addEventListener("click", function (e) {
    var item = e.target.closest("[data-item]");
    if (item) { searchFor(item.getAttribute("data-item")); return; }
    var group = e.target.closest("button[data-group]");
    if (!group) return;
    var key = group.getAttribute("data-group");
    state.openGroup = state.openGroup === key ? null : key;
    markDirty("errors");
  });
  $("workers").addEventListener("click", function (e) {
    var cell = e.target.closest("td.mono");
    if (cell && cell.textContent) searchFor(cell.textContent);
  });
  var typing = 0;
  $("search").addEventListener("submit", function (e) { e.preventDefault(); lookup($("q").value); });
  $("q").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { lookup($("q").value); }, 300);
  });
  $("lookup-close").addEventListener("click", function () { $("q").value = ""; closeLookup(); });
  $("auth").addEventListener("submit", function (e) {
    e.preventDefault();
    token = $("token").value.trim();
    saveToken(token);
    feed.reconnect();
  });
  window.addEventListener("resize", function () { charts.rate.layout(); charts.inflight.layout(); });
}

function searchFor(id) {
  $("q").value = id;
  lookup(id);
  $("lookup-card").scrollIntoView({ block: "nearest" });
}

charts.rate = new TimeChart($("rate-chart"), { height: 200, windowMs: WINDOW_MS, format: fmtRate, label: "items per second" });
charts.inflight = new TimeChart($("inflight-chart"), { height: 74, windowMs: WINDOW_MS, format: fmt, label: "items in flight", steps: 2 });
wire();
var feed = openFeed({ message: onMessage, state: onState });
// Once a second: the "updated … ago" text, and a running run's duration.
setInterval(function () {
  markDirty("conn");
  var current = currentRun();
  if (current && current.endedAt === undefined) markDirty("runs");
}, 1000);
["overview", "charts", "conn", "empty", "latency", "errors", "runs"].forEach(markDirty);
`;
