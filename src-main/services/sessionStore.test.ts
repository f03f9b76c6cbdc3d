import { hash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '@core/api/contract'
import type { SessionEvent } from '@core/session/events'
import { canonicalJson } from './canonicalJson'
import { canonicalRecord, eventHash, genesisHash, genesisText, legacyGenesisHash, MIGRATIONS, sealHash, sealHashOf, SessionStore } from './sessionStore'
import { makeTempDir, newSession, sampleEvent, sampleEvents } from './testing/storeFixtures'

let dir: string
let cleanup: () => void
let dbPath: string
const open: SessionStore[] = []

function openStore(options: Partial<ConstructorParameters<typeof SessionStore>[0]> = {}): SessionStore {
  const store = new SessionStore({ path: dbPath, ...options })
  open.push(store)
  return store
}

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected an ApiError, but nothing was thrown')
}

beforeEach(() => {
  ;({ dir, cleanup } = makeTempDir())
  dbPath = join(dir, 'sessions.sqlite')
})
afterEach(() => {
  for (const store of open.splice(0)) store.close()
  cleanup()
})

describe('SessionStore: recording a session', () => {
  it('gives back exactly the events it acknowledged, in order', () => {
    const store = openStore()
    const info = store.createSession(newSession())
    expect(info).toMatchObject({ status: 'active', endedAt: null })
    const events = sampleEvents(9)
    const acks = events.map((event) => store.appendEvent(info.sessionId, event))
    expect(acks.map((ack) => ack.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])

    const stored = store.getSession(info.sessionId)
    expect(stored.events).toEqual(events)
    expect(stored.info).toEqual(info)
    expect(stored.scenarioTitle).toBe('Stolen phone at the gate')
  })

  it('acks with a hash anyone can recompute from the events and the genesis value', () => {
    const store = openStore()
    const info = store.createSession(newSession())
    let prev = genesisHash({ ...info, scenarioTitle: 'Stolen phone at the gate' })
    expect(store.headHash(info.sessionId)).toBe(prev)
    for (const event of sampleEvents(5)) {
      const ack = store.appendEvent(info.sessionId, event)
      prev = eventHash(prev, info.sessionId, event)
      expect(ack.hash).toBe(prev)
    }
    expect(store.headHash(info.sessionId)).toBe(prev)
    // Key order in the payload does not change the hash (canonical JSON).
    const reordered = { hold: false, notify: true, kind: 'sim-change', type: 'perform-hrt', at: 5, seq: 6 } as SessionEvent
    expect(eventHash(prev, info.sessionId, reordered)).toBe(
      eventHash(prev, info.sessionId, { seq: 6, at: 5, type: 'perform-hrt', kind: 'sim-change', notify: true, hold: false }),
    )
  })

  it('hashes exactly the canonical JSON of {sessionId, seq, at, type, payload}', () => {
    // The append path writes the record around the canonical payload by hand, for speed.
    for (const event of [...sampleEvents(7), sampleEvent(8, 0, 'quote " backslash \\ \u2028 é')]) {
      const { seq, at, type, ...payload } = event
      const sessionId = '5f0c7c5e-3c4d-4b8a-9f61-0c2b7f1d9e21'
      expect(canonicalRecord(sessionId, seq, at, type, canonicalJson(payload))).toBe(canonicalJson({ sessionId, seq, at, type, payload }))
    }
  })

  it('writes the session fields and the seal by hand exactly as canonicalJson would', () => {
    const odd = 'quote " backslash \\ \u2028 é\n'
    for (const s of [newSession(), { ...newSession(), trainee: odd, scenarioTitle: odd, scenarioId: 'x"y', seed: 0, startedAt: 1, engineVersion: 12, rubricVersion: 3, mode: 'practice' as const }]) {
      const { sessionId, scenarioId, scenarioTitle, scenarioHash, engineVersion, rubricVersion, mode, trainee, seed, startedAt } = s
      expect(genesisText(s)).toBe(canonicalJson({ sessionId, scenarioId, scenarioTitle, scenarioHash, engineVersion, rubricVersion, mode, trainee, seed, startedAt }))
    }
    const head = 'a'.repeat(64)
    const sessionId = '5f0c7c5e-3c4d-4b8a-9f61-0c2b7f1d9e21'
    for (const logDigest of ['b'.repeat(64), null]) {
      const seal = { eventCount: 7, endedAt: 1_700_000_000_123, score: 95, compliance: 'pass' as const, reportHash: 'c'.repeat(64), logDigest }
      const { reportHash, eventCount, score, compliance } = seal
      const payload = canonicalJson({ compliance, eventCount, head, ...(logDigest === null ? {} : { logDigest }), reportHash, score })
      expect(sealHashOf(head, sessionId, seal)).toBe(hash('sha256', `${head}\n${canonicalRecord(sessionId, 8, seal.endedAt, 'seal', payload)}`, 'hex'))
    }
  })

  it('rejects a repeated or skipped sequence number as a conflict and stores nothing of it', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    store.appendEvent(sessionId, sampleEvent(1))
    store.appendEvent(sessionId, sampleEvent(2))

    const repeated = apiErrorOf(() => store.appendEvent(sessionId, sampleEvent(2, 5)))
    expect(repeated.code).toBe('conflict')
    expect(repeated.message).toMatch(/Action 2 is out of order: .* expects action 3 next/)
    const skipped = apiErrorOf(() => store.appendEvent(sessionId, sampleEvent(4)))
    expect(skipped.code).toBe('conflict')

    expect(store.getSession(sessionId).events.map((e) => e.seq)).toEqual([1, 2])
    expect(store.appendEvent(sessionId, sampleEvent(3)).seq).toBe(3)
  })

  it('stores a batch whole or not at all', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    const broken = [sampleEvent(1), sampleEvent(2), { seq: 3, at: 1, type: 'send-otp', to: 'carrier-pigeon' } as unknown as SessionEvent, sampleEvent(4)]
    expect(apiErrorOf(() => store.appendEvents(sessionId, broken)).code).toBe('invalid-argument')
    expect(store.getSession(sessionId).events).toEqual([])

    const acks = store.appendEvents(sessionId, sampleEvents(4))
    expect(acks.map((a) => a.seq)).toEqual([1, 2, 3, 4])
    expect(store.verifyChain(sessionId)).toMatchObject({ ok: true, firstBadSeq: null })
  })

  it('refuses malformed events, unknown sessions and bad session records with typed errors', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    const unknownType = apiErrorOf(() => store.appendEvent(sessionId, { seq: 1, at: 1, type: 'format-disk' } as unknown as SessionEvent))
    expect(unknownType.code).toBe('invalid-argument')
    expect(unknownType.message).toMatch(/^Action 1 is not valid/)
    const extraKey = apiErrorOf(() => store.appendEvent(sessionId, { ...sampleEvent(1, 0), sneaky: 1 } as unknown as SessionEvent))
    expect(extraKey.code).toBe('invalid-argument')

    expect(apiErrorOf(() => store.appendEvent('00000000-0000-4000-8000-000000000000', sampleEvent(1))).code).toBe('not-found')
    expect(apiErrorOf(() => store.getSession('00000000-0000-4000-8000-000000000000')).code).toBe('not-found')
    expect(apiErrorOf(() => store.createSession(newSession({ sessionId: 'not-a-uuid' }))).code).toBe('invalid-argument')
    expect(apiErrorOf(() => store.createSession(newSession({ sessionId }))).code).toBe('conflict')
  })
})

