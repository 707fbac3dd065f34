/**
 * FakeSlackGrid: several workspaces behind ONE Web API URL, and Slack's OAuth v2 install flow.
 *
 * An app in OAuth mode has one Slack API URL for every workspace and tells them apart only by the
 * token it calls with. The grid starts one FakeSlack per workspace (each as in fake-slack.ts:
 * its own users, channels, messages and recordings) and a front server whose `apiUrl` sends
 * every Web API call to the workspace that owns the call's token (Authorization bearer, or the
 * `token` form field), and answers `oauth.v2.access` itself. A workspace accepts no token until
 * the app is installed in it: `authorize` plays the user clicking Allow on Slack's consent page
 * and returns the one-time code the app exchanges with `oauth.v2.access`; the token that exchange
 * issues is the one that workspace's fake then accepts, with the scopes granted.
 *
 * No test-framework imports: usable from vitest and from a demo script.
 *
 * Usage:
 *   const grid = await startFakeSlackGrid({
 *     clientId: "1111.2222", clientSecret: "s3cret", tokenRotation: true,
 *     workspaces: [{ teamId: "T0AAA0001", ...sampleWorkspace() }, { teamId: "T0BBB0001", users, channels }],
 *   });
 *   // the app: new App({ clientId, clientSecret, stateSecret, scopes, installationStore,
 *   //                    clientOptions: { slackApiUrl: grid.apiUrl }, … })
 *   const result = await grid.installViaBrowser({ appBaseUrl, teamId: "T0AAA0001", userId: "U0ADMIN01" });
 *   const driver = grid.driver("T0AAA0001", { appUrl: `${appBaseUrl}/slack/events`, signingSecret });
 *   await driver.command("U0ADMIN01", "C0SALES01", "status");
 *   grid.workspace("T0AAA0001").messagesIn("C0SALES01");   // only workspace A's messages
 *   await grid.close();
 *
 * oauth.v2.access answers Slack's errors: invalid_client_id, bad_client_secret (credentials as
 * form or JSON parameters, or HTTP Basic), invalid_grant_type, invalid_code (unknown, missing,
 * older than 10 minutes, or already exchanged), bad_redirect_uri, oauth_authorization_url_mismatch
 * (a code from the v1 authorize URL), cannot_install_an_org_installed_app, invalid_refresh_token.
 * Web API calls with a token no workspace owns answer invalid_auth, without one not_authed.
 */

import { randomBytes } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { isObj, type Obj } from "./block-kit.js";
import { type DriverResponse, type RequestOptions, SlackDriver } from "./driver.js";
import {
  type FakeProblem,
  type FakeSlack,
  type FakeSlackOptions,
  type RecordedCall,
  type RevokedTokenError,
  startFakeSlack,
} from "./fake-slack.js";
import { listenOnLoopback } from "./listen.js";
import { manifestBotScopes } from "./manifest.js";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/**
 * One workspace of the grid: a FakeSlack's options and its team id. Its bot token, app id, clock
 * and scopes come from the grid and the install. Default bot ids are derived from the team id
 * (from the organisation's id for the workspaces of one, which share their bot user as in
 * Enterprise Grid), so no two workspaces share them by accident.
 */
export interface GridWorkspaceOptions
  extends Omit<FakeSlackOptions, "botToken" | "appId" | "now" | "scopes" | "port"> {
  teamId: string;
}

export interface FakeSlackGridOptions {
  workspaces: GridWorkspaceOptions[];
  clientId: string;
  clientSecret: string;
  /** The app's id in every workspace (`app_id`, payloads' `api_app_id`); default A0TRUCEAPP. */
  appId?: string;
  /**
   * The app's Redirect URL, as set on its OAuth page. An authorize `redirectUri` must start with
   * it; `approve` and `installViaBrowser` redirect to it when the authorize URL names none.
   */
  redirectUri?: string;
  /**
   * Token rotation: access tokens (`xoxe.xoxb-1-…`) expire after `expiresIn` seconds (default
   * 43200, twelve hours), and the exchange also returns a `refresh_token` (`xoxe-1-…`).
   */
  tokenRotation?: boolean | { expiresIn?: number };
  /** The bot scopes an `authorize` grants when it names none; default the manifest's. */
  scopes?: string[];
  /** The clock of the grid and of every workspace (codes and tokens expire on it), ms. */
  now?: () => number;
  port?: number;
}

export interface AuthorizeOptions {
  /** The workspace the user installs the app into. */
  teamId?: string;
  /**
   * With no `teamId`: an organisation-wide install on this Enterprise Grid organisation (every
   * workspace of it). With a `teamId`, it must be that workspace's organisation.
   */
  enterpriseId?: string;
  /** Who clicked Allow: a (not deleted) user of the workspace, or of one of the org's. */
  userId: string;
  /** Bot scopes granted; default the grid's `scopes` (the manifest's). */
  scopes?: string[];
  /** User scopes; when given, the exchange also returns a user token in `authed_user`. */
  userScopes?: string[];
  /** The authorize URL's `redirect_uri`: the exchange must then send the same one. */
  redirectUri?: string;
  /** Played on the v1 authorize URL (/oauth/authorize): oauth.v2.access refuses its code. */
  v1?: boolean;
}

