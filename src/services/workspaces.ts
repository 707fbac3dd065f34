import type { Runtime } from "../runtime.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Truce was uninstalled from a workspace, or its tokens revoked: its tokens are deleted at
 * once, its scheduled work stops, and its survey data is kept for TRUCE_RETENTION_DAYS (so a
 * reinstall picks up where it left off), then deleted.
 */
export async function workspaceRemoved(rt: Runtime, teamId: string): Promise<void> {
  const installation = await rt.store.installations.findForTeam(teamId);
  // An organisation-wide install serves other workspaces too: only the workspace's own goes.
  if (installation && !installation.key.isEnterpriseInstall)
    await rt.store.installations.delete(installation.key);
  await rt.store.settings.set(teamId, "active", "false");
  if ((await rt.store.settings.get(teamId, "removed_at")) === undefined)
    await rt.store.settings.set(teamId, "removed_at", String(rt.clock()));
  rt.logger.info(
    `Truce was uninstalled or its tokens revoked in ${teamId}: its tokens are deleted and scheduled work stops; its survey data is deleted after ${rt.config.retentionDays} day${rt.config.retentionDays === 1 ? "" : "s"}.`,
  );
  await purgeExpiredWorkspaces(rt);
}

/** Installed (again): scheduled work resumes and nothing is due for deletion any more. */
export async function workspaceInstalled(rt: Runtime, teamId: string): Promise<void> {
  await rt.store.settings.delete(teamId, "active");
  await rt.store.settings.delete(teamId, "removed_at");
}

/** Deletes the data of workspaces removed longer ago than the retention period. */
export async function purgeExpiredWorkspaces(rt: Runtime): Promise<string[]> {
  const now = rt.clock();
  const purged: string[] = [];
  for (const { teamId, value } of await rt.store.settings.teamsWith("removed_at")) {
    const removedAt = Number(value);
    if (!Number.isFinite(removedAt) || now - removedAt < rt.config.retentionDays * DAY_MS) continue;
    await rt.store.forgetWorkspace(teamId);
    purged.push(teamId);
    rt.logger.info(
      `Deleted every survey answer, round and setting of ${teamId}, removed ${Math.floor((now - removedAt) / DAY_MS)} days ago (TRUCE_RETENTION_DAYS=${rt.config.retentionDays}).`,
    );
  }
  return purged;
}
