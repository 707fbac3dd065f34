import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { TruceInstallationStore } from "./installations.js";

/**
 * The Web API client of a workspace for work that has no incoming request (closing a round at
 * its deadline, a digest): its installation is read from the database with a token good to use
 * now (a rotating token due for refresh is refreshed first; see token-rotation.ts). One client
 * is kept per token.
 */
export function workspaceClients(
  installations: Pick<TruceInstallationStore, "forTeam">,
  options: WebClientOptions,
) {
  const clients = new Map<string, WebClient>();
  return async (teamId: string): Promise<WebClient> => {
    const installation = await installations.forTeam(teamId);
    const token = installation?.bot?.token;
    if (!installation) throw new Error(`Truce is not installed in ${teamId}`);
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
