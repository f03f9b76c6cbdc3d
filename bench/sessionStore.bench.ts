import { join } from 'node:path'
import Database from 'better-sqlite3'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { createServices } from '../src-main/services/index'
import { SessionStore } from '../src-main/services/sessionStore'
import { pickProfile } from '../src-main/services/testing/profiles'
import { makeTempDir, newSession, sampleEvent } from '../src-main/services/testing/storeFixtures'
import type { BenchResult } from './types'
import { median, percentile } from './types'

const APPENDS = 2_000
const WARM_UP = 100

/**
 * A durable appendEvent (validation, hash chain, checks, one transaction,
 * fsynced commit) against the floor it cannot beat: a bare better-sqlite3
 * INSERT of the same row, committed on its own, with the same pragmas
 * (EXCLUSIVE locking, WAL, synchronous=FULL) on the same disk in the same run.
 * The two alternate append by append, so drift in the disk's fsync time
 * (and other work on the machine) hits both alike.
 */
export async function benchSessionStore(): Promise<BenchResult> {
  const temp = makeTempDir('pretext-bench-store-')
  try {
    const store = new SessionStore({ path: join(temp.dir, 'store.sqlite') })
    if (!store.health.ok) throw new Error(store.health.message)
    const bare = openBare(join(temp.dir, 'bare.sqlite'))

    const { sessionId } = store.createSession(newSession())
    const events: SessionEvent[] = Array.from({ length: WARM_UP + APPENDS }, (_, i) => sampleEvent(i + 1))
    // The bare insert writes the same bytes the store would: canonical payload, two hex hashes.
    const rows = events.map((event) => {
      const { seq, at, type, ...payload } = event
      return [sessionId, seq, at, type, JSON.stringify(payload), 'p'.repeat(64), 'h'.repeat(64)] as const
    })

    let next = 0
    for (; next < WARM_UP; next++) {
      store.appendEvent(sessionId, events[next]!)
      bare.insert.run(...rows[next]!)
    }

    // Alternate one by one, so both see the same disk and the same neighbours.
    const storeTimes: number[] = []
    const bareTimes: number[] = []
    for (let i = 0; i < APPENDS; i++, next++) {
      const t0 = performance.now()
      store.appendEvent(sessionId, events[next]!)
      const t1 = performance.now()
      bare.insert.run(...rows[next]!)
      const t2 = performance.now()
      storeTimes.push(t1 - t0)
      bareTimes.push(t2 - t1)
    }

    // A batch of ten in one transaction: one fsync shared by ten events.
    const batchTimes: number[] = []
    for (let round = 0; round < 50; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => sampleEvent(next + i + 1))
      const t0 = performance.now()
      store.appendEvents(sessionId, batch)
      batchTimes.push((performance.now() - t0) / batch.length)
      next += batch.length
    }

    const verifyStart = performance.now()
    const verification = store.verifyChain(sessionId)
    const verifyMs = performance.now() - verifyStart
    if (!verification.ok) throw new Error(`bench chain does not verify: ${verification.message}`)

    store.close()
    bare.db.close()

    const us = (ms: number) => Math.round(ms * 1000 * 10) / 10
    const storeMedian = median(storeTimes)
    const bareMedian = median(bareTimes)
    const storeP95 = percentile(storeTimes, 0.95)
    const bareP95 = percentile(bareTimes, 0.95)
    return {
      name: 'Session store: durable append',
      rows: [
        {
          metric: `appendEvent, median of ${APPENDS} (bare INSERT + commit as baseline)`,
          value: us(storeMedian),
          unit: 'µs',
          baseline: us(bareMedian),
          ratio: round2(storeMedian / bareMedian),
          target: 'ratio ≤ 1.5',
        },
        {
          metric: 'appendEvent, 95th percentile',
          value: us(storeP95),
          unit: 'µs',
          baseline: us(bareP95),
          ratio: round2(storeP95 / bareP95),
        },
        { metric: 'appendEvents, batch of 10, per event (median)', value: us(median(batchTimes)), unit: 'µs' },
        { metric: `verifyChain over ${next} events`, value: Math.round(verifyMs * 10) / 10, unit: 'ms' },
        ...(await benchList()),
      ],
    }
  } finally {
    temp.cleanup()
  }
}

const LISTED = 1_000

/**
 * sessions.list verifies every row it returns (session fields, chain, seal;
 * then a replay of the decisions against the sealed score, remembered for
 * the process's life). Measured on 1,000 sealed ten-event calls of a real
 * scenario: the first list after start (every row replayed) and the next.
 */
async function benchList(): Promise<BenchResult['rows']> {
  const temp = makeTempDir('pretext-bench-list-')
  const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)
  const options = { dataDir: temp.dir, scenariosDir: join(__dirname, '..', 'scenarios'), parse }
  const actions: AgentAction[] = [
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
  try {
    const writing = await createServices(options)
    for (let i = 0; i < LISTED; i++) {
      await pickProfile(writing.api, `T${i % 20}`)
      const { session } = await writing.api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment' })
      for (const [step, action] of actions.entries()) await writing.api['calls.act']({ sessionId: session.sessionId, step, action })
      await writing.api['calls.end']({ sessionId: session.sessionId })
    }
    writing.close()

    const reading = await createServices(options)
    // Everyone's sessions: a supervisor's read (a trainee's is held to their own).
    const supervisor = { connection: 'bench' }
    await reading.api['role.setPassphrase']({ passphrase: 'correct horse battery', name: 'Bench' }, supervisor)
    const t0 = performance.now()
    const cold = await reading.api['sessions.list']({ limit: LISTED }, supervisor)
    const t1 = performance.now()
    const warm = await reading.api['sessions.list']({ limit: LISTED }, supervisor)
    const t2 = performance.now()
    const t3 = performance.now()
    const storeOnly = reading.store.listSessions({ limit: LISTED })
    const t4 = performance.now()
    reading.close()
    if (![cold, warm, storeOnly].every((list) => list.length === LISTED && list.every((s) => s.verification.ok && s.score === 100))) {
      throw new Error('bench list: a session did not verify')
    }
    const ms = (x: number) => Math.round(x * 10) / 10
    return [
      { metric: `sessions.list of ${LISTED} sealed calls, first after start (each row verified and replayed)`, value: ms(t1 - t0), unit: 'ms' },
      { metric: `sessions.list of ${LISTED}, again (each record checked whole by its digest and seal, replay remembered)`, value: ms(t2 - t1), unit: 'ms' },
      { metric: `store.listSessions of ${LISTED} (each record checked whole by its digest and seal)`, value: ms(t4 - t3), unit: 'ms' },
    ]
  } finally {
    temp.cleanup()
  }
}

function openBare(path: string) {
  const db = new Database(path)
  db.pragma('locking_mode = EXCLUSIVE')
  if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('bare baseline: WAL refused')
  db.pragma('synchronous = FULL')
  if (db.pragma('synchronous', { simple: true }) !== 2) throw new Error('bare baseline: synchronous=FULL refused')
  db.exec(`CREATE TABLE events (
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL,
    payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (session_id, seq)
  ) STRICT`)
  // Autocommit: each run() is its own transaction, committed (and fsynced) before it returns.
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)')
  return { db, insert }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
