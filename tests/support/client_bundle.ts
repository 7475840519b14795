/**
 * Bundles a module with esbuild (npm) for a browser page or a Worker. Node only: the browser and
 * workerd tests run under Node.
 */
import { fileURLToPath } from "node:url";

/** The bundled text of `entry` (a path relative to the repository root). */
export async function bundle(entry: string, platform: "browser" | "neutral"): Promise<string> {
  const esbuild = await import("esbuild");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const result = await esbuild.build({
    entryPoints: [root + entry],
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform,
    mainFields: ["module", "main"],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  await esbuild.stop?.();
  return result.outputFiles[0].text;
}
