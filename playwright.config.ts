import { defineConfig } from '@playwright/test'
import { launchChoiceFromEnv, mergeArgs } from './tests/e2e/support/browser'

/**
 * End-to-end suite: the built renderer in Chromium, over the loopback bridge,
 * on the real services (tests/e2e/global-setup.ts builds and starts them).
 *
 * The global setup picks the browser (tests/e2e/support/browser.ts: the
 * PRETEXT_CHROMIUM override, Playwright's Chromium, a system one, or the
 * Chromium shipped in the @sparticuz/chromium package) and hands it to the
 * workers through the environment; it never downloads a browser.
 */
const browser = launchChoiceFromEnv(process.env)

// CI runs as root, where Chromium's sandbox cannot start.
const SUITE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

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
      // Set in the workers, which start after the global setup chose; the runner itself launches no browser.
      ...(browser ? { executablePath: browser.executablePath } : {}),
      args: mergeArgs(SUITE_ARGS, browser?.args ?? []),
    },
  },
})
