/**
 * Crash and damage suites for the session store (QUALITY.md, "Required tests",
 * Storage). The child processes run testing/crashChild.ts, bundled once per run
 * with Vite into one CommonJS file: it starts in about 0.1 s where going
 * through tsx takes about 0.3 s, which is what lets 100 kills fit the budget.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { build } from 'vite'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '@core/api/contract'
import type { SessionEvent } from '@core/session/events'
import { eventHash, genesisHash, inspectWal, LOG_TEXT_SQL, reportHashOf, sealHash, SessionStore, verifyDigest, type SessionRow } from './sessionStore'
import { makeTempDir, newSession, sampleEvent, sampleEvents } from './testing/storeFixtures'

const requireHere = createRequire(import.meta.url)
const CHILD_SOURCE = fileURLToPath(new URL('./testing/crashChild.ts', import.meta.url))
const CORE = fileURLToPath(new URL('../../src-core', import.meta.url))

const KILL_ITERATIONS = 100

let childBundle: string
let bundleDir: { dir: string; cleanup: () => void }

beforeAll(async () => {
  bundleDir = makeTempDir('pretext-crash-child-')
  await build({
    configFile: false,
    logLevel: 'warn',
    resolve: { alias: { '@core': CORE } },
    ssr: { noExternal: true },
    build: {
      ssr: CHILD_SOURCE,
      outDir: bundleDir.dir,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: {
        // The native module stays where npm put it; the bundle requires it by absolute path.
        external: ['better-sqlite3'],
        output: { format: 'cjs', entryFileNames: 'crashChild.cjs', paths: { 'better-sqlite3': requireHere.resolve('better-sqlite3') } },
      },
    },
  })
  childBundle = join(bundleDir.dir, 'crashChild.cjs')
}, 60_000)
afterAll(() => bundleDir.cleanup())

// ---------------------------------------------------------------------------
// Child processes

interface Child {
  process: ChildProcess
  lines: string[]
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(): Promise<unknown>
  stderr(): string
}

function startChild(mode: 'loop' | 'hold' | 'probe' | 'keep', dbPath: string, seed?: number): Child {
  const args = [childBundle, mode, dbPath, ...(seed === undefined ? [] : [String(seed)])]
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  let stderr = ''
  const listeners = new Set<() => void>()
  proc.stdout!.setEncoding('utf8')
  proc.stdout!.on('data', (chunk: string) => {
    partial += chunk
    const parts = partial.split('\n')
    // A line cut by the kill has no newline yet: it was never fully printed.
    partial = parts.pop()!
    lines.push(...parts)
    for (const listener of listeners) listener()
  })
  proc.stderr!.setEncoding('utf8')
  proc.stderr!.on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      for (const listener of listeners) listener()
      resolve({ code, signal })
    }),
  )
  return {
    process: proc,
    lines,
    stderr: () => stderr,
    exited,
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      return exited
    },
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match)
          if (found !== undefined) {
            done()
            resolve(found)
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            done()
            reject(new Error(`child ${mode} exited (${proc.exitCode ?? proc.signalCode}) before the expected line.\nstdout: ${lines.join('\n')}\nstderr: ${stderr}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`child ${mode} timed out.\nstdout: ${lines.join('\n')}\nstderr: ${stderr}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected an ApiError, but nothing was thrown')
}

let dir: string
let cleanup: () => void
const children: Child[] = []
beforeEach(() => {
  ;({ dir, cleanup } = makeTempDir('pretext-crash-'))
})
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill()))
  cleanup()
})
function child(mode: 'loop' | 'hold' | 'probe' | 'keep', dbPath: string, seed?: number): Child {
  const started = startChild(mode, dbPath, seed)
  children.push(started)
  return started
}

// ---------------------------------------------------------------------------

describe('kill -9', () => {
  it(`loses no acknowledged event across ${KILL_ITERATIONS} kills at random moments`, async () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const baseSeed = Math.floor(Math.random() * 1e6)
    let rng = baseSeed
    const next = () => ((rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648)

    const acked = new Map<string, { seq: number; hash: string | null }>()
    const finished = new Set<string>()
    const stats = { acks: 0, batchesChecked: 0, killedBeforeReady: 0, killedAfterAcks: 0, unackedCommits: 0 }
    const started = Date.now()

    for (let i = 0; i < KILL_ITERATIONS; i++) {
      const seed = baseSeed + i
      const context = `iteration ${i}, seed ${seed}`
      const run = child('loop', dbPath, seed)
      if (next() < 0.1) {
        // Sometimes while the child is still opening: migrations, marking
        // interrupted sessions, the first write transaction.
        await sleep(next() * 120)
      } else {
        await run.waitFor((line) => line.startsWith('ready'))
        // Most kills land after a first acknowledgement, however loaded the
        // machine is (a fixed sleep alone landed too few there under load).
        if (next() < 0.8) await run.waitFor((line) => line.startsWith('ack '))
        await sleep(next() * 40)
      }
      await run.kill()
      children.splice(children.indexOf(run), 1)

      const touched = new Set<string>()
      for (const line of run.lines) {
        const [kind, id, seq, hash] = line.split(' ')
        if (kind === 'refused') throw new Error(`${context}: the child found the store refused: ${line}`)
        if (kind === 'new') {
          touched.add(id!)
          acked.set(id!, { seq: 0, hash: null })
        } else if (kind === 'ack') {
          touched.add(id!)
          acked.set(id!, { seq: Number(seq), hash: hash! })
          stats.acks++
        } else if (kind === 'fin') {
          finished.add(id!)
        }
      }
      if (!run.lines.some((line) => line.startsWith('ready'))) stats.killedBeforeReady++
      else if (run.lines.some((line) => line.startsWith('ack '))) stats.killedAfterAcks++

      const store = new SessionStore({ path: dbPath })
      try {
        // Opening ran integrity_check: a failure shows here as a refused store.
        expect(store.health, context).toMatchObject({ ok: true })
        for (const id of touched) {
          const { batches, extra } = checkSession(store, id, acked.get(id)!, finished.has(id), context)
          stats.batchesChecked += batches
          stats.unackedCommits += extra
        }
      } finally {
        store.close()
      }
    }

    // Everything ever acknowledged, across all runs, once more at the end.
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.health).toMatchObject({ ok: true })
      for (const [id, ack] of acked) checkSession(store, id, ack, finished.has(id), 'final sweep')
      expect(store.listSessions({ status: 'active' })).toEqual([])
    } finally {
      store.close()
    }
    const raw = new Database(dbPath, { readonly: true })
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()

    const seconds = (Date.now() - started) / 1000
    console.info(
      `kill loop: ${KILL_ITERATIONS} kills in ${seconds.toFixed(1)} s (seed ${baseSeed}); ${stats.acks} acks, ${acked.size} sessions, ` +
        `${stats.batchesChecked} batches checked whole, ${stats.unackedCommits} commits whose ack was cut off, ` +
        `${stats.killedBeforeReady} kills while opening, ${stats.killedAfterAcks} after at least one ack`,
    )
    // The suite only means something if the kills landed while work was under way.
    expect(stats.killedAfterAcks).toBeGreaterThan(KILL_ITERATIONS / 2)
    expect(stats.batchesChecked).toBeGreaterThan(10)
  }, 120_000)

  it('shows nothing of a transaction that was open when the process was killed', async () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const run = child('hold', dbPath)
    const line = await run.waitFor((l) => l.startsWith('inside '), 60_000)
    const [, sessionId, written, walGrowth] = line.split(' ')
    // The uncommitted rows really reached the disk (spilled into the WAL),
    // so a recovery that replayed them would show them.
    expect(Number(written)).toBeGreaterThan(1_000)
    expect(Number(walGrowth)).toBeGreaterThan(0)
    await run.kill()

    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.health).toMatchObject({ ok: true })
      const session = store.getSession(sessionId!)
      expect(session.events).toEqual(sampleEvents(3))
      expect(store.listSessions()[0]).toMatchObject({ sessionId, eventCount: 3, status: 'interrupted' })
      expect(store.verifyChain(sessionId!)).toMatchObject({ ok: true })
    } finally {
      store.close()
    }
  }, 90_000)
})

/** Check one session after a reopen; returns how many batches were checked and how many events arrived without an ack. */
function checkSession(
  store: SessionStore,
  sessionId: string,
  ack: { seq: number; hash: string | null },
  finishedForSure: boolean,
  context: string,
): { batches: number; extra: number } {
  const where = `${context}, session ${sessionId}`
  const session = store.getSession(sessionId)
  const seqs = session.events.map((event) => event.seq)
  expect(seqs, `${where}: sequence numbers contiguous from 1`).toEqual(seqs.map((_, i) => i + 1))
  expect(seqs.length, `${where}: every acknowledged event present`).toBeGreaterThanOrEqual(ack.seq)

  // The acknowledged event is exactly the one stored: its chained hash matches the ack.
  let prev = genesisHash({ ...session.info, scenarioTitle: session.scenarioTitle })
  for (const event of session.events) {
    prev = eventHash(prev, sessionId, event)
    if (event.seq === ack.seq) expect(prev, `${where}: hash of acknowledged event ${ack.seq}`).toBe(ack.hash)
  }
  expect(store.verifyChain(sessionId), where).toMatchObject({ ok: true })

  if (finishedForSure) expect(session.info.status, where).toBe('finished')
  else expect(['interrupted', 'finished'], where).toContain(session.info.status)

  // Multi-row transactions are whole: every batch, acknowledged or not, has all its members.
  const batches = new Map<string, { size: number; members: Set<number> }>()
  for (const event of session.events) {
    if (event.type !== 'note' || !event.text.startsWith('batch:')) continue
    const [, tag, size, member] = event.text.split('|')[0]!.split(':')
    const batch = batches.get(tag!) ?? { size: Number(size), members: new Set<number>() }
    batch.members.add(Number(member))
    batches.set(tag!, batch)
  }
  for (const [tag, batch] of batches) expect(batch.members.size, `${where}: batch ${tag} whole`).toBe(batch.size)
  return { batches: batches.size, extra: seqs.length - ack.seq }
}