/** An installation of the app, as the grid issued it. */
export interface GridInstallation {
  /** The workspace; null for an organisation-wide install. */
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  /** The workspaces the tokens work in (all of the organisation's for an org-wide install). */
  teamIds: string[];
  appId: string;
  botToken: string;
  botUserId: string;
  botId: string;
  scopes: string[];
  /** With token rotation: the refresh token valid now, and when `botToken` expires (grid clock). */
  refreshToken?: string;
  expiresAt?: number;
  /** The user who clicked Allow. */
  installerUserId: string;
  userToken?: string;
  userScopes?: string[];
  userRefreshToken?: string;
  userExpiresAt?: number;
  installedAt: number;
}

/** What the user's Allow led to: the code, and where Slack sends the browser. */
export interface Approval {
  code: string;
  state: string | undefined;
  /** `redirect_uri?code=…&state=…` */
  redirectUrl: string;
}

export interface ApproveOptions {
  teamId?: string;
  enterpriseId?: string;
  userId: string;
  /** Where to redirect when neither the authorize URL nor the grid names a redirect URL. */
  fallbackRedirectUri?: string;
}

export interface GridDriverOptions {
  /** e.g. `http://127.0.0.1:PORT/slack/events` */
  appUrl: string;
  signingSecret: string;
  command?: string;
  ackTimeoutMs?: number;
}

export interface UninstallOptions extends RequestOptions {
  /** What calls with the revoked tokens answer; default `account_inactive`. */
  error?: RevokedTokenError;
  /**
   * Send `tokens_revoked` and `app_uninstalled` through the workspace's driver (see `driver`);
   * default true, and then a driver must exist.
   */
  notify?: boolean;
}

export interface BrowserInstallOptions {
  /** The app's base URL, e.g. `http://127.0.0.1:PORT`. */
  appBaseUrl: string;
  teamId?: string;
  enterpriseId?: string;
  userId: string;
  /** The app's install path; default `/slack/install` (Bolt's). */
  installPath?: string;
  /** Come back without the state cookie (as a different browser would). */
  dropCookie?: boolean;
  /** The user clicks Cancel: Slack redirects with `error=access_denied`. */
  deny?: boolean;
}

export interface BrowserInstallResult {
  /** The app's answer to the redirect (Bolt's success page is 200). */
  status: number;
  body: string;
  headers: Record<string, string>;
  /** The Slack authorize URL the install path linked or redirected to. */
  authorizeUrl: string;
  state: string | undefined;
  /** The code handed to the app (none when the user cancelled). */
  code: string | undefined;
  /** The cookies the install path set, as `name=value`. */
  cookies: string[];
  /** The installation the flow left in the grid for that workspace or organisation. */
  installation: GridInstallation | undefined;
}

/** A problem recorded by the grid's front (no team) or by one of its workspaces. */
export interface GridProblem extends FakeProblem {
  teamId?: string;
}

export interface FakeSlackGrid {
  /** The front server (`http://127.0.0.1:PORT`) and its Web API URL, for every workspace. */
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appId: string;
  readonly workspaces: readonly FakeSlack[];
  /** Calls the front answered itself: oauth.v2.access, and calls no workspace could take. */
  readonly calls: RecordedCall[];

