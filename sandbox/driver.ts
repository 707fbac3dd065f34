/**
 * SlackDriver: plays Slack calling the app. Every request is signed exactly like Slack signs
 * it, its acknowledgement time is measured (Slack gives up at 3 s) and interactions carry the
 * trigger_ids and response_urls that the fake Slack issued, so the app's follow-up Web API calls
 * are checked against Slack's rules.
 *
 * No test-framework imports: usable from vitest and from a demo script.
 *
 * Usage:
 *   const driver = new SlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret, fake });
 *   await driver.command("U1", "C1", "launch 7");
 *   const invite = fake.messagesIn("C1")[0];
 *   const modal = await driver.openModalFromMessage("U2", "C1", invite.ts, "open_survey");
 *   await driver.submitView("U2", modal.id, { q1: "4", side: "sales" });
 *
 * Every call throws when the app answers non-2xx (unless `expectStatus` says otherwise) or takes
 * ≥ 3 s to acknowledge, and when the app's acknowledgement would be rejected by Slack (an invalid
 * message in a command ack, an invalid `response_action`) unless `allowInvalidResponse` is set.
 */

import { createHmac, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { elementOptions, findElements, isObj, type Obj } from "./block-kit.js";
import type {
  FakeSlack,
  RecordedEphemeral,
  RecordedMessage,
  RecordedResponse,
  StoredView,
  ViewResponseOutcome,
} from "./fake-slack.js";

/** Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`). */
export function signSlackRequest(
  signingSecret: string,
  timestamp: number | string,
  rawBody: string,
): string {
  const base = `v0:${timestamp}:${rawBody}`;
  return `v0=${createHmac("sha256", signingSecret).update(base).digest("hex")}`;
}

export interface SlackDriverOptions {
  /** e.g. `http://127.0.0.1:PORT/slack/events` */
  appUrl: string;
  signingSecret: string;
  fake: FakeSlack;
  teamId?: string;
  apiAppId?: string;
  /**
   * The workspace's Enterprise Grid organisation; default the fake's (`enterpriseId` option).
   * Payloads then carry it (`enterprise`, `enterprise_id`, `team.enterprise_id`) as Slack's do.
   */
  enterpriseId?: string | null;
  enterpriseName?: string;
  /**
   * Whether the app is installed organisation-wide (`is_enterprise_install`; events then name no
   * team in `authorizations`). A function is asked at every request, so a grid can answer for the
   * installation of the moment. Default false.
   */
  enterpriseInstall?: boolean | (() => boolean);
  /** The slash command name; default `/alignment`. */
  command?: string;
  /** Slack's acknowledgement deadline; default 3000 ms. */
  ackTimeoutMs?: number;
  /**
   * How a signed request reaches the app and is timed; default `fetch` in this process. The
   * bench times from a small process of its own, away from this one's pauses (the fake's work,
   * its garbage collection), which would otherwise land on whichever request is in flight.
   */
  transport?: Transport;
}

/** One signed POST to the app, and how long its acknowledgement took (ms). */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

export interface TransportRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  text: string;
  headers: Record<string, string>;
  ms: number;
}

/** The default transport: `fetch`, timed from the request to the last byte of the reply. */
export const fetchTransport: Transport = async ({ url, headers, body, timeoutMs }) => {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    headers: Object.fromEntries(res.headers.entries()),
    ms: performance.now() - started,
  };
};

export interface RequestOptions {
  /** Sign with the wrong secret. */
  badSignature?: boolean;
  /** Send no signature headers at all. */
  unsigned?: boolean;
  /** Use a timestamp more than 5 minutes old (6 minutes). */
  staleTimestamp?: boolean;
  /** Explicit `X-Slack-Request-Timestamp` (seconds). */
  timestamp?: number;
  retryNum?: number;
  retryReason?: string;
  /** Expect exactly this HTTP status instead of any 2xx (e.g. 401 for signature tests). */
  expectStatus?: number;
  /** Do not throw when the app's reply would be rejected by Slack (invalid blocks, bad response_action…). */
  allowInvalidResponse?: boolean;
}

export interface DriverResponse {
  status: number;
  /** Parsed JSON when the reply is JSON, else the raw text ("" for an empty ack). */
  body: unknown;
  text: string;
  ackMs: number;
  headers: Record<string, string>;
}

export interface InteractionResponse extends DriverResponse {
  triggerId: string;
  responseUrl?: string;
  payload: Obj;
  /** For commands answered with a message in the acknowledgement. */
  ackMessage?: RecordedResponse;
}

export interface SubmitResponse extends InteractionResponse {
  outcome: ViewResponseOutcome;
}

