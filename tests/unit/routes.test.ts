import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { Routes } from "../../src/handlers/routes.js";

/** Routes whose handlers say who they are when called. */
function routes() {
  const calls: string[] = [];
  const r = new Routes();
  r.command("/alignment", async () => void calls.push("command /alignment"));
  r.event("app_home_opened", async () => void calls.push("event app_home_opened"));
  r.action("open_survey", async () => void calls.push("action open_survey"));
  r.action("adopt", async () => void calls.push("action adopt"));
  r.view("survey_submit", async () => void calls.push("view survey_submit"));
  return { r, calls };
}

async function dispatch(r: Routes, body: unknown): Promise<{ nextCalled: boolean }> {
  let nextCalled = false;
  const args = {
    body,
    next: async () => {
      nextCalled = true;
    },
  } as unknown as Parameters<Middleware<AnyMiddlewareArgs>>[0];
  await r.middleware()(args);
  return { nextCalled };
}

describe("Routes", () => {
  it.each([
    [{ command: "/alignment", text: "" }, "command /alignment"],
    [{ type: "event_callback", event: { type: "app_home_opened" } }, "event app_home_opened"],
    [{ type: "block_actions", actions: [{ action_id: "open_survey" }] }, "action open_survey"],
    // Bolt reads the first action only.
    [
      { type: "block_actions", actions: [{ action_id: "adopt" }, { action_id: "open_survey" }] },
      "action adopt",
    ],
    [{ type: "view_submission", view: { callback_id: "survey_submit" } }, "view survey_submit"],
  ])("calls the one handler of %j", async (body, expected) => {
    const { r, calls } = routes();
    expect(await dispatch(r, body)).toEqual({ nextCalled: false });
    expect(calls).toEqual([expected]);
  });

  it.each([
    [
      "a view closed (app.view(id) answers submissions only)",
      { type: "view_closed", view: { callback_id: "survey_submit" } },
    ],
    [
      "an event outside event_callback",
      { type: "app_home_opened", event: { type: "app_home_opened" } },
    ],
    ["an unknown action", { type: "block_actions", actions: [{ action_id: "nope" }] }],
    [
      "an action outside block_actions",
      { type: "interactive_message", actions: [{ action_id: "adopt" }] },
    ],
    ["actions that are not a list", { type: "block_actions", actions: null }],
    ["an unknown command", { command: "/other" }],
    ["an unknown event", { type: "event_callback", event: { type: "user_change" } }],
    ["a callback id that is not a string", { type: "view_submission", view: { callback_id: 7 } }],
    ["no object at all", null],
  ])("passes %s on down the chain, calling nothing", async (_name, body) => {
    const { r, calls } = routes();
    expect(await dispatch(r, body)).toEqual({ nextCalled: true });
    expect(calls).toEqual([]);
  });

  it("gives the handler Bolt's listener arguments, with a next that goes nowhere", async () => {
    const r = new Routes();
    let seen: Record<string, unknown> | undefined;
    r.view("survey_submit", async (args) => {
      seen = args as unknown as Record<string, unknown>;
      await args.next();
    });
    const body = { type: "view_submission", view: { callback_id: "survey_submit" } };
    const ack = async () => undefined;
    let nextCalled = false;
    await r.middleware()({
      body,
      ack,
      next: async () => {
        nextCalled = true;
      },
    } as unknown as Parameters<Middleware<AnyMiddlewareArgs>>[0]);
    expect(seen?.body).toBe(body);
    expect(seen?.ack).toBe(ack);
    expect(nextCalled).toBe(false);
  });

  it("runs each handler behind the guard, but for a route that records its request itself", async () => {
    const calls: string[] = [];
    const r = new Routes();
    r.action("adopt", async () => void calls.push("adopt"));
    r.view("survey_submit", async () => void calls.push("survey"), { recordsRequest: true });
    const guard: Middleware<AnyMiddlewareArgs> = async ({ next }) => {
      calls.push("guard");
      await next();
    };
    const run = (body: unknown) =>
      r.middleware(guard)({ body, next: async () => undefined } as unknown as Parameters<
        Middleware<AnyMiddlewareArgs>
      >[0]);
    await run({ type: "block_actions", actions: [{ action_id: "adopt" }] });
    await run({ type: "view_submission", view: { callback_id: "survey_submit" } });
    await run({ type: "block_actions", actions: [{ action_id: "unknown" }] });
    expect(calls).toEqual(["guard", "adopt", "survey"]);
  });

  it("refuses a second handler for one id, and lists what it has", () => {
    const { r } = routes();
    expect(() => r.action("adopt", async () => undefined)).toThrow(
      'Two handlers for the action "adopt".',
    );
    expect(r.ids()).toEqual({
      commands: ["/alignment"],
      events: ["app_home_opened"],
      actions: ["open_survey", "adopt"],
      views: ["survey_submit"],
    });
  });
});
