import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // One throwaway PostgreSQL server for the whole run, for the PostgreSQL store tests.
    globalSetup: ["tests/support/postgres.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Sandbox tests start HTTP servers; two workers match CI's two cores.
    maxWorkers: 2,
  },
});
