import { describe, expect, it } from "vitest";
import { checkEnvelope } from "../../src/http/envelope.js";

const TEAM = "T0TRUCE01";
const USER = "U0S0001";
const APP = "A0TRUCEAPP";
const RESPONSE_URL = "https://hooks.slack.com/actions/T0TRUCE01/1234/abcd";
const TRIGGER = "1763888400123.1000123.0123456789abcdef";

const command = (over: Record<string, unknown> = {}) => ({
  token: "deprecated-verification-token",
  team_id: TEAM,
  team_domain: "truce",
  channel_id: "C0SALES01",
  channel_name: "sales",
  user_id: USER,
  user_name: "u0s0001",
  command: "/alignment",
  text: "launch 7",
  api_app_id: APP,
  is_enterprise_install: "false",
  response_url: RESPONSE_URL,
  trigger_id: TRIGGER,
  ...over,
});

const interaction = (over: Record<string, unknown> = {}) => ({
  team: { id: TEAM, domain: "truce" },
  user: { id: USER, username: "u", name: "u", team_id: TEAM },
  api_app_id: APP,
  token: "deprecated-verification-token",
  is_enterprise_install: false,
  enterprise: null,
  ...over,
});

const blockActions = (over: Record<string, unknown> = {}) =>
  interaction({
    type: "block_actions",
    trigger_id: TRIGGER,
    container: { type: "message", message_ts: "1.2", channel_id: "C0SALES01" },
    channel: { id: "C0SALES01", name: "sales" },
    response_url: RESPONSE_URL,
    actions: [{ action_id: "open_survey", block_id: "b1", type: "button", value: "1" }],
    ...over,
  });

const modal = (over: Record<string, unknown> = {}) => ({
  id: "V0ABCDEF12",
  team_id: TEAM,
  type: "modal",
  callback_id: "survey_submit",
  private_metadata: '{"roundId":1}',
  hash: "1763888400.abcd",
  blocks: [],
  state: {
    values: {
      side: { side: { type: "radio_buttons", selected_option: { value: "sales" } } },
      statement_1: { rating: { type: "radio_buttons", selected_option: null } },
    },
  },
  app_installed_team_id: TEAM,
  ...over,
});

const viewSubmission = (over: Record<string, unknown> = {}) =>
  interaction({
    type: "view_submission",
    trigger_id: TRIGGER,
    view: modal(),
    response_urls: [],
    ...over,
  });

const eventCallback = (event: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  token: "deprecated-verification-token",
  team_id: TEAM,
  api_app_id: APP,
  event: { event_ts: "1763888400.000100", ...event },
  type: "event_callback",
  event_id: "Ev0ABCDEF12",
  event_time: 1763888400,
  authorizations: [
    {
      enterprise_id: null,
      team_id: TEAM,
      user_id: "U0TRUCEBOT",
      is_bot: true,
      is_enterprise_install: false,
    },
  ],
  is_ext_shared_channel: false,
  ...over,
});

