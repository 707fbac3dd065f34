import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rememberOrganisations } from "../../src/handlers/events.js";
import type { Runtime } from "../../src/runtime.js";
import { openSqliteStore } from "../../src/store/index.js";
import { recordingLogger } from "./harness.js";

describe("an organisation-wide install", () => {
  it("remembers each workspace's organisation, so scheduled work finds the org's installation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "truce-org-"));
    const store = openSqliteStore(join(dir, "truce.db"));
    const rt = { store, logger: recordingLogger() } as unknown as Runtime;
    const middleware = rememberOrganisations(rt);
    let passedOn = 0;
    const run = (context: Record<string, unknown>) =>
      middleware({
        context,
        next: async () => {
          passedOn++;
        },
      } as never);
    await store.installations.save(
      { enterpriseId: "E0ORG", teamId: undefined, isEnterpriseInstall: true },
      "sealed-org",
      1,
    );
    await run({ teamId: "T0ONE", enterpriseId: "E0ORG", isEnterpriseInstall: true });
    await run({ teamId: "T0SOLO", isEnterpriseInstall: false });
    expect(passedOn).toBe(2);
    expect(await store.settings.get("T0ONE", "enterprise_id")).toBe("E0ORG");
    expect(await store.settings.get("T0SOLO", "enterprise_id")).toBeUndefined();
    expect((await store.installations.findForTeam("T0ONE"))?.sealed).toBe("sealed-org");
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
