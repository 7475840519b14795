import { DASHBOARD_SCRIPT } from "./dashboard_script.ts";
import { DASHBOARD_STYLE } from "./dashboard_style.ts";

/**
 * The dashboard page: one HTML document with its CSS and JS inline (no external assets), served
 * with a strict Content-Security-Policy whose nonce changes on every response.
 *
 * @internal
 */
export function dashboardResponse(_request: Request): Response {
  const nonce = makeNonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return new Response(dashboardHTML(nonce), {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-cache",
      "Content-Security-Policy": csp,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  });
}

function makeNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

function dashboardHTML(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AntFlow dashboard</title>
<style nonce="${nonce}">${DASHBOARD_STYLE}</style>
</head>
<body>
<header>
  <h1>AntFlow</h1>
  <span id="conn" class="badge wait">connecting…</span>
  <span id="run"></span>
  <span id="updated" class="muted"></span>
</header>
<main>
  <section class="card wide">
    <h2>Progress</h2>
    <div class="bar"><div id="bar-ok"></div><div id="bar-fail"></div></div>
    <p class="big"><span id="done">0</span> / <span id="total">0</span> items done
      <span id="percent" class="muted"></span></p>
    <div class="chips">
      <div><b id="succeeded">0</b><span>succeeded</span></div>
      <div><b id="failed">0</b><span>failed</span></div>
      <div><b id="cancelled">0</b><span>cancelled</span></div>
      <div><b id="inflight">0</b><span>in flight</span></div>
      <div><b id="rate">0</b><span>items/s</span></div>
      <div><b id="retries">0</b><span>retries seen</span></div>
    </div>
  </section>
  <section class="card">
    <h2>Statuses</h2>
    <table><tbody id="statuses"></tbody></table>
  </section>
  <section class="card">
    <h2>Stages</h2>
    <table>
      <thead><tr><th>stage</th><th>queued</th><th>working</th><th>done</th><th>failed</th></tr></thead>
      <tbody id="stages"></tbody>
    </table>
  </section>
  <section class="card wide">
    <h2>Workers</h2>
    <table>
      <thead><tr><th>worker</th><th>state</th><th>item</th><th>task</th><th>for</th><th>processed</th>
      </tr></thead>
      <tbody id="workers"></tbody>
    </table>
  </section>
  <section class="card wide">
    <h2>Latest failures</h2>
    <table>
      <thead><tr><th>when</th><th>item</th><th>stage</th><th>error</th><th>message</th></tr></thead>
      <tbody id="failures"></tbody>
    </table>
  </section>
</main>
<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
