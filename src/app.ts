import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { App, type Logger, LogLevel, SocketModeReceiver } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import { type ScheduledTask, schedule } from "node-cron";
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { registerCommands } from "./handlers/commands.js";
import { registerCommitments } from "./handlers/commitments.js";
import { dropRedeliveries, registerEvents, rememberOrganisations } from "./handlers/events.js";
import { registerHome } from "./handlers/home.js";
import { registerReminderActions } from "./handlers/reminders.js";
import { registerReport } from "./handlers/report.js";
import { Routes } from "./handlers/routes.js";
import { registerSetup } from "./handlers/setup.js";
import { registerSurvey } from "./handlers/survey.js";
import { refuseMalformedEnvelopes } from "./http/guard.js";
import { GatedHTTPReceiver } from "./http/receiver.js";
import { runDueJobs } from "./jobs/heartbeat.js";
import type { Runtime } from "./runtime.js";
import { chartsIdle } from "./services/charts.js";
import { createDigestScheduler } from "./services/digest.js";
import { createDmQueue, realSleep, type Sleep } from "./services/dm-queue.js";
import { createHomeRefresher } from "./services/home.js";
import { createInstallationStore } from "./services/installations.js";
import { createInvitationRefresher } from "./services/invitations.js";
import { chosenLeaders, createLeaderDirectory } from "./services/leaders.js";
import { realTimers, type Scheduler } from "./services/scheduler.js";
import { describeError } from "./services/slack.js";
import { slackTokenRefresher } from "./services/token-rotation.js";
import { workspaceClients } from "./services/workspace-clients.js";
import { workspaceInstalled } from "./services/workspaces.js";
import { BOT_SCOPES } from "./slack-scopes.js";
import type { Store } from "./store/index.js";
import { keyFingerprint, personKeyer } from "./store/keys.js";
import type { Instrument } from "./survey/instrument.js";

export interface AppInput {
  config: Config;
  store: Store;
  instrument: Instrument;
  secret: string;
  logger: Logger;
  clock?: () => number;
  /** Delayed work on `clock` (the throttle of invitation refreshes); real timers by default. */
  scheduler?: Scheduler;
  /** Start node-cron's minute heartbeat (off in tests, which call runDueJobs themselves). */
  heartbeat?: boolean;
  /** How the DM queue waits between DMs and for Retry-After (tests move their clock instead). */
  sleep?: Sleep;
}

export interface TruceApp {
  app: App;
  runtime: Runtime;
  /** Starts receiving; resolves to the HTTP port (HTTP mode) or undefined (Socket Mode). */
  start(): Promise<number | undefined>;
  stop(): Promise<void>;
  /** One scheduler tick: closes due rounds, retries failed announcements, sends due digests. */
  runDueJobs(): Promise<{ closed: number[]; digests: number }>;
  /**
   * Sends what background work started by requests still owes (invitation updates waiting for
   * their throttle window) at once, and resolves when it is done.
   */
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

/**
 * `GET /healthz`: 200 with JSON while the database takes reads and writes (and, in Socket Mode,
 * the socket to Slack is up), 503 otherwise, saying which part is down.
 */
async function answerHealth(
  store: Store,
  socket: (() => boolean) | undefined,
  res: ServerResponse,
): Promise<void> {
  const db = await store.health();
  const database = db.writable ? "writable" : db.readable ? "not writable" : "unreachable";
  const connected = socket ? socket() : undefined;
  const ok = db.writable && connected !== false;
  res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      ok,
      database,
      ...(db.problem ? { problem: db.problem } : {}),
      ...(connected === undefined ? {} : { socket: connected ? "connected" : "disconnected" }),
    }),
  );
}

function createHealthServer(store: Store, socket: () => boolean): Server {
  return createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/healthz")
      return void answerHealth(store, socket, res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: false, error: "not_found" }));
  });
}

/** Listens and resolves once bound; rejects (e.g. EADDRINUSE) instead of crashing the process. */
function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** Every Slack handler, in one place per surface, found by id (see routes.ts). */
export function registerRoutes(routes: Routes, rt: Runtime): void {
  registerCommands(routes, rt);
  registerSurvey(routes, rt);
  registerEvents(routes, rt);
  registerSetup(routes, rt);
  registerCommitments(routes, rt);
  registerReminderActions(routes, rt);
  registerReport(routes, rt);
  registerHome(routes, rt);
}

