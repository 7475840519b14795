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

function renderErrors() {
  var groups = Array.from(state.groups.values()).sort(function (a, b) { return b.count - a.count || b.latest - a.latest; });
  var total = groupSum();
  setText("errors-total", total ? fmt(total) + " failed in " + groups.length + (groups.length === 1 ? " group" : " groups") : "");
  var max = groups.reduce(function (m, g) { return Math.max(m, g.count); }, 0);
  var children = [];
  groups.forEach(function (g) {
    var open = state.openGroup === g.key;
    var button = el("button", "group" + (open ? " open" : ""));
    button.type = "button";
    button.setAttribute("data-group", g.key);
    button.setAttribute("data-count", String(g.count));
    button.setAttribute("aria-expanded", open ? "true" : "false");
    var head = el("div", "group-head");
    head.appendChild(el("span", "etype", g.type));
    head.appendChild(el("span", "muted", g.evicted ? "older, no longer kept" : "in"));
    if (!g.evicted) head.appendChild(el("span", "stage-tag", g.stage === null ? "(no stage)" : g.stage));
    head.appendChild(el("span", "gcount num", fmt(g.count)));
    button.appendChild(head);
    var bar = el("div", "gbar");
    var inner = el("div", "");
    inner.style.width = (max ? (100 * g.count) / max : 0) + "%";
    bar.appendChild(inner);
    button.appendChild(bar);
    var latest = g.items[0];
    if (latest) {
      var line = el("div", "gmsg");
      line.appendChild(el("span", "msg", latest.error));
      line.appendChild(el("span", "muted when", ago(Date.now() - latest.timestamp)));
      button.appendChild(line);
    }
    children.push(button);
    if (open) children.push(groupItems(g));
  });
  fill($("groups"), children);
  show("errors-empty", groups.length === 0);
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