export interface SelectedOptionInput {
  text: string;
  value: string;
}

export interface BlockActionOptions extends RequestOptions {
  actionId: string;
  blockId?: string;
  /** Element type; default `button`. */
  type?: string;
  value?: string;
  /** Button label (for `text` in the action). */
  text?: string;
  channelId?: string;
  messageTs?: string;
  isEphemeral?: boolean;
  /** A view id (or stored view): the action happened inside that view. */
  view?: string | StoredView;
  selectedOption?: SelectedOptionInput;
  selectedOptions?: SelectedOptionInput[];
}

export interface SubmitOptions extends RequestOptions {
  /** Send empty required inputs anyway (Slack's client would block the submission). */
  allowEmptyRequired?: boolean;
}

export type SubmitValue = string | string[] | number | null;

export class SlackDriver {
  readonly appUrl: string;
  readonly fake: FakeSlack;
  readonly teamId: string;
  readonly apiAppId: string;
  readonly commandName: string;
  readonly enterpriseId: string | null;
  readonly enterpriseName: string | undefined;
  private readonly signingSecret: string;
  private readonly ackTimeoutMs: number;
  private readonly enterpriseInstall: boolean | (() => boolean);
  private readonly transport: Transport;

  constructor(options: SlackDriverOptions) {
    this.appUrl = options.appUrl;
    this.transport = options.transport ?? fetchTransport;
    this.signingSecret = options.signingSecret;
    this.fake = options.fake;
    this.teamId = options.teamId ?? options.fake.teamId;
    this.apiAppId = options.apiAppId ?? options.fake.appId;
    this.commandName = options.command ?? "/alignment";
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.enterpriseId =
      options.enterpriseId === undefined
        ? (options.fake.enterpriseId ?? null)
        : options.enterpriseId;
    this.enterpriseName =
      options.enterpriseName ?? (this.enterpriseId ? options.fake.enterpriseName : undefined);
    this.enterpriseInstall = options.enterpriseInstall ?? false;
  }

  /** Whether the payloads say the app is installed organisation-wide (right now). */
  isEnterpriseInstall(): boolean {
    return typeof this.enterpriseInstall === "function"
      ? this.enterpriseInstall()
      : this.enterpriseInstall;
  }

  // ---- transport ---------------------------------------------------------------------------

