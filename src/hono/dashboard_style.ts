/** The dashboard's CSS (inline in the page). @internal */
export const DASHBOARD_STYLE: string = `
:root { color-scheme: light dark; --bg: #f4f6f9; --card: #fff; --fg: #1c2430; --muted: #6b7482;
  --line: #e3e7ec; --soft: #eef1f5; --ok: #2f9e5b; --fail: #d64545; --warn: #c98a12; --busy: #2d6cdf;
  --accent: #2d6cdf; --shadow: 0 1px 2px rgba(20, 30, 50, .06); }
@media (prefers-color-scheme: dark) { :root { --bg: #10141a; --card: #191f27; --fg: #e5e9ee;
  --muted: #98a2ae; --line: #2a323c; --soft: #222a34; --shadow: none; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg);
  color: var(--fg); }
header { position: sticky; top: 0; z-index: 2; display: flex; align-items: center; gap: 12px;
  padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
h1 { font-size: 17px; margin: 0; display: flex; align-items: center; gap: 8px; letter-spacing: .01em; }
.logo { width: 18px; height: 18px; border-radius: 5px;
  background: linear-gradient(135deg, #2d6cdf 0 50%, #7c5cd6 50% 100%); }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0; }
h3 { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0;
  font-weight: 600; }
.spacer { flex: 1; }
.muted { color: var(--muted); } .small { font-size: 12px; } .stale { color: var(--warn); font-weight: 600; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.run-label { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.badge { padding: 2px 9px; border-radius: 10px; font-size: 12px; color: #fff; white-space: nowrap;
  background: var(--warn); }
.badge.live { background: var(--ok); } .badge.reset { background: #7c5cd6; }
.badge.unauthorized { background: var(--fail); }
.badge.live::before { content: ""; display: inline-block; width: 6px; height: 6px; border-radius: 50%;
  background: #fff; margin-right: 6px; vertical-align: 1px; }
#search input { width: 230px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 7px;
  background: var(--bg); color: var(--fg); font: inherit; }
#search input:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
.auth { display: flex; gap: 10px; align-items: center; padding: 10px 20px; background: #fdecec;
  color: #7a1f1f; border-bottom: 1px solid #f3c4c4; }
.auth input { padding: 5px 8px; border: 1px solid #e4a5a5; border-radius: 6px; }
main { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 14px; padding: 14px 20px 24px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
  box-shadow: var(--shadow); min-width: 0; contain: layout paint; }
/* A card out of view is not laid out or painted until it scrolls in. */
.card.lazy { content-visibility: auto; contain-intrinsic-size: auto 360px; }
.span12 { grid-column: span 12; } .span9 { grid-column: span 9; } .span7 { grid-column: span 7; }
.span5 { grid-column: span 5; } .span3 { grid-column: span 3; }
@media (max-width: 1000px) { .span9, .span7, .span5, .span3 { grid-column: span 12; } }
.card-head { display: flex; align-items: center; gap: 10px; margin-bottom: 10px; flex-wrap: wrap; }
.card-head.sub { margin: 6px 0 2px; }
.notice h2 { margin-bottom: 6px; } .notice p { margin: 0; color: var(--muted); }
code { background: var(--soft); padding: 1px 5px; border-radius: 4px; font-size: 12.5px; }
.overview .progress-line { display: flex; align-items: baseline; justify-content: space-between;
  flex-wrap: wrap; gap: 8px; }
.big { font-size: 26px; font-weight: 600; margin: 0 0 8px; font-variant-numeric: tabular-nums; }
.percent { font-size: 14px; color: var(--muted); font-weight: 500; margin-left: 4px; }
.bar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: var(--soft); }
#bar-ok { background: var(--ok); width: 0; } #bar-fail { background: var(--fail); width: 0; }
#bar-cancel { background: #8a8f98; width: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 28px; margin-top: 12px; }
.chips div { display: flex; flex-direction: column; } .chips b { font-size: 19px; font-variant-numeric: tabular-nums; }
.chips span { color: var(--muted); font-size: 12px; }
.failed-chip.some b { color: var(--fail); }
.status-chips { display: flex; gap: 6px; flex-wrap: wrap; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 12px; background: var(--soft);
  color: var(--fg); white-space: nowrap; }
.pill b { font-variant-numeric: tabular-nums; }
.pill.completed { background: #e3f4ea; color: #1f6e40; } .pill.failed { background: #fbe4e4; color: #a12d2d; }
.pill.retrying { background: #fbf0d9; color: #8a5d05; } .pill.in_progress { background: #e2ebfb; color: #1f4fa8; }
.pill.cancelled { background: #eceef1; color: #555c66; } .pill.skipped { background: #efe9fb; color: #5a3fa6; }
@media (prefers-color-scheme: dark) { .pill.completed, .pill.failed, .pill.retrying, .pill.in_progress,
  .pill.cancelled, .pill.skipped { background: var(--soft); color: var(--fg); } }
.toggles { display: flex; gap: 6px; flex-wrap: wrap; margin-left: auto; }
button { font: inherit; color: inherit; }
.toggle { display: inline-flex; align-items: center; gap: 6px; padding: 2px 9px; border-radius: 12px;
  border: 1px solid var(--line); background: var(--card); cursor: pointer; font-size: 12px; }
.toggle[aria-pressed="false"] { opacity: .45; }
.swatch { display: inline-block; width: 10px; height: 3px; border-radius: 2px; }
.swatch.dashed { background: repeating-linear-gradient(90deg, var(--fail) 0 3px, transparent 3px 5px); }
.chart { position: relative; }
.chart svg { display: block; overflow: visible; }
.chart .viewport { position: absolute; top: 0; overflow: hidden; }
.chart .scroller { will-change: transform; }
.chart .axis, svg .axis { font-size: 10.5px; fill: var(--muted); }
.chart .hgrid, .chart .vgrid { stroke: var(--line); stroke-width: 1; }
.chart .vgrid { stroke-dasharray: 2 4; } .chart .empty-text { fill: var(--muted); font-size: 13px; } .chart .base { stroke: var(--muted); stroke-opacity: .5; }
.segmented { display: inline-flex; border: 1px solid var(--line); border-radius: 7px; overflow: hidden;
  margin-left: auto; }
.segmented button { border: 0; background: var(--card); padding: 2px 10px; font-size: 12px; cursor: pointer; }
.segmented button[aria-pressed="true"] { background: var(--accent); color: #fff; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
th.num, td.num { text-align: right; }
td.msg { white-space: normal; word-break: break-word; }
.stage-name { font-weight: 600; }
.stages { display: flex; align-items: stretch; gap: 8px; overflow-x: auto; }
.stage-box { flex: 1 1 0; min-width: 190px; border: 1px solid var(--line); border-top: 3px solid;
  border-radius: 8px; padding: 9px 12px 10px; }
.stage-top { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
.stage-top b { font-size: 15px; }
.stage-rate { font-size: 17px; font-weight: 700; font-variant-numeric: tabular-nums; }
.stage-rate small { font-size: 11px; font-weight: 400; }
.util { height: 4px; border-radius: 2px; background: var(--soft); margin: 7px 0 8px; overflow: hidden; }
.util div { height: 100%; opacity: .8; }
.stage-facts { display: flex; justify-content: space-between; gap: 6px; }
.fact { display: flex; flex-direction: column; } .fact b { font-size: 14px; font-variant-numeric: tabular-nums; }
.fact span { font-size: 11px; } .fact.fail b { color: var(--fail); }
.arrow { align-self: center; color: var(--muted); font-size: 18px; }
.latency .task-row td { font-size: 12.5px; color: var(--muted); border-bottom-style: dashed; }
.latency .task-row td.num:not(.muted) { color: var(--fg); }
.latency td.p95 { font-weight: 700; }
td.chart-cell { padding-top: 2px; padding-bottom: 2px; }
svg.range .track, svg.gantt .track { stroke: var(--line); stroke-width: 1; }
svg.range .dot { stroke: var(--card); stroke-width: 1.5; }
.busy { color: var(--busy); font-weight: 600; } .idle { color: var(--muted); }
.fail { color: var(--fail); }
.scroll-y { max-height: 300px; overflow-y: auto; }
#workers td.mono { cursor: pointer; text-decoration: underline dotted; }
#workers td.proc { font-weight: 700; padding-top: 10px; }
.runs { list-style: none; margin: 0; padding: 0; max-height: 330px; overflow-y: auto; }
.run { padding: 8px 10px; border-radius: 8px; border: 1px solid transparent; margin-bottom: 4px; }
.run.current { background: var(--soft); border-color: var(--line); }
.run-head { display: flex; align-items: center; gap: 8px; }
.run-detail { display: flex; justify-content: space-between; color: var(--muted); font-size: 12.5px;
  margin-top: 2px; font-variant-numeric: tabular-nums; }
.run-counts { font-size: 12.5px; margin-top: 1px; }
.run .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--ok); }
.run.running .dot { background: var(--busy); box-shadow: 0 0 0 3px rgba(45, 108, 223, .25); }
.tag { margin-left: auto; font-size: 11px; padding: 0 7px; border-radius: 8px; background: var(--accent);
  color: #fff; }
.groups { display: flex; flex-direction: column; gap: 6px; }
.group { display: block; width: 100%; text-align: left; padding: 8px 10px; border: 1px solid var(--line);
  border-radius: 8px; background: var(--card); cursor: pointer; }
.group:hover, .group.open { border-color: var(--fail); }
.group-head { display: flex; align-items: baseline; gap: 6px; }
.etype { font-weight: 700; color: var(--fail); }
.stage-tag { padding: 0 7px; border-radius: 8px; background: var(--soft); font-size: 12px; }
.gcount { margin-left: auto; font-weight: 700; font-size: 15px; }
.gbar { height: 4px; border-radius: 2px; background: var(--soft); margin: 6px 0 5px; }
.gbar div { height: 100%; border-radius: 2px; background: var(--fail); opacity: .75; }
.gmsg { display: flex; gap: 10px; font-size: 12.5px; }
.gmsg .msg { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.gmsg .when { white-space: nowrap; }
.group-items { border: 1px solid var(--line); border-top: 0; border-radius: 0 0 8px 8px; margin-top: -8px;
  padding: 8px 10px 4px; max-height: 260px; overflow-y: auto; }
.group-items td { font-size: 12.5px; }
.link { border: 0; background: none; padding: 0; color: var(--accent); cursor: pointer; text-decoration: underline; }
.empty-note { margin: 8px 0 0; }
.summary { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.close { margin-left: auto; border: 0; background: none; font-size: 20px; line-height: 1; cursor: pointer;
  color: var(--muted); }
svg.gantt { display: block; margin: 4px 0 12px; }
svg.gantt .glabel { font-size: 12px; fill: var(--fg); font-weight: 600; }
svg.gantt .gtime { font-size: 11.5px; fill: var(--muted); }
svg.gantt .wait { fill: var(--muted); fill-opacity: .3; }
svg.gantt .retry { stroke: var(--warn); stroke-width: 2; }
.events { width: auto; min-width: 70%; } .events td { font-size: 12.5px; padding-right: 18px; }
.legend { display: flex; gap: 16px; font-size: 12px; color: var(--muted); margin: -4px 0 10px; }
.legend i { display: inline-block; width: 14px; height: 8px; border-radius: 2px; margin-right: 5px;
  vertical-align: 0; }
.legend .lw { background: var(--muted); opacity: .35; }
.legend .lb { background: linear-gradient(90deg, #7c5cd6 0 33%, #14a38b 33% 66%, #e08a1e 66%); }
.legend .lr { width: 2px; height: 12px; background: var(--warn); vertical-align: -2px; }
.notfound { margin: 0; }
`;
