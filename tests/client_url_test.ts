import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RemoteTracker, subscribe } from "../src/client/mod.ts";

/** A fetch that records the URL and never answers, until its signal aborts. */
function recordingFetch(urls: string[]) {
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    urls.push(String(input));
    return new Promise((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
    });
  };
}

/** Runs `body` with `globalThis.location` set, as in a page; restores it after. */
async function inPage(href: string, body: () => Promise<void> | void): Promise<void> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "location");
  Object.defineProperty(globalThis, "location", { value: { href }, configurable: true });
  try {
    await body();
  } finally {
    if (saved !== undefined) Object.defineProperty(globalThis, "location", saved);
    else delete (globalThis as { location?: unknown }).location;
  }
}

/** The URL the client requests for `url` (subscribe and RemoteTracker alike). */
async function requested(url: string | URL): Promise<string[]> {
  const urls: string[] = [];
  const fetch = recordingFetch(urls);
  const reader = subscribe(url, { fetch }).getReader();
  const read = reader.read();
  const remote = new RemoteTracker(url, { fetch });
  while (urls.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  await reader.cancel();
  await read;
  await remote.close();
  return urls;
}

const OUTSIDE_A_PAGE: [url: unknown, message: string][] = [
  [
    "localhost:8789/antflow/events",
    'url must be an absolute http: or https: URL, got "localhost:8789/antflow/events" ' +
    '(did you mean "http://localhost:8789/antflow/events"?)',
  ],
  ["ftp://x", 'url must be an absolute http: or https: URL, got "ftp://x"'],
  ["ws://x", 'url must be an absolute http: or https: URL, got "ws://x"'],
  ["wss://x.test/events", 'url must be an absolute http: or https: URL, got "wss://x.test/events"'],
  ["file:///tmp/events", 'url must be an absolute http: or https: URL, got "file:///tmp/events"'],
  [
    "/antflow/events",
    'url must be an absolute http: or https: URL, got "/antflow/events" ' +
    "(a relative URL resolves only in a page)",
  ],
  [
    "antflow/events",
    'url must be an absolute http: or https: URL, got "antflow/events" ' +
    "(a relative URL resolves only in a page)",
  ],
  [
    "",
    'url must be an absolute http: or https: URL, got "" (a relative URL resolves only in a page)',
  ],
  ["http://", 'url must be an absolute http: or https: URL, got "http://"'],
  [new URL("ws://x.test/e"), 'url must be an absolute http: or https: URL, got "ws://x.test/e"'],
  [42, "url must be a string or a URL, got 42"],
  [undefined, "url must be a string or a URL, got undefined"],
];

describe("subscribe() and RemoteTracker: URL rules", () => {
  for (const [url, message] of OUTSIDE_A_PAGE) {
    it(`reject ${typeof url === "string" ? JSON.stringify(url) : String(url)} with a TypeError at the call`, () => {
      assert.throws(() => subscribe(url as string), {
        name: "TypeError",
        message: `subscribe(): ${message}`,
      });
      assert.throws(() => new RemoteTracker(url as string, { autoStart: false }), {
        name: "TypeError",
        message: `RemoteTracker: ${message}`,
      });
    });
  }

  it("accept absolute http: and https: URLs (strings or URL objects) as given", async () => {
    assert.deepEqual(await requested("http://localhost:8789/antflow/events"), [
      "http://localhost:8789/antflow/events",
      "http://localhost:8789/antflow/events",
    ]);
    assert.deepEqual(await requested(new URL("HTTPS://Example.Test/e?x=1")), [
      "https://example.test/e?x=1",
      "https://example.test/e?x=1",
    ]);
  });

  it("in a page, resolve a relative URL against location.href", async () => {
    await inPage("https://page.test/app/dashboard", async () => {
      assert.deepEqual(await requested("/antflow/events"), [
        "https://page.test/antflow/events",
        "https://page.test/antflow/events",
      ]);
      assert.deepEqual(await requested("events"), [
        "https://page.test/app/events",
        "https://page.test/app/events",
      ]);
    });
  });

  it("in a page, still reject other schemes, saying that relative URLs are accepted", async () => {
    await inPage("https://page.test/app/", () => {
      const rule = "url must be an http: or https: URL (absolute, or relative to the page)";
      assert.throws(() => subscribe("ws://page.test/events"), {
        name: "TypeError",
        message: `subscribe(): ${rule}, got "ws://page.test/events"`,
      });
      assert.throws(() => new RemoteTracker("localhost:8789/e", { autoStart: false }), {
        name: "TypeError",
        message: `RemoteTracker: ${rule}, got "localhost:8789/e" ` +
          '(did you mean "http://localhost:8789/e"?)',
      });
    });
  });
});
