import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "./harness.js";
import { LEADER, MARKETING, people, replyTo, SALES, startHarness } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const noSeeds = { TRUCE_SALES_CHANNEL: "", TRUCE_MARKETING_CHANNEL: "" };

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
    expect(replyTo(h, LEADER)).toContain("Run `/alignment setup` to choose them");

    const modal = await h.driver.openModalFromCommand(LEADER, SALES, "setup");
    expect(modal.view.callback_id).toBe("setup_submit");
    const saved = await h.driver.submitView(LEADER, modal.id, {
      sales_channel: SALES,
      marketing_channel: MARKETING,
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
});
