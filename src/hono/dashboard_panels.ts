/**
 * The dashboard's panels (browser JavaScript, part of the page's one script): overview, runs,
 * latency, stages and workers, each drawn from the state the snapshots built.
 *
 * @internal
 */
export const DASHBOARD_PANELS: string = String.raw`
var STATUS_CHIPS = ["queued", "in_progress", "retrying", "skipped"];

function renderOverview() {
  var t = totals();
  setText("done", fmt(t.done));
  setText("total", fmt(t.total));
  setText("percent", t.total > 0 ? Math.floor((100 * t.done) / t.total) + "%" : "");
  setText("succeeded", fmt(t.ok));
  setText("failed", fmt(t.failed));
  $("failed").parentNode.classList.toggle("some", t.failed > 0);
  setText("cancelled", fmt(t.cancelled));
  setText("inflight", fmt(t.inflight));
  var rates = currentRates();
  setText("rate", fmtRate(rates.done));
  setText("fail-rate", fmtRate(rates.failed));
  $("bar-ok").style.width = (t.total > 0 ? (100 * t.ok) / t.total : 0) + "%";
  $("bar-fail").style.width = (t.total > 0 ? (100 * t.failed) / t.total : 0) + "%";
  $("bar-cancel").style.width = (t.total > 0 ? (100 * t.cancelled) / t.total : 0) + "%";
  var stats = state.stats || {};
  fill($("status-chips"), STATUS_CHIPS.map(function (s) {
    var chip = el("span", "pill " + s, s.replace("_", " ") + " ");
    chip.appendChild(el("b", "", fmt(stats[s])));
    return chip;
  }));
}

function currentRun() {
  var runs = state.runs;
  for (var i = runs.length - 1; i >= 0; i--) if (runs[i].endedAt === undefined) return runs[i];
  return runs[runs.length - 1];
}

function runText(run) {
  var c = run.counts;
  var parts = [fmt(c.completed) + " completed", fmt(c.failed) + " failed"];
  if (c.skipped) parts.push(fmt(c.skipped) + " skipped");
  if (c.cancelled) parts.push(fmt(c.cancelled) + " cancelled");
  return parts.join(", ");
}

function renderRuns() {
  var current = currentRun();
  var now = Date.now();
  var items = state.runs.slice(-50).reverse().map(function (run) {
    var running = run.endedAt === undefined;
    var li = el("li", "run" + (run === current ? " current" : "") + (running ? " running" : " ended"));
    li.setAttribute("data-run", run.runId);
    var head = el("div", "run-head");
    head.appendChild(el("span", "dot"));
    head.appendChild(el("b", "", "run " + String(run.runId).slice(0, 8)));
    head.appendChild(el("span", "muted", running ? "running" : run.counts.failed ? "ended with failures" : "ended"));
    if (run === current) head.appendChild(el("span", "tag", "current"));
    li.appendChild(head);
    var detail = el("div", "run-detail");
    detail.appendChild(el("span", "", clock(run.startedAt) + (running ? "" : " – " + clock(run.endedAt))));
    detail.appendChild(el("span", "num", fmtMs((running ? now : run.endedAt) - run.startedAt)));
    li.appendChild(detail);
    li.appendChild(el("div", "run-counts", running ? "in progress" : runText(run)));
    return li;
  });
  fill($("runs"), items);
  show("runs-empty", items.length === 0);
  var label = "";
  if (current) {
    label = current.endedAt === undefined
      ? "run " + String(current.runId).slice(0, 8) + " running since " + clock(current.startedAt)
      : "run " + String(current.runId).slice(0, 8) + " ended " + clock(current.endedAt) + ": " + runText(current);
  }
  setText("run", label);
}

function latencyRows() {
  var latency = state.latency;
  var rows = [];
  if (!latency) return rows;
  var view = state.latencyView;
  stageNames().forEach(function (name, index) {
    var series = latency.stages[name];
    var color = stageColor(index);
    if (series) rows.push({ stage: name, label: name, stats: view === "recent" ? series.recent : series, color: color, task: false });
    var tasks = latency.tasks[name] || {};
    Object.keys(tasks).forEach(function (task) {
      var t = tasks[task];
      rows.push({ stage: name, label: task, stats: view === "recent" ? t.recent : t, color: color, task: true });
    });
  });
  return rows;
}

function renderLatency() {
  var rows = latencyRows();
  var lo = Infinity;
  var hi = 0;
  rows.forEach(function (r) {
    if (!r.stats || r.stats.count === 0) return;
    lo = Math.min(lo, r.stats.p50 || 0.001);
    hi = Math.max(hi, r.stats.p99);
  });
  var scale = logScale(lo === Infinity ? 1 : lo / 1.5, hi * 1.5 || 10, 150);
  fill($("latency"), rows.map(function (r) {
    var s = r.stats || { count: 0 };
    var tr = row([{ text: r.task ? "↳ " + r.label : r.label, cls: r.task ? "task" : "stage-name" },
      { text: fmt(s.count), cls: "num muted" }, { text: fmtMs(s.p50), cls: "num" },
      { text: fmtMs(s.p95), cls: "num p95" }, { text: fmtMs(s.p99), cls: "num" },
      { text: fmtMs(s.max), cls: "num muted" }]);
    tr.setAttribute("data-stage", r.stage);
    if (r.task) tr.className = "task-row";
    else tr.setAttribute("data-kind", "stage");
    var range = el("td", "chart-cell");
    range.appendChild(rangeBar(s, scale, r.color, 150));
    range.title = "p50 " + fmtMs(s.p50) + ", p95 " + fmtMs(s.p95) + ", p99 " + fmtMs(s.p99);
    tr.appendChild(range);
    var trend = el("td", "chart-cell");
    if (!r.task) trend.appendChild(sparkline(state.p95History[r.stage] || [], r.color, 90, 22));
    tr.appendChild(trend);
    return tr;
  }));
  show("latency-empty", rows.length === 0);
  var noTasks = state.latency && Object.keys(state.latency.tasks).length === 0 && rows.length > 0;
  show("latency-tasks-note", Boolean(noTasks));
}

function stageNames() {
  if (state.pipe) return Object.keys(state.pipe.pipelineStats.stageStats);
  return state.latency ? Object.keys(state.latency.stages) : [];
}

/** The pipeline as a row of stage boxes: rate, queue, busy workers, done, failed, p95. */
function renderStages() {
  var boxes = [];
  if (state.pipe) {
    var stages = state.pipe.pipelineStats.stageStats;
    var rates = stageRates();
    var latency = state.latency ? state.latency.stages : {};
    var workers = workersByStage();
    Object.keys(stages).forEach(function (name, index) {
      var s = stages[name];
      var color = stageColor(index);
      if (index > 0) boxes.push(el("div", "arrow", "→"));
      var box = el("div", "stage-box");
      box.setAttribute("data-stage", name);
      box.style.borderTopColor = color;
      var head = el("div", "stage-top");
      head.appendChild(el("b", "", name));
      var rate = el("span", "stage-rate num", fmtRate(rates[name] || 0));
      rate.appendChild(el("small", "muted", " items/s"));
      head.appendChild(rate);
      box.appendChild(head);
      var w = workers[name] || { busy: 0, all: 0 };
      var util = el("div", "util");
      var inner = el("div", "");
      inner.style.width = (w.all ? (100 * w.busy) / w.all : 0) + "%";
      inner.style.background = color;
      util.appendChild(inner);
      box.appendChild(util);
      var facts = el("div", "stage-facts");
      [["queued", fmt(s.pendingItems)], ["busy", w.busy + "/" + w.all], ["done", fmt(s.completedItems)],
        ["failed", fmt(s.failedItems)], ["p95", fmtMs(latency[name] ? latency[name].recent.p95 : null)]]
        .forEach(function (f) {
          var cell = el("div", f[0] === "failed" && s.failedItems ? "fact fail" : "fact");
          cell.appendChild(el("b", "num", f[1]));
          cell.appendChild(el("span", "muted", f[0]));
          cell.setAttribute("data-fact", f[0]);
          facts.appendChild(cell);
        });
      box.appendChild(facts);
      boxes.push(box);
    });
  }
  fill($("stages"), boxes);
  show("stages-empty", boxes.length === 0);
}

function workersByStage() {
  var out = {};
  var states = state.pipe ? state.pipe.workerStates : {};
  Object.keys(states).forEach(function (name) {
    var w = states[name];
    var entry = out[w.stage] || (out[w.stage] = { busy: 0, all: 0 });
    entry.all++;
    if (w.status === "busy") entry.busy++;
  });
  return out;
}

function renderWorkers() {
  var rows = [];
  if (state.pipe) {
    var metrics = state.pipe.workerMetrics || {};
    var workers = state.pipe.workerStates;
    var now = state.pipe.timestamp;
    var add = function (name, label) {
      var w = workers[name];
      var busy = w.status === "busy";
      var m = metrics[name] || {};
      rows.push([{ text: label }, { text: w.status, cls: busy ? "busy" : "idle" },
        { text: busy ? w.currentItemId : "", cls: "mono" }, { text: busy ? w.currentTask : "", cls: "msg" },
        { text: busy && w.processingSince ? fmtMs(now - w.processingSince) : "", cls: "num" },
        { text: fmt(m.itemsProcessed), cls: "num" }, { text: fmt(m.itemsFailed), cls: "num" + (m.itemsFailed ? " fail" : "") },
        { text: m.itemsProcessed ? fmtMs(m.avgProcessingTime) : "", cls: "num" }]);
    };
    // A cluster view (ClusterTracker.view) groups the workers by process, and keeps a process
    // that went away listed, with when.
    if (state.pipe.processes) {
      state.pipe.processes.forEach(function (p) {
        var where = [p.host, p.pid].filter(function (x) { return x !== null && x !== undefined; }).join(" pid ");
        var live = p.state === "live";
        rows.push([{ text: p.process, cls: "proc" }, { text: live ? "live" : p.state, cls: live ? "busy" : "fail gone" },
          { text: where, cls: "muted" }, { text: live ? "stages: " + p.stages.join(", ") : "went away " + ago(now - p.goneAt), cls: "msg" + (live ? "" : " fail") },
          { text: live ? p.workers + " workers" : "", cls: "num" }, { text: "" }, { text: "" }, { text: "" }]);
        Object.keys(workers).forEach(function (name) {
          if (workers[name].process === p.process) add(name, "\u2003" + name.slice(p.process.length + 1));
        });
      });
    } else {
      Object.keys(workers).forEach(function (name) { add(name, name); });
    }
  }
  syncRows($("workers"), rows);
}
`;
