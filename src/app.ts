import type { Server } from "node:http";
import { App, type Logger, LogLevel } from "@slack/bolt";
import { type ScheduledTask, schedule } from "node-cron";
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { registerCommands } from "./handlers/commands.js";
import { dropRedeliveredEvents, registerEvents } from "./handlers/events.js";
import { registerSurvey } from "./handlers/survey.js";
import { runDueJobs } from "./jobs/heartbeat.js";
import type { ClosingDeps } from "./services/closing.js";
import { createLeaderDirectory } from "./services/leaders.js";
import { createInvitationRefresher } from "./services/rounds.js";
import { describeError } from "./services/slack.js";
import type { Store } from "./store/index.js";
import { personKeyer } from "./store/keys.js";
import type { Instrument } from "./survey/instrument.js";

export interface AppInput {
  config: Config;
  store: Store;
  instrument: Instrument;
  secret: string;
  logger: Logger;
  clock?: () => number;
  /** Start node-cron's minute heartbeat (off in tests, which call runDueJobs themselves). */
  heartbeat?: boolean;
}

export interface TruceApp {
  app: App;
  deps: Deps;
  /** Starts receiving; resolves to the HTTP port (HTTP mode) or undefined (Socket Mode). */
  start(): Promise<number | undefined>;
  stop(): Promise<void>;
  /** One scheduler tick: closes due rounds, retries failed announcements. */
  runDueJobs(): Promise<{ closed: number[] }>;
  /** Resolves once background work started by requests (invitation updates) is done. */
  idle(): Promise<void>;
}

const BOLT_LEVELS = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
} as const;

/**
 * Bolt's own logger: Bolt's debug output includes request payloads (a survey submission carries
 * someone's ratings), so its debug lines are dropped whatever LOG_LEVEL says, and Bolt may not
 * change the level of the app's logger.
 */
function boltLogger(logger: Logger): Logger {
  return {
    debug: () => undefined,
    info: (...msg) => logger.info(...msg),
    warn: (...msg) => logger.warn(...msg),
    error: (...msg) => logger.error(...msg),
    setLevel: () => undefined,
    getLevel: () => logger.getLevel(),
    setName: () => undefined,
  };
}

/** Every Slack listener, in one place per surface. */
export function registerListeners(app: App, deps: Deps, closing: ClosingDeps): void {
  app.use(dropRedeliveredEvents());
  registerCommands(app, deps, closing);
  registerSurvey(app, deps, closing.invitations);
  registerEvents(app, deps);
}

/** The composition root: wires Bolt, handlers, store, clock and scheduler. */
export function createApp(input: AppInput): TruceApp {
  const { config, store } = input;
  const deps: Deps = {
    config,
    store,
    instrument: input.instrument,
    clock: input.clock ?? Date.now,
    personKey: personKeyer(input.secret),
    logger: input.logger,
  };
  const socketMode = config.appToken !== undefined;
  const healthz = {
    path: "/healthz",
    method: ["GET"],
    handler: (_req: unknown, res: import("node:http").ServerResponse) => {
      let ok = false;
      try {
        ok = store.ping();
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok, database: ok ? "reachable" : "unreachable" }));
    },
  };
  const app = new App({
    token: config.botToken,
    ...(socketMode
      ? { socketMode: true, appToken: config.appToken, installerOptions: { port: config.port } }
      : { signingSecret: config.signingSecret as string }),
    customRoutes: [healthz],
    logger: boltLogger(input.logger),
    logLevel: BOLT_LEVELS[config.logLevel === "debug" ? "info" : config.logLevel],
    clientOptions: {
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
      // Rate-limited calls wait for Retry-After and go again; other failures retry briefly.
      rejectRateLimitedCalls: false,
      retryConfig: { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 2000, randomize: true },
    },
  });
  app.error(async (error) => {
    input.logger.error(`Unhandled error in a Slack handler: ${describeError(error)}`);
  });

  const invitations = createInvitationRefresher(deps, () => app.client);
  const closing: ClosingDeps = {
    deps,
    client: () => app.client,
    leaders: createLeaderDirectory(config, deps.clock),
    invitations,
  };
  registerListeners(app, deps, closing);

  let task: ScheduledTask | undefined;
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = () => {
    ticking = ticking
      .then(() => runDueJobs(closing))
      .catch((error) => input.logger.error(`Scheduled work failed: ${describeError(error)}`));
    return ticking;
  };

  return {
    app,
    deps,
    async start() {
      const started = (await (socketMode ? app.start() : app.start(config.port))) as unknown;
      if (input.heartbeat !== false) {
        task = schedule("* * * * *", () => void tick(), { name: "truce-heartbeat" });
        void tick(); // catch up on anything missed while stopped
      }
      const address = (started as Server | undefined)?.address?.();
      return typeof address === "object" && address ? address.port : undefined;
    },
    async stop() {
      await task?.stop();
      await ticking;
      await invitations.idle();
      await app.stop();
    },
    runDueJobs: () => runDueJobs(closing),
    idle: () => invitations.idle(),
  };
}
