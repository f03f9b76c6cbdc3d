import { defineConfig } from '@playwright/test'

/**
 * End-to-end suite: the built renderer in Chromium, over the loopback bridge,
 * on the real services (tests/e2e/global-setup.ts builds and starts them).
 *
 * Chromium is Debian's (/usr/bin/chromium); never `npx playwright install`.
 * PRETEXT_CHROMIUM overrides the path on other machines.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  globalSetup: './tests/e2e/global-setup.ts',
  // The specs share one session database; one worker keeps "recent sessions" predictable.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env['CI'] ? [['list'], ['html', { open: 'never' }]] : [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env['PRETEXT_CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
})
