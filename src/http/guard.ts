import type { AnyMiddlewareArgs, Logger, Middleware } from "@slack/bolt";
import { checkEnvelope } from "./envelope.js";

/**
 * The envelope check as a global Bolt middleware, for requests that do not come through the HTTP
 * gate (Socket Mode). A malformed request is dropped: no listener runs and nothing is
 * acknowledged (Bolt has already acknowledged an event). The log line names the problem by
 * field, never by content: a survey submission carries someone's ratings.
 */
export function refuseMalformedEnvelopes(logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const envelope = checkEnvelope(body);
    if (!envelope.ok) {
      logger.warn(`Dropped a request with a malformed envelope: ${envelope.problem}.`);
      return;
    }
    await next();
  };
}
