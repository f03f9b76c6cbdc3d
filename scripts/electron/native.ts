import path from 'node:path'
import type { ElectronPackage } from './binary'
import { lastErrorLine, refuse, type Outcome } from './outcome'
import type { System } from './system'

/**
 * better-sqlite3 built for Electron's ABI, next to (not over) the Node build.
 *
 * `npm test`, the CLI and the preview load node_modules/better-sqlite3,
 * compiled for Node by `npm install`. Electron's main process has another
 * NODE_MODULE_VERSION, so `npm start` builds a second copy under
 *   .native/electron-<version>/better-sqlite3/build/Release/better_sqlite3.node
 * with node-gyp against Electron's headers; src-main/index.ts (appPaths)
 * computes the same path and hands it to the store as `nativeBinding`.
 *
 * A build counts as ready only when the binary's exported
 * node_register_module_v<N> matches node_modules/electron/abi_version.
 */

/** Points node-gyp at Electron headers already on disk (an unpacked electronjs.org/headers tarball) instead of downloading them. */
export const HEADERS_ENV = 'PRETEXT_ELECTRON_HEADERS'

export function nativeBindingPath(repoRoot: string, electronVersion: string): string {
  return path.join(repoRoot, '.native', `electron-${electronVersion}`, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
}

/** The ABI versions a Node addon registers itself for (node_register_module_v<N>), read from the binary. */
export function abiOf(binary: Uint8Array): number[] {
  const found = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).toString('latin1').matchAll(/node_register_module_v(\d+)/g)
  return [...new Set([...found].map((match) => Number(match[1])))]
}

export type BindingState = { state: 'missing' } | { state: 'ready' } | { state: 'wrong-abi'; found: number[] }

export function bindingState(system: System, bindingPath: string, expectedAbi: number): BindingState {
  const binary = system.read(bindingPath)
  if (!binary) return { state: 'missing' }
  const found = abiOf(binary)
  return found.length === 1 && found[0] === expectedAbi ? { state: 'ready' } : { state: 'wrong-abi', found }
}

function describeAbi(found: readonly number[]): string {
  return found.length === 0 ? 'no node_register_module_v<N> symbol' : `ABI ${found.join(', ')}`
}

/**
 * npm exports its whole config to scripts as npm_config_*, and node-gyp reads
 * every one of them as its own option: npm_config_nodedir (set on these
 * machines) makes it compile against Node's headers, whatever --target says.
 * The child gets none of them, except how to reach the network.
 */
const NETWORK_SETTINGS = new Set(['npm_config_proxy', 'npm_config_https_proxy', 'npm_config_http_proxy', 'npm_config_noproxy', 'npm_config_cafile', 'npm_config_python'])

export function nodeGypEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => {
      const lower = name.toLowerCase()
      if (lower.startsWith('npm_config_')) return NETWORK_SETTINGS.has(lower)
      return !lower.startsWith('npm_package_config_node_gyp_')
    }),
  )
}

export function nodeGypArgs(electron: ElectronPackage, arch: string, devdir: string, headersDir: string | undefined): string[] {
  return [
    'rebuild',
    '--release',
    `--target=${electron.version}`,
    `--arch=${arch}`,
    '--runtime=electron',
    // Either the headers on disk, or Electron's header server (node-gyp caches them in devdir).
    ...(headersDir ? [`--nodedir=${headersDir}`] : ['--dist-url=https://electronjs.org/headers', `--devdir=${devdir}`]),
  ]
}

