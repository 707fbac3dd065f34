import type { InstallProvider } from "@slack/oauth";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { createInstallationStore } from "./installations.js";

/**
 * The Web API client of a workspace for work that has no incoming request (closing a round at
 * its deadline, a digest): its installation is found in the database and authorized through
 * Bolt's installer, which refreshes a rotating token that has expired, as it does for requests.
 * One client is kept per token.
 */
export function workspaceClients(
  installations: ReturnType<typeof createInstallationStore>,
  installer: () => InstallProvider | undefined,
  options: WebClientOptions,
) {
  const clients = new Map<string, WebClient>();
  return async (teamId: string): Promise<WebClient> => {
    const installation = await installations.forTeam(teamId);
    const provider = installer();
    if (!installation || !provider) throw new Error(`Truce is not installed in ${teamId}`);
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const authorized = await provider.authorize({
      teamId: isEnterpriseInstall ? undefined : installation.team?.id,
      enterpriseId: installation.enterprise?.id,
      isEnterpriseInstall,
    });
    const token = authorized.botToken;
    if (!token) throw new Error(`no bot token for ${teamId}`);
    let client = clients.get(token);
    if (!client) {
      client = new WebClient(token, options);
      clients.set(token, client);
      // Rotated tokens come and go: keep the map from growing without bound.
      if (clients.size > 1000) clients.delete(clients.keys().next().value as string);
    }
    return client;
  };
}
