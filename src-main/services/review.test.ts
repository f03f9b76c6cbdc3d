import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CallerContext, SessionInfo } from '@core/api/contract'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import type { AgentAction } from '@core/session/events'
import { createServices, type Services } from './index'
import { ReviewService, type ReviewServiceOptions } from './review'
import { ReviewStore } from './reviewStore'
import { SupervisorLock } from './supervisorLock'
import { pickProfile } from './testing/profiles'

/**
 * Supervisor review end to end under Node: the real library, the real store
 * with review's tables on its one connection, roles per connection, the
 * passphrase, exports written atomically.
 */

const REPO = resolve(__dirname, '..', '..')
const CHILD = join(__dirname, 'testing', 'reviewExportChild.ts')
const NOBODY = 65534
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

const SUPERVISOR: CallerContext = { connection: 'ipc:1' }
const SECOND: CallerContext = { connection: 'ipc:2' }
const TRAINEE: CallerContext = { connection: 'ipc:3' }
const PASS = 'correct horse battery'

/** Refuses the fraudster but calls them a fraud and leaves no note: deductions to review. */
const rude: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'deny' }, { type: 'say', choice: 'sounds-like-fraud' }, { type: 'end-call' }]
/** Reads the address to the caller: a critical failure. */
const fatal: AgentAction[] = [{ type: 'confirm-detail', field: 'address' }, { type: 'end-call' }]

let dir: string
let services: Services | null = null
let now = 1_800_000_000_000

async function open(): Promise<Services> {
  services = await createServices({
    dataDir: join(dir, 'data'),
    scenariosDir: join(dir, 'scenarios'),
    parse,
    seed: () => 7,
    clock: () => (now += 1500),
    reviewClock: () => (now += 1000),
  })
  return services
}

async function play(actions: AgentAction[], trainee = 'Sam', mode: 'practice' | 'assessment' = 'assessment'): Promise<SessionInfo> {
  const { api } = services!
  // Each trainee plays on the connection their profile is chosen on (here: the one with no caller).
  await pickProfile(api, trainee)
  const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode })
  for (const [step, action] of actions.entries()) await api['calls.act']({ sessionId: session.sessionId, step, action })
  await api['calls.end']({ sessionId: session.sessionId })
  return session
}

async function asSupervisor(caller = SUPERVISOR, name = 'Ada') {
  const { api } = services!
  const state = await api['role.get']({}, caller)
  if (!state.passphraseSet) return api['role.setPassphrase']({ passphrase: PASS, name }, caller)
  const unlocked = await api['role.unlock']({ passphrase: PASS, name }, caller)
  expect(unlocked.ok).toBe(true)
  return unlocked.state
}

async function asTrainee(name: string, caller = TRAINEE) {
  const { api } = services!
  const existing = (await api['profiles.list']({}, caller)).find((p) => p.name === name)
  const profile = existing ?? (await api['profiles.create']({ name }, caller))
  return api['profiles.select']({ profileId: profile.id }, caller)
}

function traineeEvents(): Array<{ session_id: string; seq: number; payload: string; hash: string }> {
  return services!.store.connection('read').prepare('SELECT session_id, seq, payload, hash FROM events ORDER BY session_id, seq').all() as Array<{
    session_id: string
    seq: number
    payload: string
    hash: string
  }>
}

