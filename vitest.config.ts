import { defineConfig } from "vitest/config";

// Three tiers, one run: `npm test` runs them all.
// - unit: pure logic and Pulumi mocks, no processes
// - integration: a real kube-apiserver (started once by the global setup) and real PostgreSQL
// - e2e: the real Pulumi engine and the portal in headless Chromium
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/component/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/setup-cluster.ts", "test/integration/setup-postgres.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/integration/setup-cluster.ts", "test/integration/setup-postgres.ts"],
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
