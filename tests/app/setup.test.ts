import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import { LEADER, MARKETING, people, replyTo, SALES, startHarness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const noSeeds = { TRUCE_SALES_CHANNEL: "", TRUCE_MARKETING_CHANNEL: "" };

/** The settings' inputs as a leader leaves them (the defaults). */
const defaults = {
  market: "shifting",
  min_group: "5",
  round_days: "7",
  digest_day: "1",
  digest_time: "09:00",
};

describe("/alignment setup", () => {
  it("lets a leader choose who leads; the choice wins over TRUCE_LEADERS", async () => {
    h = await startHarness();
    const [newLeader] = people("marketing", 1) as [string];
    await h.driver.command(newLeader, MARKETING, "digest");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === newLeader));
    expect(replyTo(h, newLeader)).toContain("Only the survey's leaders can do that");

    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      leaders: [newLeader],
      ...defaults,
    });
    expect(await h.store.settings.get(h.fake.teamId, "leaders")).toBe(newLeader);
    h.fake.responses.splice(0);
    await h.driver.command(newLeader, MARKETING, "digest");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === newLeader));
    expect(replyTo(h, newLeader)).not.toContain("Only the survey's leaders");
    // The leader from TRUCE_LEADERS no longer leads, and the modal shows who does.
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === LEADER));
    expect(replyTo(h, LEADER)).toContain("Only the survey's leaders can do that");
    const again = await h.driver.openModalFromCommand(newLeader, MARKETING, "setup");
    const leadersBlock = (
      again.view.blocks as { block_id?: string; element?: { initial_users?: string[] } }[]
    ).find((b) => b.block_id === "leaders");
    expect(leadersBlock?.element?.initial_users).toEqual([newLeader]);
    expect(h.fake.errors()).toEqual([]);
  });

  it("lets a leader choose the channels in Slack, after which launch uses them", async () => {
    h = await startHarness({ env: noSeeds });
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === LEADER));
    expect(replyTo(h, LEADER)).toContain("Truce isn't set up in this workspace yet");

    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    expect(modal.view.callback_id).toBe("setup_submit");
    const saved = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      ...defaults,
    });
    expect(JSON.stringify(saved.outcome.view?.view.blocks)).toContain(
      `Sales: <#${SALES}> · Marketing: <#${MARKETING}>`,
    );
    expect(await h.store.settings.get(h.fake.teamId, "sales_channel")).toBe(SALES);

    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round launched/.test(r.text ?? "")));
    expect(h.fake.messagesIn(SALES)).toHaveLength(1);
    expect(h.fake.messagesIn(MARKETING)).toHaveLength(1);
    expect(h.fake.errors()).toEqual([]);
  });

  it("pre-fills the current channels, and settings made in Slack win over the environment", async () => {
    h = await startHarness({
      env: { TRUCE_SALES_CHANNEL: MARKETING, TRUCE_MARKETING_CHANNEL: SALES },
    });
    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    const initial = (
      modal.view.blocks as Array<{ block_id?: string; element?: { initial_conversation?: string } }>
    )
      .filter((b) => b.element?.initial_conversation)
      .map((b) => [b.block_id, b.element?.initial_conversation]);
    expect(initial).toEqual([
      ["sales_channel", MARKETING],
      ["marketing_channel", SALES],
    ]);
    await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      ...defaults,
    });
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round launched/.test(r.text ?? "")));
    expect(await h.store.rounds.openFor(h.fake.teamId)).toMatchObject({
      salesChannel: SALES,
      marketingChannel: MARKETING,
    });
  });

  it("refuses the same channel for both sides with an inline error", async () => {
    h = await startHarness({ env: noSeeds });
    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    const result = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: SALES,
      ...defaults,
    });
    expect(result.body).toEqual({
      response_action: "errors",
      errors: { marketing_channel: "Choose a different channel from the sales channel." },
    });
    expect(await h.store.settings.get(h.fake.teamId, "sales_channel")).toBeUndefined();
  });

  it("is for leaders only", async () => {
    h = await startHarness({ env: noSeeds });
    const [user] = people("sales", 1) as [string];
    await h.driver.command(user, SALES, "setup");
    await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === user));
    expect(replyTo(h, user)).toMatch(/Only the survey's leaders can do that/);
    expect(h.fake.viewsOf(user)).toEqual([]);
  });

  it("guides anyone to the setup until the channels are chosen; its button opens it for a leader", async () => {
    h = await startHarness({ env: noSeeds });
    const [user] = people("sales", 1) as [string];
    for (const who of [user, LEADER]) {
      await h.driver.command(who, SALES, "status");
      await h.fake.waitFor(() => h.fake.responses.find((r) => r.context.user === who));
      expect(replyTo(h, who)).toContain("Truce isn't set up in this workspace yet");
    }
    const help = await h.driver.command(user, SALES, "help");
    expect(JSON.stringify(help.body)).not.toContain("isn't set up");
    const guide = h.fake.responses.find((r) => r.context.user === LEADER);
    const button = JSON.stringify(guide?.blocks);
    expect(button).toContain('"action_id":"open_setup"');
    expect(h.fake.errors()).toEqual([]);
  });

  it("stores the market, minimum group, round length and digest, which then win over the environment", async () => {
    h = await startHarness({ env: { TRUCE_MIN_GROUP: "5", TRUCE_MARKET: "shifting" } });
    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    const initial = (
      modal.view.blocks as { block_id?: string; element?: Record<string, unknown> }[]
    )
      .filter((b) => b.block_id && Object.values(defaults).length)
      .map((b) => [
        b.block_id,
        b.element?.initial_value ??
          b.element?.initial_time ??
          (b.element?.initial_option as { value?: string } | undefined)?.value,
      ]);
    expect(Object.fromEntries(initial)).toMatchObject(defaults);

    const refused = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      ...defaults,
      min_group: "2",
      round_days: "90",
    });
    expect(refused.body).toEqual({
      response_action: "errors",
      errors: {
        min_group:
          "Please give a whole number from 3 to 50: smaller groups would expose individuals.",
        round_days: "Please give a whole number of days from 1 to 60.",
      },
    });
    expect(await h.store.settings.get(h.fake.teamId, "min_group")).toBeUndefined();

    const saved = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
      market: "complex",
      min_group: "3",
      round_days: "3",
      digest_day: "5",
      digest_time: "16:30",
    });
    const text = JSON.stringify(saved.outcome.view?.view.blocks);
    expect(text).toContain("Market: complex market, aiming for Integrated");
    expect(text).toContain("Minimum group: 3 · Default round: 3 days");
    expect(text).toContain("Weekly digest: Friday at 16:30");
    // The default round length now applies to a launch without a number of days.
    await h.driver.command(LEADER, SALES, "launch");
    await h.fake.waitFor(() => h.fake.responses.find((r) => /Round launched/.test(r.text ?? "")));
    expect(replyTo(h, LEADER)).toContain("Round launched for 3 days");
    // A minimum group of 3 (TRUCE_MIN_GROUP says 5) shows three a side.
    const { answerAll, everyone, closeRound } = await import("./harness.js");
    const open = await h.store.rounds.openFor(h.fake.teamId);
    const ts = {
      sales: (await h.store.rounds.invitations(open?.id as number)).find((i) => i.side === "sales")
        ?.ts as string,
      marketing: (await h.store.rounds.invitations(open?.id as number)).find(
        (i) => i.side === "marketing",
      )?.ts as string,
    };
    await answerAll(h, ts, [...everyone("sales", 3, 70), ...everyone("marketing", 3, 50)]);
    await closeRound(h);
    expect(h.fake.messagesIn(SALES).at(-1)?.text).toContain("Sales n=3 · 70.0 · Aligned");
  });
});

