import { afterEach, describe, expect, it } from "vitest";
import { closeWarnings } from "../../src/views/closing.js";
import type { Harness } from "./harness.js";
import {
  answerAll,
  everyone,
  LEADER,
  launchRound,
  people,
  readableText,
  SALES,
  startHarness,
} from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe("what closing now would withhold", () => {
  it("says so before the leader confirms", () => {
    expect(closeWarnings({ sales: 0, marketing: 0 }, 5)).toEqual([
      "No one has answered yet: closing now ends the round with no results.",
    ]);
    expect(closeWarnings({ sales: 6, marketing: 2 }, 5)).toEqual([
      "Marketing has 2 answers, fewer than 5: its figures will be withheld, and Everyone is shown as a total only.",
    ]);
    expect(closeWarnings({ sales: 1, marketing: 7 }, 5)).toEqual([
      "Sales has 1 answer, fewer than 5: its figures will be withheld, and Everyone is shown as a total only.",
    ]);
    expect(closeWarnings({ sales: 3, marketing: 3 }, 5)).toEqual([
      "Both sides have fewer than 5 answers: no side's figures can be shown, and Everyone is shown as a total only.",
    ]);
    expect(closeWarnings({ sales: 2, marketing: 2 }, 5)).toEqual([
      "Both sides have fewer than 5 answers: no side's figures can be shown, nor Everyone's.",
    ]);
    expect(closeWarnings({ sales: 5, marketing: 5 }, 5)).toEqual([]);
  });
});

/** The text of the leader's ephemeral message `ts` now (after any replace_original). */
const shownAt = (ts: string) =>
  h.fake.ephemeralsFor(LEADER, SALES).find((e) => e.ts === ts)?.text ?? "";

describe("/alignment close asks first", () => {
  const confirmation = () =>
    h.fake.ephemerals
      .filter((e) => e.user === LEADER && /Close the round now\?/.test(e.text ?? ""))
      .at(-1);

  it("shows the answers so far and the warning; Keep it open changes nothing; Close closes", async () => {
    h = await startHarness({ salesPeople: 5, marketingPeople: 5 });
    const invitations = await launchRound(h);
    await answerAll(h, invitations, [...everyone("sales", 5, 60), ...everyone("marketing", 2, 50)]);
    await h.driver.command(LEADER, SALES, "close");
    const asked = await h.fake.waitFor(confirmation);
    expect(readableText(asked.blocks)).toContain("Answers so far: Sales n=5 · Marketing n=2.");
    expect(readableText(asked.blocks)).toContain(
      "Marketing has 2 answers, fewer than 5: its figures will be withheld",
    );
    const round = await h.store.rounds.openFor(h.fake.teamId);
    expect(round?.closedAt).toBeUndefined();

    await h.driver.clickButton(LEADER, SALES, asked.ts, "close_round_cancel");
    await h.fake.waitFor(() => /stays open/.test(shownAt(asked.ts) ?? "") || undefined);
    expect((await h.store.rounds.openFor(h.fake.teamId))?.id).toBe(round?.id);

    // Someone else presses a copy of the button: refused, still open.
    const [staff] = people("sales", 1) as [string];
    await h.driver.blockAction(staff, {
      actionId: "close_round_confirm",
      value: String(round?.id),
      channelId: SALES,
    });
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /Only the survey's leaders/.test(r.text ?? "")),
    );
    expect((await h.store.rounds.openFor(h.fake.teamId))?.id).toBe(round?.id);

    await h.driver.command(LEADER, SALES, "close");
    const again = await h.fake.waitFor(() =>
      confirmation()?.ts !== asked.ts ? confirmation() : undefined,
    );
    await h.driver.clickButton(LEADER, SALES, again.ts, "close_round_confirm");
    await h.fake.waitFor(() => /Round closed/.test(shownAt(again.ts) ?? "") || undefined, {
      timeoutMs: 10_000,
    });
    expect((await h.store.rounds.get(round?.id as number))?.closedAt).toBe(h.now());
    await h.truce.idle();
    expect(h.fake.messagesIn(SALES).some((m) => /Everyone n=7/.test(m.text ?? ""))).toBe(true);

    // The old confirmation, pressed later, does not close anything else.
    await h.driver
      .clickButton(LEADER, SALES, again.ts, "close_round_confirm")
      .catch(() => undefined);
    expect(h.fake.errors()).toEqual([]);
  });

  it("says there is nothing to close when no round is open, and explains a stray word", async () => {
    h = await startHarness();
    await h.driver.command(LEADER, SALES, "close");
    await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /no open round to close/.test(r.text ?? "")),
    );
    await launchRound(h);
    await h.driver.command(LEADER, SALES, "close later");
    const reply = await h.fake.waitFor(() =>
      h.fake.responses.find((r) => /close later/.test(r.text ?? "")),
    );
    expect(reply.text).toContain("/alignment close now");
    expect((await h.store.rounds.openFor(h.fake.teamId))?.closedAt).toBeUndefined();
  });
});
