/**
 * The non-runtime sandboxes some tests need, all from npm or Debian and all Node only: esbuild
 * bundles, Cloudflare's workerd through Miniflare, and Debian's headless Chromium via
 * playwright-core.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BrowserContext } from "playwright-core";
import type { Miniflare } from "miniflare";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The bundled text of `entry` (a path relative to the repository root). */
export async function bundle(entry: string, platform: "browser" | "neutral"): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [root + entry],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform,
    mainFields: ["module", "main"],
    conditions: platform === "neutral" ? ["workerd", "worker", "browser"] : [],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  await esbuild.stop?.();
  return result.outputFiles[0].text;
}

/** A Worker running in workerd: `entry` bundled and started by Miniflare. */
export interface Workerd {
  mf: Miniflare;
  url: URL;
  dispose(): Promise<void>;
}

/** Bundles `entry` (relative to the repository root) and starts it in workerd. */
export async function startWorkerd(
  entry: string,
  compatibilityDate = "2025-06-01",
): Promise<Workerd> {
  const { Miniflare } = await import("miniflare");
  const script = await bundle(entry, "neutral");
  const mf = new Miniflare({ modules: true, script, compatibilityDate });
  const url = await mf.ready;
  return { mf, url, dispose: () => mf.dispose() };
}

/** Debian's Chromium (installed by .ci/run). */
export const CHROMIUM = "/usr/bin/chromium";

/** Why a browser test cannot run here, or `undefined` when it can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
}

/** Headless Chromium with a fresh profile in `profileDir`; never downloads anything. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}