describe("checkEnvelope: what Slack sends passes", () => {
  it.each([
    ["a slash command", command(), "slash_command"],
    [
      "a slash command in a DM, with empty text",
      command({ channel_id: "D0ABC", text: "" }),
      "slash_command",
    ],
    ["a button in a message", blockActions(), "block_actions"],
    [
      "a button in the Home tab (no channel, no response_url)",
      blockActions({
        container: { type: "view", view_id: "V0HOME0001" },
        channel: undefined,
        response_url: undefined,
        view: { id: "V0HOME0001", type: "home", callback_id: "", state: { values: {} } },
      }),
      "block_actions",
    ],
    [
      "a button in an org-wide install (team null, the user's team_id)",
      blockActions({ team: null, enterprise: { id: "E0GRID001" } }),
      "block_actions",
    ],
    ["a view submission", viewSubmission(), "view_submission"],
    [
      "a setup submission",
      viewSubmission({
        view: modal({
          callback_id: "setup_submit",
          state: {
            values: {
              sales_channel: {
                channel: { type: "conversations_select", selected_conversation: "C0SALES01" },
              },
              marketing_channel: {
                channel: { type: "conversations_select", selected_conversation: null },
              },
            },
          },
        }),
      }),
      "view_submission",
    ],
    [
      "a view closed",
      interaction({ type: "view_closed", view: modal(), is_cleared: false }),
      "view_closed",
    ],
    [
      "app_home_opened",
      eventCallback({ type: "app_home_opened", user: USER, channel: "D0ABC", tab: "home" }),
      "event_callback",
    ],
    [
      "member_joined_channel",
      eventCallback({
        type: "member_joined_channel",
        user: USER,
        channel: "C0SALES01",
        channel_type: "C",
        team: TEAM,
        inviter: "U0LEAD0001",
      }),
      "event_callback",
    ],
    [
      "member_left_channel",
      eventCallback({
        type: "member_left_channel",
        user: USER,
        channel: "G0PRIVATE1",
        channel_type: "G",
        team: TEAM,
      }),
      "event_callback",
    ],
    ["app_uninstalled", eventCallback({ type: "app_uninstalled" }), "event_callback"],
    [
      "tokens_revoked",
      eventCallback({ type: "tokens_revoked", tokens: { oauth: [USER], bot: ["U0TRUCEBOT"] } }),
      "event_callback",
    ],
    [
      "an event Truce has no listener for",
      eventCallback({ type: "reaction_added", user: USER, reaction: "+1" }),
      "event_callback",
    ],
    [
      "url_verification",
      {
        token: "t",
        challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7",
        type: "url_verification",
      },
      "url_verification",
    ],
    [
      "app_rate_limited",
      {
        token: "t",
        type: "app_rate_limited",
        team_id: TEAM,
        minute_rate_limited: 1518467820,
        api_app_id: APP,
      },
      "app_rate_limited",
    ],
    ["ssl_check", { ssl_check: "1", token: "t" }, "ssl_check"],
  ])("%s", (_name, body, kind) => {
    expect(checkEnvelope(body)).toMatchObject({ ok: true, kind });
  });

  it("names the event when Truce listens for it", () => {
    expect(checkEnvelope(eventCallback({ type: "app_uninstalled" }))).toEqual({
      ok: true,
      kind: "event_callback",
      event: "app_uninstalled",
    });
  });

  it("leaves room for fields Slack adds later", () => {
    expect(checkEnvelope(viewSubmission({ brand_new_field: { x: [1, 2] } })).ok).toBe(true);
  });
});

