import { createHash } from "node:crypto";
import { ErrorCode, type WebClient } from "@slack/web-api";
import type { Deps } from "../deps.js";
import type { DeliveryKey } from "../store/index.js";
import type { MessageView } from "../views/text.js";
import { describeError, postToChannel, slackError } from "./slack.js";

/**
 * Every message Truce owes someone goes through here, at least once and (all but) never twice:
 * 1. the intent is recorded (a lease, so two senders never post at once);
 * 2. the message is posted carrying a metadata tag unique to the delivery;
 * 3. the delivery is marked done.
 * A crash between 2 and 3 leaves the intent pending. Whoever resumes it first reads the
 * recipient's recent messages for that tag: found, the delivery is marked done without
 * posting again; not found, it is posted. A duplicate would need the earlier post to reach
 * Slack and still be missing from the channel's latest messages, which only a channel that
 * received hundreds of messages in between could do.
 */

/** Long enough for @slack/web-api's retries and a Retry-After wait; a crash frees it then. */
export const DELIVERY_LEASE_MS = 2 * 60 * 1000;
/** How far back a resumed delivery looks for its earlier attempt. */
const HISTORY_PAGES = 2;
const HISTORY_PAGE_SIZE = 100;
export const DELIVERY_EVENT_TYPE = "truce_delivery";

/** The tag a delivery's message carries: a digest, so no recipient's id is written into Slack. */
export function deliveryTag(key: DeliveryKey): string {
  return createHash("sha256")
    .update(`${key.teamId}\u0000${key.kind}\u0000${key.recipientKey}\u0000${key.period}`)
    .digest("hex")
    .slice(0, 32);
}

export type DeliveryOutcome =
  | { status: "sent"; ts: string | undefined; recovered: boolean }
  | { status: "already"; ts: string | undefined }
  | { status: "busy" }
  /** `retryAfterMs` when Slack answered 429 to a client that leaves the waiting to the caller. */
  | { status: "failed"; error: string; retryAfterMs?: number };

export interface DeliveryRequest {
  key: DeliveryKey;
  client: WebClient;
  /**
   * Where the message goes: a channel id, or a function that opens the DM (told whether an
   * earlier attempt may have posted it, since looking for that needs the DM's channel id).
   */
  channel: string | ((resumed: boolean) => Promise<string | undefined>);
  message: MessageView;
}

export async function deliverOnce(deps: Deps, request: DeliveryRequest): Promise<DeliveryOutcome> {
  const { store, clock } = deps;
  const { key, client } = request;
  const claim = await store.deliveries.claim(key, clock(), DELIVERY_LEASE_MS);
  if (claim.state === "done") return { status: "already", ts: claim.ts };
  if (claim.state === "busy") return { status: "busy" };
  const tag = deliveryTag(key);
  try {
    const channel =
      typeof request.channel === "string" ? request.channel : await request.channel(claim.resumed);
    if (!channel) throw new Error("no channel to post in");
    if (claim.resumed) {
      const earlier = await findTagged(client, channel, tag);
      if (earlier.found) {
        await store.deliveries.complete(key, earlier.ts, clock());
        deps.logger.info(
          `The ${key.kind} (${key.period}) had gone out before a restart; not sent again.`,
        );
        return { status: "sent", ts: earlier.ts, recovered: true };
      }
    }
    const ts = await postToChannel(client, channel, {
      ...request.message,
      metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { tag } },
    });
    await store.deliveries.complete(key, ts, clock());
    return { status: "sent", ts, recovered: false };
  } catch (error) {
    // Slack refusing the first attempt (a 429, an error answer) means nothing was posted: the
    // next attempt need not search the recipient's history. After a resumed attempt, or a
    // network failure (the post may have gone through), the intent is kept.
    const refused =
      !claim.resumed &&
      ((error as { code?: unknown }).code === ErrorCode.RateLimitedError ||
        (error as { code?: unknown }).code === ErrorCode.PlatformError);
    await (refused ? store.deliveries.abandon(key) : store.deliveries.release(key)).catch(
      () => undefined,
    );
    const reason = describeError(error);
    const retryAfter = (error as { code?: unknown; retryAfter?: unknown }).retryAfter;
    if (
      (error as { code?: unknown }).code === ErrorCode.RateLimitedError &&
      typeof retryAfter === "number"
    )
      return { status: "failed", error: "ratelimited", retryAfterMs: retryAfter * 1000 };
    deps.logger.warn(`Could not send the ${key.kind} (${key.period}): ${reason}`);
    return { status: "failed", error: reason };
  }
}

/**
 * Looks for a message carrying `tag` among the channel's latest messages. A channel whose
 * history the app may not read (an old install without the history scopes) cannot be checked:
 * then at-least-once wins and the message is posted again.
 */
async function findTagged(
  client: WebClient,
  channel: string,
  tag: string,
): Promise<{ found: true; ts: string | undefined } | { found: false }> {
  let cursor: string | undefined;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    let result: Awaited<ReturnType<WebClient["conversations"]["history"]>>;
    try {
      result = await client.conversations.history({
        channel,
        limit: HISTORY_PAGE_SIZE,
        include_all_metadata: true,
        ...(cursor ? { cursor } : {}),
      });
    } catch (error) {
      if (slackError(error) === "missing_scope") return { found: false };
      throw error;
    }
    for (const message of result.messages ?? []) {
      const metadata = message.metadata as
        | { event_type?: string; event_payload?: { tag?: unknown } }
        | undefined;
      if (metadata?.event_type === DELIVERY_EVENT_TYPE && metadata.event_payload?.tag === tag)
        return { found: true, ts: message.ts };
    }
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return { found: false };
}