  /** POST a raw body to the app, signed like Slack; measures the acknowledgement. */
  async send(
    rawBody: string,
    contentType: string,
    opts: RequestOptions = {},
  ): Promise<DriverResponse> {
    const nowSec = Math.floor(Date.now() / 1000);
    const ts = opts.timestamp ?? (opts.staleTimestamp ? nowSec - 6 * 60 : nowSec);
    const headers: Record<string, string> = {
      "content-type": contentType,
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    };
    if (!opts.unsigned) {
      const secret = opts.badSignature ? `${this.signingSecret}-wrong` : this.signingSecret;
      headers["x-slack-request-timestamp"] = String(ts);
      headers["x-slack-signature"] = signSlackRequest(secret, ts, rawBody);
    }
    if (opts.retryNum !== undefined) headers["x-slack-retry-num"] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers["x-slack-retry-reason"] = opts.retryReason;

    const started = performance.now();
    let res: TransportResponse;
    try {
      res = await this.transport({
        url: this.appUrl,
        headers,
        body: rawBody,
        timeoutMs: this.ackTimeoutMs + 500,
      });
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      throw new Error(
        `SlackDriver: no acknowledgement from ${this.appUrl} after ${ms} ms (Slack gives up at ${this.ackTimeoutMs} ms): ${String(err)}`,
      );
    }
    const { text, ms: ackMs } = res;
    if (ackMs >= this.ackTimeoutMs) {
      throw new Error(
        `SlackDriver: the app took ${Math.round(ackMs)} ms to acknowledge; Slack gives up at ${this.ackTimeoutMs} ms`,
      );
    }
    const status = res.status;
    const expected = opts.expectStatus;
    if (expected !== undefined ? status !== expected : status < 200 || status >= 300) {
      throw new Error(
        `SlackDriver: expected HTTP ${expected ?? "2xx"} from the app, got ${status}: ${text.slice(0, 500)}`,
      );
    }
    let body: unknown = text;
    const ct = res.headers["content-type"] ?? "";
    if (text.length > 0 && (ct.includes("json") || /^\s*[{[]/.test(text))) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status, body, text, ackMs, headers: res.headers };
  }

  private sendForm(fields: Record<string, string>, opts: RequestOptions): Promise<DriverResponse> {
    return this.send(
      new URLSearchParams(fields).toString(),
      "application/x-www-form-urlencoded",
      opts,
    );
  }

  private sendPayload(payload: Obj, opts: RequestOptions): Promise<DriverResponse> {
    return this.sendForm({ payload: JSON.stringify(payload) }, opts);
  }

  private sendJson(body: Obj, opts: RequestOptions): Promise<DriverResponse> {
    return this.send(JSON.stringify(body), "application/json", opts);
  }

  // ---- payload pieces ----------------------------------------------------------------------

  private userObj(userId: string): Obj {
    const u = this.fake.user(userId);
    const name = u?.name ?? userId.toLowerCase();
    return { id: userId, username: name, name, team_id: this.teamId };
  }

  private teamObj(): Obj {
    const team: Obj = { id: this.teamId, domain: this.fake.teamDomain };
    if (this.enterpriseId) {
      team.enterprise_id = this.enterpriseId;
      team.enterprise_name = this.enterpriseName ?? this.enterpriseId;
    }
    return team;
  }

  private enterpriseObj(): Obj | null {
    return this.enterpriseId
      ? { id: this.enterpriseId, name: this.enterpriseName ?? this.enterpriseId }
      : null;
  }

  private channelName(channelId: string): string {
    const ch = this.fake.channel(channelId);
    if (ch?.isIm || channelId.startsWith("D")) return "directmessage";
    return ch?.name ?? "unknown-channel";
  }

  private messageJson(m: RecordedMessage): Obj {
    const json: Obj = {
      type: "message",
      user: m.user,
      ts: m.ts,
      text: m.text ?? "",
      team: this.teamId,
    };
    if (m.bot_id) {
      json.bot_id = m.bot_id;
      json.app_id = this.apiAppId;
    }
    if (m.blocks) json.blocks = m.blocks;
    if (m.thread_ts) json.thread_ts = m.thread_ts;
    if (m.metadata) json.metadata = m.metadata;
    return json;
  }

  // ---- slash commands ----------------------------------------------------------------------

  /** Run the slash command (`/alignment <text>`) as `userId` in `channelId`. */
  async command(
    userId: string,
    channelId: string,
    text: string,
    opts: RequestOptions & { command?: string } = {},
  ): Promise<InteractionResponse> {
    const ch = this.fake.channel(channelId);
    if (ch && !ch.members.has(userId)) {
      throw new Error(
        `SlackDriver: ${userId} is not a member of ${channelId}; add them to the channel in the fake first`,
      );
    }
    const triggerId = this.fake.newTriggerId(userId);
    const responseUrl = this.fake.newResponseUrl({ channel: channelId, user: userId });
    const fields: Record<string, string> = {
      token: "deprecated-verification-token",
      team_id: this.teamId,
      team_domain: this.fake.teamDomain,
      channel_id: channelId,
      channel_name: this.channelName(channelId),
      user_id: userId,
      user_name: this.fake.user(userId)?.name ?? userId.toLowerCase(),
      command: opts.command ?? this.commandName,
      text,
      api_app_id: this.apiAppId,
      is_enterprise_install: String(this.isEnterpriseInstall()),
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    if (this.enterpriseId) {
      fields.enterprise_id = this.enterpriseId;
      fields.enterprise_name = this.enterpriseName ?? this.enterpriseId;
    }
    const res = await this.sendForm(fields, opts);
    const out: InteractionResponse = { ...res, triggerId, responseUrl, payload: fields };
    if (res.text.trim().length > 0) {
      const ack = this.fake.deliverAckMessage({ channel: channelId, user: userId }, res.body);
      out.ackMessage = ack;
      if (!ack.ok && !opts.allowInvalidResponse) {
        throw new Error(
          `SlackDriver: Slack would reject the command's acknowledgement message: ${ack.error} ${(ack.messages ?? []).join("; ")}`,
        );
      }
    }
    return out;
  }

  // ---- block actions -----------------------------------------------------------------------

  /** Send a `block_actions` interaction. */
  async blockAction(userId: string, o: BlockActionOptions): Promise<InteractionResponse> {
    const triggerId = this.fake.newTriggerId(userId);
    const action: Obj = {
      action_id: o.actionId,
      block_id: o.blockId ?? "",
      type: o.type ?? "button",
      action_ts: (Date.now() / 1000).toFixed(6),
    };
    if (o.value !== undefined) action.value = o.value;
    if (o.text !== undefined) action.text = { type: "plain_text", text: o.text, emoji: true };
    if (o.selectedOption) action.selected_option = optionJson(o.selectedOption);
    if (o.selectedOptions) action.selected_options = o.selectedOptions.map(optionJson);
    const payload: Obj = {
      type: "block_actions",
      user: this.userObj(userId),
      api_app_id: this.apiAppId,
      token: "deprecated-verification-token",
      trigger_id: triggerId,
      team: this.teamObj(),
      enterprise: this.enterpriseObj(),
      is_enterprise_install: this.isEnterpriseInstall(),
      actions: [action],
    };
    let responseUrl: string | undefined;
    if (o.view !== undefined) {
      const stored = typeof o.view === "string" ? this.fake.views.get(o.view) : o.view;
      if (!stored) throw new Error(`SlackDriver: no view ${String(o.view)} in the fake`);
      const current = this.fake.views.get(stored.id) ?? stored;
      payload.container = { type: "view", view_id: current.id };
      payload.view = current.view;
    } else if (o.channelId !== undefined) {
      const isEphemeral = o.isEphemeral ?? false;
      payload.container = {
        type: "message",
        message_ts: o.messageTs ?? "",
        channel_id: o.channelId,
        is_ephemeral: isEphemeral,
      };
      payload.channel = { id: o.channelId, name: this.channelName(o.channelId) };
      const msg = o.messageTs ? this.fake.message(o.channelId, o.messageTs) : undefined;
      if (msg && !isEphemeral) payload.message = this.messageJson(msg);
      payload.state = { values: {} };
      const ctx: Parameters<FakeSlack["newResponseUrl"]>[0] = {
        channel: o.channelId,
        user: userId,
        isEphemeral,
      };
      if (o.messageTs) ctx.messageTs = o.messageTs;
      responseUrl = this.fake.newResponseUrl(ctx);
      payload.response_url = responseUrl;
    } else {
      throw new Error("SlackDriver.blockAction: give either channelId (+messageTs) or view");
    }
    const res = await this.sendPayload(payload, o);
    const out: InteractionResponse = { ...res, triggerId, payload };
    if (responseUrl) out.responseUrl = responseUrl;
    return out;
  }

  /**
   * Click the button `actionId` in a recorded message (channel message, or an ephemeral one the
   * user sees). Fails loudly when there is no such message or button.
   */
  async clickButton(
    userId: string,
    channelId: string,
    messageTs: string,
    actionId: string,
    opts: RequestOptions & { where?: (value: string | undefined) => boolean } = {},
  ): Promise<InteractionResponse> {
    const found = this.findMessage(userId, channelId, messageTs);
    // Several buttons may share an action id (one Adopt per suggestion): `where` picks by value.
    const button = findElements(found.blocks).find(
      (e) =>
        e.type === "button" &&
        e.actionId === actionId &&
        (opts.where === undefined ||
          opts.where(typeof e.element.value === "string" ? e.element.value : undefined)),
    );
    if (!button) {
      const ids = findElements(found.blocks)
        .map((e) => `${e.type}:${e.actionId ?? "?"}`)
        .join(", ");
      throw new Error(
        `SlackDriver: no button "${actionId}" in message ${channelId}/${messageTs} (elements: ${ids || "none"})`,
      );
    }
    const label = isObj(button.element.text) ? String(button.element.text.text ?? "") : undefined;
    const { where: _, ...request } = opts;
    const o: BlockActionOptions = {
      ...request,
      actionId,
      type: "button",
      channelId,
      messageTs,
      isEphemeral: found.isEphemeral,
    };
    if (button.blockId !== undefined) o.blockId = button.blockId;
    if (typeof button.element.value === "string") o.value = button.element.value;
    if (label !== undefined) o.text = label;
    return this.blockAction(userId, o);
  }

  /** Click a button inside an open view (modal or Home tab). */
  async clickViewButton(
    userId: string,
    viewId: string,
    actionId: string,
    opts: RequestOptions = {},
  ): Promise<InteractionResponse> {
    const stored =
      this.fake.views.get(viewId) ?? [...this.fake.homeViews.values()].find((v) => v.id === viewId);
    if (!stored?.open) throw new Error(`SlackDriver: view ${viewId} is not open`);
    if (stored.userId !== undefined && stored.userId !== userId) {
      throw new Error(`SlackDriver: view ${viewId} belongs to ${stored.userId}, not ${userId}`);
    }
    const button = findElements(stored.view.blocks).find(
      (e) => e.type === "button" && e.actionId === actionId,
    );
    if (!button) throw new Error(`SlackDriver: no button "${actionId}" in view ${viewId}`);
    const o: BlockActionOptions = { ...opts, actionId, type: "button", view: stored };
    if (button.blockId !== undefined) o.blockId = button.blockId;
    if (typeof button.element.value === "string") o.value = button.element.value;
    if (isObj(button.element.text)) o.text = String(button.element.text.text ?? "");
    return this.blockAction(userId, o);
  }

  private findMessage(
    userId: string,
    channelId: string,
    messageTs: string,
  ): { blocks: unknown[] | undefined; isEphemeral: boolean } {
    const msg: RecordedMessage | undefined = this.fake.message(channelId, messageTs);
    if (msg && !msg.deleted) return { blocks: msg.blocks, isEphemeral: false };
    const eph: RecordedEphemeral | undefined = this.fake
      .ephemeralsFor(userId, channelId)
      .find((e) => e.ts === messageTs);
    if (eph) return { blocks: eph.blocks, isEphemeral: true };
    throw new Error(`SlackDriver: ${userId} sees no message ${messageTs} in ${channelId}`);
  }

  /** Click a message button, then wait (≤ 2 s) for the app to open a modal for the user. */
  async openModalFromMessage(
    userId: string,
    channelId: string,
    messageTs: string,
    actionId: string,
    opts: RequestOptions & { where?: (value: string | undefined) => boolean } = {},
  ): Promise<StoredView> {
    const before = new Set(this.fake.viewsOf(userId).map((v) => v.id));
    await this.clickButton(userId, channelId, messageTs, actionId, opts);
    return this.waitForNewModal(userId, before, `a modal after clicking "${actionId}"`);
  }

  /** Run the slash command, then wait (≤ 2 s) for the app to open a modal for the user. */
  async openModalFromCommand(
    userId: string,
    channelId: string,
    text: string,
    opts: RequestOptions = {},
  ): Promise<StoredView> {
    const before = new Set(this.fake.viewsOf(userId).map((v) => v.id));
    await this.command(userId, channelId, text, opts);
    return this.waitForNewModal(userId, before, `a modal after "${this.commandName} ${text}"`);
  }

  private waitForNewModal(userId: string, before: Set<string>, what: string): Promise<StoredView> {
    return this.fake.waitFor(
      () => this.fake.viewsOf(userId).find((v) => !before.has(v.id) && v.open),
      {
        timeoutMs: 2000,
        message: `${what}: no modal opened for ${userId}; failed calls: ${JSON.stringify(this.fake.errors())}`,
      },
    );
  }

  // ---- view submission ---------------------------------------------------------------------

  /**
   * Submit the user's open modal `viewId` with `values` keyed by input block_id: a string for
   * single choices and text inputs (an option *value* for radio buttons and selects), a string
   * array for checkboxes and multi-selects. The payload is built from the view the fake stores,
   * shaped like Slack's `view_submission`. The app's `response_action` is applied to the fake.
   */
  /** A view_submission payload as Slack shapes it, for `view` (with its state) by `userId`. */
  private viewSubmission(userId: string, view: Obj): Obj {
    return {
      type: "view_submission",
      team: this.teamObj(),
      user: this.userObj(userId),
      api_app_id: this.apiAppId,
      token: "deprecated-verification-token",
      trigger_id: this.fake.newTriggerId(userId),
      view,
      response_urls: [],
      is_enterprise_install: this.isEnterpriseInstall(),
      enterprise: this.enterpriseObj(),
    };
  }

  /**
   * A view_submission Slack would not send: `userId` submits a copy of someone else's view (its
   * callback and private metadata) with `values`. For proving that the app checks, on the
   * server, who may do what, whatever payload arrives. Returns the raw acknowledgement.
   */
  async submitForgedView(
    userId: string,
    view: StoredView,
    values: Record<string, SubmitValue>,
  ): Promise<DriverResponse> {
    const payload = this.viewSubmission(userId, {
      ...view.view,
      id: view.id,
      state: { values: buildStateValues(view.view, values, true) },
    });
    return this.sendPayload(payload, {});
  }

  async submitView(
    userId: string,
    viewId: string,
    values: Record<string, SubmitValue>,
    opts: SubmitOptions = {},
  ): Promise<SubmitResponse> {
    const stored = this.fake.views.get(viewId);
    if (!stored) throw new Error(`SlackDriver: no view ${viewId} in the fake`);
    if (!stored.open) throw new Error(`SlackDriver: view ${viewId} is closed`);
    if (stored.userId !== userId) {
      throw new Error(
        `SlackDriver: view ${viewId} belongs to ${String(stored.userId)}, not ${userId}`,
      );
    }
    const top = this.fake.lastView(userId);
    if (top?.id !== viewId) {
      throw new Error(`SlackDriver: view ${viewId} is not the top of ${userId}'s modal stack`);
    }
    if (stored.view.submit === null || stored.view.submit === undefined) {
      throw new Error(`SlackDriver: view ${viewId} has no submit button`);
    }
    const state = buildStateValues(stored.view, values, opts.allowEmptyRequired ?? false);
    const payload = this.viewSubmission(userId, { ...stored.view, state: { values: state } });
    const triggerId = payload.trigger_id as string;
    const res = await this.sendPayload(payload, opts);
    let outcome: ViewResponseOutcome;
    if (res.text.trim().length > 0 && !isObj(res.body)) {
      const error = `view_submission acknowledged with a body that is not a JSON object: ${res.text.slice(0, 200)}`;
      this.fake.recordProblem({ source: "view_response", method: "view_submission", error });
      outcome = { ok: false, errors: [error] };
    } else {
      outcome = this.fake.applyViewSubmissionResponse(
        userId,
        viewId,
        res.text.trim().length > 0 ? res.body : undefined,
      );
    }
    if (!outcome.ok && !opts.allowInvalidResponse) {
      throw new Error(
        `SlackDriver: Slack would reject the view_submission response: ${outcome.errors.join("; ")}`,
      );
    }
    return { ...res, triggerId, payload, outcome };
  }

  /** The user closes the modal (X / Cancel). Sends `view_closed` when the view asked for it. */
  async viewClosed(
    userId: string,
    viewId: string,
    opts: RequestOptions = {},
  ): Promise<DriverResponse | null> {
    const stored = this.fake.views.get(viewId);
    if (!stored) throw new Error(`SlackDriver: no view ${viewId} in the fake`);
    const snapshot = stored.view;
    const closed = this.fake.closeView(userId, viewId);
    if (snapshot.notify_on_close !== true) return null;
    const payload: Obj = {
      type: "view_closed",
      team: this.teamObj(),
      user: this.userObj(userId),
      api_app_id: this.apiAppId,
      token: "deprecated-verification-token",
      view: snapshot,
      is_cleared: closed.length > 1,
      is_enterprise_install: this.isEnterpriseInstall(),
      enterprise: this.enterpriseObj(),
    };
    return this.sendPayload(payload, opts);
  }

  // ---- events ------------------------------------------------------------------------------

  /** Deliver an Events API event inside an `event_callback` envelope. */
  async event(
    event: Obj,
    opts: RequestOptions & { eventId?: string; eventTime?: number } = {},
  ): Promise<DriverResponse> {
    const eventTime = opts.eventTime ?? Math.floor(Date.now() / 1000);
    const orgWide = this.isEnterpriseInstall();
    const envelope: Obj = {
      token: "deprecated-verification-token",
      team_id: this.teamId,
      ...(this.enterpriseId ? { enterprise_id: this.enterpriseId } : {}),
      context_team_id: this.teamId,
      context_enterprise_id: this.enterpriseId,
      api_app_id: this.apiAppId,
      event: { event_ts: `${eventTime}.000100`, ...event },
      type: "event_callback",
      event_id: opts.eventId ?? `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
      event_time: eventTime,
      // The installation the event is for: Bolt's authorize looks it up by these.
      authorizations: [
        {
          enterprise_id: this.enterpriseId,
          team_id: orgWide ? null : this.teamId,
          user_id: this.fake.botUserId,
          is_bot: true,
          is_enterprise_install: orgWide,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(12).toString("hex")}`,
    };
    return this.sendJson(envelope, opts);
  }

  /**
   * `userId` joins `channelId`, as Slack tells it: the fake's membership changes first (so
   * conversations.members and posting rules see it), then the signed `member_joined_channel`
   * event (`channel_type` "G" for a G… channel, else "C", as Slack derives it from the id; `team`;
   * `inviter` when given) goes to the app. The user must exist in the fake and not be a member
   * yet; DMs have no joins.
   */
  async memberJoined(
    channelId: string,
    userId: string,
    opts: RequestOptions & { inviter?: string; eventId?: string } = {},
  ): Promise<DriverResponse> {
    const ch = this.membershipChannel(channelId, userId);
    if (ch.members.has(userId)) {
      throw new Error(`SlackDriver: ${userId} is already a member of ${channelId}`);
    }
    this.fake.addMember(channelId, userId);
    const event: Obj = {
      type: "member_joined_channel",
      user: userId,
      channel: channelId,
      channel_type: channelTypeLetter(channelId),
      team: this.teamId,
    };
    if (opts.inviter !== undefined) event.inviter = opts.inviter;
    return this.event(event, opts);
  }

  /**
   * `userId` leaves (or is removed from) `channelId`: the fake's membership changes, then the
   * signed `member_left_channel` event goes to the app. The user must be a member.
   */
  async memberLeft(
    channelId: string,
    userId: string,
    opts: RequestOptions & { eventId?: string } = {},
  ): Promise<DriverResponse> {
    const ch = this.membershipChannel(channelId, userId);
    if (!ch.members.has(userId)) {
      throw new Error(`SlackDriver: ${userId} is not a member of ${channelId}`);
    }
    this.fake.removeMember(channelId, userId);
    return this.event(
      {
        type: "member_left_channel",
        user: userId,
        channel: channelId,
        channel_type: channelTypeLetter(channelId),
        team: this.teamId,
      },
      opts,
    );
  }

  private membershipChannel(channelId: string, userId: string) {
    const ch = this.fake.channel(channelId);
    if (!ch) throw new Error(`SlackDriver: no channel ${channelId} in the fake`);
    if (ch.isIm || ch.isMpim) {
      throw new Error(`SlackDriver: ${channelId} is a DM; members do not join or leave DMs`);
    }
    if (!this.fake.user(userId)) {
      throw new Error(`SlackDriver: no user ${userId} in the fake; add them with fake.addUser`);
    }
    return ch;
  }

  /**
   * The app is uninstalled from the workspace: the bot token stops working (`account_inactive`
   * on every call, see `fake.revokeToken`), then Slack's `tokens_revoked` (the bot user id under
   * `tokens.bot`) and `app_uninstalled` events go to the app, in that order.
   */
  async appUninstalled(opts: RequestOptions = {}): Promise<DriverResponse[]> {
    this.fake.revokeToken(this.fake.botToken, "account_inactive");
    return this.uninstallEvents({ bot: [this.fake.botUserId] }, opts);
  }

  /**
   * Only the events of an uninstall, no token touched: `tokens_revoked` (the user ids whose user
   * tokens went under `oauth`, the bot's under `bot`), then `app_uninstalled`. For a grid, whose
   * `uninstall` revokes the installation's tokens itself.
   */
  async uninstallEvents(
    tokens: { oauth?: string[]; bot?: string[] },
    opts: RequestOptions = {},
  ): Promise<DriverResponse[]> {
    const revoked = await this.event(
      { type: "tokens_revoked", tokens: { oauth: tokens.oauth ?? [], bot: tokens.bot ?? [] } },
      opts,
    );
    const uninstalled = await this.event({ type: "app_uninstalled" }, opts);
    return [revoked, uninstalled];
  }

  /** The user opens the app's Home tab. */
  appHomeOpened(userId: string, opts: RequestOptions = {}): Promise<DriverResponse> {
    const event: Obj = { type: "app_home_opened", user: userId, tab: "home" };
    const dm = this.fake.dmChannel(userId);
    if (dm) event.channel = dm;
    const home = this.fake.homeViews.get(userId);
    if (home) event.view = home.view;
    return this.event(event, opts);
  }

  /** Slack's URL verification handshake. */
  urlVerification(challenge: string, opts: RequestOptions = {}): Promise<DriverResponse> {
    return this.sendJson(
      { token: "deprecated-verification-token", challenge, type: "url_verification" },
      opts,
    );
  }
}

/** `channel_type` of member_joined_channel / member_left_channel: "G" for G… ids, else "C". */
function channelTypeLetter(channelId: string): "C" | "G" {
  return channelId.startsWith("G") ? "G" : "C";
}

// ---------------------------------------------------------------------------------------------
// view_submission state.values
// ---------------------------------------------------------------------------------------------

function optionJson(o: SelectedOptionInput): Obj {
  return { text: { type: "plain_text", text: o.text, emoji: true }, value: o.value };
}

function emptyState(type: string): Obj {
  switch (type) {
    case "radio_buttons":
    case "static_select":
    case "external_select":
      return { type, selected_option: null };
    case "checkboxes":
    case "multi_static_select":
    case "multi_external_select":
      return { type, selected_options: [] };
    case "users_select":
      return { type, selected_user: null };
    case "multi_users_select":
      return { type, selected_users: [] };
    case "conversations_select":
      return { type, selected_conversation: null };
    case "multi_conversations_select":
      return { type, selected_conversations: [] };
    case "channels_select":
      return { type, selected_channel: null };
    case "multi_channels_select":
      return { type, selected_channels: [] };
    case "datepicker":
      return { type, selected_date: null };
    case "timepicker":
      return { type, selected_time: null };
    case "datetimepicker":
      return { type, selected_date_time: null };
    case "file_input":
      return { type, files: [] };
    case "rich_text_input":
      return { type, rich_text_value: null };
    default:
      return { type, value: null };
  }
}

function isEmptyValue(v: SubmitValue | undefined): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
}

function pickOption(el: Obj, value: string, blockId: string): Obj {
  const options = elementOptions(el);
  const found = options.find((o) => o.value === value);
  if (!found) {
    const known = options.map((o) => JSON.stringify(o.value)).join(", ");
    throw new Error(
      `SlackDriver: "${value}" is not an option of input "${blockId}" (${String(el.type)}); options: ${known}`,
    );
  }
  return JSON.parse(JSON.stringify(found)) as Obj;
}

function asList(v: SubmitValue): string[] {
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

function filledState(el: Obj, v: SubmitValue, blockId: string): Obj {
  const type = String(el.type);
  const one = Array.isArray(v) ? String(v[0]) : String(v);
  switch (type) {
    case "radio_buttons":
    case "static_select":
      return { type, selected_option: pickOption(el, one, blockId) };
    case "external_select":
      return { type, selected_option: optionJson({ text: one, value: one }) };
    case "checkboxes":
    case "multi_static_select": {
      const list = asList(v);
      const max = typeof el.max_selected_items === "number" ? el.max_selected_items : undefined;
      if (max !== undefined && list.length > max) {
        throw new Error(`SlackDriver: input "${blockId}" allows at most ${max} selections`);
      }
      return { type, selected_options: list.map((x) => pickOption(el, x, blockId)) };
    }
    case "multi_external_select":
      return { type, selected_options: asList(v).map((x) => optionJson({ text: x, value: x })) };
    case "users_select":
      return { type, selected_user: one };
    case "multi_users_select":
      return { type, selected_users: asList(v) };
    case "conversations_select":
      return { type, selected_conversation: one };
    case "multi_conversations_select":
      return { type, selected_conversations: asList(v) };
    case "channels_select":
      return { type, selected_channel: one };
    case "multi_channels_select":
      return { type, selected_channels: asList(v) };
    case "datepicker":
      return { type, selected_date: one };
    case "timepicker":
      return { type, selected_time: one };
    case "datetimepicker":
      return { type, selected_date_time: Number(one) };
    case "plain_text_input": {
      const min = typeof el.min_length === "number" ? el.min_length : undefined;
      const max = typeof el.max_length === "number" ? el.max_length : 3000;
      if (min !== undefined && one.length < min) {
        throw new Error(
          `SlackDriver: input "${blockId}" needs at least ${min} characters (Slack's client enforces it)`,
        );
      }
      if (one.length > max) {
        throw new Error(
          `SlackDriver: input "${blockId}" takes at most ${max} characters (Slack's client enforces it)`,
        );
      }
      return { type, value: one };
    }
    case "number_input": {
      const n = Number(one);
      if (!Number.isFinite(n) || (el.is_decimal_allowed !== true && !Number.isInteger(n))) {
        throw new Error(`SlackDriver: "${one}" is not a valid number for input "${blockId}"`);
      }
      return { type, value: one };
    }
    case "email_text_input":
    case "url_text_input":
      return { type, value: one };
    default:
      throw new Error(`SlackDriver: cannot fill input "${blockId}" of type ${type}`);
  }
}

/** Build Slack-shaped `state.values` for every input block of `view`. */
export function buildStateValues(
  view: Obj,
  values: Record<string, SubmitValue>,
  allowEmptyRequired: boolean,
): Record<string, Record<string, Obj>> {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  const inputs = blocks.filter((b): b is Obj => isObj(b) && b.type === "input");
  const inputIds = new Set(inputs.map((b) => String(b.block_id)));
  for (const key of Object.keys(values)) {
    if (!inputIds.has(key)) {
      throw new Error(
        `SlackDriver: no input block "${key}" in the view; input blocks: ${[...inputIds].join(", ")}`,
      );
    }
  }
  const state: Record<string, Record<string, Obj>> = {};
  for (const b of inputs) {
    const blockId = String(b.block_id);
    const el = isObj(b.element) ? b.element : {};
    const actionId = String(el.action_id);
    const given = values[blockId];
    if (isEmptyValue(given)) {
      if (b.optional !== true && !allowEmptyRequired) {
        const label = isObj(b.label) ? String(b.label.text) : blockId;
        throw new Error(
          `SlackDriver: Slack's client would block this submission: required input "${blockId}" ("${label}") is empty`,
        );
      }
      state[blockId] = { [actionId]: emptyState(String(el.type)) };
    } else {
      state[blockId] = { [actionId]: filledState(el, given as SubmitValue, blockId) };
    }
  }
  return state;
}
