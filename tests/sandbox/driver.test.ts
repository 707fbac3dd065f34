import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackDriver, signSlackRequest } from "../../sandbox/driver.js";
import { type FakeSlack, type StoredView, startFakeSlack } from "../../sandbox/fake-slack.js";

type Obj = Record<string, unknown>;

const titleOf = (v: StoredView | undefined): unknown => (v?.view.title as Obj | undefined)?.text;

const TOKEN = "xoxb-driver-test";
const SECRET = "driver-test-signing-secret";

const plain = (text: string) => ({ type: "plain_text" as const, text });
const LIKERT = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"].map(
  (text, i) => ({
    text: plain(text),
    value: String(i + 1),
  }),
);

function surveyModal(meta = "") {
  return {
    type: "modal" as const,
    callback_id: "survey",
    private_metadata: meta,
    title: plain("Alignment survey"),
    submit: plain("Send"),
    close: plain("Cancel"),
    blocks: [
      {
        type: "input" as const,
        block_id: "q1",
        label: plain("Sales and marketing share goals."),
        element: { type: "radio_buttons" as const, action_id: "rating", options: LIKERT },
      },
      {
        type: "input" as const,
        block_id: "side",
        label: plain("Your side"),
        element: {
          type: "static_select" as const,
          action_id: "pick",
          placeholder: plain("Choose"),
          options: [
            { text: plain("Sales"), value: "sales" },
            { text: plain("Marketing"), value: "marketing" },
          ],
        },
      },
      {
        type: "input" as const,
        block_id: "topics",
        optional: true,
        label: plain("Topics"),
        element: {
          type: "checkboxes" as const,
          action_id: "t",
          options: [
            { text: plain("Leads"), value: "leads" },
            { text: plain("Pricing"), value: "pricing" },
          ],
        },
      },
      {
        type: "input" as const,
        block_id: "comment",
        optional: true,
        label: plain("Comment"),
        element: { type: "plain_text_input" as const, action_id: "c", max_length: 10 },
      },
    ],
  };
}

const simpleModal = (title: string) => ({
  type: "modal" as const,
  title: plain(title),
  close: plain("Close"),
  blocks: [{ type: "section" as const, text: { type: "mrkdwn" as const, text: title } }],
});

let fake: FakeSlack;
let app: App;
let driver: SlackDriver;
let appUrl: string;
const received: {
  submissions: Obj[];
  retryNums: (number | undefined)[];
  closed: Obj[];
  events: Obj[];
  actions: Obj[];
} = {
  submissions: [],
  retryNums: [],
  closed: [],
  events: [],
  actions: [],
};

