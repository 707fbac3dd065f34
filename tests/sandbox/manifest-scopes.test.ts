import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MANIFEST_PATH, manifestBotScopes } from "../../sandbox/manifest.js";
import { slackError, startWorkspace, T0, webClient } from "./helpers.js";

describe("manifestBotScopes", () => {
  it("reads the manifest's bot scopes", () => {
    const manifest = parse(readFileSync(MANIFEST_PATH, "utf8"));
    expect(manifestBotScopes()).toEqual(manifest.oauth_config.scopes.bot);
    expect(manifestBotScopes()).toContain("chat:write");
  });

  it("gives the fake exactly those scopes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "truce-manifest-"));
    const path = join(dir, "manifest.yml");
    writeFileSync(path, "oauth_config:\n  scopes:\n    bot:\n      - chat:write\n");
    const fake = await startWorkspace(() => T0, { scopes: manifestBotScopes(path) });
    try {
      const web = webClient(fake);
      expect((await web.chat.postMessage({ channel: "C1", text: "x" })).ok).toBe(true);
      expect((await slackError(web.conversations.history({ channel: "C1" }))).data).toMatchObject({
        error: "missing_scope",
        needed: "channels:history",
        provided: "chat:write",
      });
    } finally {
      await fake.close();
    }
  });

  it("fails loudly on a manifest without bot scopes", () => {
    const dir = mkdtempSync(join(tmpdir(), "truce-manifest-"));
    const path = join(dir, "manifest.yml");
    writeFileSync(path, "display_information:\n  name: x\n");
    expect(() => manifestBotScopes(path)).toThrow(/no list of bot scopes/);
  });
});
