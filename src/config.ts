import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { ABSOLUTE_MIN_GROUP, DEFAULT_MIN_GROUP } from "./survey/anonymity.js";
import {
  parseReminderSlots,
  parseWorkingHours,
  type ReminderSlot,
  type WorkingHours,
} from "./survey/reminders.js";
import { MARKETS, type Market } from "./survey/types.js";

/**
 * The environment, parsed once at start-up (README.md § Settings). Everything else receives
 * this frozen value; nothing else reads process.env.
 */

const channelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, "must be a Slack channel id such as C0123ABCD (not a #name)");

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    schema.optional(),
  );

const isCron = (expression: string) => {
  try {
    CronExpressionParser.parse(expression, { strict: false });
    return expression.trim().split(/\s+/).length === 5;
  } catch {
    return false;
  }
};

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const INVITE_MODES = ["channel", "dm", "both"] as const;
export type InviteMode = (typeof INVITE_MODES)[number];
export const DEFAULT_REMINDER_SPEC = "50%,-24h";
export const DEFAULT_WORKING_HOURS_SPEC = "Mon-Fri 09:00-17:00";
const DEFAULT_REMINDERS = parseReminderSlots(DEFAULT_REMINDER_SPEC) as ReminderSlot[];
const DEFAULT_WORKING_HOURS = parseWorkingHours(DEFAULT_WORKING_HOURS_SPEC) as WorkingHours;

const envSchema = z.object({
  // Required unless the OAuth settings are given (checked below, with the other cross-field rules).
  SLACK_BOT_TOKEN: optional(
    z.string().startsWith("xoxb-", "must be a bot token starting with xoxb-"),
  ),
  SLACK_CLIENT_ID: optional(
    z.string().regex(/^\d+\.\d+$/, "must be the app's Client ID such as 1234567890.1234567890"),
  ),
  SLACK_CLIENT_SECRET: optional(z.string().min(16, "must be the app's Client Secret")),
  SLACK_STATE_SECRET: optional(
    z.string().min(16, "must be at least 16 characters (any random string)"),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\/\S+$/,
        "must be a PostgreSQL URL such as postgres://user:password@host:5432/truce",
      ),
  ),
  TRUCE_RETENTION_DAYS: optional(
    z.coerce
      .number({ error: "must be a whole number of days (0 deletes at once)" })
      .int("must be a whole number of days (0 deletes at once)")
      .min(0, "must be 0 or more days"),
  ).default(30),
  SLACK_APP_TOKEN: optional(
    z.string().startsWith("xapp-", "must be an app-level token starting with xapp-"),
  ),
  SLACK_SIGNING_SECRET: optional(z.string().min(1)),
  PORT: optional(z.coerce.number().int().min(0).max(65535)).default(3000),
  SLACK_API_URL: optional(z.url("must be a URL such as https://slack.com/api/")),
  DATABASE_PATH: optional(z.string().min(1)).default("./data/truce.db"),
  TRUCE_SECRET: optional(z.string().min(16, "must be at least 16 characters")),
  TRUCE_SALES_CHANNEL: optional(channelId),
  TRUCE_MARKETING_CHANNEL: optional(channelId),
  TRUCE_LEADERS: optional(
    z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((id) => id.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.string().regex(/^[UW][A-Z0-9]{2,}$/, "must list Slack user ids such as U0123ABCD"),
        ),
      ),
  ),
  TRUCE_TIMEZONE: optional(
    z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Paris"),
  ).default("UTC"),
  TRUCE_MIN_GROUP: optional(
    z.coerce
      .number()
      .int()
      .min(
        ABSOLUTE_MIN_GROUP,
        `must be at least ${ABSOLUTE_MIN_GROUP} (smaller groups would expose individuals)`,
      ),
  ).default(DEFAULT_MIN_GROUP),
  TRUCE_MARKET: optional(z.enum(MARKETS, { error: "must be stable, shifting or complex" })).default(
    "shifting",
  ),
  TRUCE_DIGEST_CRON: optional(
    z.string().refine(isCron, "must be a cron expression such as 0 9 * * 1 (Mondays at 09:00)"),
  ).default("0 9 * * 1"),
  TRUCE_INSTRUMENT: optional(z.string().min(1)),
  TRUCE_REMINDERS: optional(
    z.string().transform((spec, ctx) => {
      const slots = parseReminderSlots(spec);
      if ("error" in slots) {
        ctx.addIssue({ code: "custom", message: slots.error });
        return z.NEVER;
      }
      return slots;
    }),
  ).default(DEFAULT_REMINDERS),
  TRUCE_WORKING_HOURS: optional(
    z.string().transform((spec, ctx) => {
      const hours = parseWorkingHours(spec);
      if ("error" in hours) {
        ctx.addIssue({ code: "custom", message: hours.error });
        return z.NEVER;
      }
      return hours;
    }),
  ).default(DEFAULT_WORKING_HOURS),
  TRUCE_INVITE: optional(z.enum(INVITE_MODES, { error: "must be channel, dm or both" })).default(
    "channel",
  ),
  LOG_LEVEL: optional(
    z.enum(["debug", "info", "warn", "error"], { error: "must be debug, info, warn or error" }),
  ).default("info"),
});