/**
 * Bolt's global middleware, then the routes as its last step (each handler behind the request
 * log); no Bolt listener is registered.
 */
export function registerListeners(app: App, rt: Runtime): void {
  // Over HTTP the gate has checked the envelope already (and refused a malformed one with a
  // 400); only Socket Mode's requests reach Bolt unchecked.
  if (rt.config?.appToken !== undefined) app.use(refuseMalformedEnvelopes(rt.logger));
  app.use(rememberOrganisations(rt));
  const routes = new Routes();
  registerRoutes(routes, rt);
  app.use(routes.middleware(dropRedeliveries(rt)));
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
    keyFingerprint: keyFingerprint(input.secret),
    logger: input.logger,
  };
  const logger = boltLogger(input.logger);
  const logLevel = BOLT_LEVELS[config.logLevel === "debug" ? "info" : config.logLevel];
  // Built here rather than by Bolt so /healthz can tell whether the socket to Slack is up.
  const socketReceiver =
    config.appToken !== undefined
      ? new SocketModeReceiver({
          appToken: config.appToken,
          logger,
          logLevel,
          // The socket client keeps its own reconnect-friendly retry policy (the app's short
          // one would give up during a brief Slack outage); it only needs the API URL.
          installerOptions: {
            clientOptions: config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {},
          },
        })
      : undefined;
  let socketConnected = false;
  socketReceiver?.client.on("connected", () => {
    socketConnected = true;
  });
  // "close" is the socket dropping; the client waits a while before it says "reconnecting".
  for (const state of ["close", "disconnected", "reconnecting", "disconnecting"])
    socketReceiver?.client.on(state, () => {
      socketConnected = false;
    });
  const healthz = {
    path: "/healthz",
    method: ["GET"],
    handler: (_req: IncomingMessage, res: ServerResponse) => answerHealth(store, undefined, res),
  };
  const clientOptions: WebClientOptions = {
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    // Rate-limited calls wait for Retry-After and go again; other failures retry briefly.
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 2000, randomize: true },
  };
  // Many workspaces: each installs through Slack's OAuth flow and its token lives, sealed, in
  // the database. The runtime is built below; the install callback only runs later.
  let runtime: Runtime | undefined;
  const installations = config.oauth
    ? createInstallationStore(
        store,
        input.secret,
        deps.clock,
        async (installation) => {
          const teamId = installation.team?.id;
          if (runtime && teamId) await workspaceInstalled(runtime, teamId);
        },
        slackTokenRefresher(config.oauth.clientId, config.oauth.clientSecret, clientOptions),
      )
    : undefined;
  // Every client (Bolt's per request, the jobs' per workspace) sends through the rotation's
  // fetch, so a token Slack expired early is refreshed and the call goes again.
  if (installations) clientOptions.fetch = installations.rotation.fetch;
  const httpReceiver = socketReceiver
    ? undefined
    : new GatedHTTPReceiver({
        signingSecret: config.signingSecret as string,
        customRoutes: [healthz],
        logger,
        ...(config.oauth && installations
          ? {
              clientId: config.oauth.clientId,
              clientSecret: config.oauth.clientSecret,
              stateSecret: config.oauth.stateSecret,
              scopes: [...BOT_SCOPES],
              installationStore: installations,
              installerOptions: {
                installPath: "/slack/install",
                redirectUriPath: "/slack/oauth_redirect",
                // The installer's own calls (oauth.v2.access, token refresh) go where the app's go.
                clientOptions,
              },
            }
          : {}),
      });
  const app = new App({
    ...(config.botToken ? { token: config.botToken } : {}),
    receiver: socketReceiver ?? (httpReceiver as GatedHTTPReceiver),
    logger,
    logLevel,
    clientOptions,
    // Truce keeps no per-conversation state in Bolt: its memory store would cost a lookup on
    // every request and grow with every channel and DM it hears from.
    convoStore: false,
  });
  app.error(async (error) => {
    input.logger.error(`Unhandled error in a Slack handler: ${describeError(error)}`);
  });

  const slack = installations
    ? workspaceClients(installations, clientOptions)
    : async (_teamId: string) => app.client;
  // Live refreshes of invitations have clients of their own: Slack rate-limits chat.update
  // (Tier 3), and a client told to wait holds every call queued behind it — closing posts,
  // digests and reminders must not wait behind a participation count. A 429 here is handed to
  // the refresher, which tries again later with fresh figures instead of replaying old ones.
  const refreshOptions = { ...clientOptions, rejectRateLimitedCalls: true };
  const refreshClient = new WebClient(config.botToken, refreshOptions);
  const refreshSlack = installations
    ? workspaceClients(installations, refreshOptions)
    : async (_teamId: string) => refreshClient;
  const afterAckWork = new Set<Promise<unknown>>();
  const afterAck = (what: string, work: () => Promise<unknown>) => {
    const running: Promise<unknown> = work()
      .catch((error) => input.logger.warn(`Could not ${what}: ${describeError(error)}`))
      .finally(() => afterAckWork.delete(running));
    afterAckWork.add(running);
  };
  const settled = async () => {
    await runtime?.invitations.flush();
    await runtime?.home.flush();
    await runtime?.dms.idle();
    if (runtime) await chartsIdle(runtime);
    while (afterAckWork.size > 0) await Promise.allSettled([...afterAckWork]);
    // Work after an ack may have queued DMs (a Remind button) or Home refreshes of its own.
    await runtime?.dms.idle();
    await runtime?.home.flush();
  };
  const leaders = createLeaderDirectory(
    config,
    deps.clock,
    async (teamId) => (await installations?.forTeam(teamId))?.user?.id,
    (teamId) => chosenLeaders(deps, teamId),
    store.settings,
  );
  const withoutQueue = {
    ...deps,
    afterAck,
    slack,
    leaders,
    // Home tabs are republished on the refresh clients too: a 429 there waits for nothing else.
    home: createHomeRefresher(deps, {
      slack: refreshSlack,
      scheduler: input.scheduler ?? realTimers,
      leaders,
    }),
    invitations: createInvitationRefresher(deps, {
      slack: refreshSlack,
      scheduler: input.scheduler ?? realTimers,
    }),
  };
  runtime = { ...withoutQueue, dms: createDmQueue(withoutQueue, input.sleep ?? realSleep) };
  const digests = createDigestScheduler(runtime);
  registerListeners(app, runtime);

  let task: ScheduledTask | undefined;
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = () => {
    ticking = ticking
      // One instance at a time runs a tick: the database keeps every step exactly-once anyway,
      // and this saves the others repeating the same Slack calls.
      .then(() => store.exclusive("heartbeat", () => runDueJobs(runtime, digests)))
      .catch((error) => input.logger.error(`Scheduled work failed: ${describeError(error)}`));
    return ticking;
  };

  // In Socket Mode nothing else listens on PORT, so /healthz gets a server of its own (Bolt's
  // would neither report a busy port nor say which port it bound).
  let healthServer: Server | undefined;

  return {
    app,
    runtime,
    async start() {
      // On SQLite this process is the only one on its file: a delivery left leased by a process
      // that died is nobody's any more, and is resumed by the first tick. On PostgreSQL other
      // instances may be sending right now; their leases run out by themselves if they died.
      if (!config.databaseUrl) {
        await store.deliveries.releaseAllLeases();
        await store.dms.releaseAllLeases();
      }
      let server: Server;
      if (socketReceiver) {
        healthServer = await listen(
          createHealthServer(store, () => socketConnected),
          config.port,
        );
        await app.start();
        server = healthServer;
      } else {
        server = (await app.start(config.port)) as Server;
      }
      if (input.heartbeat !== false) {
        task = schedule("* * * * *", () => void tick(), { name: "truce-heartbeat" });
        void tick(); // catch up on anything missed while stopped
      }
      const address = server.address();
      return typeof address === "object" && address ? address.port : undefined;
    },
    async stop() {
      await task?.stop();
      await ticking;
      await runtime.dms.stop();
      await runtime.invitations.stop();
      await runtime.home.stop();
      await settled();
      await app.stop();
      if (healthServer) await new Promise<void>((resolve) => healthServer?.close(() => resolve()));
    },
    runDueJobs: () => runDueJobs(runtime, digests),
    idle: settled,
  };
}
