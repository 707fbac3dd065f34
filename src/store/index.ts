export { openSqliteStore as openStore } from "./sqlite/index.js";
export * from "./types.js";