  now(): number;
  /** The workspace's fake; throws for a team id the grid does not have. */
  workspace(teamId: string): FakeSlack;
  /**
   * The user clicked Allow on Slack's consent page: a one-time code for oauth.v2.access, valid
   * 10 minutes. Throws when Slack would not offer Allow (unknown workspace or user, a redirect
   * URL that is not the app's).
   */
  authorize(options: AuthorizeOptions): string;
  /**
   * Allow on the consent page of an authorize URL (what the app's install page links to): its
   * `client_id` must be the app's, its `scope`, `user_scope`, `team` and `redirect_uri` are used.
   */
  approve(authorizeUrl: string, options: ApproveOptions): Approval;
  /** Cancel on the consent page: the redirect carries `error=access_denied` and the state. */
  deny(authorizeUrl: string, fallbackRedirectUri?: string): { redirectUrl: string };
  /** The installation of a workspace or organisation (by its id), if the app is installed. */
  installation(id: string): GridInstallation | undefined;
  /** The installation whose tokens work in the workspace: its own or its organisation's. */
  installationFor(teamId: string): GridInstallation | undefined;
  /**
   * The installation's access tokens (bot and user) expire now: calls answer `token_expired`
   * until the app refreshes them. Its refresh token still works. Needs token rotation.
   */
  expireTokens(id: string): void;
  /**
   * The app is uninstalled from the workspace (or, by the enterprise id, the organisation): its
   * tokens are revoked (calls answer `account_inactive`, or `options.error`), its refresh tokens
   * answer `invalid_refresh_token`, then the workspace's driver sends the signed
   * `tokens_revoked` and `app_uninstalled` events. Returns the app's answers to them.
   */
  uninstall(id: string, options?: UninstallOptions): Promise<DriverResponse[]>;
  /**
   * A SlackDriver for the workspace: payloads carry its team id, organisation and the app's id,
   * events an `authorizations` entry naming the installation, so Bolt's authorize picks it.
   */
  driver(teamId: string, options: GridDriverOptions): SlackDriver;
  /**
   * The browser's side of an install: GET the app's install path (keeping its cookies), Allow (or
   * Cancel) on the authorize URL it links or redirects to, then GET the app's redirect URL with
   * the code, the state and the cookies. Plain fetch on the app's base URL.
   */
  installViaBrowser(options: BrowserInstallOptions): Promise<BrowserInstallResult>;
  /** Every workspace's problems (with its team id) and the front's. */
  errors(): GridProblem[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers
// ---------------------------------------------------------------------------------------------

/** A code from the consent page can be exchanged for 10 minutes, once. */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** Slack's lifetime of a rotating access token: twelve hours. */
export const DEFAULT_EXPIRES_IN = 43_200;

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomChars(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

const digits = (length: number) => randomChars(length, "0123456789");

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Scopes as Slack writes them in URLs and answers: comma-separated (spaces tolerated). */
function scopeList(v: string | null | undefined): string[] {
  return (v ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function withQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? "");
  return m?.[1];
}

/** `client_id:client_secret` from HTTP Basic auth (each form-encoded, as RFC 6749 says). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? "");
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return undefined;
  const formDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  return { id: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** The call's arguments: query string, then a JSON or form body. */
function parseArgs(req: IncomingMessage, url: URL, raw: Buffer): { args: Obj; json: boolean } {
  const args: Obj = Object.fromEntries(url.searchParams);
  const ct = String(req.headers["content-type"] ?? "").toLowerCase();
  const text = raw.toString("utf8");
  if (text.length === 0) return { args, json: false };
  if (ct.includes("application/json")) {
    try {
      const body: unknown = JSON.parse(text);
      if (isObj(body)) Object.assign(args, body);
    } catch {
      // The workspace's fake answers invalid_json; here only the routing needs the arguments.
    }
    return { args, json: true };
  }
  Object.assign(args, Object.fromEntries(new URLSearchParams(text)));
  return { args, json: false };
}

function send(res: ServerResponse, status: number, body: Obj): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

interface PendingCode {
  teamId: string | null;
  enterpriseId: string | null;
  orgWide: boolean;
  userId: string;
  scopes: string[];
  userScopes: string[];
  redirectUri: string | undefined;
  v1: boolean;
  issuedAt: number;
  used: boolean;
}

interface RefreshEntry {
  /** The installation's key: its team id, or its enterprise id for an org-wide install. */
  key: string;
  kind: "bot" | "user";
}

// ---------------------------------------------------------------------------------------------
// The grid
// ---------------------------------------------------------------------------------------------

class Grid implements FakeSlackGrid {
  url = "";
  apiUrl = "";
  port = 0;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appId: string;
  readonly workspaces: FakeSlack[] = [];
  readonly calls: RecordedCall[] = [];

  private readonly clock: () => number;
  private readonly redirectUri: string | undefined;
  private readonly expiresIn: number | undefined;
  private readonly defaultScopes: string[] | undefined;
  private readonly byTeam = new Map<string, FakeSlack>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly installations = new Map<string, GridInstallation>();
  private readonly refreshTokens = new Map<string, RefreshEntry>();
  private readonly drivers = new Map<string, SlackDriver>();
  private readonly problems: FakeProblem[] = [];
  private server: Server | undefined;

  constructor(options: FakeSlackGridOptions) {
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.appId = options.appId ?? "A0TRUCEAPP";
    this.clock = options.now ?? Date.now;
    this.redirectUri = options.redirectUri;
    const rotation = options.tokenRotation;
    this.expiresIn = rotation
      ? ((rotation === true ? undefined : rotation.expiresIn) ?? DEFAULT_EXPIRES_IN)
      : undefined;
    this.defaultScopes = options.scopes;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async start(options: FakeSlackGridOptions): Promise<void> {
    if (options.workspaces.length === 0) throw new Error("fake grid: give at least one workspace");
    const orgNames = new Map<string, string>();
    for (const w of options.workspaces) {
      if (this.byTeam.has(w.teamId)) throw new Error(`fake grid: two workspaces ${w.teamId}`);
      if (w.enterpriseId && w.enterpriseName && !orgNames.has(w.enterpriseId)) {
        orgNames.set(w.enterpriseId, w.enterpriseName);
      }
      const idBase = (w.enterpriseId ?? w.teamId).slice(1).toUpperCase();
      const fake = await startFakeSlack({
        teamName: `Workspace ${w.teamId}`,
        teamDomain: w.teamId.toLowerCase(),
        botUserId: `UB${idBase}`,
        botId: `BB${idBase}`,
        ...w,
        ...(w.enterpriseId
          ? { enterpriseName: w.enterpriseName ?? orgNames.get(w.enterpriseId) }
          : {}),
        botToken: null,
        appId: this.appId,
        now: this.clock,
      });
      this.byTeam.set(w.teamId, fake);
      this.workspaces.push(fake);
    }
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          send(res, 500, { ok: false, error: "fatal_error", detail: String(err) });
        else res.end();
      });
    });
    this.server = server;
    this.port = await listenOnLoopback(server, options.port ?? 0);
    this.url = `http://127.0.0.1:${this.port}`;
    this.apiUrl = `${this.url}/api/`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await Promise.all(this.workspaces.map((w) => w.close()));
  }

