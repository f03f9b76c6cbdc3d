import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { scoreSession } from '@core/scoring/scorer'
import type { PretextApi, SessionInfo } from '@core/api/contract'
import type { AgentAction } from '@core/session/events'
import { createServices, type Services } from './index'
import { loadRubric } from './rubric'

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
async function play(api: PretextApi, actions: AgentAction[], mode: 'practice' | 'assessment' = 'practice', trainee = 'Ana'): Promise<SessionInfo> {
  const { session } = await api['calls.start']({ scenarioId: 'airport-stolen-phone', mode, trainee })
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
    const { session, view } = await reopened.api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'practice', trainee: 'Ana' })
    expect(session.scenarioHash).not.toBe(info.scenarioHash)
    expect(view.transcript[0]?.text).toContain('somebody took my phone')
  })

  it('says so when the stored score differs from the decisions', async () => {
    const { api } = await open()
    const info = await play(api, goodDenial)
    await api['calls.end']({ sessionId: info.sessionId })
    services!.close()
    services = null

    // Someone edits the cached score in the file directly (the sessions table allows no such update: drop the guard first).
    const db = new Database(join(dir, 'data', 'sessions.db'))
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sessions'").all() as Array<{ name: string }>
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`)
    db.prepare("UPDATE sessions SET score = 12, score_cache = json_set(score_cache, '$.score', 12)").run()
    db.close()

    const record = await (await open()).api['sessions.get']({ sessionId: info.sessionId })
    expect(record.report?.score).toBe(100)
    expect(record.verification.ok).toBe(false)
    expect(record.verification.message).toMatch(/stored score \(12\) differs .* \(100\)/)
  })

  it('a call cut short by a crash is interrupted, not lost, and has no verdict: it may still be taken up again', async () => {
    const { api } = await open()
    const info = await play(api, goodDenial.slice(0, 4))
    services!.close() // no end: as if the app died

    const record = await (await open()).api['sessions.get']({ sessionId: info.sessionId })
    expect(record.info.status).toBe('interrupted')
    expect(record.events).toHaveLength(4)
    expect(record.report).toBeNull()
    expect(record.played).toBeNull()
  })

  it("gives the good path in the report as steps a trainee reads, and keeps it for the next start", async () => {
    const { api } = await open()
    const goodPathAfterACall = async (api: PretextApi) => {
      const { session } = await api['calls.start']({ scenarioId: 'routine-esim-transfer', mode: 'practice', trainee: 'Ana' })
      return (await api['calls.end']({ sessionId: session.sessionId })).played!.goodPath
    }
    const doc = { goodPath: await goodPathAfterACall(api) }
    expect(doc.goodPath).toEqual(expect.arrayContaining(['Ask for the account PIN', 'Send a one-time code to: line of record']))
    expect(doc.goodPath.at(-1)).toBe('End the call')
    await new Promise((r) => setTimeout(r, 50)) // the cache is written in the background
    const cached = readdirSync(join(dir, 'data', 'scenario-versions')).filter((f) => f.endsWith('.good-path.json'))
    expect(cached).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(dir, 'data', 'scenario-versions', cached[0]!), 'utf8'))).toEqual(doc.goodPath)

    // A damaged cache is not trusted: the path is searched again.
    writeFileSync(join(dir, 'data', 'scenario-versions', cached[0]!), '{"not": "a path"')
    services!.close()
    const again = await goodPathAfterACall((await open()).api)
    expect(again).toEqual(doc.goodPath)
    await new Promise((r) => setTimeout(r, 50)) // let the rewritten cache land before the folder is removed
  })
})
