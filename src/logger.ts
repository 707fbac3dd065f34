import { ConsoleLogger, type Logger, LogLevel } from "@slack/logger";
import type { Config } from "./config.js";

const LEVELS = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
} as const;

export function createLogger(level: Config["logLevel"], name = "truce"): Logger {
  const logger = new ConsoleLogger();
  logger.setName(name);
  logger.setLevel(LEVELS[level]);
  return logger;
}

/** A logger that says nothing: for checks whose failure is reported otherwise, and for benches. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};
