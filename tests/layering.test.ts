import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The layering rules are part of the architecture, so they are tested like
 * behaviour: each rule must reject the slip it exists for.
 */

const ROOT = join(__dirname, '..')
const eslint = new ESLint({ cwd: ROOT })

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) })
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message)
}

describe('lint keeps each zone importing only what may run there', () => {
  it.each([
    ["import { app } from 'electron'\nexport const a = app", 'src-core/engine/slip.ts'],
    ["import { readFileSync } from 'node:fs'\nexport const r = readFileSync", 'src-core/scenario/slip.ts'],
    ["import { ref } from 'vue'\nexport const r = ref", 'src-core/scoring/slip.ts'],
    ["import { app } from 'electron'\nexport const a = app", 'src-main/services/slip.ts'],
    ["import { app } from 'electron'\nexport const a = app", 'src-renderer/src/slip.ts'],
    ["import { readFileSync } from 'node:fs'\nexport const r = readFileSync", 'src-renderer/src/slip.ts'],
    ["import { SessionStore } from '../../src-main/services/sessionStore'\nexport const s = SessionStore", 'src-renderer/src/slip.ts'],
  ])('rejects %j in %s', async (code, file) => {
    expect(await ruleIds(code, file)).toContain('no-restricted-imports')
  })

  it.each([
    ['export const t = Date.now()', 'no-restricted-properties'],
    ['export const r = Math.random()', 'no-restricted-properties'],
    ['export const d = new Date()', 'no-restricted-syntax'],
  ])('keeps clocks and randomness out of the core: %s', async (code, rule) => {
    expect(await ruleIds(code, 'src-core/engine/slip.ts')).toContain(rule)
  })

  it.each([
    ["import { dispatchApiCall } from '../ipc'\nexport const d = dispatchApiCall", 'src-main/bridge/slip.ts'],
    ["import { registerIpc } from '../ipc.ts'\nexport const r = registerIpc", 'src-main/transport/slip.ts'],
    ["import { createMainWindow } from '../window'\nexport const w = createMainWindow", 'src-main/bridge/slip.ts'],
    ["import { APP_PATHS } from '../index'\nexport const p = APP_PATHS", 'src-main/bridge/slip.ts'],
    ["import { buildPreloadApi } from '../../src-main/preload'\nexport const b = buildPreloadApi", 'src-main/transport/slip.ts'],
    ["import { registerAppProtocol } from '../protocol'\nexport const r = registerAppProtocol", 'src-main/bridge/slip.ts'],
    ["import { app } from 'electron'\nexport const a = app", 'src-main/transport/slip.ts'],
  ])('keeps the bridge and the shared transport off the Electron-aware files: rejects %j in %s', async (code, file) => {
    expect(await ruleIds(code, file)).toContain('no-restricted-imports')
  })

  it('lets the bridge use the shared transport and the services', async () => {
    const code = "import { dispatchApiCall } from '../transport/dispatch'\nimport { createServices } from '../services/index'\nexport const x = [dispatchApiCall, createServices]"
    expect(await ruleIds(code, 'src-main/bridge/slip.ts')).toEqual([])
  })

  it('allows the same code where it belongs', async () => {
    expect(await ruleIds("import { app } from 'electron'\nexport const a = app", 'src-main/window-slip.ts')).toEqual([])
    expect(await ruleIds('export const t = Date.now()', 'src-main/services/slip.ts')).toEqual([])
  })

  it('bans v-html in the renderer', async () => {
    const vue = '<script setup lang="ts">\nconst html = "<b>x</b>"\n</script>\n<template><div v-html="html"></div></template>\n'
    expect(await ruleIds(vue, 'src-renderer/src/components/Slip.vue')).toContain('vue/no-v-html')
  })
})

describe('lint keeps the core on its floors (ARCHITECTURE.md): each folder imports only those below it', () => {
  const BELOW: Record<string, string[]> = {
    scenario: [],
    engine: ['scenario'],
    scoring: ['scenario', 'engine'],
    session: ['scenario', 'engine', 'scoring'],
    analysis: ['scenario', 'engine', 'scoring', 'session'],
    api: ['scenario', 'engine', 'scoring', 'session', 'analysis'],
  }
  const folders = [...Object.keys(BELOW), 'testing']
  const slip = (from: string) => `import { x } from '${from}'\nexport const y = x`
  const pairs = (keep: (below: string[], other: string) => boolean) =>
    Object.entries(BELOW).flatMap(([folder, below]) => folders.filter((other) => other !== folder && keep(below, other)).map((other) => [folder, other]))

  async function messages(code: string, file: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
    return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`)
  }

  it.each(pairs((below, other) => !below.includes(other)))('src-core/%s may not import src-core/%s', async (folder, other) => {
    const expected = expect.stringMatching(new RegExp(`^no-restricted-imports: .*src-core/${folder} may import .* not src-core/${other} \\(the core's floors`))
    expect(await messages(slip(`../${other}/slip`), `src-core/${folder}/slip.ts`)).toEqual([expected])
    expect(await messages(slip(`@core/${other}/slip`), `src-core/${folder}/slip.ts`)).toEqual([expected])
  })

  it.each(pairs((below, other) => below.includes(other)))('src-core/%s may import src-core/%s', async (folder, other) => {
    expect(await messages(slip(`../${other}/slip`), `src-core/${folder}/slip.ts`)).toEqual([])
  })

  it.each(Object.keys(BELOW))('src-core/%s is still platform-free under its floor rule', async (folder) => {
    expect(await messages(slip('electron'), `src-core/${folder}/slip.ts`)).toEqual([expect.stringContaining('src-core is platform-free')])
    expect(await messages(slip('../../src-main/services/library'), `src-core/${folder}/slip.ts`)).toEqual([expect.stringContaining('src-core imports nobody')])
  })

  it('lets tests reach across floors (fixtures, the scorer beside the engine)', async () => {
    expect(await messages(slip('../testing/scenarios'), 'src-core/scenario/slip.test.ts')).toEqual([])
    expect(await messages(slip('../scoring/scorer'), 'src-core/engine/slip.test.ts')).toEqual([])
  })
})

describe('the core compiles without Node, Electron or the DOM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-core-types-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function diagnostics(code: string): string[] {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'src-core', 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!
    const file = join(dir, 'slip.ts')
    writeFileSync(file, code)
    const program = ts.createProgram([file], { ...config.options, rootDir: dir, noEmit: true, composite: false, emitDeclarationOnly: false, declaration: false })
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  }

  it.each(['process', 'window', 'document', 'require', 'Buffer'])('a stray %s fails the build', (name) => {
    expect(diagnostics(`export const x = typeof ${name} === 'undefined' ? 0 : ${name}\n`).join('\n')).toMatch(new RegExp(`Cannot find name '${name}'`))
  })

  it('plain ES2022 compiles', () => {
    expect(diagnostics('export const x: number[] = [1, 2].map((n) => n * 2)\n')).toEqual([])
  })
})
