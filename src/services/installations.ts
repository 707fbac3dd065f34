import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import type { InstallationKey, Store } from "../store/index.js";
import { createTokenRotation, type RefreshedToken, type TokenRotation } from "./token-rotation.js";

/**
 * Installations (bot tokens, refresh tokens) are sealed with AES-256-GCM before they reach the
 * database, under a key derived from TRUCE_SECRET with HKDF: a copy of the database alone holds
 * no usable token. The sealed form is `v1.<iv>.<tag>.<ciphertext>` (base64url); the
 * installation's own key (enterprise, team) is bound as associated data, so a sealed blob
 * moved to another workspace's row does not open.
 */

const VERSION = "v1";

export function tokenKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "truce", "truce:installation-tokens", 32));
}

const slotOf = (key: InstallationKey) =>
  `${key.enterpriseId ?? ""}/${key.isEnterpriseInstall ? "" : (key.teamId ?? "")}`;

export function seal(key: Buffer, slot: InstallationKey, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(slotOf(slot)));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Opens a sealed installation; throws when the key, the slot or the bytes do not match. */
export function unseal(key: Buffer, slot: InstallationKey, sealed: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined)
    throw new Error("not a sealed installation");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(slotOf(slot)));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([
    decipher.update(Buffer.from(body, "base64url")),
    decipher.final(),
  ]).toString("utf8");
}

export function keyOfInstallation(installation: Installation): InstallationKey {
  const isEnterpriseInstall = installation.isEnterpriseInstall === true;
  return {
    enterpriseId: installation.enterprise?.id,
    teamId: isEnterpriseInstall ? undefined : installation.team?.id,
    isEnterpriseInstall,
  };
}

const keyOfQuery = (query: InstallationQuery<boolean>): InstallationKey => ({
  enterpriseId: query.enterpriseId,
  teamId: query.isEnterpriseInstall ? undefined : query.teamId,
  isEnterpriseInstall: query.isEnterpriseInstall,
});

/** What Bolt is handed: no refresh token, so its installer never refreshes by itself. */
function withoutRefreshTokens(installation: Installation): Installation {
  const { bot, user } = installation;
  return {
    ...installation,
    ...(bot ? { bot: { ...bot, refreshToken: undefined, expiresAt: undefined } } : {}),
    ...(user ? { user: { ...user, refreshToken: undefined, expiresAt: undefined } } : {}),
  } as Installation;
}

export interface TruceInstallationStore extends InstallationStore {
  /** The installation whose token serves a workspace (its own or its organisation's). */
  forTeam(teamId: string): Promise<Installation | undefined>;
  /** Keeps rotating tokens fresh for every Web API client (see token-rotation.ts). */
  rotation: TokenRotation;
}

/**
 * Bolt's installation store over Truce's database. Bolt's installer calls it on each install
 * and to authorize every request; a rotating token is refreshed here, before it is handed out.
 */
export function createInstallationStore(
  store: Store,
  secret: string,
  clock: () => number,
  onInstalled?: (installation: Installation) => Promise<void>,
  refresh?: (refreshToken: string) => Promise<RefreshedToken>,
): TruceInstallationStore {
  const key = tokenKey(secret);
  const open = (slot: InstallationKey, sealed: string) =>
    JSON.parse(unseal(key, slot, sealed)) as Installation;
  const rotation = createTokenRotation({
    store,
    vault: {
      async read(slot) {
        const sealed = await store.installations.find(slot);
        return sealed ? open(slot, sealed) : undefined;
      },
      async write(slot, installation) {
        await store.installations.save(
          slot,
          seal(key, slot, JSON.stringify(installation)),
          clock(),
        );
      },
    },
    refresh:
      refresh ??
      (() => Promise.reject(new Error("token rotation needs the app's client id and secret"))),
  });
  return {
    rotation,
    async storeInstallation(installation) {
      const slot = keyOfInstallation(installation as Installation);
      await store.installations.save(slot, seal(key, slot, JSON.stringify(installation)), clock());
      await onInstalled?.(installation as Installation);
    },
    async fetchInstallation(query) {
      const slot = keyOfQuery(query);
      const sealed = await store.installations.find(slot);
      // Bolt turns this into an authorization error: the request is refused, nothing changes.
      if (!sealed) throw new Error("no installation for this workspace");
      return withoutRefreshTokens(await rotation.fresh(slot, open(slot, sealed)));
    },
    async deleteInstallation(query) {
      await store.installations.delete(keyOfQuery(query));
    },
    async forTeam(teamId) {
      const found = await store.installations.findForTeam(teamId);
      return found && rotation.fresh(found.key, open(found.key, found.sealed));
    },
  };
}
