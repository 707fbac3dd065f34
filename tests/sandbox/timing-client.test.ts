import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackDriver } from "../../sandbox/driver.js";
import { startFakeSlack } from "../../sandbox/fake-slack.js";
import { startTimingClient, type TimingClient } from "../../scripts/bench-timing-client.js";

/** The bench's timing client: another process sends the request; the reply comes back whole. */
describe("the bench's timing client", () => {
  let server: Server;
  let url: string;
  let client: TimingClient;
  const seen: { headers: IncomingMessage["headers"]; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(req.url === "/missing" ? 404 : 200, {
          "content-type": "application/json",
          "x-echo-length": String(Buffer.byteLength(body)),
        });
        res.end(JSON.stringify({ got: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = await startTimingClient();
  });

  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends the body and headers as given and returns the status, text, headers and time", async () => {
    const body = "payload=%7B%22a%22%3A%22%C3%A9%22%7D";
    const reply = await client.transport({
      url: `${url}/slack/events`,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-signature": "v0=ab",
      },
      body,
      timeoutMs: 5_000,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ got: body });
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["x-echo-length"]).toBe(String(body.length));
    expect(reply.ms).toBeGreaterThan(0);
    const last = seen[seen.length - 1];
    expect(last?.body).toBe(body);
    expect(last?.headers["x-slack-signature"]).toBe("v0=ab");
    expect(last?.headers["content-length"]).toBe(String(body.length));
  });

  it("gives a SlackDriver the same response as its own fetch, status checks included", async () => {
    const fake = await startFakeSlack();
    try {
      const viaClient = new SlackDriver({
        appUrl: `${url}/slack/events`,
        signingSecret: "s3cret",
        fake,
        transport: client.transport,
      });
      const viaFetch = new SlackDriver({
        appUrl: `${url}/slack/events`,
        signingSecret: "s3cret",
        fake,
      });
      const a = await viaClient.send('{"type":"x"}', "application/json");
      const b = await viaFetch.send('{"type":"x"}', "application/json");
      expect(a.status).toBe(b.status);
      expect(a.body).toEqual(b.body);
      expect(a.text).toBe(b.text);
      expect(a.headers["x-echo-length"]).toBe(b.headers["x-echo-length"]);
      const missing = new SlackDriver({
        appUrl: `${url}/missing`,
        signingSecret: "s3cret",
        fake,
        transport: client.transport,
      });
      await expect(missing.send("{}", "application/json")).rejects.toThrow(
        /expected HTTP 2xx from the app, got 404/,
      );
    } finally {
      await fake.close();
    }
  });

  it("rejects when nothing listens, and keeps serving the next request", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      client.transport({
        url: `http://127.0.0.1:${port}/`,
        headers: {},
        body: "",
        timeoutMs: 2_000,
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
    const reply = await client.transport({ url, headers: {}, body: "again", timeoutMs: 2_000 });
    expect(JSON.parse(reply.text)).toEqual({ got: "again" });
  });
});
