import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { type Obj, slackError, startWorkspace, T0, webClient } from "./helpers.js";

let clock = T0;
let fake: FakeSlack;
let web: WebClient;

beforeEach(async () => {
  clock = T0;
  fake = await startWorkspace(() => clock);
  web = webClient(fake);
});

afterEach(async () => {
  await fake.close();
});

describe("conversations.members", () => {
  it("pages with limit and cursor, and reflects membership changes", async () => {
    const first = await web.conversations.members({ channel: "C1", limit: 2 });
    expect(first.members).toEqual(["U1", "U2"]);
    const next = first.response_metadata?.next_cursor as string;
    expect(next).not.toBe("");
    const second = await web.conversations.members({ channel: "C1", limit: 2, cursor: next });
    expect(second.members).toEqual([fake.botUserId]);
    expect(second.response_metadata?.next_cursor).toBe("");

    fake.removeMember("C1", "U2");
    fake.addMember("C1", "U3");
    expect((await web.conversations.members({ channel: "C1" })).members).toEqual([
      "U1",
      fake.botUserId,
      "U3",
    ]);
  });

  it("limit defaults to 100 and is capped at 1000", async () => {
    for (let i = 0; i < 1100; i++) fake.addMember("C2", `U${String(i).padStart(5, "0")}`);
    expect((await web.conversations.members({ channel: "C2" })).members).toHaveLength(100);
    const big = await web.conversations.members({ channel: "C2", limit: 5000 });
    expect(big.members).toHaveLength(1000);
    const rest = await web.conversations.members({
      channel: "C2",
      limit: 1000,
      cursor: big.response_metadata?.next_cursor as string,
    });
    expect(rest.members).toHaveLength(101);
  });

  it("errors like Slack: channel_not_found, invalid_cursor, invalid_limit", async () => {
    const code = async (args: Obj) =>
      (await slackError(web.apiCall("conversations.members", args))).error;
    expect(await code({ channel: "G1" })).toBe("channel_not_found"); // private, bot not in
    expect(await code({ channel: "C404" })).toBe("channel_not_found");
    expect(await code({ channel: "C1", cursor: "bm9wZQ==" })).toBe("invalid_cursor");
    expect(await code({ channel: "C1", limit: "lots" })).toBe("invalid_limit");
    // A public channel the bot is not in can be listed.
    expect((await web.conversations.members({ channel: "C2" })).members).toEqual(["U1"]);
  });

  it("users.list and conversations.list refuse foreign cursors too", async () => {
    expect((await slackError(web.users.list({ cursor: "bm9wZQ==" }))).error).toBe("invalid_cursor");
    expect((await slackError(web.conversations.list({ cursor: "bm9wZQ==" }))).error).toBe(
      "invalid_cursor",
    );
  });

  it("removeMember refuses unknown channels and DMs", async () => {
    await web.chat.postMessage({ channel: "U2", text: "hi" });
    expect(() => fake.removeMember("C404", "U1")).toThrow(/no channel/);
    expect(() => fake.removeMember(fake.dmChannel("U2") as string, "U2")).toThrow(/DM/);
  });
});
