import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildStateValues } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import { startFakeSlack } from "../../sandbox/fake-slack.js";
import {
  ADMIN,
  type Harness,
  LEADER,
  launchRound,
  MARKETING,
  people,
  ratingsFor,
  SALES,
  SIGNING_SECRET,
  startHarness,
  surveyValues,
} from "./harness.js";

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
const MARKER = "do-not-log-this-ZQX";

function sign(body: Buffer, timestamp: number | string, secret = SIGNING_SECRET): string {
  const hmac = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body);
  return `v0=${hmac.digest("hex")}`;
}

interface PostOptions {
  /** Default: a correct signature with the current time. */
  signature?: "none" | "wrong" | "v1";
  timestamp?: string;
}

/** POSTs raw bytes to the app as Slack would (signed), and returns the HTTP status. */
async function post(
  url: string,
  body: string | Buffer,
  contentType: string | undefined,
  opts: PostOptions = {},
): Promise<number> {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers["content-type"] = contentType;
  if (opts.signature !== "none") {
    headers["x-slack-request-timestamp"] = timestamp;
    headers["x-slack-signature"] =
      opts.signature === "wrong"
        ? sign(bytes, timestamp, "not-the-secret")
        : opts.signature === "v1"
          ? sign(bytes, timestamp).replace("v0=", "v1=")
          : sign(bytes, timestamp);
  }
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: bytes,
    signal: AbortSignal.timeout(5_000),
  });
  await res.arrayBuffer();
  return res.status;
}

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nowSec = () => Math.floor(Date.now() / 1000);

let h: Harness;
let roundId: number;
let invitation: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** A slash command's fields as Slack sends them, with `over` changed. */
const commandForm = (over: Record<string, string> = {}) =>
  new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: h.fake.teamId,
    team_domain: h.fake.teamDomain,
    channel_id: SALES,
    channel_name: "sales",
    user_id: ADMIN,
    user_name: "ada",
    command: "/alignment",
    text: `status ${MARKER}`,
    api_app_id: h.fake.appId,
    is_enterprise_install: "false",
    response_url: h.fake.newResponseUrl({ channel: SALES, user: ADMIN }),
    trigger_id: h.fake.newTriggerId(ADMIN),
    ...over,
  }).toString();

/** A survey submission built from `user`'s open modal, exactly as Slack shapes it, then `over`. */
async function surveySubmission(user: string, over: Record<string, unknown> = {}) {
  const view = await h.driver.openModalFromMessage(user, SALES, invitation, "open_survey");
  const state = buildStateValues(view.view, surveyValues("sales", ratingsFor(60), view), false);
  return {
    type: "view_submission",
    team: { id: h.fake.teamId, domain: h.fake.teamDomain },
    user: { id: user, username: "u", name: "u", team_id: h.fake.teamId },
    api_app_id: h.fake.appId,
    token: "deprecated-verification-token",
    trigger_id: h.fake.newTriggerId(user),
    view: { ...view.view, state: { values: state } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
    ...over,
  };
}

const eventBody = (event: unknown, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    token: "deprecated-verification-token",
    team_id: h.fake.teamId,
    api_app_id: h.fake.appId,
    event,
    type: "event_callback",
    event_id: "Ev0MALFORMED",
    event_time: nowSec(),
    ...over,
  });

const blockActions = (over: Record<string, unknown>) => ({
  type: "block_actions",
  user: { id: ADMIN, team_id: h.fake.teamId },
  team: { id: h.fake.teamId },
  api_app_id: h.fake.appId,
  trigger_id: h.fake.newTriggerId(ADMIN),
  container: { type: "message", message_ts: invitation, channel_id: SALES },
  channel: { id: SALES },
  response_url: h.fake.newResponseUrl({ channel: SALES, user: ADMIN }),
  actions: [{ action_id: "open_survey", block_id: "b", type: "button", value: String(roundId) }],
  ...over,
});

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  h = await startHarness({ salesPeople: 3, marketingPeople: 3 });
  invitation = (await launchRound(h)).sales;
  roundId = (await h.store.rounds.openFor(h.fake.teamId))?.id as number;
  await h.truce.idle();
});
afterAll(async () => {
  await h?.close();
  process.off("unhandledRejection", onUnhandled);
});
afterEach(() => {
  // Taken out each time, so that one failure is reported by the test that caused it.
  expect(unhandled.splice(0)).toEqual([]);
});

