import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Round, RoundAlreadyOpenError, type Store } from "../../src/store/index.js";
import { InvalidAnswerError } from "../../src/survey/validation.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A second engine passes the same suite: this is what "a store" means to the rest of Truce. */
export interface EngineUnderTest {
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /**
   * The same database again: after `close`, to prove what survives a restart, or alongside the
   * open store, as a second instance sharing it.
   */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

export const newRound = (teamId = "T1", openedAt = 1_000) => ({
  teamId,
  openedByKey: "k-leader",
  openedAt,
  closesAt: openedAt + 7 * DAY,
  salesChannel: "CSALES",
  marketingChannel: "CMKTG",
  statementIds: ["a", "b"],
  invited: { sales: 12, marketing: undefined, people: 4 },
  members: { sales: ["p1", "p2", "both"], marketing: ["p3", "both"] },
  keyFingerprint: "fp-1",
});
const ratings = (value: number) => Array.from({ length: 20 }, () => value);

export function storeSuite(engine: string, make: () => EngineUnderTest) {
  let under: EngineUnderTest;
  let store: Store;
  beforeEach(async () => {
    under = make();
    store = await under.open();
  });
  afterEach(async () => {
    await store.close();
    await under.dispose();
  });

  describe(`${engine}: rounds`, () => {
    it("allows one open round per workspace, and one per team independently", async () => {
      const round = await store.rounds.open(newRound());
      expect(round).toMatchObject({
        teamId: "T1",
        closedAt: undefined,
        statementIds: ["a", "b"],
        membersKnown: true,
        keyFingerprint: "fp-1",
      });
      expect(round.invited).toEqual({ sales: 12, marketing: undefined, people: 4 });
      expect((await store.rounds.get(round.id))?.invited.people).toBe(4);
      await expect(store.rounds.open(newRound())).rejects.toThrow(RoundAlreadyOpenError);
      const other = await store.rounds.open(newRound("T2"));
      expect(other.id).not.toBe(round.id);
      expect((await store.rounds.openFor("T1"))?.id).toBe(round.id);
      expect(await store.rounds.teams()).toEqual(["T1", "T2"]);
    });

    it("closes once, lists due rounds by deadline, and finds the previous closed round", async () => {
      const first = await store.rounds.open(newRound());
      expect(await store.rounds.due(first.closesAt - 1)).toEqual([]);
      expect((await store.rounds.due(first.closesAt)).map((r) => r.id)).toEqual([first.id]);
      expect(await store.rounds.close(first.id, 5_000)).toBe(true);
      expect(await store.rounds.close(first.id, 6_000)).toBe(false);
      expect((await store.rounds.get(first.id))?.closedAt).toBe(5_000);
      const second = await store.rounds.open(newRound("T1", 10_000));
      await store.rounds.close(second.id, 20_000);
      expect((await store.rounds.latestClosed("T1"))?.id).toBe(second.id);
      expect((await store.rounds.previousClosed(second))?.id).toBe(first.id);
      expect(await store.rounds.previousClosed(first)).toBeUndefined();
      expect((await store.rounds.closedSince(10_000)).map((r) => r.id)).toEqual([second.id]);
    });

    it("keeps invitations and reminders, and discards a round with its deliveries", async () => {
      const round = await store.rounds.open(newRound());
      await store.rounds.addInvitation(round.id, { side: "sales", channel: "CSALES", ts: "1.1" });
      await store.rounds.addInvitation(round.id, {
        side: "marketing",
        channel: "CMKTG",
        ts: "1.2",
      });
      await store.rounds.addReminder(round.id, { channel: "CSALES", ts: "2.1" });
      expect(await store.rounds.invitations(round.id)).toEqual([
        { side: "sales", channel: "CSALES", ts: "1.1" },
        { side: "marketing", channel: "CMKTG", ts: "1.2" },
      ]);
      expect(await store.rounds.reminders(round.id)).toEqual([{ channel: "CSALES", ts: "2.1" }]);
      const key = {
        teamId: "T1",
        kind: "invitation",
        recipientKey: "CSALES",
        period: `round-${round.id}`,
      };
      await store.deliveries.claim(key, 1, 1000);
      await store.rounds.discard(round.id);
      expect(await store.rounds.get(round.id)).toBeUndefined();
      expect(await store.deliveries.claim(key, 2, 1000)).toEqual({
        state: "claimed",
        resumed: false,
        attempts: 1,
      });
    });
  });

  describe(`${engine}: live refreshes of invitations`, () => {
    it("lets one refresh per window through, across instances, and always the one at close", async () => {
      const round = await store.rounds.open(newRound());
      const other = await under.reopen();
      try {
        expect(await store.rounds.claimRefresh(round.id, 10_000, 5_000)).toBe(true);
        // Within the window, neither this instance nor another may refresh again...
        expect(await store.rounds.claimRefresh(round.id, 12_000, 5_000)).toBe(false);
        expect(await other.rounds.claimRefresh(round.id, 14_999, 5_000)).toBe(false);
        // ...until it has passed, and then only one of two asking at once.
        const both = await Promise.all([
          store.rounds.claimRefresh(round.id, 15_000, 5_000),
          other.rounds.claimRefresh(round.id, 15_000, 5_000),
        ]);
        expect(both.filter(Boolean)).toHaveLength(1);
        // The refresh at close never waits, and starts a new window.
        expect(await other.rounds.claimRefresh(round.id, 15_001, 0)).toBe(true);
        expect(await store.rounds.claimRefresh(round.id, 20_000, 5_000)).toBe(false);
        expect(await store.rounds.claimRefresh(round.id, 20_001, 5_000)).toBe(true);
        // A round that does not exist claims nothing (and does not fail).
        expect(await store.rounds.claimRefresh(round.id + 1000, 30_000, 5_000)).toBe(false);
        // Discarding a round forgets its refreshes with it.
        await store.rounds.discard(round.id);
        expect(await store.rounds.claimRefresh(round.id, 40_000, 0)).toBe(false);
      } finally {
        await other.close();
      }
    });
  });

  describe(`${engine}: the order of lists`, () => {
    it("sorts text bytewise (capitals first) and breaks ties the same way in every engine", async () => {
      const teams = ["b", "B", "a", "A"];
      const opened: Round[] = [];
      for (const team of teams) opened.push(await store.rounds.open(newRound(team)));
      const idOf = (team: string) => opened[teams.indexOf(team)]?.id;
      const bytewise = ["A", "B", "a", "b"];
      expect(await store.rounds.teams()).toEqual(bytewise);
      expect((await store.rounds.allOpen()).map((r) => r.teamId)).toEqual(bytewise);
      // Every deadline is the same: the workspace decides.
      expect((await store.rounds.due(1_000 + 7 * DAY)).map((r) => r.teamId)).toEqual(bytewise);
      for (const round of opened) await store.rounds.close(round.id, 9_000);
      // Every round closed at once: the order they were opened in decides.
      expect((await store.rounds.closedSince(0)).map((r) => r.id)).toEqual(teams.map(idOf));
      const round = opened[0] as Round;
      for (const channel of ["c2", "C1", "c1"])
        await store.rounds.addReminder(round.id, { channel, ts: "5.5" });
      await store.rounds.addReminder(round.id, { channel: "c9", ts: "5.4" });
      expect((await store.rounds.reminders(round.id)).map((r) => r.channel)).toEqual([
        "c9",
        "C1",
        "c1",
        "c2",
      ]);
    });
  });

  describe(`${engine}: exclusive work`, () => {
    /** Work that runs until `finish` is called, counting how often it started. */
    const blocking = () => {
      let finish = () => {};
      const finished = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const work = {
        started: 0,
        finish: () => finish(),
        run: async () => {
          work.started++;
          await finished;
          return "done";
        },
      };
      return work;
    };

    it("runs one of two concurrent calls with the same name; the other does not wait", async () => {
      const work = blocking();
      const calls = [store.exclusive("digest", work.run), store.exclusive("digest", work.run)];
      // The call that lost returns while the winner is still running.
      expect(await Promise.race(calls)).toEqual({ ran: false });
      // Another name is not held up.
      expect(await store.exclusive("heartbeat", async () => 42)).toEqual({ ran: true, value: 42 });
      work.finish();
      const outcomes = await Promise.all(calls);
      expect(outcomes).toContainEqual({ ran: true, value: "done" });
      expect(outcomes).toContainEqual({ ran: false });
      expect(work.started).toBe(1);
      // Once it ended, the name is free again.
      expect(await store.exclusive("digest", async () => "again")).toEqual({
        ran: true,
        value: "again",
      });
    });

    it("excludes another store on the same database, and frees the name when work fails", async () => {
      const other = await under.reopen();
      try {
        const work = blocking();
        const running = store.exclusive("digest", work.run);
        await expect.poll(() => work.started).toBe(1);
        expect(await other.exclusive("digest", async () => "other")).toEqual({ ran: false });
        work.finish();
        expect(await running).toEqual({ ran: true, value: "done" });
        await expect(
          other.exclusive("digest", async () => {
            throw new Error("the job failed");
          }),
        ).rejects.toThrow("the job failed");
        expect(await store.exclusive("digest", async () => 1)).toEqual({ ran: true, value: 1 });
      } finally {
        await other.close();
      }
    });
  });

  describe(`${engine}: members and verified responses`, () => {
    it("knows which sides a person may answer for, as they join and leave", async () => {
      const round = await store.rounds.open(newRound());
      expect(await store.members.sidesOf(round.id, "p1")).toEqual(["sales"]);
      expect(await store.members.sidesOf(round.id, "both")).toEqual(["sales", "marketing"]);
      expect(await store.members.sidesOf(round.id, "stranger")).toEqual([]);
      await store.members.setPresent(round.id, "marketing", "stranger", true);
      await store.members.setPresent(round.id, "sales", "p1", false);
      expect(await store.members.sidesOf(round.id, "stranger")).toEqual(["marketing"]);
      expect(await store.members.sidesOf(round.id, "p1")).toEqual([]);
      expect(await store.members.counts(round.id)).toEqual({ sales: 2, marketing: 3 });
    });

    it("counts only answers whose respondent is a member of their side's channel", async () => {
      const round = await store.rounds.open(newRound());
      const save = (respondentKey: string, side: "sales" | "marketing") =>
        store.responses.save({
          roundId: round.id,
          respondentKey,
          side,
          ratings: ratings(3),
          at: 1,
        });
      expect(await save("p1", "sales")).toBe("created");
      // A marketer claiming sales, and someone in neither channel: refused, nothing stored.
      expect(await save("p3", "sales")).toBe("other-side");
      expect(await save("stranger", "marketing")).toBe("not-a-member");
      expect(await save("both", "marketing")).toBe("created");
      expect(await store.responses.find(round.id, "p3")).toBeUndefined();
      expect(await store.responses.find(round.id, "stranger")).toBeUndefined();
      expect(await store.responses.counts(round.id)).toEqual({ sales: 1, marketing: 1 });
      expect((await store.responses.answers(round.id)).map((a) => a.respondent)).toEqual([
        "both",
        "p1",
      ]);
      // Someone who answered, then left the channel, still counts: they were a member. They
      // cannot answer again, and someone who joined since can.
      await store.members.setPresent(round.id, "sales", "p1", false);
      expect(await store.responses.counts(round.id)).toEqual({ sales: 1, marketing: 1 });
      expect(await save("p1", "sales")).toBe("not-a-member");
      expect((await store.responses.find(round.id, "p1"))?.ratings).toEqual(ratings(3));
      await store.members.setPresent(round.id, "marketing", "newcomer", true);
      expect(await save("newcomer", "marketing")).toBe("created");
      expect(await store.responses.counts(round.id)).toEqual({ sales: 1, marketing: 2 });
    });

    it("keeps one response per person per round, times to the hour; a resubmission replaces it", async () => {
      const at = Date.UTC(2026, 10, 23, 9, 41, 17);
      const round = await store.rounds.open(newRound("T1", at - HOUR));
      const base = { roundId: round.id, respondentKey: "both" };
      expect(await store.responses.save({ ...base, side: "sales", ratings: ratings(3), at })).toBe(
        "created",
      );
      expect(
        await store.responses.save({
          ...base,
          side: "marketing",
          ratings: ratings(4),
          at: at + 2 * HOUR,
        }),
      ).toBe("updated");
      expect(await store.responses.find(round.id, "both")).toEqual({
        side: "marketing",
        ratings: ratings(4),
        submittedAt: Date.UTC(2026, 10, 23, 9),
        updatedAt: Date.UTC(2026, 10, 23, 11),
      });
      expect(await store.responses.counts(round.id)).toEqual({ sales: 0, marketing: 1 });
    });

    it("enters a save's request in the request log with it: a redelivered copy saves nothing", async () => {
      const round = await store.rounds.open(newRound());
      const base = { roundId: round.id, respondentKey: "p1" };
      const first = { teamId: "T1", key: "trigger:A" };
      expect(
        await store.responses.save({
          ...base,
          side: "sales",
          ratings: ratings(2),
          at: 10,
          request: first,
        }),
      ).toBe("created");
      // A newer answer, then the old copy arrives again: the newer answer stands.
      expect(
        await store.responses.save({
          ...base,
          side: "sales",
          ratings: ratings(5),
          at: 20,
          request: { teamId: "T1", key: "trigger:B" },
        }),
      ).toBe("updated");
      expect(
        await store.responses.save({
          ...base,
          side: "sales",
          ratings: ratings(2),
          at: 30,
          request: first,
        }),
      ).toBe("duplicate");
      expect((await store.responses.find(round.id, "p1"))?.ratings).toEqual(ratings(5));
      // The same log as the middleware's: the request counts as seen there, per workspace.
      expect(await store.requests.firstSeen("T1", "trigger:A", 40)).toBe(false);
      expect(await store.requests.firstSeen("T2", "trigger:A", 40)).toBe(true);
    });

    it("takes no answer into a closed round, or one past its closing time", async () => {
      const round = await store.rounds.open(newRound("T1", 1_000));
      const answer = { roundId: round.id, side: "sales" as const, ratings: ratings(3) };
      const closesAt = 1_000 + 7 * DAY;
      expect(await store.responses.save({ ...answer, respondentKey: "p1", at: closesAt - 1 })).toBe(
        "created",
      );
      expect(
        await store.responses.save({
          ...answer,
          respondentKey: "p2",
          at: closesAt,
          request: { teamId: "T1", key: "trigger:late" },
        }),
      ).toBe("closed");
      await store.rounds.close(round.id, 5_000);
      expect(await store.responses.save({ ...answer, respondentKey: "p3", at: 6_000 })).toBe(
        "closed",
      );
      expect((await store.responses.answers(round.id)).map((a) => a.respondent)).toEqual(["p1"]);
      // A refused answer leaves nothing behind, its request included: pressing Submit again is new.
      expect(await store.requests.firstSeen("T1", "trigger:late", 7_000)).toBe(true);
    });

    it("survives closing and reopening the database", async () => {
      const round = await store.rounds.open(newRound());
      await store.responses.save({
        roundId: round.id,
        respondentKey: "p1",
        side: "sales",
        ratings: ratings(5),
        at: 10,
      });
      await store.close();
      store = await under.reopen();
      expect((await store.rounds.openFor("T1"))?.id).toBe(round.id);
      expect(await store.responses.answers(round.id)).toEqual([
        { side: "sales", ratings: ratings(5), respondent: "p1" },
      ]);
    });
  });

  describe(`${engine}: tallies and who answered`, () => {
    /** The tallies' cells: [statement × 5 + rating − 1] and [total − 20], all others 0. */
    const cells = (length: number, filled: Record<number, number>) =>
      Array.from({ length }, (_, i) => filled[i] ?? 0);

    it("tallies the verified answers per side, statement and rating, and per total", async () => {
      const round = await store.rounds.open(newRound());
      const save = (respondentKey: string, side: "sales" | "marketing", values: number[]) =>
        store.responses.save({ roundId: round.id, respondentKey, side, ratings: values, at: 1 });
      // p1 rates statement i (i mod 5) + 1: 1, 2, 3, 4, 5, 1, …: a total of 60.
      await save(
        "p1",
        "sales",
        Array.from({ length: 20 }, (_, i) => (i % 5) + 1),
      );
      await save("p2", "sales", ratings(5));
      await save("p3", "marketing", ratings(2));
      await save("both", "marketing", ratings(3));
      await save("stranger", "marketing", ratings(1)); // not a member: never counted
      await save("x9", "sales", ratings(4)); // not a member either
      const tallies = await store.responses.tallies(round.id, 20);

      const salesRatings: Record<number, number> = {};
      for (let s = 0; s < 20; s++) {
        const p1 = s * 5 + (s % 5);
        const p2 = s * 5 + 4;
        salesRatings[p1] = (salesRatings[p1] ?? 0) + 1;
        salesRatings[p2] = (salesRatings[p2] ?? 0) + 1;
      }
      expect(tallies.statementCount).toBe(20);
      expect(tallies.sales.n).toBe(2);
      expect(tallies.sales.ratings).toEqual(cells(100, salesRatings));
      // Statement 1: one 1 (p1) and one 5 (p2); statement 5: two 5s.
      expect(tallies.sales.ratings.slice(0, 5)).toEqual([1, 0, 0, 0, 1]);
      expect(tallies.sales.ratings.slice(20, 25)).toEqual([0, 0, 0, 0, 2]);
      expect(tallies.sales.totals).toEqual(cells(81, { 40: 1, 80: 1 }));
      expect(tallies.marketing.n).toBe(2);
      const marketingRatings: Record<number, number> = {};
      for (let s = 0; s < 20; s++) {
        marketingRatings[s * 5 + 1] = 1;
        marketingRatings[s * 5 + 2] = 1;
      }
      expect(tallies.marketing.ratings).toEqual(cells(100, marketingRatings));
      expect(tallies.marketing.totals).toEqual(cells(81, { 20: 1, 40: 1 }));
      // Who answered is compared in the database (respondentChange), never handed out.
      expect(tallies.sales.respondents).toBeUndefined();
      expect(tallies.marketing.respondents).toBeUndefined();
      // A round nobody answered.
      const empty = await store.responses.tallies(round.id + 1000, 20);
      expect(empty.sales.n + empty.marketing.n).toBe(0);
      expect(empty.sales.totals).toEqual(cells(81, {}));
    });

    it("refuses to tally a stored answer that is not one rating from 1 to 5 per statement", async () => {
      const round = await store.rounds.open(newRound());
      await store.responses.save({
        roundId: round.id,
        respondentKey: "p1",
        side: "sales",
        ratings: ratings(3),
        at: 1,
      });
      await expect(store.responses.tallies(round.id, 19)).rejects.toThrow(InvalidAnswerError);
      await store.responses.save({
        roundId: round.id,
        respondentKey: "p2",
        side: "sales",
        ratings: [...ratings(3).slice(1), 7],
        at: 1,
      });
      await expect(store.responses.tallies(round.id, 20)).rejects.toThrow(InvalidAnswerError);
    });

    it("lists who answered, in key order, across pages, without their ratings", async () => {
      const round = await store.rounds.open(newRound());
      const save = (respondentKey: string, side: "sales" | "marketing") =>
        store.responses.save({
          roundId: round.id,
          respondentKey,
          side,
          ratings: ratings(2),
          at: 1,
        });
      await save("p2", "sales");
      expect(await save("stranger", "marketing")).toBe("not-a-member"); // has not answered
      await save("p1", "sales");
      expect(await store.responses.respondentKeys(round.id)).toEqual(["p1", "p2"]);
      expect(await store.responses.respondentKeys(round.id + 1000)).toEqual([]);
      // More keys than a page holds (the first is 256).
      const keys = Array.from({ length: 700 }, (_, i) => `k${String(i).padStart(4, "0")}`);
      const many = await store.rounds.open({
        ...newRound("T2"),
        members: { sales: keys, marketing: [] },
      });
      for (const key of keys)
        await store.responses.save({
          roundId: many.id,
          respondentKey: key,
          side: "sales",
          ratings: ratings(3),
          at: 1,
        });
      expect(await store.responses.respondentKeys(many.id)).toEqual(keys);
    });

    it("compares who answered two rounds: in one only, or on a side in one only", async () => {
      const first = await store.rounds.open(newRound());
      const save = (roundId: number, respondentKey: string, side: "sales" | "marketing") =>
        store.responses.save({ roundId, respondentKey, side, ratings: ratings(3), at: 1 });
      await save(first.id, "p1", "sales");
      await save(first.id, "p2", "sales");
      await save(first.id, "both", "marketing");
      await save(first.id, "stranger", "marketing"); // unverified: not a respondent
      await store.rounds.close(first.id, 2_000);
      const second = await store.rounds.open(newRound("T1", 10_000));
      await save(second.id, "p1", "sales");
      await save(second.id, "both", "sales"); // the same person, on the other side now
      await save(second.id, "p3", "marketing");
      // Everyone: p2 (first only) and p3 (second only). Sales: p2 left it, both joined it.
      // Marketing: both left it, p3 joined it.
      expect(await store.responses.respondentChange(first.id, second.id)).toEqual({
        everyone: 2,
        sales: 2,
        marketing: 2,
      });
      expect(await store.responses.respondentChange(first.id, first.id)).toEqual({
        everyone: 0,
        sales: 0,
        marketing: 0,
      });
    });

    it("tallies and compares rounds of many pages exactly", async () => {
      // 900 people, more than several of the pages the embedded engine reads at a time.
      const keys = Array.from({ length: 900 }, (_, i) => `k${String(i).padStart(4, "0")}`);
      const members = { sales: keys.slice(0, 600), marketing: keys.slice(300) };
      const first = await store.rounds.open({ ...newRound(), members });
      const second = await store.rounds.open({ ...newRound("T2"), members });
      // First round: k0000–k0599 on sales, each rating everything (i mod 5) + 1. Second round:
      // k0300–k0899 on marketing, each rating everything 4.
      for (let i = 0; i < 600; i++) {
        await store.responses.save({
          roundId: first.id,
          respondentKey: keys[i] as string,
          side: "sales",
          ratings: ratings((i % 5) + 1),
          at: 1,
        });
        await store.responses.save({
          roundId: second.id,
          respondentKey: keys[i + 300] as string,
          side: "marketing",
          ratings: ratings(4),
          at: 1,
        });
      }
      const tallies = await store.responses.tallies(first.id, 20);
      expect(tallies.sales.n).toBe(600);
      expect(tallies.marketing.n).toBe(0);
      // 120 people gave each rating, to every statement, for totals 20, 40, 60, 80 and 100.
      expect(tallies.sales.ratings.slice(0, 5)).toEqual([120, 120, 120, 120, 120]);
      expect(tallies.sales.ratings.slice(95, 100)).toEqual([120, 120, 120, 120, 120]);
      expect(tallies.sales.totals).toEqual(
        cells(81, { 0: 120, 20: 120, 40: 120, 60: 120, 80: 120 }),
      );
      // k0300–k0599 answered both (sales, then marketing); 300 answered only the first, 300
      // only the second: 600 differ for Everyone, all 600 of each round for each side.
      expect(await store.responses.respondentChange(first.id, second.id)).toEqual({
        everyone: 600,
        sales: 600,
        marketing: 600,
      });
    });
  });

  describe(`${engine}: deliveries`, () => {
    const key = { teamId: "T1", kind: "digest", recipientKey: "k1", period: "2026-W47" };

    it("records the intent, leases it to one sender, and is done only when marked", async () => {
      expect(await store.deliveries.claim(key, 100, 50)).toEqual({
        state: "claimed",
        resumed: false,
        attempts: 1,
      });
      expect(await store.deliveries.claim(key, 120, 50)).toEqual({ state: "busy" });
      expect(await store.deliveries.isDone(key)).toBe(false);
      // The sender died: once its lease is over, the next one resumes (and checks Slack first).
      expect(await store.deliveries.claim(key, 151, 50)).toEqual({
        state: "claimed",
        resumed: true,
        attempts: 2,
      });
      await store.deliveries.complete(key, "123.456", 160);
      expect(await store.deliveries.isDone(key)).toBe(true);
      expect(await store.deliveries.claim(key, 1_000, 50)).toEqual({
        state: "done",
        ts: "123.456",
      });
      expect(await store.deliveries.claim({ ...key, period: "2026-W48" }, 1_000, 50)).toMatchObject(
        { state: "claimed", resumed: false },
      );
    });

    it("forgets a first attempt Slack refused, so the next one starts fresh", async () => {
      await store.deliveries.claim(key, 100, 10_000);
      await store.deliveries.abandon(key);
      expect(await store.deliveries.claim(key, 101, 10_000)).toEqual({
        state: "claimed",
        resumed: false,
        attempts: 1,
      });
      await store.deliveries.complete(key, "1.2", 102);
      await store.deliveries.abandon(key);
      expect(await store.deliveries.isDone(key)).toBe(true);
    });

    it("lets a failed attempt, or the only instance after a crash, be resumed at once", async () => {
      await store.deliveries.claim(key, 100, 10_000);
      await store.deliveries.release(key);
      expect(await store.deliveries.claim(key, 101, 10_000)).toMatchObject({ resumed: true });
      expect(await store.deliveries.releaseAllLeases()).toBe(1);
      expect(await store.deliveries.claim(key, 102, 10_000)).toMatchObject({
        state: "claimed",
        attempts: 3,
      });
    });
  });

  describe(`${engine}: installations and retention`, () => {
    const team = { enterpriseId: undefined, teamId: "T1", isEnterpriseInstall: false };
    const org = { enterpriseId: "E1", teamId: undefined, isEnterpriseInstall: true };

    it("keeps one sealed installation per workspace or organisation", async () => {
      await store.installations.save(team, "sealed-1", 1);
      await store.installations.save(team, "sealed-2", 2);
      await store.installations.save(org, "sealed-org", 3);
      expect(await store.installations.find(team)).toBe("sealed-2");
      expect(await store.installations.find(org)).toBe("sealed-org");
      expect(await store.installations.find({ ...team, teamId: "T2" })).toBeUndefined();
      expect(await store.installations.findForTeam("T1")).toEqual({
        key: team,
        sealed: "sealed-2",
      });
      // A workspace of the organisation with no install of its own acts through the org's.
      expect(await store.installations.findForTeam("T7")).toBeUndefined();
      await store.settings.set("T7", "enterprise_id", "E1");
      expect(await store.installations.findForTeam("T7")).toEqual({
        key: org,
        sealed: "sealed-org",
      });
      expect(await store.installations.delete(team)).toBe(1);
      expect(await store.installations.find(team)).toBeUndefined();
    });

    it("forgets everything of one workspace, and nothing of another", async () => {
      const mine = await store.rounds.open(newRound("T1"));
      const theirs = await store.rounds.open(newRound("T2"));
      for (const round of [mine, theirs])
        await store.responses.save({
          roundId: round.id,
          respondentKey: "p1",
          side: "sales",
          ratings: ratings(4),
          at: 1,
        });
      await store.settings.set("T1", "sales_channel", "C1");
      await store.settings.set("T2", "sales_channel", "C2");
      await store.installations.save(team, "sealed", 1);
      await store.requests.firstSeen("T1", "event:E1", 1);
      await store.deliveries.claim(
        { teamId: "T1", kind: "digest", recipientKey: "k", period: "p" },
        1,
        1,
      );
      await store.forgetWorkspace("T1");
      expect(await store.rounds.get(mine.id)).toBeUndefined();
      expect(await store.responses.answers(mine.id)).toEqual([]);
      expect(await store.members.sidesOf(mine.id, "p1")).toEqual([]);
      expect(await store.settings.get("T1", "sales_channel")).toBeUndefined();
      expect(await store.installations.find(team)).toBeUndefined();
      expect(await store.requests.firstSeen("T1", "event:E1", 2)).toBe(true);
      expect(
        await store.deliveries.claim(
          { teamId: "T1", kind: "digest", recipientKey: "k", period: "p" },
          2,
          1,
        ),
      ).toMatchObject({ resumed: false });
      expect(await store.responses.counts(theirs.id)).toEqual({ sales: 1, marketing: 0 });
      expect(await store.settings.get("T2", "sales_channel")).toBe("C2");
    });
  });

  describe(`${engine}: commitments`, () => {
    const adopted = (teamId = "T1") => ({
      teamId,
      roundId: 7,
      actionId: "statement:common-language",
      title: "Write one lead definition together",
      note: "Start with the last quarter's lost deals",
      owners: { sales: "U0SALES01", marketing: "U0MKTG001" },
      dueDate: "2026-12-18",
      statementIds: ["common-language"],
      createdBy: "U0LEADER1",
      createdAt: 5_000,
    });

    it("keeps what was adopted, per workspace, oldest first", async () => {
      const first = await store.commitments.create(adopted());
      const second = await store.commitments.create({
        ...adopted(),
        title: "Second",
        note: undefined,
      });
      await store.commitments.create(adopted("T2"));
      expect(first).toEqual({
        ...adopted(),
        id: first.id,
        updatedAt: 5_000,
        doneAt: undefined,
        doneBy: undefined,
      });
      expect(second.note).toBeUndefined();
      expect((await store.commitments.list("T1")).map((c) => c.title)).toEqual([
        "Write one lead definition together",
        "Second",
      ]);
      expect(await store.commitments.get("T2", first.id)).toBeUndefined();
      expect((await store.commitments.get("T1", first.id))?.statementIds).toEqual([
        "common-language",
      ]);
    });

    it("changes owners and dates, and marks done once", async () => {
      const c = await store.commitments.create(adopted());
      const changed = await store.commitments.update(
        "T1",
        c.id,
        {
          title: "Renamed",
          note: undefined,
          owners: { sales: "U0SALES02", marketing: "U0MKTG001" },
          dueDate: "2027-01-08",
        },
        6_000,
      );
      expect(changed).toMatchObject({
        title: "Renamed",
        note: undefined,
        owners: { sales: "U0SALES02", marketing: "U0MKTG001" },
        dueDate: "2027-01-08",
        updatedAt: 6_000,
      });
      expect(await store.commitments.update("T2", c.id, changed as never, 6_500)).toBeUndefined();
      expect((await store.commitments.allOpen()).map((o) => o.id)).toEqual([c.id]);
      const done = await store.commitments.markDone("T1", c.id, "U0SALES02", 7_000);
      expect(done).toMatchObject({ doneAt: 7_000, doneBy: "U0SALES02", updatedAt: 7_000 });
      const again = await store.commitments.markDone("T1", c.id, "U0LEADER1", 8_000);
      expect(again).toMatchObject({ doneAt: 7_000, doneBy: "U0SALES02", updatedAt: 7_000 });
      expect(await store.commitments.allOpen()).toEqual([]);
      expect(await store.commitments.markDone("T1", 999_999, "U0X", 1)).toBeUndefined();
    });

    it("are forgotten with their workspace", async () => {
      await store.commitments.create(adopted());
      const kept = await store.commitments.create(adopted("T2"));
      await store.forgetWorkspace("T1");
      expect(await store.commitments.list("T1")).toEqual([]);
      expect((await store.commitments.list("T2")).map((c) => c.id)).toEqual([kept.id]);
    });
  });

  describe(`${engine}: settings, requests and health`, () => {
    it("stores settings per workspace", async () => {
      await store.settings.set("T1", "sales_channel", "C1");
      await store.settings.set("T1", "sales_channel", "C2");
      expect(await store.settings.get("T1", "sales_channel")).toBe("C2");
      expect(await store.settings.get("T2", "sales_channel")).toBeUndefined();
      await store.settings.set("T2", "removed_at", "5");
      await store.settings.set("T1", "removed_at", "7");
      expect(await store.settings.teamsWith("removed_at")).toEqual([
        { teamId: "T1", value: "7" },
        { teamId: "T2", value: "5" },
      ]);
      await store.settings.delete("T1", "removed_at");
      expect(await store.settings.teamsWith("removed_at")).toEqual([{ teamId: "T2", value: "5" }]);
    });

    it("remembers handled requests per workspace until pruned", async () => {
      expect(await store.requests.firstSeen("T1", "event:Ev1", 10)).toBe(true);
      expect(await store.requests.firstSeen("T1", "event:Ev1", 11)).toBe(false);
      expect(await store.requests.firstSeen("T2", "event:Ev1", 12)).toBe(true);
      expect(await store.requests.prune(12)).toBe(1); // the first sighting counts, not the redelivery
      expect(await store.requests.firstSeen("T1", "event:Ev1", 13)).toBe(true);
    });

    it("reports a readable and writable database", async () => {
      expect(await store.health()).toEqual({ readable: true, writable: true });
    });
  });

  describe(`${engine}: the DM queue`, () => {
    const dm = (
      roundId: number,
      recipientKey: string,
      notBefore: number,
      period = "round:slot-0",
    ) => ({
      teamId: "T1",
      kind: "reminder",
      period,
      recipientKey,
      roundId,
      notBefore,
    });

    it("queues each person once per period, and hands out due DMs earliest first", async () => {
      const round = await store.rounds.open(newRound());
      expect(
        await store.dms.enqueue(
          [dm(round.id, "k2", 200), dm(round.id, "k1", 100), dm(round.id, "k3", 900)],
          50,
        ),
      ).toBe(3);
      // Planned again (a second instance, a retry): nothing new.
      expect(await store.dms.enqueue([dm(round.id, "k1", 100), dm(round.id, "k4", 100)], 60)).toBe(
        1,
      );
      expect(await store.dms.teamsDue(99)).toEqual([]);
      expect(await store.dms.teamsDue(100)).toEqual(["T1"]);
      const first = await store.dms.claimNext("T1", 250, 1_000);
      expect(first).toEqual({ ...dm(round.id, "k1", 100), createdAt: 50, attempts: 1 });
      const second = await store.dms.claimNext("T1", 250, 1_000);
      expect(second?.recipientKey).toBe("k4");
      expect((await store.dms.claimNext("T1", 250, 1_000))?.recipientKey).toBe("k2");
      // k3 is not due yet; the others are leased.
      expect(await store.dms.claimNext("T1", 250, 1_000)).toBeUndefined();
      await store.dms.finish(dm(round.id, "k1", 0), "sent", 300);
      await store.dms.finish(dm(round.id, "k4", 0), "skipped", 300);
      // A 429: back to pending, due after the wait.
      await store.dms.reschedule(dm(round.id, "k2", 0), 400);
      expect(await store.dms.claimNext("T1", 399, 1_000)).toBeUndefined();
      expect(await store.dms.claimNext("T1", 400, 1_000)).toMatchObject({
        recipientKey: "k2",
        attempts: 2,
      });
      expect(await store.dms.progress("T1", "reminder", "round:slot-0")).toEqual({
        total: 4,
        sent: 1,
        skipped: 1,
        failed: 0,
        pending: 2,
      });
      // A finished DM is never handed out again, nor rescheduled.
      await store.dms.reschedule(dm(round.id, "k1", 0), 0);
      expect(await store.dms.progress("T1", "reminder", "round:slot-0")).toMatchObject({ sent: 1 });
    });

    it("survives a restart, frees leases of the only instance, and goes with its round", async () => {
      const round = await store.rounds.open(newRound());
      await store.dms.enqueue([dm(round.id, "k1", 0)], 0);
      expect(await store.dms.claimNext("T1", 10, 60_000)).toMatchObject({ attempts: 1 });
      await store.close();
      store = await under.reopen();
      expect(await store.dms.claimNext("T1", 20, 60_000)).toBeUndefined();
      expect(await store.dms.releaseAllLeases()).toBe(1);
      expect(await store.dms.claimNext("T1", 20, 60_000)).toMatchObject({ attempts: 2 });
      await store.dms.optOut(round.id, "k1");
      await store.dms.optOut(round.id, "k1");
      await store.dms.optOut(round.id, "k0");
      expect(await store.dms.optOuts(round.id)).toEqual(["k0", "k1"]);
      await store.rounds.discard(round.id);
      expect(await store.dms.progress("T1", "reminder", "round:slot-0")).toMatchObject({
        total: 0,
      });
      expect(await store.dms.optOuts(round.id)).toEqual([]);
    });

    it("never gives one DM to two instances claiming at once", async () => {
      const round = await store.rounds.open(newRound());
      const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
      await store.dms.enqueue(
        keys.map((k) => dm(round.id, k, 0)),
        0,
      );
      const other = await under.reopen();
      try {
        const claimed: string[] = [];
        const drain = async (s: Store) => {
          for (;;) {
            const next = await s.dms.claimNext("T1", 5, 60_000);
            if (!next) return;
            claimed.push(next.recipientKey);
          }
        };
        await Promise.all([drain(store), drain(other), drain(store), drain(other)]);
        expect(claimed.sort()).toEqual(keys);
      } finally {
        await other.close();
      }
    });
  });

  describe(`${engine}: compare-and-set settings`, () => {
    it("changes a setting only from the value expected, one claimer winning", async () => {
      expect(await store.settings.replace("T1", "next_launch_at", "5", "9")).toBe(false);
      expect(await store.settings.replace("T1", "next_launch_at", undefined, "5")).toBe(true);
      expect(await store.settings.replace("T1", "next_launch_at", undefined, "6")).toBe(false);
      const other = await under.reopen();
      try {
        const won = await Promise.all([
          store.settings.replace("T1", "next_launch_at", "5", "10"),
          other.settings.replace("T1", "next_launch_at", "5", "10"),
          store.settings.replace("T1", "next_launch_at", "5", "11"),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
      } finally {
        await other.close();
      }
      const now = await store.settings.get("T1", "next_launch_at");
      expect(await store.settings.replace("T1", "next_launch_at", now, undefined)).toBe(true);
      expect(await store.settings.get("T1", "next_launch_at")).toBeUndefined();
    });
  });
}
