import { describe, expect, it } from "vitest";
import { seal, tokenKey, unseal } from "../../src/services/installations.js";

const team = { enterpriseId: undefined, teamId: "T1", isEnterpriseInstall: false };

describe("sealed installations", () => {
  const key = tokenKey("a-secret-of-16-chars-or-more");
  const secretJson = JSON.stringify({ bot: { token: "xoxb-very-secret" } });

  it("round-trips, and the sealed form holds no token in the clear", () => {
    const sealed = seal(key, team, secretJson);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain("xoxb");
    expect(unseal(key, team, sealed)).toBe(secretJson);
    // A fresh IV each time: equal installations never look equal in the database.
    expect(seal(key, team, secretJson)).not.toBe(sealed);
  });

  it("does not open with another secret, in another workspace's row, or once tampered with", () => {
    const sealed = seal(key, team, secretJson);
    expect(() => unseal(tokenKey("another-secret-0123456"), team, sealed)).toThrow();
    expect(() => unseal(key, { ...team, teamId: "T2" }, sealed)).toThrow();
    const [v, iv, tag, body] = sealed.split(".") as [string, string, string, string];
    const flipped = `${body.slice(0, -2)}${body.endsWith("AA") ? "AB" : "AA"}`;
    expect(() => unseal(key, team, [v, iv, tag, flipped].join("."))).toThrow();
    expect(() => unseal(key, team, "plain text")).toThrow("not a sealed installation");
  });

  it("derives a 32-byte key that depends on the secret", () => {
    expect(tokenKey("x".repeat(16))).toHaveLength(32);
    expect(tokenKey("x".repeat(16)).equals(tokenKey("y".repeat(16)))).toBe(false);
  });
});