beforeAll(async () => {
  fake = await startFakeSlack({
    botToken: TOKEN,
    users: [
      { id: "U1", name: "ann", isAdmin: true },
      { id: "U2", name: "bob" },
    ],
    channels: [
      { id: "C1", name: "sales", members: ["U1", "U2"], botIsMember: true },
      { id: "G1", name: "leaders", isPrivate: true, members: ["U1"], botIsMember: true },
    ],
  });
  app = new App({
    token: TOKEN,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });

  app.command("/alignment", async ({ command, ack, client, respond }) => {
    switch (command.text) {
      case "survey":
        await ack();
        await client.views.open({ trigger_id: command.trigger_id, view: surveyModal() });
        return;
      case "slow":
        await new Promise((r) => setTimeout(r, 400));
        await ack();
        return;
      case "inline":
        await ack({ response_type: "ephemeral", text: "Inline hello" });
        return;
      case "bad-inline":
        await ack({
          text: "x",
          blocks: [{ type: "header", text: { type: "mrkdwn", text: "*no*" } }],
        } as never);
        return;
      default:
        await ack();
        await respond({ text: `You said: ${command.text}` });
    }
  });

  app.action("open_survey", async ({ ack, body, client }) => {
    await ack();
    received.actions.push(body as unknown as Obj);
    const meta = (body as { actions: { value?: string }[] }).actions[0]?.value ?? "";
    await client.views.open({
      trigger_id: (body as { trigger_id: string }).trigger_id,
      view: surveyModal(meta),
    });
  });

  app.view("survey", async ({ ack, view, body }) => {
    received.submissions.push(body as unknown as Obj);
    switch (view.private_metadata) {
      case "errors":
        await ack({ response_action: "errors", errors: { q1: "Pick one" } });
        return;
      case "bad-errors":
        await ack({ response_action: "errors", errors: { not_a_block: "x" } });
        return;
      case "update":
        await ack({ response_action: "update", view: simpleModal("Thank you") });
        return;
      case "push":
        await ack({ response_action: "push", view: simpleModal("One more thing") });
        return;
      default:
        await ack();
    }
  });

  app.view({ callback_id: "survey", type: "view_closed" }, async ({ ack, body }) => {
    await ack();
    received.closed.push(body as unknown as Obj);
  });

  app.event("app_home_opened", async ({ event, client, context }) => {
    received.retryNums.push(context.retryNum);
    await client.views.publish({
      user_id: event.user,
      view: {
        type: "home",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "Welcome home" } }],
      },
    });
  });

  for (const type of [
    "member_joined_channel",
    "member_left_channel",
    "tokens_revoked",
    "app_uninstalled",
  ]) {
    app.event(type, async ({ body }) => {
      received.events.push(body as unknown as Obj);
    });
  }

  const server = await app.start(0);
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  driver = new SlackDriver({ appUrl, signingSecret: SECRET, fake });
});

afterAll(async () => {
  await app.stop();
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  received.submissions.length = 0;
  received.retryNums.length = 0;
  received.closed.length = 0;
  received.events.length = 0;
  received.actions.length = 0;
});

/** `state.values` of the i-th view_submission the app received. */
function submittedValues(i: number): Obj {
  const view = received.submissions[i]?.view as Obj | undefined;
  return ((view?.state as Obj | undefined)?.values ?? {}) as Obj;
}

async function postInvitation(meta = "round-1"): Promise<string> {
  const res = await app.client.chat.postMessage({
    channel: "C1",
    text: "The alignment survey is open",
    metadata: { event_type: "round_opened", event_payload: { round: meta } },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: "The alignment survey is open" } },
      {
        type: "actions",
        block_id: "invite",
        elements: [
          { type: "button", action_id: "open_survey", text: plain("Take the survey"), value: meta },
        ],
      },
    ],
  });
  return res.ts as string;
}

/** Open the survey modal from an invitation whose button carries `meta` as private_metadata. */
async function openSurvey(userId: string, meta: string) {
  const ts = await postInvitation(meta);
  return driver.openModalFromMessage(userId, "C1", ts, "open_survey");
}

describe("request signing", () => {
  it("reproduces Slack's published example signature", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signSlackRequest("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("Bolt accepts the driver's signed requests (url_verification)", async () => {
    const res = await driver.urlVerification("challenge-123");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: "challenge-123" });
  });

  it("a bad signature, a stale timestamp or no signature get 401", async () => {
    for (const opts of [{ badSignature: true }, { staleTimestamp: true }, { unsigned: true }]) {
      const res = await driver.urlVerification("c", { ...opts, expectStatus: 401 });
      expect(res.status).toBe(401);
    }
  });

  it("throws when the app answers non-2xx and no status was expected", async () => {
    await expect(driver.urlVerification("c", { badSignature: true })).rejects.toThrow(
      /expected HTTP 2xx.*got 401/,
    );
  });

  it("passes X-Slack-Retry-Num through", async () => {
    await driver.event(
      { type: "app_home_opened", user: "U1", tab: "home" },
      { retryNum: 1, retryReason: "http_timeout" },
    );
    expect(received.retryNums).toEqual([1]);
  });
});

