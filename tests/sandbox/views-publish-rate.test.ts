import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FakeSlack } from "../../sandbox/fake-slack.js";
import { rawCall, startWorkspace, T0, webClient } from "./helpers.js";

let clock = T0;
let fake: FakeSlack;
let web: WebClient;

beforeEach(async () => {
  clock = T0;
  fake = await startWorkspace(() => clock);
  web = webClient(fake);
});

afterEach(async () => {
  await fake.close();
});

const home = (n: number) => ({
  type: "home" as const,
  blocks: [{ type: "section" as const, text: { type: "mrkdwn" as const, text: `v${n}` } }],
});

describe("views.publish", () => {
  it("is rate-limited per method (Tier 4: a burst of 100, then 429 with Retry-After; 100 a minute)", async () => {
    for (let i = 0; i < 100; i++)
      expect((await web.views.publish({ user_id: "U1", view: home(i) })).ok).toBe(true);
    const limited = await rawCall(
      fake,
      "views.publish",
      JSON.stringify({ user_id: "U1", view: home(100) }),
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    clock += 600;
    expect((await web.views.publish({ user_id: "U1", view: home(101) })).ok).toBe(true);
    expect(fake.homeViews.get("U1")?.view.blocks).toEqual([
      { type: "section", text: { type: "mrkdwn", text: "v101" }, block_id: expect.any(String) },
    ]);
  });
});
