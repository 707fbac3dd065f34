import type { Deps } from "../deps.js";
import { ABSOLUTE_MIN_GROUP, effectiveMinGroup } from "../survey/anonymity.js";
import { MARKETS, type Market } from "../survey/types.js";

/**
 * A workspace's settings as `/alignment setup` stores them, each falling back to its environment
 * seed (TRUCE_MARKET, TRUCE_MIN_GROUP, TRUCE_DIGEST_CRON) or default: a choice made in Slack wins.
 */
export interface WorkspaceSettings {
  market: Market;
  /** Never below ABSOLUTE_MIN_GROUP, whatever is stored. */
  minGroup: number;
  /** The length of a round launched without a number of days. */
  roundDays: number;
  /** The leaders' digest schedule, five-field cron, read in each leader's time zone. */
  digestCron: string;
  /** The digest's weekday and time, when the schedule is a weekly one (else undefined). */
  digest: WeeklyTime | undefined;
}

export interface WeeklyTime {
  /** 0 = Sunday … 6 = Saturday, as cron counts. */
  day: number;
  /** "HH:MM", 24-hour. */
  time: string;
}

export const DEFAULT_ROUND_DAYS = 7;
export const MAX_ROUND_DAYS = 60;
export const MAX_MIN_GROUP = 50;

/** "0 9 * * 1" for Monday 09:00. */
export function weeklyCron(weekly: WeeklyTime): string {
  const [hours, minutes] = weekly.time.split(":").map(Number);
  return `${minutes} ${hours} * * ${weekly.day}`;
}

/** The weekday and time of a cron that fires once a week at one time; undefined otherwise. */
export function weeklyTimeOf(cron: string): WeeklyTime | undefined {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* ([0-7])$/.exec(cron.trim().replace(/\s+/g, " "));
  if (!m) return undefined;
  const minutes = Number(m[1]);
  const hours = Number(m[2]);
  if (minutes > 59 || hours > 23) return undefined;
  const pad = (n: number) => String(n).padStart(2, "0");
  return { day: Number(m[3]) % 7, time: `${pad(hours)}:${pad(minutes)}` };
}

const isMarket = (value: string | undefined): value is Market =>
  (MARKETS as readonly string[]).includes(value ?? "");

const wholeNumber = (value: string | undefined, min: number, max: number) => {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};

export async function workspaceSettings(deps: Deps, teamId: string): Promise<WorkspaceSettings> {
  const get = (key: Parameters<Deps["store"]["settings"]["get"]>[1]) =>
    deps.store.settings.get(teamId, key);
  const [market, minGroup, roundDays, digestDay, digestTime] = await Promise.all([
    get("market"),
    get("min_group"),
    get("round_days"),
    get("digest_day"),
    get("digest_time"),
  ]);
  const storedDigest =
    digestDay !== undefined && digestTime !== undefined && /^\d{2}:\d{2}$/.test(digestTime)
      ? { day: wholeNumber(digestDay, 0, 6), time: digestTime }
      : undefined;
  const digest =
    storedDigest && storedDigest.day !== undefined
      ? { day: storedDigest.day, time: storedDigest.time }
      : undefined;
  return {
    market: isMarket(market) ? market : deps.config.market,
    minGroup: effectiveMinGroup(
      wholeNumber(minGroup, ABSOLUTE_MIN_GROUP, MAX_MIN_GROUP) ?? deps.config.minGroup,
    ),
    roundDays: wholeNumber(roundDays, 1, MAX_ROUND_DAYS) ?? DEFAULT_ROUND_DAYS,
    digestCron: digest ? weeklyCron(digest) : deps.config.digestCron,
    digest: digest ?? weeklyTimeOf(deps.config.digestCron),
  };
}
