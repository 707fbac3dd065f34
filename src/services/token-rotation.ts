import type { Installation } from "@slack/bolt";
import { WebClient, type WebClientOptions } from "@slack/web-api";
import type { InstallationKey, Store } from "../store/index.js";

/**
 * Token rotation that holds with several instances and with tokens Slack expires early.
 *
 * Slack spends a refresh token when it is used: a second instance refreshing with the same one
 * gets `invalid_refresh_token`, and the access token it replaces stops working. Bolt's installer
 * refreshes on its own, per process, by its own reading of the expiry, so two instances (or two
 * requests at once in one) race and the loser carries a dead token. Here every refresh of an
 * installation runs under one database-wide lock; whoever does not get it waits for the winner's
 * new token instead of refreshing again. Bolt is handed installations without their refresh
 * tokens, so it never refreshes by itself.
 *
 * A token can also stop working before its stated expiry (`token_expired`): every Web API call
 * goes through `fetch` below, which refreshes such a token once and sends the call again.
 */

/** Bolt's own margin: a token within two hours of its expiry is refreshed before use. */
export const REFRESH_WINDOW_MS = 2 * 60 * 60 * 1000;
/**
 * A token Truce got this recently is not refreshed again by the clock, however short its life:
 * otherwise every use of a short-lived token would refresh it and kill the one in flight.
 */
export const MIN_REFRESH_INTERVAL_MS = 10 * 60 * 1000;
/** When Truce last refreshed an installation's bot token, kept inside the sealed installation. */
const REFRESHED_AT = "truceRefreshedAt";

const refreshedAt = (installation: Installation): number | undefined => {
  const value = (installation.bot as Record<string, unknown> | undefined)?.[REFRESHED_AT];
  return typeof value === "number" ? value : undefined;
};
const ATTEMPTS = 8;
const FIRST_WAIT_MS = 25;
/** Tokens remembered as rotating (to know which failed calls to retry); old ones fall out. */
const KNOWN_TOKENS_LIMIT = 10_000;

export interface InstallationVault {
  read(slot: InstallationKey): Promise<Installation | undefined>;
  /** Saves a refreshed installation (not an install: no welcome, no leader seeding). */
  write(slot: InstallationKey, installation: Installation): Promise<void>;
}

export interface RefreshedToken {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

/** Thrown by `refresh` when Slack refuses the refresh token (spent or revoked). */
export class RefreshTokenRefusedError extends Error {}

export interface TokenRotationOptions {
  store: Pick<Store, "exclusive">;
  vault: InstallationVault;
  /** Exchanges a refresh token at Slack (oauth.v2.access, grant_type=refresh_token). */
  refresh(refreshToken: string): Promise<RefreshedToken>;
  /**
   * Slack's expiry times are real time, stamped by Bolt at install from the system clock, so
   * they are read against the same clock rather than the app's scheduling clock.
   */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The Web API fetch the wrapped `fetch` sends with. */
  baseFetch?: typeof fetch;
  warn?: (message: string) => void;
}

export interface TokenRotation {
  /** The installation with a token good to use now: refreshed first when it is due. */
  fresh(slot: InstallationKey, installation: Installation): Promise<Installation>;
  /** A fetch for Web API clients: a call answered `token_expired` is refreshed and sent again. */
  fetch: typeof fetch;
}

type RequestHeaders = ConstructorParameters<typeof Headers>[0];

const slotName = (slot: InstallationKey) =>
  `${slot.enterpriseId ?? ""}/${slot.isEnterpriseInstall ? "" : (slot.teamId ?? "")}`;

const rotates = (installation: Installation | undefined) =>
  !!installation?.bot?.refreshToken && installation.bot.expiresAt !== undefined;

export function createTokenRotation(options: TokenRotationOptions): TokenRotation {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const baseFetch = options.baseFetch ?? globalThis.fetch;
  const known = new Map<string, InstallationKey>();

  const remember = (slot: InstallationKey, installation: Installation) => {
    const token = installation.bot?.token;
    if (!token || !rotates(installation) || known.has(token)) return;
    known.set(token, slot);
    if (known.size > KNOWN_TOKENS_LIMIT) known.delete(known.keys().next().value as string);
  };

  /**
   * Replaces `staleToken` with a fresh one, once across every instance: under the lock the
   * installation is read again, and refreshed only if it still carries the stale token.
   */
  async function replace(slot: InstallationKey, staleToken: string): Promise<Installation> {
    let latest: Installation | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const outcome = await options.store.exclusive(`token-refresh:${slotName(slot)}`, async () => {
        const current = await options.vault.read(slot);
        if (!current?.bot?.refreshToken || current.bot.token !== staleToken) return current;
        try {
          const next = await options.refresh(current.bot.refreshToken);
          const refreshed: Installation = {
            ...current,
            bot: {
              ...current.bot,
              token: next.accessToken,
              refreshToken: next.refreshToken,
              expiresAt: Math.floor(now() / 1000) + next.expiresInSeconds,
              [REFRESHED_AT]: now(),
            } as Installation["bot"],
          };
          await options.vault.write(slot, refreshed);
          return refreshed;
        } catch (error) {
          // Spent by someone who refreshed without the lock: their token lands shortly.
          if (error instanceof RefreshTokenRefusedError) return undefined;
          throw error;
        }
      });
      if (outcome.ran && outcome.value) {
        remember(slot, outcome.value);
        if (outcome.value.bot?.token !== staleToken) return outcome.value;
      }
      await sleep(FIRST_WAIT_MS * 2 ** attempt);
      latest = await options.vault.read(slot);
      if (!latest) throw new Error(`Truce is no longer installed in ${slotName(slot)}`);
      if (latest.bot?.token !== staleToken) {
        remember(slot, latest);
        return latest;
      }
    }
    options.warn?.(
      `Token rotation: could not refresh the token of ${slotName(slot)}; its calls will fail until it is reinstalled or the next refresh succeeds.`,
    );
    if (!latest) throw new Error(`Truce is no longer installed in ${slotName(slot)}`);
    return latest;
  }

