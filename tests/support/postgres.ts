import type { TestProject } from "vitest/node";
import {
  findPostgresBin,
  type PostgresServerInfo,
  postgresMissingReason,
  type RunningServer,
  startThrowawayPostgres,
} from "../../sandbox/postgres-server.js";

/**
 * The test run's throwaway PostgreSQL server (sandbox/postgres-server.ts), started once by
 * vitest's globalSetup (see vitest.config.ts) and handed to the test files with `provide`.
 */

export type PostgresProvided =
  | ({ state: "running" } & PostgresServerInfo)
  /** No PostgreSQL installed: the PostgreSQL tests are skipped (failed where CI=true). */
  | { state: "missing"; reason: string }
  /** Installed, but the server did not start: the PostgreSQL tests fail with the reason. */
  | { state: "failed"; reason: string };

declare module "vitest" {
  export interface ProvidedContext {
    postgres: PostgresProvided;
  }
}

let shared: RunningServer | undefined;

/** vitest globalSetup: one server for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  if (!findPostgresBin()) {
    const reason = postgresMissingReason();
    console.warn(`\n${reason}\n`);
    project.provide("postgres", { state: "missing", reason });
    return;
  }
  const started = performance.now();
  try {
    const server = await startThrowawayPostgres();
    shared = server;
    project.provide("postgres", { state: "running", ...server.info });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(`${server.info.version} started for the tests in ${seconds} s (${server.url()})`);
  } catch (error) {
    const reason = `PostgreSQL did not start for the tests: ${error instanceof Error ? error.message : String(error)}`;
    console.warn(`\n${reason}\n`);
    project.provide("postgres", { state: "failed", reason });
  }
}

export async function teardown(): Promise<void> {
  await shared?.stop();
}