  now(): number {
    return this.clock();
  }

  workspace(teamId: string): FakeSlack {
    const fake = this.byTeam.get(teamId);
    if (!fake) {
      throw new Error(
        `fake grid: no workspace ${teamId}; the grid has ${[...this.byTeam.keys()].join(", ")}`,
      );
    }
    return fake;
  }

  private orgWorkspaces(enterpriseId: string): FakeSlack[] {
    return this.workspaces.filter((w) => w.enterpriseId === enterpriseId);
  }

  errors(): GridProblem[] {
    const all: GridProblem[] = [...this.problems];
    for (const w of this.workspaces) {
      for (const p of w.errors()) all.push({ ...p, teamId: w.teamId });
    }
    return all.sort((a, b) => a.at - b.at);
  }

  // ---- the consent page ---------------------------------------------------------------------

  authorize(o: AuthorizeOptions): string {
    let teamId: string | null = null;
    let enterpriseId: string | null;
    let candidates: FakeSlack[];
    if (o.teamId !== undefined) {
      const fake = this.workspace(o.teamId);
      if (o.enterpriseId !== undefined && o.enterpriseId !== fake.enterpriseId) {
        throw new Error(`fake grid: ${o.teamId} is not a workspace of ${o.enterpriseId}`);
      }
      teamId = o.teamId;
      enterpriseId = fake.enterpriseId ?? null;
      candidates = [fake];
    } else if (o.enterpriseId !== undefined) {
      enterpriseId = o.enterpriseId;
      candidates = this.orgWorkspaces(o.enterpriseId);
      if (candidates.length === 0) {
        throw new Error(`fake grid: no workspace belongs to the organisation ${o.enterpriseId}`);
      }
    } else {
      throw new Error("fake grid: authorize needs a teamId, or an enterpriseId for an org install");
    }
    const user = candidates.map((w) => w.user(o.userId)).find((u) => u !== undefined);
    if (!user || user.deleted || user.isBot) {
      throw new Error(
        `fake grid: ${o.userId} is no user of ${teamId ?? enterpriseId}, so cannot click Allow there`,
      );
    }
    if (o.redirectUri !== undefined && this.redirectUri !== undefined) {
      if (!o.redirectUri.startsWith(this.redirectUri)) {
        throw new Error(
          `fake grid: Slack's consent page refuses redirect_uri ${o.redirectUri}: it is not under the app's Redirect URL ${this.redirectUri} (bad_redirect_uri)`,
        );
      }
    }
    const code = `${digits(10)}.${digits(13)}.${randomBytes(32).toString("hex")}`;
    this.codes.set(code, {
      teamId,
      enterpriseId,
      orgWide: teamId === null,
      userId: o.userId,
      scopes: o.scopes ?? this.defaultScopes ?? manifestBotScopes(),
      userScopes: o.userScopes ?? [],
      redirectUri: o.redirectUri,
      v1: o.v1 ?? false,
      issuedAt: this.now(),
      used: false,
    });
    return code;
  }

  private parseAuthorizeUrl(authorizeUrl: string): {
    url: URL;
    v1: boolean;
    redirectUri: string | undefined;
  } {
    const url = new URL(authorizeUrl);
    const v1 = url.pathname === "/oauth/authorize";
    if (!v1 && url.pathname !== "/oauth/v2/authorize") {
      throw new Error(
        `fake grid: ${authorizeUrl} is not Slack's authorize URL (/oauth/v2/authorize)`,
      );
    }
    const clientId = url.searchParams.get("client_id");
    if (clientId !== this.clientId) {
      throw new Error(
        `fake grid: Slack's consent page refuses client_id ${String(clientId)} (the app's is ${this.clientId}): invalid_client_id`,
      );
    }
    return { url, v1, redirectUri: url.searchParams.get("redirect_uri") ?? undefined };
  }

