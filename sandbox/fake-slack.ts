/**
 * A fake Slack Web API for local runs and tests: node:http on 127.0.0.1, no internet.
 *
 * Point a `WebClient` at it with `slackApiUrl: fake.apiUrl`. It enforces Slack's rules (Block Kit
 * limits, channel membership, trigger_id lifetime, modal stack depth, per-channel posting rate,
 * response_url use limits) with Slack's own error codes, and records everything for assertions.
 *
 * No test-framework imports: usable from vitest and from a demo script run by a person.
 *
 * Usage:
 *   const fake = await startFakeSlack({ ...sampleWorkspace(), botToken: "xoxb-…" });
 *   const client = new WebClient("xoxb-…", { slackApiUrl: fake.apiUrl });
 *   // … drive the app (see driver.ts) …
 *   expect(fake.errors()).toEqual([]);      // no Web API call was refused
 *   expect(fake.warnings).toEqual([]);      // every message had a text fallback
 *   await fake.close();
 *
 * Error codes follow Slack: invalid_auth / not_authed / unknown_method, and for a token made
 * unusable with `revokeToken` invalid_auth / account_inactive / token_revoked / token_expired on
 * every method, token_expired for one accepted with an `expiresAt` that has passed;
 * missing_scope (with `needed`/`provided`) when the token's scopes are set (`scopes`, `setScopes`);
 * chat.*: channel_not_found, not_in_channel, is_archived, user_not_in_channel, no_text,
 * msg_too_long, invalid_blocks (with `errors` and `response_metadata.messages`),
 * invalid_metadata_format, invalid_metadata_schema, message_not_found, cant_update_message,
 * ratelimited (HTTP 429 + Retry-After; chat.update also Tier 3 and views.publish Tier 4, per method); views.*: invalid_trigger_id, expired_trigger_id,
 * exchanged_trigger_id, invalid_arguments (with messages), view_too_large, push_limit_reached,
 * hash_conflict, not_found, duplicate_external_id; conversations.join:
 * method_not_supported_for_channel_type; conversations.history: channel_not_found,
 * not_in_channel, invalid_cursor, invalid_ts_oldest, invalid_ts_latest, ratelimited (Tier 3, per
 * method); conversations.members / conversations.list / users.list: invalid_cursor, invalid_limit.
 * files.getUploadURLExternal: invalid_arguments, missing_argument (length 0), alt_txt_too_large;
 * the upload URL it returns (POST, raw bytes or multipart/form-data): 200 `OK - <bytes>`, 404 for
 * an unknown or spent URL, 400 when the bytes are not the `length` reserved;
 * files.completeUploadExternal: invalid_arguments, file_not_found (unknown, not uploaded yet, or
 * completed already), channel_not_found, not_in_channel, is_archived, invalid_blocks.
 * response_url: 200 `{ok:true}`; 400 invalid_blocks / no_text / msg_too_long / invalid_payload;
 * 404 used_url (after 5 posts), expired_url (after 30 min), invalid_url.
 *
 * Socket Mode: `apps.connections.open` takes the app-level token (`xapp-…`, option `appToken`) in
 * the Authorization header (a bot token → not_allowed_token_type; the app token on any other
 * method → not_allowed_token_type) and returns a single-use `ws://127.0.0.1:PORT/socket/<ticket>`
 * URL. The WebSocket side (hello, envelopes, acks) lives in socket-mode.ts, which attaches to this
 * server with `onSocketModeUpgrade`.
 *
 * One fake is one workspace. Several behind one API URL, installed through OAuth v2: grid.ts.
 */

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  BLOCK_KIT_LIMITS,
  isObj,
  type Obj,
  validateMessageBlocks,
  validateView,
  viewByteSize,
} from "./block-kit.js";
import { listenOnLoopback } from "./listen.js";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface FakeUser {
  id: string;
  name?: string;
  realName?: string;
  displayName?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isPrimaryOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  /** IANA zone. When unset, users.info omits tz/tz_label/tz_offset (like bots). */
  tz?: string;
  /** Seconds east of UTC; computed from `tz` (at the fake's current time) when omitted. */
  tzOffset?: number;
  tzLabel?: string;
  /** The profile status (users.info / users.list `profile.status_*`), e.g. ":palm_tree:", "OOO". */
  statusEmoji?: string;
  statusText?: string;
  /** Epoch seconds when the status clears; 0 or unset: it does not. */
  statusExpiration?: number;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** Member user ids. The bot is a member when its user id is listed or `botIsMember` is true. */
  members?: string[];
  botIsMember?: boolean;
}

export interface RateLimitConfig {
  /** Messages a channel may take at once. */
  burst: number;
  /** Refill rate, messages per second. */
  perSecond: number;
}

export interface FakeSlackOptions {
  port?: number;
  /**
   * The bot token the fake accepts (more can be added with `acceptToken`). `null`: none until
   * one is accepted, as for a workspace the app is not installed in yet (see grid.ts).
   */
  botToken?: string | null;
  /** The app-level token (`xapp-…`) that apps.connections.open accepts (Socket Mode). */
  appToken?: string;
  users?: FakeUser[];
  channels?: FakeChannel[];
  /** Clock in milliseconds (trigger expiry, rate limits, response_url expiry, message ts). */
  now?: () => number;
  teamId?: string;
  teamName?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** The Enterprise Grid organisation the workspace belongs to (auth.test's `enterprise_id`). */
  enterpriseId?: string;
  enterpriseName?: string;
  /** The organisation's domain (`<domain>.enterprise.slack.com`); default from its id. */
  enterpriseDomain?: string;
  /** Per-channel token bucket for chat.postMessage; default `{ burst: 5, perSecond: 1 }`. */
  rateLimit?: RateLimitConfig | false;
  /**
   * The workspace-wide bucket for chat.postMessage (Slack keeps one besides the per-channel
   * limit, "several hundred messages a minute"); default `{ burst: 30, perSecond: 5 }`.
   */
  workspacePostLimit?: RateLimitConfig | false;
  /**
   * Per-method token buckets (one bucket per method, as Slack's tiers limit an app per workspace
   * and method), merged over the defaults in `DEFAULT_METHOD_RATE_LIMITS` (conversations.history
   * and chat.update: Tier 3). `false` for a method switches its limit off.
   */
  methodRateLimits?: Record<string, RateLimitConfig | false>;
  /**
   * The bot token's OAuth scopes. When given, every method checks the scope Slack requires for it
   * (for conversations.* the one for the channel's type) and answers `missing_scope` with
   * `needed`/`provided`, and every response carries `X-OAuth-Scopes`. When omitted, scopes are
   * not checked at all. See `setScopes`.
   */
  scopes?: string[];
  /** Called after every Web API call (e.g. to print traffic in a demo). */
  onCall?: (call: RecordedCall) => void;
}

export interface RecordedCall {
  method: string;
  /** Parsed arguments (JSON-string args such as `blocks`/`view` decoded; token removed). */
  args: Obj;
  ok: boolean;
  error?: string;
  status: number;
  at: number;
  response: Obj;
  injected?: boolean;
}

/** Message metadata as Slack stores it on a message. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Obj;
}

export interface MessageVersion {
  text: string | undefined;
  blocks: unknown[] | undefined;
  metadata?: MessageMetadata;
  at: number;
  by: string;
}

export interface RecordedMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  attachments?: unknown[];
  thread_ts?: string;
  /** The author: the bot's user id for bot messages. */
  user: string;
  bot_id?: string;
  /** Set by chat.postMessage / chat.update `metadata` (validated; invalid event types dropped). */
  metadata?: MessageMetadata;
  via: "chat.postMessage" | "response_url" | "ack" | "user";
  deleted: boolean;
  postedAt: number;
  updatedAt?: number;
  /** Earlier versions, oldest first (each chat.update / replace_original pushes one). */
  history: MessageVersion[];
}

/** A file reserved with files.getUploadURLExternal, and what became of it. */
export interface RecordedFile {
  id: string;
  filename: string;
  /** The `length` reserved. */
  length: number;
  /** `alt_txt`, as the method documents it. */
  altText?: string;
  /** The bytes sent to the upload URL; undefined until they arrive. */
  bytes?: Buffer;
  /** Set by files.completeUploadExternal. */
  title?: string;
  completed: boolean;
  /** The conversation it was shared in (`channel_id`); undefined while private or incomplete. */
  channel?: string;
  initialComment?: string;
  threadTs?: string;
  /** The file message's ts in `channel`. */
  ts?: string;
  reservedAt: number;
  sharedAt?: number;
}

export interface RecordedEphemeral {
  channel: string;
  /** The only user who sees it. */
  user: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  thread_ts?: string;
  via: "chat.postEphemeral" | "response_url" | "ack";
  deleted: boolean;
  at: number;
  history: MessageVersion[];
}

export interface ResponseContext {
  channel?: string;
  user?: string;
  /** The message the interaction came from (for replace_original / delete_original). */
  messageTs?: string;
  isEphemeral?: boolean;
}

export interface RecordedResponse {
  /** The response_url id, or "ack" for a message sent as the HTTP acknowledgement. */
  id: string;
  source: "response_url" | "ack";
  ok: boolean;
  status: number;
  error?: string;
  messages?: string[];
  payload: unknown;
  text: string | undefined;
  blocks: unknown[] | undefined;
  responseType: "ephemeral" | "in_channel";
  replaceOriginal: boolean;
  deleteOriginal: boolean;
  context: ResponseContext;
  at: number;
}

export interface StoredView {
  id: string;
  userId: string | undefined;
  type: "modal" | "home";
  /** The view as Slack returns it (id, hash, state, callback_id, private_metadata, blocks, …). */
  view: Obj;
  hash: string;
  rootViewId: string;
  previousViewId: string | null;
  externalId: string;
  open: boolean;
  openedBy: "views.open" | "views.push" | "views.publish" | "response_action";
  openedAt: number;
  updatedAt: number;
  /** Earlier versions of `view`, oldest first. */
  history: Obj[];
}

export interface RecordedWarning {
  method: string;
  warning: string;
  channel?: string;
  at: number;
}

export interface FakeProblem {
  source: "web_api" | "response_url" | "ack" | "view_response" | "socket_mode";
  method: string;
  error: string;
  messages?: string[];
  injected?: boolean;
  at: number;
}

export interface FailSpec {
  /** Slack error code in the body; default `ratelimited` for 429, `service_unavailable` for
   * 503, `internal_error` for other 5xx, `fatal_error` otherwise. */
  error?: string;
  /** HTTP status; default 429 when `error` is `ratelimited`, else 200. */
  status?: number;
  /** `Retry-After` seconds (always sent with 429; default 1). */
  retryAfter?: number;
  /** How many consecutive calls fail; default 1. */
  times?: number;
  /** Hold each failing response this long (real milliseconds) before answering. */
  delayMs?: number;
  /**
   * Only calls whose arguments match fail (others pass through untouched), so a test can fail
   * the post to one channel or DM however many calls come before it.
   */
  when?: (args: Record<string, unknown>) => boolean;
}

/** What `failNext` returns: how far the queued failure has got. */
export interface FailHandle {
  /** Calls answered with this failure so far. */
  readonly served: number;
  /** Calls still to fail. */
  readonly remaining: number;
  /**
   * Resolves once `count` (default 1) calls have been answered with this failure; with
   * `delayMs`, when the call arrives, before its answer is sent.
   */
  whenServed(count?: number): Promise<void>;
  /** Drop the failures not served yet. */
  cancel(): void;
}

/**
 * The errors Slack answers for a token that no longer works, on every method; `token_expired`
 * for a rotating token past its expiry (see `AcceptTokenOptions.expiresAt`).
 */
export type RevokedTokenError =
  | "invalid_auth"
  | "account_inactive"
  | "token_revoked"
  | "token_expired";

