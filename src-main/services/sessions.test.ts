import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import type { ServiceApi, SessionInfo } from '@core/api/contract'
import type { AgentAction } from '@core/session/events'
import { canonicalJson } from './canonicalJson'
import { createServices, type Services } from './index'
import { sealHash } from './sessionStore'
import { loadRubric } from './rubric'
import { pickProfile } from './testing/profiles'

/**
 * The sessions service end to end under Node: real library files, the real
 * SQLite store, the real scorer. What a trainee decided is replayed, never
 * trusted from a cache, and always against the scenario version they played.
 */

const REPO = join(__dirname, '..', '..')
// Parse in-process here: the worker path has its own tests, and this keeps the suite quick.
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

let dir: string
let services: Services | null = null

async function open(): Promise<Services> {
  services = await createServices({ dataDir: join(dir, 'data'), scenariosDir: join(dir, 'scenarios'), parse, seed: () => 7, clock: () => 1_800_000_000_000 })
  // Calls are recorded under the connection's profile, and a trainee reads their own (these tests call on the 'local' connection).
  await pickProfile(services.api, 'Ana')
  return services
}

const goodDenial: AgentAction[] = [
  { type: 'check-account' },
  { type: 'ask-pin' },
  { type: 'send-otp', to: 'line-of-record' },
  { type: 'deny' },
  { type: 'say', choice: 'protect-and-path' },
  { type: 'offer-safe-path', path: 'store-with-id' },
  { type: 'flag-account' },
  { type: 'escalate', team: 'fraud' },
  { type: 'note', items: ['factors', 'outcome', 'red-flags', 'referral'], text: 'No factor; denied, flagged, referred.' },
  { type: 'end-call' },
]
/** Start a call and take these decisions through main, as the console does. */
async function play(api: ServiceApi, actions: AgentAction[], mode: 'practice' | 'assessment' = 'practice', trainee = 'Ana'): Promise<SessionInfo> {
  await pickProfile(api, trainee)
  const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode })
  for (const [step, action] of actions.entries()) await api['calls.act']({ sessionId: session.sessionId, step, action })
  return session
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-sessions-'))
  cpSync(join(REPO, 'scenarios'), join(dir, 'scenarios'), { recursive: true })
})
afterEach(() => {
  services?.close()
  services = null
  rmSync(dir, { recursive: true, force: true })
})

describe('sessions service', () => {
  it('records a call and scores it by replaying the stored decisions', async () => {
    const { api } = await open()
    const info = await play(api, goodDenial, 'assessment', '  Ana  ')
    expect(info).toMatchObject({ trainee: 'Ana', seed: 7, status: 'active', engineVersion: 1 })

    const record = await api['calls.end']({ sessionId: info.sessionId })
    expect(record.info.status).toBe('finished')
    expect(record.events.map((e) => e.seq)).toEqual(goodDenial.map((_, i) => i + 1))
    expect(record.report).toMatchObject({ compliance: 'pass', score: 100, ended: true })
    expect(record.verification.ok).toBe(true)
    // The same as the pure scorer on the same log.
    expect(record.report).toEqual(scoreSession(record.played!.scenario, loadRubric(join(dir, 'scenarios', 'rubric.yaml')), 7, record.events))
    expect((await api['sessions.list']({})).map((s) => [s.score, s.compliance])).toEqual([[100, 'pass']])
  })

  it('replays against the scenario version that was played, even after the file changes', async () => {
    const { api } = await open()
    const info = await play(api, goodDenial)
    await api['calls.end']({ sessionId: info.sessionId })
    services!.close()

    // An author rewrites the opening line and drops the phrasing the trainee used.
    const file = join(dir, 'scenarios', 'library', 'airport-stolen-phone.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('Hi, my phone was just stolen', 'Hello, somebody took my phone').replace(/id: protect-and-path/g, 'id: protect-path-v2').replace(/choice: protect-and-path/g, 'choice: protect-path-v2'))
    const reopened = await open()
    const record = await reopened.api['sessions.get']({ sessionId: info.sessionId })
    expect(record.played?.scenario.beats['opening']?.say).toContain('Hi, my phone was just stolen')
    expect(record.report?.score).toBe(100)
    expect(record.verification.ok).toBe(true)
    const { session, view } = await reopened.api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice' })
    expect(session.scenarioHash).not.toBe(info.scenarioHash)
    expect(view.transcript[0]?.text).toContain('somebody took my phone')
  })

  it('a call cut short by a crash is interrupted, not lost: its decisions are kept, with no verdict and no answer key', async () => {
    const { api } = await open()
    const info = await play(api, goodDenial.slice(0, 4))
    services!.close() // no end: as if the app died

    const reopened = await open()
    const record = await reopened.api['sessions.get']({ sessionId: info.sessionId })
    expect(record.info.status).toBe('interrupted')
    expect(record.events).toHaveLength(4)
    expect(record.report).toBeNull()
    expect(record.played).toBeNull()
    expect(record.verification).toMatchObject({ ok: true, sealed: false, firstBadSeq: null })
    expect(record.verification.message).toMatch(/All 4 events verify\. The call did not end \(it was interrupted\), so it has no verdict/)
    expect(await reopened.api['sessions.list']({})).toMatchObject([{ sessionId: info.sessionId, score: null, compliance: null, verification: { ok: true, sealed: false } }])
  })

  it("gives the good path in the report as steps a trainee reads, and keeps it for the next start", async () => {
    const { api } = await open()
    const goodPathAfterACall = async (api: ServiceApi) => {
      const { session } = await api['calls.start']({ scenarioId: 'routine-esim-transfer', mode: 'practice' })
      return (await api['calls.end']({ sessionId: session.sessionId })).played!.goodPath
    }
    const doc = { goodPath: await goodPathAfterACall(api) }
    expect(doc.goodPath).toEqual(expect.arrayContaining(['Ask for the account PIN', 'Send a one-time code to: line of record']))
    expect(doc.goodPath.at(-1)).toBe('End the call')
    const cached = readdirSync(join(dir, 'data', 'scenario-versions')).filter((f) => f.endsWith('.good-path.json'))
    expect(cached).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(dir, 'data', 'scenario-versions', cached[0]!), 'utf8'))).toEqual(doc.goodPath)

    // A damaged cache is not trusted: the path is searched again.
    writeFileSync(join(dir, 'data', 'scenario-versions', cached[0]!), '{"not": "a path"')
    services!.close()
    const again = await goodPathAfterACall((await open()).api)
    expect(again).toEqual(doc.goodPath)
  })
})

