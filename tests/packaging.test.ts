import { FuseV1Options, FuseVersion } from '@electron/fuses'
import { Arch, type AfterPackContext } from 'electron-builder'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const fuses = vi.hoisted(() => ({ flipFuses: vi.fn(async () => 0) }))
vi.mock('@electron/fuses', async (importOriginal) => ({ ...(await importOriginal<typeof import('@electron/fuses')>()), flipFuses: fuses.flipFuses }))

import config from '../electron-builder.config'
import { nativeBindingPath } from '../scripts/electron/native'
import { FUSES, flipPackagedFuses } from '../scripts/packaging/fuses'

/**
 * `npm run dist` cannot run here (it needs Electron's binary from the network),
 * so what the packages would hold is checked on the configuration itself:
 * targets, fuses, the native module. What files go in is checked against the
 * real tree in tests/build-output.test.ts, after the build.
 */

const repo = path.resolve(__dirname, '..')
const electronVersion = (JSON.parse(readFileSync(path.join(repo, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version

beforeEach(() => fuses.flipFuses.mockClear())

describe('Electron fuses', () => {
  it('turns off running as Node, NODE_OPTIONS and --inspect; turns on asar-only loading, asar integrity and cookie encryption; no file:// privileges', () => {
    expect(FUSES).toEqual({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    })
  })

  it('are flipped by the afterPack hook electron-builder runs', () => {
    expect(config.afterPack).toBe(flipPackagedFuses)
  })

  const context = (electronPlatformName: string, arch: Arch) =>
    ({
      appOutDir: '/dist/out',
      electronPlatformName,
      arch,
      packager: { executableName: 'pretext', appInfo: { productFilename: 'Pretext' } },
    }) as unknown as AfterPackContext

  it.each([
    ['linux', Arch.x64, '/dist/out/pretext', false],
    ['win32', Arch.x64, '/dist/out/Pretext.exe', false],
    ['darwin', Arch.x64, '/dist/out/Pretext.app', false],
    ['darwin', Arch.arm64, '/dist/out/Pretext.app', true],
  ] as const)('on %s (%s) flip exactly these fuses in %s', async (platform, arch, executable, resetSignature) => {
    await flipPackagedFuses(context(platform, arch))
    expect(fuses.flipFuses).toHaveBeenCalledExactlyOnceWith(executable, { ...FUSES, resetAdHocDarwinSignature: resetSignature })
  })
})

describe('electron-builder configuration', () => {
  it('builds AppImage and deb for Linux, NSIS for Windows, a DMG for macOS, and publishes nowhere', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.win?.target).toEqual(['nsis'])
    expect(config.mac?.target).toEqual(['dmg'])
    expect(config.publish).toBeNull()
  })

  it('ships the verified Electron build of better-sqlite3 at the path main loads, unpacked from the asar, and rebuilds nothing in node_modules', () => {
    const binding = path.relative(repo, nativeBindingPath(repo, electronVersion)).split(path.sep).join('/')
    const fileSets = (config.files as (string | { from: string; to: string; filter: string[] })[]).filter((entry) => typeof entry !== 'string')
    expect(fileSets).toEqual([{ from: path.posix.dirname(binding), to: path.posix.dirname(binding), filter: ['better_sqlite3.node'] }])
    expect(config.asarUnpack).toEqual(['.native/**/*.node'])
    expect(config.npmRebuild).toBe(false)
  })
})
