/**
 * The pipeline of the cluster demo, shared by its worker and producer processes: the same
 * definition runs everywhere; each process chooses what it works on.
 */
import { Pipeline, Stage } from "../mod.ts";

/** A process id (`pid` on Deno, Node and Bun). */
export const pid: number = (globalThis as { process?: { pid: number } }).process?.pid ?? 0;

/** Fetch (a slow, flaky API) then Summarise; item 13 always fails. */
export const pipeline: Pipeline<number, string> = new Pipeline({
  stages: [
    new Stage({
      name: "Fetch",
      workers: 4,
      taskAttempts: 2,
      taskWaitMs: 10,
      tasks: [async function fetchPage(n: number) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
        if (n === 13) throw new Error("HTTP 404");
        return { n, words: n * 7, fetchedBy: pid };
      }],
    }),
    new Stage({
      name: "Summarise",
      workers: 2,
      tasks: [
        async function summarise(page: { n: number; words: number; fetchedBy: number }) {
          await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
          return `page ${page.n}: ${page.words} words (fetched by ${page.fetchedBy}, summarised by ${pid})`;
        },
      ],
    }),
  ],
});
