/**
 * The reading side of scenario 9, in its own process: for every line `<url> <clients>` on stdin,
 * opens that many `/events` streams, says `ready` once each has its first chunk, reads each to
 * the run's `runend` with the client's SSE parser (checking that full streams number their
 * events 1, 2, 3… without a gap), then prints one JSON line and waits for the next command.
 */
import process from "node:process";
import { SSEParser } from "../src/sse/parse.ts";

interface Stream {
  events: number;
  bytes: number;
  chunks: number;
  gaps: number;
  lastId: number;
}

async function read(url: string, ready: () => void): Promise<Stream> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench reader: ${url} answered ${response.status}`);
  const reader = response.body!.getReader();
  const full = !url.includes("mode=summary");
  const stream: Stream = { events: 0, bytes: 0, chunks: 0, gaps: 0, lastId: 0 };
  let ended = false;
  const parser = new SSEParser((message) => {
    if (message.event === "snapshot" || message.event === "reset") return;
    const id = Number(message.lastEventId);
    if (full && stream.lastId !== 0 && id !== stream.lastId + 1) stream.gaps++;
    stream.lastId = id;
    stream.events++;
    if (message.event === "runend") ended = true;
  });
  let first = true;
  while (!ended) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`bench reader: ${url} ended before runend`);
    stream.bytes += value.length;
    stream.chunks++;
    parser.push(value);
    if (first) {
      first = false;
      ready();
    }
  }
  await reader.cancel();
  return stream;
}

async function serve(url: string, clients: number): Promise<void> {
  let waiting = clients;
  const started = performance.now();
  const streams = await Promise.all(
    Array.from({ length: clients }, () =>
      read(url, () => {
        if (--waiting === 0) process.stdout.write("ready\n");
      })),
  );
  const sum = (key: keyof Stream) => streams.reduce((n, s) => n + s[key], 0);
  const report = {
    ms: performance.now() - started,
    events: sum("events"),
    bytes: sum("bytes"),
    chunks: sum("chunks"),
    gaps: sum("gaps"),
  };
  process.stdout.write(JSON.stringify(report) + "\n");
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (data: string) => {
  buffered += data;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline).trim();
    buffered = buffered.slice(newline + 1);
    if (line === "") continue;
    if (line === "exit") process.exit(0);
    const [url, clients] = line.split(" ");
    serve(url, Number(clients)).catch((error) => {
      process.stdout.write(JSON.stringify({ error: String(error) }) + "\n");
    });
  }
});
process.stdout.write("started\n");
