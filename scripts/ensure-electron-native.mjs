#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI next to, not over, the Node build.
//
// `npm test` and the CLI load node_modules/better-sqlite3 compiled for Node.
// Electron's main process has a different NODE_MODULE_VERSION, so `npm start`
// needs a second build: a copy of the package under
//   .native/electron-<version>/better-sqlite3/build/Release/better_sqlite3.node
// compiled with node-gyp against Electron's headers. src-main/index.ts (appPaths)
// computes the same path and passes it to the store as `nativeBinding`.
//
// Usage: node scripts/ensure-electron-native.mjs [--print-path] [--force]
// Needs, once per Electron version: internet access to https://electronjs.org/headers
// and a C++ toolchain (python3, make, a C++20 compiler), as `npm install` did.

import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(repoRoot, 'package.json'))

function fail(message) {
  console.error(`\nensure-electron-native: ${message}\n`)
  process.exit(1)
}

function packageDir(name) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`))
  } catch {
    return fail(`${name} is not installed. Run "npm install" first.`)
  }
}

const electronVersion = JSON.parse(readFileSync(path.join(packageDir('electron'), 'package.json'), 'utf8')).version
const sourceDir = packageDir('better-sqlite3')
const nativeRoot = path.join(repoRoot, '.native', `electron-${electronVersion}`)
const targetDir = path.join(nativeRoot, 'better-sqlite3')
const binding = path.join(targetDir, 'build', 'Release', 'better_sqlite3.node')

if (process.argv.includes('--print-path')) {
  console.log(binding)
  process.exit(0)
}

if (existsSync(binding) && !process.argv.includes('--force')) {
  console.log(`ensure-electron-native: better-sqlite3 for Electron ${electronVersion} is ready (${path.relative(repoRoot, binding)}).`)
  process.exit(0)
}

// node-gyp ships inside npm; npm also names it in npm_config_node_gyp when running scripts.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(repoRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  return candidates.find((candidate) => candidate && existsSync(candidate))
}

const nodeGyp = findNodeGyp()
if (!nodeGyp) fail('node-gyp was not found (it ships with npm). Install npm, or set npm_config_node_gyp to node-gyp.js.')

// Build in a scratch copy and move it into place only when it succeeded, so a
// half-finished build never counts as present.
const scratchDir = path.join(nativeRoot, `better-sqlite3.building-${process.pid}`)
rmSync(scratchDir, { recursive: true, force: true })
mkdirSync(nativeRoot, { recursive: true })
cpSync(sourceDir, scratchDir, {
  recursive: true,
  filter: (source) => !source.startsWith(path.join(sourceDir, 'build') + path.sep) && source !== path.join(sourceDir, 'build'),
})

console.log(`ensure-electron-native: building better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch})...`)
const result = spawnSync(
  process.execPath,
  [
    nodeGyp,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--dist-url=https://electronjs.org/headers',
    '--runtime=electron',
    `--devdir=${path.join(repoRoot, '.native', 'headers')}`,
  ],
  { cwd: scratchDir, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion } },
)

const builtBinding = path.join(scratchDir, 'build', 'Release', 'better_sqlite3.node')
if (result.status !== 0 || !existsSync(builtBinding)) {
  rmSync(scratchDir, { recursive: true, force: true })
  fail(
    [
      `could not build better-sqlite3 for Electron ${electronVersion}.`,
      `node-gyp ${result.error ? `did not run (${result.error.message})` : `exited with ${result.status}`}.`,
      '',
      'The usual causes:',
      `  - no internet access: node-gyp downloads Electron's headers from https://electronjs.org/headers/v${electronVersion}/`,
      '  - no C++ toolchain: python3, make and a C++20 compiler (g++ or clang++)',
      '',
      'Nothing else was changed: node_modules/better-sqlite3 (the Node build used by npm test and the CLI) is untouched.',
      'Fix the cause and run "npm start" again, or run this script on its own: node scripts/ensure-electron-native.mjs',
    ].join('\n'),
  )
}

rmSync(targetDir, { recursive: true, force: true })
renameSync(scratchDir, targetDir)
console.log(`ensure-electron-native: built ${path.relative(repoRoot, binding)}`)