// ---------------------------------------------------------------------------

describe('damaged database files', () => {
  let template: string
  let templateDir: { dir: string; cleanup: () => void }
  let sessionIds: string[]

  beforeAll(() => {
    templateDir = makeTempDir('pretext-damage-')
    template = join(templateDir.dir, 'template.sqlite')
    const store = new SessionStore({ path: template })
    sessionIds = []
    for (let i = 0; i < 12; i++) {
      const { sessionId } = store.createSession(newSession({ startedAt: 1_000 + i }))
      sessionIds.push(sessionId)
      store.appendEvents(
        sessionId,
        Array.from({ length: 25 }, (_, j) => sampleEvent(j + 1, j, j % 3 === 0 ? `MARK-${i}-${j}|${'z'.repeat(300 + j * 20)}` : undefined)),
      )
    }
    store.close()
    // A clean close checkpoints and removes the WAL: the template is one file.
    expect(existsSync(`${template}-wal`)).toBe(false)
  })
  afterAll(() => templateDir.cleanup())

  function damagedCopy(damage: (path: string) => void): string {
    const path = join(dir, 'sessions.sqlite')
    copyFileSync(template, path)
    damage(path)
    return path
  }

  function flip(path: string, offsets: number[]): void {
    const bytes = readFileSync(path)
    for (const offset of offsets) bytes[offset]! ^= 0xff
    writeFileSync(path, bytes)
  }

  function snapshot(path: string): Record<string, Buffer | null> {
    const files: Record<string, Buffer | null> = {}
    for (const suffix of ['', '-wal']) files[suffix] = existsSync(path + suffix) ? readFileSync(path + suffix) : null
    return files
  }

  /** The store opened on a damaged file: no throw, a clear refusal, writes refused, file left as found. */
  function expectRefused(path: string, expected: RegExp = /^The session database failed its integrity check: .+Export what can be read and restore from a backup/) {
    const before = snapshot(path)
    const store = new SessionStore({ path })
    try {
      expect(store.health.ok).toBe(false)
      expect(store.health.message).toMatch(expected)
      const write = apiErrorOf(() => store.createSession(newSession()))
      expect(write).toMatchObject({ code: 'storage', message: store.health.message })
      expect(apiErrorOf(() => store.appendEvent(sessionIds[0]!, sampleEvent(26))).code).toBe('storage')
      expect(apiErrorOf(() => store.finishSession(sessionIds[0]!, null, 1, 'pass')).code).toBe('storage')
      // Reads either work or fail as a storage error; they never crash.
      try {
        store.listSessions()
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError)
        expect((error as ApiError).code).toBe('storage')
      }
    } finally {
      store.close()
    }
    const after = snapshot(path)
    expect(after['']?.equals(before['']!) ?? before[''] === null, 'database file unchanged').toBe(true)
    if (before['-wal']) {
      expect(after['-wal']?.equals(before['-wal']), 'WAL file unchanged').toBe(true)
    } else {
      // A read-only connection may create an empty log beside a WAL-mode file; never one with content.
      expect(after['-wal']?.length ?? 0, 'no WAL content created').toBe(0)
    }
  }

  it('the template itself opens healthy (so the refusals below are caused by the damage)', () => {
    const path = damagedCopy(() => undefined)
    const store = new SessionStore({ path })
    try {
      expect(store.health.ok).toBe(true)
      expect(store.listSessions()).toHaveLength(12)
    } finally {
      store.close()
    }
  })

  it.each([
    ['to half its pages', (size: number) => Math.floor(size / 2 / 4096) * 4096],
    ['in the middle of its last page', (size: number) => size - 1_500],
    ['to its first page', () => 4096],
    ['to fewer bytes than a header', () => 50],
  ])('refuses a file truncated %s', (_label, cut) => {
    const path = damagedCopy((p) => truncateSync(p, cut(statSync(p).size)))
    expectRefused(path)
  })

  it.each([
    ['the magic string', [0, 1, 2]],
    ['the page size', [16]],
    ['the file format versions', [18, 19]],
    ['the page count', [28, 29, 30, 31]],
    ['the first page header', [100]],
  ])('refuses a file with flipped bytes in %s of the header', (_label, offsets) => {
    const path = damagedCopy((p) => flip(p, offsets))
    expectRefused(path)
  })

  it('never crashes whichever single header byte is flipped', () => {
    const outcomes = new Set<string>()
    for (let offset = 0; offset < 100; offset++) {
      const path = damagedCopy((p) => flip(p, [offset]))
      const store = new SessionStore({ path })
      try {
        if (store.health.ok) {
          // Harmless bytes (change counter, cache size hint...): everything still verifies.
          expect(store.listSessions(), `offset ${offset}`).toHaveLength(12)
          for (const id of sessionIds) expect(store.verifyChain(id).ok, `offset ${offset}`).toBe(true)
          outcomes.add('healthy')
        } else {
          expect(store.health.message.length, `offset ${offset}`).toBeGreaterThan(40)
          expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
          outcomes.add(store.health.reason)
        }
      } finally {
        store.close()
      }
    }
    expect(outcomes).toContain('corrupt')
  })

  it('refuses a file with flipped bytes in a page of the events table', () => {
    const path = damagedCopy((p) => {
      const raw = new Database(p, { readonly: true })
      const pageSize = Number(raw.pragma('page_size', { simple: true }))
      const root = Number(raw.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'events'").pluck().get())
      raw.close()
      const start = (root - 1) * pageSize
      // The b-tree page header: type, free block, cell count, content start.
      flip(p, [start, start + 3, start + 4, start + 5, start + 6])
    })
    expectRefused(path)
  })

  it('catches with verifyChain a flipped byte inside an event, which integrity_check cannot see', () => {
    // SQLite checks structure, not content: the file opens healthy, and the
    // hash chain is what notices the changed event.
    const path = damagedCopy((p) => {
      const bytes = readFileSync(p)
      const at = bytes.indexOf('MARK-4-9|')
      expect(at).toBeGreaterThan(0)
      bytes[at + 12] = 'y'.charCodeAt(0)
      writeFileSync(p, bytes)
    })
    const store = new SessionStore({ path })
    try {
      expect(store.health.ok).toBe(true)
      expect(store.verifyChain(sessionIds[4]!)).toMatchObject({ ok: false, firstBadSeq: 10 })
      expect(store.verifyChain(sessionIds[3]!)).toMatchObject({ ok: true })
    } finally {
      store.close()
    }
  })

  it('refuses a stray garbage -wal file, keeps it as evidence and still reads the database', () => {
    const path = damagedCopy((p) => writeFileSync(`${p}-wal`, Buffer.from(Array.from({ length: 8_192 }, (_, i) => (i * 7919 + 13) % 251))))
    expectRefused(path, /^The session database failed its integrity check: its write-ahead log sessions\.sqlite-wal is not a SQLite log.+restore from a backup/)
    const store = new SessionStore({ path })
    try {
      expect(store.listSessions()).toHaveLength(12)
    } finally {
      store.close()
    }
  })

  it('refuses a -wal file whose header checksum is wrong', () => {
    const path = damagedCopy((p) => {
      // A real WAL header with one flipped salt byte.
      const store = new SessionStore({ path: p })
      store.appendEvent(store.createSession(newSession()).sessionId, sampleEvent(1))
      const wal = readFileSync(`${p}-wal`)
      copyFileSync(p, `${p}.main`)
      store.close()
      copyFileSync(`${p}.main`, p)
      wal[17]! ^= 0x01
      writeFileSync(`${p}-wal`, wal)
    })
    expectRefused(path, /write-ahead log sessions\.sqlite-wal has a damaged header/)
  })

  it('refuses a -wal file left without its database', () => {
    const path = join(dir, 'sessions.sqlite')
    writeFileSync(`${path}-wal`, readFileSync(template).subarray(0, 4096))
    expectRefused(path, /database file is missing but its write-ahead log sessions\.sqlite-wal is still there/)
  })
})

