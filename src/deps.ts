import type { Logger } from "@slack/bolt";
import type { Config } from "./config.js";
import type { Store } from "./store/index.js";
import type { PersonKey } from "./store/keys.js";
import { dayIn } from "./survey/commitments.js";
import type { Instrument } from "./survey/instrument.js";

/** What handlers, services and jobs receive from the composition root. */
export interface Deps {
  config: Config;
  store: Store;
  instrument: Instrument;
  /** Milliseconds since the epoch; injected so tests control time. */
  clock: () => number;
  personKey: PersonKey;
  /** Fingerprint of the secret behind personKey, recorded with each round. */
  keyFingerprint: string;
  logger: Logger;
}

/** Today, as the workspace reads its calendar (TRUCE_TIMEZONE): `YYYY-MM-DD`. */
export const todayOf = (deps: Pick<Deps, "clock" | "config">) =>
  dayIn(deps.clock(), deps.config.timeZone);
