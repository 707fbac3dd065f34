/**
 * The shape of every request body Slack sends Truce, checked before Bolt hands it to a listener.
 * Bolt trusts a signed body's shape: a `null` payload or a user that is a bare string reaches code
 * that reads `body.user.id`. Here each kind of payload (classified exactly as Bolt classifies it,
 * so the schema checked is the one the listener will see) must carry well-formed Slack ids and
 * the fields the listeners and Bolt's own routing read. Objects stay open to fields Slack adds
 * later; only what is read is pinned down.
 *
 * Pure: no Bolt, no I/O. Used by the HTTP gate (400) and by a global middleware (Socket Mode).
 */
import { z } from "zod";

// ---- Slack ids ---------------------------------------------------------------------------------

/** Far longer than any Slack id; only here so an id cannot be a megabyte of capitals. */
const MAX_ID_LENGTH = 64;
const slackId = (pattern: RegExp) => z.string().max(MAX_ID_LENGTH).regex(pattern);

export const userId = slackId(/^[UW][A-Z0-9]{2,}$/);
export const teamId = slackId(/^T[A-Z0-9]+$/);
export const enterpriseId = slackId(/^E[A-Z0-9]+$/);
export const channelId = slackId(/^[CGD][A-Z0-9]+$/);
export const viewId = slackId(/^V[A-Z0-9]+$/);
const appId = slackId(/^A[A-Z0-9]+$/);
const eventId = slackId(/^Ev[A-Za-z0-9]+$/);

// Bounds below are Slack's documented maxima (callback_id 255, private_metadata 3000, a button's
// value 2000) or, where Slack documents none, generous bounds on opaque tokens.
const SHORT = 255;
const trigger = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/)
  .max(SHORT);
const responseUrl = z.url({ protocol: /^https?$/ }).max(2048);
const shortText = z.string().max(SHORT);
const value = z.string().max(3000);

// ---- interactions (form field `payload`) -----------------------------------------------------

const team = z.looseObject({ id: teamId, enterprise_id: enterpriseId.optional() });
const user = z.looseObject({ id: userId, team_id: teamId.optional() });

/** Fields every interaction shares: who, where from, and where to answer. */
const interaction = {
  // null for organisation-wide installs; then the user's team_id says which workspace.
  team: team.nullable().optional(),
  user,
  api_app_id: appId,
  enterprise: z.looseObject({ id: enterpriseId }).nullable().optional(),
  is_enterprise_install: z.boolean().optional(),
  response_url: responseUrl.optional(),
  response_urls: z
    .array(z.looseObject({ response_url: responseUrl, channel_id: channelId.optional() }))
    .max(25)
    .optional(),
};

/** A workspace must be named somewhere: the handlers file everything under it. */
const namesTeam = (body: { team?: { id: string } | null; user: { team_id?: string } }) =>
  Boolean(body.team?.id ?? body.user.team_id);
const TEAM_UNKNOWN = { message: "neither team.id nor user.team_id", path: ["team"] };

/** One input's state in a submitted view: what the survey and setup parsers read. */
const inputState = z.looseObject({
  type: shortText,
  selected_option: z.looseObject({ value }).nullable().optional(),
  selected_conversation: z.string().max(MAX_ID_LENGTH).nullable().optional(),
  value: value.nullable().optional(),
});

const view = z.looseObject({
  id: viewId,
  type: shortText,
  team_id: teamId.optional(),
  app_installed_team_id: teamId.optional(),
  callback_id: shortText.optional(),
  private_metadata: value.optional(),
  hash: shortText.optional(),
  state: z.looseObject({ values: z.record(shortText, z.record(shortText, inputState)) }).optional(),
});

const blockAction = z.looseObject({
  action_id: shortText,
  block_id: shortText.optional(),
  type: shortText,
  value: z.string().max(2000).optional(),
  action_ts: shortText.optional(),
});

const blockActions = z
  .looseObject({
    ...interaction,
    type: z.literal("block_actions"),
    trigger_id: trigger,
    actions: z.array(blockAction).min(1).max(25),
    channel: z.looseObject({ id: channelId }).optional(),
    container: z.looseObject({ type: shortText }).optional(),
    view: view.optional(),
  })
  .refine(namesTeam, TEAM_UNKNOWN);