describe('SessionStore: finishing and listing', () => {
  it('finishes with a cached score, then accepts no more events', () => {
    const store = openStore({ clock: () => 1_700_000_999_000 })
    const { sessionId } = store.createSession(newSession())
    store.appendEvents(sessionId, sampleEvents(3))
    const report = { total: 72, sections: [{ id: 'A', score: 30 }] }
    const summary = store.finishSession(sessionId, report, 72, 'fail')
    expect(summary).toMatchObject({ status: 'finished', endedAt: 1_700_000_999_000, score: 72, compliance: 'fail', eventCount: 3 })
    expect(store.getSession(sessionId)).toMatchObject({ scoreCache: report, score: 72, compliance: 'fail' })

    expect(apiErrorOf(() => store.appendEvent(sessionId, sampleEvent(4))).code).toBe('conflict')
    expect(apiErrorOf(() => store.finishSession(sessionId, report, 90, 'pass')).code).toBe('conflict')
    expect(apiErrorOf(() => store.finishSession(sessionId, { n: NaN }, 1, 'pass')).code).toBe('invalid-argument')
  })

  it('lists newest first with event counts, and filters by scenario, trainee, status and limit', () => {
    const store = openStore()
    const a = store.createSession(newSession({ startedAt: 1_000, trainee: 'Robin' }))
    const b = store.createSession(newSession({ startedAt: 3_000, trainee: 'Sam', scenarioId: 'port-out' }))
    const c = store.createSession(newSession({ startedAt: 2_000, trainee: 'robin' }))
    store.appendEvents(a.sessionId, sampleEvents(4))
    store.appendEvents(b.sessionId, sampleEvents(2))
    store.finishSession(c.sessionId, null, 100, 'pass', 2_500)

    const ids = (list: Array<{ sessionId: string }>) => list.map((s) => s.sessionId)
    const all = store.listSessions({})
    expect(ids(all)).toEqual([b.sessionId, c.sessionId, a.sessionId])
    expect(all.map((s) => s.eventCount)).toEqual([2, 0, 4])
    expect(ids(store.listSessions({ scenarioId: 'port-out' }))).toEqual([b.sessionId])
    expect(ids(store.listSessions({ trainee: 'ROBIN' }))).toEqual([c.sessionId, a.sessionId])
    expect(ids(store.listSessions({ status: 'finished' }))).toEqual([c.sessionId])
    expect(ids(store.listSessions({ status: 'active', limit: 1 }))).toEqual([b.sessionId])
  })
})

