/**
 * `npm run dist [-- --linux | --win | --mac]`: installers for this OS (or the
 * one named), via electron-builder with electron-builder.config.ts (package.json's
 * "build" extends it, so a bare `npx electron-builder` gets it too).
 *
 * A package needs the real Electron and better-sqlite3 built for it, so the
 * same step as `npm start` runs first; where it cannot be done (no internet
 * for Electron's binary or headers) this stops within seconds with the
 * reason, before any build work.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { distRefusal, prepareElectron } from './electron/prepare'
import { realSystem } from './electron/system'

const repoRoot = path.resolve(__dirname, '..')

function step(script: string, args: string[]): void {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', ...script.split('/')), ...args], { cwd: repoRoot, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

async function main(): Promise<void> {
  const readiness = await prepareElectron(realSystem(), repoRoot, 'npm run dist')
  if (!readiness.ready) {
    console.error(`\n${distRefusal(readiness.refusal)}\n`)
    process.exit(1)
  }
  step('electron-vite/bin/electron-vite.js', ['build'])
  step('electron-builder/cli.js', ['--publish', 'never', ...process.argv.slice(2)])
}

main().catch((error: unknown) => {
  console.error(`npm run dist: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
