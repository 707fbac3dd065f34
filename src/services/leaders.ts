import type { WebClient } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Deps } from "../deps.js";
import type { SettingsRepository } from "../store/index.js";
import { eachMember } from "./people.js";
import { describeError } from "./slack.js";

const CACHE_MS = 5 * 60 * 1000;

/** The leaders chosen in /alignment setup, if any. */
export async function chosenLeaders(deps: Deps, teamId: string): Promise<string[]> {
  const stored = await deps.store.settings.get(teamId, "leaders");
  return stored ? stored.split(",").filter(Boolean) : [];
}

/**
 * Once listed, a workspace's admins and owners are kept current from `user_change` and
 * `team_join` events; a full listing is repeated this rarely, to heal events missed while down.
 */
export const ADMINS_RELIST_MS = 24 * 60 * 60 * 1000;

/** What Slack says of a person, in users.list and in user_change / team_join events. */
export interface SlackPerson {
  id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
}

/** Whether a person leads by default (an admin or owner, not a bot, not deactivated). Pure. */
export const leadsByDefault = (person: SlackPerson): boolean =>
  Boolean(
    person.id &&
      !person.deleted &&
      !person.is_bot &&
      (person.is_admin || person.is_owner || person.is_primary_owner),
  );

interface KnownAdmins {
  listedAt: number;
  ids: string[];
}

/** The stored admin list, or undefined when missing or unreadable (then Slack is asked again). */
export function parseKnownAdmins(text: string | undefined): KnownAdmins | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<KnownAdmins>;
    if (
      typeof value.listedAt === "number" &&
      Array.isArray(value.ids) &&
      value.ids.every((id) => typeof id === "string")
    )
      return { listedAt: value.listedAt, ids: value.ids };
  } catch {
    // fall through: list again
  }
  return undefined;
}

/**
 * Who may launch, close and receive leaders' messages in a workspace: the people chosen in
 * /alignment setup, else TRUCE_LEADERS if set (one workspace), else the workspace's admins and
 * owners and, for an app installed through OAuth, the person who installed it. Admin status for
 * one person is looked up with users.info, cached briefly, so a burst of commands costs one
 * lookup. The list of all admins is paged from users.list once per workspace, kept in the
 * database (so every instance shares it), and kept current from user events.
 */
export function createLeaderDirectory(
  config: Config,
  clock: () => number,
  installerOf: (teamId: string) => Promise<string | undefined> = async () => undefined,
  chosen: (teamId: string) => Promise<string[]> = async () => [],
  settings?: Pick<SettingsRepository, "get" | "set">,
) {
  const adminCache = new Map<string, { admin: boolean; at: number }>();
  // TRUCE_LEADERS names people of one workspace; many workspaces each lead themselves.
  const fixed = config.oauth ? undefined : config.leaders;
  /** Listings under way, per workspace: a close and a digest at once page the list once. */
  const listing = new Map<string, Promise<string[]>>();

  async function listAdmins(teamId: string, client: WebClient): Promise<string[]> {
    const ids: string[] = [];
    await eachMember(client, (member) => {
      if (leadsByDefault(member)) ids.push(member.id as string);
    });
    await settings
      ?.set(teamId, "admins", JSON.stringify({ listedAt: clock(), ids }))
      .catch(() => undefined); // kept for next time if the database takes it; listed again if not
    return ids;
  }

  async function admins(teamId: string, client: WebClient): Promise<string[]> {
    const known = parseKnownAdmins(await settings?.get(teamId, "admins"));
    if (known && clock() - known.listedAt < ADMINS_RELIST_MS) return known.ids;
    const running = listing.get(teamId);
    if (running) return running;
    const started = listAdmins(teamId, client).finally(() => listing.delete(teamId));
    listing.set(teamId, started);
    return started;
  }

  return {
    async isLeader(teamId: string, client: WebClient, userId: string): Promise<boolean> {
      const picked = await chosen(teamId);
      if (picked.length > 0) return picked.includes(userId);
      if (fixed) return fixed.includes(userId);
      if ((await installerOf(teamId)) === userId) return true;
      const cacheKey = `${teamId}:${userId}`;
      const cached = adminCache.get(cacheKey);
      if (cached && clock() - cached.at < CACHE_MS) return cached.admin;
      const { user } = await client.users.info({ user: userId });
      const admin = Boolean(user && leadsByDefault({ ...user, id: userId }));
      adminCache.set(cacheKey, { admin, at: clock() });
      return admin;
    },

    async list(teamId: string, client: WebClient): Promise<string[]> {
      const picked = await chosen(teamId);
      if (picked.length > 0) return picked;
      if (fixed) return [...fixed];
      const installer = await installerOf(teamId);
      const found = (await admins(teamId, client)).filter((id) => id !== installer);
      return installer ? [installer, ...found] : found;
    },

    /**
     * Slack says a person changed or joined (`user_change`, `team_join`): their admin status
     * follows in the stored list, if one was listed (otherwise the first listing sees it).
     */
    async personChanged(teamId: string, person: SlackPerson): Promise<void> {
      if (!person.id) return;
      adminCache.delete(`${teamId}:${person.id}`);
      if (!settings) return;
      const known = parseKnownAdmins(await settings.get(teamId, "admins"));
      if (!known) return;
      const leads = leadsByDefault(person);
      if (leads === known.ids.includes(person.id)) return;
      const ids = leads ? [...known.ids, person.id] : known.ids.filter((id) => id !== person.id);
      await settings.set(teamId, "admins", JSON.stringify({ listedAt: known.listedAt, ids }));
    },
  };
}

export type LeaderDirectory = ReturnType<typeof createLeaderDirectory>;

/**
 * Whether `userId` leads, for a leader's button or modal: false when Slack cannot say (refusing
 * is the safe answer, and the person is told they may not), with the failure logged.
 */
export async function leads(
  rt: { leaders: Pick<LeaderDirectory, "isLeader">; logger: { warn(message: string): void } },
  teamId: string,
  client: WebClient,
  userId: string,
): Promise<boolean> {
  try {
    return await rt.leaders.isLeader(teamId, client, userId);
  } catch (error) {
    rt.logger.warn(`Leader check failed: ${describeError(error)}`);
    return false;
  }
}
