import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureElectronBinary, missingBinary, readElectronPackage } from '../../scripts/electron/binary'
import { HEADERS_ENV, abiOf, ensureElectronNative, nativeBindingPath, nodeGypEnv } from '../../scripts/electron/native'
import { lastErrorLine } from '../../scripts/electron/outcome'
import { browserFallbackNotice, distRefusal, prepareElectron } from '../../scripts/electron/prepare'
import { addon, fakeSystem, type FakeCall, type FakeProgram } from './fakeSystem'

/**
 * Each decision of `npm start` on fake Electron layouts: no path.txt, a
 * download that fails, a binary of the wrong ABI, a binary of the right ABI.
 */

const repo = '/repo'
const electronDir = path.join(repo, 'node_modules', 'electron')
const sqliteDir = path.join(repo, 'node_modules', 'better-sqlite3')
const binding = nativeBindingPath(repo, '45.5.0')
const NODE_GYP = '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'

/** A fresh `npm install`: Electron's package without its binary, better-sqlite3 built for Node (ABI 115). */
function freshInstall(): Record<string, string | Buffer> {
  return {
    [path.join(electronDir, 'package.json')]: JSON.stringify({ name: 'electron', version: '45.5.0' }),
    [path.join(electronDir, 'abi_version')]: '150',
    [path.join(electronDir, 'install.js')]: '// downloads the binary',
    [path.join(sqliteDir, 'package.json')]: JSON.stringify({ name: 'better-sqlite3' }),
    [path.join(sqliteDir, 'src', 'better_sqlite3.cpp')]: '// source',
    [path.join(sqliteDir, 'build', 'Release', 'better_sqlite3.node')]: addon(115),
    [NODE_GYP]: '// node-gyp',
  }
}

/** What electron's install.js leaves behind when the download works. */
function installedBinary(): Record<string, string> {
  return {
    [path.join(electronDir, 'path.txt')]: 'electron',
    [path.join(electronDir, 'dist', 'version')]: 'v45.5.0',
    [path.join(electronDir, 'dist', 'electron')]: 'ELF',
  }
}

const OFFLINE_INSTALL = {
  status: 1,
  output: 'TypeError: fetch failed\n    at node:internal/deps/undici/undici:14976:13\n    at async downloadArtifact (file:///repo/node_modules/@electron/get/dist/index.js:154:12)\n',
  timedOut: false,
}

const isInstaller = (call: FakeCall) => call.args[0] === path.join(electronDir, 'install.js')
const isNodeGyp = (call: FakeCall) => call.args[0] === NODE_GYP

/** Scripted programs: the installer and node-gyp each do what the test says. */
function programs(install: FakeProgram, nodeGyp: FakeProgram = () => ({ status: 1, output: 'gyp ERR! not run', timedOut: false })): FakeProgram {
  return (call, files) => (isInstaller(call) ? install(call, files) : isNodeGyp(call) ? nodeGyp(call, files) : { status: 127, output: '', timedOut: false })
}

const downloads: FakeProgram = (_call, files) => {
  for (const [file, content] of Object.entries(installedBinary())) files.set(file, Buffer.from(content))
  return { status: 0, output: '', timedOut: false }
}
const offline: FakeProgram = () => OFFLINE_INSTALL
/** node-gyp that compiles for the given ABI in its working directory. */
const compilesFor =
  (abi: number): FakeProgram =>
  (call, files) => {
    files.set(path.join(call.options.cwd, 'build', 'Release', 'better_sqlite3.node'), addon(abi))
    return { status: 0, output: 'gyp info ok', timedOut: false }
  }