/** How the fake treats a token given to `acceptToken`. */
export interface AcceptTokenOptions {
  /**
   * A user token of this user (`xoxp-…`): auth.test answers as the user (no `bot_id`). Other
   * methods treat it like the bot's token: a user's own memberships and scopes are not modelled.
   */
  user?: string;
  /** From this time on (the fake's clock, ms) every call with the token answers `token_expired`. */
  expiresAt?: number;
  /**
   * An organisation-wide token (Enterprise Grid org install): auth.test names the organisation
   * (`team_id` and `team` are the organisation's, `is_enterprise_install` true).
   */
  enterpriseInstall?: boolean;
}

export interface ViewResponseOutcome {
  ok: boolean;
  errors: string[];
  /** The view now on top of the user's stack (after update/push), if any. */
  view?: StoredView;
}

export interface FakeSlack {
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  /** The bot token last accepted (the option, or `acceptToken`); "" when none was. */
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly enterpriseId: string | undefined;
  readonly enterpriseName: string | undefined;

  readonly calls: RecordedCall[];
  readonly messages: RecordedMessage[];
  readonly ephemerals: RecordedEphemeral[];
  readonly responses: RecordedResponse[];
  readonly warnings: RecordedWarning[];
  readonly views: Map<string, StoredView>;
  readonly homeViews: Map<string, StoredView>;
  /** Every file reserved with files.getUploadURLExternal, in order. */
  readonly files: RecordedFile[];

  now(): number;
  newTriggerId(userId?: string): string;
  newResponseUrl(context?: ResponseContext): string;
  /**
   * Make the next `spec.times` calls of `method` ("*" for any method) fail as `spec` says. Queued
   * failures of one method are served in order; a method's own queue goes before "*".
   */
  failNext(method: string, spec?: FailSpec): FailHandle;
  setRateLimit(config: RateLimitConfig | false): void;
  /** Set (or with `false` switch off) the workspace-wide chat.postMessage limit; its bucket restarts. */
  setWorkspacePostLimit(config: RateLimitConfig | false): void;
  /** Set (or with `false` switch off) the per-method limit of `method`; its bucket restarts. */
  setMethodRateLimit(method: string, config: RateLimitConfig | false): void;
  /** Grant the bot token exactly these scopes; `undefined` stops checking scopes. */
  setScopes(scopes: string[] | undefined): void;
  /** The bot token's scopes, or `undefined` when scopes are not checked. */
  scopes(): string[] | undefined;
  /**
   * From now on every Web API call with `token` (the bot token, the app-level token or any other)
   * answers HTTP 200 `{ok:false, error}`, auth.test and apps.connections.open included. Default
   * error `account_inactive` (Slack's answer for a bot token of an uninstalled app or a deleted
   * workspace); `invalid_auth` and `token_revoked` are the other two.
   */
  revokeToken(token: string, error?: RevokedTokenError): void;
  /** Undo `revokeToken`. */
  restoreToken(token: string): void;
  /**
   * From now on the fake also accepts `token`: as the bot's token (`botToken` then names it), or
   * as a user's or an organisation-wide one (`options`). Accepting a token again replaces its
   * options (e.g. a new `expiresAt`). A token made unusable with `revokeToken` stays so.
   */
  acceptToken(token: string, options?: AcceptTokenOptions): void;
  /**
   * Whether `token` is one of this workspace's, usable or not: accepted (even if expired since),
   * revoked, or the app-level token. A grid routes calls by it.
   */
  ownsToken(token: string): boolean;

  errors(): FakeProblem[];
  recordProblem(problem: Omit<FakeProblem, "at">): void;
  callsTo(method: string): RecordedCall[];
  messagesIn(channel: string): RecordedMessage[];
  /**
   * Live messages carrying metadata, oldest first, in a channel, or in the bot's DM with a user
   * when given a user id; only those of `eventType` when given.
   */
  messagesWithMetadata(channelOrUser: string, eventType?: string): RecordedMessage[];
  message(channel: string, ts: string): RecordedMessage | undefined;
  ephemeralsFor(userId: string, channel?: string): RecordedEphemeral[];
  dms(userId: string): RecordedMessage[];
  /** Files shared (completed) in a channel, or in the bot's DM with a user given a user id. */
  filesIn(channelOrUser: string): RecordedFile[];
  dmChannel(userId: string): string | undefined;
  lastView(userId: string): StoredView | undefined;
  modalStack(userId: string): StoredView[];
  viewsOf(userId: string): StoredView[];
  waitFor<T>(probe: () => T | undefined | null | false, opts?: WaitOptions): Promise<T>;

  addUser(user: FakeUser): void;
  addChannel(channel: FakeChannel): void;
  addMember(channelId: string, userId: string): void;
  /** Take a user out of a channel's members (no event: see `SlackDriver.memberLeft`). */
  removeMember(channelId: string, userId: string): void;
  user(userId: string): FakeUser | undefined;
  channel(channelId: string): ChannelInfo | undefined;
  addUserMessage(channel: string, userId: string, text: string, threadTs?: string): RecordedMessage;

  /** Deliver a message sent as the HTTP ack of a command (validated like a response_url post). */
  deliverAckMessage(context: ResponseContext, payload: unknown): RecordedResponse;
  /** Apply a view_submission acknowledgement (`response_action`) to the user's modal stack. */
  applyViewSubmissionResponse(userId: string, viewId: string, body: unknown): ViewResponseOutcome;
  /** The user closed a modal (the X / Cancel button). */
  closeView(userId: string, viewId: string): StoredView[];

  /**
   * Socket Mode (see socket-mode.ts): WebSocket upgrades of a URL issued by apps.connections.open
   * go to `handler` (the ticket is checked and spent by the fake first); `undefined` detaches.
   * Without a handler such an upgrade is refused with 503 and recorded as a problem.
   */
  onSocketModeUpgrade(handler: SocketModeUpgradeHandler | undefined): void;

  /**
   * Forget recordings and transient state (calls, messages, ephemerals, responses, warnings,
   * errors, views, triggers, response_urls, rate buckets, queued failures, revoked tokens).
   * Users, channels, memberships, DM channels, scopes and rate-limit settings stay. Call it only
   * while the app is idle: a trigger or response_url issued before the reset is unknown
   * afterwards.
   */
  reset(): void;
  close(): Promise<void>;
}

export type SocketModeUpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ticket: string,
) => void;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

