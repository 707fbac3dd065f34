/**
 * Socket Mode for the local Slack sandbox: a WebSocket endpoint on the fake Slack's own HTTP server
 * and a driver that plays Slack over it. No test-framework imports and no `ws` dependency: the
 * server side of RFC 6455 that Slack's protocol needs (text frames, ping/pong, close) is below.
 *
 * How Slack does it, and so the sandbox:
 *   1. The app calls `apps.connections.open` with its app-level token (`xapp-…`) and gets a
 *      single-use WebSocket URL (here `ws://127.0.0.1:PORT/socket/<ticket>`).
 *   2. Slack sends `{"type":"hello",…}` on the new connection; Bolt's `start()` resolves on it.
 *   3. Every slash command, interaction and event arrives as an envelope
 *      `{envelope_id, type: "slash_commands"|"interactive"|"events_api", payload,
 *      accepts_response_payload}` and the app acknowledges it by sending back
 *      `{envelope_id, payload?}` within 3 s. The payload replaces the HTTP response body: a
 *      command's message, a view submission's `response_action`.
 *   4. `{"type":"disconnect","reason":"refresh_requested"|"warning"|"link_disabled"}` asks the app
 *      to reconnect with a fresh URL.
 *
 * `SocketModeDriver` is a `SlackDriver` whose transport is the WebSocket: `command`,
 * `blockAction`, `clickButton`, `openModalFromMessage`, `submitView`, `viewClosed`, `event` and
 * `appHomeOpened` build the same payloads as over HTTP, send each in an envelope, wait for the
 * acknowledgement of that `envelope_id` (throwing at 3 s, as Slack gives up), and return it:
 * `body` is the ack payload ("" for an empty ack). A command's ack message goes to
 * `fake.deliverAckMessage`, a view submission's `response_action` to
 * `fake.applyViewSubmissionResponse`, exactly as with HTTP.
 *
 * Usage:
 *   const fake = await startFakeSlack({ users, channels });
 *   const driver = new SocketModeDriver({ fake });   // attach before the app starts
 *   // app: new App({ token: fake.botToken, socketMode: true, appToken: fake.appToken,
 *   //                clientOptions: { slackApiUrl: fake.apiUrl } })
 *   await app.start();
 *   await driver.waitForConnection();
 *   await driver.command("U1", "C1", "help");
 *   …
 *   await app.stop(); await driver.close(); await fake.close();
 */

import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import { isObj, type Obj } from "./block-kit.js";
import { type DriverResponse, type RequestOptions, SlackDriver } from "./driver.js";
import type { FakeSlack } from "./fake-slack.js";

// ---------------------------------------------------------------------------------------------
// A minimal RFC 6455 server connection
// ---------------------------------------------------------------------------------------------

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function websocketAccept(key: string): string {
  return createHash("sha1").update(`${key}${WS_GUID}`).digest("base64");
}