/** node-gyp 12 offline, as it prints (trimmed): the header download fails before any compiling. */
const NODE_GYP_OFFLINE = [
  'gyp info using node@20.20.2 | linux | x64',
  'gyp http GET https://electronjs.org/headers/v45.5.0/node-v45.5.0-headers.tar.gz',
  'gyp WARN install got an error, rolling back install',
  'gyp ERR! configure error ',
  'gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and',
  'gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad',
  'gyp ERR! stack network settings.',
  'gyp ERR! stack at go (/usr/lib/node_modules/npm/node_modules/node-gyp/lib/install.js:244:21)',
  'gyp ERR! System Linux 6.18.44',
  'gyp ERR! not ok ',
].join('\n')
const headersUnreachable: FakeProgram = () => ({ status: 1, output: NODE_GYP_OFFLINE, timedOut: false })

describe("Electron's binary", () => {
  it('with no path.txt, runs Electron\'s own installer and is ready once it wrote the binary', async () => {
    const system = fakeSystem(freshInstall(), programs(downloads))
    const electron = readElectronPackage(system, electronDir)!
    expect(missingBinary(system, electron)).toBe('node_modules/electron/path.txt does not exist')
    expect(await ensureElectronBinary(system, electronDir)).toEqual({ ok: true, detail: 'downloaded Electron 45.5.0' })
    expect(system.calls.filter(isInstaller)).toHaveLength(1)
    expect(missingBinary(system, electron)).toBeUndefined()
  })

  it('when the download fails, says what, why and what to do, quoting the cause without its stack', async () => {
    const system = fakeSystem(freshInstall(), programs(offline))
    const outcome = await ensureElectronBinary(system, electronDir)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.what).toBe('Electron 45.5.0 could not be installed:')
    expect(outcome.why).toContain('path.txt does not exist, and its installer failed with "TypeError: fetch failed"')
    expect(outcome.fix).toMatch(/machine with internet, run "npm start" again/)
    expect(`${outcome.what} ${outcome.why} ${outcome.fix}`).not.toMatch(/undici|\bat async\b/)
  })

  it('does not run the installer when the binary is already there', async () => {
    const system = fakeSystem({ ...freshInstall(), ...installedBinary() }, programs(offline))
    expect(await ensureElectronBinary(system, electronDir)).toEqual({ ok: true, detail: 'Electron 45.5.0 is installed' })
    expect(system.calls).toEqual([])
  })

  it('reinstalls when dist/ holds another Electron version than the package', async () => {
    const system = fakeSystem({ ...freshInstall(), ...installedBinary(), [path.join(electronDir, 'dist', 'version')]: 'v44.0.0' }, programs(downloads))
    expect(missingBinary(system, readElectronPackage(system, electronDir)!)).toBe('node_modules/electron/dist holds Electron 44.0.0, not 45.5.0')
    expect(await ensureElectronBinary(system, electronDir)).toMatchObject({ ok: true })
    expect(system.calls.filter(isInstaller)).toHaveLength(1)
  })

  it('does not believe an installer that exits 0 without leaving a binary', async () => {
    const system = fakeSystem(freshInstall(), programs(() => ({ status: 0, output: '', timedOut: false })))
    const outcome = await ensureElectronBinary(system, electronDir)
    expect(outcome).toMatchObject({ ok: false })
    expect(!outcome.ok && outcome.why).toContain('its installer finished, but node_modules/electron/path.txt does not exist')
  })

  it('names the executable the way install.js does on macOS and Windows', () => {
    for (const [platform, executable] of [
      ['darwin', 'Electron.app/Contents/MacOS/Electron'],
      ['win32', 'electron.exe'],
    ] as const) {
      const system = fakeSystem({ ...freshInstall(), [path.join(electronDir, 'path.txt')]: 'electron' }, undefined, { platform })
      expect(missingBinary(system, readElectronPackage(system, electronDir)!)).toBe(`node_modules/electron/path.txt names "electron", not "${executable}"`)
    }
  })
})