describe("a corpus of malformed requests against the running HTTP server", () => {
  // Each: [name, body, content type, expected status]. Everything is correctly signed.
  const corpus: Array<[string, () => string | Buffer, string | undefined, number]> = [
    ["form payload=null", () => "payload=null", FORM, 400],
    ["JSON null", () => "null", JSON_TYPE, 400],
    ["JSON string", () => '"event_callback"', JSON_TYPE, 400],
    ["JSON number", () => "42", JSON_TYPE, 400],
    ["JSON array", () => "[]", JSON_TYPE, 400],
    ["JSON true", () => "true", JSON_TYPE, 400],
    ["payload that is a JSON string", () => form("view_submission"), FORM, 400],
    ["payload that is a JSON number", () => form(7), FORM, 400],
    ["payload that is a JSON array", () => form([{ type: "view_submission" }]), FORM, 400],
    ["payload given twice", () => `${form({})}&${form({})}`, FORM, 400],
    ["empty JSON body", () => "", JSON_TYPE, 400],
    ["empty form body", () => "", FORM, 400],
    ["empty payload", () => "payload=", FORM, 400],
    ["invalid JSON", () => '{"type":"event_callback",', JSON_TYPE, 400],
    ["invalid JSON in the payload", () => "payload=%7B%22type%22%3A", FORM, 400],
    ["invalid urlencoding (truncated escape)", () => "payload=%7B%7", FORM, 400],
    ["invalid urlencoding (not hex)", () => commandForm().replace("text=", "text=%ZZ"), FORM, 400],
    [
      "invalid urlencoding (not UTF-8)",
      () => commandForm().replace("text=", "text=%C3%28"),
      FORM,
      400,
    ],
    [
      "bytes that are not UTF-8",
      () => Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      JSON_TYPE,
      400,
    ],
    ["no content type", () => eventBody({ type: "app_uninstalled" }), undefined, 415],
    ["text/plain", () => eventBody({ type: "app_uninstalled" }), "text/plain", 415],
    ["multipart", () => commandForm(), "multipart/form-data; boundary=xyz", 415],
    ["JSON sent as a form", () => eventBody({ type: "app_uninstalled" }), FORM, 400],
    ["a form sent as JSON", () => commandForm(), JSON_TYPE, 400],
    ["10,000 nested arrays", () => nested(10_000), JSON_TYPE, 400],
    [
      "10,000 nested arrays in a payload",
      () => `payload=${encodeURIComponent(`{"type":"block_actions","actions":${nested(10_000)}}`)}`,
      FORM,
      400,
    ],
    [
      "10,000 nested arrays in a field nobody reads",
      () => eventBody({ type: "app_uninstalled" }).replace(/}$/, `,"extra":${nested(10_000)}}`),
      JSON_TYPE,
      400,
    ],
    ["an unknown payload type", () => form({ type: "mystery", user: { id: ADMIN } }), FORM, 400],
    [
      "a shortcut (Truce has none)",
      () =>
        form({
          type: "shortcut",
          callback_id: "x",
          trigger_id: "1.2.3",
          user: { id: ADMIN },
          team: { id: h.fake.teamId },
        }),
      FORM,
      400,
    ],
    ["an unrelated form", () => "foo=bar&baz=1", FORM, 400],
    ["a command without user_id", () => commandForm().replace(/&user_id=[^&]*/, ""), FORM, 400],
    ["a command with a short user id", () => commandForm({ user_id: "U1" }), FORM, 400],
    [
      "a command with a 400 kB user id",
      () => commandForm({ user_id: `U${"A".repeat(400_000)}` }),
      FORM,
      400,
    ],
    ["a command whose user_id is repeated", () => `${commandForm()}&user_id=${ADMIN}`, FORM, 400],
    ["a command from no channel", () => commandForm({ channel_id: "" }), FORM, 400],
    [
      "a command with a bad response_url",
      () => commandForm({ response_url: "file:///etc/passwd" }),
      FORM,
      400,
    ],
    ["block_actions with actions null", () => form(blockActions({ actions: null })), FORM, 400],
    ["block_actions with no actions", () => form(blockActions({ actions: [] })), FORM, 400],
    ["block_actions with an action null", () => form(blockActions({ actions: [null] })), FORM, 400],
    [
      "block_actions with a numeric action_id",
      () => form(blockActions({ actions: [{ action_id: 1, type: "button" }] })),
      FORM,
      400,
    ],
    ["block_actions whose user is null", () => form(blockActions({ user: null })), FORM, 400],
    ["block_actions whose user is a string", () => form(blockActions({ user: ADMIN })), FORM, 400],
    [
      "block_actions with a 400 kB value",
      () =>
        form(
          blockActions({
            actions: [{ action_id: "open_survey", type: "button", value: "9".repeat(400_000) }],
          }),
        ),
      FORM,
      400,
    ],
    [
      "block_actions without trigger_id",
      () => form(blockActions({ trigger_id: undefined })),
      FORM,
      400,
    ],
    [
      "block_actions whose channel is a number",
      () => form(blockActions({ channel: { id: 42 } })),
      FORM,
      400,
    ],
    [
      "view_submission without a view",
      () =>
        form({
          type: "view_submission",
          user: { id: ADMIN },
          team: { id: h.fake.teamId },
          api_app_id: h.fake.appId,
          trigger_id: "1.2.3",
        }),
      FORM,
      400,
    ],
    [
      "view_submission whose view is null",
      () =>
        form({
          type: "view_submission",
          user: { id: ADMIN },
          team: { id: h.fake.teamId },
          api_app_id: h.fake.appId,
          trigger_id: "1.2.3",
          view: null,
        }),
      FORM,
      400,
    ],
    [
      "view_closed whose user is a number",
      () =>
        form({
          type: "view_closed",
          user: 5,
          team: { id: h.fake.teamId },
          api_app_id: h.fake.appId,
          view: { id: "V0ABCDEF12", type: "modal", callback_id: "survey_submit" },
        }),
      FORM,
      400,
    ],
    ["event_callback with event null", () => eventBody(null), JSON_TYPE, 400],
    ["event_callback with event a string", () => eventBody("app_home_opened"), JSON_TYPE, 400],
    [
      "event_callback without team_id",
      () => eventBody({ type: "app_uninstalled" }, { team_id: undefined }),
      JSON_TYPE,
      400,
    ],
    [
      "app_home_opened whose user is an object",
      () => eventBody({ type: "app_home_opened", user: { id: ADMIN }, tab: "home" }),
      JSON_TYPE,
      400,
    ],
    [
      "app_home_opened from a short user id",
      () => eventBody({ type: "app_home_opened", user: "U1", tab: "home" }),
      JSON_TYPE,
      400,
    ],
    [
      "member_joined_channel in no channel",
      () => eventBody({ type: "member_joined_channel", user: ADMIN, channel: null }),
      JSON_TYPE,
      400,
    ],
    [
      "member_joined_channel with a 400 kB team",
      () =>
        eventBody({
          type: "member_joined_channel",
          user: ADMIN,
          channel: SALES,
          team: `T${"A".repeat(400_000)}`,
        }),
      JSON_TYPE,
      400,
    ],
    [
      "tokens_revoked whose tokens are a string",
      () => eventBody({ type: "tokens_revoked", tokens: "all" }),
      JSON_TYPE,
      400,
    ],
    [
      "url_verification without a challenge",
      () => JSON.stringify({ type: "url_verification" }),
      JSON_TYPE,
      400,
    ],
    [
      "url_verification with a challenge object",
      () => JSON.stringify({ type: "url_verification", challenge: { a: 1 } }),
      JSON_TYPE,
      400,
    ],
  ];

  it.each(corpus.map(([name, body, contentType, status]) => ({ name, body, contentType, status })))(
    "$name → $status",
    async ({ body, contentType, status }) => {
      expect(await post(h.driver.appUrl, body(), contentType)).toBe(status);
    },
  );

  it("stored nothing, called Slack for nothing, and logged no request content", async () => {
    expect(await h.store.responses.counts(roundId)).toEqual({ sales: 0, marketing: 0 });
    expect(h.fake.callsTo("views.open")).toHaveLength(0);
    expect(h.fake.callsTo("chat.postEphemeral")).toHaveLength(0);
    expect(h.fake.callsTo("views.publish")).toHaveLength(0);
    const refusals = h.logger.lines.filter((l) => l.includes("Refused a request"));
    expect(refusals.length).toBeGreaterThanOrEqual(corpus.length);
    expect(refusals.every((l) => l.startsWith("warn "))).toBe(true);
    expect(h.logger.lines.join("\n")).not.toContain(MARKER);
    expect(h.logger.lines.filter((l) => l.startsWith("error "))).toEqual([]);
  });

  it("still answers a well-formed request afterwards", async () => {
    await h.driver.command(ADMIN, SALES, "status");
    expect(h.fake.responses.at(-1)?.text).toContain("Sales n=");
  });
});

