/**
 * The gate in front of Bolt's HTTP receiver, for requests to the Slack endpoint. Bolt buffers any
 * body up to 4 MB before it looks at the signature, and parses a signed body without checking its
 * shape (a signed `payload=null` used to end the process with an unhandled rejection). Here,
 * cheapest check first, a request must:
 *   1. declare no more than the body limit (413, before a byte of the body is read);
 *   2. be signed with a timestamp within five minutes, in either direction (401, still unread);
 *      only Slack's tiny unsigned `ssl_check` may come without a signature;
 *   3. stay within the limit as it arrives, chunked or not (413: reading stops at the limit);
 *   4. carry a valid signature of its exact bytes (401);
 *   5. parse as UTF-8 JSON or a form, not too deep (400, or 415 for another content type);
 *   6. have a well-formed envelope for its kind (400).
 * Only then is it handed on, with the body the gate parsed and checked: the receiver gives that
 * very object to Bolt's App, so the bytes are verified and parsed once, and the envelope checked
 * is the one the listeners get.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BufferedIncomingMessage, Logger } from "@slack/bolt";
import { formOf, mediaTypeOf, parseSlackBody } from "./body.js";
import { checkEnvelope } from "./envelope.js";

export interface GateLimits {
  /**
   * The largest body taken. Slack's biggest payload is a view submission, which carries the whole
   * view (Slack caps a view at 250 kB) plus its state; twice that leaves room for form encoding.
   */
  maxBodyBytes: number;
  /** The most read from a request without a signature: `ssl_check=1&token=…` is all it can be. */
  maxUnsignedBodyBytes: number;
  /** How far a request's timestamp may be from the clock (Slack's rule: five minutes). */
  maxClockSkewSeconds: number;
}

export const DEFAULT_GATE_LIMITS: GateLimits = {
  maxBodyBytes: 512 * 1024,
  maxUnsignedBodyBytes: 1024,
  maxClockSkewSeconds: 5 * 60,
};

export interface GateOptions {
  signingSecret: string;
  logger: Logger;
  limits?: Partial<GateLimits>;
  /** Milliseconds since the epoch; the real clock, since Slack signs with it. */
  now?: () => number;
}

/** Gets each request that passed, with its parsed, checked body (an object, see envelope.ts). */
export type Handoff = (
  req: BufferedIncomingMessage,
  res: ServerResponse,
  body: Record<string, unknown>,
) => void;

type Outcome = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "aborted" };

/** Buffers the body up to `limit` bytes; past it, stops keeping what arrives. */
function readBody(req: IncomingMessage, limit: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: Outcome) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onClose);
      chunks.length = 0;
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle({ ok: false, reason: "too_large" });
      else chunks.push(chunk);
    };
    const onEnd = () => {
      const body = Buffer.concat(chunks, size);
      settle({ ok: true, body });
    };
    const onAbort = () => settle({ ok: false, reason: "aborted" });
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onClose);
  });
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
};

function declaredLength(req: IncomingMessage): number | "invalid" | undefined {
  const value = header(req, "content-length");
  if (value === undefined) return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : "invalid";
}

/**
 * Slack's `ssl_check=1&token=…`: a few dozen bytes, so a longer body is not read for it (a view
 * submission is some ten kilobytes, and this runs before the signature is checked).
 */
function isSslCheck(raw: Buffer, contentType: string | undefined, maxBytes: number): boolean {
  if (raw.length > maxBytes) return false;
  if (mediaTypeOf(contentType) !== "application/x-www-form-urlencoded") return false;
  return formOf(raw.toString("utf8").split("&"))?.ssl_check === "1";
}

/** Creates the gate; `handoff` gets each request that passed. */
export function createGate(options: GateOptions, handoff: Handoff) {
  const limits = { ...DEFAULT_GATE_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const { logger, signingSecret } = options;

  /** Answers without a body, like Bolt; `close` when the body was not read to its end. */
  const refuse = (res: ServerResponse, status: number, problem: string, close = false) => {
    logger.warn(`Refused a request to the Slack endpoint (HTTP ${status}): ${problem}.`);
    if (res.headersSent) return;
    res.writeHead(status, close ? { connection: "close" } : {});
    res.end();
  };

  function timestampProblem(timestamp: string | undefined): string | undefined {
    if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
      return "the X-Slack-Request-Timestamp header is missing or not a number of seconds";
    }
    const skew = Math.abs(now() / 1000 - Number(timestamp));
    return skew > limits.maxClockSkewSeconds
      ? `the request timestamp is more than ${limits.maxClockSkewSeconds} s from the clock`
      : undefined;
  }

  function validSignature(signature: string | undefined, timestamp: string, raw: Buffer) {
    const match = signature === undefined ? null : /^v0=([0-9a-f]{64})$/.exec(signature);
    if (!match?.[1]) return false;
    const expected = createHmac("sha256", signingSecret)
      .update(`v0:${timestamp}:`)
      .update(raw)
      .digest();
    return timingSafeEqual(Buffer.from(match[1], "hex"), expected);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = declaredLength(req);
    if (declared === "invalid") return refuse(res, 400, "invalid Content-Length", true);
    if (declared !== undefined && declared > limits.maxBodyBytes) {
      return refuse(res, 413, `the body is over ${limits.maxBodyBytes} bytes`, true);
    }
    const signature = header(req, "x-slack-signature");
    const timestamp = header(req, "x-slack-request-timestamp");
    const signed = signature !== undefined || timestamp !== undefined;
    if (signed) {
      const problem = timestampProblem(timestamp);
      if (problem) return refuse(res, 401, problem, true);
    } else if (declared !== undefined && declared > limits.maxUnsignedBodyBytes) {
      return refuse(res, 401, "the request is not signed", true);
    }

    const limit = signed ? limits.maxBodyBytes : limits.maxUnsignedBodyBytes;
    const read = await readBody(req, limit);
    if (!read.ok) {
      if (read.reason === "aborted") return; // the client is gone: nobody to answer
      return signed
        ? refuse(res, 413, `the body is over ${limit} bytes`, true)
        : refuse(res, 401, "the request is not signed", true);
    }
    const raw = read.body;
    const contentType = header(req, "content-type");
    // Slack checks the certificate with this, unsigned; Bolt answers it before verifying too.
    if (isSslCheck(raw, contentType, limits.maxUnsignedBodyBytes)) {
      res.writeHead(200);
      res.end();
      return;
    }
    if (!signed) return refuse(res, 401, "the request is not signed");
    if (!validSignature(signature, timestamp as string, raw)) {
      return refuse(res, 401, "the signature does not match");
    }

    const parsed = parseSlackBody(raw, contentType);
    if (!parsed.ok) return refuse(res, parsed.status, parsed.problem);
    const envelope = checkEnvelope(parsed.body);
    if (!envelope.ok) return refuse(res, 400, `the envelope is malformed: ${envelope.problem}`);

    req.headers["content-type"] = parsed.mediaType;
    handoff(Object.assign(req, { rawBody: raw }), res, parsed.body as Record<string, unknown>);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    // A client that hangs up mid-body must not become an unhandled 'error' event.
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    handle(req, res).catch((error: unknown) => {
      logger.error(
        `The Slack endpoint failed on a request: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (!res.headersSent) {
        res.writeHead(500, { connection: "close" });
        res.end();
      }
    });
  };
}