describe("/alignment setup: reminders, invitations and the cadence", () => {
  it("shows the current choices, refuses a bad one inline, and saves the rest", async () => {
    h = await startHarness();
    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    const blocks = modal.view.blocks as {
      block_id?: string;
      element?: { initial_value?: string; initial_option?: { value: string } };
    }[];
    const ids = blocks.map((b) => b.block_id).filter(Boolean);
    // After the channels, the leaders and the report's settings, in this order.
    const first = ids.indexOf("reminder_slots");
    expect(first).toBeGreaterThan(ids.indexOf("leaders"));
    expect(ids.slice(first, first + 3)).toEqual(["reminder_slots", "invite_mode", "schedule"]);
    expect(blocks.find((b) => b.block_id === "reminder_slots")?.element?.initial_value).toBe(
      "50%,-24h",
    );
    expect(blocks.find((b) => b.block_id === "invite_mode")?.element?.initial_option?.value).toBe(
      "channel",
    );
    const refused = await h.driver.submitView(LEADER, modal.id, {
      ...defaults,
      sales_channel: SALES,
      marketing_channel: MARKETING,
      reminder_slots: "10%,20%,30%,40%",
      schedule: "every tuesday",
    });
    expect(refused.body).toEqual({
      response_action: "errors",
      errors: {
        reminder_slots: "This lists 4 reminders; at most 3 per round.",
        schedule:
          "Use monthly, quarterly or a five-field cron expression such as 0 9 1 * *, or leave it empty.",
      },
    });
    expect(await h.store.settings.get(h.fake.teamId, "reminder_slots")).toBeUndefined();
    await h.driver.submitView(LEADER, modal.id, {
      ...defaults,
      sales_channel: SALES,
      marketing_channel: MARKETING,
      reminder_slots: "25%, -2d",
      invite_mode: "both",
      schedule: "quarterly",
    });
    const team = h.fake.teamId;
    expect(await h.store.settings.get(team, "reminder_slots")).toBe("25%,-2d");
    expect(await h.store.settings.get(team, "invite_mode")).toBe("both");
    expect(await h.store.settings.get(team, "schedule")).toBe("0 9 * 1,4,7,10 1#1");
    expect(Number(await h.store.settings.get(team, "next_launch_at"))).toBe(
      Date.UTC(2027, 0, 4, 9, 0),
    );
    const again = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    const schedule = (
      again.view.blocks as { block_id?: string; element?: { initial_value?: string } }[]
    ).find((b) => b.block_id === "schedule");
    expect(schedule?.element?.initial_value).toBe("quarterly");
  });
});
