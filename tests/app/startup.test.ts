import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxEnv } from "../../sandbox/env.js";
import { type FakeSlack, startFakeSlack } from "../../sandbox/fake-slack.js";
import { pngSize } from "../../src/charts/png.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const dir = mkdtempSync(join(tmpdir(), "truce-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real entry point (`npm start`) with only the given environment. */
function start(env: Record<string, string>) {
  return spawnSync(tsx, [join(root, "src", "main.ts")], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("npm start", () => {
  it("stops with one readable message naming every configuration problem", () => {
    const run = start({ TRUCE_MARKET: "volatile" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Truce cannot start: the configuration has 3 problems:");
    expect(run.stderr).toContain("SLACK_BOT_TOKEN is required");
    expect(run.stderr).toContain("TRUCE_MARKET must be stable, shifting or complex");
    expect(run.stderr).toContain("SLACK_SIGNING_SECRET is required in HTTP mode");
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("stops with a message pointing at the problem in an organisation's own wording", () => {
    const file = join(dir, "wording.json");
    writeFileSync(
      file,
      JSON.stringify({
        statements: [{ id: "a", theme: "A", text: "Only one" }],
        scaleLabels: ["1", "2", "3", "4", "5"],
      }),
    );
    const run = start({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      TRUCE_INSTRUMENT: file,
      DATABASE_PATH: join(dir, "db", "t.db"),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/statements/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * `start`, without blocking: the fake Slack answering the bot lives in this process. Resolves
 * when the bot exits; one that keeps running (it started serving) is stopped after 50 s.
 */
function startAgainst(env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const bot = spawn(tsx, [join(root, "src", "main.ts")], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    });
    let stdout = "";
    let stderr = "";
    bot.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    bot.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => bot.kill("SIGTERM"), 50_000);
    bot.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Exit 1 before serving, with exactly one line on stderr that names the setting, no stack. */
function expectOneLine(
  run: { status: number | null; stdout: string; stderr: string },
  setting: string,
) {
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining(setting)]);
  expect(run.stderr).toMatch(/^[^\n]+\n$/);
  expect(run.stdout).toBe(""); // never got as far as listening
  expect(run.status).toBe(1);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

// Eight bots starting at once on two cores take longer than the default 20 s timeout allows.
describe("npm start with a setting that cannot work", { timeout: 120_000 }, () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(() => fake.close());

  const env = (name: string, extra: Record<string, string> = {}) =>
    sandboxEnv(
      fake,
      {
        databasePath: join(dir, name, "truce.db"),
        signingSecret: "startup-signing-secret",
        salesChannel: "C0STARTSAL",
        marketingChannel: "C0STARTMKT",
        leader: "U0STARTLED",
      },
      extra,
    );

  it.concurrent("a placeholder bot token", async () => {
    const run = await startAgainst(env("bot", { SLACK_BOT_TOKEN: "xoxb-your-bot-token" }));
    expectOneLine(run, "SLACK_BOT_TOKEN");
    expect(run.stderr).toBe(
      "SLACK_BOT_TOKEN was refused by Slack (invalid_auth): copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page.\n",
    );
    // Checked through SLACK_API_URL, i.e. the sandbox, not slack.com.
    expect(fake.callsTo("auth.test").some((call) => call.error === "invalid_auth")).toBe(true);
  });

  it.concurrent("an app-level token Slack does not know (Socket Mode)", async () => {
    const run = await startAgainst(env("app", { SLACK_APP_TOKEN: "xapp-1-A0WRONG-0-wrong" }));
    expectOneLine(run, "SLACK_APP_TOKEN");
    expect(run.stderr).toMatch(/^SLACK_APP_TOKEN was refused by Slack \(invalid_auth\): /);
  });

  it.concurrent("a SLACK_API_URL where nothing listens", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const run = await startAgainst(env("net", { SLACK_API_URL: url }));
    expectOneLine(run, `SLACK_API_URL (${url})`);
    expect(run.stderr).toMatch(/^Slack could not be reached at SLACK_API_URL .*ECONNREFUSED/);
  });

  it.concurrent("a DATABASE_PATH that is a folder", async () => {
    const folder = join(dir, "db-folder");
    mkdirSync(folder, { recursive: true });
    const run = await startAgainst(env("folder", { DATABASE_PATH: folder }));
    expectOneLine(run, `DATABASE_PATH (${folder}) is a folder`);
  });

  it.concurrent("a DATABASE_PATH that is not a database", async () => {
    const file = join(dir, "garbage.db");
    writeFileSync(file, "not a database ".repeat(20));
    const run = await startAgainst(env("garbage", { DATABASE_PATH: file }));
    expectOneLine(run, `DATABASE_PATH (${file}) is not a SQLite database`);
  });

  it.concurrent("a DATABASE_PATH below a regular file (nothing can be created there)", async () => {
    const file = join(dir, "regular-file");
    writeFileSync(file, "x");
    const run = await startAgainst(env("below", { DATABASE_PATH: join(file, "data", "t.db") }));
    expectOneLine(run, `${file} is a file, not a folder`);
    expect(run.stderr).toMatch(/^DATABASE_PATH \(/);
  });

  it.runIf(existsSync("/proc/self")).concurrent("a DATABASE_PATH that cannot exist", async () => {
    const run = await startAgainst(env("proc", { DATABASE_PATH: "/proc/truce/truce.db" }));
    expectOneLine(run, "DATABASE_PATH (/proc/truce/truce.db) cannot be created");
  });

  it.concurrent("a folder where the generated key file should be", async () => {
    mkdirSync(join(dir, "key", "truce.key"), { recursive: true });
    const run = await startAgainst(env("key"));
    expectOneLine(
      run,
      `TRUCE_SECRET is unset, so Truce keeps its key in ${join(dir, "key", "truce.key")}`,
    );
  });
});

describe("npm run demo", () => {
  it("runs a whole round against the sandbox and prints what a leader sees", () => {
    const run = spawnSync(tsx, [join(root, "scripts", "demo.ts")], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Sales n=12 · \d+\.\d · (Undefined|Defined|Aligned|Integrated)/);
    expect(run.stdout).toMatch(/Marketing n=8 · \d+\.\d · /);
    expect(run.stdout).toMatch(/Everyone n=20 · \d+\.\d · /);
    expect(run.stdout).toContain("Suggested joint actions");
    expect(run.stdout).toContain("Every Slack call passed the sandbox's checks");
    // One Block Kit Builder link per surface, each holding JSON with blocks.
    const links = run.stdout.match(/https:\/\/app\.slack\.com\/block-kit-builder#\S+/g) ?? [];
    expect(links).toHaveLength(6);
    for (const link of links) {
      const payload = JSON.parse(decodeURIComponent(link.split("#")[1] as string));
      expect(Array.isArray(payload.blocks) && payload.blocks.length > 0).toBe(true);
    }
    // The charts, written to the folder the demo names, are real PNGs.
    const folder = (/written to (\S+)/.exec(run.stdout)?.[1] ?? "").split("\u001b")[0] as string;
    const pngs = readdirSync(folder).filter((f) => f.endsWith(".png"));
    expect(pngs.length).toBeGreaterThan(0);
    for (const png of pngs) expect(pngSize(readFileSync(join(folder, png)))?.width).toBe(1000);
    rmSync(folder, { recursive: true, force: true });
    // The demo runs a whole round in a child process: on a loaded two-core machine that takes
    // longer than a unit test's budget.
  }, 90_000);
});
