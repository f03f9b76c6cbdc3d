import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { isApiMethod, parseApiArgs } from '@core/api/contract'
import { decodeScenarioBytes, loadScenarioText, tryLoadScenarioText } from '@core/scenario/loader'
import { actionOf, type AgentAction } from '@core/session/events'
import { TranscriptFile, transcriptEvents } from '@core/session/transcript'
import { answerKeyLeaks } from '@core/testing/answerKey'
import { createServices, type Services } from './index'
import { pickProfile } from './testing/profiles'

/**
 * Main runs the call: the renderer sends intents, main decides what is on
 * offer, stamps the time and keeps the answer key until the call has ended.
 */

const REPO = join(__dirname, '..', '..')
const LIBRARY = join(REPO, 'scenarios', 'library')
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

let dir: string
let services: Services | null = null
let now = 0

async function open(): Promise<Services> {
  now = 1_800_000_000_000
  // Main's clock moves 1.5 s per reading, whatever the renderer believes the time is.
  services = await createServices({ dataDir: join(dir, 'data'), scenariosDir: join(dir, 'scenarios'), parse, seed: () => 7, clock: () => (now += 1500) })
  // Calls are recorded under the connection's profile (these tests call without one: the 'local' connection).
  await pickProfile(services.api, 'Ana')
  return services
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-calls-'))
  cpSync(join(REPO, 'scenarios'), join(dir, 'scenarios'), { recursive: true })
})
afterEach(() => {
  services?.close()
  services = null
  rmSync(dir, { recursive: true, force: true })
})

/** The good call of a scenario's golden transcripts, as intents. */
function goldenActions(scenarioId: string, kind: 'good' | 'mistake' = 'good'): AgentAction[][] {
  const file = TranscriptFile.parse(parseYaml(readFileSync(join(LIBRARY, `${scenarioId}.transcripts.yaml`), 'utf8')))
  return file.transcripts.filter((t) => t.kind === kind).map((t) => transcriptEvents(t.actions).map(actionOf))
}

const GOOD_DENIAL = goldenActions('airport-stolen-phone')[0]!

describe('the good-path forgery', () => {
  it('cannot post events: there is no append for the renderer, and an intent carries no number and no time', async () => {
    expect(isApiMethod('sessions.append')).toBe(false)
    const sessionId = '5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f'
    expect(() => parseApiArgs('calls.act', { sessionId, step: 0, action: { seq: 1, at: 0, type: 'ask-pin' } })).toThrow(/unrecognized key|seq|at/i)
  })

  it('replayed through calls.act, gets main’s times, not 0, and cannot be sent all at once', async () => {
    const { api, store } = await open()
    await pickProfile(api, 'Forger')
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    // Ten intents fired together, each claiming the start of the call: only the first is on offer.
    const results = await Promise.allSettled(GOOD_DENIAL.map((action) => api['calls.act']({ sessionId: session.sessionId, step: 0, action })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(GOOD_DENIAL.length - 1).fill('not-offered'))
    const stored = store.getSession(session.sessionId).events
    expect(stored).toHaveLength(1)
    expect(stored[0]!.at).toBeGreaterThan(session.startedAt)
  })
})

describe('calls.act', () => {
  it('stamps each decision with main’s own clock, numbers it, and answers with the new console', async () => {
    const { api, store } = await open()
    const { session, view } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    expect(view.step).toBe(0)
    const after = await api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'ask-pin' } })
    expect(after.step).toBe(1)
    expect(after.transcript.some((l) => l.speaker === 'agent' && /PIN/.test(l.text))).toBe(true)
    const [event] = store.getSession(session.sessionId).events
    expect(event).toEqual({ seq: 1, at: session.startedAt + 1500, type: 'ask-pin' })
    expect(await api['calls.view']({ sessionId: session.sessionId })).toEqual(after)
  })

  it('never stamps a decision earlier than the one before it, whatever the clock does', async () => {
    const { api, store } = await open()
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    await api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'check-account' } })
    now -= 60_000 // the clock jumps back a minute
    await api['calls.act']({ sessionId: session.sessionId, step: 1, action: { type: 'ask-pin' } })
    const [first, second] = store.getSession(session.sessionId).events
    expect(second!.at).toBeGreaterThanOrEqual(first!.at)
  })

  it.each([
    ['a phrasing the beat never offered', { type: 'say', choice: 'protect-and-path-not-here' }],
    ['a phrasing from another beat', { type: 'say', choice: 'protect-and-path' }],
  ] as const)('refuses %s and stores nothing', async (_what, action) => {
    const { api, store } = await open()
    const { session, view } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    expect(view.choices.map((c) => c.id)).not.toContain(action.choice)
    await expect(api['calls.act']({ sessionId: session.sessionId, step: 0, action })).rejects.toMatchObject({ code: 'not-offered', message: /not on offer/ })
    expect(store.getSession(session.sessionId).events).toEqual([])
  })

  it('refuses a phrasing already said', async () => {
    const { api, store } = await open()
    const { session, view } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    const choice = view.choices[0]!.id
    const next = await api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'say', choice } })
    expect(next.choices.map((c) => c.id)).not.toContain(choice)
    await expect(api['calls.act']({ sessionId: session.sessionId, step: 1, action: { type: 'say', choice } })).rejects.toMatchObject({ code: 'not-offered' })
    expect(store.getSession(session.sessionId).events).toHaveLength(1)
  })

  it('refuses an intent chosen on an older console (the numbers may mean something else now)', async () => {
    const { api, store } = await open()
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    await api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'check-account' } })
    await expect(api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'deny' } })).rejects.toMatchObject({
      code: 'not-offered',
      message: /at step 0, but the call is at step 1/,
    })
    expect(store.getSession(session.sessionId).events.map((e) => e.type)).toEqual(['check-account'])
  })

  it('offers nothing but ending once the call is over, and ends it once', async () => {
    const { api } = await open()
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    const over = await api['calls.act']({ sessionId: session.sessionId, step: 0, action: { type: 'end-call' } })
    expect(over).toMatchObject({ status: 'over', choices: [], actions: ['end-call'] })
    await expect(api['calls.act']({ sessionId: session.sessionId, step: 1, action: { type: 'deny' } })).rejects.toMatchObject({ code: 'not-offered' })
    const record = await api['calls.end']({ sessionId: session.sessionId })
    expect(record.events.map((e) => e.type)).toEqual(['end-call'])
    expect((await api['calls.end']({ sessionId: session.sessionId })).info.status).toBe('finished')
    await expect(api['calls.view']({ sessionId: session.sessionId })).rejects.toMatchObject({ code: 'conflict' })
  })
})

