import type { HomeView } from "@slack/types";
import { ErrorCode, type WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/deps.js";
import {
  createHomeRefresher,
  HOME_REFRESH_WINDOW_MS,
  MAX_VIEWERS,
  PUBLISH_SPACING_MS,
  VIEWER_TTL_MS,
} from "../../src/services/home.js";
import { manualScheduler } from "../../src/services/scheduler.js";
import type { HomeInput } from "../../src/views/home.js";

/**
 * The Home refresher on its own: a fake Web API client that records views.publish (and can
 * answer 429), a clock that moves only when told, and a stand-in for what Home shows.
 */
function setUp(options: { limitAfter?: number; retryAfter?: number } = {}) {
  const time = { now: Date.UTC(2026, 11, 2, 9) };
  const timers = manualScheduler({
    now: () => time.now,
    set: (at) => {
      time.now = at;
    },
  });
  const published: { user: string; version: number; at: number }[] = [];
  const warnings: string[] = [];
  let version = 1;
  let calls = 0;
  let limitedOnce = false;
  const client = {
    views: {
      publish: async (args: { user_id: string; view: HomeView }) => {
        calls++;
        if (options.limitAfter !== undefined && calls > options.limitAfter && !limitedOnce) {
          limitedOnce = true;
          throw Object.assign(new Error("rate limited"), {
            code: ErrorCode.RateLimitedError,
            retryAfter: options.retryAfter ?? 30,
          });
        }
        published.push({
          user: args.user_id,
          version: Number((args.view.blocks[0] as { text?: { text?: string } }).text?.text),
          at: time.now,
        });
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  const deps = {
    clock: () => time.now,
    logger: { warn: (m: string) => warnings.push(m), info: () => undefined },
  } as unknown as Deps;
  const home = createHomeRefresher(deps, {
    slack: async () => client,
    scheduler: timers.scheduler,
    leaders: { isLeader: async () => false },
    load: async () => ({ version }) as unknown as HomeInput,
    render: (input) => ({
      type: "home",
      blocks: [
        {
          type: "section",
          text: { type: "mrkdwn", text: String((input as unknown as { version: number }).version) },
        },
      ],
    }),
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    home,
    published,
    warnings,
    timers,
    time,
    settle,
    bump: () => {
      version++;
    },
  };
}

describe("the Home refresher", () => {
  it("publishes a Home at once when it is opened", async () => {
    const t = setUp();
    t.home.opened("T1", "U1");
    await t.settle();
    expect(t.published).toEqual([{ user: "U1", version: 1, at: t.time.now }]);
  });

  it("an urgent change republishes every recent viewer at once; one that can wait, after the window", async () => {
    const t = setUp();
    t.home.opened("T1", "U1");
    t.home.opened("T1", "U2");
    await t.settle();
    expect(t.published.map((p) => p.user)).toEqual(["U1", "U2"]);

    t.bump();
    t.home.changed("T1");
    t.home.changed("T1");
    await t.settle();
    expect(t.published).toHaveLength(2);
    expect(t.home.waiting).toBe(2);
    t.timers.advance(HOME_REFRESH_WINDOW_MS);
    await t.settle();
    expect(t.published.slice(2).map((p) => [p.user, p.version])).toEqual([
      ["U1", 2],
      ["U2", 2],
    ]);

    t.bump();
    t.home.changed("T1", { urgent: true });
    await t.settle();
    expect(t.published.slice(4).map((p) => [p.user, p.version])).toEqual([
      ["U1", 3],
      ["U2", 3],
    ]);
  });

  it("a change in another workspace republishes nobody here; a workspace nobody looked at costs nothing", async () => {
    const t = setUp();
    t.home.opened("T1", "U1");
    await t.settle();
    t.home.changed("T2", { urgent: true });
    await t.settle();
    expect(t.published).toHaveLength(1);
  });

  it(`keeps at most ${MAX_VIEWERS} viewers per workspace, the most recent, each for ten minutes`, async () => {
    const t = setUp();
    for (let i = 0; i < MAX_VIEWERS + 20; i++) t.home.opened("T1", `U${i}`);
    await t.home.flush();
    expect(t.home.viewers("T1")).toBe(MAX_VIEWERS);
    t.time.now += 60_000;
    t.published.length = 0;
    t.home.changed("T1", { urgent: true });
    await t.home.flush();
    expect(t.published).toHaveLength(MAX_VIEWERS);
    expect(t.published.map((p) => p.user)).not.toContain("U0");
    expect(t.published.map((p) => p.user)).toContain(`U${MAX_VIEWERS + 19}`);

    t.time.now += VIEWER_TTL_MS;
    expect(t.home.viewers("T1")).toBe(0);
    t.published.length = 0;
    t.home.changed("T1", { urgent: true });
    await t.home.flush();
    expect(t.published).toEqual([]);
  });

  it("paces passes of many views under Tier 4: the next pass that can wait comes later", async () => {
    const t = setUp();
    for (let i = 0; i < 50; i++) t.home.opened("T1", `U${i}`);
    await t.home.flush();
    const start = t.time.now;
    t.bump();
    t.home.changed("T1");
    t.timers.advance(HOME_REFRESH_WINDOW_MS);
    await t.settle();
    expect(t.published.filter((p) => p.version === 2)).toHaveLength(0);
    t.timers.advance(50 * PUBLISH_SPACING_MS - HOME_REFRESH_WINDOW_MS);
    await t.home.flush();
    const second = t.published.filter((p) => p.version === 2);
    expect(second).toHaveLength(50);
    expect(second[0]?.at).toBe(start + 50 * PUBLISH_SPACING_MS);
  });

  it("stops at a 429 and goes on with the rest after Retry-After, with fresh figures", async () => {
    const t = setUp({ limitAfter: 3, retryAfter: 30 });
    for (const user of ["U1", "U2", "U3", "U4", "U5"]) t.home.opened("T1", user);
    await t.settle();
    expect(t.published.map((p) => p.user)).toEqual(["U1", "U2", "U3"]);
    expect(t.home.waiting).toBe(2);
    // A flush does not run ahead of Slack's Retry-After.
    await t.home.flush();
    expect(t.published).toHaveLength(3);
    t.bump();
    t.timers.advance(30_000);
    await t.settle();
    expect(t.published.slice(3).map((p) => [p.user, p.version])).toEqual([
      ["U4", 2],
      ["U5", 2],
    ]);
  });

  it("stop publishes what is owed at once, then takes no more work and leaves no timer", async () => {
    const t = setUp();
    t.home.opened("T1", "U1");
    await t.settle();
    t.bump();
    t.home.changed("T1");
    expect(t.timers.pending).toBe(1);
    await t.home.stop();
    expect(t.published.at(-1)).toMatchObject({ user: "U1", version: 2 });
    expect(t.timers.pending).toBe(0);
    t.home.opened("T1", "U9");
    await t.settle();
    expect(t.published.map((p) => p.user)).not.toContain("U9");
  });

  it("a viewer Slack refuses (deactivated) is forgotten", async () => {
    const t = setUp();
    const refused = createHomeRefresher(
      { clock: () => t.time.now, logger: { warn: () => undefined } } as unknown as Deps,
      {
        slack: async () =>
          ({
            views: {
              publish: async () => {
                throw Object.assign(new Error("user_not_found"), {
                  code: "slack_webapi_platform_error",
                });
              },
            },
          }) as unknown as WebClient,
        scheduler: t.timers.scheduler,
        leaders: { isLeader: async () => false },
        load: async () => ({}) as HomeInput,
        render: () => ({ type: "home", blocks: [] }),
      },
    );
    refused.opened("T1", "U1");
    await refused.flush();
    expect(refused.viewers("T1")).toBe(0);
  });
});
