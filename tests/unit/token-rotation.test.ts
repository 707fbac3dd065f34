import type { Installation } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import {
  createTokenRotation,
  REFRESH_WINDOW_MS,
  RefreshTokenRefusedError,
} from "../../src/services/token-rotation.js";
import type { ExclusiveOutcome, InstallationKey } from "../../src/store/index.js";

const SLOT: InstallationKey = {
  enterpriseId: undefined,
  teamId: "T0AAAAAA1",
  isEnterpriseInstall: false,
};
const NOW = Date.UTC(2026, 11, 2, 9);

const installation = (token: string, refreshToken: string, expiresInMs: number) =>
  ({
    team: { id: "T0AAAAAA1" },
    bot: {
      token,
      refreshToken,
      expiresAt: (NOW + expiresInMs) / 1000,
      id: "B1",
      userId: "U1",
      scopes: [],
    },
    authVersion: "v2",
  }) as unknown as Installation;

function harness(initial: Installation) {
  let stored = initial;
  const held = new Set<string>();
  const exchanged: string[] = [];
  let refuseNext = 0;
  let counter = 0;
  const rotation = createTokenRotation({
    store: {
      async exclusive<T>(name: string, work: () => Promise<T>): Promise<ExclusiveOutcome<T>> {
        if (held.has(name)) return { ran: false };
        held.add(name);
        try {
          return { ran: true, value: await work() };
        } finally {
          held.delete(name);
        }
      },
    },
    vault: {
      read: async () => stored,
      write: async (_slot, next) => {
        stored = next;
      },
    },
    async refresh(refreshToken) {
      exchanged.push(refreshToken);
      if (refuseNext > 0) {
        refuseNext -= 1;
        throw new RefreshTokenRefusedError("invalid_refresh_token");
      }
      counter += 1;
      return {
        accessToken: `xoxe.xoxb-${counter}`,
        refreshToken: `xoxe-1-${counter}`,
        expiresInSeconds: 43_200,
      };
    },
    now: () => NOW,
    sleep: async () => undefined,
  });
  return {
    rotation,
    exchanged,
    stored: () => stored,
    replaceStored: (next: Installation) => {
      stored = next;
    },
    refuse: (n: number) => {
      refuseNext = n;
    },
  };
}

describe("token rotation", () => {
  it("leaves a token alone until it is within two hours of expiry", async () => {
    const h = harness(installation("xoxe.xoxb-0", "xoxe-1-0", REFRESH_WINDOW_MS + 1000));
    const got = await h.rotation.fresh(SLOT, h.stored());
    expect(got.bot?.token).toBe("xoxe.xoxb-0");
    expect(h.exchanged).toEqual([]);
  });

  it("refreshes a token due for it, stores the new pair and its expiry", async () => {
    const h = harness(installation("xoxe.xoxb-0", "xoxe-1-0", REFRESH_WINDOW_MS));
    const got = await h.rotation.fresh(SLOT, h.stored());
    expect(got.bot).toMatchObject({
      token: "xoxe.xoxb-1",
      refreshToken: "xoxe-1-1",
      expiresAt: NOW / 1000 + 43_200,
    });
    expect(h.stored().bot?.token).toBe("xoxe.xoxb-1");
    expect(h.exchanged).toEqual(["xoxe-1-0"]);
  });

  it("many at once: one exchange, everyone gets the new token", async () => {
    const h = harness(installation("xoxe.xoxb-0", "xoxe-1-0", 60_000));
    const stale = h.stored();
    const got = await Promise.all(Array.from({ length: 5 }, () => h.rotation.fresh(SLOT, stale)));
    expect(got.map((i) => i.bot?.token)).toEqual(Array(5).fill("xoxe.xoxb-1"));
    expect(h.exchanged).toEqual(["xoxe-1-0"]);
  });

  it("a refresh token spent elsewhere: waits for the token the other refresh stored", async () => {
    const h = harness(installation("xoxe.xoxb-0", "xoxe-1-0", 60_000));
    h.refuse(1);
    const stale = h.stored();
    const pending = h.rotation.fresh(SLOT, stale);
    // Someone without the lock refreshed at the same moment and stored their pair.
    h.replaceStored(installation("xoxe.xoxb-9", "xoxe-1-9", 43_200_000));
    const got = await pending;
    expect(got.bot?.token).toBe("xoxe.xoxb-9");
    expect(h.exchanged).toEqual(["xoxe-1-0"]);
  });

  it("a token it refreshed minutes ago is not refreshed again by the clock, however short-lived", async () => {
    const h = harness(installation("xoxe.xoxb-0", "xoxe-1-0", 60_000));
    const first = await h.rotation.fresh(SLOT, h.stored());
    // A one-minute lifetime: due again by the clock, but it was just issued.
    const shortLived = {
      ...first,
      bot: { ...first.bot, expiresAt: (NOW + 60_000) / 1000 },
    } as Installation;
    expect((await h.rotation.fresh(SLOT, shortLived)).bot?.token).toBe("xoxe.xoxb-1");
    expect(h.exchanged).toEqual(["xoxe-1-0"]);
  });

  it("an installation without rotation is handed out as it is", async () => {
    const plain = {
      team: { id: "T0AAAAAA1" },
      bot: { token: "xoxb-1", id: "B1", userId: "U1", scopes: [] },
    } as unknown as Installation;
    const h = harness(plain);
    expect(await h.rotation.fresh(SLOT, plain)).toBe(plain);
    expect(h.exchanged).toEqual([]);
  });
});