describe("checkEnvelope: anything else is refused", () => {
  it.each([
    ["null", null],
    ["a string", "view_submission"],
    ["a number", 42],
    ["an array", [viewSubmission()]],
    ["an empty object", {}],
    ["an unknown type", { type: "mystery" }],
    [
      "a shortcut (Truce has none)",
      interaction({ type: "shortcut", callback_id: "x", trigger_id: TRIGGER }),
    ],
    ["an options request", interaction({ type: "block_suggestion", action_id: "a", value: "x" })],
    [
      "a legacy attachment action",
      interaction({ type: "interactive_message", actions: [{ name: "x" }] }),
    ],
    // Bolt routes on `actions` before `type`: this would run the action listener.
    ["a view submission that carries actions", viewSubmission({ actions: [null] })],
    [
      "an event without event_callback",
      { ...eventCallback({ type: "app_uninstalled" }), type: "other" },
    ],
  ])("%s", (_name, body) => {
    expect(checkEnvelope(body).ok).toBe(false);
  });

  it.each([
    ["the user is a short id", viewSubmission({ user: { id: "U1" } }), "view_submission: user.id"],
    ["the user id is a number", viewSubmission({ user: { id: 5 } }), "view_submission: user.id"],
    ["the user is a bare string", viewSubmission({ user: USER }), "view_submission: user"],
    ["the user is missing", viewSubmission({ user: undefined }), "view_submission: user"],
    [
      "the user is a channel id",
      viewSubmission({ user: { id: "C0SALES01" } }),
      "view_submission: user.id",
    ],
    [
      "the team id is lowercase",
      viewSubmission({ team: { id: "t0truce01" } }),
      "view_submission: team.id",
    ],
    [
      "no team anywhere",
      viewSubmission({ team: null, user: { id: USER } }),
      "view_submission: team",
    ],
    [
      "the view id is not a view's",
      viewSubmission({ view: modal({ id: "U0S0001" }) }),
      "view_submission: view.id",
    ],
    [
      "the view has no callback_id",
      viewSubmission({ view: modal({ callback_id: 7 }) }),
      "view_submission: view.callback_id",
    ],
    [
      "the state values are null",
      viewSubmission({ view: modal({ state: { values: null } }) }),
      "view_submission: view.state.values",
    ],
    [
      "an input's state is not an object",
      viewSubmission({ view: modal({ state: { values: { side: { side: "sales" } } } }) }),
      "view_submission: view.state.values.*.*",
    ],
    [
      "a selected option's value is a number",
      viewSubmission({
        view: modal({
          state: {
            values: { side: { side: { type: "radio_buttons", selected_option: { value: 1 } } } },
          },
        }),
      }),
      "view_submission: view.state.values.*.*.selected_option.value",
    ],
    [
      "the trigger_id is an object",
      viewSubmission({ trigger_id: { x: 1 } }),
      "view_submission: trigger_id",
    ],
    [
      "the enterprise id is not one",
      viewSubmission({ enterprise: { id: "X1" } }),
      "view_submission: enterprise.id",
    ],
    [
      "a response_url is not a URL",
      blockActions({ response_url: "javascript:alert(1)" }),
      "block_actions: response_url",
    ],
    [
      "response_urls holds null",
      viewSubmission({ response_urls: [null] }),
      "view_submission: response_urls[0]",
    ],
    ["no actions", blockActions({ actions: [] }), "block_actions: actions"],
    ["an action is null", blockActions({ actions: [null] }), "block_actions: actions[0]"],
    [
      "an action has no action_id",
      blockActions({ actions: [{ type: "button", value: "1" }] }),
      "block_actions: actions[0].action_id",
    ],
    [
      "an action's value is an object",
      blockActions({ actions: [{ action_id: "open_survey", type: "button", value: { n: 1 } }] }),
      "block_actions: actions[0].value",
    ],
    ["the channel is a user", blockActions({ channel: { id: USER } }), "block_actions: channel.id"],
    ["a command's user id is lowercase", command({ user_id: "u0s0001" }), "slash_command: user_id"],
    [
      "a command's channel id is not one",
      command({ channel_id: "X0SALES01" }),
      "slash_command: channel_id",
    ],
    ["a command's text is repeated", command({ text: ["a", "b"] }), "slash_command: text"],
    [
      "a command without a response_url",
      command({ response_url: undefined }),
      "slash_command: response_url",
    ],
    [
      "an event's user is an object",
      eventCallback({ type: "app_home_opened", user: { id: USER }, tab: "home" }),
      "app_home_opened: event.user",
    ],
    [
      "a joined channel that is not a channel",
      eventCallback({ type: "member_joined_channel", user: USER, channel: "V0ABC" }),
      "member_joined_channel: event.channel",
    ],
    [
      "tokens_revoked without tokens",
      eventCallback({ type: "tokens_revoked" }),
      "tokens_revoked: event.tokens",
    ],
    ["an event of no type", eventCallback({ type: "" }), "event: event.type"],
    [
      "an event without event_id",
      eventCallback({ type: "app_uninstalled" }, { event_id: 3 }),
      "event_callback: event_id",
    ],
    [
      "an event's team id is missing",
      eventCallback({ type: "app_uninstalled" }, { team_id: undefined }),
      "event_callback: team_id",
    ],
    [
      "a challenge that is not a string",
      { type: "url_verification", challenge: ["x"] },
      "url_verification: challenge",
    ],
    ["an ssl_check that is not 1", { ssl_check: "2" }, "ssl_check: ssl_check"],
    [
      "a megabyte user id",
      viewSubmission({ user: { id: `U${"A".repeat(1_000_000)}` } }),
      "view_submission: user.id",
    ],
  ])("%s", (_name, body, problem) => {
    expect(checkEnvelope(body)).toMatchObject({ ok: false, problem });
  });

  it("describes the problem by field, never with what the request contained", () => {
    const secret = "statement_about_my_boss";
    const body = viewSubmission({
      user: { id: "U0S0001" },
      view: modal({
        state: { values: { [secret]: { [secret]: { type: "x", selected_option: { value: 5 } } } } },
      }),
    });
    const result = checkEnvelope(body);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(
      JSON.stringify(checkEnvelope(viewSubmission({ user: { id: "U_secret" } }))),
    ).not.toContain("secret");
  });

  it("does not walk into fields nobody reads, however deep they nest", () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(checkEnvelope(viewSubmission({ extra: deep })).ok).toBe(true);
    expect(checkEnvelope(viewSubmission({ user: deep })).ok).toBe(false);
  });
});
