import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CallerContext, WorkbenchLibrary } from '@core/api/contract'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import type { AgentAction } from '@core/session/events'
import { createServices, type Services } from './index'

/**
 * The author's workbench as main serves it: the library file by file, live
 * reload of a saved file, the beat graph, preview calls on a scratch store
 * (never in a trainee's history), the replay of the author's last choices
 * after an edit, and the golden transcripts' state.
 */

const REPO = join(__dirname, '..', '..')
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)
const SUPERVISOR: CallerContext = { connection: 'bench-supervisor' }

let dir: string
let services: Services | null = null
let airportPath: string
let airportText: string

async function open(): Promise<Services['api']> {
  services = await createServices({ dataDir: join(dir, 'data'), scenariosDir: join(dir, 'scenarios'), parse, seed: () => 7 })
  const api = services.api
  await api['role.setPassphrase']({ passphrase: 'correct horse battery', name: 'Ada' }, SUPERVISOR)
  return api
}

/** Waits (as the workbench page does) until main has reloaded the library after a save. */
async function nextRevision(api: Services['api'], after: number): Promise<WorkbenchLibrary> {
  const state = await api['workbench.wait']({ revision: after, timeoutMs: 5000 }, SUPERVISOR)
  expect(state.revision, 'the library reloaded within 5 s of the save').not.toBe(after)
  return state
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-workbench-'))
  cpSync(join(REPO, 'scenarios'), join(dir, 'scenarios'), { recursive: true })
  airportPath = join(dir, 'scenarios', 'library', 'airport-stolen-phone.yaml')
  airportText = readFileSync(airportPath, 'utf8')
})
afterEach(() => {
  services?.close()
  services = null
  rmSync(dir, { recursive: true, force: true })
})

