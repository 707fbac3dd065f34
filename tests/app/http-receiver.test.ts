import { createHmac } from "node:crypto";
import type { Server } from "node:http";
import { App } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { GatedHTTPReceiver } from "../../src/http/receiver.js";
import { recordingLogger } from "./harness.js";

let receiver: GatedHTTPReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

const portOf = (server: Server) => {
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("not listening");
  return address.port;
};

describe("GatedHTTPReceiver", () => {
  it("leaves Bolt's OAuth routes working behind the gate, given OAuth options", async () => {
    const logger = recordingLogger();
    receiver = new GatedHTTPReceiver({
      signingSecret: "oauth-signing-secret",
      clientId: "1234.5678",
      clientSecret: "client-secret",
      stateSecret: "state-secret",
      scopes: ["commands", "chat:write"],
      logger,
    });
    // No token: Bolt authorizes with the receiver's installer, as with its own receiver.
    const app = new App({ receiver, logger });
    const base = `http://127.0.0.1:${portOf((await app.start(0)) as Server)}`;

    const install = await fetch(`${base}/slack/install`, { redirect: "manual" });
    expect(install.status).toBe(200);
    expect(await install.text()).toContain("https://slack.com/oauth/v2/authorize?");
    const redirect = await fetch(`${base}/slack/oauth_redirect?code=x&state=forged`);
    expect(redirect.status).toBeGreaterThanOrEqual(400);
    expect(redirect.status).toBeLessThan(600);

    // The Slack endpoint is still behind the gate.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = "payload=null";
    const signature = `v0=${createHmac("sha256", "oauth-signing-secret").update(`v0:${timestamp}:${body}`).digest("hex")}`;
    const refused = await fetch(`${base}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
      },
      body,
    });
    expect(refused.status).toBe(400);
  });

  it("takes its limits as options", async () => {
    receiver = new GatedHTTPReceiver({
      signingSecret: "s",
      logger: recordingLogger(),
      limits: { maxBodyBytes: 1024, maxConnections: 3 },
    });
    new App({ receiver, token: "xoxb-unused", tokenVerificationEnabled: false });
    const server = await receiver.start(0);
    expect(server.maxConnections).toBe(3);
    expect(server.requestTimeout).toBe(15_000);
    const res = await fetch(`http://127.0.0.1:${portOf(server)}/slack/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(2048),
    });
    expect(res.status).toBe(413);
  });

  it("verifies and parses each request once, in the gate, and keeps every refusal", async () => {
    const secret = "once-signing-secret";
    const hour = 60 * 60 * 1000;
    // The gate's clock runs an hour behind the real one. A request signed an hour ago is fresh
    // to the gate; Bolt's own check (on the real clock) would refuse it as stale, so a 200 here
    // proves Bolt does not verify it a second time.
    receiver = new GatedHTTPReceiver({
      signingSecret: secret,
      logger: recordingLogger(),
      now: () => Date.now() - hour,
    });
    // Authorized without Slack (a token would be checked with auth.test on every request).
    const app = new App({
      receiver,
      authorize: async () => ({ botToken: "xoxb-unused", botId: "B0ONCE", botUserId: "U0BOT" }),
    });
    const bodies: unknown[] = [];
    app.command("/alignment", async ({ ack, body }) => {
      bodies.push(body);
      await ack("counted");
    });
    const base = `http://127.0.0.1:${portOf((await app.start(0)) as Server)}/slack/events`;
    const post = (
      body: string,
      options: { at?: number; signature?: string; type?: string } = {},
    ) => {
      const timestamp = String(Math.floor((options.at ?? Date.now() - hour) / 1000));
      const signature =
        options.signature ??
        `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
      return fetch(base, {
        method: "POST",
        headers: {
          "content-type": options.type ?? "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": timestamp,
          "x-slack-signature": signature,
        },
        body,
      });
    };
    const command = new URLSearchParams({
      command: "/alignment",
      text: "status",
      team_id: "T0ONCE",
      user_id: "U0ONCE",
      channel_id: "C0ONCE",
      trigger_id: "1.2.abc",
      response_url: "https://hooks.slack.test/commands/1",
    }).toString();

    const accepted = await post(command);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe("counted");
    // The listener got the gate's parse of the form (a plain object; Bolt's own parse of a form
    // has no prototype).
    expect(bodies).toHaveLength(1);
    expect(Object.getPrototypeOf(bodies[0])).toBe(Object.prototype);
    expect(bodies[0]).toMatchObject({ command: "/alignment", text: "status", user_id: "U0ONCE" });

    // Every refusal still happens, in the gate: a wrong signature, a timestamp stale to its
    // clock (the real time is an hour ahead of it), a malformed envelope, a body not JSON.
    expect((await post(command, { signature: `v0=${"0".repeat(64)}` })).status).toBe(401);
    expect((await post(command, { at: Date.now() })).status).toBe(401);
    expect((await post("payload=null")).status).toBe(400);
    expect((await post("{", { type: "application/json" })).status).toBe(400);
    expect(bodies).toHaveLength(1);

    // The URL handshake is answered with its challenge, as Bolt's receiver answers it.
    const handshake = await post(JSON.stringify({ type: "url_verification", challenge: "c-1" }), {
      type: "application/json",
    });
    expect(handshake.status).toBe(200);
    expect(await handshake.json()).toEqual({ challenge: "c-1" });
  });
});
