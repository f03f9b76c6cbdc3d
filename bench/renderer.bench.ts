import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from '@playwright/test'
import { startBridge } from '../src-main/bridge/server'
import { createServices } from '../src-main/services/index'
import { resolveBrowser, systemProbe } from '../tests/e2e/support/browser'
import type { BenchResult } from './types'
import { median, percentile } from './types'

const ROOT = join(__dirname, '..')
const RENDERER = join(ROOT, 'out', 'renderer')
const ACTIONS = 80

/** Gzipped size of the JavaScript index.html loads before first paint (entry + modulepreloads). */
function initialJsGzipBytes(): { gzip: number; raw: number } {
  const html = readFileSync(join(RENDERER, 'index.html'), 'utf8')
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]!)
  let gzip = 0
  let raw = 0
  for (const ref of refs) {
    const bytes = readFileSync(join(RENDERER, ref.replace(/^\.?\//, '')))
    raw += bytes.length
    gzip += gzipSync(bytes, { level: 9 }).length
  }
  return { gzip, raw }
}

/**
 * In Chromium, through the loopback bridge and the real services: the time from
 * a console key press to the console showing the acknowledged action. The
 * baseline, measured in the same page and run, is the bare calls.act the
 * console makes (HTTP to main, main's check, the durable SQLite commit, the
 * next view) without any UI.
 */
export async function benchRenderer(): Promise<BenchResult> {
  if (!existsSync(join(RENDERER, 'index.html'))) execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const size = initialJsGzipBytes()

  const dataDir = mkdtempSync(join(tmpdir(), 'pretext-bench-'))
  const services = await createServices({ dataDir, scenariosDir: join(ROOT, 'scenarios') })
  const bridge = await startBridge({ rendererDir: RENDERER, services: services.api })
  // The same browser the e2e suite uses (PRETEXT_CHROMIUM, Playwright's, the system's, or the npm package's).
  const resolved = await resolveBrowser(systemProbe())
  const browser = await chromium.launch({
    executablePath: resolved.executablePath,
    args: [...resolved.args, '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' })
    await page.goto(bridge.url)
    await page.getByLabel('Trainee name').fill('Bench')
    await page.locator('.scenario-card', { hasText: 'New phone, old phone in hand' }).click()
    await page.getByRole('button', { name: /Take the call/ }).click()
    await page.locator('.console').waitFor()

    // Key press -> the header shows the new saved count (after main's ack and the console's update).
    await page.evaluate(`(() => {
      const w = window
      w.__bench = { t0: 0, samples: [], expect: 0 }
      document.addEventListener('keydown', () => { w.__bench.t0 = performance.now() }, { capture: true })
      // When the append's answer has been read: the rest, up to the console update, is the console's own work.
      const of = window.fetch
      w.__bench.answered = []
      window.fetch = async (...a) => {
        const r = await of(...a)
        const json = r.json.bind(r)
        r.json = async () => { const body = await json(); if (String(a[0]).includes('calls.act')) w.__bench.lastAnswer = performance.now(); return body }
        return r
      }
      const target = document.querySelector('.save-state')
      new MutationObserver(() => {
        const m = /(\\d+) actions? saved/.exec(target.textContent || '')
        if (m && Number(m[1]) === w.__bench.expect) {
          const now = performance.now()
          w.__bench.samples.push(now - w.__bench.t0)
          w.__bench.answered.push(now - w.__bench.lastAnswer)
          w.__bench.expect = -1
        }
      }).observe(target, { subtree: true, childList: true, characterData: true })
    })()`)
    for (let i = 1; i <= ACTIONS; i++) {
      await page.evaluate(`window.__bench.expect = ${i}`)
      await page.keyboard.press(i % 2 ? 'n' : 'm')
      // Poll slowly from outside the measured path: Playwright's own locator polling runs on the page's main thread.
      while ((await page.evaluate('window.__bench.expect')) !== -1) await new Promise((r) => setTimeout(r, 50))
    }
    const uiSamples = (await page.evaluate('window.__bench.samples')) as number[]
    const ownSamples = (await page.evaluate('window.__bench.answered')) as number[]

    // Baseline: the same append, from the same page, straight to the bridge.
    // (A string, not a function: tsx would wrap named helpers in code the page does not have.)
    const baseSamples = (await page.evaluate(`(async () => {
      const token = document.querySelector('meta[name="pretext-bridge-token"]').getAttribute('content')
      const call = async (method, args) => {
        const res = await fetch('/api/' + method, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pretext-token': token }, body: JSON.stringify(args) })
        return (await res.json()).result
      }
      const profile = await call('profiles.create', { name: 'Bench baseline' })
      await call('profiles.select', { profileId: profile.id })
      const { session } = await call('calls.start', { scenarioId: 'routine-esim-transfer', mode: 'practice' })
      const out = []
      for (let step = 0; step < ${ACTIONS}; step++) {
        // Paced like the console run (one action, then a pause), so both measure a cold round trip.
        await new Promise((r) => setTimeout(r, 60))
        const t0 = performance.now()
        await call('calls.act', { sessionId: session.sessionId, step, action: { type: 'notify-customer' } })
        out.push(performance.now() - t0)
      }
      return out
    })()`)) as number[]

    const p95 = percentile(uiSamples, 0.95)
    const base95 = percentile(baseSamples, 0.95)
    return {
      name: 'Console in Chromium (loopback bridge, real services)',
      rows: [
        { metric: `calls.act round trip alone, p95 of ${ACTIONS} (baseline)`, value: round(base95), unit: 'ms' },
        { metric: 'key press -> console updated, median', value: round(median(uiSamples)), unit: 'ms', baseline: round(median(baseSamples)), ratio: round(median(uiSamples) / median(baseSamples)) },
        { metric: 'key press -> console updated, p95', value: round(p95), unit: 'ms', baseline: round(base95), ratio: round(p95 / base95), target: 'p95 < 16 ms' },
        { metric: "calls.act answer read -> console updated (the console's own work), p95", value: round(percentile(ownSamples, 0.95)), unit: 'ms' },
        { metric: 'initial JavaScript, gzip', value: Math.round(size.gzip / 102.4) / 10, unit: 'kB', target: '< 250 kB' },
        { metric: 'initial JavaScript, raw', value: Math.round(size.raw / 102.4) / 10, unit: 'kB' },
      ],
    }
  } finally {
    await browser.close()
    await bridge.close()
    services.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const round = (n: number) => Math.round(n * 100) / 100
