import type { MessageMetadata } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { MessageView } from "../views/text.js";

/** The Slack error code of a failed Web API call, if it was one. */
export function slackError(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === "string" ? data.error : undefined;
}

/** A short, log-safe description of an error: never a payload, so never anyone's answers. */
export function describeError(error: unknown): string {
  return slackError(error) ?? (error instanceof Error ? error.message : String(error));
}

export type ChannelCheck =
  | { ok: true; name: string; members: number | undefined }
  | { ok: false; problem: string };

/**
 * The people in a channel (every page of conversations.members), the bot itself left out.
 * Bots other than Truce cannot be told apart without a users.info call each; they are few.
 */
export async function channelMembers(
  client: WebClient,
  channel: string,
  botUserId: string | undefined,
): Promise<string[]> {
  const members: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.members({
      channel,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const id of page.members ?? []) if (id !== botUserId) members.push(id);
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return members;
}

/**
 * Makes sure the bot can post in a channel: joins public channels by itself; a private channel
 * needs a person to invite it, which we can only ask for.
 */
export async function ensureChannelAccess(
  client: WebClient,
  channel: string,
): Promise<ChannelCheck> {
  let info: Awaited<ReturnType<WebClient["conversations"]["info"]>>;
  try {
    info = await client.conversations.info({ channel, include_num_members: true });
  } catch (error) {
    const code = slackError(error);
    if (code === "channel_not_found") {
      return {
        ok: false,
        problem: `I can't see channel <#${channel}>. If it is private, invite me there with \`/invite @Truce\`; otherwise check the channel in \`/alignment setup\`.`,
      };
    }
    // Anything else (a missing scope, a Slack hiccup) says nothing about access: go ahead, and
    // let posting find out (postToChannel joins a public channel it is not in).
    return { ok: true, name: channel, members: undefined };
  }
  const c = info.channel;
  const name = c?.name ?? channel;
  const members = typeof c?.num_members === "number" ? c.num_members : undefined;
  if (c?.is_archived) return { ok: false, problem: `Channel <#${channel}> is archived.` };
  // num_members counts the bot once it is a member; invited counts are people, so leave it out.
  if (c?.is_member)
    return { ok: true, name, members: members === undefined ? undefined : members - 1 };
  if (c?.is_private) {
    return {
      ok: false,
      problem: `I'm not in the private channel <#${channel}>. Please invite me there with \`/invite @Truce\`, then launch again.`,
    };
  }
  await client.conversations.join({ channel });
  return { ok: true, name, members };
}

/**
 * Posts in a channel; if Slack answers `not_in_channel` (a public channel the bot has not joined
 * yet), joins it and posts once more.
 */
export async function postToChannel(
  client: WebClient,
  channel: string,
  message: MessageView & { metadata?: MessageMetadata },
): Promise<string | undefined> {
  const { text, blocks, metadata } = message;
  const post = async () =>
    (
      await client.chat.postMessage({
        channel,
        text,
        blocks,
        ...(metadata ? { metadata } : {}),
        unfurl_links: false,
      })
    ).ts;
  try {
    return await post();
  } catch (error) {
    if (slackError(error) !== "not_in_channel") throw error;
    await client.conversations.join({ channel });
    return post();
  }
}

/** The DM channel with a person. */
export async function openDm(client: WebClient, user: string): Promise<string | undefined> {
  const result = await client.conversations.open({ users: user });
  return result.channel?.id;
}
