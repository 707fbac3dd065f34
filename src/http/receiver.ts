/**
 * Truce's HTTP receiver: Bolt's HTTPReceiver does the routing (the Slack endpoint, custom routes
 * such as /healthz, and OAuth's /slack/install and /slack/oauth_redirect once configured), but
 * behind a server Truce owns, so that connections, header and request times are bounded and
 * every POST to the Slack endpoint passes the gate. The gate verifies and parses each body once;
 * the receiver then hands that body to Bolt's App itself, as Bolt's HTTPReceiver would after
 * verifying and parsing it a second time (acknowledgement, the 3-second fallback, retry headers
 * and error handling are Bolt's own HTTPResponseAck and handlers). Options are Bolt's
 * (HTTPReceiverOptions), passed through. OAuth options (clientId, clientSecret, stateSecret,
 * scopes, installationStore, installerOptions) belong here, not on the App: Bolt only hands them
 * to a receiver it builds itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  type App,
  type BufferedIncomingMessage,
  HTTPModuleFunctions,
  HTTPReceiver,
  type HTTPReceiverOptions,
  HTTPResponseAck,
  type Logger,
  type Receiver,
  type ReceiverEvent,
} from "@slack/bolt";
import { ConsoleLogger } from "@slack/logger";
import { createGate, DEFAULT_GATE_LIMITS, type GateLimits } from "./gate.js";

export interface ServerLimits {
  /**
   * Open connections at once; more are dropped on accept. Slack opens a few per workspace at a
   * time; together with the body limit this bounds what unsigned clients can make Truce buffer
   * (maxConnections × maxBodyBytes).
   */
  maxConnections: number;
  /** Time for a client to send its request headers. */
  headersTimeoutMs: number;
  /** Time for a client to send its whole request; a slow body holds a connection no longer. */
  requestTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxConnections: 128,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
};

export type GatedReceiverOptions = HTTPReceiverOptions & {
  limits?: Partial<GateLimits & ServerLimits>;
  /** The gate's clock for request timestamps (milliseconds); the real clock unless a test sets one. */
  now?: () => number;
};

const DEFAULT_ENDPOINT = "/slack/events";

export class GatedHTTPReceiver implements Receiver {
  private readonly bolt: HTTPReceiver;
  private readonly endpoints: string[];
  private readonly logger: Logger;
  private readonly limits: GateLimits & ServerLimits;
  private readonly gate: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly dispatchError: NonNullable<HTTPReceiverOptions["dispatchErrorHandler"]>;
  private readonly options: GatedReceiverOptions;
  private app: App | undefined;
  private server: Server | undefined;

  constructor(options: GatedReceiverOptions) {
    const { limits, now, ...boltOptions } = options;
    this.options = options;
    this.limits = { ...DEFAULT_GATE_LIMITS, ...DEFAULT_SERVER_LIMITS, ...limits };
    this.logger = options.logger ?? new ConsoleLogger();
    // Bolt's own limit, in case a request ever reached it without the gate.
    this.bolt = new HTTPReceiver({
      ...boltOptions,
      logger: this.logger,
      bodyLimit: this.limits.maxBodyBytes,
    });
    const endpoints = options.endpoints ?? DEFAULT_ENDPOINT;
    this.endpoints = Array.isArray(endpoints) ? endpoints : [endpoints];
    this.dispatchError =
      options.dispatchErrorHandler ?? HTTPModuleFunctions.defaultDispatchErrorHandler;
    this.gate = createGate(
      {
        signingSecret: options.signingSecret,
        logger: this.logger,
        limits: this.limits,
        ...(now ? { now } : {}),
      },
      (req, res, body) => this.toApp(req, res, body),
    );
  }

  /** Bolt's App looks for the OAuth installer on its receiver to authorize requests. */
  get installer(): HTTPReceiver["installer"] {
    return this.bolt.installer;
  }

  init(app: App): void {
    this.app = app;
    this.bolt.init(app);
  }

  /** The request listener: the gate for POSTs to the Slack endpoint, Bolt for the rest. */
  readonly requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      res.writeHead(400);
      res.end();
      return;
    }
    if (req.method === "POST" && this.endpoints.includes(path)) this.gate(req, res);
    else this.toBolt(req, res);
  };

  /**
   * A request the gate let through, to the App: what Bolt's HTTPReceiver does once it has
   * verified and parsed a body (handleIncomingEvent), on the body the gate already has.
   */
  private toApp(
    req: BufferedIncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): void {
    const app = this.app;
    if (!app) {
      res.writeHead(503);
      res.end();
      return;
    }
    if (body.type === "url_verification") {
      HTTPModuleFunctions.buildUrlVerificationResponse(res, body);
      return;
    }
    const { options, logger } = this;
    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: options.processBeforeResponse ?? false,
      unhandledRequestHandler:
        options.unhandledRequestHandler ?? HTTPModuleFunctions.defaultUnhandledRequestHandler,
      unhandledRequestTimeoutMillis: options.unhandledRequestTimeoutMillis ?? 3001,
      httpRequest: req,
      httpRequestBody: body,
      httpResponse: res,
    });
    const event: ReceiverEvent = {
      body,
      ack: ack.bind(),
      retryNum: HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req),
      retryReason: HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req),
      customProperties: options.customPropertiesExtractor?.(req) ?? {},
    };
    app.processEvent(event).then(
      () => {
        // processBeforeResponse: the listener's acknowledgement goes out once it has finished.
        if (ack.storedResponse !== undefined)
          HTTPModuleFunctions.buildContentResponse(res, ack.storedResponse);
      },
      async (error: unknown) => {
        const handle =
          options.processEventErrorHandler ?? HTTPModuleFunctions.defaultProcessEventErrorHandler;
        const acknowledged = await handle({
          error: error as Error,
          logger,
          request: req,
          response: res,
          storedResponse: ack.storedResponse,
        }).catch(() => false);
        if (acknowledged) ack.ack();
      },
    );
  }

  private toBolt(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.bolt.requestListener(req, res);
    } catch (error) {
      // Bolt throws for a path it has no route for; its handler answers 404.
      this.dispatchError({
        error: error as Error,
        logger: this.logger,
        request: req,
        response: res,
      });
    }
  }

  start(port: number): Promise<Server> {
    if (this.server) return Promise.reject(new Error("The HTTP receiver is already started."));
    const server = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        // How often Node enforces the two timeouts above (its default is every 30 s).
        connectionsCheckingInterval: 1_000,
      },
      this.requestListener,
    );
    server.maxConnections = this.limits.maxConnections;
    this.server = server;
    return new Promise((resolve, reject) => {
      let listening = false;
      // Before listening (a busy port) the start fails; after it, an error is logged, not thrown.
      server.on("error", (error) => {
        if (listening) {
          this.logger.error(`The HTTP server failed: ${error.message}`);
          return;
        }
        this.server = undefined;
        reject(error);
      });
      server.listen(port, () => {
        listening = true;
        resolve(server);
      });
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  }
}
