/**
 * A timing client in a process of its own, for the one-at-a-time comparison with bare Bolt.
 *
 * The bench's own process runs the fake Slack of both apps, builds every payload and checks
 * every reply; its pauses (garbage collection of a heap holding thousands of modals, the
 * fake's work for the app's Web API calls) landed on whichever request was in flight and put
 * 10–40 ms into a few per cent of the samples of either app, so one-at-a-time p99 moved by
 * several milliseconds from run to run. This child does nothing but send the signed requests
 * it is handed, over keep-alive connections, and time each from the request to the reply's
 * last byte: the same clock for both apps, with nothing else on its event loop.
 */
import { spawn } from "node:child_process";
import type { Transport, TransportRequest, TransportResponse } from "../sandbox/driver.js";

/** Run by `node -e`: one message in (a request), one message out (its reply and time). */
const TIMING_CLIENT = `
const http = require("node:http");
const { performance } = require("node:perf_hooks");
const agent = new http.Agent({ keepAlive: true });
process.on("message", ({ id, url, headers, body, timeoutMs }) => {
  const started = performance.now();
  const req = http.request(url, {
    method: "POST",
    agent,
    headers: { ...headers, "content-length": Buffer.byteLength(body) },
    timeout: timeoutMs,
  }, (res) => {
    const chunks = [];
    res.on("data", (chunk) => chunks.push(chunk));
    res.on("end", () => {
      const ms = performance.now() - started;
      const flat = {};
      for (const [name, value] of Object.entries(res.headers))
        flat[name] = Array.isArray(value) ? value.join(", ") : String(value);
      process.send({ id, status: res.statusCode, text: Buffer.concat(chunks).toString(), headers: flat, ms });
    });
  });
  req.on("timeout", () => req.destroy(new Error("no reply within " + timeoutMs + " ms")));
  req.on("error", (error) => process.send({ id, error: String(error) }));
  req.end(body);
});
process.on("disconnect", () => process.exit(0));
`;

type Reply = { id: number } & ({ error: string } | TransportResponse);

export interface TimingClient {
  transport: Transport;
  close(): Promise<void>;
}

export async function startTimingClient(): Promise<TimingClient> {
  const child = spawn(process.execPath, ["-e", TIMING_CLIENT], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const pending = new Map<
    number,
    { resolve: (r: TransportResponse) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if ("error" in message) waiter.reject(new Error(message.error));
    else waiter.resolve(message);
  });
  child.once("exit", (code) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`the timing client exited with ${code}`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  return {
    transport: (request: TransportRequest) =>
      new Promise<TransportResponse>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, ...request });
      }),
    close: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
