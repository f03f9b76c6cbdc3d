import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import path from 'node:path'
import vm from 'node:vm'
import { Worker } from 'node:worker_threads'
import { beforeAll, describe, expect, it } from 'vitest'
import { API_METHOD_NAMES } from '@core/api/contract'
import { loadScenarioText } from '@core/scenario/loader'
import config from '../electron-builder.config'
import { nativeBindingPath } from '../scripts/electron/native'
import { loadRubric } from '../src-main/services/rubric'

/**
 * Electron cannot be launched on these machines, so what would only fail at
 * launch is checked in the built files: the preload a sandboxed window can
 * load, and every path the main bundle computes from its own location.
 */

const repo = path.resolve(__dirname, '..')
const out = path.join(repo, 'out')
const mainBundle = path.join(out, 'main', 'index.js')
const preloadBundle = path.join(out, 'preload', 'index.js')
const rendererDir = path.join(out, 'renderer')
const electronVersion = (JSON.parse(readFileSync(path.join(repo, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version

beforeAll(() => {
  try {
    execFileSync(process.execPath, [path.join(repo, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: repo,
      stdio: 'pipe',
      timeout: 170_000,
    })
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`electron-vite build failed:\n${String(stdout ?? '')}\n${String(stderr ?? '')}`, { cause: error })
  }
}, 180_000)

/** Every literal require("x") in a CommonJS file. */
function requiresOf(code: string): string[] {
  return [...code.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((match) => match[2] ?? '')
}

interface MainProbe {
  calls: [string, ...unknown[]][]
  appPaths: Record<string, string>
  nativeForElectron: string
}

/**
 * Load the real main bundle under Node with a recording stand-in for the
 * 'electron' module whose single-instance lock is already taken, so the
 * bundle runs its pre-ready setup and quits. Its exports tell where it looks.
 */
function probeMainBundle(): MainProbe {
  const script = `
    const Module = require('node:module')
    const path = require('node:path')
    const calls = []
    const record = (name, result) => (...args) => { calls.push([name, ...args]); return result }
    const electron = {
      app: {
        enableSandbox: record('app.enableSandbox'),
        requestSingleInstanceLock: record('app.requestSingleInstanceLock', false),
        quit: record('app.quit'),
        exit: record('app.exit'),
        on: record('app.on'),
        whenReady: record('app.whenReady', new Promise(() => {})),
        isPackaged: false,
      },
      protocol: { registerSchemesAsPrivileged: record('protocol.registerSchemesAsPrivileged'), handle: record('protocol.handle') },
      session: {}, ipcMain: {}, dialog: {}, shell: {}, BrowserWindow: function BrowserWindow() {},
    }
    const load = Module._load
    Module._load = function (request, ...rest) { return request === 'electron' ? electron : load.call(this, request, ...rest) }
    const bundle = require(process.argv[1])
    process.stdout.write(JSON.stringify({
      calls,
      appPaths: bundle.APP_PATHS,
      nativeForElectron: bundle.appPaths(path.dirname(process.argv[1]), process.argv[2]).nativeBinding,
    }))
  `
  const stdout = execFileSync(process.execPath, ['-e', script, mainBundle, electronVersion], { cwd: repo, timeout: 30_000 })
  return JSON.parse(stdout.toString('utf8')) as MainProbe
}

describe('preload bundle', () => {
  it('is the one file in out/preload', () => {
    expect(readdirSync(path.dirname(preloadBundle))).toEqual(['index.js'])
  })

  it('is CommonJS: it compiles as a plain script body, with no import or export', () => {
    const code = readFileSync(preloadBundle, 'utf8')
    expect(code).not.toMatch(/^\s*(import|export)\s/m)
    expect(code).not.toMatch(/\bimport\s*\(/)
    expect(() => new vm.Script(`(function (require, process, exports, module) {\n${code}\n})`)).not.toThrow()
  })

  it('requires nothing but electron', () => {
    const code = readFileSync(preloadBundle, 'utf8')
    expect(requiresOf(code)).toEqual(['electron'])
    expect(code.match(/\brequire\s*\(/g)).toHaveLength(1)
  })

  it('exposes exactly the contract when run the way a sandboxed renderer runs it', () => {
    const code = readFileSync(preloadBundle, 'utf8')
    const exposed: [string, Record<string, unknown>][] = []
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: Record<string, unknown>) => exposed.push([key, value]) },
      ipcRenderer: { invoke: async () => undefined },
    }
    // Like Electron's sandbox: `require` knows 'electron' and fails for any other file or package.
    const sandboxRequire = (id: string): unknown => {
      if (id === 'electron') return electron
      throw new Error(`module not found: ${id}`)
    }
    const module = { exports: {} }
    const run = vm.runInNewContext(`(function (require, process, exports, module) {\n${code}\n})`, { console }) as (
      ...args: unknown[]
    ) => void
    run(sandboxRequire, { env: {} }, module.exports, module)
    expect(exposed.map(([key]) => key)).toEqual(['api'])
    expect(Object.keys(exposed[0]?.[1] ?? {}).sort()).toEqual([...API_METHOD_NAMES].sort())
  })
})

describe('main bundle', () => {
  let probe: MainProbe
  beforeAll(() => {
    probe = probeMainBundle()
  })

  it('is what package.json launches, and CommonJS (package.json has no "type": "module")', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { main?: string; type?: string }
    expect(path.resolve(repo, pkg.main ?? '')).toBe(mainBundle)
    expect(pkg.type).not.toBe('module')
    expect(readFileSync(mainBundle, 'utf8')).toMatch(/^"use strict";/)
  })

  it('resolves every path from its own directory, and each exists in the build output', () => {
    expect(probe.appPaths).toEqual({
      preload: preloadBundle,
      rendererDir,
      rendererEntry: path.join(rendererDir, 'index.html'),
      scenariosDir: path.join(repo, 'scenarios'),
      // Under plain Node there is no process.versions.electron.
      nativeBinding: path.join(repo, '.native', 'electron-unknown', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
    })
    expect(statSync(probe.appPaths['preload'] ?? '').isFile()).toBe(true)
    expect(statSync(probe.appPaths['rendererEntry'] ?? '').isFile()).toBe(true)
  })

  it('reads the scenarios in place at the app root: library/ and rubric.yaml are there', () => {
    const scenariosDir = probe.appPaths['scenariosDir'] ?? ''
    expect(statSync(scenariosDir).isDirectory()).toBe(true)
    expect(statSync(path.join(scenariosDir, 'library')).isDirectory()).toBe(true)
    expect(statSync(path.join(scenariosDir, 'rubric.yaml')).isFile()).toBe(true)
  })

  it('looks for the Electron build of better-sqlite3 where the native step (scripts/electron/native.ts) puts it', () => {
    expect(probe.nativeForElectron).toBe(nativeBindingPath(repo, electronVersion))
  })

  it('registers app:// as privileged and sandboxes every renderer before ready, and leaves when another instance holds the lock', () => {
    const names = probe.calls.map(([name]) => name)
    expect(names).toEqual(['protocol.registerSchemesAsPrivileged', 'app.enableSandbox', 'app.requestSingleInstanceLock', 'app.quit'])
    expect(probe.calls[0]?.[1]).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }])
  })

  it('loads only electron, Node built-ins, installed packages and its own chunks (workers included)', () => {
    const mainDir = path.dirname(mainBundle)
    const files = readdirSync(mainDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'))
    for (const file of files) {
      const code = readFileSync(path.join(mainDir, file), 'utf8')
      const load = createRequire(path.join(mainDir, file))
      for (const id of requiresOf(code)) {
        if (id === 'electron' || builtinModules.includes(id.replace(/^node:/, ''))) continue
        expect(() => load.resolve(id), `${file} requires ${id}`).not.toThrow()
      }
      // Chunks addressed by URL from the file's own location, e.g. worker_threads entries.
      for (const [, relative] of code.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        expect(existsSync(path.join(path.dirname(path.join(mainDir, file)), relative ?? '')), `${file} loads ${relative}`).toBe(true)
      }
    }
  })
})

describe('bundled workers', () => {
  /** Starts a worker chunk of out/main and answers its reply to one request (after its 'ready'). */
  async function ask(prefix: string, request: unknown): Promise<unknown> {
    const mainDir = path.dirname(mainBundle)
    const chunks = readdirSync(mainDir).filter((file) => file.startsWith(`${prefix}.worker-`) && file.endsWith('.js'))
    expect(chunks, `one ${prefix} worker chunk in out/main`).toHaveLength(1)
    const worker = new Worker(path.join(mainDir, chunks[0]!))
    try {
      return await new Promise((resolve, reject) => {
        worker.on('error', reject)
        worker.on('message', (message: { type: string; result?: unknown }) => {
          if (message.type === 'ready') worker.postMessage(request)
          else resolve(message.result)
        })
      })
    } finally {
      await worker.terminate()
    }
  }

  const file = path.join(repo, 'scenarios', 'library', 'routine-esim-transfer.yaml')

  it('the scenario parser worker parses a library file', async () => {
    const result = await ask('scenarioParser', { input: readFileSync(file, 'utf8'), file })
    expect(result).toMatchObject({ kind: 'scenario', result: { ok: true, scenario: { id: 'routine-esim-transfer' } } })
  })

  it('the scenario parser worker parses a golden transcript as plain data', async () => {
    const transcripts = file.replace(/\.yaml$/, '.transcripts.yaml')
    const result = await ask('scenarioParser', { input: readFileSync(transcripts, 'utf8'), file: transcripts, kind: 'yaml' })
    expect(result).toMatchObject({ kind: 'yaml', result: { ok: true, value: { scenario: 'routine-esim-transfer' } } })
  })

  it('the good-path search worker finds the good path of a library scenario', async () => {
    const scenario = loadScenarioText(readFileSync(file, 'utf8'), file)
    const rubric = loadRubric(path.join(repo, 'scenarios', 'rubric.yaml'))
    const steps = (await ask('goodPathSearch', { scenario, rubric })) as string[]
    expect(steps).toEqual(expect.arrayContaining(['Ask for the account PIN', 'Send a one-time code to: line of record']))
    expect(steps.at(-1)).toBe('End the call')
  })
})

describe('renderer build', () => {
  const html = () => readFileSync(path.join(rendererDir, 'index.html'), 'utf8')

  it('has an index.html with no inline script, inline style or event handler attribute (the CSP would block them)', () => {
    expect(html()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
    expect(html()).not.toMatch(/<style[\s>]/i)
    expect(html()).not.toMatch(/\sstyle=/i)
    expect(html()).not.toMatch(/\son[a-z]+=/i)
  })

  it('refers only to files of its own build, by relative path (or to data: URIs, which img-src allows)', () => {
    const refs = [...html().matchAll(/\s(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '')
    const files = refs.filter((ref) => !ref.startsWith('data:'))
    expect(files.length).toBeGreaterThan(0)
    for (const ref of files) {
      expect(ref, ref).toMatch(/^\.\//)
      expect(existsSync(path.join(rendererDir, ref)), ref).toBe(true)
    }
  })
})

/**
 * What `npm run dist` would put in the package, from electron-builder.config.ts's
 * globs evaluated by electron-builder's own matcher (app-builder-lib's
 * FileMatcher, as its packager uses it) on this tree after the build.
 */
describe('package contents', () => {
  type Filter = (file: string, stat: Stats) => boolean
  const { FileMatcher } = createRequire(require.resolve('electron-builder'))('app-builder-lib/out/fileMatcher') as {
    FileMatcher: new (from: string, to: string, expand: (text: string) => string, patterns: string[]) => { createFilter(): Filter }
  }
  const filterOf = (patterns: string[]): Filter => new FileMatcher(repo, '/app', (text) => text, patterns).createFilter()
  const globs = (config.files as (string | object)[]).filter((entry): entry is string => typeof entry === 'string')

  /** Files under `dir` the filter admits, pruning rejected folders the way electron-builder's walk does. */
  function admitted(dir: string, filter: Filter, skip: (relative: string) => boolean = () => false): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name)
      const relative = path.relative(repo, full).split(path.sep).join('/')
      if (skip(relative) || !filter(full, statSync(full))) return []
      return entry.isDirectory() ? admitted(full, filter, skip) : [relative]
    })
  }
  // node_modules is collected apart (production dependencies only), and .git is never walked.
  const appFiles = () => admitted(repo, filterOf(globs), (relative) => relative === 'node_modules' || relative === '.git')

  it('holds package.json, the build, the rubric and the library scenarios, and nothing else', () => {
    const files = appFiles()
    const scenarios = readdirSync(path.join(repo, 'scenarios', 'library')).filter((name) => name.endsWith('.yaml') && !name.endsWith('.transcripts.yaml'))
    expect(files).toEqual(expect.arrayContaining(['package.json', 'out/main/index.js', 'out/preload/index.js', 'out/renderer/index.html', 'scenarios/rubric.yaml']))
    expect(files).toEqual(expect.arrayContaining(scenarios.map((name) => `scenarios/library/${name}`)))
    for (const file of files) expect(file).toMatch(/^(package\.json|out\/(main|preload|renderer)\/.+|scenarios\/rubric\.yaml|scenarios\/library\/[^/]+\.yaml)$/)
  })

  it('holds no tests, fixtures, sources or source maps', () => {
    for (const file of appFiles()) {
      expect(file).not.toMatch(/(^|\/)(tests?|src-[a-z]+|bench|docs|scripts|\.native)\/|\.(test|spec)\.|\.transcripts\.yaml$|\.(ts|vue|map)$/)
    }
    // The build emits no maps today; these would be left out if it did.
    const filter = filterOf(globs)
    const asFile = statSync(path.join(repo, 'package.json'))
    for (const map of ['out/main/index.js.map', 'out/renderer/assets/index.js.map']) expect(filter(path.join(repo, map), asFile), map).toBe(false)
  })

  it("takes from node_modules better-sqlite3's JavaScript, not its Node build or C sources", () => {
    // electron-builder applies only the negated globs to node_modules, after an implicit **/*.
    const filter = filterOf(['**/*', ...globs.filter((glob) => glob.startsWith('!'))])
    const files = admitted(path.join(repo, 'node_modules', 'better-sqlite3'), filter)
    expect(files).toContain('node_modules/better-sqlite3/lib/index.js')
    expect(files.filter((file) => /\/(build|deps|src)\//.test(file) || file.endsWith('.node'))).toEqual([])
  })

  it('unpacks the Electron build of better-sqlite3 from the asar, at the path main loads', () => {
    const binding = path.relative(repo, nativeBindingPath(repo, electronVersion))
    expect(filterOf(config.asarUnpack as string[])(path.join(repo, binding), statSync(path.join(repo, 'package.json')))).toBe(true)
  })

  it("has as production dependencies exactly the packages main requires (the renderer's are bundled into it)", () => {
    const mainDir = path.dirname(mainBundle)
    const required = readdirSync(mainDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) => requiresOf(readFileSync(path.join(mainDir, file), 'utf8')))
      .filter((id) => id !== 'electron' && !id.startsWith('.') && !builtinModules.includes(id.replace(/^node:/, '')))
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...new Set(required)].sort())
  })
})
