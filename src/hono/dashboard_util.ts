/**
 * The dashboard's DOM and formatting helpers (browser JavaScript, part of the page's one script).
 * Every text reaches the DOM through `textContent` or an SVG attribute set with `setAttribute`:
 * nothing is ever parsed as HTML.
 *
 * @internal
 */
export const DASHBOARD_UTIL: string = String.raw`
var SVGNS = "http://www.w3.org/2000/svg";
var PALETTE = ["#7c5cd6", "#14a38b", "#e08a1e", "#c2497f", "#3f8fd2", "#8a9a2b", "#b5651d", "#5f6caf"];

function $(id) { return document.getElementById(id); }
function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function svgEl(tag, attrs) {
  var node = document.createElementNS(SVGNS, tag);
  for (var key in attrs) node.setAttribute(key, String(attrs[key]));
  return node;
}
function fill(parent, children) { parent.replaceChildren.apply(parent, children); }
function setText(id, text) {
  var node = $(id);
  var value = String(text);
  if (node.textContent !== value) node.textContent = value;
}
function show(id, visible) { $(id).hidden = !visible; }

/** 1234567 → "1,234,567" (toLocaleString is slow enough to matter at a few thousand calls). */
function fmt(n) {
  var value = Math.round(Number(n) || 0);
  var text = String(Math.abs(value));
  if (text.length > 3) text = text.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return value < 0 ? "-" + text : text;
}
function fmtRate(r) {
  if (!(r > 0)) return "0";
  if (r >= 100) return fmt(r);
  return r >= 10 ? r.toFixed(1) : r.toFixed(2);
}
/** A duration in ms, short: 420 µs, 4.2 ms, 42 ms, 4.2 s, 4m 12s, 2h 5m. */
function fmtMs(ms) {
  if (ms === null || ms === undefined || !(ms >= 0)) return "–";
  if (ms === 0) return "0 ms";
  if (ms < 1) return Math.max(1, Math.round(ms * 1000)) + " µs";
  if (ms < 10) return ms.toFixed(1) + " ms";
  if (ms < 1000) return Math.round(ms) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
  if (ms < 3600000) return Math.floor(ms / 60000) + "m " + Math.floor((ms % 60000) / 1000) + "s";
  return Math.floor(ms / 3600000) + "h " + Math.floor((ms % 3600000) / 60000) + "m";
}
function pad(n, width) { return String(n).padStart(width, "0"); }
function clock(ts) {
  var d = new Date(ts);
  return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
}
function clockMs(ts) { return clock(ts) + "." + pad(new Date(ts).getMilliseconds(), 3); }
function ago(ms) {
  if (ms < 1500) return "just now";
  if (ms < 60000) return Math.round(ms / 1000) + " s ago";
  return fmtMs(ms) + " ago";
}
/** A round number >= x for an axis: 1, 2, 5 × 10^k. */
function niceCeil(x) {
  if (!(x > 0)) return 1;
  var power = Math.pow(10, Math.floor(Math.log10(x)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * power >= x) return steps[i] * power;
  return 10 * power;
}
function stageColor(index) { return PALETTE[index % PALETTE.length]; }
/**
 * Makes tbody show rows (each an array of { text, cls }), reusing its rows and cells and writing
 * only what changed: a table redrawn a few times a second costs no new elements.
 */
function syncRows(tbody, rows) {
  var trs = tbody.rows;
  while (trs.length > rows.length) tbody.deleteRow(-1);
  for (var i = 0; i < rows.length; i++) {
    var cells = rows[i];
    var tr = trs[i] || tbody.insertRow(-1);
    while (tr.cells.length > cells.length) tr.deleteCell(-1);
    for (var j = 0; j < cells.length; j++) {
      var td = tr.cells[j] || tr.insertCell(-1);
      var c = cells[j];
      var text = c.text === undefined || c.text === null ? "" : String(c.text);
      if (td.textContent !== text) td.textContent = text;
      var cls = c.cls || "";
      if (td.className !== cls) td.className = cls;
    }
  }
}
/** A table row of cells: { text, cls } each. */
function row(cells) {
  var tr = document.createElement("tr");
  cells.forEach(function (c) {
    var td = el("td", c.cls || "", c.text === undefined || c.text === null ? "" : c.text);
    if (c.title) td.title = String(c.title);
    tr.appendChild(td);
  });
  return tr;
}
`;