/** node-gyp ships inside npm; npm names it in npm_config_node_gyp when running scripts. */
export function findNodeGyp(system: System, repoRoot: string): string | undefined {
  const candidates = [
    system.env['npm_config_node_gyp'],
    path.join(path.dirname(system.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(system.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(repoRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  return candidates.find((candidate): candidate is string => !!candidate && system.exists(candidate))
}

export const BUILD_TIMEOUT_MS = 15 * 60_000

export interface NativeOptions {
  repoRoot: string
  electron: ElectronPackage
  /** Rebuild even when a ready build is there. */
  force?: boolean
  /** What the person ran (npm start, npm run dist): the advice says to run it again. */
  command?: string
}

export async function ensureElectronNative(system: System, { repoRoot, electron, force = false, command = 'npm start' }: NativeOptions): Promise<Outcome> {
  const binding = nativeBindingPath(repoRoot, electron.version)
  const shown = path.relative(repoRoot, binding)
  const before = bindingState(system, binding, electron.abi)
  if (before.state === 'ready' && !force) return { ok: true, detail: `better-sqlite3 for Electron ${electron.version} (ABI ${electron.abi}) is ready (${shown})` }
  // A build for another ABI would crash Electron at the first query; it goes before anything can load it.
  if (before.state === 'wrong-abi') system.remove(binding)
  const stale = before.state === 'wrong-abi' ? `The build that was there registers ${describeAbi(before.found)}, not ${electron.abi}, and was removed. ` : ''

  const sourceDir = path.join(repoRoot, 'node_modules', 'better-sqlite3')
  if (!system.exists(path.join(sourceDir, 'package.json'))) {
    return refuse('better-sqlite3 is not installed:', `${stale}There is no ${sourceDir}.`, 'Run "npm install" first.')
  }
  const nodeGyp = findNodeGyp(system, repoRoot)
  if (!nodeGyp) {
    return refuse('node-gyp was not found:', `${stale}It ships with npm, and none was found next to ${system.execPath}.`, 'Reinstall npm, or set npm_config_node_gyp to node-gyp.js.')
  }

  // Build in a scratch copy and move it into place only once it is verified,
  // so neither a half-finished build nor a wrong-ABI one ever sits at `binding`.
  const nativeRoot = path.join(repoRoot, '.native', `electron-${electron.version}`)
  const scratch = path.join(nativeRoot, `better-sqlite3.building-${process.pid}`)
  const targetDir = path.join(nativeRoot, 'better-sqlite3')
  system.remove(scratch)
  system.copyPackage(sourceDir, scratch)
  const headersDir = system.env[HEADERS_ENV]
  system.say(`Building better-sqlite3 for Electron ${electron.version} (once per Electron version)...`)
  const result = await system.run(system.execPath, [nodeGyp, ...nodeGypArgs(electron, system.arch, path.join(repoRoot, '.native', 'headers'), headersDir)], {
    cwd: scratch,
    env: nodeGypEnv(system.env),
    timeoutMs: BUILD_TIMEOUT_MS,
  })
  const built = path.join(scratch, 'build', 'Release', 'better_sqlite3.node')
  const after = bindingState(system, built, electron.abi)

  if (result.status !== 0 || after.state === 'missing') {
    system.remove(scratch)
    const headers = headersDir ? `the headers in ${headersDir} (${HEADERS_ENV})` : `Electron's headers, which node-gyp downloads from https://electronjs.org/headers/v${electron.version}/,`
    return refuse(
      `better-sqlite3 could not be built for Electron ${electron.version}:`,
      `${stale}node-gyp ${result.timedOut ? 'timed out' : result.startError ? `did not start (${result.startError})` : `stopped with "${lastErrorLine(result.output)}"`}. The build needs ${headers} and a C++ toolchain (python3, make, a C++20 compiler).`,
      `On a machine with internet and a toolchain, run "${command}" again (or "npm run native" alone); with the headers on disk, set ${HEADERS_ENV} to their folder. node_modules/better-sqlite3, the Node build that npm test and the CLI use, is untouched.`,
    )
  }
  if (after.state === 'wrong-abi') {
    system.remove(scratch)
    return refuse(
      `better-sqlite3 was built for the wrong runtime:`,
      `${stale}The binary node-gyp produced registers ${describeAbi(after.found)}, but Electron ${electron.version} loads ABI ${electron.abi} (node_modules/electron/abi_version), so it was compiled against another Node's headers${headersDir ? ` (${HEADERS_ENV}=${headersDir})` : ''}. It was discarded, not installed.`,
      `Point ${HEADERS_ENV} at Electron ${electron.version}'s headers, or unset it so node-gyp downloads them.`,
    )
  }
  system.replace(scratch, targetDir)
  return { ok: true, detail: `built better-sqlite3 for Electron ${electron.version} (ABI ${electron.abi}): ${shown}` }
}
