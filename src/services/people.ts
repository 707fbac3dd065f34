import type { WebClient } from "@slack/web-api";
import type { PersonProfile } from "../survey/reminders.js";

/** What users.info and users.list say about a person, as much as reminders need. */
interface SlackUser {
  id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  tz?: string;
  profile?: { status_text?: string; status_emoji?: string; status_expiration?: number };
}

/** Slack's own helper bot answers `is_bot: false`, and is never anyone to remind. */
const SLACKBOT = "USLACKBOT";

export function profileOf(user: SlackUser): PersonProfile {
  return {
    isBot: user.is_bot === true || user.id === SLACKBOT,
    deleted: user.deleted === true,
    timeZone: user.tz || undefined,
    statusText: user.profile?.status_text ?? "",
    statusEmoji: user.profile?.status_emoji ?? "",
    statusExpiration: user.profile?.status_expiration ?? 0,
  };
}

/** Up to this many people are looked up one by one; more, and one pass over users.list is cheaper. */
const ONE_BY_ONE_MAX = 20;
const USERS_PAGE = 200;

/**
 * The profiles of `ids` (time zone, status, bot, deactivated). A few people cost a users.info
 * each; a big channel costs one pass over users.list (200 people a page), not thousands of calls.
 * Someone Slack does not know is left out.
 */
export async function lookUpPeople(
  client: WebClient,
  ids: readonly string[],
  options: { oneByOne?: boolean } = {},
): Promise<Map<string, PersonProfile>> {
  const found = new Map<string, PersonProfile>();
  if (ids.length <= ONE_BY_ONE_MAX && options.oneByOne !== false) {
    for (const id of ids) {
      const profile = await lookUpPerson(client, id);
      if (profile) found.set(id, profile);
    }
    return found;
  }
  const wanted = new Set(ids);
  await eachMember(client, (member) => {
    if (member.id && wanted.has(member.id)) found.set(member.id, profileOf(member));
  });
  return found;
}

/** Every member of the workspace, one users.list page (200 people) at a time. */
export async function eachMember(
  client: WebClient,
  visit: (member: SlackUser & Record<string, unknown>) => void,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await client.users.list({ limit: USERS_PAGE, ...(cursor ? { cursor } : {}) });
    for (const member of (page.members ?? []) as (SlackUser & Record<string, unknown>)[])
      visit(member);
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
}

/** One person's profile (users.info); undefined when Slack does not know them. */
export async function lookUpPerson(
  client: WebClient,
  id: string,
): Promise<PersonProfile | undefined> {
  try {
    const { user } = await client.users.info({ user: id });
    return user ? profileOf(user as SlackUser) : undefined;
  } catch (error) {
    if ((error as { data?: { error?: string } }).data?.error === "user_not_found") return undefined;
    throw error;
  }
}