describe("the envelope is checked before any listener runs", () => {
  it.each([
    ["a short user id", "U1"],
    ["a numeric user id", 5],
    ["a user id in lowercase", "u0s0001"],
  ])("refuses a survey submission from %s, and stores nothing", async (_name, id) => {
    const [user] = people("sales", 1) as [string];
    const payload = await surveySubmission(user, {
      user: { id, username: "u", name: "u", team_id: h.fake.teamId },
    });
    expect(await post(h.driver.appUrl, form(payload), FORM)).toBe(400);
    expect(await h.store.responses.counts(roundId)).toEqual({ sales: 0, marketing: 0 });
  });

  it("takes the same submission from a real user id", async () => {
    const [user] = people("sales", 1) as [string];
    const payload = await surveySubmission(user);
    expect(await post(h.driver.appUrl, form(payload), FORM)).toBe(200);
    expect(await h.store.responses.counts(roundId)).toEqual({ sales: 1, marketing: 0 });
  });
});

describe("signatures and timestamps", () => {
  const body = () => commandForm();
  it.each<[string, PostOptions]>([
    ["unsigned", { signature: "none" }],
    ["signed with another secret", { signature: "wrong" }],
    ["signed with an unknown version", { signature: "v1" }],
    ["six minutes old", { timestamp: String(nowSec() - 6 * 60) }],
    ["six minutes ahead", { timestamp: String(nowSec() + 6 * 60) }],
    ["a timestamp that is not a number", { timestamp: "soon" }],
    ["a timestamp in milliseconds", { timestamp: String(Date.now()) }],
  ])("refuses a request %s with 401", async (_name, opts) => {
    expect(await post(h.driver.appUrl, body(), FORM, opts)).toBe(401);
  });

  it("refuses a signature over other bytes", async () => {
    const timestamp = String(nowSec());
    const res = await fetch(h.driver.appUrl, {
      method: "POST",
      headers: {
        "content-type": FORM,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign(Buffer.from(commandForm({ text: "help" })), timestamp),
      },
      body: commandForm({ text: "status" }),
    });
    expect(res.status).toBe(401);
  });

  it("answers Slack's unsigned ssl_check with 200, and nothing else unsigned", async () => {
    expect(await post(h.driver.appUrl, "ssl_check=1&token=abc", FORM, { signature: "none" })).toBe(
      200,
    );
    expect(await post(h.driver.appUrl, "ssl_check=1&token=abc", FORM)).toBe(200);
    expect(await post(h.driver.appUrl, `ssl_check=0&${commandForm()}`, FORM)).toBe(400);
  });

  it("answers url_verification with the challenge", async () => {
    const res = await h.driver.urlVerification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7");
    expect(res.body).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7" });
  });
});