describe("commands", () => {
  it("delivers a slash command; the app's respond() lands as an ephemeral", async () => {
    const res = await driver.command("U1", "C1", "hello");
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(3000);
    await fake.waitFor(() => fake.responses.length > 0);
    expect(fake.ephemeralsFor("U1", "C1").map((e) => e.text)).toEqual(["You said: hello"]);
    expect(fake.errors()).toEqual([]);
  });

  it("records a message sent in the acknowledgement", async () => {
    const res = await driver.command("U2", "C1", "inline");
    expect(res.ackMessage).toMatchObject({ source: "ack", ok: true, text: "Inline hello" });
    expect(fake.ephemeralsFor("U2", "C1").map((e) => e.text)).toEqual(["Inline hello"]);
  });

  it("throws when the acknowledgement message would be rejected by Slack", async () => {
    await expect(driver.command("U1", "C1", "bad-inline")).rejects.toThrow(/invalid_blocks/);
    const res = await driver.command("U1", "C1", "bad-inline", { allowInvalidResponse: true });
    expect(res.ackMessage?.ok).toBe(false);
  });

  it("throws when the app takes too long to acknowledge", async () => {
    const impatient = new SlackDriver({ appUrl, signingSecret: SECRET, fake, ackTimeoutMs: 300 });
    await expect(impatient.command("U1", "C1", "slow")).rejects.toThrow(/acknowledge/);
  });

  it("refuses to run a command as someone who is not in the channel", async () => {
    fake.addUser({ id: "U9", name: "zed" });
    await expect(driver.command("U9", "C1", "hello")).rejects.toThrow(/not a member/);
  });

  it("openModalFromCommand returns the opened modal", async () => {
    const view = await driver.openModalFromCommand("U1", "C1", "survey");
    expect(view.view.callback_id).toBe("survey");
    expect(fake.lastView("U1")?.id).toBe(view.id);
  });
});