// ---------------------------------------------------------------------------

describe('a -wal that is not this database\'s latest log', () => {
  function files(path: string): Record<string, Buffer | null> {
    const out: Record<string, Buffer | null> = {}
    for (const suffix of ['', '-wal']) out[suffix] = existsSync(path + suffix) ? readFileSync(path + suffix) : null
    return out
  }

  function expectUntouchedRefusal(path: string, message: RegExp): void {
    const before = files(path)
    const store = new SessionStore({ path })
    try {
      expect(store.health).toMatchObject({ ok: false, reason: 'corrupt' })
      expect(store.health.message).toMatch(message)
      expect(apiErrorOf(() => store.createSession(newSession()))).toMatchObject({ code: 'storage', message: store.health.message })
    } finally {
      store.close()
    }
    const after = files(path)
    expect(after['']!.equals(before['']!), 'database file unchanged').toBe(true)
    expect(after['-wal']!.equals(before['-wal']!), 'log unchanged').toBe(true)
  }

  /** A schema that no longer fits on page 1 (later migrations will get there): the identity must still travel in the log. */
  function growSchema(path: string): void {
    const raw = new Database(path)
    for (let i = 0; i < 12; i++) raw.exec(`CREATE TABLE padding_${i}_${'x'.repeat(200)} (a TEXT, b TEXT, c TEXT, d TEXT)`)
    raw.close()
  }

  it.each([
    ['', false],
    [', with schemas larger than a page', true],
  ])("refuses another Pretext database's live -wal copied beside ours%s, and loses nothing of either", (_label, largeSchemas) => {
    const ours = join(dir, 'ours.sqlite')
    const first = new SessionStore({ path: ours })
    const mine = first.createSession(newSession({ trainee: 'Ours' })).sessionId
    first.appendEvents(mine, sampleEvents(5))
    first.close()
    if (largeSchemas) growSchema(ours)
    expect(existsSync(`${ours}-wal`)).toBe(false)

    // The other database is live, and past a checkpoint: its log is a later generation.
    const otherDir = makeTempDir('pretext-other-')
    const theirs = join(otherDir.dir, 'sessions.sqlite')
    if (largeSchemas) {
      new SessionStore({ path: theirs }).close()
      growSchema(theirs)
    }
    const other = new SessionStore({ path: theirs })
    try {
      const foreign = other.createSession(newSession({ trainee: 'Theirs' })).sessionId
      for (let seq = 1; seq <= 600; seq++) other.appendEvent(foreign, sampleEvent(seq))
      copyFileSync(`${theirs}-wal`, `${ours}-wal`)

      expectUntouchedRefusal(ours, /write-ahead log ours\.sqlite-wal belongs to another database.*neither this database nor the log has lost anything.*Move .*ours\.sqlite-wal out of this folder/)

      // Moved aside as the message says: ours opens with everything it had.
      renameSync(`${ours}-wal`, join(dir, 'moved-aside.wal'))
      const reopened = new SessionStore({ path: ours })
      try {
        expect(reopened.health.ok).toBe(true)
        expect(reopened.listSessions()).toMatchObject([{ sessionId: mine, trainee: 'Ours', eventCount: 5, verification: { ok: true } }])
      } finally {
        reopened.close()
      }
      other.close()
      const again = new SessionStore({ path: theirs })
      try {
        expect(again.listSessions()).toMatchObject([{ sessionId: foreign, trainee: 'Theirs', eventCount: 600, verification: { ok: true } }])
      } finally {
        again.close()
      }
    } finally {
      other.close()
      otherDir.cleanup()
    }
  })

  it('refuses an older -wal of this same database put back after a clean close', () => {
    const path = join(dir, 'sessions.sqlite')
    const store = new SessionStore({ path })
    const { sessionId } = store.createSession(newSession())
    store.appendEvents(sessionId, sampleEvents(3))
    const stale = join(dir, 'stale.wal')
    copyFileSync(`${path}-wal`, stale)
    store.appendEvents(sessionId, sampleEvents(4, 4))
    store.close()

    copyFileSync(stale, `${path}-wal`)
    expectUntouchedRefusal(path, /write-ahead log sessions\.sqlite-wal is an older log of this same database/)
    rmSync(`${path}-wal`)
    const reopened = new SessionStore({ path })
    try {
      expect(reopened.getSession(sessionId).events).toEqual(sampleEvents(7))
    } finally {
      reopened.close()
    }
  })

  it('refuses its own live -wal beside a database file restored from an older copy', () => {
    const path = join(dir, 'sessions.sqlite')
    const first = new SessionStore({ path })
    const { sessionId } = first.createSession(newSession())
    first.appendEvents(sessionId, sampleEvents(3))
    first.close()
    const backup = readFileSync(path)

    // Later: past a checkpoint, then the app dies; the log is two generations past the backup.
    const later = new SessionStore({ path })
    const next = later.createSession(newSession()).sessionId
    for (let seq = 1; seq <= 520; seq++) later.appendEvent(next, sampleEvent(seq))
    const live = readFileSync(`${path}-wal`)
    later.close()
    writeFileSync(path, backup)
    writeFileSync(`${path}-wal`, live)

    expectUntouchedRefusal(path, /The session database file is older than its write-ahead log sessions\.sqlite-wal \(the file was restored from an earlier copy, or replaced\)/)
    // The backup alone opens as it was.
    rmSync(`${path}-wal`)
    const restored = new SessionStore({ path })
    try {
      expect(restored.listSessions()).toMatchObject([{ sessionId, eventCount: 3, verification: { ok: true } }])
    } finally {
      restored.close()
    }
  })

  it("accepts its own log after a crash, and an old log of a generation it has since checkpointed is refused", async () => {
    const path = join(dir, 'sessions.sqlite')
    const run = child('keep', path)
    await run.waitFor((l) => l.startsWith('health '))
    const early = join(dir, 'early.wal')
    copyFileSync(`${path}-wal`, early)
    await run.kill()
    // Our own log after a kill: accepted, and replayed.
    const store = new SessionStore({ path })
    expect(store.health.ok).toBe(true)
    const { sessionId } = store.createSession(newSession())
    for (let seq = 1; seq <= 520; seq++) store.appendEvent(sessionId, sampleEvent(seq))
    // Past a checkpoint, then killed (not closed): the main file now holds a later generation.
    const live = readFileSync(`${path}-wal`)
    const main = readFileSync(path)
    store.close()
    writeFileSync(path, main)
    writeFileSync(`${path}-wal`, live)
    const afterCrash = new SessionStore({ path })
    expect(afterCrash.health.ok).toBe(true)
    expect(afterCrash.getSession(sessionId).events).toHaveLength(520)
    afterCrash.close()

    copyFileSync(early, `${path}-wal`)
    expectUntouchedRefusal(path, /is an older log of this same database/)
  })
})

