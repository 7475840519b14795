/**
 * A raw HTTP/1.1 client over `node:net` for the SSE reliability tests: it sends exactly the bytes
 * given (header values `fetch` would refuse or normalise: non-ASCII, inner whitespace, repeated
 * headers), reads the response head, de-chunks the body and hands its bytes to a callback. Cheap
 * enough to hold a thousand streams in one process (no `fetch` connection limits, no per-message
 * objects).
 */
import { connect, type Socket } from "node:net";
import { Buffer } from "node:buffer";

/** The response's status line and headers (names lower-cased, repeated ones joined by ", "). */
export interface RawHead {
  status: number;
  headers: Map<string, string>;
}

/** One raw request in flight. */
export interface RawStream {
  /** Resolves with the head once it has arrived; rejects if the connection fails first. */
  readonly head: Promise<RawHead>;
  /** Resolves when the connection has closed (by either side), with how it ended. */
  readonly closed: Promise<{ bodyComplete: boolean; error: Error | undefined }>;
  /** Closes the socket at once. */
  destroy(): void;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const LF = 0x0a;

/**
 * Sends `GET <path>` to the server of `url` and streams the decoded body to `onBody`.
 *
 * @param url The full URL (host, port, path and query).
 * @param options `headerLines`: extra raw header lines (without CRLF), written as UTF-8 bytes;
 * `onBody`: receives the body's bytes in order (chunk framing removed).
 */
export function openRawStream(
  url: string,
  options: { headerLines?: string[]; onBody: (bytes: Uint8Array) => void },
): RawStream {
  const target = new URL(url);
  const socket: Socket = connect({ host: target.hostname, port: Number(target.port) });
  socket.setNoDelay(true);
  const lines = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    "Accept: text/event-stream",
    ...(options.headerLines ?? []),
  ];
  socket.write(Buffer.from(lines.join("\r\n") + "\r\n\r\n", "utf8"));

  let resolveHead!: (head: RawHead) => void;
  let rejectHead!: (error: Error) => void;
  const head = new Promise<RawHead>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });
  head.catch(() => {}); // the caller may only look at `closed`
  let pending: Buffer | undefined = Buffer.alloc(0); // the head, until it is complete
  let body: BodyDecoder | undefined;
  let error: Error | undefined;

  socket.on("data", (chunk: Buffer) => {
    if (body !== undefined) {
      body.push(chunk);
      return;
    }
    pending = Buffer.concat([pending!, chunk]);
    const end = pending.indexOf(HEAD_END);
    if (end === -1) return;
    const parsed = parseHead(pending.subarray(0, end).toString("latin1"));
    const rest = pending.subarray(end + 4);
    pending = undefined;
    const chunked = /\bchunked\b/i.test(parsed.headers.get("transfer-encoding") ?? "");
    const length = parsed.headers.get("content-length");
    body = new BodyDecoder(
      chunked ? "chunked" : length !== undefined ? Number(length) : "close",
      options.onBody,
    );
    resolveHead(parsed);
    if (rest.length > 0) body.push(rest);
  });
  const closed = new Promise<{ bodyComplete: boolean; error: Error | undefined }>((resolve) => {
    socket.on("error", (cause: Error) => (error = cause));
    socket.on("close", () => {
      rejectHead(error ?? new Error(`${url}: the connection closed before the response head`));
      resolve({ bodyComplete: body?.complete ?? false, error });
    });
  });
  return { head, closed, destroy: () => socket.destroy() };
}

function parseHead(text: string): RawHead {
  const [statusLine, ...lines] = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (match === null) throw new Error(`not an HTTP/1.x status line: ${statusLine}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status: Number(match[1]), headers };
}

/** Removes the chunked transfer coding (or counts a Content-Length body). */
class BodyDecoder {
  #mode: "chunked" | number | "close";
  #onBody: (bytes: Uint8Array) => void;
  /** chunked: bytes left in the current chunk, or -1 while reading a size line. */
  #left = -1;
  /** chunked: the CRLF after a chunk's data still to skip. */
  #skip = 0;
  #sizeLine = "";
  complete = false;

  constructor(mode: "chunked" | number | "close", onBody: (bytes: Uint8Array) => void) {
    this.#mode = mode;
    this.#onBody = onBody;
  }

  push(chunk: Buffer): void {
    if (this.complete) return;
    if (this.#mode === "close") return this.#onBody(chunk);
    if (typeof this.#mode === "number") {
      const take = chunk.subarray(0, this.#mode);
      this.#mode -= take.length;
      if (this.#mode === 0) this.complete = true;
      return this.#onBody(take);
    }
    let at = 0;
    while (at < chunk.length && !this.complete) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - at);
        this.#skip -= n;
        at += n;
      } else if (this.#left === -1) {
        const end = chunk.indexOf(LF, at);
        if (end === -1) {
          this.#sizeLine += chunk.subarray(at).toString("latin1");
          return;
        }
        let line = this.#sizeLine + chunk.subarray(at, end).toString("latin1");
        if (line.endsWith("\r")) line = line.slice(0, -1);
        this.#sizeLine = "";
        at = end + 1;
        const size = parseInt(line.split(";")[0], 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size line: ${JSON.stringify(line)}`);
        if (size === 0) this.complete = true;
        else this.#left = size;
      } else {
        const n = Math.min(this.#left, chunk.length - at);
        this.#onBody(chunk.subarray(at, at + n));
        at += n;
        this.#left -= n;
        if (this.#left === 0) {
          this.#left = -1;
          this.#skip = 2;
        }
      }
    }
  }
}
