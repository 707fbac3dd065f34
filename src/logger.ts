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
