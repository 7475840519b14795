/**
 * A raw HTTP/1.1 client over `node:net` that sends a request and then does not read: the socket is
 * paused, so the kernel buffers fill and the server sees a client that stopped reading.
 */
import { connect } from "node:net";

export interface SilentClient {
  /** Starts reading; resolves with the bytes received once the server closes the connection. */
  drain(timeoutMs?: number): Promise<number>;
  /** Closes the socket. */
  destroy(): void;
}

export function openSilentClient(url: string): Promise<SilentClient> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) }, () => {
      socket.pause();
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
          `Accept: text/event-stream\r\n\r\n`,
      );
      resolve({
        drain: (timeoutMs = 15_000) =>
          new Promise((done, fail) => {
            let received = 0;
            const timer = setTimeout(() => {
              socket.destroy();
              fail(new Error(`the server kept the connection open (${received} bytes read)`));
            }, timeoutMs);
            socket.on("data", (chunk: Uint8Array) => (received += chunk.length));
            socket.on("error", () => {});
            socket.on("close", () => {
              clearTimeout(timer);
              done(received);
            });
            socket.resume();
          }),
        destroy: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}
