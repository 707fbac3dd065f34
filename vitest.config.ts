import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Sandbox tests start HTTP servers; two workers match CI's two cores.
    maxWorkers: 2,
  },
});