describe("buttons and modals", () => {
  it("clickButton fails loudly on a missing button or message", async () => {
    const ts = await postInvitation();
    await expect(driver.clickButton("U1", "C1", ts, "no_such_button")).rejects.toThrow(
      /no button "no_such_button".*button:open_survey/,
    );
    await expect(driver.clickButton("U1", "C1", "1.000001", "open_survey")).rejects.toThrow(
      /sees no message/,
    );
  });

  it("sends a block_actions payload with the button's block_id, value, trigger and response_url", async () => {
    const ts = await postInvitation();
    const res = await driver.clickButton("U2", "C1", ts, "open_survey");
    expect(res.payload).toMatchObject({
      type: "block_actions",
      user: { id: "U2" },
      container: { type: "message", message_ts: ts, channel_id: "C1", is_ephemeral: false },
      channel: { id: "C1", name: "sales" },
      message: { ts, text: "The alignment survey is open" },
      actions: [{ action_id: "open_survey", block_id: "invite", type: "button", value: "round-1" }],
      trigger_id: res.triggerId,
      response_url: res.responseUrl,
    });
    // The app opens the survey with that trigger; let it finish before the next test resets.
    await fake.waitFor(() => fake.lastView("U2"));
  });

  it("opens the survey from the invitation and submits Slack-shaped state", async () => {
    const ts = await postInvitation();
    const view = await driver.openModalFromMessage("U2", "C1", ts, "open_survey");
    const res = await driver.submitView("U2", view.id, {
      q1: "4",
      side: "marketing",
      topics: ["leads"],
    });
    expect(res.status).toBe(200);
    const values = submittedValues(0);
    expect(values).toEqual({
      q1: {
        rating: { type: "radio_buttons", selected_option: { text: plain("Agree"), value: "4" } },
      },
      side: {
        pick: {
          type: "static_select",
          selected_option: { text: plain("Marketing"), value: "marketing" },
        },
      },
      topics: {
        t: { type: "checkboxes", selected_options: [{ text: plain("Leads"), value: "leads" }] },
      },
      comment: { c: { type: "plain_text_input", value: null } },
    });
    expect(fake.modalStack("U2")).toEqual([]);
    expect(fake.errors()).toEqual([]);
  });

  it("rejects values that are not options, unknown inputs, too-long text and empty required inputs", async () => {
    const view = await driver.openModalFromCommand("U1", "C1", "survey");
    await expect(driver.submitView("U1", view.id, { q1: "6", side: "sales" })).rejects.toThrow(
      /"6" is not an option of input "q1"/,
    );
    await expect(driver.submitView("U1", view.id, { q9: "1" })).rejects.toThrow(
      /no input block "q9"/,
    );
    await expect(
      driver.submitView("U1", view.id, { q1: "1", side: "sales", comment: "x".repeat(11) }),
    ).rejects.toThrow(/at most 10 characters/);
    await expect(driver.submitView("U1", view.id, { q1: "1" })).rejects.toThrow(
      /required input "side"/,
    );
    expect(received.submissions).toEqual([]);
  });

  it("can send empty required inputs to test server-side validation", async () => {
    const view = await driver.openModalFromCommand("U1", "C1", "survey");
    await driver.submitView("U1", view.id, { q1: "2" }, { allowEmptyRequired: true });
    const values = submittedValues(0);
    expect(values.side).toEqual({ pick: { type: "static_select", selected_option: null } });
  });

  it("response_action errors keeps the modal; unknown block ids are rejected like Slack does", async () => {
    const view = await openSurvey("U1", "errors");
    const res = await driver.submitView("U1", view.id, { q1: "1", side: "sales" });
    expect(res.body).toEqual({ response_action: "errors", errors: { q1: "Pick one" } });
    expect(fake.lastView("U1")?.id).toBe(view.id);

    const bad = await openSurvey("U2", "bad-errors");
    await expect(driver.submitView("U2", bad.id, { q1: "1", side: "sales" })).rejects.toThrow(
      /errors key "not_a_block" is not the block_id of an input block/,
    );
    expect(fake.errors().map((e) => e.error)).toEqual(["invalid_response_action"]);
  });

  it("response_action update and push are applied to the modal stack", async () => {
    const view = await openSurvey("U1", "update");
    await driver.submitView("U1", view.id, { q1: "5", side: "sales" });
    expect(titleOf(fake.lastView("U1"))).toBe("Thank you");

    const again = await openSurvey("U2", "push");
    const res = await driver.submitView("U2", again.id, { q1: "3", side: "marketing" });
    expect(res.outcome.view?.id).not.toBe(again.id);
    expect(fake.modalStack("U2").map((v) => titleOf(v))).toEqual([
      "Alignment survey",
      "One more thing",
    ]);
  });

  it("viewClosed closes the modal and notifies the app only when asked to", async () => {
    const view = await driver.openModalFromCommand("U1", "C1", "survey");
    expect(await driver.viewClosed("U1", view.id)).toBeNull();
    expect(fake.modalStack("U1")).toEqual([]);
    const again = await driver.openModalFromCommand("U1", "C1", "survey");
    const stored = fake.views.get(again.id);
    if (stored) stored.view.notify_on_close = true;
    const res = await driver.viewClosed("U1", again.id);
    expect(res?.status).toBe(200);
    expect(received.closed).toHaveLength(1);
  });
});

describe("events", () => {
  it("delivers app_home_opened; the app publishes the Home tab", async () => {
    const res = await driver.appHomeOpened("U2");
    expect(res.status).toBe(200);
    const home = await fake.waitFor(() => fake.homeViews.get("U2"));
    expect(home.view.blocks).toMatchObject([{ type: "section", text: { text: "Welcome home" } }]);
  });
});

