import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { emptyKeyFileError, keyFileError, makeFolder } from "./open-errors.js";

/** A person's stable pseudonym: HMAC-SHA256 of team and user. The raw user id is never stored. */
export type PersonKey = (teamId: string, userId: string) => string;

export function personKeyer(secret: string): PersonKey {
  return (teamId, userId) =>
    createHmac("sha256", secret).update(`${teamId}:${userId}`).digest("hex");
}

/**
 * A short fingerprint of the secret, stored with each round: pseudonyms made under different
 * secrets never match, so rounds keyed differently cannot tell whether the same people answered.
 */
export function keyFingerprint(secret: string): string {
  return createHmac("sha256", secret).update("truce:key-fingerprint").digest("hex").slice(0, 16);
}

/**
 * TRUCE_SECRET if set; otherwise a key generated once into `truce.key` beside the database
 * (mode 0600), so pseudonyms stay stable across restarts without anyone having to configure one.
 */
export function resolveSecret(configured: string | undefined, databasePath: string): string {
  if (configured) return configured;
  const dir = databasePath === ":memory:" ? undefined : dirname(databasePath);
  if (!dir) return randomBytes(32).toString("hex");
  const file = join(dir, "truce.key");
  try {
    if (existsSync(file)) {
      const existing = readFileSync(file, "utf8").trim();
      if (existing === "") throw emptyKeyFileError(file);
      return existing;
    }
    makeFolder(dir);
    const secret = randomBytes(32).toString("hex");
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    throw keyFileError(error, file) ?? error;
  }
}
