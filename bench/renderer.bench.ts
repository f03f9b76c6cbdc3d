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
 * next view) without any UI, interleaved with the console's samples one for
 * one so that both meet the same load (this machine is shared) and the same
 * warmth. The driver waits for each sample on a promise the page resolves, never
 * by polling it.
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
    // The page records each phase itself; the driver never polls it while a sample runs (Playwright's
    // polling runs on the page's main thread and in this process, which serves the bridge too).
    await page.evaluate(`(() => {
      const w = window
      const token = document.querySelector('meta[name="pretext-bridge-token"]').getAttribute('content')
      w.__bench = { t0: 0, expect: 0, ui: [], phases: [], bare: [], done: null }
      document.addEventListener('keydown', () => { w.__bench.t0 = performance.now() }, { capture: true })
      // When the console's calls.act is sent and its answer read: the rest, up to the update, is the console's own work.
      const of = window.fetch
      window.fetch = async (...a) => {
        const act = String(a[0]).includes('calls.act')
        if (act) w.__bench.sent = performance.now()
        const r = await of(...a)
        const json = r.json.bind(r)
        r.json = async () => { const body = await json(); if (act) w.__bench.answered = performance.now(); return body }
        return r
      }
      const target = document.querySelector('.save-state')
      new MutationObserver(() => {
        const m = /(\\d+) actions? saved/.exec(target.textContent || '')
        if (m && Number(m[1]) === w.__bench.expect) {
          const b = w.__bench, now = performance.now()
          b.ui.push(now - b.t0)
          b.phases.push({ toSend: b.sent - b.t0, roundTrip: b.answered - b.sent, own: now - b.answered })
          b.expect = -1
          b.done && b.done()
        }
      }).observe(target, { subtree: true, childList: true, characterData: true })
      // The baseline: the same append from the same page straight to the bridge, on a call of its own.
      const call = async (method, args) => {
        const res = await of('/api/' + method, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pretext-token': token }, body: JSON.stringify(args) })
        return (await res.json()).result
      }
      w.__bare = { session: null, step: 0 }
      w.__bareStart = async () => {
        const profile = await call('profiles.create', { name: 'Bench baseline' })
        await call('profiles.select', { profileId: profile.id })
        w.__bare.session = (await call('calls.start', { scenarioId: 'routine-esim-transfer', mode: 'practice' })).session
      }
      w.__bareOne = async () => {
        const t0 = performance.now()
        await call('calls.act', { sessionId: w.__bare.session.sessionId, step: w.__bare.step++, action: { type: 'notify-customer' } })
        w.__bench.bare.push(performance.now() - t0)
      }
    })()`)
    await page.evaluate('window.__bareStart()')
    const pause = () => new Promise((r) => setTimeout(r, 60))
    for (let i = 1; i <= ACTIONS; i++) {
      // Interleaved, one of each in turn after the same pause: both see the machine as it is at that moment
      // and both are equally warm, so neither gains from running after the other.
      await pause()
      await page.evaluate(`window.__bench.expect = ${i}; window.__bench.sample = new Promise((r) => { window.__bench.done = r }); 0`)
      await page.keyboard.press(i % 2 ? 'n' : 'm')
      await page.evaluate('window.__bench.sample')
      await pause()
      await page.evaluate('window.__bareOne()')
    }
    const uiSamples = (await page.evaluate('window.__bench.ui')) as number[]
    const phases = (await page.evaluate('window.__bench.phases')) as Array<{ toSend: number; roundTrip: number; own: number }>
    const baseSamples = (await page.evaluate('window.__bench.bare')) as number[]

    const p95 = percentile(uiSamples, 0.95)
    const base95 = percentile(baseSamples, 0.95)
    return {
      name: 'Console in Chromium (loopback bridge, real services)',
      rows: [
        { metric: `calls.act round trip alone, p95 of ${ACTIONS} (baseline)`, value: round(base95), unit: 'ms' },
        { metric: 'key press -> console updated, median', value: round(median(uiSamples)), unit: 'ms', baseline: round(median(baseSamples)), ratio: round(median(uiSamples) / median(baseSamples)) },
        { metric: 'key press -> console updated, p95', value: round(p95), unit: 'ms', baseline: round(base95), ratio: round(p95 / base95), target: 'p95 < 16 ms' },
        { metric: 'key press -> calls.act sent, p95', value: round(percentile(phases.map((p) => p.toSend), 0.95)), unit: 'ms' },
        { metric: "the console's calls.act, sent -> answer read, p95", value: round(percentile(phases.map((p) => p.roundTrip), 0.95)), unit: 'ms', baseline: round(base95) },
        { metric: "calls.act answer read -> console updated (the console's own work), p95", value: round(percentile(phases.map((p) => p.own), 0.95)), unit: 'ms' },
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
