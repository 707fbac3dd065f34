import { openPostgresStore } from "./postgres/index.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store } from "./types.js";

export { createPostgresStore, openPostgresStore } from "./postgres/index.js";
export { openSqliteStore } from "./sqlite/index.js";
export * from "./types.js";

/** PostgreSQL when a database URL is configured (several instances can share it), else SQLite. */
export async function openStore(config: {
  databaseUrl?: string | undefined;
  databasePath: string;
}): Promise<Store> {
  return config.databaseUrl
    ? openPostgresStore(config.databaseUrl)
    : openSqliteStore(config.databasePath);
}
