/**
 * The dashboard's item lookup (browser JavaScript, part of the page's one script): an item's
 * history from `GET items/:id`, drawn as a timeline (one bar per stage visit: waiting in the
 * queue, then working, with its retries) above the list of its status events.
 *
 * @internal
 */
export const DASHBOARD_LOOKUP: string = String.raw`
var lookupState = { id: null, seq: 0, timer: 0 };
var TERMINAL = { failed: true, cancelled: true };

function lookup(raw) {
  var id = String(raw).trim();
  clearTimeout(lookupState.timer);
  if (id === "") { closeLookup(); return; }
  var seq = ++lookupState.seq;
  lookupState.id = id;
  show("lookup-card", true);
  setText("lookup-title", id);
  getJSON("items/" + encodeURIComponent(id)).then(function (history) {
    if (seq !== lookupState.seq) return;
    renderTimeline(history);
    if (!finished(history)) lookupState.timer = setTimeout(function () { if (seq === lookupState.seq) lookup(id); }, 1000);
  }, function (error) {
    if (seq !== lookupState.seq) return;
    fill($("lookup-body"), [el("p", "muted notfound", error.status === 404
      ? "No tracked item has this id (never seen, or evicted by the tracker's maxItems)."
      : "Could not load the item: " + error.message)]);
    setText("lookup-summary", "");
  });
}

function closeLookup() {
  lookupState.seq++;
  lookupState.id = null;
  clearTimeout(lookupState.timer);
  show("lookup-card", false);
}

function finished(history) {
  var last = history[history.length - 1];
  if (!last) return true;
  if (TERMINAL[last.status]) return true;
  var names = stageNames();
  var final = names[names.length - 1];
  return (last.status === "completed" || last.status === "skipped") && (final === undefined || last.stage === final);
}

/** Stage visits: { stage, queued, start, end, status, retries: [t], worker }. */
function visits(history) {
  var out = [];
  var current = null;
  history.forEach(function (e) {
    if (!current || current.stage !== e.stage || (e.status === "queued" && current.status !== "queued")) {
      current = { stage: e.stage, queued: null, start: null, end: null, status: e.status, retries: [], worker: null };
      out.push(current);
    }
    if (e.status === "queued") current.queued = e.timestamp;
    else if (e.status === "in_progress" && current.start === null) current.start = e.timestamp;
    else if (e.status === "retrying") current.retries.push(e.timestamp);
    if (e.worker) current.worker = e.worker;
    if (e.status !== "queued" && e.status !== "in_progress" && e.status !== "retrying") current.end = e.timestamp;
    current.status = e.status;
  });
  return out;
}

function renderTimeline(history) {
  var first = history[0];
  var last = history[history.length - 1];
  var done = finished(history);
  var endAt = done ? last.timestamp : Math.max(Date.now(), last.timestamp);
  var summary = $("lookup-summary");
  var pill = el("span", "pill " + last.status, last.status.replace("_", " "));
  var retries = history.filter(function (e) { return e.status === "retrying"; }).length;
  var text = (done ? "took " : "running for ") + fmtMs(endAt - first.timestamp) + " · " +
    visits(history).length + " stage visits · " + retries + (retries === 1 ? " retry" : " retries") +
    " · first seen " + clockMs(first.timestamp);
  fill(summary, [pill, el("span", "muted", text)]);
  fill($("lookup-body"), [gantt(history, first.timestamp, endAt), legend(), eventTable(history)]);
}

function gantt(history, t0, t1) {
  var list = visits(history);
  var width = Math.max(300, $("lookup-body").clientWidth - 4);
  var label = 120;
  var right = 170;
  var rowH = 24;
  var height = list.length * rowH + 22;
  var span = Math.max(t1 - t0, 1);
  var plot = width - label - right;
  function x(t) { return label + ((t - t0) * plot) / span; }
  var root = svgEl("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, "class": "gantt" });
  var names = stageNames();
  list.forEach(function (v, i) {
    var y = i * rowH + 4;
    var color = v.status === "failed" ? "#d64545" : v.status === "cancelled" ? "#8a8f98" : stageColor(Math.max(0, names.indexOf(v.stage)));
    var name = svgEl("text", { x: 0, y: y + 13, "class": "glabel" });
    name.textContent = v.stage === null ? "(no stage)" : v.stage;
    root.appendChild(name);
    root.appendChild(svgEl("line", { x1: label, x2: label + plot, y1: y + 9, y2: y + 9, "class": "track" }));
    var start = v.start === null ? (v.end === null ? t1 : v.end) : v.start;
    if (v.queued !== null) root.appendChild(svgEl("rect", { x: x(v.queued), y: y + 5, width: Math.max(1, x(start) - x(v.queued)), height: 8, "class": "wait" }));
    var end = v.end === null ? t1 : v.end;
    if (v.start !== null) root.appendChild(svgEl("rect", { x: x(v.start), y: y + 2, width: Math.max(2, x(end) - x(v.start)), height: 14, rx: 3, fill: color }));
    v.retries.forEach(function (t) { root.appendChild(svgEl("line", { x1: x(t), x2: x(t), y1: y, y2: y + 18, "class": "retry" })); });
    var took = svgEl("text", { x: width - 2, y: y + 13, "text-anchor": "end", "class": "gtime" });
    var waited = v.queued !== null && v.start !== null ? " · waited " + fmtMs(v.start - v.queued) : "";
    took.textContent = v.start === null ? v.status : fmtMs(end - v.start) + (v.end === null ? "…" : "") + waited;
    root.appendChild(took);
  });
  var axis = svgEl("text", { x: label + plot, y: height - 4, "text-anchor": "end", "class": "axis" });
  axis.textContent = "+" + fmtMs(span);
  root.appendChild(axis);
  var zero = svgEl("text", { x: label, y: height - 4, "class": "axis" });
  zero.textContent = "0";
  root.appendChild(zero);
  return root;
}

function legend() {
  var box = el("div", "legend");
  [["lw", "waiting in the queue"], ["lb", "working (attempts and retry waits; red: failed)"], ["lr", "retry"]].forEach(function (l) {
    var span = el("span", "");
    span.appendChild(el("i", l[0]));
    span.appendChild(document.createTextNode(l[1]));
    box.appendChild(span);
  });
  return box;
}

function eventTable(history) {
  var table = el("table", "events");
  var head = el("thead", "");
  head.appendChild(row(["time", "since first", "stage", "status", "worker", "attempt", "error"].map(function (h) { return { text: h }; })));
  head.querySelectorAll("td").forEach(function (td) { var th = el("th", "", td.textContent); td.replaceWith(th); });
  table.appendChild(head);
  var body = el("tbody", "");
  var t0 = history[0].timestamp;
  history.forEach(function (e) {
    var m = e.metadata || {};
    var error = m.error === undefined ? "" : (m.errorType ? m.errorType + ": " : "") + m.error;
    var tr = row([{ text: clockMs(e.timestamp), cls: "mono muted" }, { text: "+" + fmtMs(e.timestamp - t0), cls: "num muted" },
      { text: e.stage }, { text: "" }, { text: e.worker || "", cls: "mono" },
      { text: m.attempt === undefined ? "" : m.attempt, cls: "num" }, { text: error, cls: "msg fail" }]);
    tr.children[3].appendChild(el("span", "pill " + e.status, e.status.replace("_", " ")));
    body.appendChild(tr);
  });
  table.appendChild(body);
  return table;
}
`;