/** Close the app, drop every guard trigger and run the edit, then open the app again. */
async function tamper(edit: (db: Database.Database) => void): Promise<Services> {
  services!.close()
  services = null
  const db = new Database(join(dir, 'data', 'sessions.db'))
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`)
  db.transaction(() => edit(db))()
  db.close()
  return open()
}

/**
 * A second review service on the open store, with its own batch sizes (the
 * app's own starts its sweep at open), unlocked for SUPERVISOR.
 */
async function secondReview(sizes: Pick<ReviewServiceOptions, 'sweepBatchSize' | 'exportChunk'>) {
  const { store, sessions, library, rubric } = services!
  const review = new ReviewService({
    store,
    reviews: new ReviewStore(store, () => now),
    sessions,
    library,
    rubric,
    lock: new SupervisorLock({ file: join(dir, 'data', 'supervisor.json') }),
    ...sizes,
  })
  await asSupervisor()
  const api = review.api()
  expect((await api['role.unlock']({ passphrase: PASS, name: 'Ada' }, SUPERVISOR)).ok).toBe(true)
  return api
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-review-'))
  cpSync(join(REPO, 'scenarios'), join(dir, 'scenarios'), { recursive: true })
  await open()
})
afterEach(() => {
  services?.close()
  services = null
  rmSync(dir, { recursive: true, force: true })
})

describe('roles', () => {
  it('refuses supervisor-only methods to a trainee connection, and unlocks only the connection that gave the passphrase', async () => {
    const { api } = services!
    await expect(api['review.queue']({}, TRAINEE)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/needs supervisor mode/) })
    await asSupervisor()
    await expect(api['review.queue']({}, SUPERVISOR)).resolves.toMatchObject({ awaitingReview: [] })
    await expect(api['review.queue']({}, SECOND)).rejects.toMatchObject({ code: 'forbidden' })
    await api['role.lock']({}, SUPERVISOR)
    await expect(api['review.queue']({}, SUPERVISOR)).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('a wrong passphrase says so, asks to wait, and changes nothing', async () => {
    const { api } = services!
    await api['role.setPassphrase']({ passphrase: PASS, name: 'Ada' }, SUPERVISOR)
    const wrong = await api['role.unlock']({ passphrase: 'not the one', name: 'Mallory' }, SECOND)
    expect(wrong).toMatchObject({ ok: false, message: expect.stringMatching(/not right.*try again in 1 second/), state: { role: 'trainee', supervisor: null } })
    expect(wrong.ok === false && wrong.retryInMs).toBe(1000)
    await expect(api['sessions.query']({}, SECOND)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Pick your profile/) })
    // Changing it needs the current passphrase.
    await expect(api['role.setPassphrase']({ passphrase: 'another passphrase', name: 'Mallory' }, SECOND)).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('holds a trainee to their own history', async () => {
    const mine = await play(rude, 'Sam')
    await play(rude, 'Lee')
    const { api } = services!
    await expect(api['sessions.query']({}, TRAINEE)).rejects.toMatchObject({ code: 'forbidden' })
    await asTrainee('Sam')
    const page = await api['sessions.query']({ trainee: 'Lee' }, TRAINEE)
    expect(page.rows.map((r) => r.sessionId)).toEqual([mine.sessionId])
    const other = (await api['sessions.query']({}, (await asSupervisor(), SUPERVISOR))).rows.find((r) => r.trainee === 'Lee')!
    await expect(api['review.open']({ sessionId: other.sessionId }, TRAINEE)).rejects.toMatchObject({ code: 'forbidden' })
  })
})

describe('the review flow', () => {
  it('queue, replay, comment, override, sign off, publish; the trainee disputes; the supervisor rules; trainee events untouched', async () => {
    const call = await play(rude)
    const before = traineeEvents()
    const { api } = services!
    await asSupervisor()
    const queue = await api['review.queue']({}, SUPERVISOR)
    expect(queue.awaitingReview.map((q) => q.sessionId)).toEqual([call.sessionId])

    const record = await api['review.open']({ sessionId: call.sessionId }, SUPERVISOR)
    expect(record.verification.ok).toBe(true)
    expect(record.steps.map((s) => s.decision)).toHaveLength(rude.length)
    expect(record.steps[0]!.tookMs).toBe(1500)
    expect(record.steps[3]!.judgements.some((j) => j.item === 'D1')).toBe(true)
    const view = await api['review.step']({ sessionId: call.sessionId, step: 3 }, SUPERVISOR)
    expect(view.view.step).toBe(3)

    await api['review.act']({ sessionId: call.sessionId, action: { type: 'comment', step: 4, text: 'Never call a caller a fraud.' } }, SUPERVISOR)
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'override', item: 'E1', score: 5, reason: 'The note went into the CRM' } }, SUPERVISOR)
    const signed = await api['review.act']({ sessionId: call.sessionId, action: { type: 'sign-off' } }, SUPERVISOR)
    expect(signed.scores).toMatchObject({ countingSource: 'supervisor' })
    expect(signed.scores!.human).toBe(signed.scores!.auto + 5)
    // A signed-off review changes scores only by ruling on a dispute.
    await expect(api['review.act']({ sessionId: call.sessionId, action: { type: 'override', item: 'D1', score: 5, reason: 'x' } }, SUPERVISOR)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/signed off.*Nothing was recorded/),
    })
    // Nothing published yet: the trainee sees no thread.
    await asTrainee('Sam')
    expect((await api['review.open']({ sessionId: call.sessionId }, TRAINEE)).thread!.events).toEqual([])
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'publish' } }, SUPERVISOR)

    const seen = await api['review.open']({ sessionId: call.sessionId }, TRAINEE)
    expect(seen.thread!.comments.map((c) => c.text)).toEqual(['Never call a caller a fraud.'])
    expect(seen.thread!.state).toBe('published')
    await expect(api['review.act']({ sessionId: call.sessionId, action: { type: 'publish' } }, TRAINEE)).rejects.toMatchObject({ code: 'forbidden' })
    const disputed = await api['review.act']({ sessionId: call.sessionId, action: { type: 'dispute', item: 'D1', reason: 'I was quoting policy' } }, TRAINEE)
    expect(disputed.state).toBe('disputed')

    expect((await api['review.queue']({}, SUPERVISOR)).awaitingRuling).toMatchObject([{ sessionId: call.sessionId, items: ['D1'] }])
    const ruled = await api['review.act']({ sessionId: call.sessionId, action: { type: 'rule', item: 'D1', decision: 'overturned', score: 3, reason: 'Partly fair' } }, SUPERVISOR)
    expect(ruled.state).toBe('resolved')
    expect(ruled.scores!.items.find((i) => i.id === 'D1')).toMatchObject({ human: 3, counts: 'supervisor', reason: 'Partly fair' })
    expect(ruled.events.map((e) => [e.seq, e.type, e.actor.name])).toEqual([
      [1, 'comment', 'Ada'],
      [2, 'override', 'Ada'],
      [3, 'sign-off', 'Ada'],
      [4, 'publish', 'Ada'],
      [5, 'dispute', 'Sam'],
      [6, 'rule', 'Ada'],
    ])
    // Main's clock, strictly increasing.
    expect(ruled.events.every((e, i, all) => i === 0 || e.at > all[i - 1]!.at)).toBe(true)
    expect(traineeEvents()).toEqual(before)

    const row = (await api['sessions.query']({ reviewState: 'resolved' }, SUPERVISOR)).rows[0]!
    expect(row).toMatchObject({ sessionId: call.sessionId, scoreSource: 'supervisor', score: ruled.scores!.counting, autoScore: ruled.scores!.auto })
  })

  it('review events are append-only, and an edit behind the app’s back is caught at its step', async () => {
    const call = await play(rude)
    const { api } = services!
    await asSupervisor()
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'comment', step: 1, text: 'First' } }, SUPERVISOR)
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'comment', step: 2, text: 'Second' } }, SUPERVISOR)
    const db = services!.store.connection('write')
    expect(() => db.prepare("UPDATE review_events SET body = '{}' WHERE seq = 2").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM review_events').run()).toThrow(/append-only/)

    const { api: reopened } = await tamper((raw) =>
      raw.prepare(`UPDATE review_events SET body = json_set(body, '$.text', 'Rewritten') WHERE session_id = ? AND seq = 2`).run(call.sessionId),
    )
    await asSupervisor()
    const record = await reopened['review.open']({ sessionId: call.sessionId }, SUPERVISOR)
    expect(record.thread!.verification).toMatchObject({ ok: false, firstBadSeq: 2, message: expect.stringMatching(/^Tampered review: review action 2 has been altered/) })
    await expect(reopened['review.act']({ sessionId: call.sessionId, action: { type: 'sign-off' } }, SUPERVISOR)).rejects.toMatchObject({ code: 'conflict' })
    const row = (await reopened['sessions.query']({}, SUPERVISOR)).rows[0]!
    expect(row).toMatchObject({ score: null, verification: { ok: false } })
  })

  it('says how far the open-time check of every record has got; trends answer once it is done', async () => {
    for (const trainee of ['Sam', 'Lee', 'Kim']) await play(rude, trainee)
    const api = await secondReview({ sweepBatchSize: 1 })
    expect(await api['trends.progress']({}, SUPERVISOR)).toEqual({ checked: 0, total: 0, done: false })
    const trends = api['trends.get']({}, SUPERVISOR)
    const seen: Array<{ checked: number; total: number; done: boolean }> = []
    for (let turn = 0; turn < 10; turn++) {
      seen.push(await api['trends.progress']({}, SUPERVISOR))
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    expect((await trends).sessions).toBe(3)
    expect(await api['trends.progress']({}, SUPERVISOR)).toEqual({ checked: 3, total: 3, done: true })
    // One row per turn: the figure rises one at a time, never past the total, and ends done.
    const checked = [...new Set(seen.map((p) => p.checked))]
    expect(checked).toEqual([1, 2, 3])
    expect(seen.every((p) => p.total === 3)).toBe(true)
    expect(seen.at(-1)!.done).toBe(true)
    await expect(api['trends.progress']({}, TRAINEE)).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('a corrupt session is listed as tampered, cannot be reviewed, and nothing is recorded', async () => {
    const call = await play(fatal)
    const { api } = await tamper((db) => db.prepare("UPDATE sessions SET score = 100, compliance = 'pass' WHERE id = ?").run(call.sessionId))
    await asSupervisor()
    const row = (await api['sessions.query']({}, SUPERVISOR)).rows[0]!
    expect(row).toMatchObject({ score: null, compliance: null, verification: { ok: false, message: expect.stringMatching(/^Tampered: the stored score/) } })
    await expect(api['review.act']({ sessionId: call.sessionId, action: { type: 'comment', step: 1, text: 'x' } }, SUPERVISOR)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/cannot be reviewed: Tampered.*Nothing was recorded/),
    })
    const record = await api['review.open']({ sessionId: call.sessionId }, SUPERVISOR)
    expect(record.report).toBeNull()
    expect(record.steps.filter((s) => s.tampered).map((s) => s.seq)).toEqual([])
    expect(record.verification.firstBadSeq).toBe(fatal.length + 1)
    const db = services!.store.connection('read')
    expect(db.prepare('SELECT count(*) FROM review_events').pluck().get()).toBe(0)
    expect((await api['trends.get']({}, SUPERVISOR)).tampered).toBe(1)
  })

  it('an edited list column is caught by its row check and left out of trends', async () => {
    const failed = await play(fatal, 'Sam')
    await play(rude, 'Sam')
    const { api } = await tamper((db) => {
      db.prepare("UPDATE review_facts SET auto_score = 90, auto_compliance = 'pass', compliance = 'pass', score = 90 WHERE session_id = ?").run(failed.sessionId)
      db.prepare("UPDATE review_facts SET rules_mask = 0 WHERE session_id = ?").run(failed.sessionId)
    })
    await asSupervisor()
    const row = (await api['sessions.query']({}, SUPERVISOR)).rows.find((r) => r.sessionId === failed.sessionId)!
    expect(row).toMatchObject({ score: null, compliance: null, verification: { ok: false, message: 'Tampered: the listed figures are not those of the sealed report.' } })
    const trends = await api['trends.get']({}, SUPERVISOR)
    expect(trends).toMatchObject({ sessions: 1, tampered: 1 })
    expect(trends.passRate.byTrainee[0]!.points[0]!.rate).toBe(1)
  })

  it('an edited event shows tampered from its step on', async () => {
    const call = await play(rude)
    const { api } = await tamper((db) => db.prepare(`UPDATE events SET payload = '{"choice":"protect-and-path"}' WHERE session_id = ? AND seq = 4`).run(call.sessionId))
    await asSupervisor()
    const record = await api['review.open']({ sessionId: call.sessionId }, SUPERVISOR)
    expect(record.steps.map((s) => s.tampered)).toEqual([false, false, false, true, true])
  })

  it('an edited decision is shown tampered in every list and left out of every figure; untouched sessions still verify', async () => {
    const edited = await play(rude, 'Sam')
    const untouched = await play(fatal, 'Lee')
    // Only the decision's text changes: the session row, its seal, its score and the index are as they were.
    const { api } = await tamper((db) => db.prepare(`UPDATE events SET payload = '{"choice":"protect-and-path"}' WHERE session_id = ? AND seq = 4`).run(edited.sessionId))
    await asSupervisor()
    const altered = { score: null, autoScore: null, compliance: null, outcome: null, reviewState: 'none', verification: { ok: false, message: expect.stringMatching(/^Tampered: event 4 has been altered/) } }
    const sound = { score: expect.any(Number), compliance: 'fail', verification: { ok: true, sealed: true } }
    const listed = async (query: Parameters<(typeof api)['sessions.query']>[0], caller = SUPERVISOR) =>
      new Map((await api['sessions.query'](query, caller)).rows.map((r) => [r.sessionId, r]))
    for (const query of [{}, { trainee: 'Sam' }, { mode: 'assessment' as const, sort: 'score' as const }]) {
      const rows = await listed(query)
      expect(rows.get(edited.sessionId)).toMatchObject(altered)
      if (rows.has(untouched.sessionId)) expect(rows.get(untouched.sessionId)).toMatchObject(sound)
    }
    // The same again, now that the untouched row is remembered as verified.
    expect((await listed({})).get(untouched.sessionId)).toMatchObject(sound)
    await asTrainee('Sam')
    expect((await listed({}, TRAINEE)).get(edited.sessionId)).toMatchObject(altered)
    expect((await api['review.queue']({}, SUPERVISOR)).awaitingReview.map((q) => q.sessionId)).toEqual([untouched.sessionId])
    const trends = await api['trends.get']({}, SUPERVISOR)
    expect(trends).toMatchObject({ sessions: 1, tampered: 1 })
    expect(trends.passRate.byTrainee.map((s) => s.key)).toEqual(['Lee'])

    const out = join(dir, 'out')
    mkdirSync(out)
    const csv = readFileSync((await api['exports.sessionsCsv']({ query: {}, folder: out, fileName: 'sessions.csv' }, SUPERVISOR)).file, 'utf8')
    const line = csv.split('\r\n').find((l) => l.startsWith(edited.sessionId))!
    expect(line).toMatch(/,Tampered: event 4 has been altered[^,]*$/)
    expect(line).not.toMatch(/,(pass|fail),/)
    const rules = readFileSync((await api['exports.rulesCsv']({ query: {}, folder: out, fileName: 'rules.csv' }, SUPERVISOR)).file, 'utf8')
    // Per rule: sessions failing it, then sessions in the list: only the untouched one counts.
    expect(rules.split('\r\n').slice(1, -1).every((l) => l.split(',')[2] === '1')).toBe(true)
  })

  it('a listed interrupted call, taken up again and finished, lists as it is now, not as it was remembered', async () => {
    const { api } = services!
    await pickProfile(api, 'Sam')
    const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
    for (const [step, action] of rude.slice(0, 2).entries()) await api['calls.act']({ sessionId: session.sessionId, step, action })
    // The app stops mid-call: the next open finds it interrupted.
    services!.close()
    const { api: reopened } = await open()
    await asSupervisor()
    const row = async () => (await reopened['sessions.query']({}, SUPERVISOR)).rows[0]!
    expect(await row()).toMatchObject({ status: 'interrupted', eventCount: 2, score: null, verification: { ok: true, sealed: false } })
    expect(await row()).toMatchObject({ status: 'interrupted', eventCount: 2 })
    await pickProfile(reopened, 'Sam')
    await reopened['calls.resume']({ sessionId: session.sessionId })
    for (const [i, action] of rude.slice(2).entries()) await reopened['calls.act']({ sessionId: session.sessionId, step: 2 + i, action })
    expect(await row()).toMatchObject({ status: 'active', eventCount: rude.length, verification: { ok: true, sealed: false } })
    await reopened['calls.end']({ sessionId: session.sessionId })
    expect(await row()).toMatchObject({ status: 'finished', eventCount: rude.length, score: expect.any(Number), verification: { ok: true, sealed: true } })
  })

  it('replays the pinned scenario version even after its file was edited', async () => {
    const call = await play(rude)
    const file = join(dir, 'scenarios', 'library', 'airport-stolen-phone.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Stolen phone at the gate', 'title: Edited title'))
    services!.close()
    await open()
    await asSupervisor()
    const { api } = services!
    const record = await api['review.open']({ sessionId: call.sessionId }, SUPERVISOR)
    const view = await api['review.step']({ sessionId: call.sessionId, step: 0 }, SUPERVISOR)
    expect(record.scenarioTitle).not.toBe('Edited title')
    expect(view.view.call.title).toBe(record.scenarioTitle)
  })
})

describe('calibration, trends and coaching', () => {
  it('reports agreement between blind graders and with the scorer, flagging items past the threshold', async () => {
    const call = await play(rude)
    const { api } = services!
    await asSupervisor(SUPERVISOR, 'Ada')
    await asSupervisor(SECOND, 'Bo')
    const blind = await api['review.open']({ sessionId: call.sessionId, blind: true }, SUPERVISOR)
    expect(blind).toMatchObject({ report: null, thread: null, blind: true })
    expect(blind.steps.every((s) => s.judgements.length === 0)).toBe(true)
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'blind-grade', items: { D1: 0, E1: 0 } } }, SUPERVISOR)
    await api['review.act']({ sessionId: call.sessionId, action: { type: 'blind-grade', items: { D1: 5, E1: 0 } } }, SECOND)
    expect((await api['review.open']({ sessionId: call.sessionId, blind: true }, SECOND)).blindGrade).toEqual({ D1: 5, E1: 0 })
    const report = await api['calibration.report']({ threshold: 10 }, SUPERVISOR)
    const d1 = report.sessions[0]!.items.find((i) => i.id === 'D1')!
    expect(d1).toMatchObject({ grades: { Ada: 0, Bo: 5 }, humanSpread: 100, flagged: true })
    expect(report.perItem.find((i) => i.id === 'E1')!.agreement).toMatchObject({ humanHuman: 1 })
    expect(report.perItem.find((i) => i.id === 'D1')!.agreement).toMatchObject({ humanHuman: 0 })
    expect(report.threshold).toBe(10)
  })

  it('trends count pass and critical rates, rules and tactics, and every point opens its sessions', async () => {
    await play(rude, 'Sam')
    await play(fatal, 'Sam')
    await play(rude, 'Lee')
    await play(rude, 'Lee', 'practice')
    const { api } = services!
    await asSupervisor()
    const trends = await api['trends.get']({ bucket: 'week' }, SUPERVISOR)
    expect(trends.sessions).toBe(3)
    const sam = trends.passRate.byTrainee.find((s) => s.key === 'Sam')!
    expect(sam.points).toHaveLength(1)
    expect(sam.points[0]).toMatchObject({ sessions: 2, rate: 0.5 })
    expect(trends.criticalRate.byTrainee.find((s) => s.key === 'Sam')!.points[0]!.rate).toBe(0.5)
    const behind = await api['sessions.query'](sam.points[0]!.filter, SUPERVISOR)
    expect(behind.total).toBe(2)
    const r8 = trends.failuresPerRule.find((r) => r.rule === 'R8')!
    expect(r8.failures).toBe(1)
    expect((await api['sessions.query'](r8.filter, SUPERVISOR)).rows.map((r) => r.criticalFailures)).toEqual([['CF3']])
    for (const t of trends.tactics) {
      const listed = await api['sessions.query']({ ...t.team.filter, limit: 200 }, SUPERVISOR)
      expect(listed.total).toBe(Math.round(t.team.rate * t.team.uses))
    }
  })

  it('assigns a tactic’s scenarios, lists them for the trainee first, and shows whether the re-attempt passed', async () => {
    const first = await play(fatal, 'Sam')
    const { api } = services!
    await asSupervisor()
    const assigned = await api['coaching.assign']({ trainee: 'Sam', tactic: 'urgency', fromSessionId: first.sessionId, note: 'Slow down' }, SUPERVISOR)
    expect(assigned.map((a) => a.scenarioId)).toContain('airport-stolen-phone')
    expect(assigned.every((a) => a.status === 'open' && a.assignedBy === 'Ada')).toBe(true)
    await asTrainee('Sam')
    expect((await api['coaching.list']({}, TRAINEE)).map((a) => a.id).sort()).toEqual(assigned.map((a) => a.id).sort())
    await play(rude, 'Sam')
    const after = (await api['coaching.list']({}, TRAINEE)).find((a) => a.scenarioId === 'airport-stolen-phone')!
    expect(after).toMatchObject({ status: 'passed', attempt: { passed: true } })
    expect((await api['trends.get']({}, SUPERVISOR)).coaching).toMatchObject({ reattempted: 1, passed: 1 })
  })
})

describe('exports', () => {
  it('writes the filtered list and the per-rule results as CSV, atomically, into the chosen folder', async () => {
    await play(rude, '=HYPERLINK("x")')
    await play(fatal, 'Sam, Jr.')
    const { api } = services!
    await asSupervisor()
    const out = join(dir, 'out')
    mkdirSync(out)
    const list = await api['exports.sessionsCsv']({ query: {}, folder: out, fileName: 'sessions.csv' }, SUPERVISOR)
    expect(list).toMatchObject({ file: join(out, 'sessions.csv'), rows: 2 })
    const text = readFileSync(list.file, 'utf8')
    expect(text.split('\r\n')[0]).toMatch(/^Session,Trainee,Scenario,/)
    expect(text).toContain(`"'=HYPERLINK(""x"")"`)
    expect(text).toContain('"Sam, Jr."')
    const rules = await api['exports.rulesCsv']({ query: { compliance: 'fail' }, folder: out, fileName: 'rules.csv' }, SUPERVISOR)
    expect(readFileSync(rules.file, 'utf8')).toMatch(/\r\nR8,1,1,1,/)
    expect(readdirSync(out).sort()).toEqual(['rules.csv', 'sessions.csv'])
  })

  /** A review service on the open store that exports a chunk of `chunk` rows per turn of the event loop. */
  async function exporter(chunk: number) {
    const api = await secondReview({ exportChunk: chunk })
    const out = join(dir, 'out')
    mkdirSync(out, { recursive: true })
    return { api, out }
  }
  const csvIds = (file: string) => readFileSync(file, 'utf8').split('\r\n').slice(1, -1).map((line) => line.split(',')[0])

  it('writes an export a chunk at a time in the list’s own order, for every sort', async () => {
    for (const [trainee, actions] of [['Sam', rude], ['Lee', fatal], ['Kim', rude], ['Ana', fatal], ['Bo', rude]] as const) await play(actions, trainee)
    const { api, out } = await exporter(2)
    for (const sort of ['startedAt', 'score', 'trainee', 'scenario', 'duration'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const listed = (await api['sessions.query']({ sort, direction, limit: 100 }, SUPERVISOR)).rows.map((r) => r.sessionId)
        const written = await api['exports.sessionsCsv']({ query: { sort, direction }, folder: out, fileName: `${sort}-${direction}.csv` }, SUPERVISOR)
        expect(written.rows).toBe(5)
        expect(csvIds(written.file)).toEqual(listed)
      }
    }
  })

  it('says how far an export has got, answers other requests meanwhile, and can be stopped with nothing written', async () => {
    for (const trainee of ['Sam', 'Lee', 'Kim', 'Ana']) await play(rude, trainee)
    const { api, out } = await exporter(1)
    expect(await api['exports.progress']({}, SUPERVISOR)).toEqual({ active: false, done: 0, total: 0 })
    const order: string[] = []
    const exported = api['exports.sessionsCsv']({ query: {}, folder: out, fileName: 'all.csv' }, SUPERVISOR).then((r) => (order.push('export'), r))
    const seen: number[] = []
    for (let turn = 0; turn < 3; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const progress = await api['exports.progress']({}, SUPERVISOR)
      expect(progress).toMatchObject({ active: true, total: 4 })
      seen.push(progress.done)
    }
    // Main answers a list while the export is still being written.
    await api['sessions.query']({}, SUPERVISOR).then(() => order.push('list'))
    await expect(api['exports.sessionsCsv']({ query: {}, folder: out, fileName: 'again.csv' }, SUPERVISOR)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/still being written/) })
    expect((await exported).rows).toBe(4)
    expect(order).toEqual(['list', 'export'])
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(seen.at(-1)).toBeLessThan(4)
    expect(await api['exports.progress']({}, SUPERVISOR)).toEqual({ active: false, done: 0, total: 0 })

    // Stopped between two chunks: the export says so and leaves no file.
    const stopped = api['exports.rulesCsv']({ query: {}, folder: out, fileName: 'rules.csv' }, SUPERVISOR)
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(await api['exports.cancel']({}, SUPERVISOR)).toEqual({ cancelled: true })
    await expect(stopped).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/^The export was cancelled after \d of 4 sessions\. Nothing was written\.$/) })
    expect(readdirSync(out)).toEqual(['all.csv'])
    expect(await api['exports.cancel']({}, SUPERVISOR)).toEqual({ cancelled: false })
    await expect(api['exports.progress']({}, TRAINEE)).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('refuses a folder that does not exist, a relative one and a file name with a folder in it, writing nothing', async () => {
    const { api } = services!
    await asSupervisor()
    await expect(api['exports.sessionsCsv']({ query: {}, folder: join(dir, 'missing'), fileName: 'a.csv' }, SUPERVISOR)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/does not exist.*nothing was written/),
    })
    await expect(api['exports.sessionsCsv']({ query: {}, folder: 'relative', fileName: 'a.csv' }, SUPERVISOR)).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(api['exports.sessionsCsv']({ query: {}, folder: dir, fileName: '../a.csv' }, SUPERVISOR)).rejects.toMatchObject({ code: 'invalid-argument' })
    expect(readdirSync(dir).sort()).toEqual(['data', 'scenarios'])
  })

  it('PDF needs the desktop app; the preview gets what the print view shows', async () => {
    const call = await play(rude)
    const { api } = services!
    await asSupervisor()
    await expect(api['exports.sessionPdf']({ sessionId: call.sessionId, folder: dir, fileName: 'a.pdf' }, SUPERVISOR)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/Print \(Ctrl\+P\)/),
    })
    const print = await api['exports.printView']({ sessionId: call.sessionId }, SUPERVISOR)
    expect(print.record.steps).toHaveLength(rude.length)
  })

  // Root ignores folder permissions, and CI runs as root: the export runs in a
  // child that drops to an unprivileged user there, so this case can fail in CI too.
  it.runIf(process.platform !== 'win32')('an export to a read-only folder says why and leaves nothing behind', () => {
    services!.close()
    services = null
    const shared = mkdtempSync(join(tmpdir(), 'pretext-review-ro-'))
    try {
      chmodSync(shared, 0o777)
      const data = join(shared, 'data')
      mkdirSync(data)
      chmodSync(data, 0o777)
      const readOnly = join(shared, 'ro')
      mkdirSync(readOnly)
      writeFileSync(join(readOnly, 'sessions.csv'), 'old')
      chmodSync(readOnly, 0o555)
      chmodSync(dir, 0o755)
      const asRoot = process.getuid?.() === 0
      const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, data, join(dir, 'scenarios'), readOnly], {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, TSX_TSCONFIG_PATH: join(REPO, 'src-main', 'tsconfig.json') },
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      })
      expect(child.stderr).toBe('')
      expect(JSON.parse(child.stdout.trim())).toEqual({
        ok: false,
        code: 'storage',
        message: `Pretext may not write to the folder ${readOnly} (it is read-only for this user). Choose another folder. Nothing was written.`,
      })
      expect(readdirSync(readOnly)).toEqual(['sessions.csv'])
      expect(readFileSync(join(readOnly, 'sessions.csv'), 'utf8')).toBe('old')
    } finally {
      chmodSync(join(shared, 'ro'), 0o755)
      rmSync(shared, { recursive: true, force: true })
    }
  })
})