// ---------------------------------------------------------------------------

describe('a second instance', () => {
  it('cannot open a database another process is writing, and is told why', async () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const first = new SessionStore({ path: dbPath })
    try {
      const { sessionId } = first.createSession(newSession())
      first.appendEvent(sessionId, sampleEvent(1))

      const second = child('probe', dbPath)
      await second.exited
      const health = JSON.parse(second.lines.find((l) => l.startsWith('health '))!.slice('health '.length))
      expect(health).toMatchObject({ ok: false, reason: 'locked' })
      expect(health.message).toMatch(/^Pretext is already running with this session database \(.*sessions\.sqlite\)/)
      const writeError = JSON.parse(second.lines.find((l) => l.startsWith('write-error '))!.slice('write-error '.length))
      expect(writeError).toEqual({ code: 'storage', message: health.message })
      expect(second.lines.some((l) => l.startsWith('read-error '))).toBe(true)

      // The first instance is unaffected and keeps writing.
      expect(first.appendEvent(sessionId, sampleEvent(2)).seq).toBe(2)
    } finally {
      first.close()
    }

    // Once the first has closed, the same probe gets in: the refusal was the lock.
    const third = child('probe', dbPath)
    await third.exited
    expect(third.lines[0]).toMatch(/^health \{"ok":true/)
    expect(third.lines).toContain('write ok')
  })

  it('is refused while another process holds the database, in this process too, until that process dies', async () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const holder = child('keep', dbPath)
    expect(await holder.waitFor((l) => l.startsWith('health '))).toMatch(/"ok":true/)

    const refused = new SessionStore({ path: dbPath })
    expect(refused.health).toMatchObject({ ok: false, reason: 'locked' })
    expect(apiErrorOf(() => refused.createSession(newSession())).message).toMatch(/^Pretext is already running/)
    expect(apiErrorOf(() => refused.listSessions()).code).toBe('storage')
    refused.close()

    await holder.kill()
    const after = new SessionStore({ path: dbPath })
    try {
      expect(after.health.ok).toBe(true)
      // And within one process, a second store on the same file is refused as well.
      const again = new SessionStore({ path: dbPath })
      expect(again.health).toMatchObject({ ok: false, reason: 'locked' })
      again.close()
    } finally {
      after.close()
    }
  })
})

