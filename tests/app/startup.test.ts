import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

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
    // The demo runs a whole round in a child process: on a loaded two-core machine that takes
    // longer than a unit test's budget.
  }, 90_000);
});