  approve(authorizeUrl: string, o: ApproveOptions): Approval {
    const { url, v1, redirectUri } = this.parseAuthorizeUrl(authorizeUrl);
    const team = url.searchParams.get("team") ?? undefined;
    if (team !== undefined && o.teamId !== undefined && team !== o.teamId) {
      throw new Error(`fake grid: the authorize URL is for ${team}, not ${o.teamId}`);
    }
    const teamId = o.teamId ?? (o.enterpriseId === undefined ? team : undefined);
    const target = redirectUri ?? this.redirectUri ?? o.fallbackRedirectUri;
    if (target === undefined) {
      throw new Error(
        "fake grid: no redirect URL: the authorize URL has no redirect_uri and the grid none (redirectUri)",
      );
    }
    const authorize: AuthorizeOptions = {
      userId: o.userId,
      scopes: scopeList(url.searchParams.get("scope")),
      v1,
    };
    if (teamId !== undefined) authorize.teamId = teamId;
    if (o.enterpriseId !== undefined) authorize.enterpriseId = o.enterpriseId;
    const userScopes = scopeList(url.searchParams.get("user_scope"));
    if (userScopes.length > 0) authorize.userScopes = userScopes;
    if (redirectUri !== undefined) authorize.redirectUri = redirectUri;
    const code = this.authorize(authorize);
    const state = url.searchParams.get("state") ?? undefined;
    return { code, state, redirectUrl: withQuery(target, { code, state }) };
  }

  deny(authorizeUrl: string, fallbackRedirectUri?: string): { redirectUrl: string } {
    const { url, redirectUri } = this.parseAuthorizeUrl(authorizeUrl);
    const target = redirectUri ?? this.redirectUri ?? fallbackRedirectUri;
    if (target === undefined) throw new Error("fake grid: no redirect URL to send the denial to");
    const state = url.searchParams.get("state") ?? undefined;
    return { redirectUrl: withQuery(target, { error: "access_denied", state }) };
  }

  // ---- installations ------------------------------------------------------------------------

  installation(id: string): GridInstallation | undefined {
    const inst = this.installations.get(id);
    return inst ? { ...inst, teamIds: [...inst.teamIds], scopes: [...inst.scopes] } : undefined;
  }

  installationFor(teamId: string): GridInstallation | undefined {
    const own = this.installation(teamId);
    if (own) return own;
    const org = this.workspace(teamId).enterpriseId;
    const orgWide = org ? this.installations.get(org) : undefined;
    return orgWide?.isEnterpriseInstall ? this.installation(org as string) : undefined;
  }

  private fakesOf(inst: GridInstallation): FakeSlack[] {
    return inst.teamIds.map((t) => this.workspace(t));
  }

  private newAccessToken(kind: "b" | "p"): string {
    return this.expiresIn !== undefined
      ? `xoxe.xox${kind}-1-${randomChars(40)}`
      : `xox${kind}-${digits(10)}-${digits(13)}-${randomChars(24)}`;
  }

  private newRefreshToken(key: string, kind: "bot" | "user"): string {
    const token = `xoxe-1-${randomChars(60)}`;
    this.refreshTokens.set(token, { key, kind });
    return token;
  }

  private expiry(): number | undefined {
    return this.expiresIn !== undefined ? this.now() + this.expiresIn * 1000 : undefined;
  }

  /** Make the installation's fakes accept its current tokens (with their expiry). */
  private acceptTokens(inst: GridInstallation): void {
    for (const fake of this.fakesOf(inst)) {
      const bot: Parameters<FakeSlack["acceptToken"]>[1] = {};
      if (inst.expiresAt !== undefined) bot.expiresAt = inst.expiresAt;
      if (inst.isEnterpriseInstall) bot.enterpriseInstall = true;
      fake.acceptToken(inst.botToken, bot);
      if (inst.userToken) {
        const user: Parameters<FakeSlack["acceptToken"]>[1] = { user: inst.installerUserId };
        if (inst.userExpiresAt !== undefined) user.expiresAt = inst.userExpiresAt;
        fake.acceptToken(inst.userToken, user);
      }
    }
  }

  private revokeInstallation(inst: GridInstallation, error: RevokedTokenError): void {
    for (const fake of this.fakesOf(inst)) {
      fake.revokeToken(inst.botToken, error);
      if (inst.userToken) fake.revokeToken(inst.userToken, error);
    }
    const key = inst.teamId ?? (inst.enterpriseId as string);
    for (const [token, entry] of this.refreshTokens) {
      if (entry.key === key) this.refreshTokens.delete(token);
    }
  }