describe('workbench', () => {
  it('needs supervisor mode', async () => {
    const api = await open()
    await expect(api['workbench.library']({}, { connection: 'a-trainee' })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(api['workbench.previewStart']({ scenarioId: 'airport-stolen-phone' }, { connection: 'a-trainee' })).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('lists every file with its state and its transcripts met', async () => {
    const api = await open()
    const state = await api['workbench.library']({}, SUPERVISOR)
    expect(state.files.length).toBeGreaterThanOrEqual(6)
    const airport = state.files.find((f) => f.scenarioId === 'airport-stolen-phone')!
    expect(airport).toMatchObject({ state: 'valid', problems: [], caller: 'fraud' })
    expect(airport.transcripts.state).toBe('met')
    expect(airport.transcripts.results.length).toBeGreaterThanOrEqual(2)
    expect(airport.transcripts.results.every((r) => r.state === 'met')).toBe(true)
  })

  it('a transcript whose expected score was changed is NOT MET, with the difference', async () => {
    const tPath = join(dir, 'scenarios', 'library', 'airport-stolen-phone.transcripts.yaml')
    writeFileSync(tPath, readFileSync(tPath, 'utf8').replace(/score: 100/, 'score: 7'))
    const api = await open()
    const airport = (await api['workbench.library']({}, SUPERVISOR)).files.find((f) => f.scenarioId === 'airport-stolen-phone')!
    expect(airport.transcripts.state).toBe('not-met')
    const notMet = airport.transcripts.results.find((r) => r.state === 'not-met')!
    expect(notMet.differences.join('\n')).toMatch(/score: expected 7, got 100/)
  })

  it('picks up a broken save at its line, and the fix, without a restart; the picker lists the broken file', async () => {
    const api = await open()
    const before = await api['workbench.library']({}, SUPERVISOR)
    const count = (await api['library.list']({})).length
    const tierLine = airportText.split('\n').findIndex((l) => l.startsWith('tier:')) + 1
    writeFileSync(airportPath, airportText.replace('tier: 1', 'tier: 9'))
    const broken = await nextRevision(api, before.revision)
    const file = broken.files.find((f) => f.file.endsWith('airport-stolen-phone.yaml'))!
    expect(file.state).toBe('problems')
    expect(file.problems[0]).toMatchObject({ line: tierLine, path: 'tier' })
    expect(file.problems[0]!.text).toMatch(new RegExp(`airport-stolen-phone\\.yaml:${tierLine}:\\d+: `))
    // The trainee's picker: one scenario fewer, and the broken file listed with its line.
    expect((await api['library.list']({})).length).toBe(count - 1)
    expect((await api['library.problems']({})).flatMap((p) => p.errors).join('\n')).toMatch(`airport-stolen-phone.yaml:${tierLine}:`)

    writeFileSync(airportPath, airportText)
    const fixed = await nextRevision(api, broken.revision)
    expect(fixed.files.find((f) => f.file.endsWith('airport-stolen-phone.yaml'))!.state).toBe('valid')
    expect((await api['library.list']({})).length).toBe(count)
  })

  it('draws the beats and branches, and the graph follows an edit', async () => {
    const api = await open()
    const graph = (await api['workbench.scenario']({ scenarioId: 'airport-stolen-phone' }, SUPERVISOR)).graph
    expect(graph.nodes.find((n) => n.start)!.id).toBe('opening')
    expect(graph.edges).toContainEqual(expect.objectContaining({ from: 'opening', to: 'pushback', label: 'deny / offer-safe-path', kind: 'goto' }))
    const { revision } = await api['workbench.library']({}, SUPERVISOR)
    writeFileSync(airportPath, airportText.replace('goto: pushback', 'goto: winding-down'))
    await nextRevision(api, revision)
    const after = (await api['workbench.scenario']({ scenarioId: 'airport-stolen-phone' }, SUPERVISOR)).graph
    expect(after.edges).toContainEqual(expect.objectContaining({ from: 'opening', to: 'winding-down', label: 'deny / offer-safe-path' }))
  })

  it('plays a preview through the calls service, with the debug panel, never in a trainee history', async () => {
    const api = await open()
    const started = await api['workbench.previewStart']({ scenarioId: 'airport-stolen-phone' }, SUPERVISOR)
    expect(started.debug.beat).toBe('opening')
    expect(started.debug.caller).toMatchObject({ type: 'fraud', identity: 'impostor' })
    const afterPin = await api['workbench.previewAct']({ previewId: started.previewId, step: 0, action: { type: 'ask-pin' } }, SUPERVISOR)
    expect(afterPin.view.transcript.some((l) => l.speaker === 'caller' && /never set one up/.test(l.text))).toBe(true)
    expect(afterPin.debug.score.provisional).toBe(true)
    expect(afterPin.intents).toEqual([{ type: 'ask-pin' }])
    // A step the console does not offer is refused, as in a trainee's call.
    await expect(api['workbench.previewAct']({ previewId: started.previewId, step: 0, action: { type: 'deny' } }, SUPERVISOR)).rejects.toMatchObject({ code: 'not-offered' })
    const denied = await api['workbench.previewAct']({ previewId: started.previewId, step: 1, action: { type: 'deny' } }, SUPERVISOR)
    expect(denied.debug.beat).toBe('pushback')
    expect(denied.debug.facts).toContainEqual({ label: 'Denied', value: 'yes (step 2)' })
    // Nothing of it reaches the sessions a trainee or a reviewer sees.
    expect(await api['sessions.list']({}, SUPERVISOR)).toEqual([])
    expect((await api['sessions.query']({}, SUPERVISOR)).rows).toEqual([])
  })

  it('after an edit, replays the last choices until one is no longer on offer, and says where it stopped', async () => {
    const api = await open()
    const intents: AgentAction[] = [{ type: 'ask-pin' }, { type: 'deny' }, { type: 'say', choice: 'protect-and-path' }]
    const first = await api['workbench.previewStart']({ scenarioId: 'airport-stolen-phone', intents }, SUPERVISOR)
    expect(first.replay).toEqual({ replayed: 3, requested: 3, stopped: null })
    expect(first.debug.beat).toBe('winding-down')

    const { revision } = await api['workbench.library']({}, SUPERVISOR)
    writeFileSync(airportPath, airportText.replaceAll('protect-and-path', 'protect-and-explain'))
    await nextRevision(api, revision)
    const again = await api['workbench.previewStart']({ scenarioId: 'airport-stolen-phone', intents: first.intents }, SUPERVISOR)
    expect(again.hash).not.toBe(first.hash)
    expect(again.replay).toMatchObject({ replayed: 2, requested: 3, stopped: { index: 2 } })
    expect(again.replay!.stopped!.action).toMatch(/protect-and-path|For your protection/)
    expect(again.debug.beat).toBe('pushback')
  })

  it('adds a folder typed as a path, validated in main', async () => {
    const api = await open()
    await expect(api['workbench.addFolder']({ path: 'relative/dir' }, SUPERVISOR)).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(api['workbench.addFolder']({ path: join(dir, 'nowhere') }, SUPERVISOR)).rejects.toMatchObject({ code: 'not-found' })
    await expect(api['workbench.addFolder']({ path: airportPath }, SUPERVISOR)).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(api['workbench.addFolder']({}, SUPERVISOR)).rejects.toMatchObject({ message: /Type the path/ })
    const extra = join(dir, 'extra')
    mkdirSync(extra)
    writeFileSync(join(extra, 'airport-copy.yaml'), airportText.replace('id: airport-stolen-phone', 'id: airport-copy'))
    writeFileSync(join(extra, 'clash.yaml'), airportText)
    const state = await api['workbench.addFolder']({ path: extra }, SUPERVISOR)
    expect(state.folders).toContain(extra)
    expect(state.files.find((f) => f.scenarioId === 'airport-copy')?.state).toBe('valid')
    expect(state.files.find((f) => f.file.endsWith('clash.yaml'))!.problems[0]!.message).toMatch(/already used by/)
    expect((await api['library.list']({})).map((s) => s.id)).toContain('airport-copy')
    // A save in the added folder is picked up too.
    writeFileSync(join(extra, 'airport-copy.yaml'), 'schemaVersion: 1\nid: airport-copy\n')
    const after = await nextRevision(api, state.revision)
    expect(after.files.find((f) => f.file.endsWith('airport-copy.yaml'))!.state).toBe('problems')
  })
})
