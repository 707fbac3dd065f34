import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { SlackDriver, type SubmitResponse } from "../../sandbox/driver.js";
import { sandboxEnv } from "../../sandbox/env.js";
import { type FakeSlack, type StoredView, startFakeSlack } from "../../sandbox/fake-slack.js";
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  type PostgresServerInfo,
} from "../../sandbox/postgres-server.js";
import { startTruceProcess, type TruceProcess } from "../../sandbox/process.js";
import { DELIVERY_EVENT_TYPE, deliveryTag } from "../../src/services/delivery.js";
import { lastScheduledTime } from "../../src/services/digest.js";
import { openPostgresStore, type Store } from "../../src/store/index.js";
import { personKeyer } from "../../src/store/keys.js";
import {
  LEADER,
  MARKETING,
  people,
  ratingsFor,
  SALES,
  SECRET,
  SIGNING_SECRET,
  surveyValues,
} from "./harness.js";

/**
 * Two real Truce processes on one PostgreSQL database, one fake Slack: a leader launches through
 * one, people answer through both, one dies by SIGKILL with an answer in flight, and the other
 * carries on and closes. Every acknowledged answer counts once, every message owed goes out
 * once, and heartbeats and redeliveries handled by either instance change nothing twice.
 */

const provided = inject("postgres");
const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

if (provided.state === "running") {
  instanceTests(provided);
} else if (provided.state === "missing" && !inCi) {
  describe.skip(`instances: skipped. ${provided.reason}`, () => {
    it("runs two instances on one PostgreSQL database", () => {});
  });
} else {
  describe("instances", () => {
    it("has a PostgreSQL server to test against", () => {
      throw new Error(
        provided.state === "missing"
          ? `${provided.reason} With CI=true the PostgreSQL tests must run, so this fails.`
          : provided.reason,
      );
    });
  });
}

const SECOND_LEADER = "U0LEAD0002";
const LEADERS = [LEADER, SECOND_LEADER];
const NEWCOMER = "U0NEWBIE1";
const LATECOMER = "U0NEWBIE2";
const PER_SIDE = 6;
const HOUR_MS = 60 * 60 * 1000;

/**
 * A digest cron whose latest firing is `ago` before now: daily, or only on that date (yearly).
 * Read in UTC: the leaders have no time zone in the fake, so TRUCE_TIMEZONE (UTC) applies.
 */
function cronFiredAgo(ago: number, daily: boolean): string {
  const at = new Date(Date.now() - ago);
  const day = daily ? "* *" : `${at.getUTCDate()} ${at.getUTCMonth() + 1}`;
  return `${at.getUTCMinutes()} ${at.getUTCHours()} ${day} *`;
}

