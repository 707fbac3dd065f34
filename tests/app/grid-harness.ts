import { join } from "node:path";
import type { FakeSlackGrid } from "../../sandbox/grid.js";
import { createApp, type TruceApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { openPostgresStore, openSqliteStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { MARKETING, recordingLogger, SALES, SECRET, SIGNING_SECRET } from "./harness.js";

export const CLIENT_ID = "1234567890.9876543210";
export const CLIENT_SECRET = "client-secret-0123456789";

export interface GridTruce {
  truce: TruceApp;
  store: Store;
  /** http://127.0.0.1:PORT, where the install page and the events endpoint are. */
  base: string;
}

/**
 * Truce as a distributed app (OAuth: client id, secret and state secret, no bot token) in
 * front of a fake Slack grid, on SQLite in `dir` or on PostgreSQL at `databaseUrl`.
 */
export async function startTruceOnGrid(
  grid: FakeSlackGrid,
  options: { dir: string; databaseUrl?: string; clock: () => number },
): Promise<GridTruce> {
  const config = loadConfig({
    SLACK_CLIENT_ID: CLIENT_ID,
    SLACK_CLIENT_SECRET: CLIENT_SECRET,
    SLACK_STATE_SECRET: "state-secret-0123456789",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: grid.apiUrl,
    ...(options.databaseUrl
      ? { DATABASE_URL: options.databaseUrl }
      : { DATABASE_PATH: join(options.dir, "truce.db") }),
    TRUCE_SECRET: SECRET,
    TRUCE_SALES_CHANNEL: SALES,
    TRUCE_MARKETING_CHANNEL: MARKETING,
    PORT: "0",
  });
  const store = options.databaseUrl
    ? await openPostgresStore(options.databaseUrl)
    : openSqliteStore(config.databasePath);
  const truce = createApp({
    config,
    store,
    instrument: DEFAULT_INSTRUMENT,
    secret: SECRET,
    logger: recordingLogger(),
    clock: options.clock,
    heartbeat: false,
  });
  return { truce, store, base: `http://127.0.0.1:${await truce.start()}` };
}