  private install(pending: PendingCode): GridInstallation {
    const key = pending.orgWide ? (pending.enterpriseId as string) : (pending.teamId as string);
    const previous = this.installations.get(key);
    // A reinstall issues new tokens; the old ones stop working.
    if (previous) this.revokeInstallation(previous, "token_revoked");
    const fakes = pending.orgWide
      ? this.orgWorkspaces(pending.enterpriseId as string)
      : [this.workspace(pending.teamId as string)];
    const first = fakes[0] as FakeSlack;
    const inst: GridInstallation = {
      teamId: pending.teamId,
      enterpriseId: pending.enterpriseId,
      isEnterpriseInstall: pending.orgWide,
      teamIds: fakes.map((f) => f.teamId),
      appId: this.appId,
      botToken: this.newAccessToken("b"),
      botUserId: first.botUserId,
      botId: first.botId,
      scopes: [...pending.scopes],
      installerUserId: pending.userId,
      installedAt: this.now(),
    };
    const expiresAt = this.expiry();
    if (expiresAt !== undefined) {
      inst.expiresAt = expiresAt;
      inst.refreshToken = this.newRefreshToken(key, "bot");
    }
    if (pending.userScopes.length > 0) {
      inst.userToken = this.newAccessToken("p");
      inst.userScopes = [...pending.userScopes];
      if (expiresAt !== undefined) {
        inst.userExpiresAt = expiresAt;
        inst.userRefreshToken = this.newRefreshToken(key, "user");
      }
    }
    this.installations.set(key, inst);
    this.acceptTokens(inst);
    // The bot token has exactly the scopes granted: the fakes answer missing_scope beyond them.
    for (const fake of fakes) fake.setScopes(inst.scopes);
    return inst;
  }

  expireTokens(id: string): void {
    const inst = this.installations.get(id);
    if (!inst) throw new Error(`fake grid: the app is not installed in ${id}`);
    if (inst.expiresAt === undefined) {
      throw new Error(
        "fake grid: tokens without rotation never expire; start the grid with tokenRotation",
      );
    }
    inst.expiresAt = this.now();
    if (inst.userToken) inst.userExpiresAt = this.now();
    this.acceptTokens(inst);
  }

  async uninstall(id: string, options: UninstallOptions = {}): Promise<DriverResponse[]> {
    const inst = this.installations.get(id);
    if (!inst) {
      const org = this.byTeam.get(id)?.enterpriseId;
      if (org && this.installations.get(org)?.isEnterpriseInstall) {
        throw new Error(
          `fake grid: ${id} has the app through its organisation's install; uninstall ${org}`,
        );
      }
      throw new Error(`fake grid: the app is not installed in ${id}`);
    }
    const notify = options.notify ?? true;
    const driver = inst.teamIds.map((t) => this.drivers.get(t)).find((d) => d !== undefined);
    if (notify && !driver) {
      throw new Error(
        `fake grid: no driver for ${inst.teamIds.join(", ")} to send the uninstall events; create one with grid.driver(teamId, …) or pass notify: false`,
      );
    }
    const { error = "account_inactive", notify: _notify, ...requestOptions } = options;
    this.revokeInstallation(inst, error);
    try {
      if (!notify || !driver) return [];
      // Still known while the events go out, so they name the installation (org-wide or not).
      return await driver.uninstallEvents(
        { oauth: inst.userToken ? [inst.installerUserId] : [], bot: [inst.botUserId] },
        requestOptions,
      );
    } finally {
      this.installations.delete(id);
    }
  }

  driver(teamId: string, o: GridDriverOptions): SlackDriver {
    const fake = this.workspace(teamId);
    const options: ConstructorParameters<typeof SlackDriver>[0] = {
      appUrl: o.appUrl,
      signingSecret: o.signingSecret,
      fake,
      teamId,
      apiAppId: this.appId,
      enterpriseId: fake.enterpriseId ?? null,
      enterpriseInstall: () => this.installationFor(teamId)?.isEnterpriseInstall ?? false,
    };
    if (fake.enterpriseName !== undefined) options.enterpriseName = fake.enterpriseName;
    if (o.command !== undefined) options.command = o.command;
    if (o.ackTimeoutMs !== undefined) options.ackTimeoutMs = o.ackTimeoutMs;
    const driver = new SlackDriver(options);
    this.drivers.set(teamId, driver);
    return driver;
  }

  // ---- the browser ----------------------------------------------------------------------------

