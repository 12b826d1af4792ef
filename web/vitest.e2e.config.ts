import { defineConfig } from "vitest/config";

// The end-to-end test: a real `sluice serve` and Debian's Chromium (e2e/README in web/README.md).
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
