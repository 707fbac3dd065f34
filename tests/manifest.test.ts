import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMMAND } from "../src/handlers/commands.js";
import { BOT_SCOPES } from "../src/slack-scopes.js";
import { SUBCOMMANDS } from "../src/views/help.js";
import { registeredListeners } from "./app/listeners.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = parse(readFileSync(join(root, "manifest.yml"), "utf8"));
const schemaPath = join(root, "tests", "fixtures", "slack", "manifest.schema.1.0.0.json");

describe("manifest.yml", () => {
  it("is valid against Slack's published manifest schema", () => {
    const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
    // Slack's schema uses a few non-standard keywords (e.g. "regex", "_note"); allow them.
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does reject a broken manifest (a command must start with "/").
    const broken = structuredClone(manifest);
    broken.features.slash_commands[0].command = "alignment";
    expect(validate(broken)).toBe(false);
  });

  it("declares the commands, events and scopes the product needs", () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([
      COMMAND,
    ]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      "app_home_opened",
      "app_uninstalled",
      "tokens_revoked",
      "member_joined_channel",
      "member_left_channel",
      "user_change",
      "team_join",
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    // The report and the digest arrive by DM: the Messages tab lets leaders find them again,
    // read-only because Truce answers commands, not messages.
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_read_only_enabled).toBe(true);
  });

  it("asks for exactly the bot scopes the OAuth install requests", () => {
    expect(manifest.oauth_config.scopes.bot).toEqual([...BOT_SCOPES]);
  });

  it("hints every subcommand in Slack's autocomplete, in help's order", () => {
    const hint = manifest.features.slash_commands[0].usage_hint as string;
    expect(hint).toBe(`[${SUBCOMMANDS.join(" | ")}]`);
  });

  it("has a listener for every command and event it declares", async () => {
    const listeners = await registeredListeners();
    for (const { command } of manifest.features.slash_commands)
      expect(listeners.commands).toContain(command);
    for (const event of manifest.settings.event_subscriptions.bot_events)
      expect(listeners.events).toContain(event);
  });
});