export interface ChannelInfo {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isIm: boolean;
  isMpim: boolean;
  imUser?: string;
  members: Set<string>;
  created: number;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const TRIGGER_TTL_MS = 3000;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const RESPONSE_URL_MAX_USES = 5;
const MAX_MODAL_STACK = 3;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MISSING_TEXT_WARNING = "missing_text_or_fallback_or_attachments";

const DEFAULT_RATE_LIMIT: RateLimitConfig = { burst: 5, perSecond: 1 };

/** chat.postMessage across the whole workspace: 300 a minute, bursts of 30. */
export const DEFAULT_WORKSPACE_POST_LIMIT: RateLimitConfig = { burst: 30, perSecond: 5 };
/** The bucket key of the workspace-wide limit (never a channel id). */
const WORKSPACE_BUCKET = "#workspace";

/** Slack's Tier 3: about 50 calls a minute per method, with bursts tolerated. */
export const TIER_3: RateLimitConfig = { burst: 50, perSecond: 50 / 60 };

/** Slack's Tier 4: about 100 calls a minute per method, with generous bursts. */
export const TIER_4: RateLimitConfig = { burst: 100, perSecond: 100 / 60 };

/** Methods limited per method (not per channel) unless `methodRateLimits` says otherwise. */
export const DEFAULT_METHOD_RATE_LIMITS: Readonly<Record<string, RateLimitConfig>> = {
  "conversations.history": TIER_3,
  // Slack's chat.update is Tier 3 as well: an app that updates a message per answer meets it.
  "chat.update": TIER_3,
  // views.publish is Tier 4: an app that republishes every viewer's Home on each change meets it.
  "views.publish": TIER_4,
};

/** conversations.history: `limit` defaults to 100 and is capped at 999. */
const HISTORY_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 999;
/** conversations.members: `limit` defaults to 100 and is capped at 1000. */
const MEMBERS_DEFAULT_LIMIT = 100;
const MEMBERS_MAX_LIMIT = 1000;

/** A metadata `event_type`: letters, digits, underscores and hyphens (no periods). */
const METADATA_EVENT_TYPE = /^[A-Za-z0-9_-]+$/;

/**
 * Scopes a bot token needs per method, for the methods whose scope does not depend on the
 * channel (conversations.info/members/history/list/open work it out from the conversation).
 * Methods not listed need none (api.test, auth.test, chat.getPermalink, views.*).
 */
const METHOD_SCOPES: Readonly<Record<string, string>> = {
  "team.info": "team:read",
  "users.info": "users:read",
  "users.list": "users:read",
  "conversations.join": "channels:join",
  "chat.postMessage": "chat:write",
  "chat.postEphemeral": "chat:write",
  "chat.update": "chat:write",
  "chat.delete": "chat:write",
  "files.getUploadURLExternal": "files:write",
  "files.completeUploadExternal": "files:write",
};

/** Slack refuses alt text longer than this (alt_txt_too_large). */
const ALT_TEXT_MAX = 1000;

/** A small workspace for demos and tests: two admins, sales and marketing people, two channels. */
export function sampleWorkspace(): { users: FakeUser[]; channels: FakeChannel[] } {
  const users: FakeUser[] = [
    {
      id: "U0ADMIN01",
      name: "ada",
      realName: "Ada Admin",
      isAdmin: true,
      isOwner: true,
      tz: "Europe/London",
    },
    { id: "U0LEAD002", name: "lee", realName: "Lee Leader", isAdmin: true, tz: "America/New_York" },
    { id: "U0SALES01", name: "sam", realName: "Sam Sales", tz: "Europe/Berlin" },
    { id: "U0SALES02", name: "sue", realName: "Sue Sales", tz: "Europe/Berlin" },
    { id: "U0SALES03", name: "sid", realName: "Sid Sales", tz: "America/Chicago" },
    { id: "U0MARK001", name: "mia", realName: "Mia Marketing", tz: "Europe/Paris" },
    { id: "U0MARK002", name: "max", realName: "Max Marketing", tz: "Europe/Paris" },
    { id: "U0MARK003", name: "meg", realName: "Meg Marketing" },
  ];
  const channels: FakeChannel[] = [
    {
      id: "C0SALES01",
      name: "sales",
      members: ["U0ADMIN01", "U0LEAD002", "U0SALES01", "U0SALES02", "U0SALES03"],
      botIsMember: true,
    },
    {
      id: "C0MARKET1",
      name: "marketing",
      members: ["U0ADMIN01", "U0LEAD002", "U0MARK001", "U0MARK002", "U0MARK003"],
      botIsMember: true,
    },
    {
      id: "C0GENERAL",
      name: "general",
      members: users.map((u) => u.id),
    },
    { id: "G0LEADERS", name: "leaders", isPrivate: true, members: ["U0ADMIN01", "U0LEAD002"] },
  ];
  return { users, channels };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALNUM[(bytes[i] ?? 0) % ALNUM.length];
  return out;
}

function shortId(length = 5): string {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += chars[(bytes[i] ?? 0) % chars.length];
  return out;
}

function flag(v: unknown): boolean {
  return v === true || v === "true" || v === "1" || v === 1;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function intArg(v: unknown, fallback: number): number {
  const n = typeof v === "number" ? v : Number.parseInt(String(v ?? ""), 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * A message timestamp (`"1700000000.000042"`, or a plain number of seconds) as microseconds,
 * for exact comparison; `undefined` when it is not one.
 */
function tsMicros(v: unknown): bigint | undefined {
  const s = str(v)?.trim();
  if (s === undefined) return undefined;
  const m = /^(\d+)(?:\.(\d{0,6})\d*)?$/.exec(s);
  if (!m) return undefined;
  return BigInt(m[1] as string) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
}

function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`).toString("base64");
}

/** The value of a cursor made by `encodeCursor(kind, …)`; `undefined` when it is not one. */
function decodeCursor(cursor: string, kind: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return undefined;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  const prefix = `${kind}:`;
  return decoded.startsWith(prefix) ? decoded.slice(prefix.length) : undefined;
}

function tzOffsetSeconds(tz: string, atMs: number): number {
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" })
      .formatToParts(new Date(atMs))
      .find((p) => p.type === "timeZoneName")?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? "");
    if (!m) return 0;
    const secs = Number(m[2]) * 3600 + Number(m[3]) * 60;
    return m[1] === "-" ? -secs : secs;
  } catch {
    return 0;
  }
}

/** Give every block a block_id and every interactive element an action_id, as Slack does. */
function assignIds(blocks: unknown): unknown[] | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const out = clone(blocks) as unknown[];
  for (const b of out) {
    if (!isObj(b)) continue;
    if (b.block_id === undefined) b.block_id = shortId();
    const els: unknown[] = [];
    if (b.type === "section" && b.accessory !== undefined) els.push(b.accessory);
    if (b.type === "input" && b.element !== undefined) els.push(b.element);
    if ((b.type === "actions" || b.type === "context_actions") && Array.isArray(b.elements)) {
      els.push(...b.elements);
    }
    for (const el of els) {
      if (isObj(el) && el.type !== "image" && el.action_id === undefined) el.action_id = shortId();
    }
  }
  return out;
}

interface HandlerResult {
  body: Obj;
  status?: number;
  headers?: Record<string, string>;
  /** Hold the response this long (an injected slow failure). */
  delayMs?: number;
}

interface Trigger {
  userId: string | undefined;
  issuedAt: number;
  used: boolean;
}

interface ResponseUrlState {
  issuedAt: number;
  uses: number;
  context: ResponseContext;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface PendingFailure {
  spec: FailSpec;
  remaining: number;
  served: number;
  waiters: { count: number; resolve: () => void }[];
}

function ok(extra: Obj = {}): HandlerResult {
  return { body: { ok: true, ...extra } };
}

function fail(error: string, extra: Obj = {}): HandlerResult {
  return { body: { ok: false, error, ...extra } };
}

function invalidArguments(messages: string[]): HandlerResult {
  return fail("invalid_arguments", {
    response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) },
  });
}

function invalidBlocks(errors: string[]): HandlerResult {
  return fail("invalid_blocks", {
    errors,
    response_metadata: { messages: errors.map((m) => `[ERROR] ${m}`) },
  });
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

class FakeSlackServer implements FakeSlack {
  url = "";
  apiUrl = "";
  port = 0;
  readonly appToken: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly enterpriseId: string | undefined;
  readonly enterpriseName: string | undefined;
  private readonly enterpriseDomain: string | undefined;
  /** Tokens the fake accepts besides the app-level one, and how (bot unless `user` is set). */
  private readonly tokens = new Map<string, AcceptTokenOptions>();
  private lastBotToken = "";

  readonly calls: RecordedCall[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly ephemerals: RecordedEphemeral[] = [];
  readonly responses: RecordedResponse[] = [];
  readonly warnings: RecordedWarning[] = [];
  readonly views = new Map<string, StoredView>();
  readonly homeViews = new Map<string, StoredView>();
  readonly files: RecordedFile[] = [];
  /** Upload URL ids to the file they upload. */
  private readonly uploadUrls = new Map<string, RecordedFile>();

  private readonly clock: () => number;
  private readonly onCall: ((call: RecordedCall) => void) | undefined;
  private rateLimit: RateLimitConfig | false;
  private workspacePostLimit: RateLimitConfig | false;
  private readonly methodRateLimits: Record<string, RateLimitConfig | false>;
  private readonly methodBuckets = new Map<string, Bucket>();
  private grantedScopes: Set<string> | undefined;
  private readonly revoked = new Map<string, RevokedTokenError>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly users = new Map<string, FakeUser>();
  private readonly channels = new Map<string, ChannelInfo>();
  private readonly dmByUser = new Map<string, string>();
  private readonly stacks = new Map<string, string[]>();
  private readonly triggers = new Map<string, Trigger>();
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly failures = new Map<string, PendingFailure[]>();
  private readonly problems: FakeProblem[] = [];
  private seq = 0;
  private server: Server | undefined;
  private readonly socketTickets = new Set<string>();
  private readonly upgradedSockets = new Set<Duplex>();
  private socketModeHandler: SocketModeUpgradeHandler | undefined;

  private readonly handlers: Record<string, (args: Obj, token: string) => HandlerResult> = {
    "api.test": (args) => ok({ args: { ...args } }),
    "auth.test": (_args, token) => this.authTest(token),
    "team.info": () => this.teamInfo(),
    "users.info": (a) => this.usersInfo(a),
    "users.list": (a) => this.usersList(a),
    "conversations.info": (a) => this.conversationsInfo(a),
    "conversations.join": (a) => this.conversationsJoin(a),
    "conversations.open": (a) => this.conversationsOpen(a),
    "conversations.members": (a) => this.conversationsMembers(a),
    "conversations.list": (a) => this.conversationsList(a),
    "conversations.history": (a) => this.conversationsHistory(a),
    "chat.postMessage": (a) => this.chatPostMessage(a),
    "chat.postEphemeral": (a) => this.chatPostEphemeral(a),
    "chat.update": (a) => this.chatUpdate(a),
    "chat.delete": (a) => this.chatDelete(a),
    "chat.getPermalink": (a) => this.chatGetPermalink(a),
    "views.open": (a) => this.viewsOpen(a),
    "views.push": (a) => this.viewsPush(a),
    "views.update": (a) => this.viewsUpdate(a),
    "views.publish": (a) => this.viewsPublish(a),
    "files.getUploadURLExternal": (a) => this.filesGetUploadUrlExternal(a),
    "files.completeUploadExternal": (a) => this.filesCompleteUploadExternal(a),
    "apps.connections.open": () => this.appsConnectionsOpen(),
  };

  constructor(options: FakeSlackOptions) {
    this.clock = options.now ?? Date.now;
    this.onCall = options.onCall;
    if (options.botToken !== null) {
      this.acceptToken(options.botToken ?? "xoxb-0000000001-fake-truce-bot-token");
    }
    this.appToken = options.appToken ?? "xapp-1-A0TRUCEAPP-0000000001-fake-truce-app-token";
    this.teamId = options.teamId ?? "T0TRUCE01";
    this.teamName = options.teamName ?? "Truce Sandbox";
    this.teamDomain = options.teamDomain ?? "truce-sandbox";
    this.botUserId = options.botUserId ?? "U0TRUCEBOT";
    this.botId = options.botId ?? "B0TRUCEBOT";
    this.appId = options.appId ?? "A0TRUCEAPP";
    this.enterpriseId = options.enterpriseId;
    this.enterpriseName =
      options.enterpriseName ?? (options.enterpriseId ? `Org ${options.enterpriseId}` : undefined);
    this.enterpriseDomain =
      options.enterpriseDomain ?? options.enterpriseId?.toLowerCase() ?? undefined;
    this.rateLimit = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
    this.workspacePostLimit =
      options.workspacePostLimit === undefined
        ? DEFAULT_WORKSPACE_POST_LIMIT
        : options.workspacePostLimit;
    this.methodRateLimits = { ...DEFAULT_METHOD_RATE_LIMITS, ...options.methodRateLimits };
    this.grantedScopes = options.scopes ? new Set(options.scopes) : undefined;
    this.addUser({ id: this.botUserId, name: "truce", realName: "Truce", isBot: true });
    for (const u of options.users ?? []) this.addUser(u);
    for (const c of options.channels ?? []) this.addChannel(c);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
        }
        res.end(JSON.stringify({ ok: false, error: "fatal_error", detail: String(err) }));
      });
    });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    this.server = server;
    this.port = await listenOnLoopback(server, port);
    this.url = `http://127.0.0.1:${this.port}`;
    this.apiUrl = `${this.url}/api/`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      // WebSockets (Socket Mode) are no longer the HTTP server's to close.
      for (const socket of this.upgradedSockets) socket.destroy();
    });
  }

  onSocketModeUpgrade(handler: SocketModeUpgradeHandler | undefined): void {
    this.socketModeHandler = handler;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, reason: string, error?: string) => {
      if (error) this.recordProblem({ source: "socket_mode", method: "websocket", error });
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/socket\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    const ticket = m?.[1];
    if (!ticket) {
      refuse(404, "Not Found");
      return;
    }
    // A ticket from apps.connections.open opens one connection.
    if (!this.socketTickets.delete(ticket)) {
      refuse(401, "Unauthorized", "invalid_ticket");
      return;
    }
    const handler = this.socketModeHandler;
    if (!handler) {
      refuse(503, "Service Unavailable", "socket_mode_not_attached");
      return;
    }
    this.upgradedSockets.add(socket);
    socket.once("close", () => this.upgradedSockets.delete(socket));
    handler(req, socket, head, ticket);
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.length = 0;
    this.ephemerals.length = 0;
    this.responses.length = 0;
    this.warnings.length = 0;
    this.problems.length = 0;
    this.views.clear();
    this.homeViews.clear();
    this.files.length = 0;
    this.uploadUrls.clear();
    this.stacks.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.buckets.clear();
    this.methodBuckets.clear();
    this.failures.clear();
    this.revoked.clear();
    this.socketTickets.clear();
  }

  now(): number {
    return this.clock();
  }

  // ---- workspace ---------------------------------------------------------------------------

  addUser(user: FakeUser): void {
    this.users.set(user.id, { ...user });
  }

  user(userId: string): FakeUser | undefined {
    return this.users.get(userId);
  }

  addChannel(channel: FakeChannel): void {
    const members = new Set(channel.members ?? []);
    if (channel.botIsMember) members.add(this.botUserId);
    this.channels.set(channel.id, {
      id: channel.id,
      name: channel.name,
      isPrivate: channel.isPrivate ?? false,
      isArchived: channel.isArchived ?? false,
      isIm: false,
      isMpim: false,
      members,
      created: Math.floor(this.now() / 1000),
    });
  }

