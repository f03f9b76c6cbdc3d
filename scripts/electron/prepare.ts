import path from 'node:path'
import { ensureElectronBinary, readElectronPackage, type ElectronPackage } from './binary'
import { ensureElectronNative } from './native'
import { paragraph, refuse, type Refusal } from './outcome'
import type { System } from './system'

/**
 * Everything Electron needs before electron-vite may launch it: its binary,
 * and better-sqlite3 built for its ABI. `npm start` and `npm run dist` both
 * begin here; the first step that cannot be done stops the rest (without the
 * binary there are no headers to build against either).
 */
export type Readiness = { ready: true; electron: ElectronPackage } | { ready: false; refusal: Refusal }

export async function prepareElectron(system: System, repoRoot: string, command = 'npm start'): Promise<Readiness> {
  const electronDir = path.join(repoRoot, 'node_modules', 'electron')
  const binary = await ensureElectronBinary(system, electronDir, command)
  if (!binary.ok) return { ready: false, refusal: binary }
  system.say(binary.detail)
  const electron = readElectronPackage(system, electronDir)
  if (!electron) return { ready: false, refusal: refuse('Electron is not installed:', `${electronDir} has no package.json or abi_version.`, 'Run "npm install" first.') }
  const native = await ensureElectronNative(system, { repoRoot, electron, command })
  if (!native.ok) return { ready: false, refusal: native }
  system.say(native.detail)
  return { ready: true, electron }
}

/** What `npm start` prints before it serves the app in the browser instead. */
export function browserFallbackNotice(refusal: Refusal): string {
  return paragraph([
    'npm start: Electron cannot run here, so Pretext opens in your browser instead.',
    refusal.what,
    refusal.why,
    refusal.fix,
  ])
}

/** What `npm run dist` prints before it stops: a package needs the real Electron. */
export function distRefusal(refusal: Refusal): string {
  return paragraph(['npm run dist: cannot package Pretext.', refusal.what, refusal.why, refusal.fix])
}