/**
 * The attacks of issue 8 ("Stored fields change without a trace"), each with
 * the database file edited behind the app's back: triggers dropped, then
 * plain SQL. Every one must show as tampered (or, for a call cut short, as
 * having no verdict), in the list and in the record, never as a score.
 */
describe('sessions service: records edited behind its back', () => {
  // Authenticated by nothing, then the SIM swap: a critical failure (0, fail).
  const fatal: AgentAction[] = [
    { type: 'check-account' },
    { type: 'ask-pin' },
    { type: 'perform-hrt', kind: 'sim-change', notify: true, hold: false },
  ]

  async function recorded(actions: AgentAction[], trainee = 'Ana', mode: 'practice' | 'assessment' = 'assessment'): Promise<string> {
    const { api } = services ?? (await open())
    const info = await play(api, actions, mode, trainee)
    await api['calls.end']({ sessionId: info.sessionId })
    return info.sessionId
  }

  /** Close the app, drop every guard trigger and run the edit, then open the app again. */
  async function tamper(edit: (db: Database.Database) => void): Promise<Services> {
    services!.close()
    services = null
    const db = new Database(join(dir, 'data', 'sessions.db'))
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`)
    db.transaction(() => edit(db))()
    db.close()
    const reopened = await open()
    // Read as a supervisor would audit them: every trainee's sessions (a trainee reads only their own).
    await reopened.api['role.setPassphrase']({ passphrase: 'correct horse battery', name: 'Auditor' })
    return reopened
  }

  async function listed(api: Services['api'], sessionId: string) {
    const row = (await api['sessions.list']({})).find((s) => s.sessionId === sessionId)
    expect(row).toBeDefined()
    return row!
  }

  it('scores the fatal call 0/fail and lists it sealed (the baseline the attacks start from)', async () => {
    const id = await recorded(fatal)
    const { api } = services!
    expect(await listed(api, id)).toMatchObject({ score: 0, compliance: 'fail', verification: { ok: true, sealed: true } })
    expect((await api['sessions.get']({ sessionId: id })).report).toMatchObject({ score: 0, compliance: 'fail' })
  })

  it('UPDATE score = 100, compliance = pass: tampered at the seal, in the list and the record', async () => {
    const id = await recorded(fatal)
    const { api } = await tamper((db) => db.prepare("UPDATE sessions SET score = 100, compliance = 'pass' WHERE id = ?").run(id))
    const row = await listed(api, id)
    expect(row).toMatchObject({ score: null, compliance: null, verification: { ok: false, sealed: false, firstBadSeq: 4 } })
    expect(row.verification.message).toMatch(/^Tampered: the stored score \(100, pass\).*is not what the call was sealed with/)
    const record = await api['sessions.get']({ sessionId: id })
    expect(record.report).toBeNull()
    expect(record.verification).toMatchObject({ ok: false, firstBadSeq: 4 })
  })

  it('the score and its report rewritten with a freshly computed seal: the replay catches it', async () => {
    const id = await recorded(fatal)
    const { api } = await tamper((db) => {
      const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as { ended_at: number; sealed_head: string; score_cache: string; log_digest: string }
      const forged = canonicalJson({ ...(JSON.parse(row.score_cache) as object), score: 100, compliance: 'pass' })
      const seal = sealHash(row.sealed_head, id, { eventCount: 3, endedAt: row.ended_at, score: 100, compliance: 'pass', reportJson: forged, logDigest: row.log_digest })
      db.prepare("UPDATE sessions SET score = 100, compliance = 'pass', score_cache = ?, seal_hash = ? WHERE id = ?").run(forged, seal, id)
    })
    const row = await listed(api, id)
    expect(row).toMatchObject({ score: null, compliance: null, verification: { ok: false, firstBadSeq: 4 } })
    expect(row.verification.message).toMatch(/sealed at the end of this call \(100, pass\) is not what its decisions score \(0, fail\)/)
    expect((await api['sessions.get']({ sessionId: id })).report).toBeNull()
  })

  it('trainee swapped between two sessions: both tampered at the session record', async () => {
    const ana = await recorded(fatal, 'Ana')
    const ben = await recorded(goodDenial, 'Ben')
    const { api } = await tamper((db) => {
      db.prepare("UPDATE sessions SET trainee = CASE trainee WHEN 'Ana' THEN 'Ben' ELSE 'Ana' END").run()
    })
    for (const id of [ana, ben]) {
      const row = await listed(api, id)
      expect(row).toMatchObject({ score: null, compliance: null, verification: { ok: false, firstBadSeq: 0 } })
      expect(row.verification.message).toMatch(/^Tampered: the session record was changed after the call started/)
      expect((await api['sessions.get']({ sessionId: id })).report).toBeNull()
    }
  })

  it("mode = 'practice' on an assessment: tampered at the session record", async () => {
    const id = await recorded(fatal, 'Ana', 'assessment')
    const { api } = await tamper((db) => db.prepare("UPDATE sessions SET mode = 'practice' WHERE id = ?").run(id))
    expect(await listed(api, id)).toMatchObject({ mode: 'practice', score: null, verification: { ok: false, firstBadSeq: 0 } })
  })

  it('the last event (the fatal perform-hrt) deleted and the cached score cleared: tampered, never a pass', async () => {
    const id = await recorded(fatal)
    const { api } = await tamper((db) => {
      db.prepare('DELETE FROM events WHERE session_id = ? AND seq = 3').run(id)
      db.prepare('UPDATE sessions SET score_cache = NULL, score = NULL, compliance = NULL WHERE id = ?').run(id)
    })
    const row = await listed(api, id)
    expect(row).toMatchObject({ eventCount: 2, score: null, compliance: null, verification: { ok: false, firstBadSeq: 3 } })
    expect(row.verification.message).toMatch(/^Tampered: event 3 is missing: the call was sealed with 3 events, and only 2 are stored/)
    expect((await api['sessions.get']({ sessionId: id })).report).toBeNull()
  })

  it('the same with the seal removed too: marked finished, never sealed, so tampered', async () => {
    const id = await recorded(fatal)
    const { api } = await tamper((db) => {
      db.prepare('DELETE FROM events WHERE session_id = ? AND seq = 3').run(id)
      db.prepare('UPDATE sessions SET score_cache = NULL, score = NULL, compliance = NULL, sealed_count = NULL, sealed_head = NULL, seal_hash = NULL WHERE id = ?').run(id)
    })
    expect(await listed(api, id)).toMatchObject({ score: null, verification: { ok: false, firstBadSeq: 3 } })
  })

  it('cut off and passed off as interrupted: no verdict, so still not a pass', async () => {
    const id = await recorded(fatal)
    const { api } = await tamper((db) => {
      db.prepare('DELETE FROM events WHERE session_id = ? AND seq = 3').run(id)
      db.prepare(
        "UPDATE sessions SET status = 'interrupted', ended_at = NULL, score_cache = NULL, score = NULL, compliance = NULL, sealed_count = NULL, sealed_head = NULL, seal_hash = NULL WHERE id = ?",
      ).run(id)
    })
    expect(await listed(api, id)).toMatchObject({ status: 'interrupted', score: null, compliance: null, verification: { ok: true, sealed: false } })
    const record = await api['sessions.get']({ sessionId: id })
    expect(record.report).toBeNull()
    expect(record.verification.message).toMatch(/no verdict/)
  })
})