const viewSubmission = z
  .looseObject({
    ...interaction,
    type: z.literal("view_submission"),
    trigger_id: trigger,
    view: view.extend({
      callback_id: shortText,
      state: z.looseObject({ values: z.record(shortText, z.record(shortText, inputState)) }),
    }),
  })
  .refine(namesTeam, TEAM_UNKNOWN);

const viewClosed = z
  .looseObject({
    ...interaction,
    type: z.literal("view_closed"),
    view: view.extend({ callback_id: shortText }),
    is_cleared: z.boolean().optional(),
  })
  .refine(namesTeam, TEAM_UNKNOWN);

// ---- slash commands (form fields) --------------------------------------------------------------

const slashCommand = z.looseObject({
  command: z
    .string()
    .regex(/^\/\S+$/)
    .max(33),
  text: z.string(),
  team_id: teamId,
  user_id: userId,
  channel_id: channelId,
  trigger_id: trigger,
  response_url: responseUrl,
  api_app_id: appId.optional(),
  enterprise_id: enterpriseId.optional(),
  is_enterprise_install: z.enum(["true", "false"]).optional(),
  team_domain: shortText.optional(),
  channel_name: shortText.optional(),
  user_name: shortText.optional(),
});

// ---- Events API ------------------------------------------------------------------------------

const eventBase = { event_ts: shortText.optional() };

/** A person as user_change and team_join carry them: what decides whether they lead by default. */
const person = z.looseObject({
  id: userId,
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_admin: z.boolean().optional(),
  is_owner: z.boolean().optional(),
  is_primary_owner: z.boolean().optional(),
});

/** The events Truce subscribes to (and member_left_channel, which Slack pairs with joins). */
const EVENTS = {
  app_home_opened: z.looseObject({
    ...eventBase,
    type: z.literal("app_home_opened"),
    user: userId,
    channel: channelId.optional(),
    tab: shortText.optional(),
    view: z.looseObject({ id: viewId }).optional(),
  }),
  member_joined_channel: z.looseObject({
    ...eventBase,
    type: z.literal("member_joined_channel"),
    user: userId,
    channel: channelId,
    channel_type: shortText.optional(),
    team: teamId.optional(),
    inviter: userId.optional(),
  }),
  member_left_channel: z.looseObject({
    ...eventBase,
    type: z.literal("member_left_channel"),
    user: userId,
    channel: channelId,
    channel_type: shortText.optional(),
    team: teamId.optional(),
  }),
  user_change: z.looseObject({ ...eventBase, type: z.literal("user_change"), user: person }),
  team_join: z.looseObject({ ...eventBase, type: z.literal("team_join"), user: person }),
  app_uninstalled: z.looseObject({ ...eventBase, type: z.literal("app_uninstalled") }),
  tokens_revoked: z.looseObject({
    ...eventBase,
    type: z.literal("tokens_revoked"),
    tokens: z.looseObject({
      oauth: z.array(userId).max(1000).optional(),
      bot: z.array(userId).max(1000).optional(),
    }),
  }),
} as const;
type KnownEvent = keyof typeof EVENTS;

/**
 * An event Truce has no listener for still gets its envelope checked and a 2xx: refusing it would
 * make Slack retry it, and disable the subscription if it kept failing.
 */
const otherEvent = z.looseObject({ ...eventBase, type: z.string().min(1).max(SHORT) });

const authorization = z.looseObject({
  team_id: teamId.nullable(),
  enterprise_id: enterpriseId.nullable().optional(),
  user_id: userId.optional(),
  is_bot: z.boolean().optional(),
  is_enterprise_install: z.boolean().optional(),
});

const eventCallback = z.looseObject({
  type: z.literal("event_callback"),
  token: shortText.optional(),
  team_id: teamId,
  enterprise_id: enterpriseId.nullable().optional(),
  api_app_id: appId,
  event_id: eventId,
  event_time: z.number().int().nonnegative(),
  authorizations: z.array(authorization).max(10).optional(),
  is_ext_shared_channel: z.boolean().optional(),
  event_context: z.string().max(1000).optional(),
  event: z.looseObject({ type: z.string() }),
});

// ---- handshakes --------------------------------------------------------------------------------

const urlVerification = z.looseObject({
  type: z.literal("url_verification"),
  challenge: z.string().min(1).max(1000),
  token: shortText.optional(),
});