describe('the answer key stays in main until the call has ended', () => {
  const ids = readdirSync(LIBRARY)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.transcripts.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort()
  const scenarios = ids.map((id) => loadScenarioText(readFileSync(join(LIBRARY, `${id}.yaml`), 'utf8'), `${id}.yaml`))

  it.each(ids)('%s: no API result before the end carries the caller type or any ground-truth field', async (scenarioId) => {
    const { api } = await open()
    const results: unknown[] = [await api['library.list']({}), await api['library.get']({ scenarioId })]
    for (const [mode, calls] of [['assessment', goldenActions(scenarioId, 'good')], ['practice', goldenActions(scenarioId, 'mistake')]] as const) {
      for (const actions of calls) {
        const started = await api['calls.start']({ scenarioId, mode })
        results.push(started)
        const sessionId = started.session.sessionId
        let step = 0
        for (const action of actions) {
          const view = await api['calls.act']({ sessionId, step, action }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
          results.push(view)
          if (view instanceof Error) break
          step = view.step
          if (view.status === 'over') break
        }
        results.push(await api['calls.view']({ sessionId }), await api['sessions.get']({ sessionId }), await api['sessions.list']({}))
        // After the end, the report does carry it: the walk is not blind.
        const record = await api['calls.end']({ sessionId })
        expect(answerKeyLeaks(record, scenarios).length).toBeGreaterThan(0)
      }
    }
    expect(results.filter((r) => r instanceof Error)).toEqual([])
    expect(answerKeyLeaks(results, scenarios)).toEqual([])
  })
})

describe('resuming an interrupted call', () => {
  async function interruptedAfter(actions: AgentAction[]): Promise<{ sessionId: string; services: Services }> {
    const { api } = await open()
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    for (const [step, action] of actions.entries()) await api['calls.act']({ sessionId: session.sessionId, step, action })
    services!.close() // as if the app died mid-call
    services = null
    return { sessionId: session.sessionId, services: await open() }
  }

  it('goes on from the last acknowledged decision, and the record shows where the call was cut', async () => {
    const { sessionId, services: reopened } = await interruptedAfter(GOOD_DENIAL.slice(0, 4))
    const { api } = reopened
    await expect(api['calls.act']({ sessionId, step: 4, action: GOOD_DENIAL[4]! })).rejects.toMatchObject({ code: 'conflict', message: /interrupted.*Resume/ })

    const { session, view } = await api['calls.resume']({ sessionId })
    expect(session.status).toBe('active')
    expect(view.step).toBe(4)
    expect(view.transcript.some((l) => l.speaker === 'agent' && /PIN/.test(l.text))).toBe(true)
    for (const [i, action] of GOOD_DENIAL.slice(4).entries()) await api['calls.act']({ sessionId, step: 4 + i, action })
    const record = await api['calls.end']({ sessionId })
    expect(record.report).toMatchObject({ compliance: 'pass', score: 100 })
    expect(record.verification).toMatchObject({ ok: true, sealed: true })
    expect(record.resumes).toEqual([{ afterSeq: 4, interruptedAt: record.events[3]!.at, resumedAt: expect.any(Number) }])
    expect(record.resumes[0]!.resumedAt).toBeGreaterThanOrEqual(record.resumes[0]!.interruptedAt)
    expect(record.events.map((e) => e.seq)).toEqual(GOOD_DENIAL.map((_, i) => i + 1))
  })

  it('refuses to resume a call that ended', async () => {
    const { api } = await open()
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    await api['calls.end']({ sessionId: session.sessionId })
    await expect(api['calls.resume']({ sessionId: session.sessionId })).rejects.toMatchObject({ code: 'conflict', message: /ended/ })
  })

  it('a resume dropped from the record afterwards shows as tampered, never as a clean call', async () => {
    const { sessionId, services: reopened } = await interruptedAfter(GOOD_DENIAL.slice(0, 4))
    await reopened.api['calls.resume']({ sessionId })
    for (const [i, action] of GOOD_DENIAL.slice(4).entries()) await reopened.api['calls.act']({ sessionId, step: 4 + i, action })
    await reopened.api['calls.end']({ sessionId })
    reopened.close()
    services = null
    const db = new Database(join(dir, 'data', 'sessions.db'))
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`)
    db.prepare('UPDATE sessions SET resumes = NULL WHERE id = ?').run(sessionId)
    db.close()
    const record = await (await open()).api['sessions.get']({ sessionId })
    expect(record.verification).toMatchObject({ ok: false, firstBadSeq: expect.any(Number) })
    expect(record.verification.message).toMatch(/^Tampered/)
    expect(record.report).toBeNull()
  })
})

describe('the high-risk confirmation’s target', () => {
  // hospital-call-forwarding: the caller asks for calls to be forwarded to +1 555 0150 882.
  const start = async () => {
    const { api, store } = await open()
    const { session, view } = await api['calls.start']({ scenarioId: 'hospital-call-forwarding', mode: 'practice' })
    return { api, store, sessionId: session.sessionId, view }
  }
  const forwarding = (target?: string): AgentAction => ({ type: 'perform-hrt', kind: 'call-forwarding', notify: true, hold: false, ...(target ? { target } : {}) })

  it('offers a field for the kinds that have a target, prefilled with what the caller asked, and none for the others', async () => {
    const { view } = await start()
    const option = (kind: string) => view.options['perform-hrt'].find((o) => o.id === kind)!
    expect(option('call-forwarding').target).toEqual({ type: 'number', label: 'Forward calls to (phone number)', asked: '+1 555 0150 882', emptyMeans: null })
    expect(option('esim-qr').target).toEqual({ type: 'email', label: 'Send the QR code to (email address)', asked: null, emptyMeans: 'Email of record' })
    expect(option('sim-change').target).toBeUndefined()
  })

  it.each([
    ['a number that is not one', forwarding('call my sister'), /not a phone number/],
    ['a target for a kind that has none', { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: true, target: '+1 555 0150 882' }, /has no target/],
    ['an email that is not one', { type: 'perform-hrt', kind: 'change-email', notify: true, hold: false, target: 'me at home' }, /not an email address/],
  ] as const)('refuses %s before it reaches the call', async (_what, action, message) => {
    const { sessionId } = await start()
    expect(() => parseApiArgs('calls.act', { sessionId, step: 0, action })).toThrow(message)
  })

  it('refuses a change without its target when the caller named none, and stores nothing', async () => {
    const { api, store, sessionId } = await start()
    const action: AgentAction = { type: 'perform-hrt', kind: 'change-email', notify: true, hold: false }
    await expect(api['calls.act']({ sessionId, step: 0, action })).rejects.toMatchObject({ code: 'not-offered', message: /needs its target, and the caller named none/ })
    expect(store.getSession(sessionId).events).toEqual([])
  })

  it('records a change sent without its target (a golden transcript’s shorthand) with the one the caller asked for, in the event itself', async () => {
    const { api, store, sessionId } = await start()
    await api['calls.act']({ sessionId, step: 0, action: forwarding() })
    expect(store.getSession(sessionId).events[0]).toMatchObject({ type: 'perform-hrt', kind: 'call-forwarding', target: '+1 555 0150 882' })
  })

  it('carries the target the trainee confirmed into the record and the console, not the one the caller asked for', async () => {
    const { api, store, sessionId } = await start()
    const view = await api['calls.act']({ sessionId, step: 0, action: forwarding('+1 555 0100 999') })
    expect(store.getSession(sessionId).events[0]).toMatchObject({ type: 'perform-hrt', kind: 'call-forwarding', target: '+1 555 0100 999' })
    const line = view.transcript.find((l) => l.speaker === 'system' && l.text.startsWith('Set up call forwarding'))
    expect(line?.text).toContain('(+1 555 0100 999)')
  })
})