// ---------------------------------------------------------------------------

describe('append-only triggers and tamper evidence', () => {
  const TRIGGERS = ['events_no_update', 'events_no_delete', 'events_append_only_next', 'sessions_fixed_columns', 'sessions_closed', 'sessions_no_delete']

  function seeded(events = 10): { dbPath: string; sessionId: string; finishedId: string } {
    const dbPath = join(dir, 'sessions.sqlite')
    const store = new SessionStore({ path: dbPath })
    const { sessionId } = store.createSession(newSession())
    store.appendEvents(sessionId, sampleEvents(events))
    const finishedId = store.createSession(newSession()).sessionId
    store.appendEvents(finishedId, sampleEvents(2))
    store.finishSession(finishedId, { total: 1 }, 1, 'fail', 5)
    store.close()
    return { dbPath, sessionId, finishedId }
  }

  it('abort any UPDATE or DELETE of events, and changes to a session beyond finishing it', () => {
    const { dbPath, sessionId, finishedId } = seeded()
    const raw = new Database(dbPath)
    try {
      expect(() => raw.prepare('UPDATE events SET at = at + 1 WHERE session_id = ? AND seq = 3').run(sessionId)).toThrow(/append-only: a recorded event cannot be changed/)
      expect(() => raw.prepare('DELETE FROM events WHERE session_id = ? AND seq = 10').run(sessionId)).toThrow(/append-only: a recorded event cannot be deleted/)
      expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/append-only/)
      const insert = raw.prepare("INSERT INTO events VALUES (?, ?, 1, 'ask-pin', '{}', 'x', 'y')")
      expect(() => insert.run(sessionId, 12)).toThrow(/appended, in order/)
      expect(() => insert.run(finishedId, 3)).toThrow(/appended, in order, to an active session/)
      expect(() => raw.prepare("UPDATE sessions SET trainee = 'Mallory' WHERE id = ?").run(sessionId)).toThrow(/only the status, end time and score/)
      expect(() => raw.prepare('UPDATE sessions SET score = 100 WHERE id = ?').run(finishedId)).toThrow(/cannot change/)
      expect(() => raw.prepare('DELETE FROM sessions WHERE id = ?').run(finishedId)).toThrow(/cannot be deleted/)
      // The finish path's columns do change while a session is active.
      raw.prepare("UPDATE sessions SET status = 'finished', score = 3 WHERE id = ?").run(sessionId)
      expect(raw.prepare('SELECT count(*) FROM events').pluck().get()).toBe(12)
    } finally {
      raw.close()
    }
  })

  type Tamper = (raw: Database.Database, sessionId: string, rows: Map<number, { at: number; type: string; payload: string; prev_hash: string; hash: string }>) => void
  const renumberFrom = (raw: Database.Database, sessionId: string, seq: number, by: number) => {
    // Two steps, so the unique (session_id, seq) index never sees a clash.
    raw.prepare('UPDATE events SET seq = seq + 1000 WHERE session_id = ? AND seq >= ?').run(sessionId, seq)
    raw.prepare('UPDATE events SET seq = seq - 1000 + ? WHERE session_id = ? AND seq >= 1000').run(by, sessionId)
  }
  const insertRow = (raw: Database.Database, sessionId: string, seq: number, row: { at: number; type: string; payload: string; prev_hash: string; hash: string }) =>
    raw.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)').run(sessionId, seq, row.at, row.type, row.payload, row.prev_hash, row.hash)

  const cases: Array<[string, Tamper, number]> = [
    ['an edited time', (raw, id) => raw.prepare('UPDATE events SET at = at + 1 WHERE session_id = ? AND seq = 5').run(id), 5],
    ['an edited payload', (raw, id) => raw.prepare("UPDATE events SET payload = json_set(payload, '$.text', 'all fine') WHERE session_id = ? AND seq = 5").run(id), 5],
    ['an edited type', (raw, id) => raw.prepare("UPDATE events SET type = 'deny', payload = '{}' WHERE session_id = ? AND seq = 5").run(id), 5],
    ['an edit with its own hash recomputed', (raw, id, rows) => {
      const forged = { seq: 5, at: rows.get(5)!.at, type: 'deny' } as SessionEvent
      raw.prepare("UPDATE events SET type = 'deny', payload = '{}', hash = ? WHERE session_id = ? AND seq = 5").run(eventHash(rows.get(4)!.hash, id, forged), id)
    }, 5],
    ['an edited link to the previous event', (raw, id) => raw.prepare("UPDATE events SET prev_hash = 'beef' WHERE session_id = ? AND seq = 5").run(id), 5],
    ['details with bytes hidden after a NUL', (raw, id) => raw.prepare("UPDATE events SET payload = payload || char(0) || ',\"text\":\"all fine\"' WHERE session_id = ? AND seq = 5").run(id), 5],
    ['an insertion in the middle', (raw, id, rows) => {
      renumberFrom(raw, id, 5, 1)
      insertRow(raw, id, 5, { ...rows.get(4)!, type: 'deny', payload: '{}' })
    }, 5],
    ['an insertion in the middle with a correctly computed hash', (raw, id, rows) => {
      renumberFrom(raw, id, 5, 1)
      const forged = { seq: 5, at: rows.get(4)!.at + 1, type: 'deny' } as SessionEvent
      insertRow(raw, id, 5, { at: forged.at, type: 'deny', payload: '{}', prev_hash: rows.get(4)!.hash, hash: eventHash(rows.get(4)!.hash, id, forged) })
    }, 5],
    ['a forged event appended at the end', (raw, id, rows) => insertRow(raw, id, 11, { ...rows.get(10)!, type: 'deny', payload: '{}', prev_hash: rows.get(10)!.hash }), 11],
    ['a deletion', (raw, id) => raw.prepare('DELETE FROM events WHERE session_id = ? AND seq = 5').run(id), 5],
    ['a deletion with the rest renumbered', (raw, id) => {
      raw.prepare('DELETE FROM events WHERE session_id = ? AND seq = 5').run(id)
      renumberFrom(raw, id, 6, -1)
    }, 5],
    ['a deletion of the first event', (raw, id) => {
      raw.prepare('DELETE FROM events WHERE session_id = ? AND seq = 1').run(id)
      renumberFrom(raw, id, 2, -1)
    }, 1],
    ['two events swapped', (raw, id) => {
      raw.prepare('UPDATE events SET seq = 1005 WHERE session_id = ? AND seq = 5').run(id)
      raw.prepare('UPDATE events SET seq = 5 WHERE session_id = ? AND seq = 6').run(id)
      raw.prepare('UPDATE events SET seq = 6 WHERE session_id = ? AND seq = 1005').run(id)
    }, 5],
    ['two events swapped with their hashes', (raw, id, rows) => {
      for (const [seq, from] of [[5, 6], [6, 5]] as const) {
        const r = rows.get(from)!
        raw.prepare('UPDATE events SET at = ?, type = ?, payload = ?, prev_hash = ?, hash = ? WHERE session_id = ? AND seq = ?').run(r.at, r.type, r.payload, r.prev_hash, r.hash, id, seq)
      }
    }, 5],
    ['a truncation from the middle', (raw, id) => raw.prepare('DELETE FROM events WHERE session_id = ? AND seq BETWEEN 5 AND 8').run(id), 5],
    ['a changed scenario hash on the session', (raw, id) => raw.prepare("UPDATE sessions SET scenario_hash = 'b' WHERE id = ?").run(id), 0],
    ['a changed trainee on the session', (raw, id) => raw.prepare("UPDATE sessions SET trainee = 'Mallory' WHERE id = ?").run(id), 0],
    ['a changed trainee with the stored genesis recomputed', (raw, id) => {
      const row = raw.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Record<string, unknown>
      const forged = genesisHash({ ...newSession(), sessionId: id, trainee: 'Mallory', seed: row['seed'] as number, startedAt: row['started_at'] as number })
      raw.prepare("UPDATE sessions SET trainee = 'Mallory', genesis_hash = ? WHERE id = ?").run(forged, id)
    }, 0],
  ]

  it.each(cases)('verifyChain reports %s at the first affected event', (_label, tamper, firstBad) => {
    const { dbPath, sessionId } = seeded()
    const check = new SessionStore({ path: dbPath })
    expect(check.verifyChain(sessionId)).toMatchObject({ ok: true, firstBadSeq: null })
    check.close()

    const raw = new Database(dbPath)
    for (const trigger of TRIGGERS) raw.exec(`DROP TRIGGER ${trigger}`)
    const rows = new Map(
      (raw.prepare('SELECT seq, at, type, payload, prev_hash, hash FROM events WHERE session_id = ?').all(sessionId) as Array<{ seq: number; at: number; type: string; payload: string; prev_hash: string; hash: string }>).map((r) => [r.seq, r]),
    )
    raw.transaction(() => tamper(raw, sessionId, rows))()
    raw.close()

    const store = new SessionStore({ path: dbPath })
    try {
      const result = store.verifyChain(sessionId)
      expect(result).toMatchObject({ ok: false, firstBadSeq: firstBad })
      expect(result.message).toMatch(firstBad === 0 ? /^Tampered: (the session record|event 1 does not belong)/ : new RegExp(`^Tampered: event ${firstBad} `))
    } finally {
      store.close()
    }
  })

  /** A sealed call of ten events (the cases above, on a call whose seal commits to its log's digest). */
  function sealedSeeded(): { dbPath: string; sessionId: string } {
    const dbPath = join(dir, 'sessions.sqlite')
    const store = new SessionStore({ path: dbPath })
    const { sessionId } = store.createSession(newSession())
    store.appendEvents(sessionId, sampleEvents(10))
    store.finishSession(sessionId, { total: 40 }, 40, 'fail', 1_700_000_100_000)
    store.close()
    return { dbPath, sessionId }
  }

  const tampered = (dbPath: string, tamper: (raw: Database.Database) => void) => {
    const raw = new Database(dbPath)
    for (const trigger of TRIGGERS) raw.exec(`DROP TRIGGER ${trigger}`)
    raw.transaction(() => tamper(raw))()
    raw.close()
  }
  const rowOf = (dbPath: string, sessionId: string): { row: SessionRow; text: { events: number; log: string } | undefined } => {
    const raw = new Database(dbPath, { readonly: true })
    try {
      const row = raw.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow
      const text = raw.prepare(LOG_TEXT_SQL).get(JSON.stringify([sessionId])) as { events: number; log: string } | undefined
      return { row, text }
    } finally {
      raw.close()
    }
  }

  it('checks a sealed call whole, by its digest, and a list takes that check', () => {
    const { dbPath, sessionId } = sealedSeeded()
    const { row, text } = rowOf(dbPath, sessionId)
    expect(row.log_digest).toMatch(/^[0-9a-f]{64}$/)
    expect(verifyDigest(row, text)).toEqual({
      verification: { ok: true, sealed: true, firstBadSeq: null, message: 'All 10 events verify, and so does the seal on the score.' },
      eventCount: 10,
      reportHash: reportHashOf(row.score_cache!),
    })
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.verifyChain(sessionId)).toEqual(verifyDigest(row, text)!.verification)
      expect(store.listSessions()).toMatchObject([{ sessionId, score: 40, eventCount: 10, verification: { ok: true, sealed: true } }])
    } finally {
      store.close()
    }
  })

  it.each(cases)('on a sealed call, %s fails the digest and is found at the first affected event', (_label, tamper, firstBad) => {
    const { dbPath, sessionId } = sealedSeeded()
    const raw = new Database(dbPath)
    const rows = new Map(
      (raw.prepare('SELECT seq, at, type, payload, prev_hash, hash FROM events WHERE session_id = ?').all(sessionId) as Array<{ seq: number; at: number; type: string; payload: string; prev_hash: string; hash: string }>).map((r) => [r.seq, r]),
    )
    raw.close()
    tampered(dbPath, (db) => tamper(db, sessionId, rows))
    const { row, text } = rowOf(dbPath, sessionId)
    expect(verifyDigest(row, text)).toBeNull()
    const store = new SessionStore({ path: dbPath })
    try {
      const result = store.verifyChain(sessionId)
      expect(result).toMatchObject({ ok: false, firstBadSeq: firstBad })
      expect(result.message).toMatch(firstBad === 0 ? /^Tampered: (the session record|event 1 does not belong)/ : new RegExp(`^Tampered: event ${firstBad} `))
      expect(store.listSessions()).toMatchObject([{ sessionId, score: null, compliance: null, verification: { ok: false, firstBadSeq: firstBad } }])
    } finally {
      store.close()
    }
  })

  it('on a sealed call, details re-spaced but equal are an edit of the sealed bytes, found at their event', () => {
    const { dbPath, sessionId } = sealedSeeded()
    tampered(dbPath, (raw) => raw.prepare("UPDATE events SET payload = ' ' || payload WHERE session_id = ? AND seq = 6").run(sessionId))
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.verifyChain(sessionId)).toMatchObject({
        ok: false,
        firstBadSeq: 6,
        message: 'Tampered: event 6 has been altered: its stored details were rewritten after the call was sealed.',
      })
    } finally {
      store.close()
    }
  })

  it('on a sealed call, an edited digest fails the seal', () => {
    const { dbPath, sessionId } = sealedSeeded()
    tampered(dbPath, (raw) => raw.prepare("UPDATE sessions SET log_digest = 'beef' WHERE id = ?").run(sessionId))
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.verifyChain(sessionId)).toMatchObject({ ok: false, firstBadSeq: 11, message: expect.stringMatching(/^Tampered: the stored score \(40, fail\).*is not what the call was sealed with/) })
    } finally {
      store.close()
    }
  })

  it('seals no digest over a log changed during the call: the change is found at its event after the seal', () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const first = new SessionStore({ path: dbPath })
    const { sessionId } = first.createSession(newSession())
    first.appendEvents(sessionId, sampleEvents(10))
    first.close()
    tampered(dbPath, (raw) => raw.prepare('UPDATE events SET at = at + 1 WHERE session_id = ? AND seq = 4').run(sessionId))
    const store = new SessionStore({ path: dbPath })
    try {
      // Reopened, the call is interrupted; resumed, it goes on and ends with a seal.
      store.resumeSession(sessionId)
      store.appendEvents(sessionId, [sampleEvent(11)])
      store.finishSession(sessionId, { total: 90 }, 90, 'pass', 1_700_000_100_000)
      expect(store.connection('read').prepare('SELECT log_digest FROM sessions WHERE id = ?').pluck().get(sessionId)).toBeNull()
      expect(store.verifyChain(sessionId)).toMatchObject({ ok: false, firstBadSeq: 4, message: expect.stringMatching(/^Tampered: event 4 /) })
    } finally {
      store.close()
    }
  })

  it('still verifies a call sealed before seals carried a digest (no digest, the seal as it was)', () => {
    const { dbPath, sessionId } = sealedSeeded()
    tampered(dbPath, (raw) => {
      const row = raw.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow
      const earlier = sealHash(row.sealed_head!, sessionId, { eventCount: 10, endedAt: row.ended_at!, score: 40, compliance: 'fail', reportJson: row.score_cache!, logDigest: null })
      raw.prepare('UPDATE sessions SET log_digest = NULL, seal_hash = ? WHERE id = ?').run(earlier, sessionId)
    })
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.verifyChain(sessionId)).toEqual({ ok: true, sealed: true, firstBadSeq: null, message: 'All 10 events verify, and so does the seal on the score.' })
      expect(store.listSessions()).toMatchObject([{ sessionId, score: 40, verification: { ok: true, sealed: true } }])
    } finally {
      store.close()
    }
  })

  it('sees events cut off the end of a sealed call: the seal counts them', () => {
    const { dbPath, finishedId } = seeded()
    const raw = new Database(dbPath)
    raw.exec('DROP TRIGGER events_no_delete')
    raw.prepare('DELETE FROM events WHERE session_id = ? AND seq = 2').run(finishedId)
    raw.close()
    const after = new SessionStore({ path: dbPath })
    try {
      expect(after.verifyChain(finishedId)).toMatchObject({ ok: false, firstBadSeq: 2, message: expect.stringMatching(/^Tampered: event 2 is missing: the call was sealed with 2 events/) })
      expect(after.listSessions().find((s) => s.sessionId === finishedId)).toMatchObject({ score: null, compliance: null, verification: { ok: false } })
    } finally {
      after.close()
    }
  })

  it('cannot see events cut off the end of a call that never ended, which has no verdict (only a head kept elsewhere catches it)', () => {
    const { dbPath, sessionId } = seeded()
    const before = new SessionStore({ path: dbPath })
    const head = before.headHash(sessionId)
    before.close()
    const raw = new Database(dbPath)
    raw.exec('DROP TRIGGER events_no_delete')
    raw.prepare('DELETE FROM events WHERE session_id = ? AND seq > 7').run(sessionId)
    raw.close()
    const after = new SessionStore({ path: dbPath })
    try {
      expect(after.verifyChain(sessionId)).toMatchObject({ ok: true, sealed: false, message: expect.stringMatching(/no verdict/) })
      expect(after.headHash(sessionId)).not.toBe(head)
    } finally {
      after.close()
    }
  })
})

