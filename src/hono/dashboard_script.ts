/**
 * The dashboard's JavaScript (inline in the page; plain ES2020, no template literals so it can live
 * in this string). Every text reaches the DOM through `textContent`.
 *
 * @internal
 */
export const DASHBOARD_SCRIPT = `
"use strict";
(function () {
  var STATUSES = ["queued", "in_progress", "completed", "failed", "retrying", "skipped", "cancelled"];
  var MAX_FAILURES = 200;
  var SHOWN_FAILURES = 20;
  // The routes' base path, so that the page works under any mount path, with or without "/".
  var base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  var state = { stats: null, pipe: null, failures: new Map(), retries: 0, rate: 0, prev: null };
  var source = null;
  var lastEventId = "";
  var refetchTimer = 0;
  var renderPending = false;

  function $(id) { return document.getElementById(id); }
  function fmt(n) { return Number(n || 0).toLocaleString("en-US"); }
  function setText(id, text) { $(id).textContent = String(text); }
  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.textContent = c.text === undefined || c.text === null ? "" : String(c.text);
      if (c.cls) td.className = c.cls;
      tr.appendChild(td);
    });
    return tr;
  }
  function duration(ms) {
    if (!(ms >= 0)) return "";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return Math.floor(ms / 60000) + " min " + Math.round((ms % 60000) / 1000) + " s";
  }
  function clock(ts) { return new Date(ts).toLocaleTimeString(); }

  function totals() {
    if (state.pipe) {
      var p = state.pipe.pipelineStats;
      var done = p.itemsProcessed + p.itemsFailed + p.itemsCancelled;
      return { ok: p.itemsProcessed, failed: p.itemsFailed, cancelled: p.itemsCancelled,
        inflight: p.itemsInFlight, done: done, total: done + p.itemsInFlight };
    }
    var s = state.stats || {};
    var ok = (s.completed || 0) + (s.skipped || 0);
    var failed = s.failed || 0, cancelled = s.cancelled || 0;
    var inflight = (s.queued || 0) + (s.in_progress || 0) + (s.retrying || 0);
    var finished = ok + failed + cancelled;
    return { ok: ok, failed: failed, cancelled: cancelled, inflight: inflight, done: finished,
      total: finished + inflight };
  }

  function updateRate(t) {
    var now = Date.now();
    if (state.prev && now - state.prev.at >= 250) {
      var instant = (t.done - state.prev.done) / ((now - state.prev.at) / 1000);
      state.rate = state.rate * 0.6 + Math.max(0, instant) * 0.4;
      state.prev = { done: t.done, at: now };
    } else if (!state.prev) {
      state.prev = { done: t.done, at: now };
    }
  }

  function render() {
    var t = totals();
    setText("done", fmt(t.done));
    setText("total", fmt(t.total));
    setText("percent", t.total > 0 ? "(" + Math.floor((100 * t.done) / t.total) + "%)" : "");
    setText("succeeded", fmt(t.ok));
    setText("failed", fmt(t.failed));
    setText("cancelled", fmt(t.cancelled));
    setText("inflight", fmt(t.inflight));
    setText("rate", state.rate.toFixed(1));
    setText("retries", fmt(state.retries));
    $("bar-ok").style.width = (t.total > 0 ? (100 * t.ok) / t.total : 0) + "%";
    $("bar-fail").style.width = (t.total > 0 ? (100 * (t.failed + t.cancelled)) / t.total : 0) + "%";
    setText("updated", "updated " + new Date().toLocaleTimeString());

    var stats = state.stats || {};
    $("statuses").replaceChildren.apply($("statuses"), STATUSES.map(function (s) {
      return row([{ text: s }, { text: fmt(stats[s]), cls: s === "failed" && stats[s] ? "fail" : "" }]);
    }));

    var stageRows = [];
    var workerRows = [];
    if (state.pipe) {
      var stages = state.pipe.pipelineStats.stageStats;
      Object.keys(stages).forEach(function (name) {
        var s = stages[name];
        stageRows.push(row([{ text: name }, { text: fmt(s.pendingItems) },
          { text: fmt(s.inProgressItems) }, { text: fmt(s.completedItems) },
          { text: fmt(s.failedItems), cls: s.failedItems ? "fail" : "" }]));
      });
      var metrics = state.pipe.workerMetrics || {};
      var workers = state.pipe.workerStates;
      var now = state.pipe.timestamp;
      Object.keys(workers).forEach(function (name) {
        var w = workers[name];
        var busy = w.status === "busy";
        workerRows.push(row([{ text: name }, { text: w.status, cls: busy ? "busy" : "idle" },
          { text: busy ? w.currentItemId : "" }, { text: busy ? w.currentTask : "" },
          { text: busy && w.processingSince ? duration(now - w.processingSince) : "" },
          { text: fmt(metrics[name] ? metrics[name].itemsProcessed : 0) }]));
      });
    }
    $("stages").replaceChildren.apply($("stages"), stageRows);
    $("workers").replaceChildren.apply($("workers"), workerRows);

    var failures = Array.from(state.failures.values())
      .sort(function (a, b) { return b.timestamp - a.timestamp; }).slice(0, SHOWN_FAILURES);
    $("failures").replaceChildren.apply($("failures"), failures.map(function (f) {
      return row([{ text: clock(f.timestamp) }, { text: f.itemId }, { text: f.stage },
        { text: f.errorType, cls: "fail" }, { text: f.error, cls: "msg" }]);
    }));
  }

  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(function () { renderPending = false; render(); });
  }

  function addFailure(f) {
    var key = String(f.itemId);
    state.failures.delete(key);
    state.failures.set(key, f);
    if (state.failures.size > MAX_FAILURES) {
      state.failures.delete(state.failures.keys().next().value);
    }
  }

  function onSnapshot(data) {
    state.stats = data.stats;
    state.pipe = data.pipeline;
    if (data.pipeline && data.pipeline.errorSummary) {
      state.failures = new Map();
      data.pipeline.errorSummary.failedItems.slice(-MAX_FAILURES).forEach(addFailure);
    }
    updateRate(totals());
    render();
  }

  // Without a pipeline the server sends no periodic snapshot: fetch one, at most once a second.
  function scheduleRefetch() {
    if (state.pipe || refetchTimer) return;
    refetchTimer = setTimeout(function () {
      fetch(base + "snapshot", { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { refetchTimer = 0; if (data) onSnapshot(data); })
        .catch(function () { refetchTimer = 0; });
    }, 1000);
  }

  function setConn(cls, text) {
    var el = $("conn");
    el.className = "badge " + cls;
    el.textContent = text;
  }

  // The latest run (runstart / runend): "run 1a2b3c4d running since 12:00:01", or how it ended.
  function showRun(run) {
    var name = "run " + String(run.runId).slice(0, 8);
    var c = run.counts;
    var text = run.endedAt === undefined
      ? name + " running since " + clock(run.startedAt)
      : name + " ended " + clock(run.endedAt) + ": " + fmt(c.completed) + " completed, " +
        fmt(c.failed) + " failed" + (c.skipped ? ", " + fmt(c.skipped) + " skipped" : "") +
        (c.cancelled ? ", " + fmt(c.cancelled) + " cancelled" : "");
    setText("run", text);
  }

  function track(e) { if (e.lastEventId) lastEventId = e.lastEventId; }

  function connect() {
    var url = base + "events";
    if (lastEventId) url += "?lastEventId=" + encodeURIComponent(lastEventId);
    source = new EventSource(url);
    source.onopen = function () { setConn("live", "live"); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (e.g. 503 or 401): EventSource gives up, so try again ourselves.
        setConn("down", "disconnected, retrying");
        source.close();
        setTimeout(connect, 5000);
      } else {
        setConn("wait", "reconnecting…");
      }
    };
    source.addEventListener("snapshot", function (e) { onSnapshot(JSON.parse(e.data)); });
    source.addEventListener("reset", function () { state.failures = new Map(); });
    source.addEventListener("status", function (e) {
      track(e);
      var d = JSON.parse(e.data);
      if (d.status === "retrying") state.retries++;
      if (d.status === "failed") {
        addFailure({ itemId: d.itemId, stage: d.stage, errorType: d.metadata.errorType,
          error: d.metadata.error, timestamp: d.timestamp });
        scheduleRender();
      }
      scheduleRefetch();
    });
    ["taskstart", "taskcomplete", "taskretry", "taskfail"].forEach(function (type) {
      source.addEventListener(type, track);
    });
    source.addEventListener("runstart", function (e) { track(e); showRun(JSON.parse(e.data)); });
    source.addEventListener("runend", function (e) { track(e); showRun(JSON.parse(e.data)); });
  }

  render();
  connect();
})();
`;
