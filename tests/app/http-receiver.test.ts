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
});
