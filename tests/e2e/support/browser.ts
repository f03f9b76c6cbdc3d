import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { chromium } from '@playwright/test'

/**
 * Which Chromium the browser suite runs on. `npm install` must be enough, so
 * the last resort is a Chromium that ships inside an npm package
 * (@sparticuz/chromium, Linux x64). First match wins:
 *
 *   1. PRETEXT_CHROMIUM        an explicit executable path (the override)
 *   2. Playwright's Chromium   if `npx playwright install chromium` was run
 *   3. a system Chromium/Chrome at its usual install path
 *   4. @sparticuz/chromium     unpacked once into node_modules/.cache
 *
 * The decision is a pure function over a probe, so each branch is unit-tested
 * with fakes; `systemProbe()` is the real machine.
 */

export const OVERRIDE_ENV = 'PRETEXT_CHROMIUM'

/** How the global setup hands the choice to Playwright's workers (they re-read playwright.config.ts). */
export const LAUNCH_ENV = 'PRETEXT_E2E_LAUNCH'

export type BrowserSource = 'override' | 'playwright' | 'system' | 'npm'

export interface ResolvedBrowser {
  source: BrowserSource
  executablePath: string
  /** Flags this browser needs on top of the suite's own. */
  args: string[]
  /** One line for the log: which browser, from where. */
  description: string
}

export interface NpmChromium {
  executablePath: string
  args: string[]
  version: string
}

export interface BrowserProbe {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  arch: string
  exists(file: string): boolean
  /** Where Playwright's own Chromium would be (it may not be installed). */
  playwrightChromium(): string | undefined
  /** Unpacks the npm-shipped Chromium and says how to launch it. */
  npmChromium(): Promise<NpmChromium>
}

/** Usual install paths of a system Chromium or Chrome, per platform. */
export function systemCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ]
  }
  if (platform === 'win32') {
    const roots = [env['LOCALAPPDATA'], env['PROGRAMFILES'], env['PROGRAMFILES(X86)']].filter((root): root is string => !!root)
    return roots.flatMap((root) => [path.win32.join(root, 'Chromium', 'Application', 'chrome.exe'), path.win32.join(root, 'Google', 'Chrome', 'Application', 'chrome.exe')])
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium']
}

/** @sparticuz/chromium carries a Linux x64 binary only. */
export function npmChromiumSupported(platform: NodeJS.Platform, arch: string): boolean {
  return platform === 'linux' && arch === 'x64'
}

export async function resolveBrowser(probe: BrowserProbe): Promise<ResolvedBrowser> {
  const override = probe.env[OVERRIDE_ENV]
  if (override) {
    if (!probe.exists(override)) {
      throw new Error(`${OVERRIDE_ENV} is set to "${override}", but no file is there. Point it at a Chromium or Chrome executable, or unset it to let the suite find one.`)
    }
    return { source: 'override', executablePath: override, args: [], description: `${override} (from ${OVERRIDE_ENV})` }
  }

  const playwright = probe.playwrightChromium()
  if (playwright && probe.exists(playwright)) {
    return { source: 'playwright', executablePath: playwright, args: [], description: `Playwright's Chromium, ${playwright}` }
  }

  const system = systemCandidates(probe.platform, probe.env).find((candidate) => probe.exists(candidate))
  if (system) return { source: 'system', executablePath: system, args: [], description: `system browser ${system}` }

  if (!npmChromiumSupported(probe.platform, probe.arch)) {
    throw new Error(
      [
        `No Chromium found for the browser suite on ${probe.platform}-${probe.arch}.`,
        `Looked for ${OVERRIDE_ENV}, Playwright's own Chromium and ${systemCandidates(probe.platform, probe.env).join(', ')}.`,
        `The npm-shipped Chromium (@sparticuz/chromium) exists for Linux x64 only.`,
        `Install Chrome, run "npx playwright install chromium", or set ${OVERRIDE_ENV} to a Chromium executable.`,
      ].join(' '),
    )
  }
  const npm = await probe.npmChromium()
  return { source: 'npm', executablePath: npm.executablePath, args: npm.args, description: `@sparticuz/chromium ${npm.version} (npm package), ${npm.executablePath}` }
}

/**
 * Flags of @sparticuz/chromium's `args` the suite leaves out. That list is
 * tuned for AWS Lambda; these would switch off the very protections the suite
 * checks (same-origin policy, mixed content, site isolation) or force the
 * single-process, zygote-less mode Lambda needs and a desktop does not.
 */
const WEAKENING_FLAGS = ['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--single-process', '--no-zygote']

export function npmChromiumArgs(packageArgs: readonly string[]): string[] {
  // Playwright passes its own --headless; a second one from the package would fight it.
  return packageArgs.filter((arg) => !WEAKENING_FLAGS.includes(arg) && !arg.startsWith('--headless'))
}

/** The suite's own flags first, then the browser's; no flag twice. */
export function mergeArgs(ours: readonly string[], theirs: readonly string[]): string[] {
  return [...new Set([...ours, ...theirs])]
}

const repoRoot = path.resolve(__dirname, '..', '..', '..')
const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'))

/**
 * Unpacks @sparticuz/chromium into node_modules/.cache/pretext-chromium-<version>/.
 * The package unpacks into os.tmpdir() and reuses whatever `chromium` it finds
 * there, of any version, even half-written by a concurrent run; so it unpacks
 * into a private scratch folder (TMPDIR pointed at it for the call) that is
 * renamed into place only once complete.
 */
export async function unpackNpmChromium(cacheRoot = path.join(repoRoot, 'node_modules', '.cache')): Promise<NpmChromium> {
  // The package exports only its entry (build/index.js), not its package.json.
  const packageDir = path.resolve(path.dirname(requireFromRepo.resolve('@sparticuz/chromium')), '..')
  const version = (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version
  const { default: Chromium } = (await import('@sparticuz/chromium')) as typeof import('@sparticuz/chromium')
  const target = path.join(cacheRoot, `pretext-chromium-${version}`)
  const executablePath = path.join(target, 'chromium')
  const args = npmChromiumArgs(Chromium.args)
  if (existsSync(executablePath)) return { executablePath, args, version }

  mkdirSync(cacheRoot, { recursive: true })
  const scratch = mkdtempSync(path.join(cacheRoot, `pretext-chromium-${version}.unpacking-`))
  const tmpdir = process.env['TMPDIR']
  try {
    process.env['TMPDIR'] = scratch
    await Chromium.executablePath(path.join(packageDir, 'bin'))
  } finally {
    if (tmpdir === undefined) delete process.env['TMPDIR']
    else process.env['TMPDIR'] = tmpdir
  }
  try {
    renameSync(scratch, target)
  } catch (error) {
    // Another run finished first: its copy is as good as ours.
    rmSync(scratch, { recursive: true, force: true })
    if (!existsSync(executablePath)) throw error
  }
  return { executablePath, args, version }
}

export function systemProbe(): BrowserProbe {
  return {
    env: process.env,
    platform: process.platform,
    arch: process.arch,
    exists: existsSync,
    playwrightChromium: () => {
      try {
        return chromium.executablePath()
      } catch {
        return undefined
      }
    },
    npmChromium: () => unpackNpmChromium(),
  }
}

export interface LaunchChoice {
  executablePath: string
  args: string[]
}

/** Read back in playwright.config.ts, in each worker. */
export function launchChoiceFromEnv(env: NodeJS.ProcessEnv): LaunchChoice | undefined {
  const text = env[LAUNCH_ENV]
  return text ? (JSON.parse(text) as LaunchChoice) : undefined
}
