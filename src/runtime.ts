import type { WebClient } from "@slack/web-api";
import type { Deps } from "./deps.js";
import type { DmQueue } from "./services/dm-queue.js";
import type { HomeRefresher } from "./services/home.js";
import type { InvitationRefresher } from "./services/invitations.js";
import type { LeaderDirectory } from "./services/leaders.js";

/**
 * The one object every handler, service and job receives from the composition root: the
 * dependencies, the Web API client of a workspace, the leader directory and the invitation
 * refresher. Jobs have no incoming request, so they ask `slack(teamId)` for a client.
 */
export interface Runtime extends Deps {
  /** The Web API client that acts in a workspace. */
  slack(teamId: string): Promise<WebClient>;
  leaders: LeaderDirectory;
  invitations: InvitationRefresher;
  /**
   * Work a handler does after its acknowledgement (telling people of what was just saved): it
   * runs in the background, its failure is logged, and stopping waits for it.
   */
  afterAck(what: string, work: () => Promise<unknown>): void;
  /** The paced fan-out of DMs (reminders, personal invitations). */
  dms: DmQueue;
  /** Republishes the Home tabs being looked at after a change (throttled, in the background). */
  home: HomeRefresher;
}
