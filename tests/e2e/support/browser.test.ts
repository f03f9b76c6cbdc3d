import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from '@playwright/test'
import { describe, expect, it } from 'vitest'
import {
  LAUNCH_ENV,
  OVERRIDE_ENV,
  launchChoiceFromEnv,
  mergeArgs,
  npmChromiumArgs,
  npmChromiumSupported,
  resolveBrowser,
  systemCandidates,
  systemProbe,
  type BrowserProbe,
} from './browser'

const NPM = { executablePath: '/repo/node_modules/.cache/pretext-chromium-153.0.0/chromium', args: ['--font-render-hinting=none'], version: '153.0.0' }

/** A machine with exactly the given files, on Linux x64 unless told otherwise. */
function probe(files: string[], overrides: Partial<BrowserProbe> = {}): BrowserProbe & { unpacked: () => number } {
  let unpacked = 0
  return {
    env: {},
    platform: 'linux',
    arch: 'x64',
    exists: (file) => files.includes(file),
    playwrightChromium: () => '/root/.cache/ms-playwright/chromium-1200/chrome-linux/chrome',
    npmChromium: async () => {
      unpacked += 1
      return NPM
    },
    unpacked: () => unpacked,
    ...overrides,
  }
}

describe('resolveBrowser', () => {
  it('takes PRETEXT_CHROMIUM first, over everything else installed', async () => {
    const machine = probe(['/opt/my-chrome', '/usr/bin/chromium', '/root/.cache/ms-playwright/chromium-1200/chrome-linux/chrome'], {
      env: { [OVERRIDE_ENV]: '/opt/my-chrome' },
    })
    expect(await resolveBrowser(machine)).toMatchObject({ source: 'override', executablePath: '/opt/my-chrome', args: [] })
    expect(machine.unpacked()).toBe(0)
  })

  it('refuses an override that points at nothing, naming the variable and the path', async () => {
    await expect(resolveBrowser(probe(['/usr/bin/chromium'], { env: { [OVERRIDE_ENV]: '/opt/typo' } }))).rejects.toThrow(
      /PRETEXT_CHROMIUM is set to "\/opt\/typo", but no file is there/,
    )
  })

  it("prefers Playwright's own Chromium to a system one", async () => {
    const machine = probe(['/usr/bin/chromium', '/root/.cache/ms-playwright/chromium-1200/chrome-linux/chrome'])
    expect(await resolveBrowser(machine)).toMatchObject({ source: 'playwright', executablePath: '/root/.cache/ms-playwright/chromium-1200/chrome-linux/chrome' })
  })

  it('uses a system Chromium or Chrome when Playwright has none', async () => {
    expect(await resolveBrowser(probe(['/usr/bin/google-chrome']))).toMatchObject({ source: 'system', executablePath: '/usr/bin/google-chrome' })
    expect(await resolveBrowser(probe(['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'], { platform: 'darwin', arch: 'arm64' }))).toMatchObject({
      source: 'system',
    })
  })

  it('falls back to the npm-shipped Chromium on a bare Linux x64 machine, with its flags', async () => {
    const machine = probe([])
    const browser = await resolveBrowser(machine)
    expect(browser).toMatchObject({ source: 'npm', executablePath: NPM.executablePath, args: NPM.args })
    expect(browser.description).toContain('@sparticuz/chromium 153.0.0')
    expect(machine.unpacked()).toBe(1)
  })

  it('says what to do where no browser exists and the npm one cannot run', async () => {
    const machine = probe([], { platform: 'darwin', arch: 'arm64' })
    await expect(resolveBrowser(machine)).rejects.toThrow(/No Chromium found .* darwin-arm64.*Linux x64 only.*npx playwright install chromium.*PRETEXT_CHROMIUM/)
    expect(machine.unpacked()).toBe(0)
  })
})

describe('the flags', () => {
  it("keeps the package's rendering flags but none that weaken web security or force Lambda's process model", () => {
    const args = npmChromiumArgs([
      '--font-render-hinting=none',
      '--disable-web-security',
      '--allow-running-insecure-content',
      '--disable-site-isolation-trials',
      '--single-process',
      '--no-zygote',
      "--headless='shell'",
      '--no-sandbox',
    ])
    expect(args).toEqual(['--font-render-hinting=none', '--no-sandbox'])
  })

  it('merges the suite flags with the browser flags without repeating one', () => {
    expect(mergeArgs(['--no-sandbox', '--no-first-run'], ['--no-sandbox', '--use-gl=angle'])).toEqual(['--no-sandbox', '--no-first-run', '--use-gl=angle'])
  })

  it('round-trips the choice through the environment for the workers', () => {
    expect(launchChoiceFromEnv({})).toBeUndefined()
    expect(launchChoiceFromEnv({ [LAUNCH_ENV]: JSON.stringify({ executablePath: '/x/chromium', args: ['--a'] }) })).toEqual({ executablePath: '/x/chromium', args: ['--a'] })
  })

  it('knows the usual install paths on each platform', () => {
    expect(systemCandidates('linux', {})).toContain('/usr/bin/chromium')
    expect(systemCandidates('win32', { PROGRAMFILES: 'C:\\Program Files' })).toContain('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe')
  })
})

// The fresh-machine path, for real: whatever else this machine has installed,
// the npm branch itself unpacks the packaged Chromium and serves a page.
describe('the npm-shipped Chromium', () => {
  if (npmChromiumSupported(process.platform, process.arch)) {
    it('unpacks from the package, launches under Playwright and renders a page', async () => {
      const npm = await systemProbe().npmChromium()
      expect(npm.executablePath).toContain(`pretext-chromium-${npm.version}`)
      const server = createServer((_request, response) => response.end('<!doctype html><title>npm chromium</title><p id="p">rendered</p>'))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const browser = await chromium.launch({ executablePath: npm.executablePath, args: mergeArgs(['--no-sandbox'], npm.args) })
      try {
        const page = await browser.newPage()
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
        expect(await page.textContent('#p')).toBe('rendered')
        expect(browser.version()).toMatch(new RegExp(`^${npm.version.split('.')[0]}\\.`))
      } finally {
        await browser.close()
        server.close()
      }
    }, 120_000)
  } else {
    it(`is not offered on ${process.platform}-${process.arch}: the resolver stops with advice instead`, async () => {
      await expect(resolveBrowser({ ...systemProbe(), env: {}, exists: () => false })).rejects.toThrow(/Linux x64 only/)
    })
  }
})
