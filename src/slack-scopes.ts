/**
 * The bot scopes Truce asks for, in manifest.yml's order (a test keeps the two equal): the OAuth
 * install requests exactly these.
 */
export const BOT_SCOPES = [
  "chat:write",
  "commands",
  "users:read",
  "channels:read",
  "groups:read",
  "im:write",
  "channels:join",
  // Reading recent messages lets a delivery resumed after a crash see whether it went out.
  "channels:history",
  "groups:history",
  "im:history",
  // Charts (PNG) and the CSV export are shared as files.
  "files:write",
] as const;
