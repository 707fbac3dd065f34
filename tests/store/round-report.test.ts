import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../../scripts/seeded-random.js";
import type { Deps } from "../../src/deps.js";
import { silentLogger } from "../../src/logger.js";
import {
  changePermissionsOfDifferences,
  closedRoundReport,
} from "../../src/services/round-report.js";
import { openSqliteStore, type Store } from "../../src/store/index.js";
import { DEFAULT_INSTRUMENT } from "../../src/survey/instrument.js";
import { analyzeRound } from "../../src/survey/report.js";
import type { Answer, Side } from "../../src/survey/types.js";

/**
 * The closed-round report is computed from the database's tallies and its comparison of who
 * answered (store.responses.tallies, respondentChange). It must be exactly the report the
 * analysis makes of the answers themselves, trend and all.
 */
const DAY = 86_400_000;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

function depsFor(s: Store): Deps {
  return {
    config: { market: "shifting", minGroup: 5, digestCron: "0 9 * * 1" } as Deps["config"],
    store: s,
    instrument: DEFAULT_INSTRUMENT,
    clock: () => Date.UTC(2026, 6, 1),
    personKey: (team, user) => `${team}:${user}`,
    keyFingerprint: "fp",
    logger: silentLogger,
  };
}

/** A closed round of `people` (key → side), each answering with seeded ratings. */
async function closedRound(
  s: Store,
  index: number,
  people: [string, Side][],
  fingerprint: string,
  seed: number,
) {
  const openedAt = Date.UTC(2026, 0, 1) + index * 30 * DAY;
  const members = {
    sales: people.filter(([, side]) => side === "sales").map(([k]) => k),
    marketing: people.filter(([, side]) => side === "marketing").map(([k]) => k),
  };
  const round = await s.rounds.open({
    teamId: "T1",
    openedByKey: "k-lead",
    openedAt,
    closesAt: openedAt + 7 * DAY,
    salesChannel: "CS",
    marketingChannel: "CM",
    statementIds: DEFAULT_INSTRUMENT.statements.map((st) => st.id),
    invited: {
      sales: members.sales.length + 2,
      marketing: members.marketing.length + 1,
      people: members.sales.length + members.marketing.length + 3,
    },
    members,
    keyFingerprint: fingerprint,
  });
  const random = seededRandom(seed);
  for (const [key, side] of people) {
    const lean = side === "sales" ? 1 : 0;
    await s.responses.save({
      roundId: round.id,
      respondentKey: key,
      side,
      ratings: DEFAULT_INSTRUMENT.statements.map(() =>
        Math.min(5, 1 + lean + Math.floor(random() * 4)),
      ),
      at: openedAt,
    });
  }
  // Someone claiming a side whose channel they are not in: never counted by either path.
  await s.responses.save({
    roundId: round.id,
    respondentKey: "stranger",
    side: "sales",
    ratings: DEFAULT_INSTRUMENT.statements.map(() => 1),
    at: openedAt,
  });
  await s.rounds.close(round.id, openedAt + 7 * DAY);
  return (await s.rounds.get(round.id)) as NonNullable<Awaited<ReturnType<Store["rounds"]["get"]>>>;
}

const people = (n: number, prefix = "p"): [string, Side][] =>
  Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i % 3 === 0 ? "marketing" : "sales"]);

describe("the closed-round report from the database's tallies", () => {
  it.each([
    ["the same people twice", people(24), people(24), "fp", true],
    ["one person more this time (the change withheld)", people(24), people(25), "fp", false],
    [
      "six new people (the change shown)",
      people(24),
      [...people(24), ...people(6, "n")],
      "fp",
      true,
    ],
    ["rounds keyed by different secrets (no change)", people(24), people(24), "fp-old", false],
  ] as const)("equals the analysis of the answers: %s", async (_, before, after, oldKey, shown) => {
    store = openSqliteStore(":memory:");
    const previous = await closedRound(store, 0, [...before], oldKey, 1);
    const round = await closedRound(store, 1, [...after], "fp", 2);
    const fromTallies = await closedRoundReport(depsFor(store), round);

    const answers = await store.responses.answers(round.id);
    const earlier = await store.responses.answers(previous.id);
    const sameKeys = oldKey === "fp";
    const expected = analyzeRound({
      instrument: DEFAULT_INSTRUMENT,
      answers,
      roundClosed: true,
      minGroup: 5,
      market: "shifting",
      invited: {
        sales: round.invited.sales as number,
        marketing: round.invited.marketing as number,
        people: round.invited.people as number,
      },
      previous: {
        answers: sameKeys
          ? earlier
          : earlier.map(({ side, ratings }): Answer => ({ side, ratings })),
      },
    });
    expect(fromTallies.report).toEqual(expected);
    expect(fromTallies.report.levels.find((l) => l.group === "everyone")?.n).toBe(after.length);
    // The trend shows Everyone's change exactly when who answered allows it.
    expect(fromTallies.report.trend?.groups.some((g) => g.group === "everyone") ?? false).toBe(
      shown,
    );
  });

  it("shows a group's change when the same people answered, or a minimum group differs", () => {
    expect(changePermissionsOfDifferences({ everyone: 0, sales: 4, marketing: 5 }, 5)).toEqual({
      everyone: true,
      sales: false,
      marketing: true,
    });
    // A minimum group below the floor of 3 is raised to it.
    expect(changePermissionsOfDifferences({ everyone: 2, sales: 3, marketing: 1 }, 1)).toEqual({
      everyone: false,
      sales: true,
      marketing: false,
    });
  });
});
