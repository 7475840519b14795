/**
 * How the dashboard gets its data (browser JavaScript, part of the page's one script): every
 * request is a `fetch` relative to the page's own address, so the page works under any mount
 * path, and carries the user's credentials — cookies and HTTP authentication by themselves
 * (same-origin), a bearer token when one was given (`#token=…` in the page's URL, or typed into
 * the prompt the page shows on a 401), kept in `sessionStorage` for this tab only.
 *
 * `openFeed()` is the one place that knows how live data arrives: the SSE stream in summary mode
 * (snapshots at a bounded rate, every `failed` status event, the run events), read with `fetch`
 * (an `EventSource` cannot send an `Authorization` header) and parsed here.
 *
 * @internal
 */
export const DASHBOARD_FEED: string = String.raw`
// The routes' base path, so that the page works under any mount path, with or without "/".
var base = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
var FEED_PATH = "events?mode=summary";
var TOKEN_KEY = "antflow-token:" + base;
var IDLE_MS = 45000;

function readToken() {
  var match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    saveToken(decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
}
function saveToken(value) {
  try { sessionStorage.setItem(TOKEN_KEY, value); } catch (e) { /* storage disabled */ }
}
var token = readToken();

function requestInit(extra, signal) {
  var headers = extra || {};
  if (token) headers.Authorization = "Bearer " + token;
  return { headers: headers, cache: "no-store", credentials: "same-origin", signal: signal };
}

/** GET a JSON route; rejects with an Error carrying .status (401/403 also tell the feed). */
function getJSON(path) {
  return fetch(base + path, requestInit()).then(function (response) {
    if (response.ok) return response.json();
    var error = new Error("HTTP " + response.status);
    error.status = response.status;
    if (response.status === 401 || response.status === 403) feedHooks.state("unauthorized");
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (body && typeof body.error === "string") error.message = body.error;
      throw error;
    });
  });
}

var feedHooks = { state: function () {} };

/**
 * Opens the live feed. hooks: message(type, data), state(name) with name one of "connecting",
 * "live", "reconnecting", "unauthorized". Returns { reconnect() }.
 */
function openFeed(hooks) {
  feedHooks = hooks;
  var lastId = "";
  var retryMs = 3000;
  var failures = 0;
  var controller = null;
  var idleTimer = 0;
  var retryTimer = 0;
  var generation = 0;

  var reported = false;
  function deliver(type, data) {
    try {
      hooks.message(type, data);
    } catch (error) {
      if (reported) return;
      reported = true;
      console.error("AntFlow dashboard: could not show a " + type + " message:", error);
    }
  }
  function touch() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { if (controller) controller.abort(); }, IDLE_MS);
  }
  function retry() {
    clearTimeout(idleTimer);
    if (retryTimer) return;
    failures++;
    var wait = Math.min(retryMs * Math.pow(2, Math.min(failures - 1, 4)), 30000);
    hooks.state("reconnecting");
    retryTimer = setTimeout(function () { retryTimer = 0; connect(); }, wait * (0.75 + Math.random() / 2));
  }
  function connect() {
    var mine = ++generation;
    controller = new AbortController();
    var headers = { Accept: "text/event-stream" };
    if (lastId) headers["Last-Event-ID"] = lastId;
    fetch(base + FEED_PATH, requestInit(headers, controller.signal)).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        hooks.state("unauthorized");
        return "stop";
      }
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      failures = 0;
      hooks.state("live");
      touch();
      return readEvents(response.body.getReader(), {
        message: deliver,
        id: function (value) { lastId = value; },
        retry: function (ms) { retryMs = ms; },
        chunk: touch,
      });
    }).then(function (outcome) {
      if (mine === generation && outcome !== "stop") retry();
    }, function () {
      if (mine === generation) retry();
    });
  }

  connect();
  return {
    reconnect: function () {
      if (controller) controller.abort();
      clearTimeout(retryTimer);
      retryTimer = 0;
      failures = 0;
      connect();
    },
  };
}

/**
 * Reads a text/event-stream body (the WHATWG rules that matter here: fields, comments, CR/LF/CRLF
 * line ends, a blank line dispatches). on: message(type, data), id(value), retry(ms), chunk().
 */
function readEvents(reader, on) {
  var decoder = new TextDecoder();
  var buffer = "";
  var type = "";
  var data = [];
  function line(text) {
    if (text === "") {
      if (data.length > 0) on.message(type || "message", data.join("\n"));
      type = "";
      data = [];
      return;
    }
    if (text.charCodeAt(0) === 58) return; // ":" comment (heartbeat)
    var colon = text.indexOf(":");
    var field = colon < 0 ? text : text.slice(0, colon);
    var value = colon < 0 ? "" : text.slice(text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && value.indexOf("\0") < 0) on.id(value);
    else if (field === "retry" && /^\d+$/.test(value)) on.retry(Number(value));
  }
  function pump() {
    return reader.read().then(function (chunk) {
      if (chunk.done) return;
      on.chunk();
      buffer += decoder.decode(chunk.value, { stream: true });
      var lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (var i = 0; i < lines.length; i++) line(lines[i]);
      return pump();
    });
  }
  return pump();
}
`;
