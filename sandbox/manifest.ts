import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The repository's Slack app manifest, next to the sandbox. */
export const MANIFEST_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "manifest.yml");

/**
 * The bot scopes the app manifest asks for (`oauth_config.scopes.bot`). Start the fake with them
 * (`startFakeSlack({ scopes: manifestBotScopes() })`) and every Web API call the app makes must be
 * covered by the manifest, or it answers `missing_scope` as Slack would.
 */
export function manifestBotScopes(path = MANIFEST_PATH): string[] {
  const manifest: unknown = parse(readFileSync(path, "utf8"));
  const scopes = (manifest as { oauth_config?: { scopes?: { bot?: unknown } } })?.oauth_config
    ?.scopes?.bot;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string")) {
    throw new Error(`sandbox: ${path} has no list of bot scopes (oauth_config.scopes.bot)`);
  }
  return scopes;
}
