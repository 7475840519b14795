/**
 * The dashboard's error groups (browser JavaScript, part of the page's one script): failures
 * grouped by error type and stage, built from the failed items of a connection's first snapshot
 * and kept up to date by the `failed` events; whenever their sum differs from the tracker's
 * failed count (an item fed again, failures the tracker no longer keeps), the groups are rebuilt
 * from `GET errors`, and failures no longer kept by the tracker (`maxItems`) are shown per type.
 *
 * @internal
 */
export const DASHBOARD_ERRORS: string = String.raw`
var GROUP_ITEMS = 200;
var errorsRefetch = { pending: false, at: 0 };

function groupKey(type, stage) { return type + "\u0001" + (stage === null ? "" : stage); }

function resetGroups() {
  state.groups = new Map();
  state.failedIds = new Map();
}

/** f: { itemId, stage, errorType, error, attempts, timestamp }. */
function addFailure(f) {
  var id = String(f.itemId);
  var type = f.errorType || "Error";
  var key = groupKey(type, f.stage);
  var before = state.failedIds.get(id);
  if (before !== undefined) {
    var old = state.groups.get(before);
    if (old) {
      old.count--;
      old.items = old.items.filter(function (item) { return String(item.itemId) !== id; });
      if (old.count <= 0 && !old.evicted) state.groups.delete(before);
    }
  }
  var group = state.groups.get(key);
  if (!group) {
    group = { key: key, type: type, stage: f.stage, count: 0, items: [], latest: 0, evicted: false };
    state.groups.set(key, group);
  }
  group.count++;
  group.items.unshift(f);
  if (group.items.length > GROUP_ITEMS) group.items.length = GROUP_ITEMS;
  if (f.timestamp > group.latest) group.latest = f.timestamp;
  state.failedIds.set(id, key);
}

/** Rebuilds every group from a full list of failed items and the exact counts by type. */
function rebuildGroups(failedItems, errors) {
  resetGroups();
  failedItems.slice().sort(function (a, b) { return a.timestamp - b.timestamp; }).forEach(addFailure);
  var listed = {};
  state.groups.forEach(function (g) { listed[g.type] = (listed[g.type] || 0) + g.count; });
  var byType = errors ? errors.errorsByType : {};
  Object.keys(byType).forEach(function (type) {
    var missing = byType[type] - (listed[type] || 0);
    if (missing <= 0) return;
    state.groups.set(groupKey(type, "\u0002"), { key: groupKey(type, "\u0002"), type: type, stage: null,
      count: missing, items: [], latest: 0, evicted: true });
  });
}

function groupSum() {
  var sum = 0;
  state.groups.forEach(function (g) { sum += g.count; });
  return sum;
}

/** After a snapshot: when the groups disagree with the failed count, ask for the full list. */
function reconcileGroups(errors) {
  if (!errors || groupSum() === errors.totalFailed) return;
  var now = Date.now();
  if (errorsRefetch.pending || now - errorsRefetch.at < 3000) return;
  errorsRefetch.pending = true;
  errorsRefetch.at = now;
  getJSON("errors").then(function (full) {
    errorsRefetch.pending = false;
    rebuildGroups(full.failedItems, full);
    markDirty("errors");
  }, function () { errorsRefetch.pending = false; });
}

/** What the groups' elements show, to update them in place while the same groups stay. */
var errorsView = { signature: "", parts: new Map() };

function renderErrors() {
  var groups = Array.from(state.groups.values()).sort(function (a, b) { return b.count - a.count || b.latest - a.latest; });
  var total = groupSum();
  setText("errors-total", total ? fmt(total) + " failed in " + groups.length + (groups.length === 1 ? " group" : " groups") : "");
  show("errors-empty", groups.length === 0);
  var open = groups.filter(function (g) { return g.key === state.openGroup; })[0];
  var signature = groups.map(function (g) { return g.key; }).join("") + "" + state.openGroup +
    (open ? "" + open.count : "");
  var max = groups.reduce(function (m, g) { return Math.max(m, g.count); }, 0);
  if (signature !== errorsView.signature) {
    errorsView.signature = signature;
    errorsView.parts = new Map();
    var children = [];
    groups.forEach(function (g) {
      children.push(groupButton(g));
      if (g === open) children.push(groupItems(g));
    });
    fill($("groups"), children);
  }
  groups.forEach(function (g) { updateGroup(g, max); });
}

/** A group's button (its changing parts are filled in by updateGroup). */
function groupButton(g) {
  var open = state.openGroup === g.key;
  var button = el("button", "group" + (open ? " open" : ""));
  button.type = "button";
  button.setAttribute("data-group", g.key);
  button.setAttribute("aria-expanded", open ? "true" : "false");
  var head = el("div", "group-head");
  head.appendChild(el("span", "etype", g.type));
  head.appendChild(el("span", "muted", g.evicted ? "older, no longer kept" : "in"));
  if (!g.evicted) head.appendChild(el("span", "stage-tag", g.stage === null ? "(no stage)" : g.stage));
  var count = el("span", "gcount num");
  head.appendChild(count);
  button.appendChild(head);
  var bar = el("div", "gbar");
  var inner = el("div", "");
  bar.appendChild(inner);
  button.appendChild(bar);
  var line = el("div", "gmsg");
  var msg = el("span", "msg");
  var when = el("span", "muted when");
  line.appendChild(msg);
  line.appendChild(when);
  button.appendChild(line);
  errorsView.parts.set(g.key, { button: button, count: count, inner: inner, line: line, msg: msg, when: when });
  return button;
}

function updateGroup(g, max) {
  var p = errorsView.parts.get(g.key);
  if (!p) return;
  var count = String(g.count);
  if (p.button.getAttribute("data-count") !== count) p.button.setAttribute("data-count", count);
  if (p.count.textContent !== fmt(g.count)) p.count.textContent = fmt(g.count);
  var width = (max ? Math.round((1000 * g.count) / max) / 10 : 0) + "%";
  if (p.inner.style.width !== width) p.inner.style.width = width;
  var latest = g.items[0];
  p.line.hidden = !latest;
  if (!latest) return;
  var message = latest.error === undefined || latest.error === null ? "" : String(latest.error);
  if (p.msg.textContent !== message) p.msg.textContent = message;
  var when = ago(Date.now() - latest.timestamp);
  if (p.when.textContent !== when) p.when.textContent = when;
}

function groupItems(g) {
  var box = el("div", "group-items");
  if (g.items.length === 0) {
    box.appendChild(el("p", "muted", "The tracker no longer keeps these items (maxItems)."));
    return box;
  }
  var table = el("table", "");
  var body = el("tbody", "");
  g.items.forEach(function (f) {
    var tr = el("tr", "");
    var idCell = el("td", "");
    var link = el("button", "link mono", String(f.itemId));
    link.type = "button";
    link.setAttribute("data-item", String(f.itemId));
    idCell.appendChild(link);
    tr.appendChild(idCell);
    tr.appendChild(el("td", "muted", clock(f.timestamp)));
    tr.appendChild(el("td", "num muted", f.attempts ? f.attempts + "×" : ""));
    tr.appendChild(el("td", "msg", f.error));
    body.appendChild(tr);
  });
  table.appendChild(body);
  box.appendChild(table);
  if (g.count > g.items.length) box.appendChild(el("p", "muted", "showing the newest " + g.items.length + " of " + fmt(g.count)));
  return box;
}
`;