describe('SessionStore: reopening', () => {
  it('marks sessions left active as interrupted, keeps their events readable and closed to appends', () => {
    const first = openStore()
    const live = first.createSession(newSession())
    const done = first.createSession(newSession())
    first.appendEvents(live.sessionId, sampleEvents(3))
    first.finishSession(done.sessionId, null, 50, 'fail', 9)
    first.close()

    const second = openStore()
    expect(second.health.ok).toBe(true)
    expect(second.interruptedAtOpen).toEqual([live.sessionId])
    expect(second.getSession(live.sessionId)).toMatchObject({ info: { status: 'interrupted' }, events: sampleEvents(3) })
    expect(second.getSession(done.sessionId).info.status).toBe('finished')
    expect(second.verifyChain(live.sessionId).ok).toBe(true)
    expect(apiErrorOf(() => second.appendEvent(live.sessionId, sampleEvent(4))).code).toBe('conflict')
  })

  it('refuses every call after close()', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    store.close()
    expect(store.health).toMatchObject({ ok: false, reason: 'closed' })
    expect(apiErrorOf(() => store.appendEvent(sessionId, sampleEvent(1))).code).toBe('storage')
    expect(apiErrorOf(() => store.listSessions()).code).toBe('storage')
  })

  it('will not write to a database from a newer Pretext, and leaves it untouched', () => {
    openStore().close()
    const raw = new Database(dbPath)
    raw.pragma('user_version = 99')
    raw.close()
    const before = readFileSync(dbPath)

    const store = openStore()
    expect(store.health).toMatchObject({ ok: false, reason: 'unsupported' })
    expect(store.health.message).toMatch(/newer Pretext \(schema 99/)
    const error = apiErrorOf(() => store.createSession(newSession()))
    expect(error).toMatchObject({ code: 'storage', message: store.health.message })
    expect(store.listSessions()).toEqual([])
    store.close()
    expect(readFileSync(dbPath).equals(before)).toBe(true)
  })

  it('will not adopt a SQLite file that is not a session database', () => {
    const raw = new Database(dbPath)
    raw.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)')
    raw.close()
    const before = readFileSync(dbPath)
    const store = openStore()
    expect(store.health).toMatchObject({ ok: false, reason: 'unsupported' })
    expect(store.health.message).toMatch(/not a Pretext session database/)
    expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
    store.close()
    expect(readFileSync(dbPath).equals(before)).toBe(true)
  })

  it('explains a path that is a folder instead of throwing', () => {
    const store = openStore({ path: dir })
    expect(store.health).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(store.health.message).toContain(dir)
    expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
  })

  it('explains a folder that does not exist instead of throwing', () => {
    const store = openStore({ path: join(dir, 'missing', 'sessions.sqlite') })
    expect(store.health).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(store.health.message).toMatch(/cannot open the session database at .*missing.*: its folder does not exist/)
    expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
  })
})

describe('SessionStore: the native module', () => {
  it('loads better-sqlite3 from the binary it is given', () => {
    const binding = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node')
    const store = openStore({ nativeBinding: binding })
    expect(store.health.ok).toBe(true)
    expect(store.createSession(newSession()).status).toBe('active')
  })

  it('explains a binary that cannot be loaded instead of throwing', () => {
    const store = openStore({ nativeBinding: join(dir, 'no-such', 'better_sqlite3.node') })
    expect(store.health).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(store.health.message).toMatch(/could not load its SQLite module.*rebuild the native module/)
    expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
  })
})