  async function fresh(slot: InstallationKey, installation: Installation): Promise<Installation> {
    if (!rotates(installation)) return installation;
    const expiresAt = (installation.bot?.expiresAt as number) * 1000;
    const lastRefresh = refreshedAt(installation);
    const recent = lastRefresh !== undefined && now() - lastRefresh < MIN_REFRESH_INTERVAL_MS;
    if (expiresAt - now() > REFRESH_WINDOW_MS || (recent && expiresAt > now())) {
      remember(slot, installation);
      return installation;
    }
    return replace(slot, installation.bot?.token as string);
  }

  const rotatingFetch: typeof fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    const token = bearerOf(init?.headers);
    const slot = token && known.get(token);
    if (!slot || response.status !== 200) return response;
    const body = await response.text();
    const answered = () =>
      new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    if (!body.includes('"token_expired"') || errorOf(body) !== "token_expired") return answered();
    const replaced = await replace(slot, token).catch(() => undefined);
    const next = replaced?.bot?.token;
    if (!next || next === token) return answered();
    return baseFetch(input, { ...init, headers: withBearer(init?.headers, next) });
  };

  return { fresh, fetch: rotatingFetch };
}

function errorOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { ok?: boolean; error?: string };
    return parsed.ok === false ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

function bearerOf(headers: RequestHeaders | undefined): string | undefined {
  if (!headers) return undefined;
  const value = new Headers(headers).get("authorization");
  return value?.startsWith("Bearer ") ? value.slice("Bearer ".length) : undefined;
}

function withBearer(headers: RequestHeaders | undefined, token: string): Headers {
  const copy = new Headers(headers);
  copy.set("authorization", `Bearer ${token}`);
  return copy;
}

/** Slack's refresh exchange, with the app's credentials, where the app's other calls go. */
export function slackTokenRefresher(
  clientId: string,
  clientSecret: string,
  clientOptions: WebClientOptions,
): (refreshToken: string) => Promise<RefreshedToken> {
  const client = new WebClient(undefined, { ...clientOptions, retryConfig: { retries: 2 } });
  return async (refreshToken) => {
    try {
      const result = await client.oauth.v2.access({
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: "refresh_token",
        refresh_token: refreshToken,
      });
      if (!result.access_token || !result.refresh_token || result.expires_in === undefined)
        throw new Error("Slack's token refresh answered without a token");
      return {
        accessToken: result.access_token,
        refreshToken: result.refresh_token,
        expiresInSeconds: result.expires_in,
      };
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === "invalid_refresh_token" || code === "invalid_grant")
        throw new RefreshTokenRefusedError(code);
      throw error;
    }
  };
}