describe("size", () => {
  it("refuses a body declared over 512 KiB with 413, signed or not", async () => {
    const big = `payload=${"x".repeat(600 * 1024)}`;
    expect(await post(h.driver.appUrl, big, FORM)).toBe(413);
    expect(await post(h.driver.appUrl, big, FORM, { signature: "none" })).toBe(413);
  });

  // 3.9 MB is under Bolt's own limit: Bolt alone would buffer all of it before answering.
  it("refuses a chunked 3.9 MB body with 413 once it passes 512 KiB", async () => {
    const url = new URL(h.driver.appUrl);
    const timestamp = String(nowSec());
    const TOTAL = 3_900_000;
    let written = 0;
    let answered = false;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            "content-type": JSON_TYPE,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": sign(Buffer.from("whatever"), timestamp),
          },
        },
        (res) => {
          answered = true;
          res.resume();
          resolve(res.statusCode);
          req.destroy();
        },
      );
      req.on("error", (error) => {
        if (!answered) reject(error);
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // 64 KiB at a time, until the answer comes.
      const pump = () => {
        while (written < TOTAL && !answered) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });

  it("takes a body just under the limit, when it is a well-formed command", async () => {
    const text = `help ${"x".repeat(500 * 1024)}`;
    expect(await post(h.driver.appUrl, commandForm({ text }), FORM)).toBe(200);
  });
});

