import path from 'node:path'
import { lastErrorLine, refuse, type Outcome } from './outcome'
import type { System } from './system'

/**
 * Electron's own binary. electron 45 downloads it in its install.js, which npm
 * never runs (there is no postinstall), and electron-vite only reads
 * node_modules/electron/path.txt. So the start and dist steps run install.js
 * first, and check the result the way install.js itself does.
 */

export interface ElectronPackage {
  dir: string
  version: string
  /** NODE_MODULE_VERSION of Electron's Node, from node_modules/electron/abi_version. */
  abi: number
}

/** The executable inside dist/, as install.js names it (its getPlatformPath). */
export function platformPath(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron'
  if (platform === 'win32') return 'electron.exe'
  return 'electron'
}

function text(system: System, file: string): string | undefined {
  return system.read(file)?.toString('utf8')
}

export function readElectronPackage(system: System, electronDir: string): ElectronPackage | undefined {
  const manifest = text(system, path.join(electronDir, 'package.json'))
  const abi = Number(text(system, path.join(electronDir, 'abi_version'))?.trim())
  if (!manifest || !Number.isInteger(abi)) return undefined
  return { dir: electronDir, version: (JSON.parse(manifest) as { version: string }).version, abi }
}

/** What is missing for electron-vite to find a runnable binary; undefined when nothing is. Mirrors install.js's isInstalled. */
export function missingBinary(system: System, electron: ElectronPackage): string | undefined {
  const expected = platformPath(system.platform)
  const pathTxt = text(system, path.join(electron.dir, 'path.txt'))
  if (pathTxt === undefined) return 'node_modules/electron/path.txt does not exist'
  if (pathTxt !== expected) return `node_modules/electron/path.txt names "${pathTxt}", not "${expected}"`
  const distVersion = text(system, path.join(electron.dir, 'dist', 'version'))?.trim().replace(/^v/, '')
  if (distVersion !== electron.version) return `node_modules/electron/dist holds ${distVersion ? `Electron ${distVersion}` : 'no Electron'}, not ${electron.version}`
  if (!system.exists(path.join(electron.dir, 'dist', expected))) return `node_modules/electron/dist/${expected} does not exist`
  return undefined
}

/** A download can take minutes on a slow line; a machine without a route fails in well under a second. */
export const INSTALL_TIMEOUT_MS = 10 * 60_000

/** `command` is what the person ran (npm start, npm run dist): the advice says to run it again. */
export async function ensureElectronBinary(system: System, electronDir: string, command = 'npm start'): Promise<Outcome> {
  const electron = readElectronPackage(system, electronDir)
  if (!electron) {
    return refuse('Electron is not installed', `${electronDir} has no package.json or abi_version`, 'run "npm install" first.')
  }
  const before = missingBinary(system, electron)
  if (!before) return { ok: true, detail: `Electron ${electron.version} is installed` }

  system.say(`Installing Electron ${electron.version} (${before}; first time only)...`)
  const result = await system.run(system.execPath, [path.join(electronDir, 'install.js')], {
    cwd: electronDir,
    env: system.env,
    timeoutMs: INSTALL_TIMEOUT_MS,
  })
  const after = missingBinary(system, electron)
  if (result.status === 0 && !after) return { ok: true, detail: `downloaded Electron ${electron.version}` }

  const cause = result.timedOut
    ? `the download did not finish within ${INSTALL_TIMEOUT_MS / 60_000} minutes`
    : result.startError
      ? `its installer could not start (${result.startError})`
      : result.status !== 0
        ? `its installer failed with "${lastErrorLine(result.output)}"`
        : `its installer finished, but ${after}`
  return refuse(
    `Electron ${electron.version} could not be installed:`,
    `${before}, and ${cause}. Electron's installer (node_modules/electron/install.js) downloads the binary from GitHub's releases on first use.`,
    `On a machine with internet, run "${command}" again: it downloads Electron once (about 100 MB; a proxy goes in HTTPS_PROXY, a mirror in ELECTRON_MIRROR) and builds the SQLite module for it.`,
  )
}