describe('SessionStore: disk full', () => {
  it('reports a full disk as a storage error, keeps every acknowledged event and stays consistent', () => {
    openStore().close()
    const probe = new Database(dbPath, { readonly: true })
    const pages = Number(probe.pragma('page_count', { simple: true }))
    probe.close()

    // A cap a few pages above the current size stands in for a full disk.
    const full = openStore({ maxPageCount: pages + 4 })
    const { sessionId } = full.createSession(newSession())
    full.appendEvents(sessionId, sampleEvents(3))
    let acked = 3
    let failure: ApiError | undefined
    for (let seq = 4; seq < 200 && !failure; seq++) {
      try {
        full.appendEvent(sessionId, sampleEvent(seq, seq, 'x'.repeat(3_000)))
        acked = seq
      } catch (error) {
        failure = error as ApiError
      }
    }
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ code: 'storage' })
    expect(failure!.message).toMatch(/^The disk is full/)
    expect(acked).toBeGreaterThan(3)
    // Still full: the same event fails the same way, and nothing half-written shows.
    expect(apiErrorOf(() => full.appendEvent(sessionId, sampleEvent(acked + 1, 0, 'x'.repeat(3_000)))).message).toMatch(/^The disk is full/)
    expect(full.getSession(sessionId).events.map((e) => e.seq)).toEqual(Array.from({ length: acked }, (_, i) => i + 1))
    full.close()

    const raw = new Database(dbPath, { readonly: true })
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()
    const after = openStore()
    expect(after.health.ok).toBe(true)
    expect(after.getSession(sessionId).events).toHaveLength(acked)
    expect(after.verifyChain(sessionId)).toMatchObject({ ok: true })
    const next = after.createSession(newSession())
    expect(after.appendEvent(next.sessionId, sampleEvent(1, 1, 'y'.repeat(3_000))).seq).toBe(1)
  })
})

describe('SessionStore: files it is handed', () => {
  it('refuses writes to a file that is not a database, with the integrity message, and does not change it', () => {
    writeFileSync(dbPath, 'these are my notes, not a database\n'.repeat(200))
    const before = readFileSync(dbPath)
    const store = openStore()
    expect(store.health).toMatchObject({ ok: false, reason: 'corrupt' })
    expect(store.health.message).toMatch(/^The session database failed its integrity check.*Export what can be read and restore from a backup/)
    expect(apiErrorOf(() => store.createSession(newSession()))).toMatchObject({ code: 'storage', message: store.health.message })
    store.close()
    expect(readFileSync(dbPath).equals(before)).toBe(true)
  })
})

describe('SessionStore: the seal', () => {
  it('seals a finished call: the list shows its score only because the seal verifies', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    store.appendEvents(sessionId, sampleEvents(3))
    expect(store.verifyChain(sessionId)).toMatchObject({ ok: true, sealed: false, message: 'All 3 events verify. The call is still under way, so it has no verdict.' })
    store.finishSession(sessionId, { total: 72 }, 72, 'fail', 1_700_000_100_000)
    expect(store.verifyChain(sessionId)).toMatchObject({ ok: true, sealed: true, firstBadSeq: null, message: 'All 3 events verify, and so does the seal on the score.' })
    expect(store.listSessions()).toMatchObject([{ sessionId, score: 72, compliance: 'fail', verification: { ok: true, sealed: true } }])
  })

  it('seals a call with no events on its genesis', () => {
    const store = openStore()
    const { sessionId } = store.createSession(newSession())
    store.finishSession(sessionId, null, 0, 'fail', 5)
    expect(store.verifyChain(sessionId)).toMatchObject({ ok: true, sealed: true })
  })
})