/** Waits for an asynchronous condition, polling; fails after `timeoutMs`. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const answeredText = (result: SubmitResponse) =>
  JSON.stringify(result.outcome.view?.view.blocks ?? []).match(
    /Your answers are (saved|updated)/,
  )?.[1];

interface Instance {
  truce: TruceProcess;
  driver: SlackDriver;
}

function instanceTests(server: PostgresServerInfo) {
  let fake: FakeSlack | undefined;
  let dir: string | undefined;
  let database: string | undefined;
  let store: Store | undefined;
  let outsider: pg.Client | undefined;
  const running: TruceProcess[] = [];

  afterEach(async () => {
    for (const truce of running.splice(0)) await truce.kill();
    await outsider?.end().catch(() => undefined);
    outsider = undefined;
    await store?.close();
    store = undefined;
    await fake?.close();
    fake = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (database) await dropDatabase(server.adminUrl, database);
    database = undefined;
  });

  it("two instances share the work: each answer counted once, each message sent once", async () => {
    const sales = people("sales", PER_SIDE);
    const marketing = people("marketing", PER_SIDE);
    const slack = await startFakeSlack({
      users: [
        { id: LEADER, name: "lee" },
        { id: SECOND_LEADER, name: "lou" },
        { id: NEWCOMER, name: "nell" },
        { id: LATECOMER, name: "lars" },
        ...[...sales, ...marketing].map((id) => ({ id, name: id.toLowerCase() })),
      ],
      channels: [
        { id: SALES, name: "sales", members: [LEADER, ...sales] },
        { id: MARKETING, name: "marketing", members: [SECOND_LEADER, ...marketing] },
      ],
    });
    fake = slack;
    const workDir = mkdtempSync(join(tmpdir(), "truce-instances-"));
    dir = workDir;
    database = `truce_instances_${process.pid}`;
    await createDatabase(server.adminUrl, database);
    const url = databaseUrl(server.adminUrl, database);
    const teamId = slack.teamId;
    const key = personKeyer(SECRET);

    // While answers come in, no digest is due (its latest firing was days ago), so no instance
    // is posting one when A is killed: a delivery a killed sender had leased waits out its
    // lease, which is right but would make this test wait minutes. After the close, every
    // instance starts with a daily cron that fired 12 hours ago: due at each start-up, and the
    // same occurrence for all of them, whatever the clock says while the test runs.
    const notDue = cronFiredAgo(3 * 24 * HOUR_MS, false);
    const due = cronFiredAgo(12 * HOUR_MS, true);

    const start = async (digestCron: string): Promise<Instance> => {
      const env = sandboxEnv(
        slack,
        {
          databasePath: join(workDir, "unused.db"),
          signingSecret: SIGNING_SECRET,
          salesChannel: SALES,
          marketingChannel: MARKETING,
          leader: LEADER,
        },
        {
          DATABASE_URL: url,
          TRUCE_SECRET: SECRET,
          TRUCE_LEADERS: LEADERS.join(","),
          TRUCE_DIGEST_CRON: digestCron,
          LOG_LEVEL: "warn",
        },
      );
      const truce = await startTruceProcess(env, { cwd: workDir });
      running.push(truce);
      const driver = new SlackDriver({
        appUrl: `http://127.0.0.1:${truce.port}/slack/events`,
        signingSecret: SIGNING_SECRET,
        fake: slack,
      });
      return { truce, driver };
    };
    /** SIGTERM: the process finishes the heartbeat tick under way, then exits. */
    const stop = async (instance: Instance) => {
      await instance.truce.stop();
      running.splice(running.indexOf(instance.truce), 1);
    };

    const [a, b] = await Promise.all([start(notDue), start(notDue)]);

    // -- the leader launches through A ----------------------------------------------------------
    await a.driver.command(LEADER, SALES, "launch");
    await slack.waitFor(() => slack.responses.find((r) => /launched/.test(r.text ?? "")), {
      timeoutMs: 10_000,
    });
    const invitation = {
      [SALES]: slack.messagesIn(SALES)[0]?.ts as string,
      [MARKETING]: slack.messagesIn(MARKETING)[0]?.ts as string,
    };
    store = await openPostgresStore(url);
    const round = await store.rounds.openFor(teamId);
    if (!round) throw new Error("no open round after the launch");

    // -- a redelivered event: to A, then again to B ---------------------------------------------
    const joined = {
      type: "member_joined_channel",
      user: NEWCOMER,
      channel: SALES,
      channel_type: "C",
      team: teamId,
    };
    const eventTime = Math.floor(Date.now() / 1000);
    slack.addMember(SALES, NEWCOMER);
    await a.driver.event(joined, { eventId: "Ev0TWOINSTANCES", eventTime });
    await slack.waitFor(() => slack.ephemeralsFor(NEWCOMER, SALES)[0]);
    await b.driver.event(joined, {
      eventId: "Ev0TWOINSTANCES",
      eventTime,
      retryNum: 1,
      retryReason: "http_timeout",
    });
    // Events are acknowledged before they are handled, so B's handling is waited for through a
    // later event of the same kind on B; the count is checked again once B has stopped.
    await b.driver.memberJoined(MARKETING, LATECOMER);
    await slack.waitFor(() => slack.ephemeralsFor(LATECOMER, MARKETING)[0]);
    expect(slack.ephemeralsFor(NEWCOMER, SALES)).toHaveLength(1);

    // -- answers through both: each modal is opened through one instance, submitted through the
    // other (the modal lives in Slack, not in the instance that opened it) ----------------------
    const everyone = sales.flatMap((s, i) => [s, marketing[i] as string]);
    const sideOf = (user: string) => (sales.includes(user) ? "sales" : "marketing");
    const channelOf = (user: string) => (sideOf(user) === "sales" ? SALES : MARKETING);
    const instances = [a, b];
    const views = new Map<string, StoredView>();
    for (const [i, user] of everyone.entries()) {
      const opener = instances[i % 2] as Instance;
      const channel = channelOf(user);
      views.set(
        user,
        await opener.driver.openModalFromMessage(
          user,
          channel,
          invitation[channel] as string,
          "open_survey",
        ),
      );
    }
    /** Each person's last acknowledged total: what the round must hold for them. */
    const acknowledged = new Map<string, number>();
    const total = (i: number) => 25 + i * 5;
    const submit = async (through: Instance, user: string, view: StoredView, sum: number) => {
      const result = await through.driver.submitView(
        user,
        view.id,
        surveyValues(sideOf(user), ratingsFor(sum), view),
      );
      const answered = answeredText(result);
      if (answered) acknowledged.set(user, sum);
      return answered;
    };

    const inFlightIndex = 5; // submitted through A ((5 + 1) % 2), killed before its answer
    for (let i = 0; i < inFlightIndex; i++) {
      const user = everyone[i] as string;
      const through = instances[(i + 1) % 2] as Instance;
      expect(await submit(through, user, views.get(user) as StoredView, total(i))).toBe("saved");
    }
    expect(acknowledged.size).toBe(inFlightIndex);

    // -- SIGKILL A while it is writing an answer ------------------------------------------------
    // A trigger holds every insert into responses inside the database (a sleep, which the app's
    // lock timeout does not cut short); the sleep shows in pg_stat_activity, so A is killed with
    // that answer provably in flight, never acknowledged.
    const held = everyone[inFlightIndex] as string;
    const heldView = views.get(held) as StoredView;
    const admin = new pg.Client({ connectionString: url });
    outsider = admin;
    admin.on("error", () => undefined); // dropping the database at the end ends it
    await admin.connect();
    await admin.query(`
      CREATE FUNCTION hold_answers() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$;
      CREATE TRIGGER hold_answers BEFORE INSERT ON responses
        FOR EACH ROW EXECUTE FUNCTION hold_answers();`);
    const inFlight = a.driver
      .submitView(
        held,
        heldView.id,
        surveyValues(sideOf(held), ratingsFor(total(inFlightIndex) + 1), heldView),
      )
      .then(
        (result) => `acknowledged: ${result.text}`,
        (error: unknown) => String(error),
      );
    const sleeper = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'",
        )
      ).rows[0]?.pid;
    await until(async () => (await sleeper()) !== undefined, "A's insert to be held");
    await a.truce.kill();
    running.splice(running.indexOf(a.truce), 1);
    expect(await inFlight).toMatch(/no acknowledgement/);
    // The server only notices the client is gone when the sleep ends; end it now.
    await admin.query("SELECT pg_terminate_backend($1)", [await sleeper()]);
    await admin.query("DROP TRIGGER hold_answers ON responses; DROP FUNCTION hold_answers()");
    await admin.end();
    outsider = undefined;

    // -- B only from here: Slack shows the person an error and they press Submit again; then the
    // rest, including modals A opened before it died ---------------------------------------------
    // The dead instance's transaction never committed, so this answer is new, not an update.
    expect(await submit(b, held, heldView, total(inFlightIndex))).toBe("saved");
    for (let i = inFlightIndex + 1; i < everyone.length; i++) {
      const user = everyone[i] as string;
      expect(await submit(b, user, views.get(user) as StoredView, total(i))).toBe("saved");
    }
    // Someone who answered through A changes their answers through B: replaced, not added.
    const changer = everyone[1] as string;
    const again = await b.driver.openModalFromMessage(
      changer,
      channelOf(changer),
      invitation[channelOf(changer)] as string,
      "open_survey",
    );
    expect(await submit(b, changer, again, 90)).toBe("updated");

    expect(acknowledged.size).toBe(everyone.length);
    expect(await store.responses.counts(round.id)).toEqual({
      sales: PER_SIDE,
      marketing: PER_SIDE,
    });
    for (const [user, sum] of acknowledged) {
      const stored = await store.responses.find(round.id, key(teamId, user));
      expect(
        stored?.ratings.reduce((x, y) => x + y, 0),
        user,
      ).toBe(sum);
    }

    // -- close on B ---------------------------------------------------------------------------
    const tagOf = (kind: string, recipientKey: string, period: string) =>
      deliveryTag({ teamId, kind, recipientKey, period });
    const tagged = (channel: string | undefined, tag: string) =>
      channel === undefined
        ? []
        : slack
            .messagesIn(channel)
            .filter(
              (m) =>
                m.metadata?.event_type === DELIVERY_EVENT_TYPE &&
                (m.metadata.event_payload as { tag?: unknown }).tag === tag,
            );
    const period = `round-${round.id}`;
    const summaryTag = (channel: string) => tagOf("round-summary", channel, period);
    const reportTag = (leader: string) => tagOf("round-report", key(teamId, leader), period);
    const n = `Everyone n=${everyone.length}`;

    await b.driver.command(LEADER, SALES, "close now");
    await slack.waitFor(
      () =>
        [SALES, MARKETING].every((c) => tagged(c, summaryTag(c)).length > 0) &&
        LEADERS.every((l) => tagged(slack.dmChannel(l), reportTag(l)).length > 0),
      { timeoutMs: 15_000, message: "the close's summaries and reports" },
    );
    for (const channel of [SALES, MARKETING])
      expect(tagged(channel, summaryTag(channel))[0]?.text).toContain(n);
    for (const leader of LEADERS)
      expect(tagged(slack.dmChannel(leader), reportTag(leader))[0]?.text).toContain(n);
    await stop(b);

    // -- both restart with a digest due, at once: their start-up ticks both try ----------------
    const digestPeriod = new Date(lastScheduledTime(due, "UTC", Date.now())).toISOString();
    const digestTag = (leader: string) => tagOf("digest", key(teamId, leader), digestPeriod);
    const [a2, b2] = await Promise.all([start(due), start(due)]);
    await slack.waitFor(
      () => LEADERS.every((l) => tagged(slack.dmChannel(l), digestTag(l)).length > 0),
      { timeoutMs: 15_000, message: "a digest for each leader" },
    );
    await Promise.all([stop(a2), stop(b2)]);
    // The heartbeat lock may have let only one of them tick; alone, an instance always does:
    // it looks the leaders up for their time zone, finds the digest already sent, and stops.
    const lookups = () =>
      slack.callsTo("users.info").filter((c) => LEADERS.includes(String(c.args.user))).length;
    const before = lookups();
    await stop(await start(due));
    expect(lookups() - before).toBe(LEADERS.length);

    // -- what Slack got: everything once ----------------------------------------------------------
    for (const channel of [SALES, MARKETING]) {
      expect(tagged(channel, tagOf("invitation", channel, period))).toHaveLength(1);
      expect(tagged(channel, summaryTag(channel))).toHaveLength(1);
      expect(slack.messagesIn(channel)).toHaveLength(2);
    }
    for (const leader of LEADERS) {
      const dm = slack.dmChannel(leader);
      expect(tagged(dm, reportTag(leader))).toHaveLength(1);
      expect(tagged(dm, digestTag(leader))).toHaveLength(1);
      expect(slack.dms(leader)).toHaveLength(2);
    }
    expect(slack.ephemeralsFor(NEWCOMER, SALES)).toHaveLength(1);
    expect(slack.ephemeralsFor(LATECOMER, MARKETING)).toHaveLength(1);
  }, 120_000);
}
