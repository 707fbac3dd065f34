import type { WebClient } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Deps } from "../deps.js";

const CACHE_MS = 5 * 60 * 1000;

/** The leaders chosen in /alignment setup, if any. */
export async function chosenLeaders(deps: Deps, teamId: string): Promise<string[]> {
  const stored = await deps.store.settings.get(teamId, "leaders");
  return stored ? stored.split(",").filter(Boolean) : [];
}

/**
 * Who may launch, close and receive leaders' messages in a workspace: the people chosen in
 * /alignment setup, else TRUCE_LEADERS if set (one workspace), else the workspace's admins and owners (users.info / users.list) and, for an app
 * installed through OAuth, the person who installed it. Admin status is cached briefly, per
 * workspace, so a burst of commands costs one lookup.
 */
export function createLeaderDirectory(
  config: Config,
  clock: () => number,
  installerOf: (teamId: string) => Promise<string | undefined> = async () => undefined,
  chosen: (teamId: string) => Promise<string[]> = async () => [],
) {
  const adminCache = new Map<string, { admin: boolean; at: number }>();
  // TRUCE_LEADERS names people of one workspace; many workspaces each lead themselves.
  const fixed = config.oauth ? undefined : config.leaders;

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
      const admin = Boolean(
        user && !user.deleted && (user.is_admin || user.is_owner || user.is_primary_owner),
      );
      adminCache.set(cacheKey, { admin, at: clock() });
      return admin;
    },

    async list(teamId: string, client: WebClient): Promise<string[]> {
      const picked = await chosen(teamId);
      if (picked.length > 0) return picked;
      if (fixed) return [...fixed];
      const installer = await installerOf(teamId);
      const leaders: string[] = installer ? [installer] : [];
      let cursor: string | undefined;
      do {
        const page = await client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
        for (const member of page.members ?? []) {
          if (
            member.id &&
            !member.deleted &&
            !member.is_bot &&
            (member.is_admin || member.is_owner) &&
            member.id !== installer
          ) {
            leaders.push(member.id);
          }
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return leaders;
    },
  };
}

export type LeaderDirectory = ReturnType<typeof createLeaderDirectory>;
