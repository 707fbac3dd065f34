import pg from "pg";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import {
  createDatabase,
  dropDatabase,
  type PostgresServerInfo,
  type RunningServer,
  startPostgresFromTemplate,
} from "../../sandbox/postgres-server.js";
import { freePort } from "../../sandbox/process.js";
import {
  openPostgresStore,
  RoundAlreadyOpenError,
  type Store,
  StoreUnavailableError,
} from "../../src/store/index.js";
import { migrate, migrationCount, schemaVersion } from "../../src/store/postgres/db.js";
import { failureOf, withRetry } from "../../src/store/postgres/errors.js";
import { newRound, storeSuite } from "./suite.js";

const provided = inject("postgres");
const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);

if (provided.state === "running") {
  postgresTests(provided);
} else if (provided.state === "missing" && !inCi) {
  describe.skip(`postgres: skipped. ${provided.reason}`, () => {
    it("runs the shared store suite and the PostgreSQL tests against a real server", () => {});
  });
} else {
  describe("postgres", () => {
    it("has a PostgreSQL server to test against", () => {
      throw new Error(
        provided.state === "missing"
          ? `${provided.reason} With CI=true the PostgreSQL tests must run, so this fails.`
          : provided.reason,
      );
    });
  });
}

function postgresTests(server: PostgresServerInfo) {
  const urlOf = (base: string, database: string) => {
    const url = new URL(base);
    url.pathname = `/${database}`;
    return url.toString();
  };
  let counter = 0;
  const created: string[] = [];
  /** A database of its own for each test, dropped after the file. */
  const freshDatabase = async () => {
    const name = `truce_test_${process.pid}_${++counter}`;
    await createDatabase(server.adminUrl, name);
    created.push(name);
    return urlOf(server.adminUrl, name);
  };
  afterAll(async () => {
    for (const name of created) await dropDatabase(server.adminUrl, name);
  });

  /** Runs statements on the database as another session (a second process, an operator). */
  const asAdmin = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  storeSuite("postgres", () => {
    let url: Promise<string> | undefined;
    return {
      open: async () => {
        url = freshDatabase();
        return openPostgresStore(await url);
      },
      reopen: async () => openPostgresStore(await (url as Promise<string>)),
      dispose: async () => {
        const name = url && new URL(await url).pathname.slice(1);
        if (!name) return;
        await dropDatabase(server.adminUrl, name);
        created.splice(created.indexOf(name), 1);
      },
    };
  });

  describe("postgres: the database", () => {
    const stores: Store[] = [];
    const open = async (url: string) => {
      const store = await openPostgresStore(url);
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
    });

    it("is migrated once even when two instances start together", async () => {
      const url = await freshDatabase();
      const pools = [
        new pg.Pool({ connectionString: url }),
        new pg.Pool({ connectionString: url }),
      ];
      try {
        const applied = await Promise.all(pools.map((pool) => migrate(pool)));
        expect(applied.sort()).toEqual([0, migrationCount]);
        await Promise.all([open(url), open(url)]);
        const versions = await asAdmin(url, (c) =>
          c.query<{ version: number }>("SELECT version FROM migrations ORDER BY version"),
        );
        expect(versions.rows.map((r) => r.version)).toEqual(
          Array.from({ length: migrationCount }, (_, i) => i + 1),
        );
        expect(await schemaVersion(pools[0] as pg.Pool)).toBe(migrationCount);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });

    it("returns epoch milliseconds and ids as numbers", async () => {
      const store = await open(await freshDatabase());
      const at = Date.UTC(2026, 10, 23, 9);
      const round = await store.rounds.open(newRound("T1", at));
      const again = await store.rounds.get(round.id);
      expect(typeof again?.id).toBe("number");
      expect(again?.openedAt).toBe(at);
      expect(again?.closesAt).toBe(at + 7 * 86_400_000);
      expect(await store.members.counts(round.id)).toEqual({ sales: 3, marketing: 2 });
    });

    it("opens one round when two instances launch for the same workspace at once", async () => {
      const url = await freshDatabase();
      const [a, b] = await Promise.all([open(url), open(url)]);
      for (const team of ["T1", "T2", "T3", "T4", "T5"]) {
        const outcomes = await Promise.allSettled([
          (a as Store).rounds.open(newRound(team)),
          (b as Store).rounds.open(newRound(team)),
        ]);
        const opened = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
        const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
        expect(opened).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toBeInstanceOf(RoundAlreadyOpenError);
        expect((refused[0] as RoundAlreadyOpenError).round.id).toBe(opened[0]?.id);
      }
      expect(await (a as Store).rounds.allOpen()).toHaveLength(5);
    });

    it("hands a delivery to exactly one of two concurrent claimers, new or resumed", async () => {
      const url = await freshDatabase();
      const [a, b] = (await Promise.all([open(url), open(url)])) as [Store, Store];
      for (let i = 0; i < 5; i++) {
        const key = { teamId: "T1", kind: "digest", recipientKey: `k${i}`, period: "2026-W47" };
        const fresh = await Promise.all([
          a.deliveries.claim(key, 100, 50),
          b.deliveries.claim(key, 100, 50),
        ]);
        expect(fresh.filter((c) => c.state === "claimed")).toHaveLength(1);
        expect(fresh.filter((c) => c.state === "busy")).toHaveLength(1);
        // The lease ran out (the sender died): again only one takes it over.
        const resumed = await Promise.all([
          a.deliveries.claim(key, 200, 50),
          b.deliveries.claim(key, 200, 50),
        ]);
        expect(resumed).toContainEqual({ state: "claimed", resumed: true, attempts: 2 });
        expect(resumed).toContainEqual({ state: "busy" });
      }
    });

    it("says the database is busy when another session's lock outlasts the wait", async () => {
      const url = await freshDatabase();
      const store = await open(url);
      const round = await store.rounds.open(newRound());
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await other.query("BEGIN");
        // Reads still go through; writes to these tables wait for the lock.
        await other.query("LOCK TABLE rounds, health IN EXCLUSIVE MODE");
        const started = performance.now();
        const error = await store.rounds.close(round.id, 5_000).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(error).toMatchObject({ reason: "busy", code: "55P03" });
        expect(performance.now() - started).toBeLessThan(4_000);
        expect((await store.rounds.get(round.id))?.closedAt).toBeUndefined();
        expect(await store.health()).toMatchObject({ readable: true, writable: false });
        await other.query("ROLLBACK");
        expect(await store.health()).toEqual({ readable: true, writable: true });
        expect(await store.rounds.close(round.id, 5_000)).toBe(true);
      } finally {
        await other.end();
      }
    });

    it("says the database is read-only when it takes no writes", async () => {
      const url = await freshDatabase();
      const store = await open(url);
      const database = new URL(url).pathname.slice(1);
      await asAdmin(url, async (c) => {
        await c.query(`ALTER DATABASE "${database}" SET default_transaction_read_only = on`);
        // Sessions pick the setting up when they start: end the store's current ones.
        await c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [database],
        );
      });
      await expect(store.settings.set("T1", "active", "yes")).rejects.toMatchObject({
        reason: "read-only",
        code: "25006",
      });
      expect(await store.settings.get("T1", "active")).toBeUndefined();
      expect(await store.health()).toMatchObject({ readable: true, writable: false });
    });

    it("replaces connections the server ended, without the caller noticing", async () => {
      const url = await freshDatabase();
      const store = await open(url);
      await store.settings.set("T1", "active", "yes");
      const database = new URL(url).pathname.slice(1);
      const ended = await asAdmin(url, (c) =>
        c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [database],
        ),
      );
      expect(ended.rowCount).toBeGreaterThan(0);
      await expect.poll(() => store.settings.get("T1", "active").catch(() => "failed")).toBe("yes");
      expect(await store.health()).toEqual({ readable: true, writable: true });
    });

    it("says the database is unavailable when nothing listens at the URL", async () => {
      const port = await freePort();
      const error = await openPostgresStore(`postgres://postgres@127.0.0.1:${port}/truce`).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ reason: "unavailable", code: "ECONNREFUSED" });
      const missing = await openPostgresStore(urlOf(server.adminUrl, "no_such_database")).catch(
        (e: unknown) => e,
      );
      expect(missing).toMatchObject({ reason: "unavailable", code: "3D000" });
    });

    describe("when the server stops under a running store", () => {
      let second: RunningServer | undefined;
      afterEach(async () => {
        await second?.stop();
      });

      it("says the database is unavailable, and health says neither readable nor writable", async () => {
        second = await startPostgresFromTemplate(server);
        const store = await open(second.url());
        const round = await store.rounds.open(newRound());
        await second.stop();
        const error = await store.rounds.get(round.id).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).reason).toBe("unavailable");
        await expect(store.rounds.close(round.id, 5_000)).rejects.toMatchObject({
          reason: "unavailable",
        });
        expect(await store.health()).toMatchObject({ readable: false, writable: false });
        await expect(store.exclusive("digest", async () => 1)).rejects.toMatchObject({
          reason: "unavailable",
        });
      });
    });
  });

  describe("postgres: errors", () => {
    const failing = (code: string) => async () => {
      throw Object.assign(new Error(code), { code });
    };

    it("names a full disk and a read-only database, and passes other errors through", async () => {
      await expect(withRetry(failing("53100"))).rejects.toMatchObject({
        reason: "full",
        message: "database is full (no space left on the disk) (53100)",
      });
      await expect(withRetry(failing("25006"))).rejects.toMatchObject({ reason: "read-only" });
      await expect(withRetry(failing("23505"))).rejects.not.toBeInstanceOf(StoreUnavailableError);
      await expect(withRetry(async () => Promise.reject(new Error("a bug")))).rejects.toThrow(
        "a bug",
      );
      expect(failureOf(new Error("Connection terminated unexpectedly"))).toEqual({
        reason: "unavailable",
        code: undefined,
      });
    });

    it("tries lock conflicts, serialization failures and deadlocks again, then says busy", async () => {
      for (const code of ["55P03", "40001", "40P01"]) {
        let tries = 0;
        expect(
          await withRetry(async () => {
            if (++tries < 3) throw Object.assign(new Error(code), { code });
            return "done";
          }),
        ).toBe("done");
        await expect(withRetry(failing(code), 50)).rejects.toMatchObject({ reason: "busy", code });
      }
    });
  });
}
