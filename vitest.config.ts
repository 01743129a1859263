import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Vite transforms .ts and .mts by default; src also has CommonJS TypeScript (.cts) that the CLI loads before its bundle.
  oxc: { include: /\.[cm]?tsx?$/ },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
