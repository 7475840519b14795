/**
 * The dashboard's charts, drawn as SVG (browser JavaScript, part of the page's one script): a
 * scrolling time chart (its paths are rebuilt only when data arrives; in between, a linear CSS
 * transform animation slides them left, which the browser's compositor runs without the page's
 * script, so it stays smooth whatever the event rate), sparklines and latency range bars.
 *
 * @internal
 */
export const DASHBOARD_CHART: string = String.raw`
var chartIds = 0;

/**
 * A time chart in container (a div): the last windowMs, newest at the right. options: height,
 * format(y) for the axis, area (fill the first series).
 */
function TimeChart(container, options) {
  this.container = container;
  this.options = options;
  this.series = [];
  this.builtAt = 0;
  this.width = 0;
  this.id = "chart" + (++chartIds);
  this.layout();
}
TimeChart.prototype.margin = { left: 46, right: 10, top: 8, bottom: 20 };
TimeChart.prototype.layout = function () {
  var width = Math.max(200, Math.floor(this.container.clientWidth));
  if (width === this.width) return;
  this.width = width;
  var m = this.margin;
  var h = this.options.height;
  this.plotW = width - m.left - m.right;
  this.plotH = h - m.top - m.bottom;
  var root = svgEl("svg", { width: width, height: h, viewBox: "0 0 " + width + " " + h, role: "img" });
  root.setAttribute("aria-label", this.options.label);
  this.grid = svgEl("g", { "class": "grid" });
  root.appendChild(this.grid);
  this.xAxis = svgEl("g", {});
  root.appendChild(this.xAxis);
  this.empty = svgEl("text", { x: m.left + this.plotW / 2, y: m.top + this.plotH / 2 + 4, "text-anchor": "middle", "class": "empty-text" });
  this.empty.textContent = "waiting for data";
  root.appendChild(this.empty);
  // The lines live in their own layer: a clipping viewport over the plot, and a scroller in it.
  var viewport = el("div", "viewport");
  viewport.style.left = m.left + "px";
  viewport.style.width = this.plotW + "px";
  viewport.style.height = h - m.bottom + "px";
  this.scroller = el("div", "scroller");
  this.lines = svgEl("svg", { width: this.plotW, height: h - m.bottom, "class": "lines" });
  this.scroll = svgEl("g", { "class": "scroll" });
  this.lines.appendChild(this.scroll);
  this.scroller.appendChild(this.lines);
  viewport.appendChild(this.scroller);
  fill(this.container, [root, viewport]);
  this.root = root;
  this.axisFor = 0;
  this.draw(this.series);
};
/** The x axis: a line and a label every 2 s, 5 s, 10 s, 30 s or minute back from "now". */
TimeChart.prototype.drawXAxis = function () {
  var windowMs = this.options.windowMs;
  if (this.axisFor === windowMs) return;
  this.axisFor = windowMs;
  var m = this.margin;
  var h = this.options.height;
  var step = windowMs <= 10000 ? 2000 : windowMs <= 30000 ? 5000 : windowMs <= 60000 ? 10000 : windowMs <= 180000 ? 30000 : 60000;
  var items = [];
  for (var back = 0; back <= windowMs; back += step) {
    var x = m.left + this.plotW * (1 - back / windowMs);
    var label = svgEl("text", { x: x, y: h - 5, "text-anchor": back === 0 ? "end" : back === windowMs ? "start" : "middle", "class": "axis" });
    label.textContent = back === 0 ? "now" : back < 120000 ? "-" + back / 1000 + " s" : "-" + back / 60000 + " min";
    items.push(label);
    items.push(svgEl("line", { x1: x, x2: x, y1: m.top, y2: h - m.bottom, "class": "vgrid" }));
  }
  fill(this.xAxis, items);
};
/** series: [{ key, color, dash, area, points: [[t, y], …] }] (points oldest first). */
TimeChart.prototype.draw = function (series) {
  this.series = series;
  var now = Date.now();
  var windowMs = this.options.windowMs;
  var from = now - windowMs;
  var max = 0;
  series.forEach(function (s) {
    s.points.forEach(function (p) { if (p[0] >= from && p[1] > max) max = p[1]; });
  });
  var top = niceCeil(max * 1.1);
  this.drawGrid(top);
  this.drawXAxis();
  var m = this.margin;
  var pw = this.plotW;
  var ph = this.plotH;
  var right = pw;
  var bottom = m.top + ph;
  this.builtAt = now;
  var paths = [];
  series.forEach(function (s) {
    var d = "";
    var firstX = null;
    var lastX = null;
    var prevT = null;
    s.points.forEach(function (p, i) {
      var next = s.points[i + 1];
      if (next !== undefined && next[0] < from) return; // off the chart, and so is the next
      var x = right + ((p[0] - now) * pw) / windowMs;
      var y = bottom - (Math.min(p[1], top) * ph) / top;
      var gap = prevT === null || p[0] - prevT > 6000;
      d += (gap ? "M" : "L") + x.toFixed(1) + " " + y.toFixed(1);
      if (firstX === null) firstX = x;
      lastX = x;
      prevT = p[0];
    });
    if (d === "") return;
    if (s.area) {
      var area = svgEl("path", { d: d + "L" + lastX.toFixed(1) + " " + bottom + "L" + firstX.toFixed(1) + " " + bottom + "Z",
        fill: s.color, "fill-opacity": 0.16, stroke: "none" });
      paths.push(area);
    }
    var line = svgEl("path", { d: d, fill: "none", stroke: s.color, "stroke-width": s.width || 1.8,
      "stroke-linejoin": "round", "stroke-linecap": "round" });
    if (s.dash) line.setAttribute("stroke-dasharray", s.dash);
    line.setAttribute("data-series", s.key);
    paths.push(line);
  });
  fill(this.scroll, paths);
  this.empty.style.display = paths.length === 0 ? "" : "none";
  this.slide();
};
TimeChart.prototype.drawGrid = function (top) {
  var m = this.margin;
  var items = [];
  var format = this.options.format;
  var steps = this.options.steps || 4;
  for (var i = 0; i <= steps; i++) {
    var value = (top * i) / steps;
    var y = m.top + this.plotH - (this.plotH * i) / steps;
    items.push(svgEl("line", { x1: m.left, x2: m.left + this.plotW, y1: y, y2: y, "class": i === 0 ? "base" : "hgrid" }));
    var label = svgEl("text", { x: m.left - 6, y: y + 4, "text-anchor": "end", "class": "axis" });
    label.textContent = format(value);
    items.push(label);
  }
  fill(this.grid, items);
};
/**
 * Slides the lines left at the speed of time, from where they were drawn (now) for a whole window:
 * a compositor animation, restarted by each draw.
 */
TimeChart.prototype.slide = function () {
  if (this.animation) this.animation.cancel();
  if (typeof this.scroller.animate !== "function") return;
  this.animation = this.scroller.animate(
    [{ transform: "translateX(0px)" }, { transform: "translateX(" + (-this.plotW) + "px)" }],
    { duration: this.options.windowMs, easing: "linear", fill: "forwards" },
  );
};

/** A small line chart of values (oldest first), scaled from 0 to their max. */
function sparkline(values, color, width, height) {
  var root = svgEl("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, "class": "spark" });
  if (values.length < 2) return root;
  var max = Math.max.apply(null, values) || 1;
  var d = "";
  values.forEach(function (v, i) {
    var x = (i * (width - 2)) / (values.length - 1) + 1;
    var y = height - 2 - ((height - 4) * v) / max;
    d += (i === 0 ? "M" : "L") + x.toFixed(1) + " " + y.toFixed(1);
  });
  root.appendChild(svgEl("path", { d: d, fill: "none", stroke: color, "stroke-width": 1.4 }));
  return root;
}

/** A log-scale axis over [lo, hi] ms mapped to [0, width]. */
function logScale(lo, hi, width) {
  var a = Math.log10(Math.max(lo, 0.001));
  var b = Math.log10(Math.max(hi, lo * 10, 0.01));
  return function (ms) {
    var v = Math.log10(Math.max(ms, 0.001));
    return Math.max(0, Math.min(width, ((v - a) * width) / (b - a)));
  };
}

/** p50 dot, p50–p95 bar, p95–p99 whisker, on a shared log scale. */
function rangeBar(stats, scale, color, width) {
  var h = 16;
  var root = svgEl("svg", { width: width, height: h, viewBox: "0 0 " + width + " " + h, "class": "range" });
  root.appendChild(svgEl("line", { x1: 0, x2: width, y1: h / 2, y2: h / 2, "class": "track" }));
  if (!stats || stats.count === 0) return root;
  var x50 = scale(stats.p50);
  var x95 = scale(stats.p95);
  var x99 = scale(stats.p99);
  root.appendChild(svgEl("line", { x1: x95, x2: x99, y1: h / 2, y2: h / 2, stroke: color, "stroke-width": 2, "stroke-opacity": 0.6 }));
  root.appendChild(svgEl("line", { x1: x99, x2: x99, y1: 3, y2: h - 3, stroke: color, "stroke-width": 2 }));
  root.appendChild(svgEl("rect", { x: x50, y: 4, width: Math.max(2, x95 - x50), height: h - 8, rx: 2, fill: color, "fill-opacity": 0.55 }));
  root.appendChild(svgEl("circle", { cx: x50, cy: h / 2, r: 4, fill: color, "class": "dot" }));
  return root;
}
`;
