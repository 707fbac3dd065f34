import type { App } from "@slack/bolt";
import { registerListeners } from "../../src/app.js";
import type { Runtime } from "../../src/runtime.js";

/** Which commands, events, actions and views the app registers, read off a recording stand-in for Bolt's App. */
export async function registeredListeners() {
  const seen = {
    commands: [] as string[],
    events: [] as string[],
    actions: [] as string[],
    views: [] as string[],
  };
  const record = (list: string[]) => (id: unknown) => {
    list.push(String(id));
  };
  const recorder = {
    command: record(seen.commands),
    event: record(seen.events),
    action: record(seen.actions),
    view: record(seen.views),
    use: () => undefined,
  } as unknown as App;
  registerListeners(recorder, {} as Runtime);
  return seen;
}
