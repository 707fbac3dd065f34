import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Truce's real entry point (`npm start`) as a child process, for the demo, the bench and the
 * tests that kill it: what a crash loses can only be proven on a process that really dies.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * Node itself runs main.ts with tsx's loader: the `tsx` command would start the app as a child
 * of its own, and a SIGKILL of the command would leave that child running.
 */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** A port nobody listens on right now (loopback only). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface TruceProcess {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL: no shutdown handler runs, nothing is flushed. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/** What `npm start` runs: the compiled entry point (built by `npm run build`). */
export const compiledEntry = join(root, "dist", "main.js");

/**
 * The arguments `npm start` gives node (its flags, then dist/main.js), read from package.json,
 * so a compiled process here is started exactly as `npm start` starts it.
 */
export function startArguments(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== "node") throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return words.slice(1).map((word) => (word.endsWith(".js") ? join(root, word) : word));
}

/**
 * Starts `src/main.ts` (through tsx, so tests need no build) or, with `compiled`, the built
 * `dist/main.js` as `npm start` does, with `env` (plus PATH and HOME); waits until /healthz
 * answers 200.
 */
export async function startTruceProcess(
  env: Record<string, string>,
  options: { cwd: string; port?: number; healthTimeoutMs?: number; compiled?: boolean },
): Promise<TruceProcess> {
  const port = options.port ?? (await freePort());
  const args = options.compiled
    ? startArguments()
    : ["--import", tsxLoader, join(root, "src", "main.ts")];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: options.cwd, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const truce: TruceProcess = {
    child,
    port,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  const deadline = Date.now() + (options.healthTimeoutMs ?? 45_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`Truce exited with code ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return truce;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await truce.kill();
  throw new Error(`Truce did not become healthy:\n${output}`);
}