describe("channel membership events", () => {
  it("memberJoined adds the member in the fake, then sends member_joined_channel", async () => {
    fake.addUser({ id: "U3", name: "cid" });
    const res = await driver.memberJoined("C1", "U3", { inviter: "U1" });
    expect(res.status).toBe(200);
    expect(fake.channel("C1")?.members.has("U3")).toBe(true);
    const members = await app.client.conversations.members({ channel: "C1" });
    expect(members.members).toContain("U3");
    await fake.waitFor(() => received.events.length === 1);
    expect(received.events[0]).toMatchObject({
      type: "event_callback",
      team_id: fake.teamId,
      api_app_id: fake.appId,
      event_id: expect.stringMatching(/^Ev/),
      event: {
        type: "member_joined_channel",
        user: "U3",
        channel: "C1",
        channel_type: "C",
        team: fake.teamId,
        inviter: "U1",
        event_ts: expect.any(String),
      },
    });
    fake.removeMember("C1", "U3");
  });

  it("memberLeft removes the member, then sends member_left_channel; G… channels are type G", async () => {
    await driver.memberLeft("G1", "U1");
    expect(fake.channel("G1")?.members.has("U1")).toBe(false);
    await fake.waitFor(() => received.events.length === 1);
    const event = received.events[0]?.event as Obj;
    expect(event).toMatchObject({
      type: "member_left_channel",
      user: "U1",
      channel: "G1",
      channel_type: "G",
      team: fake.teamId,
    });
    expect(event.inviter).toBeUndefined();
    // Once gone, a user can't be sent ephemerals there any more.
    await expect(
      app.client.chat.postEphemeral({ channel: "G1", user: "U1", text: "x" }),
    ).rejects.toThrow(/user_not_in_channel/);
    fake.addMember("G1", "U1");
  });

  it("refuses what Slack would never send", async () => {
    await expect(driver.memberJoined("C1", "U1")).rejects.toThrow(/already a member/);
    fake.addUser({ id: "U3", name: "cid" });
    await expect(driver.memberLeft("C1", "U3")).rejects.toThrow(/not a member/);
    await expect(driver.memberJoined("C404", "U1")).rejects.toThrow(/no channel/);
    await expect(driver.memberJoined("C1", "U404")).rejects.toThrow(/no user/);
    await app.client.chat.postMessage({ channel: "U2", text: "hi" });
    await expect(driver.memberLeft(fake.dmChannel("U2") as string, "U2")).rejects.toThrow(/DM/);
    expect(received.events).toEqual([]);
  });
});

describe("uninstalling", () => {
  it("appUninstalled revokes the bot token, then sends tokens_revoked and app_uninstalled", async () => {
    const [revoked, uninstalled] = await driver.appUninstalled();
    expect([revoked?.status, uninstalled?.status]).toEqual([200, 200]);
    await fake.waitFor(() => received.events.length === 2);
    expect(received.events.map((e) => (e.event as Obj).type)).toEqual([
      "tokens_revoked",
      "app_uninstalled",
    ]);
    expect((received.events[0]?.event as Obj | undefined)?.tokens).toEqual({
      oauth: [],
      bot: [fake.botUserId],
    });
    await expect(app.client.auth.test()).rejects.toThrow(/account_inactive/);
    fake.reset(); // restores the token for the next tests
    expect((await app.client.auth.test()).ok).toBe(true);
  });
});

describe("uninstall events only", () => {
  it("uninstallEvents sends tokens_revoked (with the given ids) and app_uninstalled, revoking nothing", async () => {
    received.events.length = 0;
    await driver.uninstallEvents({ oauth: ["U1"], bot: [fake.botUserId] });
    await fake.waitFor(() => received.events.length === 2);
    expect((received.events[0]?.event as Obj | undefined)?.tokens).toEqual({
      oauth: ["U1"],
      bot: [fake.botUserId],
    });
    expect(received.events[1]?.authorizations).toEqual([
      {
        enterprise_id: null,
        team_id: fake.teamId,
        user_id: fake.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ]);
    expect((await app.client.auth.test()).ok).toBe(true);
    received.events.length = 0;
  });
});

describe("message metadata in interactions", () => {
  it("a block_actions payload carries the clicked message's metadata, as Slack's does", async () => {
    const ts = await postInvitation("round-9");
    await driver.openModalFromMessage("U2", "C1", ts, "open_survey");
    expect(received.actions).toHaveLength(1);
    expect((received.actions[0]?.message as Obj | undefined)?.metadata).toEqual({
      event_type: "round_opened",
      event_payload: { round: "round-9" },
    });
  });
});