/** Complete the server side of the opening handshake; false (and a 400) when it is not one. */
function handshake(req: IncomingMessage, socket: Duplex): boolean {
  const key = req.headers["sec-websocket-key"];
  const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
  if (upgrade !== "websocket" || typeof key !== "string" || key.length === 0) {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return false;
  }
  if (req.headers["sec-websocket-version"] !== "13") {
    socket.end(
      "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    return false;
  }
  // No extensions (permessage-deflate) and no subprotocol are negotiated, like Slack's endpoint
  // as far as clients can tell: frames are plain.
  socket.write(
    [
      "HTTP/1.1 101 Switching Protocols",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Accept: ${websocketAccept(key)}`,
      "",
      "",
    ].join("\r\n"),
  );
  return true;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

/** One accepted WebSocket: parses the client's (masked) frames, answers pings, closes cleanly. */
class WsConnection {
  onText: (text: string) => void = () => undefined;
  onClose: (code: number, reason: string) => void = () => undefined;
  /** Protocol violations by the client (unmasked frames, bad opcodes, binary messages…). */
  onViolation: (message: string) => void = () => undefined;
  closed = false;

  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closeSent = false;
  /** After a protocol error nothing more is parsed; the connection is closing. */
  private broken = false;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Duplex) {
    if ("setNoDelay" in socket && typeof socket.setNoDelay === "function") socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.finish(1006, "connection lost"));
  }

  get open(): boolean {
    return !this.closed && !this.closeSent;
  }

  sendText(text: string): void {
    if (!this.open) throw new Error("socket-mode: the WebSocket is closing or closed");
    this.socket.write(frame(OP_TEXT, Buffer.from(text, "utf8")));
  }

  /** Start the closing handshake; the TCP connection ends when the client answers (≤ 1 s). */
  close(code = 1000, reason = ""): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(frame(OP_CLOSE, payload));
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.closeTimer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Feed bytes already read with the upgrade request. */
  receive(chunk: Buffer): void {
    if (this.broken) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (!this.closed && !this.broken && this.buffer.length >= 2) {
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      let offset = 2;
      let len = b1 & 0x7f;
      if (len === 126) {
        if (this.buffer.length < 4) return;
        len = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (this.buffer.length < 10) return;
        const big = this.buffer.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE_BYTES)) {
          this.fail(1009, "message too big");
          return;
        }
        len = Number(big);
        offset = 10;
      }
      if ((b1 & 0x80) === 0) {
        this.fail(1002, "client frames must be masked");
        return;
      }
      if (this.buffer.length < offset + 4 + len) return;
      const mask = this.buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(this.buffer.subarray(offset + 4, offset + 4 + len));
      for (let i = 0; i < payload.length; i++) {
        payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      }
      this.buffer = this.buffer.subarray(offset + 4 + len);
      if ((b0 & 0x70) !== 0) {
        this.fail(1002, "no extension was negotiated (RSV bits set)");
        return;
      }
      this.handle(b0 & 0x0f, (b0 & 0x80) !== 0, payload);
    }
  }

  private handle(opcode: number, fin: boolean, payload: Buffer): void {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (this.fragments.length > 0) {
          this.fail(1002, "new message inside a fragmented one");
          return;
        }
        if (fin) {
          this.message(opcode, payload);
          return;
        }
        this.fragmentOpcode = opcode;
        this.fragments.push(payload);
        return;
      case OP_CONTINUATION: {
        if (this.fragments.length === 0) {
          this.fail(1002, "continuation without a message");
          return;
        }
        this.fragments.push(payload);
        if (!fin) return;
        const whole = Buffer.concat(this.fragments);
        this.fragments = [];
        this.message(this.fragmentOpcode, whole);
        return;
      }
      case OP_PING:
        if (!this.closeSent) this.socket.write(frame(OP_PONG, payload));
        return;
      case OP_PONG:
        return;
      case OP_CLOSE: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
        if (!this.closeSent) {
          // Echo the close, then end the TCP connection (the server closes first in RFC 6455).
          this.closeSent = true;
          const echo = Buffer.alloc(2);
          echo.writeUInt16BE(code === 1005 ? 1000 : code, 0);
          this.socket.write(frame(OP_CLOSE, echo));
        }
        this.finish(code, reason);
        this.socket.end();
        return;
      }
      default: {
        this.fail(1002, `unknown opcode ${opcode}`);
        return;
      }
    }
  }

  private message(opcode: number, payload: Buffer): void {
    if (opcode === OP_BINARY) {
      this.onViolation("binary message (Slack's protocol is JSON text)");
      return;
    }
    this.onText(payload.toString("utf8"));
  }

  private fail(code: number, message: string): void {
    this.broken = true;
    this.buffer = Buffer.alloc(0);
    this.onViolation(message);
    this.close(code, message.slice(0, 120));
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.closeTimer);
    this.onClose(code, reason);
  }
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export type DisconnectReason = "warning" | "refresh_requested" | "link_disabled";

export interface SocketModeDriverOptions {
  fake: FakeSlack;
  teamId?: string;
  apiAppId?: string;
  /** The slash command name; default `/alignment`. */
  command?: string;
  /** Slack's acknowledgement deadline; default 3000 ms. */
  ackTimeoutMs?: number;
  /**
   * Spread envelopes over every open connection in turn, as Slack does when an app holds several
   * (several instances, each with its own connection). Default: the newest connection only.
   */
  spread?: boolean;
}

export interface RecordedEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  /** `payload.type` for interactions and events (`block_actions`, `view_submission`, `app_home_opened`…). */
  payloadType: string | undefined;
  acceptsResponsePayload: boolean;
  connection: string;
  sentAt: number;
  /** Set once acknowledged. */
  ack?: { payload: unknown; ackMs: number };
}

interface Connection {
  id: string;
  ws: WsConnection;
  openedAt: number;
}

interface Pending {
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
  connection: string;
}

/**
 * Plays Slack over Socket Mode. Create it before the app starts (it attaches to the fake's
 * WebSocket endpoint), then use it like `SlackDriver`. Request options about HTTP (signatures,
 * timestamps, expected statuses) do not exist in Socket Mode and are refused; `retryNum` and
 * `retryReason` become the envelope's `retry_attempt` and `retry_reason` for events.
 */
export class SocketModeDriver extends SlackDriver {
  /** Every envelope sent, in order, with its acknowledgement. */
  readonly envelopes: RecordedEnvelope[] = [];
  private readonly ackDeadlineMs: number;
  private readonly live = new Map<string, Connection>();
  private readonly pending = new Map<string, Pending>();
  private readonly issued = new Set<string>();
  private connectionsEver = 0;
  private attached = true;
  private readonly spread: boolean;
  private sent = 0;

  constructor(options: SocketModeDriverOptions) {
    super({
      ...options,
      appUrl: `ws://127.0.0.1:${options.fake.port}/socket`,
      signingSecret: "socket-mode-requests-are-not-signed",
    });
    this.ackDeadlineMs = options.ackTimeoutMs ?? 3000;
    this.spread = options.spread ?? false;
    options.fake.onSocketModeUpgrade((req, socket, head, ticket) =>
      this.accept(req, socket, head, ticket),
    );
  }

  /** Open connections that have been sent `hello`. */
  get openConnections(): number {
    return this.live.size;
  }

  /** Connections accepted since the driver was created (reconnections count). */
  get totalConnections(): number {
    return this.connectionsEver;
  }

  /**
   * Resolve once the app holds an open connection (hello sent) and, with `total`, once at least
   * that many connections have been accepted in all (to wait for a reconnection).
   */
  async waitForConnection(opts: { timeoutMs?: number; total?: number } = {}): Promise<void> {
    const total = opts.total ?? 1;
    await this.fake.waitFor(() => this.live.size > 0 && this.connectionsEver >= total, {
      timeoutMs: opts.timeoutMs ?? 5000,
      message: `the app did not connect over Socket Mode (connections: ${this.connectionsEver}, wanted ${total}); failed calls: ${JSON.stringify(this.fake.errors())}`,
    });
  }

  /** Ask the app to reconnect, as Slack does before recycling a server. */
  disconnect(reason: DisconnectReason = "refresh_requested"): void {
    for (const c of this.live.values()) {
      if (!c.ws.open) continue;
      c.ws.sendText(
        JSON.stringify({
          type: "disconnect",
          reason,
          debug_info: { host: `applink-fake-${c.id}` },
        }),
      );
    }
  }

  /**
   * Detach from the fake and close every connection (stop the app first, or it reconnects…
   * and is refused). Resolves when the connections are gone (≤ 1 s).
   */
  async close(): Promise<void> {
    if (this.attached) {
      this.attached = false;
      this.fake.onSocketModeUpgrade(undefined);
    }
    for (const [id, p] of this.pending) {
      p.reject(new Error(`SocketModeDriver: closed before envelope ${id} was acknowledged`));
    }
    this.pending.clear();
    const all = [...this.live.values()];
    for (const c of all) c.ws.close(1001, "going away");
    const deadline = Date.now() + CLOSE_GRACE_MS + 200;
    while (all.some((c) => !c.ws.closed) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const c of all) if (!c.ws.closed) c.ws.destroy();
  }

  // ---- transport ---------------------------------------------------------------------------

  /**
   * Carry what `SlackDriver` would POST as a Socket Mode envelope: a form with `payload` is an
   * `interactive` envelope, any other form a `slash_commands` one, an `event_callback` JSON body
   * an `events_api` one. Resolves with the acknowledgement: `body` is the ack payload ("" when
   * empty), `status` is always 200.
   */
  override async send(
    rawBody: string,
    contentType: string,
    opts: RequestOptions = {},
  ): Promise<DriverResponse> {
    const http = (
      ["badSignature", "unsigned", "staleTimestamp", "timestamp", "expectStatus"] as const
    )
      .filter((k) => opts[k] !== undefined && opts[k] !== false)
      .join(", ");
    if (http) {
      throw new Error(
        `SocketModeDriver: ${http} ${http.includes(",") ? "are" : "is"} about HTTP requests; Socket Mode envelopes are not signed and have no status`,
      );
    }
    let type: EnvelopeType;
    let payload: Obj;
    if (contentType.includes("application/x-www-form-urlencoded")) {
      const form = new URLSearchParams(rawBody);
      const interactive = form.get("payload");
      if (interactive !== null) {
        type = "interactive";
        payload = JSON.parse(interactive) as Obj;
      } else {
        type = "slash_commands";
        payload = Object.fromEntries(form);
      }
    } else {
      const body: unknown = JSON.parse(rawBody);
      if (!isObj(body)) throw new Error("SocketModeDriver: a JSON body must be an object");
      if (body.type === "url_verification") {
        throw new Error("SocketModeDriver: Socket Mode has no url_verification handshake");
      }
      if (body.type !== "event_callback") {
        throw new Error(
          `SocketModeDriver: cannot carry a ${String(body.type)} body in Socket Mode`,
        );
      }
      type = "events_api";
      payload = body;
    }
    const extra: Obj = {};
    if (type === "events_api") {
      extra.retry_attempt = opts.retryNum ?? 0;
      extra.retry_reason = opts.retryReason ?? "";
    }
    const { ack, ackMs } = await this.sendEnvelope(type, payload, extra);
    const empty = ack === undefined || (isObj(ack) && Object.keys(ack).length === 0);
    return {
      status: 200,
      body: empty ? "" : ack,
      text: empty ? "" : JSON.stringify(ack),
      ackMs,
      headers: {},
    };
  }

  /**
   * Send one envelope on the newest connection (or, spreading, on the next open one in turn)
   * and wait for its acknowledgement.
   */
  async sendEnvelope(
    type: EnvelopeType,
    payload: Obj,
    extra: Obj = {},
  ): Promise<{ envelopeId: string; ack: unknown; ackMs: number }> {
    const open = [...this.live.values()].filter((c) => c.ws.open);
    const connection = this.spread
      ? open[this.sent++ % Math.max(open.length, 1)]
      : [...this.live.values()].at(-1);
    if (!connection) {
      throw new Error(
        "SocketModeDriver: the app is not connected over Socket Mode (start it, then await waitForConnection())",
      );
    }
    const envelopeId = randomUUID();
    const payloadType = typeof payload.type === "string" ? payload.type : undefined;
    // Slack takes a response payload for commands, view submissions and options requests only.
    const acceptsResponsePayload =
      type === "slash_commands" ||
      (type === "interactive" &&
        (payloadType === "view_submission" || payloadType === "block_suggestion"));
    const record: RecordedEnvelope = {
      envelopeId,
      type,
      payloadType:
        type === "events_api" && isObj(payload.event) ? String(payload.event.type) : payloadType,
      acceptsResponsePayload,
      connection: connection.id,
      sentAt: Date.now(),
    };
    this.envelopes.push(record);
    this.issued.add(envelopeId);

    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<unknown>((resolve, reject) => {
      this.pending.set(envelopeId, { resolve, reject, connection: connection.id });
      timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(
          new Error(
            `SocketModeDriver: no acknowledgement of ${type} envelope ${envelopeId} within ${this.ackDeadlineMs} ms (Slack gives up at ${this.ackDeadlineMs} ms)`,
          ),
        );
      }, this.ackDeadlineMs);
    });
    connection.ws.sendText(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: acceptsResponsePayload,
        ...extra,
      }),
    );
    let ack: unknown;
    try {
      ack = await acked;
    } finally {
      clearTimeout(timer);
    }
    const ackMs = performance.now() - started;
    record.ack = { payload: ack, ackMs };
    if (ackMs >= this.ackDeadlineMs) {
      throw new Error(
        `SocketModeDriver: the app took ${Math.round(ackMs)} ms to acknowledge; Slack gives up at ${this.ackDeadlineMs} ms`,
      );
    }
    return { envelopeId, ack, ackMs };
  }

  // ---- connections -------------------------------------------------------------------------

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, ticket: string): void {
    if (!handshake(req, socket)) {
      this.problem("websocket_handshake_failed");
      return;
    }
    const ws = new WsConnection(socket);
    const id = ticket.slice(0, 8);
    const connection: Connection = { id, ws, openedAt: Date.now() };
    ws.onViolation = (message) => this.problem("protocol_violation", [message]);
    ws.onText = (text) => this.onAppMessage(connection, text);
    ws.onClose = () => {
      this.live.delete(id);
      for (const [envelopeId, p] of this.pending) {
        if (p.connection !== id) continue;
        this.pending.delete(envelopeId);
        p.reject(
          new Error(
            `SocketModeDriver: the connection closed before envelope ${envelopeId} was acknowledged`,
          ),
        );
      }
    };
    if (head.length > 0) ws.receive(head);
    this.connectionsEver += 1;
    this.live.set(id, connection);
    ws.sendText(
      JSON.stringify({
        type: "hello",
        num_connections: this.live.size,
        debug_info: {
          host: `applink-fake-${id}`,
          build_number: 1,
          approximate_connection_time: 18060,
        },
        connection_info: { app_id: this.apiAppId },
      }),
    );
  }

  private onAppMessage(connection: Connection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.problem("invalid_json", [text.slice(0, 200)]);
      return;
    }
    if (!isObj(message) || typeof message.envelope_id !== "string") {
      this.problem("invalid_message", [
        `expected {envelope_id, payload?}, got ${text.slice(0, 200)}`,
      ]);
      return;
    }
    const envelopeId = message.envelope_id;
    const pending = this.pending.get(envelopeId);
    if (!pending) {
      // A late ack (after the deadline) already failed its call; anything else is a bug.
      if (!this.issued.has(envelopeId)) this.problem("unknown_envelope_id", [envelopeId]);
      return;
    }
    if (pending.connection !== connection.id) {
      this.problem("ack_on_another_connection", [envelopeId]);
    }
    this.pending.delete(envelopeId);
    pending.resolve(message.payload);
  }

  private problem(error: string, messages?: string[]): void {
    const p: Parameters<FakeSlack["recordProblem"]>[0] = {
      source: "socket_mode",
      method: "websocket",
      error,
    };
    if (messages) p.messages = messages;
    this.fake.recordProblem(p);
  }
}
