import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import pg from "pg";
import { freePort } from "./process.js";

/**
 * A throwaway PostgreSQL server, for the tests (tests/support/postgres.ts starts one per run)
 * and the bench: nothing to install or start by hand beyond Debian's postgresql package. The
 * cluster lives in a temporary folder, listens on a free loopback port (and a unix socket in the
 * same folder), trusts every local connection, and is deleted when stopped.
 */

export type PostgresServerInfo = {
  /** The server's maintenance database, for creating and dropping the databases used. */
  adminUrl: string;
  /** The folder holding initdb, pg_ctl and postgres. */
  bin: string;
  /** A pristine copy of the cluster, so a second server can start without initdb. */
  template: string;
  version: string;
};

/** Why there is no server: where the tools were looked for, and how to get them. */
export function postgresMissingReason(): string {
  const where = process.env.TRUCE_PG_BIN
    ? `in TRUCE_PG_BIN=${process.env.TRUCE_PG_BIN}`
    : "in /usr/lib/postgresql/*/bin or on PATH";
  return (
    `PostgreSQL is not installed (no initdb and pg_ctl ${where}). To run the PostgreSQL store ` +
    "tests, install Debian's postgresql package (apt-get install postgresql): the tests start " +
    "their own server."
  );
}

const TOOLS = ["initdb", "pg_ctl"];
const hasTools = (dir: string) => TOOLS.every((tool) => existsSync(join(dir, tool)));

/**
 * TRUCE_PG_BIN if set (to pick a version; a folder without the tools counts as none), else
 * Debian's versioned folders (newest first), then PATH.
 */
export function findPostgresBin(): string | undefined {
  const chosen = process.env.TRUCE_PG_BIN;
  if (chosen) return hasTools(chosen) ? chosen : undefined;
  const root = "/usr/lib/postgresql";
  const versioned = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
        .map((name) => join(root, name, "bin"))
    : [];
  const onPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  return [...versioned, ...onPath].find(hasTools);
}

interface Owner {
  uid: number;
  gid: number;
}

/**
 * initdb and postgres refuse to run as root, and tests here do run as root: then the cluster
 * belongs to the unprivileged `postgres` system user (the package creates it), and every
 * server command runs as that user. Anyone else runs them as themselves.
 */
function serverOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => {
    const result = spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
    if (result.status !== 0)
      throw new Error("running as root, and there is no `postgres` user to run the server as");
    return Number(result.stdout.trim());
  };
  return { uid: id("-u"), gid: id("-g") };
}

/** Runs a server command as the owner; rejects with its output when it fails. */
function runTool(bin: string, tool: string, args: string[], owner: Owner | undefined) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(join(bin, tool), args, {
      ...(owner ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
      // Messages in English whatever the machine's language, and no inherited PG* variables
      // pointing the tools at some other server.
      env: { PATH: process.env.PATH ?? "", LANG: "C", LC_ALL: "C" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${tool} ${args.join(" ")} failed (${code}):\n${output}`)),
    );
  });
}

/** A folder the server's owner can write to. */
function ownedTempDir(prefix: string, owner: Owner | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

export interface RunningServer {
  url: (database?: string) => string;
  stop(): Promise<void>;
}

/** Servers to stop if the process exits without its teardown (an interrupted run). */
const unstopped = new Map<string, () => void>();
let exitHookSet = false;
function stopOnExit(dataDir: string, stopNow: () => void) {
  unstopped.set(dataDir, stopNow);
  if (exitHookSet) return;
  exitHookSet = true;
  process.once("exit", () => {
    for (const stop of unstopped.values()) stop();
  });
}

/**
 * Starts a server on `dataDir` (an initialised cluster). Settings trade durability for speed:
 * the data is thrown away anyway.
 */
async function startServer(
  bin: string,
  root: string,
  dataDir: string,
  owner: Owner | undefined,
): Promise<RunningServer> {
  const port = await freePort();
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-k ${root}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
  ].join(" ");
  await runTool(
    bin,
    "pg_ctl",
    ["-D", dataDir, "-l", join(root, "server.log"), "-o", options, "-w", "-t", "30", "start"],
    owner,
  );
  const stopArgs = ["-D", dataDir, "-m", "immediate", "-w", "stop"];
  stopOnExit(dataDir, () => {
    spawnSync(join(bin, "pg_ctl"), stopArgs, { ...(owner ?? {}), stdio: "ignore" });
    rmSync(root, { recursive: true, force: true });
  });
  let stopped = false;
  return {
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      unstopped.delete(dataDir);
      await runTool(bin, "pg_ctl", stopArgs, owner).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function copyCluster(from: string, to: string, owner: Owner | undefined): void {
  const copy = spawnSync("cp", ["-a", from, to], { ...(owner ?? {}) });
  if (copy.status !== 0) throw new Error(`copying the cluster failed: ${copy.stderr}`);
}

/**
 * initdb into a template, then a server on a copy of it (the template stays pristine for
 * startPostgresFromTemplate). `stop` stops the server and deletes everything. Throws when
 * PostgreSQL is not installed (see findPostgresBin) or the server does not start.
 */
export async function startThrowawayPostgres(): Promise<
  { info: PostgresServerInfo } & RunningServer
> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresMissingReason());
  const owner = serverOwner();
  const root = ownedTempDir("truce-pg-", owner);
  try {
    const template = join(root, "template");
    // "initdb (PostgreSQL) 15.18 (Debian …)" names the server's version too.
    const version = (await runTool(bin, "initdb", ["--version"], owner))
      .trim()
      .replace(/^initdb \(PostgreSQL\)/, "PostgreSQL");
    await runTool(
      bin,
      "initdb",
      ["-D", template, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      owner,
    );
    const dataDir = join(root, "data");
    copyCluster(template, dataDir, owner);
    const server = await startServer(bin, root, dataDir, owner);
    // The server's stop deletes `root`, the template with it.
    return { info: { adminUrl: server.url(), bin, template, version }, ...server };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts another server from a running one's template (a copy, no initdb): for tests that stop
 * a server under a store without disturbing the shared one.
 */
export async function startPostgresFromTemplate(info: PostgresServerInfo): Promise<RunningServer> {
  const owner = serverOwner();
  const root = ownedTempDir("truce-pg-", owner);
  const dataDir = join(root, "data");
  copyCluster(info.template, dataDir, owner);
  return startServer(info.bin, root, dataDir, owner);
}

/** A fresh database on the server. */
export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // A language-aware default collation (ICU, where the server has it), as a production
    // database may well have, so the tests prove the store's ordering does not depend on it.
    await admin
      .query(
        `CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`,
      )
      .catch(() => admin.query(`CREATE DATABASE "${name}"`));
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The URL of database `name` on the server that `adminUrl` points at. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
