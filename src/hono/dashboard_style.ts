/** The dashboard's CSS (inline in the page). @internal */
export const DASHBOARD_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #1c2430; --muted: #6b7482;
  --line: #e3e6ea; --ok: #2f9e5b; --fail: #d64545; --busy: #2d6cdf; }
@media (prefers-color-scheme: dark) { :root { --bg: #12161c; --card: #1b2129; --fg: #e5e9ee;
  --muted: #98a2ae; --line: #2a323c; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 12px; padding: 12px 20px;
  border-bottom: 1px solid var(--line); background: var(--card); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
  margin: 0 0 10px; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px;
  padding: 16px 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px;
  overflow: auto; }
.wide { grid-column: 1 / -1; }
.muted { color: var(--muted); }
.badge { padding: 2px 8px; border-radius: 10px; font-size: 12px; color: #fff; }
.badge.live { background: var(--ok); } .badge.wait { background: #b08a1e; }
.badge.down { background: var(--fail); }
.bar { display: flex; height: 14px; border-radius: 7px; overflow: hidden; background: var(--line); }
#bar-ok { background: var(--ok); width: 0; } #bar-fail { background: var(--fail); width: 0; }
.big { font-size: 20px; margin: 10px 0; }
.chips { display: flex; flex-wrap: wrap; gap: 18px; }
.chips div { display: flex; flex-direction: column; } .chips b { font-size: 18px; }
.chips span { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
td.msg { white-space: normal; word-break: break-word; }
th { color: var(--muted); font-weight: 500; }
.busy { color: var(--busy); font-weight: 600; } .idle { color: var(--muted); }
.fail { color: var(--fail); }
`;
