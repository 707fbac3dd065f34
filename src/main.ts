import { existsSync } from "node:fs";
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { StartupError, verifySlackTokens } from "./startup.js";
import { openStore, StoreUnavailableError } from "./store/index.js";
import { resolveSecret } from "./store/keys.js";
import { StoragePathError } from "./store/open-errors.js";
import { DEFAULT_INSTRUMENT } from "./survey/instrument.js";
import { InstrumentFileError, loadInstrumentFile } from "./survey/instrument-file.js";

/** One line naming DATABASE_URL, its host (never its password) and what went wrong. */
function databaseUrlProblem(url: string, error: StoreUnavailableError): string {
  let where = "the server";
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    // keep the generic wording
  }
  return `DATABASE_URL: PostgreSQL at ${where} refused or could not be reached (${error.code ?? error.reason}); check the host, port, database name, user and password, and that the server is running.`;
}

/** Entry point: read config, open the store, build the app, start receiver and scheduler. */
async function main(): Promise<void> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const instrument = config.instrumentPath
    ? loadInstrumentFile(config.instrumentPath)
    : DEFAULT_INSTRUMENT;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    databasePath: config.databasePath,
  }).catch((error: unknown) => {
    if (config.databaseUrl && error instanceof StoreUnavailableError)
      throw new StartupError(databaseUrlProblem(config.databaseUrl, error));
    throw error;
  });
  const secret = resolveSecret(config.secret, config.databasePath);
  // Before createApp: Bolt's constructor checks the bot token too, but a refusal there surfaces
  // as an unhandled rejection with a stack trace.
  await verifySlackTokens(config);
  const truce = createApp({ config, store, instrument, secret, logger });
  const port = await truce.start();
  logger.info(
    config.appToken
      ? "Truce is running in Socket Mode."
      : `Truce is listening on port ${port}: POST /slack/events, GET /healthz.`,
  );
  const shutdown = async (signal: string) => {
    logger.info(`${signal} received, shutting down.`);
    await truce.stop();
    await store.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof InstrumentFileError ||
    error instanceof StartupError ||
    error instanceof StoragePathError
  ) {
    console.error(error.message);
  } else {
    console.error(
      `Truce failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});