  async installViaBrowser(o: BrowserInstallOptions): Promise<BrowserInstallResult> {
    const base = o.appBaseUrl.replace(/\/+$/, "");
    const installUrl = `${base}${o.installPath ?? "/slack/install"}`;
    const page = await fetch(installUrl, { redirect: "manual" });
    const pageBody = await page.text();
    const cookies = page.headers
      .getSetCookie()
      .map((c) => c.split(";")[0]?.trim() ?? "")
      .filter((c) => c.length > 0);
    let authorizeUrl: string | undefined;
    if (page.status >= 300 && page.status < 400) {
      authorizeUrl = page.headers.get("location") ?? undefined;
    } else if (page.status === 200) {
      const m = /href="([^"]*\/oauth\/(?:v2\/)?authorize\?[^"]*)"/.exec(pageBody);
      authorizeUrl = m?.[1]?.replace(/&amp;/g, "&");
    }
    if (!authorizeUrl) {
      throw new Error(
        `fake grid: ${installUrl} answered ${page.status} with no link to Slack's authorize URL: ${pageBody.slice(0, 300)}`,
      );
    }
    const fallback = `${base}/slack/oauth_redirect`;
    let redirectUrl: string;
    let code: string | undefined;
    let state: string | undefined;
    if (o.deny) {
      redirectUrl = this.deny(authorizeUrl, fallback).redirectUrl;
      state = new URL(authorizeUrl).searchParams.get("state") ?? undefined;
    } else {
      const approveOptions: ApproveOptions = { userId: o.userId, fallbackRedirectUri: fallback };
      if (o.teamId !== undefined) approveOptions.teamId = o.teamId;
      if (o.enterpriseId !== undefined) approveOptions.enterpriseId = o.enterpriseId;
      const approval = this.approve(authorizeUrl, approveOptions);
      ({ redirectUrl, code, state } = approval);
    }
    // The redirect URL may name the app's public address; the browser here reaches the app on
    // loopback, so its path and query go to the app's base URL.
    const redirect = new URL(redirectUrl);
    const headers: Record<string, string> = {};
    if (!o.dropCookie && cookies.length > 0) headers.cookie = cookies.join("; ");
    const res = await fetch(`${base}${redirect.pathname}${redirect.search}`, {
      redirect: "manual",
      headers,
    });
    const body = await res.text();
    const key = o.teamId ?? o.enterpriseId;
    return {
      status: res.status,
      body,
      headers: Object.fromEntries(res.headers.entries()),
      authorizeUrl,
      state,
      code,
      cookies,
      installation: key ? this.installation(key) : undefined,
    };
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readRaw(req);
    if (url.pathname.startsWith("/api/")) {
      const method = decodeURIComponent(url.pathname.slice("/api/".length));
      const { args, json } = parseArgs(req, url, raw);
      if (method === "oauth.v2.access") {
        send(res, 200, this.record(method, args, this.oauthV2Access(req, args)));
        return;
      }
      const token = bearer(req.headers.authorization) ?? (json ? undefined : str(args.token));
      if (!token) {
        send(res, 200, this.record(method, args, { ok: false, error: "not_authed" }));
        return;
      }
      const fake = this.owner(token, args);
      if (!fake) {
        send(res, 200, this.record(method, args, { ok: false, error: "invalid_auth" }));
        return;
      }
      await this.forward(fake, req, res, raw);
      return;
    }
    if (url.pathname === "/" || url.pathname === "/healthz") {
      send(res, 200, { ok: true, fake: "slack-grid", api: this.apiUrl });
      return;
    }
    send(res, 404, { ok: false, error: "not_found" });
  }

  /**
   * The workspace a token belongs to. An organisation-wide token belongs to all of the org's:
   * the call's `team_id`, then the workspace of its `channel` or `user`, decides; else the first.
   */
  private owner(token: string, args: Obj): FakeSlack | undefined {
    const owners = this.workspaces.filter((w) => w.ownsToken(token));
    if (owners.length <= 1) return owners[0];
    const teamId = str(args.team_id);
    const channel = str(args.channel);
    const user = str(args.user) ?? str(args.users)?.split(",")[0];
    return (
      owners.find((w) => teamId !== undefined && w.teamId === teamId) ??
      owners.find((w) => channel !== undefined && w.channel(channel) !== undefined) ??
      owners.find((w) => channel !== undefined && w.user(channel) !== undefined) ??
      owners.find((w) => user !== undefined && w.user(user) !== undefined) ??
      owners[0]
    );
  }