  addMember(channelId: string, userId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`fake-slack: no channel ${channelId}`);
    ch.members.add(userId);
  }

  removeMember(channelId: string, userId: string): void {
    const ch = this.channels.get(channelId);
    if (!ch) throw new Error(`fake-slack: no channel ${channelId}`);
    if (ch.isIm) throw new Error(`fake-slack: ${channelId} is a DM; nobody leaves a DM`);
    ch.members.delete(userId);
  }

  channel(channelId: string): ChannelInfo | undefined {
    return this.channels.get(channelId);
  }

  dmChannel(userId: string): string | undefined {
    return this.dmByUser.get(userId);
  }

  private openDm(userId: string): ChannelInfo {
    const existing = this.dmByUser.get(userId);
    if (existing) {
      const ch = this.channels.get(existing);
      if (ch) return ch;
    }
    const id = randomId("D", 10);
    const ch: ChannelInfo = {
      id,
      name: userId,
      isPrivate: true,
      isArchived: false,
      isIm: true,
      isMpim: false,
      imUser: userId,
      members: new Set([this.botUserId, userId]),
      created: Math.floor(this.now() / 1000),
    };
    this.channels.set(id, ch);
    this.dmByUser.set(userId, id);
    return ch;
  }

  addUserMessage(
    channel: string,
    userId: string,
    text: string,
    threadTs?: string,
  ): RecordedMessage {
    const msg: RecordedMessage = {
      channel,
      ts: this.nextTs(),
      text,
      blocks: undefined,
      user: userId,
      via: "user",
      deleted: false,
      postedAt: this.now(),
      history: [],
    };
    if (threadTs) msg.thread_ts = threadTs;
    this.messages.push(msg);
    return msg;
  }

  // ---- tokens handed to the driver -----------------------------------------------------------

  newTriggerId(userId?: string): string {
    this.seq += 1;
    const id = `${Math.floor(this.now() / 1000)}${this.seq}.${1000000 + this.seq}.${randomBytes(16).toString("hex")}`;
    this.triggers.set(id, { userId, issuedAt: this.now(), used: false });
    return id;
  }

  newResponseUrl(context: ResponseContext = {}): string {
    const id = `${this.teamId}/${randomBytes(6).toString("hex")}/${randomBytes(12).toString("hex")}`;
    this.responseUrls.set(id, { issuedAt: this.now(), uses: 0, context: { ...context } });
    return `${this.url}/respond/${id}`;
  }

  failNext(method: string, spec: FailSpec = {}): FailHandle {
    const list = this.failures.get(method) ?? [];
    const pending: PendingFailure = { spec, remaining: spec.times ?? 1, served: 0, waiters: [] };
    list.push(pending);
    this.failures.set(method, list);
    return {
      get served() {
        return pending.served;
      },
      get remaining() {
        return pending.remaining;
      },
      whenServed: (count = 1) =>
        pending.served >= count
          ? Promise.resolve()
          : new Promise<void>((resolve) => pending.waiters.push({ count, resolve })),
      cancel: () => {
        pending.remaining = 0;
        const queue = this.failures.get(method);
        const i = queue?.indexOf(pending) ?? -1;
        if (queue && i >= 0) queue.splice(i, 1);
      },
    };
  }

  setRateLimit(config: RateLimitConfig | false): void {
    this.rateLimit = config;
    this.buckets.clear();
  }

  setWorkspacePostLimit(config: RateLimitConfig | false): void {
    this.workspacePostLimit = config;
    this.buckets.delete(WORKSPACE_BUCKET);
  }

  setMethodRateLimit(method: string, config: RateLimitConfig | false): void {
    this.methodRateLimits[method] = config;
    this.methodBuckets.delete(method);
  }

  setScopes(scopes: string[] | undefined): void {
    this.grantedScopes = scopes ? new Set(scopes) : undefined;
  }

  scopes(): string[] | undefined {
    return this.grantedScopes ? [...this.grantedScopes] : undefined;
  }

  revokeToken(token: string, error: RevokedTokenError = "account_inactive"): void {
    this.revoked.set(token, error);
  }

  restoreToken(token: string): void {
    this.revoked.delete(token);
  }

  get botToken(): string {
    return this.lastBotToken;
  }

  acceptToken(token: string, options: AcceptTokenOptions = {}): void {
    this.tokens.set(token, { ...options });
    if (options.user === undefined) this.lastBotToken = token;
  }

  ownsToken(token: string): boolean {
    return this.tokens.has(token) || this.revoked.has(token) || token === this.appToken;
  }

  // ---- queries -----------------------------------------------------------------------------

  errors(): FakeProblem[] {
    return [...this.problems];
  }

  recordProblem(problem: Omit<FakeProblem, "at">): void {
    this.problems.push({ ...problem, at: this.now() });
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  messagesIn(channel: string): RecordedMessage[] {
    return this.messages.filter((m) => m.channel === channel && !m.deleted);
  }

  messagesWithMetadata(channelOrUser: string, eventType?: string): RecordedMessage[] {
    const channel = this.users.has(channelOrUser)
      ? this.dmByUser.get(channelOrUser)
      : channelOrUser;
    if (channel === undefined) return [];
    return this.messagesIn(channel).filter(
      (m) =>
        m.metadata !== undefined &&
        (eventType === undefined || m.metadata.event_type === eventType),
    );
  }

  message(channel: string, ts: string): RecordedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  ephemeralsFor(userId: string, channel?: string): RecordedEphemeral[] {
    return this.ephemerals.filter(
      (e) => e.user === userId && !e.deleted && (channel === undefined || e.channel === channel),
    );
  }

  filesIn(channelOrUser: string): RecordedFile[] {
    const channel = this.users.has(channelOrUser)
      ? this.dmByUser.get(channelOrUser)
      : channelOrUser;
    return this.files.filter(
      (f) => f.completed && f.channel !== undefined && f.channel === channel,
    );
  }

  dms(userId: string): RecordedMessage[] {
    const ch = this.dmByUser.get(userId);
    return ch ? this.messagesIn(ch) : [];
  }

  modalStack(userId: string): StoredView[] {
    const ids = this.stacks.get(userId) ?? [];
    return ids.map((id) => this.views.get(id)).filter((v): v is StoredView => v !== undefined);
  }

  lastView(userId: string): StoredView | undefined {
    const stack = this.modalStack(userId);
    return stack[stack.length - 1];
  }

  viewsOf(userId: string): StoredView[] {
    return [...this.views.values()]
      .filter((v) => v.userId === userId && v.type === "modal")
      .sort((a, b) => a.openedAt - b.openedAt);
  }

  async waitFor<T>(probe: () => T | undefined | null | false, opts: WaitOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 2000;
    const intervalMs = opts.intervalMs ?? 10;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() >= deadline) {
        throw new Error(
          `fake-slack: waited ${timeoutMs} ms: ${opts.message ?? "condition never met"}`,
        );
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  private nextTs(): string {
    this.seq += 1;
    const secs = Math.floor(this.now() / 1000);
    return `${secs}.${String(this.seq % 1_000_000).padStart(6, "0")}`;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rawBytes = await readBody(req);
    if (rawBytes === null) {
      send(res, 413, { ok: false, error: "request_too_large" });
      return;
    }
    if (url.pathname.startsWith("/upload/v1/")) {
      const id = decodeURIComponent(url.pathname.slice("/upload/v1/".length));
      const result = await this.receiveUpload(id, req, rawBytes);
      res.writeHead(result.status, { "content-type": "text/plain; charset=utf-8" });
      res.end(result.text);
      return;
    }
    const raw = rawBytes.toString("utf8");
    if (url.pathname.startsWith("/api/")) {
      const method = decodeURIComponent(url.pathname.slice("/api/".length));
      const result = this.dispatch(method, req, url, raw);
      if (result.delayMs !== undefined && result.delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.delayed.delete(timer);
            resolve();
          }, result.delayMs);
          this.delayed.add(timer);
        });
        // The client may have given up (or died) meanwhile; nothing to answer then.
        if (res.destroyed || res.writableEnded) return;
      }
      send(res, result.status ?? 200, result.body, result.headers);
      return;
    }
    if (url.pathname.startsWith("/respond/")) {
      const id = decodeURIComponent(url.pathname.slice("/respond/".length));
      const result = this.respond(id, req, raw);
      send(res, result.status ?? 200, result.body, result.headers);
      return;
    }
    if (url.pathname === "/" || url.pathname === "/healthz") {
      send(res, 200, { ok: true, fake: "slack", api: this.apiUrl });
      return;
    }
    send(res, 404, { ok: false, error: "not_found" });
  }

  private dispatch(method: string, req: IncomingMessage, url: URL, raw: string): HandlerResult {
    const at = this.now();
    const parsed = parseArgs(req, url, raw);
    const args = parsed.args;
    const token = bearer(req.headers.authorization) ?? (parsed.json ? undefined : str(args.token));
    const recorded: Obj = { ...args };
    delete recorded.token;

    const finish = (result: HandlerResult, injected = false): HandlerResult => {
      const ok = result.body.ok === true;
      const error = typeof result.body.error === "string" ? result.body.error : undefined;
      const call: RecordedCall = {
        method,
        args: recorded,
        ok,
        status: result.status ?? 200,
        at,
        response: result.body,
      };
      if (error) call.error = error;
      if (injected) call.injected = true;
      this.calls.push(call);
      this.onCall?.(call);
      if (!ok) {
        const problem: Omit<FakeProblem, "at"> = {
          source: "web_api",
          method,
          error: error ?? "unknown",
        };
        const meta = result.body.response_metadata;
        if (isObj(meta) && Array.isArray(meta.messages))
          problem.messages = meta.messages as string[];
        if (injected) problem.injected = true;
        this.recordProblem(problem);
      }
      return result;
    };

    const handler = this.handlers[method];
    if (!handler) return finish(fail("unknown_method", { req_method: method }));
    if (parsed.error) return finish(fail(parsed.error));
    if (method === "apps.connections.open") {
      // Slack takes the app-level token for this method from the Authorization header only.
      const header = bearer(req.headers.authorization);
      if (!header) return finish(fail("not_authed"));
      const revoked = this.revoked.get(header);
      if (revoked) return finish(fail(revoked));
      if (this.tokens.has(header) || /^(xoxe\.)?xox[a-z]-/.test(header)) {
        return finish(fail("not_allowed_token_type"));
      }
      if (header !== this.appToken) return finish(fail("invalid_auth"));
    } else {
      if (!token) return finish(fail("not_authed"));
      const revoked = this.revoked.get(token);
      if (revoked) return finish(fail(revoked));
      if (token === this.appToken) return finish(fail("not_allowed_token_type"));
      const accepted = this.tokens.get(token);
      if (!accepted) return finish(fail("invalid_auth"));
      if (accepted.expiresAt !== undefined && at >= accepted.expiresAt) {
        return finish(fail("token_expired"));
      }
    }

    const injected = this.takeFailure(method, args);
    if (injected) return finish(injected, true);

    const withScopes = (result: HandlerResult): HandlerResult => {
      if (!this.grantedScopes || method === "apps.connections.open") return result;
      const scopes = [...this.grantedScopes].join(",");
      return { ...result, headers: { ...result.headers, "x-oauth-scopes": scopes } };
    };
    const needed = METHOD_SCOPES[method];
    const denied = needed ? this.requireScope(needed) : undefined;
    if (denied) return finish(withScopes(denied));

    if (method === "chat.postMessage") {
      const workspace = this.workspacePostLimit;
      const limited =
        (workspace ? this.takeToken(this.buckets, WORKSPACE_BUCKET, workspace) : undefined) ??
        this.checkRate(str(args.channel) ?? "");
      if (limited) return finish(withScopes(limited));
    } else {
      const limited = this.checkMethodRate(method);
      if (limited) return finish(withScopes(limited));
    }
    return finish(withScopes(handler(args, token ?? "")));
  }

  /** `missing_scope` (with Slack's `needed` and `provided`) unless the token has `scope`. */
  private requireScope(scope: string): HandlerResult | undefined {
    const granted = this.grantedScopes;
    if (!granted || granted.has(scope)) return undefined;
    return fail("missing_scope", { needed: scope, provided: [...granted].join(",") });
  }

  /** The `<kind>` scope for a conversation's type: channels:, groups:, im: or mpim:. */
  private conversationScope(ch: ChannelInfo, kind: "read" | "history"): string {
    const family = ch.isIm ? "im" : ch.isMpim ? "mpim" : ch.isPrivate ? "groups" : "channels";
    return `${family}:${kind}`;
  }

  private takeFailure(method: string, args: Record<string, unknown>): HandlerResult | undefined {
    for (const key of [method, "*"]) {
      const list = this.failures.get(key);
      const next = list?.find((pending) => !pending.spec.when || pending.spec.when(args));
      if (!list || !next) continue;
      next.remaining -= 1;
      next.served += 1;
      if (next.remaining <= 0) list.splice(list.indexOf(next), 1);
      for (const w of next.waiters.filter((w) => next.served >= w.count)) {
        next.waiters.splice(next.waiters.indexOf(w), 1);
        w.resolve();
      }
      const spec = next.spec;
      const status = spec.status ?? (spec.error === "ratelimited" ? 429 : 200);
      let result: HandlerResult;
      if (status === 429) {
        result = {
          status,
          headers: { "retry-after": String(spec.retryAfter ?? 1) },
          body: { ok: false, error: spec.error ?? "ratelimited" },
        };
      } else {
        const error =
          spec.error ??
          (status === 503
            ? "service_unavailable"
            : status >= 500
              ? "internal_error"
              : "fatal_error");
        result = { status, body: { ok: false, error } };
        if (spec.retryAfter !== undefined)
          result.headers = { "retry-after": String(spec.retryAfter) };
      }
      if (spec.delayMs !== undefined) result.delayMs = spec.delayMs;
      return result;
    }
    return undefined;
  }

  /** The per-method bucket (Slack's tiers), for methods that have one. */
  private checkMethodRate(method: string): HandlerResult | undefined {
    const cfg = this.methodRateLimits[method];
    if (!cfg) return undefined;
    return this.takeToken(this.methodBuckets, method, cfg);
  }

  private checkRate(channel: string): HandlerResult | undefined {
    const cfg = this.rateLimit;
    if (!cfg) return undefined;
    return this.takeToken(this.buckets, this.dmByUser.get(channel) ?? channel, cfg);
  }

  /** Take one token from `buckets[key]`, or answer 429 with the Retry-After until the next one. */
  private takeToken(
    buckets: Map<string, Bucket>,
    key: string,
    cfg: RateLimitConfig,
  ): HandlerResult | undefined {
    const now = this.now();
    const bucket = buckets.get(key) ?? { tokens: cfg.burst, at: now };
    const refill = ((now - bucket.at) / 1000) * cfg.perSecond;
    bucket.tokens = Math.min(cfg.burst, bucket.tokens + Math.max(0, refill));
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / cfg.perSecond));
    return {
      status: 429,
      headers: { "retry-after": String(retryAfter) },
      body: { ok: false, error: "ratelimited" },
    };
  }

  // ---- Socket Mode -------------------------------------------------------------------------

  private appsConnectionsOpen(): HandlerResult {
    const ticket = randomBytes(16).toString("hex");
    this.socketTickets.add(ticket);
    return ok({ url: `ws://127.0.0.1:${this.port}/socket/${ticket}` });
  }

  // ---- auth / team / users -----------------------------------------------------------------

  private authTest(token: string): HandlerResult {
    const accepted = this.tokens.get(token) ?? {};
    const userId = accepted.user ?? this.botUserId;
    const body: Obj = {
      url: `https://${this.teamDomain}.slack.com/`,
      team: this.teamName,
      user: this.users.get(userId)?.name ?? (accepted.user ? userId.toLowerCase() : "truce"),
      team_id: this.teamId,
      user_id: userId,
    };
    if (accepted.user === undefined) body.bot_id = this.botId;
    if (this.enterpriseId) body.enterprise_id = this.enterpriseId;
    if (accepted.enterpriseInstall && this.enterpriseId) {
      body.url = `https://${this.enterpriseDomain}.enterprise.slack.com/`;
      body.team = this.enterpriseName;
      body.team_id = this.enterpriseId;
    }
    body.is_enterprise_install = accepted.enterpriseInstall === true && !!this.enterpriseId;
    return ok(body);
  }

  private teamInfo(): HandlerResult {
    return ok({
      team: {
        id: this.teamId,
        name: this.teamName,
        domain: this.teamDomain,
        ...(this.enterpriseId
          ? { enterprise_id: this.enterpriseId, enterprise_name: this.enterpriseName }
          : {}),
        email_domain: "",
        icon: { image_default: true },
      },
    });
  }

  private userJson(u: FakeUser): Obj {
    const realName = u.realName ?? u.name ?? u.id;
    const json: Obj = {
      id: u.id,
      team_id: this.teamId,
      name: u.name ?? u.id.toLowerCase(),
      deleted: u.deleted ?? false,
      real_name: realName,
      is_admin: u.isAdmin ?? false,
      is_owner: u.isOwner ?? false,
      is_primary_owner: u.isPrimaryOwner ?? false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: u.isBot ?? false,
      is_app_user: false,
      updated: Math.floor(this.now() / 1000),
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: u.displayName ?? u.name ?? "",
        display_name_normalized: u.displayName ?? u.name ?? "",
        team: this.teamId,
        status_text: u.statusText ?? "",
        status_emoji: u.statusEmoji ?? "",
        status_expiration: u.statusExpiration ?? 0,
      },
    };
    if (u.isBot && u.id === this.botUserId) (json.profile as Obj).bot_id = this.botId;
    if (u.tz) {
      json.tz = u.tz;
      json.tz_label = u.tzLabel ?? u.tz;
      json.tz_offset = u.tzOffset ?? tzOffsetSeconds(u.tz, this.now());
    }
    return json;
  }

  private usersInfo(a: Obj): HandlerResult {
    const id = str(a.user);
    if (!id)
      return fail("invalid_arguments", {
        response_metadata: { messages: ["[ERROR] missing required field: user"] },
      });
    const u = this.users.get(id);
    if (!u) return fail("user_not_found");
    return ok({ user: this.userJson(u) });
  }

  private usersList(a: Obj): HandlerResult {
    const all = [...this.users.values()].map((u) => this.userJson(u));
    const page = paginate(all, a, 200);
    if ("error" in page) return page.error;
    return ok({
      members: page.items,
      cache_ts: Math.floor(this.now() / 1000),
      response_metadata: { next_cursor: page.next },
    });
  }

  // ---- conversations ----------------------------------------------------------------------

  private channelJson(ch: ChannelInfo): Obj {
    if (ch.isIm) {
      return {
        id: ch.id,
        created: ch.created,
        is_im: true,
        is_org_shared: false,
        user: ch.imUser,
        is_user_deleted: this.users.get(ch.imUser ?? "")?.deleted ?? false,
      };
    }
    return {
      id: ch.id,
      name: ch.name,
      name_normalized: ch.name,
      is_channel: !ch.isPrivate && !ch.isMpim,
      is_group: ch.isPrivate && !ch.isMpim,
      is_im: false,
      is_mpim: ch.isMpim,
      is_private: ch.isPrivate,
      is_archived: ch.isArchived,
      is_general: ch.name === "general",
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: ch.members.has(this.botUserId),
      created: ch.created,
      creator: "",
      num_members: ch.members.size,
    };
  }

  /** A channel the bot can see: public channels, and private ones/DMs it is a member of. */
  private visibleChannel(id: string | undefined): ChannelInfo | undefined {
    if (!id) return undefined;
    const ch = this.channels.get(id);
    if (!ch) return undefined;
    if (ch.isPrivate && !ch.members.has(this.botUserId)) return undefined;
    return ch;
  }

  private conversationsInfo(a: Obj): HandlerResult {
    const ch = this.visibleChannel(str(a.channel));
    if (!ch) return fail("channel_not_found");
    const denied = this.requireScope(this.conversationScope(ch, "read"));
    if (denied) return denied;
    return ok({ channel: this.channelJson(ch) });
  }

  private conversationsJoin(a: Obj): HandlerResult {
    const ch = this.visibleChannel(str(a.channel));
    if (!ch) return fail("channel_not_found");
    if (ch.isPrivate || ch.isIm || ch.isMpim) return fail("method_not_supported_for_channel_type");
    if (ch.isArchived) return fail("is_archived");
    if (ch.members.has(this.botUserId)) {
      return ok({
        channel: this.channelJson(ch),
        warning: "already_in_channel",
        response_metadata: { warnings: ["already_in_channel"] },
      });
    }
    ch.members.add(this.botUserId);
    return ok({ channel: this.channelJson(ch) });
  }

  private conversationsOpen(a: Obj): HandlerResult {
    const channelArg = str(a.channel);
    if (channelArg) {
      const ch = this.visibleChannel(channelArg);
      if (!ch || !(ch.isIm || ch.isMpim)) return fail("channel_not_found");
      return ok({
        no_op: true,
        already_open: true,
        channel: flag(a.return_im) ? this.channelJson(ch) : { id: ch.id },
      });
    }
    const users = (str(a.users) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (users.length === 0) return fail("users_list_not_supplied");
    const denied = this.requireScope(users.length === 1 ? "im:write" : "mpim:write");
    if (denied) return denied;
    for (const u of users) {
      const user = this.users.get(u);
      if (!user) return fail("user_not_found");
      if (user.deleted) return fail("user_disabled");
    }
    if (users.length > 8) return fail("too_many_users");
    if (users.length === 1) {
      const userId = users[0] as string;
      const existed = this.dmByUser.has(userId);
      const ch = this.openDm(userId);
      const channel = flag(a.return_im) ? this.channelJson(ch) : { id: ch.id };
      return ok(existed ? { no_op: true, already_open: true, channel } : { channel });
    }
    const members = new Set([this.botUserId, ...users]);
    const existing = [...this.channels.values()].find(
      (c) =>
        c.isMpim && c.members.size === members.size && [...members].every((m) => c.members.has(m)),
    );
    const ch: ChannelInfo = existing ?? {
      id: randomId("C", 10),
      name: `mpdm-${users.join("--")}-1`,
      isPrivate: true,
      isArchived: false,
      isIm: false,
      isMpim: true,
      members,
      created: Math.floor(this.now() / 1000),
    };
    if (!existing) this.channels.set(ch.id, ch);
    return ok({ channel: flag(a.return_im) ? this.channelJson(ch) : { id: ch.id } });
  }

  private conversationsMembers(a: Obj): HandlerResult {
    const ch = this.visibleChannel(str(a.channel));
    if (!ch) return fail("channel_not_found");
    const denied = this.requireScope(this.conversationScope(ch, "read"));
    if (denied) return denied;
    const page = paginate([...ch.members], a, MEMBERS_DEFAULT_LIMIT, MEMBERS_MAX_LIMIT);
    if ("error" in page) return page.error;
    return ok({ members: page.items, response_metadata: { next_cursor: page.next } });
  }

  /**
   * A conversation's messages, newest first: top-level messages and thread parents (replies stay
   * in their threads), deleted ones left out, within `oldest`/`latest` (exclusive unless
   * `inclusive`). Metadata only with `include_all_metadata`. A bot token reads conversations the
   * bot is a member of; its cursor is the ts the next page starts below, so pages stay right
   * while new messages arrive.
   */
  private conversationsHistory(a: Obj): HandlerResult {
    const ch = this.channels.get(str(a.channel) ?? "");
    if (!ch) return fail("channel_not_found");
    if (!ch.members.has(this.botUserId)) {
      return fail(ch.isPrivate ? "channel_not_found" : "not_in_channel");
    }
    const denied = this.requireScope(this.conversationScope(ch, "history"));
    if (denied) return denied;

    const limit = Math.min(intArg(a.limit, HISTORY_DEFAULT_LIMIT), HISTORY_MAX_LIMIT);
    const inclusive = flag(a.inclusive);
    const given = (v: unknown) => v !== undefined && v !== null && v !== "";
    const oldest = given(a.oldest) ? tsMicros(a.oldest) : 0n;
    if (oldest === undefined) return fail("invalid_ts_oldest");
    // Slack's default `latest` is "now"; the fake's ts count calls in the fraction, so a message
    // posted this second can be later than "now" – no upper bound instead.
    const latest = given(a.latest) ? tsMicros(a.latest) : undefined;
    if (given(a.latest) && latest === undefined) return fail("invalid_ts_latest");
    let below: bigint | undefined;
    const cursor = str(a.cursor);
    if (cursor) {
      below = tsMicros(decodeCursor(cursor, "next_ts"));
      if (below === undefined) return fail("invalid_cursor");
    }

    const live = this.messagesIn(ch.id);
    const inRange = live
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .map((m) => ({ m, at: tsMicros(m.ts) ?? 0n }))
      .filter(({ at }) => (inclusive ? at >= oldest : at > oldest))
      .filter(({ at }) => latest === undefined || (inclusive ? at <= latest : at < latest))
      .filter(({ at }) => below === undefined || at < below)
      .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
    const page = inRange.slice(0, limit);
    const hasMore = inRange.length > limit;
    const withMetadata = flag(a.include_all_metadata);
    const messages = page.map(({ m }) => {
      const json = this.messageJson(m);
      if (!withMetadata) delete json.metadata;
      const replies = live.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
      if (replies.length > 0) {
        json.thread_ts = m.ts;
        json.reply_count = replies.length;
        json.reply_users = [...new Set(replies.map((r) => r.user))];
        json.latest_reply = replies[replies.length - 1]?.ts;
      }
      return json;
    });
    const last = page[page.length - 1];
    const body: Obj = {
      messages,
      has_more: hasMore,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
    };
    if (hasMore && last)
      body.response_metadata = { next_cursor: encodeCursor("next_ts", last.m.ts) };
    return ok(body);
  }

  private conversationsList(a: Obj): HandlerResult {
    const types = new Set((str(a.types) ?? "public_channel").split(",").map((s) => s.trim()));
    const typeScopes: Record<string, string> = {
      public_channel: "channels:read",
      private_channel: "groups:read",
      im: "im:read",
      mpim: "mpim:read",
    };
    for (const type of types) {
      const scope = typeScopes[type];
      const denied = scope ? this.requireScope(scope) : undefined;
      if (denied) return denied;
    }
    const excludeArchived = flag(a.exclude_archived);
    const list = [...this.channels.values()].filter((ch) => {
      if (excludeArchived && ch.isArchived) return false;
      if (ch.isIm) return types.has("im");
      if (ch.isMpim) return types.has("mpim");
      if (ch.isPrivate) return types.has("private_channel") && ch.members.has(this.botUserId);
      return types.has("public_channel");
    });
    const page = paginate(
      list.map((ch) => this.channelJson(ch)),
      a,
      100,
      1000,
    );
    if ("error" in page) return page.error;
    return ok({ channels: page.items, response_metadata: { next_cursor: page.next } });
  }

  // ---- chat --------------------------------------------------------------------------------

  /** Where a bot message may be posted: Slack's membership rules, with its error codes. */
  private postTarget(channelArg: string | undefined): ChannelInfo | HandlerResult {
    if (!channelArg) return fail("channel_not_found");
    const user = this.users.get(channelArg);
    if (user && /^[UW]/.test(channelArg)) {
      if (user.deleted) return fail("user_disabled");
      return this.openDm(channelArg);
    }
    const ch = this.channels.get(channelArg);
    if (!ch) return fail("channel_not_found");
    const member = ch.members.has(this.botUserId);
    if (ch.isPrivate && !member) return fail("channel_not_found");
    if (ch.isArchived) return fail("is_archived");
    if (!member) return fail("not_in_channel");
    return ch;
  }

  /**
   * Message content rules shared by every message surface. Returns the failure, or the parsed
   * blocks plus any warning.
   */
  private checkContent(
    a: Obj,
    requireContent: boolean,
  ): HandlerResult | { blocks: unknown[] | undefined; warning?: string } {
    const text = a.text === undefined || a.text === null ? undefined : String(a.text);
    const blocks = a.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) return fail("invalid_blocks_format");
    const attachments = a.attachments;
    if (attachments !== undefined && !Array.isArray(attachments))
      return fail("invalid_attachments");
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (requireContent && !text && !hasBlocks && !hasAttachments) return fail("no_text");
    if (text !== undefined && text.length > BLOCK_KIT_LIMITS.messageText)
      return fail("msg_too_long");
    if (Array.isArray(blocks)) {
      const errors = validateMessageBlocks(blocks);
      if (errors.length > 0) return invalidBlocks(errors);
    }
    const result: { blocks: unknown[] | undefined; warning?: string } = {
      blocks: Array.isArray(blocks) ? assignIds(blocks) : undefined,
    };
    if ((hasBlocks || hasAttachments) && !text) result.warning = MISSING_TEXT_WARNING;
    return result;
  }

  /** Record a warning and add it to the response like Slack (`warning`, comma-separated). */
  private warn(method: string, warning: string, channel: string | undefined, body: Obj): void {
    const w: RecordedWarning = { method, warning, at: this.now() };
    if (channel) w.channel = channel;
    this.warnings.push(w);
    const meta = isObj(body.response_metadata) ? body.response_metadata : {};
    const warnings = [
      ...(Array.isArray(meta.warnings) ? (meta.warnings as string[]) : []),
      warning,
    ];
    body.warning = warnings.join(",");
    body.response_metadata = { ...meta, warnings };
  }

  /**
   * The `metadata` argument of chat.postMessage / chat.update. Not a JSON object (or a string
   * that does not parse as one) → invalid_metadata_format; no string `event_type` or no object
   * `event_payload` → invalid_metadata_schema. An `event_type` with characters Slack does not
   * allow (a period, a space…) does not fail the call: Slack posts the message without the
   * metadata and warns `invalid_metadata_schema`. `{}` means "remove" (chat.update).
   */
  private checkMetadata(
    raw: unknown,
  ): { error: HandlerResult } | { metadata?: MessageMetadata; remove?: true; warning?: string } {
    if (raw === undefined || raw === null || raw === "") return {};
    if (!isObj(raw)) return { error: fail("invalid_metadata_format") };
    if (Object.keys(raw).length === 0) return { remove: true };
    const { event_type: type, event_payload: payload } = raw;
    if (typeof type !== "string" || type === "" || !isObj(payload)) {
      return { error: fail("invalid_metadata_schema") };
    }
    if (!METADATA_EVENT_TYPE.test(type)) return { warning: "invalid_metadata_schema" };
    return { metadata: { event_type: type, event_payload: clone(payload) } };
  }

  private messageJson(m: RecordedMessage): Obj {
    const json: Obj = {
      type: "message",
      user: m.user,
      ts: m.ts,
      text: m.text ?? "",
      team: this.teamId,
    };
    if (m.user === this.botUserId) {
      json.bot_id = this.botId;
      json.app_id = this.appId;
    }
    if (m.blocks) json.blocks = m.blocks;
    if (m.attachments) json.attachments = m.attachments;
    if (m.thread_ts) json.thread_ts = m.thread_ts;
    if (m.metadata !== undefined) json.metadata = m.metadata;
    return json;
  }

  private chatPostMessage(a: Obj): HandlerResult {
    const target = this.postTarget(str(a.channel));
    if ("body" in target) return target;
    const content = this.checkContent(a, true);
    if ("body" in content) return content;
    const meta = this.checkMetadata(a.metadata);
    if ("error" in meta) return meta.error;
    const msg: RecordedMessage = {
      channel: target.id,
      ts: this.nextTs(),
      text: str(a.text),
      blocks: content.blocks,
      user: this.botUserId,
      bot_id: this.botId,
      via: "chat.postMessage",
      deleted: false,
      postedAt: this.now(),
      history: [],
    };
    const threadTs = str(a.thread_ts);
    if (threadTs) msg.thread_ts = threadTs;
    if (Array.isArray(a.attachments)) msg.attachments = a.attachments;
    if (meta.metadata) msg.metadata = meta.metadata;
    this.messages.push(msg);
    const body: Obj = { ok: true, channel: target.id, ts: msg.ts, message: this.messageJson(msg) };
    if (content.warning) this.warn("chat.postMessage", content.warning, target.id, body);
    if (meta.warning) this.warn("chat.postMessage", meta.warning, target.id, body);
    return { body };
  }

  // ---- files ---------------------------------------------------------------------------------

  private filesGetUploadUrlExternal(a: Obj): HandlerResult {
    const filename = str(a.filename);
    if (!filename) return invalidArguments(["missing required field: filename"]);
    const rawLength = str(a.length);
    if (rawLength === undefined) return invalidArguments(["missing required field: length"]);
    if (!/^\d+$/.test(rawLength)) return invalidArguments(["length must be an integer"]);
    const length = Number(rawLength);
    if (length === 0) return fail("missing_argument");
    const altText = str(a.alt_txt);
    if (altText !== undefined && altText.length > ALT_TEXT_MAX) return fail("alt_txt_too_large");
    const file: RecordedFile = {
      id: randomId("F", 10),
      filename,
      length,
      completed: false,
      reservedAt: this.now(),
    };
    if (altText !== undefined) file.altText = altText;
    this.files.push(file);
    const uploadId = randomBytes(16).toString("hex");
    this.uploadUrls.set(uploadId, file);
    return ok({ upload_url: `${this.url}/upload/v1/${uploadId}`, file_id: file.id });
  }

  /** The upload URL: takes the file's bytes once, raw or as the file part of a multipart form. */
  private async receiveUpload(
    id: string,
    req: IncomingMessage,
    raw: Buffer,
  ): Promise<{ status: number; text: string }> {
    const refuse = (status: number, error: string) => {
      this.recordProblem({ source: "web_api", method: "files.upload", error });
      return { status, text: error };
    };
    if (req.method !== "POST") return refuse(405, "method_not_allowed");
    const file = this.uploadUrls.get(id);
    if (!file) return refuse(404, "upload_url_not_found");
    const injected = this.takeFailure("files.upload", { file_id: file.id });
    if (injected) {
      this.recordProblem({
        source: "web_api",
        method: "files.upload",
        error: String(injected.body.error),
        injected: true,
      });
      const status = injected.status && injected.status !== 200 ? injected.status : 500;
      return { status, text: String(injected.body.error) };
    }
    let bytes = raw;
    const type = String(req.headers["content-type"] ?? "").toLowerCase();
    if (type.includes("multipart/form-data")) {
      try {
        const form = await new Response(new Uint8Array(raw), {
          headers: { "content-type": type },
        }).formData();
        const part = [...form.values()].find((value) => typeof value !== "string");
        if (part === undefined || typeof part === "string") return refuse(400, "no_file_data");
        bytes = Buffer.from(await part.arrayBuffer());
      } catch {
        return refuse(400, "invalid_form_data");
      }
    }
    if (bytes.length !== file.length) return refuse(400, "length_mismatch");
    // Spent: an upload URL takes one file.
    this.uploadUrls.delete(id);
    file.bytes = bytes;
    return { status: 200, text: `OK - ${bytes.length}` };
  }

  private filesCompleteUploadExternal(a: Obj): HandlerResult {
    const list = a.files;
    if (!Array.isArray(list) || list.length === 0) {
      return invalidArguments(["missing required field: files"]);
    }
    const chosen: { file: RecordedFile; title: string | undefined }[] = [];
    for (const entry of list) {
      if (!isObj(entry) || typeof entry.id !== "string") {
        return invalidArguments(["files must be an array of objects with an id"]);
      }
      const file = this.files.find((f) => f.id === entry.id);
      // Unknown, still waiting for its bytes, or completed before: this method runs once.
      if (!file || file.bytes === undefined || file.completed) return fail("file_not_found");
      chosen.push({ file, title: str(entry.title) });
    }
    const channelId = str(a.channel_id);
    let channel: ChannelInfo | undefined;
    if (channelId !== undefined) {
      // channel_id names a conversation; unlike chat.postMessage it takes no user id.
      const target = /^[UW]/.test(channelId)
        ? fail("channel_not_found")
        : this.postTarget(channelId);
      if ("body" in target) return target;
      channel = target;
    }
    const comment = str(a.initial_comment);
    if (comment === undefined && a.blocks !== undefined) {
      const errors = validateMessageBlocks(a.blocks);
      if (errors.length > 0) return invalidBlocks(errors);
    }
    const ts = channel ? this.nextTs() : undefined;
    const files = chosen.map(({ file, title }) => {
      file.completed = true;
      file.title = title ?? file.filename;
      if (channel && ts) {
        file.channel = channel.id;
        file.ts = ts;
        file.sharedAt = this.now();
      }
      if (comment !== undefined) file.initialComment = comment;
      const threadTs = str(a.thread_ts);
      if (threadTs) file.threadTs = threadTs;
      return { id: file.id, title: file.title, name: file.filename, size: file.length };
    });
    return ok({ files });
  }

  private chatPostEphemeral(a: Obj): HandlerResult {
    const target = this.postTarget(str(a.channel));
    if ("body" in target) return target;
    const userId = str(a.user);
    const user = userId ? this.users.get(userId) : undefined;
    if (!userId || !user) return fail("user_not_found");
    if (!target.members.has(userId)) return fail("user_not_in_channel");
    const content = this.checkContent(a, true);
    if ("body" in content) return content;
    const eph: RecordedEphemeral = {
      channel: target.id,
      user: userId,
      ts: this.nextTs(),
      text: str(a.text),
      blocks: content.blocks,
      via: "chat.postEphemeral",
      deleted: false,
      at: this.now(),
      history: [],
    };
    const threadTs = str(a.thread_ts);
    if (threadTs) eph.thread_ts = threadTs;
    this.ephemerals.push(eph);
    const body: Obj = { ok: true, message_ts: eph.ts };
    if (content.warning) this.warn("chat.postEphemeral", content.warning, target.id, body);
    return { body };
  }

  private findBotMessage(a: Obj, verb: "update" | "delete"): RecordedMessage | HandlerResult {
    const channelId = str(a.channel);
    const ch = this.visibleChannel(channelId);
    if (!ch) return fail("channel_not_found");
    const ts = str(a.ts);
    const msg = this.messages.find((m) => m.channel === ch.id && m.ts === ts && !m.deleted);
    if (!msg) return fail("message_not_found");
    if (msg.user !== this.botUserId)
      return fail(verb === "update" ? "cant_update_message" : "cant_delete_message");
    return msg;
  }

  private chatUpdate(a: Obj): HandlerResult {
    const msg = this.findBotMessage(a, "update");
    if ("body" in msg) return msg;
    const content = this.checkContent(a, true);
    if ("body" in content) return content;
    const meta = this.checkMetadata(a.metadata);
    if ("error" in meta) return meta.error;
    const version: MessageVersion = {
      text: msg.text,
      blocks: msg.blocks,
      at: msg.updatedAt ?? msg.postedAt,
      by: "chat.update",
    };
    if (msg.metadata) version.metadata = msg.metadata;
    msg.history.push(version);
    if (a.text !== undefined) msg.text = str(a.text);
    if (a.blocks !== undefined) msg.blocks = content.blocks;
    if (Array.isArray(a.attachments)) msg.attachments = a.attachments;
    // No `metadata` keeps the message's metadata; `{}` removes it.
    if (meta.metadata) msg.metadata = meta.metadata;
    if (meta.remove) delete msg.metadata;
    msg.updatedAt = this.now();
    const body: Obj = {
      ok: true,
      channel: msg.channel,
      ts: msg.ts,
      text: msg.text ?? "",
      message: this.messageJson(msg),
    };
    if (content.warning && !msg.text) this.warn("chat.update", content.warning, msg.channel, body);
    if (meta.warning) this.warn("chat.update", meta.warning, msg.channel, body);
    return { body };
  }

  private chatDelete(a: Obj): HandlerResult {
    const msg = this.findBotMessage(a, "delete");
    if ("body" in msg) return msg;
    msg.deleted = true;
    msg.updatedAt = this.now();
    return ok({ channel: msg.channel, ts: msg.ts });
  }

  private chatGetPermalink(a: Obj): HandlerResult {
    const ch = this.visibleChannel(str(a.channel));
    if (!ch) return fail("channel_not_found");
    const ts = str(a.message_ts);
    const msg = this.messages.find((m) => m.channel === ch.id && m.ts === ts);
    if (!msg) return fail("message_not_found");
    return ok({
      channel: ch.id,
      permalink: `https://${this.teamDomain}.slack.com/archives/${ch.id}/p${msg.ts.replace(".", "")}`,
    });
  }

  // ---- views -------------------------------------------------------------------------------

  private checkTrigger(triggerId: string | undefined): HandlerResult | Trigger {
    if (!triggerId) return invalidArguments(["missing required field: trigger_id"]);
    const t = this.triggers.get(triggerId);
    if (!t) return fail("invalid_trigger_id");
    if (t.used) return fail("exchanged_trigger_id");
    if (this.now() - t.issuedAt >= TRIGGER_TTL_MS) return fail("expired_trigger_id");
    return t;
  }

  /** Parse + validate a view argument. */
  private checkView(
    raw: unknown,
    expectType?: "modal" | "home",
  ): { error: HandlerResult } | { view: Obj } {
    const bad = (error: HandlerResult) => ({ error });
    if (raw === undefined || raw === null)
      return bad(invalidArguments(["missing required field: view"]));
    if (!isObj(raw)) return bad(invalidArguments(["invalid `view`: must be a JSON object"]));
    if (expectType && raw.type !== expectType) {
      return bad(invalidArguments([`must be ${expectType} [json-pointer:/view/type]`]));
    }
    if (viewByteSize(raw) > BLOCK_KIT_LIMITS.viewBytes) return bad(fail("view_too_large"));
    const errors = validateView(raw);
    if (errors.length > 0) return bad(invalidArguments(errors));
    const ext = str(raw.external_id);
    if (ext) {
      const clash = [...this.views.values(), ...this.homeViews.values()].find(
        (v) => v.externalId === ext && v.open,
      );
      if (clash) return bad(fail("duplicate_external_id"));
    }
    return { view: raw };
  }

  private newHash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString("hex")}`;
  }

  private buildView(
    input: Obj,
    id: string,
    hash: string,
    rootViewId: string,
    previousViewId: string | null,
  ): Obj {
    const view: Obj = {
      id,
      team_id: this.teamId,
      type: input.type,
      blocks: assignIds(input.blocks) ?? [],
      private_metadata: str(input.private_metadata) ?? "",
      callback_id: str(input.callback_id) ?? "",
      state: { values: {} },
      hash,
      title: input.title ?? null,
      clear_on_close: flag(input.clear_on_close),
      notify_on_close: flag(input.notify_on_close),
      close: input.close ?? null,
      submit: input.submit ?? null,
      previous_view_id: previousViewId,
      root_view_id: rootViewId,
      app_id: this.appId,
      external_id: str(input.external_id) ?? "",
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
    if (input.type === "home") {
      delete view.title;
      delete view.close;
      delete view.submit;
      delete view.clear_on_close;
      delete view.notify_on_close;
    }
    if (input.submit_disabled !== undefined) view.submit_disabled = flag(input.submit_disabled);
    return view;
  }

  private storeModal(
    userId: string | undefined,
    input: Obj,
    openedBy: StoredView["openedBy"],
    previous: StoredView | undefined,
  ): StoredView {
    const id = randomId("V", 10);
    const hash = this.newHash();
    const rootViewId = previous?.rootViewId ?? id;
    const stored: StoredView = {
      id,
      userId,
      type: "modal",
      view: this.buildView(input, id, hash, rootViewId, previous?.id ?? null),
      hash,
      rootViewId,
      previousViewId: previous?.id ?? null,
      externalId: str(input.external_id) ?? "",
      open: true,
      openedBy,
      openedAt: this.now(),
      updatedAt: this.now(),
      history: [],
    };
    this.views.set(id, stored);
    return stored;
  }

  private replaceContent(stored: StoredView, input: Obj): void {
    stored.history.push(stored.view);
    stored.hash = this.newHash();
    stored.externalId = str(input.external_id) ?? stored.externalId;
    stored.view = this.buildView(
      input,
      stored.id,
      stored.hash,
      stored.rootViewId,
      stored.previousViewId,
    );
    stored.updatedAt = this.now();
  }

  private closeStack(userId: string): void {
    for (const v of this.modalStack(userId)) v.open = false;
    this.stacks.set(userId, []);
  }

  private viewsOpen(a: Obj): HandlerResult {
    const trigger = this.checkTrigger(str(a.trigger_id));
    if ("body" in trigger) return trigger;
    const checked = this.checkView(a.view, "modal");
    if ("error" in checked) return checked.error;
    const view = checked.view;
    trigger.used = true;
    const userKey = trigger.userId ?? "";
    this.closeStack(userKey);
    const stored = this.storeModal(trigger.userId, view, "views.open", undefined);
    this.stacks.set(userKey, [stored.id]);
    return ok({ view: stored.view });
  }

  private viewsPush(a: Obj): HandlerResult {
    const trigger = this.checkTrigger(str(a.trigger_id));
    if ("body" in trigger) return trigger;
    const checked = this.checkView(a.view, "modal");
    if ("error" in checked) return checked.error;
    const view = checked.view;
    const userKey = trigger.userId ?? "";
    const stack = this.stacks.get(userKey) ?? [];
    if (stack.length === 0) return fail("not_found");
    if (stack.length >= MAX_MODAL_STACK) return fail("push_limit_reached");
    trigger.used = true;
    const previous = this.views.get(stack[stack.length - 1] ?? "");
    const stored = this.storeModal(trigger.userId, view, "views.push", previous);
    stack.push(stored.id);
    this.stacks.set(userKey, stack);
    return ok({ view: stored.view });
  }

  private viewsUpdate(a: Obj): HandlerResult {
    const viewId = str(a.view_id);
    const externalId = str(a.external_id);
    if (!viewId && !externalId)
      return invalidArguments(["must provide either view_id or external_id"]);
    const all = [...this.views.values(), ...this.homeViews.values()];
    const stored = viewId
      ? all.find((v) => v.id === viewId)
      : all.find((v) => v.externalId === externalId && v.open);
    if (!stored?.open) return fail("not_found");
    const hash = str(a.hash);
    if (hash !== undefined && hash !== stored.hash) return fail("hash_conflict");
    const checked = this.checkView(a.view, stored.type);
    if ("error" in checked) return checked.error;
    const view = checked.view;
    this.replaceContent(stored, view);
    return ok({ view: stored.view });
  }

  private viewsPublish(a: Obj): HandlerResult {
    const userId = str(a.user_id);
    if (!userId) return invalidArguments(["missing required field: user_id"]);
    if (!this.users.has(userId)) return fail("user_not_found");
    const checked = this.checkView(a.view, "home");
    if ("error" in checked) return checked.error;
    const view = checked.view;
    const existing = this.homeViews.get(userId);
    const hash = str(a.hash);
    if (hash !== undefined && existing && hash !== existing.hash) return fail("hash_conflict");
    if (existing) {
      this.replaceContent(existing, view);
      return ok({ view: existing.view });
    }
    const id = randomId("V", 10);
    const newHash = this.newHash();
    const stored: StoredView = {
      id,
      userId,
      type: "home",
      view: this.buildView(view, id, newHash, id, null),
      hash: newHash,
      rootViewId: id,
      previousViewId: null,
      externalId: str(view.external_id) ?? "",
      open: true,
      openedBy: "views.publish",
      openedAt: this.now(),
      updatedAt: this.now(),
      history: [],
    };
    this.homeViews.set(userId, stored);
    return ok({ view: stored.view });
  }

  applyViewSubmissionResponse(userId: string, viewId: string, body: unknown): ViewResponseOutcome {
    const stack = this.stacks.get(userId) ?? [];
    const submitted = this.views.get(viewId);
    if (!submitted?.open || stack[stack.length - 1] !== viewId) {
      return { ok: false, errors: [`view ${viewId} is not the open top view of ${userId}`] };
    }
    const bad = (errors: string[]): ViewResponseOutcome => {
      this.recordProblem({
        source: "view_response",
        method: "view_submission",
        error: "invalid_response_action",
        messages: errors,
      });
      return { ok: false, errors };
    };
    if (!isObj(body) || body.response_action === undefined) {
      // A plain acknowledgement closes the submitted view (the one below, if any, shows again).
      submitted.open = false;
      stack.pop();
      const top = this.views.get(stack[stack.length - 1] ?? "");
      return top ? { ok: true, errors: [], view: top } : { ok: true, errors: [] };
    }
    switch (body.response_action) {
      case "errors": {
        const errs = body.errors;
        if (!isObj(errs) || Object.keys(errs).length === 0) {
          return bad(["response_action errors needs a non-empty `errors` object"]);
        }
        const blocks = Array.isArray(submitted.view.blocks) ? submitted.view.blocks : [];
        const inputIds = new Set(
          blocks
            .filter((b): b is Obj => isObj(b) && b.type === "input")
            .map((b) => String(b.block_id)),
        );
        const problems: string[] = [];
        for (const [k, v] of Object.entries(errs)) {
          if (!inputIds.has(k))
            problems.push(`errors key "${k}" is not the block_id of an input block in the view`);
          if (typeof v !== "string" || v.length === 0)
            problems.push(`errors["${k}"] must be a non-empty string`);
        }
        if (problems.length > 0) return bad(problems);
        return { ok: true, errors: [], view: submitted };
      }
      case "update": {
        const checked = this.checkView(body.view, "modal");
        if ("error" in checked) return bad(responseErrors(checked.error));
        const view = checked.view;
        this.replaceContent(submitted, view);
        return { ok: true, errors: [], view: submitted };
      }
      case "push": {
        const checked = this.checkView(body.view, "modal");
        if ("error" in checked) return bad(responseErrors(checked.error));
        const view = checked.view;
        if (stack.length >= MAX_MODAL_STACK) return bad(["push_limit_reached"]);
        const stored = this.storeModal(userId, view, "response_action", submitted);
        stack.push(stored.id);
        return { ok: true, errors: [], view: stored };
      }
      case "clear":
        this.closeStack(userId);
        return { ok: true, errors: [] };
      default:
        return bad([`unknown response_action: ${String(body.response_action)}`]);
    }
  }

  closeView(userId: string, viewId: string): StoredView[] {
    const stack = this.stacks.get(userId) ?? [];
    const stored = this.views.get(viewId);
    if (!stored?.open || stack[stack.length - 1] !== viewId) {
      throw new Error(`fake-slack: view ${viewId} is not the open top view of ${userId}`);
    }
    if (stored.view.clear_on_close === true) {
      const closed = this.modalStack(userId);
      this.closeStack(userId);
      return closed;
    }
    stored.open = false;
    stack.pop();
    return [stored];
  }

  // ---- response_url -------------------------------------------------------------------------

  private respond(id: string, req: IncomingMessage, raw: string): HandlerResult {
    const state = this.responseUrls.get(id);
    const fault = (
      status: number,
      error: string,
      payload: unknown,
      messages?: string[],
    ): HandlerResult => {
      const problem: Omit<FakeProblem, "at"> = {
        source: "response_url",
        method: "response_url",
        error,
      };
      if (messages) problem.messages = messages;
      this.recordProblem(problem);
      const rec: RecordedResponse = {
        id,
        source: "response_url",
        ok: false,
        status,
        error,
        payload,
        text: undefined,
        blocks: undefined,
        responseType: "ephemeral",
        replaceOriginal: false,
        deleteOriginal: false,
        context: state?.context ?? {},
        at: this.now(),
      };
      if (messages) rec.messages = messages;
      this.responses.push(rec);
      const body: Obj = { ok: false, error };
      if (messages) body.response_metadata = { messages: messages.map((m) => `[ERROR] ${m}`) };
      return { status, body };
    };
    if (!state) return fault(404, "invalid_url", undefined);
    if (this.now() - state.issuedAt > RESPONSE_URL_TTL_MS)
      return fault(404, "expired_url", undefined);
    if (state.uses >= RESPONSE_URL_MAX_USES) return fault(404, "used_url", undefined);
    state.uses += 1;
    let payload: unknown;
    const ct = String(req.headers["content-type"] ?? "");
    try {
      if (ct.includes("application/x-www-form-urlencoded")) {
        const p = new URLSearchParams(raw).get("payload");
        payload = p === null ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(p);
      } else {
        payload = JSON.parse(raw);
      }
    } catch {
      return fault(400, "invalid_payload", raw);
    }
    const rec = this.deliver(id, "response_url", state.context, payload);
    return rec.ok ? { status: 200, body: { ok: true } } : this.responseFailure(rec);
  }

  private responseFailure(rec: RecordedResponse): HandlerResult {
    const body: Obj = { ok: false, error: rec.error };
    if (rec.messages)
      body.response_metadata = { messages: rec.messages.map((m) => `[ERROR] ${m}`) };
    return { status: rec.status, body };
  }

  deliverAckMessage(context: ResponseContext, payload: unknown): RecordedResponse {
    return this.deliver("ack", "ack", context, payload);
  }

  /** Validate and apply a message sent through a response_url or an HTTP acknowledgement. */
  private deliver(
    id: string,
    source: "response_url" | "ack",
    context: ResponseContext,
    payload: unknown,
  ): RecordedResponse {
    const p: Obj = typeof payload === "string" ? { text: payload } : isObj(payload) ? payload : {};
    const rec: RecordedResponse = {
      id,
      source,
      ok: true,
      status: 200,
      payload,
      text: str(p.text),
      blocks: Array.isArray(p.blocks) ? p.blocks : undefined,
      responseType: p.response_type === "in_channel" ? "in_channel" : "ephemeral",
      replaceOriginal: flag(p.replace_original),
      deleteOriginal: flag(p.delete_original),
      context: { ...context },
      at: this.now(),
    };
    const reject = (status: number, error: string, messages?: string[]): RecordedResponse => {
      rec.ok = false;
      rec.status = status;
      rec.error = error;
      if (messages) rec.messages = messages;
      const problem: Omit<FakeProblem, "at"> = { source, method: source, error };
      if (messages) problem.messages = messages;
      this.recordProblem(problem);
      this.responses.push(rec);
      return rec;
    };
    if (!isObj(payload) && typeof payload !== "string") return reject(400, "invalid_payload");

    const original = this.originalOf(context);
    if (rec.deleteOriginal) {
      if (!original) return reject(404, "message_not_found");
      original.deleted = true;
      this.responses.push(rec);
      return rec;
    }
    const content = this.checkContent(p, true);
    if ("body" in content) {
      const meta = content.body.response_metadata;
      const messages =
        isObj(meta) && Array.isArray(meta.messages)
          ? (meta.messages as string[]).map((m) => m.replace(/^\[ERROR\] /, ""))
          : undefined;
      return reject(400, String(content.body.error), messages);
    }
    rec.blocks = content.blocks;
    const method = source === "ack" ? "ack" : "response_url";
    if (content.warning)
      this.warnings.push({
        method,
        warning: content.warning,
        at: this.now(),
        ...(context.channel ? { channel: context.channel } : {}),
      });

    if (rec.replaceOriginal && original) {
      original.history.push({
        text: original.text,
        blocks: original.blocks,
        at: "postedAt" in original ? (original.updatedAt ?? original.postedAt) : original.at,
        by: method,
      });
      original.text = rec.text;
      original.blocks = rec.blocks;
      if ("postedAt" in original) original.updatedAt = this.now();
      this.responses.push(rec);
      return rec;
    }
    const channel = context.channel;
    if (channel) {
      if (rec.responseType === "in_channel") {
        const msg: RecordedMessage = {
          channel,
          ts: this.nextTs(),
          text: rec.text,
          blocks: rec.blocks,
          user: this.botUserId,
          bot_id: this.botId,
          via: source,
          deleted: false,
          postedAt: this.now(),
          history: [],
        };
        this.messages.push(msg);
      } else if (context.user) {
        this.ephemerals.push({
          channel,
          user: context.user,
          ts: this.nextTs(),
          text: rec.text,
          blocks: rec.blocks,
          via: source,
          deleted: false,
          at: this.now(),
          history: [],
        });
      }
    }
    this.responses.push(rec);
    return rec;
  }

  private originalOf(context: ResponseContext): RecordedMessage | RecordedEphemeral | undefined {
    if (!context.channel || !context.messageTs) return undefined;
    if (context.isEphemeral) {
      return this.ephemerals.find(
        (e) => e.channel === context.channel && e.ts === context.messageTs && !e.deleted,
      );
    }
    return this.messages.find(
      (m) => m.channel === context.channel && m.ts === context.messageTs && !m.deleted,
    );
  }
}

function responseErrors(result: HandlerResult): string[] {
  const meta = result.body.response_metadata;
  const messages =
    isObj(meta) && Array.isArray(meta.messages)
      ? (meta.messages as string[]).map((m) => m.replace(/^\[ERROR\] /, ""))
      : [];
  return [String(result.body.error), ...messages];
}

/**
 * One page of a cursor-paginated list: `limit` (default `defaultLimit`, at most `maxLimit`; not
 * a number → invalid_limit) items from the `cursor` on (not one the fake issued →
 * invalid_cursor). `next` is "" on the last page.
 */
function paginate<T>(
  all: T[],
  a: Obj,
  defaultLimit: number,
  maxLimit = Number.POSITIVE_INFINITY,
): { items: T[]; next: string } | { error: HandlerResult } {
  const rawLimit = str(a.limit)?.trim();
  if (rawLimit !== undefined && rawLimit !== "" && !/^\d+$/.test(rawLimit)) {
    return { error: fail("invalid_limit") };
  }
  const limit = Math.min(intArg(a.limit, defaultLimit), maxLimit);
  const cursor = str(a.cursor);
  let start = 0;
  if (cursor) {
    const offset = decodeCursor(cursor, "offset");
    if (offset === undefined || !/^\d+$/.test(offset)) return { error: fail("invalid_cursor") };
    start = Number(offset);
  }
  const items = all.slice(start, start + limit);
  const nextStart = start + limit;
  const next = nextStart < all.length ? encodeCursor("offset", nextStart) : "";
  return { items, next };
}

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m?.[1];
}

const JSON_ARGS = ["blocks", "view", "attachments", "metadata", "files"] as const;

function parseArgs(
  req: IncomingMessage,
  url: URL,
  raw: string,
): { args: Obj; json: boolean; error?: string } {
  const args: Obj = Object.fromEntries(url.searchParams);
  const ct = String(req.headers["content-type"] ?? "").toLowerCase();
  let json = false;
  if (raw.length > 0) {
    if (ct.includes("application/json")) {
      json = true;
      try {
        const body: unknown = JSON.parse(raw);
        if (!isObj(body)) return { args, json, error: "invalid_json" };
        Object.assign(args, body);
      } catch {
        return { args, json, error: "invalid_json" };
      }
    } else if (ct.includes("application/x-www-form-urlencoded") || ct === "") {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
    } else if (ct.includes("multipart/form-data")) {
      return { args, json, error: "invalid_post_type" };
    } else {
      return { args, json, error: "invalid_post_type" };
    }
  }
  for (const key of JSON_ARGS) {
    const v = args[key];
    if (typeof v === "string") {
      try {
        args[key] = JSON.parse(v);
      } catch {
        if (key === "blocks") return { args, json, error: "invalid_blocks_format" };
        if (key === "attachments") return { args, json, error: "invalid_attachments" };
        if (key === "view") return { args, json, error: "invalid_arguments" };
      }
    }
  }
  return { args, json };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  body: Obj,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Start a fake Slack Web API on 127.0.0.1 (random port unless `port` is given). */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}