describe("other routes", () => {
  it("keeps GET /healthz, and answers 404 elsewhere", async () => {
    const base = h.driver.appUrl.replace("/slack/events", "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/slack/events`)).status).toBe(404);
    expect((await fetch(`${base}/nowhere`, { method: "POST", body: "x" })).status).toBe(404);
  });
});

describe("the process", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it("stays up when a signed request carries payload=null or a JSON null (npm start)", async () => {
    const fake = await startFakeSlack({
      users: [{ id: LEADER, name: "lee" }],
      channels: [
        { id: SALES, name: "sales", members: [LEADER] },
        { id: MARKETING, name: "marketing", members: [LEADER] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), "truce-alive-"));
    try {
      const env = sandboxEnv(fake, {
        databasePath: join(dir, "truce.db"),
        signingSecret: SIGNING_SECRET,
        salesChannel: SALES,
        marketingChannel: MARKETING,
        leader: LEADER,
      });
      const proc = spawn(
        join(root, "node_modules", ".bin", "tsx"),
        [join(root, "src", "main.ts")],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: dir,
            TRUCE_SECRET: "alive-secret-0123456789",
            ...env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child = proc;
      const exited = new Promise<number | null>((resolve) => proc.once("exit", resolve));
      const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        proc.stdout?.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on port (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`Truce exited (${code}) before listening`)));
      });
      const url = `http://127.0.0.1:${port}/slack/events`;
      expect(await post(url, "payload=null", FORM)).toBe(400);
      expect(await post(url, "null", JSON_TYPE)).toBe(400);
      // Long enough for an unhandled rejection to have ended the process.
      const outcome = await Promise.race([
        exited.then((code) => `exited with ${code}`),
        new Promise((r) => setTimeout(() => r("running"), 500)),
      ]);
      expect(outcome).toBe("running");
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      child?.kill();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