// ---------------------------------------------------------------------------

describe('durability settings', () => {
  it('runs in WAL mode with synchronous=FULL, as SQLite reports back and the file shows', () => {
    const dbPath = join(dir, 'sessions.sqlite')
    const store = new SessionStore({ path: dbPath })
    try {
      expect(store.settings).toEqual({ journalMode: 'wal', synchronous: 2, lockingMode: 'exclusive', foreignKeys: 1 })
      store.appendEvent(store.createSession(newSession()).sessionId, sampleEvent(1))
      // Bytes 18-19 of the header are 2 in WAL mode; the commit went to a valid -wal file.
      const header = readFileSync(dbPath).subarray(0, 100)
      expect([header[18], header[19]]).toEqual([2, 2])
      expect(statSync(`${dbPath}-wal`).size).toBeGreaterThan(32)
      expect(inspectWal(`${dbPath}-wal`)).toBeNull()
      // Exclusive locking keeps the WAL index in memory: no -shm beside the file.
      expect(existsSync(`${dbPath}-shm`)).toBe(false)
    } finally {
      store.close()
    }
  })

  it('refuses to record when SQLite cannot give it WAL mode', () => {
    // An in-memory database answers journal_mode=WAL with 'memory'.
    const store = new SessionStore({ path: ':memory:' })
    expect(store.settings).toBeNull()
    expect(store.health).toMatchObject({ ok: false, reason: 'unsupported' })
    expect(store.health.message).toMatch(/journal_mode=memory/)
    expect(apiErrorOf(() => store.createSession(newSession())).code).toBe('storage')
    store.close()
  })
})