describe('better-sqlite3 for Electron', () => {
  const electron = { dir: electronDir, version: '45.5.0', abi: 150 }

  it('reads the ABI from the real Node build in node_modules: the one this Node loads', () => {
    const real = readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))
    expect(abiOf(real)).toEqual([Number(process.versions.modules)])
  })

  it('a binary of the right ABI is ready, and nothing is built', async () => {
    const system = fakeSystem({ ...freshInstall(), [binding]: addon(150) }, programs(offline, compilesFor(150)))
    expect(await ensureElectronNative(system, { repoRoot: repo, electron })).toMatchObject({ ok: true, detail: expect.stringContaining('is ready') })
    expect(system.calls).toEqual([])
  })

  it('with no build, compiles one for Electron in a scratch copy and moves it into place once verified', async () => {
    const system = fakeSystem(freshInstall(), programs(offline, compilesFor(150)))
    expect(await ensureElectronNative(system, { repoRoot: repo, electron })).toMatchObject({ ok: true, detail: expect.stringContaining('built better-sqlite3 for Electron 45.5.0 (ABI 150)') })
    expect(abiOf(system.read(binding)!)).toEqual([150])
    expect([...system.files.keys()].some((file) => file.includes('.building-'))).toBe(false)
    // The Node build that npm test uses is untouched.
    expect(abiOf(system.read(path.join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'))!)).toEqual([115])
  })

  it('never calls a build of the wrong ABI ready: it is discarded and the refusal names both ABIs', async () => {
    const system = fakeSystem(freshInstall(), programs(offline, compilesFor(115)))
    const outcome = await ensureElectronNative(system, { repoRoot: repo, electron })
    expect(outcome).toMatchObject({ ok: false, what: 'better-sqlite3 was built for the wrong runtime:' })
    expect(!outcome.ok && outcome.why).toMatch(/registers ABI 115, but Electron 45\.5\.0 loads ABI 150/)
    expect(system.exists(binding)).toBe(false)
    expect([...system.files.keys()].some((file) => file.includes('.building-'))).toBe(false)
  })

  it('removes a wrong-ABI binary left by an earlier build, then rebuilds it for Electron', async () => {
    const system = fakeSystem({ ...freshInstall(), [binding]: addon(115) }, programs(offline, compilesFor(150)))
    expect(await ensureElectronNative(system, { repoRoot: repo, electron })).toMatchObject({ ok: true })
    expect(abiOf(system.read(binding)!)).toEqual([150])
    expect(system.calls.filter(isNodeGyp)).toHaveLength(1)
  })

  it('a wrong-ABI binary and no headers: refuses, says the old build was removed and why the new one failed', async () => {
    const system = fakeSystem({ ...freshInstall(), [binding]: addon(115) }, programs(offline, headersUnreachable))
    const outcome = await ensureElectronNative(system, { repoRoot: repo, electron })
    expect(outcome).toMatchObject({ ok: false, what: 'better-sqlite3 could not be built for Electron 45.5.0:' })
    expect(!outcome.ok && outcome.why).toContain('registers ABI 115, not 150, and was removed')
    expect(!outcome.ok && outcome.why).toContain('related to network connectivity')
    expect(system.exists(binding)).toBe(false)
  })

  it("hands node-gyp Electron's target and header server, and none of npm's build settings that point at Node", async () => {
    const env = {
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      npm_config_nodedir: '/usr',
      npm_config_target: '20.20.2',
      npm_config_runtime: 'node',
      NPM_CONFIG_DEVDIR: '/root/.cache/node-gyp',
      npm_config_https_proxy: 'http://proxy:3128',
      npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
      npm_package_config_node_gyp_nodedir: '/usr',
    }
    const system = fakeSystem(freshInstall(), programs(offline, compilesFor(150)), { env })
    await ensureElectronNative(system, { repoRoot: repo, electron })
    const [call] = system.calls.filter(isNodeGyp)
    expect(call?.args).toEqual(expect.arrayContaining(['rebuild', '--target=45.5.0', '--runtime=electron', '--arch=x64', '--dist-url=https://electronjs.org/headers']))
    expect(call?.args.some((arg) => arg.startsWith('--nodedir'))).toBe(false)
    expect(call?.options.env).toEqual({
      PATH: '/usr/bin',
      HTTPS_PROXY: 'http://proxy:3128',
      npm_config_https_proxy: 'http://proxy:3128',
      npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
    })
    expect(nodeGypEnv(env)).toEqual(call?.options.env)
  })

  it(`builds against headers on disk when ${HEADERS_ENV} names them, and still checks the result`, async () => {
    // Pointing it at Node's own headers (/usr) is exactly the mistake npm_config_nodedir used to make.
    const system = fakeSystem(freshInstall(), programs(offline, compilesFor(115)), { env: { [HEADERS_ENV]: '/usr' } })
    const outcome = await ensureElectronNative(system, { repoRoot: repo, electron })
    expect(system.calls.filter(isNodeGyp)[0]?.args).toContain('--nodedir=/usr')
    expect(outcome).toMatchObject({ ok: false, what: 'better-sqlite3 was built for the wrong runtime:' })
    expect(!outcome.ok && outcome.why).toContain(`(${HEADERS_ENV}=/usr)`)
  })
})

describe('npm start', () => {
  it('offline: the download fails, nothing is compiled, and one paragraph says what, why and what to do', async () => {
    const system = fakeSystem(freshInstall(), programs(offline, compilesFor(150)))
    const readiness = await prepareElectron(system, repo)
    expect(readiness.ready).toBe(false)
    if (readiness.ready) return
    expect(system.calls.filter(isNodeGyp)).toEqual([])
    const notice = browserFallbackNotice(readiness.refusal)
    expect(notice).toMatch(/^npm start: Electron cannot run here, so Pretext opens in your browser instead\./)
    expect(notice).toContain('TypeError: fetch failed')
    expect(notice).toContain('On a machine with internet')
    expect(notice).not.toMatch(/\n\s*\n|\bat async\b|undici/)
    expect(Math.max(...notice.split('\n').map((line) => line.length))).toBeLessThanOrEqual(88)
  })

  it('online: installs Electron, builds the native module, and is ready to launch', async () => {
    const system = fakeSystem(freshInstall(), programs(downloads, compilesFor(150)))
    expect(await prepareElectron(system, repo)).toEqual({ ready: true, electron: { dir: electronDir, version: '45.5.0', abi: 150 } })
    expect(system.said).toEqual(expect.arrayContaining(['downloaded Electron 45.5.0', expect.stringContaining('built better-sqlite3 for Electron 45.5.0')]))
  })

  it('a binary download that works but a native build of the wrong ABI: not ready, and says so', async () => {
    const system = fakeSystem(freshInstall(), programs(downloads, compilesFor(115)))
    const readiness = await prepareElectron(system, repo)
    expect(readiness).toMatchObject({ ready: false, refusal: { what: 'better-sqlite3 was built for the wrong runtime:' } })
  })

  it('npm run dist refuses with the same reason', async () => {
    const system = fakeSystem(freshInstall(), programs(offline))
    const readiness = await prepareElectron(system, repo, 'npm run dist')
    const message = !readiness.ready && distRefusal(readiness.refusal)
    expect(message).toMatch(/^npm run dist: cannot package Pretext\. Electron 45\.5\.0 could not be installed/)
    expect(!readiness.ready && readiness.refusal.fix).toContain('run "npm run dist" again')
  })
})

describe('lastErrorLine', () => {
  it('quotes the error, not the stack or node-gyp boilerplate', () => {
    expect(lastErrorLine(OFFLINE_INSTALL.output)).toBe('TypeError: fetch failed')
    expect(lastErrorLine(NODE_GYP_OFFLINE)).toBe(
      'Error: This is most likely not a problem with node-gyp or the package itself and is related to network connectivity. In most cases you are behind a proxy or have bad network settings',
    )
    expect(lastErrorLine('make: *** [sqlite3.o] Error 1\ngyp ERR! build error\ngyp ERR! not ok')).toBe('build error')
  })
})