  /** Pass the call, untouched, to the workspace's fake and its answer back. */
  private forward(fake: FakeSlack, req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    return new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers, host: `127.0.0.1:${fake.port}` };
      delete headers["transfer-encoding"];
      headers["content-length"] = String(raw.length);
      const upstream = httpRequest(
        { host: "127.0.0.1", port: fake.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once("end", () => resolve());
          answer.once("error", reject);
        },
      );
      upstream.once("error", reject);
      // The app gave up on the call: give up on the workspace too.
      res.once("close", () => {
        upstream.destroy();
        resolve();
      });
      upstream.end(raw);
    });
  }

  private record(method: string, args: Obj, body: Obj): Obj {
    const recorded: Obj = { ...args };
    delete recorded.token;
    if (recorded.client_secret !== undefined) recorded.client_secret = "[redacted]";
    const at = this.now();
    const ok = body.ok === true;
    const call: RecordedCall = { method, args: recorded, ok, status: 200, at, response: body };
    if (!ok) {
      call.error = String(body.error);
      this.problems.push({ source: "web_api", method, error: String(body.error), at });
    }
    this.calls.push(call);
    return body;
  }

  // ---- oauth.v2.access -----------------------------------------------------------------------

  private oauthV2Access(req: IncomingMessage, args: Obj): Obj {
    const basic = basicCredentials(req.headers.authorization);
    const clientId = basic?.id ?? str(args.client_id);
    const clientSecret = basic?.secret ?? str(args.client_secret);
    const fail = (error: string): Obj => ({ ok: false, error });
    if (!clientId || clientId !== this.clientId) return fail("invalid_client_id");
    if (!clientSecret || clientSecret !== this.clientSecret) return fail("bad_client_secret");
    const grantType = str(args.grant_type) ?? "authorization_code";
    if (grantType === "refresh_token") return this.refresh(str(args.refresh_token));
    if (grantType !== "authorization_code") return fail("invalid_grant_type");

    const code = str(args.code);
    const pending = code ? this.codes.get(code) : undefined;
    if (!pending || pending.used || this.now() - pending.issuedAt >= CODE_TTL_MS) {
      return fail("invalid_code");
    }
    if (pending.v1) return fail("oauth_authorization_url_mismatch");
    if (pending.redirectUri !== undefined && str(args.redirect_uri) !== pending.redirectUri) {
      return fail("bad_redirect_uri");
    }
    if (!pending.orgWide && pending.enterpriseId) {
      if (this.installations.get(pending.enterpriseId)?.isEnterpriseInstall) {
        return fail("cannot_install_an_org_installed_app");
      }
    }
    pending.used = true;
    const inst = this.install(pending);

    const body: Obj = {
      ok: true,
      access_token: inst.botToken,
      token_type: "bot",
      scope: inst.scopes.join(","),
      bot_user_id: inst.botUserId,
      app_id: inst.appId,
    };
    if (inst.refreshToken && inst.expiresAt !== undefined) {
      body.expires_in = this.expiresIn;
      body.refresh_token = inst.refreshToken;
    }
    Object.assign(body, this.teamAndEnterprise(inst));
    const authedUser: Obj = { id: inst.installerUserId };
    if (inst.userToken) {
      authedUser.scope = (inst.userScopes ?? []).join(",");
      authedUser.access_token = inst.userToken;
      authedUser.token_type = "user";
      if (inst.userRefreshToken) {
        authedUser.expires_in = this.expiresIn;
        authedUser.refresh_token = inst.userRefreshToken;
      }
    }
    body.authed_user = authedUser;
    body.is_enterprise_install = inst.isEnterpriseInstall;
    return body;
  }

  private teamAndEnterprise(inst: GridInstallation): Obj {
    const first = this.workspace(inst.teamIds[0] as string);
    return {
      team: inst.isEnterpriseInstall ? null : { id: first.teamId, name: first.teamName },
      enterprise: inst.enterpriseId
        ? { id: inst.enterpriseId, name: first.enterpriseName ?? inst.enterpriseId }
        : null,
    };
  }

  /**
   * grant_type=refresh_token: a new access token and a new refresh token. The refresh token is
   * spent, and the access token it replaces stops working at once (`token_expired`), so an app
   * that keeps using the old one fails here instead of twelve hours later.
   */
  private refresh(refreshToken: string | undefined): Obj {
    const entry = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    const inst = entry ? this.installations.get(entry.key) : undefined;
    if (!refreshToken || !entry || !inst || this.expiresIn === undefined) {
      return { ok: false, error: "invalid_refresh_token" };
    }
    this.refreshTokens.delete(refreshToken);
    const now = this.now();
    const newRefresh = this.newRefreshToken(entry.key, entry.kind);
    const expiresAt = this.expiry() as number;
    let accessToken: string;
    if (entry.kind === "bot") {
      for (const fake of this.fakesOf(inst)) {
        fake.acceptToken(inst.botToken, {
          expiresAt: now,
          ...(inst.isEnterpriseInstall ? { enterpriseInstall: true } : {}),
        });
      }
      accessToken = this.newAccessToken("b");
      inst.botToken = accessToken;
      inst.refreshToken = newRefresh;
      inst.expiresAt = expiresAt;
    } else {
      for (const fake of this.fakesOf(inst)) {
        fake.acceptToken(inst.userToken as string, { user: inst.installerUserId, expiresAt: now });
      }
      accessToken = this.newAccessToken("p");
      inst.userToken = accessToken;
      inst.userRefreshToken = newRefresh;
      inst.userExpiresAt = expiresAt;
    }
    this.acceptTokens(inst);
    const body: Obj = {
      ok: true,
      app_id: inst.appId,
      access_token: accessToken,
      expires_in: this.expiresIn,
      refresh_token: newRefresh,
      token_type: entry.kind,
      scope: (entry.kind === "bot" ? inst.scopes : (inst.userScopes ?? [])).join(","),
    };
    if (entry.kind === "bot") body.bot_user_id = inst.botUserId;
    Object.assign(body, this.teamAndEnterprise(inst));
    body.is_enterprise_install = inst.isEnterpriseInstall;
    return body;
  }
}

/** Start a grid of fake workspaces behind one Web API URL on 127.0.0.1. */
export async function startFakeSlackGrid(options: FakeSlackGridOptions): Promise<FakeSlackGrid> {
  const grid = new Grid(options);
  try {
    await grid.start(options);
  } catch (err) {
    await grid.close();
    throw err;
  }
  return grid;
}
