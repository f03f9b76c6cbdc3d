import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Configuration } from 'electron-builder'
import { nativeBindingPath } from './scripts/electron/native'
import { flipPackagedFuses } from './scripts/packaging/fuses'

/**
 * `npm run dist` (scripts/dist.ts runs the native step and the build first):
 * Linux AppImage and deb, Windows NSIS, macOS DMG, each built on its own OS.
 *
 * The package holds the built app (out/), the scenario library and rubric,
 * the production dependencies main requires, and better-sqlite3 built and
 * ABI-checked for Electron, at the path main computes (appPaths in
 * src-main/index.ts), unpacked from the asar because a native module cannot be
 * loaded from inside one. No sources, tests, fixtures or source maps
 * (tests/build-output.test.ts checks these globs against the real tree).
 *
 * package.json's "build" only extends this file, so a bare `npx electron-builder`
 * reads it too (without it, electron-builder would rebuild better-sqlite3 in
 * node_modules for Electron, breaking npm test).
 */
const root = __dirname
const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version
const nativeDir = path.relative(root, path.dirname(nativeBindingPath(root, electronVersion))).split(path.sep).join('/')

const config: Configuration = {
  appId: 'org.pretext.simulator',
  productName: 'Pretext',
  copyright: 'Pretext contributors',
  directories: { output: 'dist', buildResources: 'build' },
  files: [
    'package.json',
    'out/main/**/*',
    'out/preload/**/*',
    'out/renderer/**/*',
    'scenarios/rubric.yaml',
    'scenarios/library/*.yaml',
    // Golden transcripts are test fixtures; the library skips them anyway.
    '!scenarios/library/*.transcripts.yaml',
    '!**/*.map',
    // better-sqlite3's JavaScript only: its Node build, C sources and SQLite amalgamation stay out.
    '!**/node_modules/better-sqlite3/{build,deps,src}/**',
    '!**/node_modules/**/*.{md,ts,map}',
    { from: nativeDir, to: nativeDir, filter: ['better_sqlite3.node'] },
  ],
  asarUnpack: ['.native/**/*.node'],
  // The native step already built and verified better-sqlite3 for Electron; a rebuild
  // in place would overwrite the Node build in node_modules that npm test uses.
  npmRebuild: false,
  afterPack: flipPackagedFuses,
  linux: { target: ['AppImage', 'deb'], category: 'Education', maintainer: 'Pretext contributors' },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.education' },
  publish: null,
}

export default config