/** Slack tells an app it is over 30,000 events an hour; the app only needs to answer 2xx. */
const appRateLimited = z.looseObject({
  type: z.literal("app_rate_limited"),
  team_id: teamId,
  api_app_id: appId,
  minute_rate_limited: z.number().int().nonnegative(),
  token: shortText.optional(),
});

const sslCheck = z.looseObject({ ssl_check: z.literal("1"), token: shortText.optional() });

// ---- classification --------------------------------------------------------------------------

export type EnvelopeKind =
  | "slash_command"
  | "block_actions"
  | "view_submission"
  | "view_closed"
  | "event_callback"
  | "url_verification"
  | "app_rate_limited"
  | "ssl_check";

export type EnvelopeCheck =
  | { ok: true; kind: EnvelopeKind; event?: string }
  | { ok: false; kind?: EnvelopeKind; problem: string };

const SCHEMAS: Record<EnvelopeKind, z.ZodType> = {
  slash_command: slashCommand,
  block_actions: blockActions,
  view_submission: viewSubmission,
  view_closed: viewClosed,
  event_callback: eventCallback,
  url_verification: urlVerification,
  app_rate_limited: appRateLimited,
  ssl_check: sslCheck,
};

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Which schema applies, decided on the same keys, in the same order, as Bolt's own routing
 * (getTypeAndConversation): a body with an `event` is an event whatever its `type` says, one with
 * `actions` an action. Deciding on `type` alone would check one shape while Bolt runs the
 * listener of another. Kinds Truce has no listener for (shortcuts, options, legacy attachments,
 * dialogs) are refused: Truce never creates the surfaces that send them.
 */
function classify(body: Record<string, unknown>): EnvelopeKind | { unknown: string } {
  const type = typeof body.type === "string" ? body.type : undefined;
  if (body.ssl_check !== undefined) return "ssl_check";
  if (type === "url_verification") return "url_verification";
  if (body.event !== undefined) {
    return type === "event_callback"
      ? "event_callback"
      : { unknown: "event without event_callback" };
  }
  if (body.command !== undefined) return "slash_command";
  if (body.name !== undefined || type === "block_suggestion") return { unknown: "options request" };
  if (body.actions !== undefined || type === "dialog_submission") {
    return type === "block_actions"
      ? "block_actions"
      : { unknown: "actions outside block_actions" };
  }
  if (type === "view_submission" || type === "view_closed") return type;
  if (type === "app_rate_limited") return "app_rate_limited";
  return { unknown: type === undefined ? "no type" : "unsupported type" };
}

/**
 * Where the first problem is, as a path of schema field names. Block and action ids (the keys of
 * `state.values`) come from the request, so they are masked: the result may be logged.
 */
function describePath(path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let masked = 0;
  for (const segment of path) {
    if (masked > 0) {
      parts.push("*");
      masked -= 1;
    } else if (typeof segment === "number") {
      parts.push(`[${segment}]`);
    } else {
      parts.push(String(segment));
      if (segment === "values") masked = 2;
    }
  }
  return parts.join(".").replace(/\.\[/g, "[") || "(body)";
}

/** Checks a parsed request body (HTTP) or envelope payload (Socket Mode). */
export function checkEnvelope(body: unknown): EnvelopeCheck {
  if (!isRecord(body)) {
    const what = body === null ? "null" : Array.isArray(body) ? "an array" : `a ${typeof body}`;
    return { ok: false, problem: `the body is ${what}, not an object` };
  }
  const kind = classify(body);
  if (typeof kind !== "string") return { ok: false, problem: kind.unknown };
  const outer = SCHEMAS[kind].safeParse(body);
  if (!outer.success) {
    return {
      ok: false,
      kind,
      problem: `${kind}: ${describePath(outer.error.issues[0]?.path ?? [])}`,
    };
  }
  if (kind !== "event_callback") return { ok: true, kind };
  const type = (body.event as { type: string }).type;
  const known = Object.hasOwn(EVENTS, type) ? (type as KnownEvent) : undefined;
  const inner = (known ? EVENTS[known] : otherEvent).safeParse(body.event);
  if (!inner.success) {
    const path = describePath(inner.error.issues[0]?.path ?? []);
    return { ok: false, kind, problem: `${known ?? "event"}: event.${path}` };
  }
  return known ? { ok: true, kind, event: known } : { ok: true, kind };
}