describe('SessionStore: a database from before seals carried a digest (schema 3)', () => {
  it('is migrated: its sealed calls keep their verdict, checked link by link; new calls are sealed with a digest', () => {
    const raw = new Database(dbPath)
    raw.pragma('journal_mode = WAL')
    for (const migration of MIGRATIONS.slice(0, 3)) raw.exec(migration)
    raw.pragma(`application_id = ${0x50725478}`) // 'PrTx'
    raw.pragma('user_version = 3')
    const s = newSession()
    const genesis = genesisHash(s)
    raw
      .prepare(
        `INSERT INTO sessions (id, scenario_id, scenario_title, scenario_hash, engine_version, rubric_version, mode, trainee, seed, started_at, chain_version, genesis_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?)`,
      )
      .run(s.sessionId, s.scenarioId, s.scenarioTitle, s.scenarioHash, s.engineVersion, s.rubricVersion, s.mode, s.trainee, s.seed, s.startedAt, genesis)
    let prev = genesis
    for (const event of sampleEvents(3)) {
      const { seq, at, type, ...payload } = event
      const hash = eventHash(prev, s.sessionId, event)
      raw.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)').run(s.sessionId, seq, at, type, canonicalJson(payload), prev, hash)
      prev = hash
    }
    // Sealed as the earlier Pretext sealed: no digest in the seal.
    const seal = sealHash(prev, s.sessionId, { eventCount: 3, endedAt: 9, score: 80, compliance: 'pass', reportJson: '{}', logDigest: null })
    raw
      .prepare("UPDATE sessions SET status = 'finished', ended_at = 9, score = 80, compliance = 'pass', score_cache = '{}', sealed_count = 3, sealed_head = ?, seal_hash = ? WHERE id = ?")
      .run(prev, seal, s.sessionId)
    raw.close()

    const store = openStore()
    expect(store.health).toMatchObject({ ok: true })
    expect(store.verifyChain(s.sessionId)).toEqual({ ok: true, sealed: true, firstBadSeq: null, message: 'All 3 events verify, and so does the seal on the score.' })
    expect(store.listSessions()).toMatchObject([{ sessionId: s.sessionId, score: 80, compliance: 'pass', verification: { ok: true, sealed: true } }])
    const next = store.createSession(newSession())
    store.appendEvents(next.sessionId, sampleEvents(2))
    store.finishSession(next.sessionId, null, 50, 'fail', 10)
    const digests = store.connection('read').prepare('SELECT id, log_digest FROM sessions').all() as Array<{ id: string; log_digest: string | null }>
    expect(Object.fromEntries(digests.map((d) => [d.id, d.log_digest]))).toEqual({ [s.sessionId]: null, [next.sessionId]: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(store.verifyChain(next.sessionId)).toMatchObject({ ok: true, sealed: true })
  })
})

describe('SessionStore: a database from before seals (schema 1)', () => {
  /** A schema-1 file as the earlier Pretext wrote it: one finished session of three events, scored 100/pass. */
  function writeLegacyDatabase(): string {
    const raw = new Database(dbPath)
    raw.pragma('journal_mode = WAL')
    raw.exec(MIGRATIONS[0]!)
    raw.pragma(`application_id = ${0x50725478}`) // 'PrTx'
    raw.pragma('user_version = 1')
    const s = newSession()
    raw
      .prepare('INSERT INTO sessions (id, scenario_id, scenario_title, scenario_hash, engine_version, rubric_version, mode, trainee, seed, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.sessionId, s.scenarioId, s.scenarioTitle, s.scenarioHash, s.engineVersion, s.rubricVersion, s.mode, s.trainee, s.seed, s.startedAt)
    let prev = legacyGenesisHash(s.sessionId, s.scenarioHash)
    for (const event of sampleEvents(3)) {
      const { seq, at, type, ...payload } = event
      const hash = eventHash(prev, s.sessionId, event)
      raw.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)').run(s.sessionId, seq, at, type, canonicalJson(payload), prev, hash)
      prev = hash
    }
    raw.prepare("UPDATE sessions SET status = 'finished', ended_at = 9, score = 100, compliance = 'pass', score_cache = '{}' WHERE id = ?").run(s.sessionId)
    raw.close()
    return s.sessionId
  }

  it('is migrated: its sessions stay readable and verify, but have no verdict', () => {
    const sessionId = writeLegacyDatabase()
    const store = openStore()
    expect(store.health).toMatchObject({ ok: true })
    expect(store.verifyChain(sessionId)).toMatchObject({ ok: true, sealed: false, message: expect.stringMatching(/^All 3 events verify\. This call was recorded by an earlier Pretext, which did not seal calls, so it has no verdict/) })
    expect(store.listSessions()).toMatchObject([{ sessionId, status: 'finished', eventCount: 3, score: null, compliance: null }])
    expect(store.getSession(sessionId).events).toEqual(sampleEvents(3))
    // New sessions beside it are recorded and sealed as usual.
    const next = store.createSession(newSession())
    store.finishSession(next.sessionId, null, 50, 'fail', 10)
    expect(store.verifyChain(next.sessionId)).toMatchObject({ ok: true, sealed: true })
  })

  it('is read as it is when the store refuses it (here, a garbage -wal): verified, no verdict, not tampered', () => {
    const sessionId = writeLegacyDatabase()
    writeFileSync(`${dbPath}-wal`, Buffer.alloc(4_096, 7))
    const store = openStore()
    expect(store.health).toMatchObject({ ok: false, reason: 'corrupt' })
    expect(store.listSessions()).toMatchObject([{ sessionId, score: null, verification: { ok: true, sealed: false } }])
  })
})