const blank = (v: string | undefined) => v === undefined || v.trim() === "";

/** Bolt's OAuth install flow, for an app distributed to many workspaces. */
export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
}

export interface Config {
  /** Single-workspace mode; undefined in OAuth mode, where each workspace has its own token. */
  botToken: string | undefined;
  oauth: OAuthConfig | undefined;
  /** PostgreSQL instead of SQLite (several instances share it). */
  databaseUrl: string | undefined;
  /** Days a removed workspace's survey data is kept. */
  retentionDays: number;
  appToken: string | undefined;
  signingSecret: string | undefined;
  port: number;
  slackApiUrl: string | undefined;
  databasePath: string;
  secret: string | undefined;
  salesChannel: string | undefined;
  marketingChannel: string | undefined;
  leaders: readonly string[] | undefined;
  timeZone: string;
  minGroup: number;
  market: Market;
  digestCron: string;
  instrumentPath: string | undefined;
  /** When non-respondents are reminded by DM (TRUCE_REMINDERS); setup's choice wins. */
  reminderSlots: readonly ReminderSlot[];
  /** When people may be DMed, read in each person's own time zone. */
  workingHours: WorkingHours;
  /** How a launch invites people (TRUCE_INVITE); setup's choice wins. */
  inviteMode: InviteMode;
  logLevel: "debug" | "info" | "warn" | "error";
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Truce cannot start: the configuration has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee README.md § Settings and .env.example.`,
    );
    this.name = "ConfigError";
  }
}

/** Parse the environment; throws ConfigError naming every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map(
        (issue) => `${String(issue.path[0] ?? "environment")} ${issue.message}`,
      );
  // A cross-field rule, checked on the raw values so it is reported alongside every other problem.
  if (blank(env.SLACK_APP_TOKEN) && blank(env.SLACK_SIGNING_SECRET)) {
    problems.push(
      "SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)",
    );
  }
  const oauthVars = ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"] as const;
  const oauthSet = oauthVars.filter((name) => !blank(env[name]));
  if (oauthSet.length > 0 && oauthSet.length < oauthVars.length) {
    const missing = oauthVars.filter((name) => blank(env[name]));
    problems.push(
      `${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} required with ${oauthSet.join(" and ")} (the OAuth install for many workspaces needs all three)`,
    );
  }
  const oauth = oauthSet.length === oauthVars.length;
  if (!oauth && blank(env.SLACK_BOT_TOKEN)) {
    problems.push(
      "SLACK_BOT_TOKEN is required (the bot token, xoxb-…), unless SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET set up the OAuth install for many workspaces",
    );
  }
  if (oauth && !blank(env.SLACK_BOT_TOKEN)) {
    problems.push(
      "SLACK_BOT_TOKEN must be unset with the OAuth settings: each workspace gets its own token when it installs Truce",
    );
  }
  if (oauth && !blank(env.SLACK_APP_TOKEN)) {
    problems.push(
      "SLACK_APP_TOKEN must be unset with the OAuth settings: installing into many workspaces needs HTTP mode (Slack must reach /slack/install and /slack/oauth_redirect)",
    );
  }
  if (!blank(env.DATABASE_URL) && blank(env.TRUCE_SECRET)) {
    problems.push(
      "TRUCE_SECRET is required with DATABASE_URL (16+ characters, the same on every instance): a key file generated per instance would hash people differently",
    );
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    botToken: e.SLACK_BOT_TOKEN,
    oauth:
      e.SLACK_CLIENT_ID && e.SLACK_CLIENT_SECRET && e.SLACK_STATE_SECRET
        ? Object.freeze({
            clientId: e.SLACK_CLIENT_ID,
            clientSecret: e.SLACK_CLIENT_SECRET,
            stateSecret: e.SLACK_STATE_SECRET,
          })
        : undefined,
    databaseUrl: e.DATABASE_URL,
    retentionDays: e.TRUCE_RETENTION_DAYS,
    appToken: e.SLACK_APP_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    port: e.PORT,
    slackApiUrl: e.SLACK_API_URL,
    databasePath: e.DATABASE_PATH,
    secret: e.TRUCE_SECRET,
    salesChannel: e.TRUCE_SALES_CHANNEL,
    marketingChannel: e.TRUCE_MARKETING_CHANNEL,
    leaders:
      e.TRUCE_LEADERS && e.TRUCE_LEADERS.length > 0 ? Object.freeze(e.TRUCE_LEADERS) : undefined,
    timeZone: e.TRUCE_TIMEZONE,
    minGroup: e.TRUCE_MIN_GROUP,
    market: e.TRUCE_MARKET,
    digestCron: e.TRUCE_DIGEST_CRON,
    instrumentPath: e.TRUCE_INSTRUMENT,
    reminderSlots: Object.freeze(e.TRUCE_REMINDERS),
    workingHours: e.TRUCE_WORKING_HOURS,
    inviteMode: e.TRUCE_INVITE,
    logLevel: e.LOG_LEVEL,
  });
}
