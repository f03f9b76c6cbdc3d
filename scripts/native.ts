/**
 * `npm run native`: the native step of `npm start` on its own.
 *
 *   --print-path   print where the Electron build of better-sqlite3 goes, and exit
 *   --force        rebuild even when a verified build is there
 *
 * Exits 1 with a paragraph (what failed, why, what to do) when the binary
 * cannot be built or is not for Electron's ABI; it never calls such a build ready.
 */
import path from 'node:path'
import { readElectronPackage } from './electron/binary'
import { ensureElectronNative, nativeBindingPath } from './electron/native'
import { paragraph } from './electron/outcome'
import { realSystem } from './electron/system'

const repoRoot = path.resolve(__dirname, '..')
const system = realSystem()
const electron = readElectronPackage(system, path.join(repoRoot, 'node_modules', 'electron'))
if (!electron) {
  console.error('npm run native: Electron is not installed (node_modules/electron). Run "npm install" first.')
  process.exit(1)
}

if (process.argv.includes('--print-path')) {
  console.log(nativeBindingPath(repoRoot, electron.version))
} else {
  void ensureElectronNative(system, { repoRoot, electron, force: process.argv.includes('--force') }).then((outcome) => {
    if (outcome.ok) {
      console.log(outcome.detail)
      return
    }
    console.error(`\n${paragraph(['npm run native:', outcome.what, outcome.why, outcome.fix])}\n`)
    process.exit(1)
  })
}
