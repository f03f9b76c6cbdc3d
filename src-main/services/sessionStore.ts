import { hash as digest } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import {
  ApiError,
  type AppendAck,
  type ChainVerification,
  type SessionInfo,
  type SessionMode,
  type SessionStatus,
  type SessionSummary,
} from '@core/api/contract'
import { parseSessionEvent, type SessionEvent } from '@core/session/events'
import { canonicalJson } from './canonicalJson'

/**
 * The durable session log (ARCHITECTURE.md, Storage; QUALITY.md, Promises).
 *
 * One process writes: the connection runs in EXCLUSIVE locking mode and takes
 * the write lock at open, so a second Pretext on the same file is turned away
 * with a message instead of interleaving writes. Every append is its own
 * transaction in WAL mode with synchronous=FULL, and appendEvent returns only
 * after COMMIT has fsynced the log: its return value is the acknowledgement the
 * UI waits for. Events are append-only (triggers) and hash-chained, so edits
 * made behind the app's back are detected by verifyChain.
 *
 * The store never throws from its constructor for a damaged or busy file: it
 * opens in a refused state, `health` says why in words, reads are attempted
 * through a read-only connection where the file allows, and every write throws
 * ApiError('storage') with the same message.
 */

export interface SessionStoreOptions {
  /** The database file. Its directory must exist. */
  path: string
  /** Milliseconds since the epoch; used for finishSession's default end time. */
  clock?: () => number
  /** Path of a better-sqlite3 binary built for another ABI (Electron's). */
  nativeBinding?: string
  /**
   * Cap on the database size in pages (PRAGMA max_page_count). Writes past it
   * fail exactly as on a full disk; tests use it to simulate one.
   */
  maxPageCount?: number
  /** How long to wait for a lock held by another process before giving up. */
  busyTimeoutMs?: number
}

/** What createSession needs: everything but what the store decides. */
export type NewSession = Omit<SessionInfo, 'status' | 'endedAt'> & { scenarioTitle: string }

export interface SessionFilter {
  scenarioId?: string
  trainee?: string
  status?: SessionStatus
  /** Newest first; 1000 when not given (the contract's maximum). */
  limit?: number
}

export type Compliance = 'pass' | 'fail'

/** A session as stored: its info, its events in order and the cached score. */
export interface StoredSession {
  info: SessionInfo
  scenarioTitle: string
  events: SessionEvent[]
  /** The score report cached by finishSession; a cache, recomputable from the events. */
  scoreCache: unknown
  score: number | null
  compliance: Compliance | null
}

export type StoreHealth =
  | { ok: true; message: string }
  | {
      ok: false
      /** corrupt: failed a check; locked: another process has it; unsupported: wrong mode or newer schema; unavailable: cannot be opened; closed: close() was called. */
      reason: 'corrupt' | 'locked' | 'unsupported' | 'unavailable' | 'closed'
      message: string
    }

/** The connection settings as SQLite reported them back at open. */
export interface StoreSettings {
  journalMode: string
  synchronous: number
  lockingMode: string
  foreignKeys: number
}

/**
 * Schema migrations, applied in order inside one transaction at open.
 * PRAGMA user_version records how many have run: never edit a shipped entry,
 * append a new one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    scenario_id TEXT NOT NULL,
    scenario_title TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    engine_version INTEGER NOT NULL,
    rubric_version INTEGER NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('practice', 'assessment')),
    trainee TEXT NOT NULL,
    seed INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished', 'interrupted')),
    score_cache TEXT CHECK (score_cache IS NULL OR json_valid(score_cache)),
    score INTEGER,
    compliance TEXT CHECK (compliance IS NULL OR compliance IN ('pass', 'fail'))
  ) STRICT;
  CREATE INDEX sessions_by_start ON sessions (started_at);
  CREATE INDEX sessions_by_scenario ON sessions (scenario_id, started_at);
  CREATE INDEX sessions_by_trainee ON sessions (trainee COLLATE NOCASE, started_at);

  CREATE TABLE events (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (session_id, seq)
  ) STRICT;

  -- The log is append-only: a decision, once acknowledged, is never rewritten.
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: a recorded event cannot be changed'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: a recorded event cannot be deleted'); END;
  -- Appends only to a live session, and only the next number (the store checks too).
  CREATE TRIGGER events_append_only_next BEFORE INSERT ON events
  WHEN (SELECT status FROM sessions WHERE id = NEW.session_id) IS NOT 'active'
    OR NEW.seq <> 1 + coalesce((SELECT max(seq) FROM events WHERE session_id = NEW.session_id), 0)
  BEGIN SELECT RAISE(ABORT, 'events can only be appended, in order, to an active session'); END;

  -- A session's identity is fixed at creation; only the finish path (status,
  -- end time, score cache) changes it, and only while it is active.
  CREATE TRIGGER sessions_fixed_columns BEFORE UPDATE ON sessions
  WHEN NEW.id IS NOT OLD.id OR NEW.scenario_id IS NOT OLD.scenario_id
    OR NEW.scenario_title IS NOT OLD.scenario_title OR NEW.scenario_hash IS NOT OLD.scenario_hash
    OR NEW.engine_version IS NOT OLD.engine_version OR NEW.rubric_version IS NOT OLD.rubric_version
    OR NEW.mode IS NOT OLD.mode OR NEW.trainee IS NOT OLD.trainee OR NEW.seed IS NOT OLD.seed
    OR NEW.started_at IS NOT OLD.started_at
  BEGIN SELECT RAISE(ABORT, 'only the status, end time and score of a session can change'); END;
  CREATE TRIGGER sessions_closed BEFORE UPDATE ON sessions
  WHEN OLD.status <> 'active'
  BEGIN SELECT RAISE(ABORT, 'a finished or interrupted session cannot change'); END;
  CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions
  BEGIN SELECT RAISE(ABORT, 'sessions are kept: a session cannot be deleted'); END;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
/** 'PrTx' in the file header, so a stray SQLite file is not mistaken for ours. */
const APPLICATION_ID = 0x50725478
const DEFAULT_LIST_LIMIT = 1000

// ---------------------------------------------------------------------------
// The hash chain

/** prev_hash of event 1: binds the chain to its session and the exact scenario file. */
export function genesisHash(sessionId: string, scenarioHash: string): string {
  return sha256(`${sessionId}\n${scenarioHash}`)
}

/** sha256 hex of (prev_hash + '\n' + canonical JSON of {sessionId, seq, at, type, payload}). */
export function eventHash(prevHash: string, sessionId: string, event: SessionEvent): string {
  const { seq, at, type, ...payload } = event
  return hashOf(prevHash, sessionId, seq, at, type, payload)
}

function hashOf(prevHash: string, sessionId: string, seq: number, at: number, type: string, payload: unknown): string {
  return sha256(`${prevHash}\n${canonicalRecord(sessionId, seq, at, type, canonicalJson(payload))}`)
}

/**
 * canonicalJson({ sessionId, seq, at, type, payload }) written out by hand
 * around an already canonical payload, so an append canonicalises it once.
 * The keys are in canonical (sorted) order; a test holds the two equal.
 */
export function canonicalRecord(sessionId: string, seq: number, at: number, type: string, payloadJson: string): string {
  return `{"at":${canonicalJson(at)},"payload":${payloadJson},"seq":${canonicalJson(seq)},"sessionId":${JSON.stringify(sessionId)},"type":${JSON.stringify(type)}}`
}

function sha256(text: string): string {
  return digest('sha256', text, 'hex')
}

// ---------------------------------------------------------------------------
// Messages for people

function lockedMessage(path: string): string {
  return (
    `Pretext is already running with this session database (${path}). ` +
    'Only one Pretext can record sessions at a time: switch to the open window, or close it and start Pretext again.'
  )
}

function corruptMessage(path: string, detail: string): string {
  return (
    `The session database failed its integrity check: ${detail}. ` +
    'Pretext will not write to it, so nothing more can be damaged. ' +
    `Export what can be read and restore from a backup, or move ${path} aside to start a new database.`
  )
}

const DISK_FULL_MESSAGE =
  'The disk is full, so the last action was not saved. Free some disk space and try again; everything saved before it is safe.'

// ---------------------------------------------------------------------------

const NewSessionSchema = z.object({
  sessionId: z.string().uuid(),
  scenarioId: z.string().min(1).max(100),
  scenarioTitle: z.string().max(500),
  scenarioHash: z.string().min(1).max(200),
  engineVersion: z.number().int().min(0),
  rubricVersion: z.number().int().min(0),
  mode: z.enum(['practice', 'assessment']),
  trainee: z.string().min(1).max(200),
  seed: z.number().int(),
  startedAt: z.number().int().min(0),
})

interface SessionRow {
  id: string
  scenario_id: string
  scenario_title: string
  scenario_hash: string
  engine_version: number
  rubric_version: number
  mode: SessionMode
  trainee: string
  seed: number
  started_at: number
  ended_at: number | null
  status: SessionStatus
  score_cache: string | null
  score: number | null
  compliance: Compliance | null
}

interface EventRow {
  seq: number
  at: number
  type: string
  payload: string
  prev_hash: string
  hash: string
}

type Db = Database.Database

/** A problem found while opening: which refused state it leads to. */
class OpenProblem extends Error {
  constructor(
    readonly reason: 'corrupt' | 'locked' | 'unsupported' | 'unavailable',
    message: string,
  ) {
    super(message)
  }
}

export class SessionStore {
  readonly path: string
  /** Sessions found 'active' at open (left by a crash) and marked 'interrupted'. */
  readonly interruptedAtOpen: readonly string[]
  /** What SQLite reported for the pragmas that durability rests on; null when not opened for writing. */
  readonly settings: StoreSettings | null

  private readonly clock: () => number
  /** The writing connection; null in a refused state. */
  private writer: Db | null = null
  /** A read-only connection kept in a refused state, for exporting what can be read. */
  private reader: Db | null = null
  private state: StoreHealth
  private appendTx: ((sessionId: string, events: Iterable<SessionEvent>) => AppendAck[]) | null = null
  /**
   * Last committed seq and hash of sessions this process has appended to.
   * Only this connection writes (EXCLUSIVE lock), so after a commit the cache
   * is the truth; it is dropped on any failed append and when a session is
   * finished, and the insert trigger still checks order and status in SQL.
   */
  private readonly heads = new Map<string, { seq: number; hash: string }>()

  constructor(options: SessionStoreOptions) {
    this.path = options.path
    this.clock = options.clock ?? Date.now
    const opened = this.open(options)
    this.state = opened.health
    this.settings = opened.settings
    this.interruptedAtOpen = opened.interrupted
  }

  get health(): StoreHealth {
    return this.state
  }

  // -------------------------------------------------------------------------
  // Opening

  private open(options: SessionStoreOptions): { health: StoreHealth; settings: StoreSettings | null; interrupted: string[] } {
    const timeout = options.busyTimeoutMs ?? 250
    const connect = (readonly: boolean): Db =>
      new Database(options.path, { readonly, fileMustExist: readonly, timeout, nativeBinding: options.nativeBinding })
    const refuse = (problem: OpenProblem) => ({
      health: { ok: false as const, reason: problem.reason, message: problem.message },
      settings: null,
      interrupted: [],
    })

    const onDisk = options.path !== ':memory:' && options.path !== ''
    let checked = true
    try {
      if (onDisk) checked = this.checkBeforeWriting(options.path, connect)
    } catch (error) {
      // Whatever goes wrong (a file Pretext may not read, say), the store
      // opens refused with a message rather than throwing at start-up.
      return refuse(this.classifyOpenError(error, options.path))
    }

    let db: Db | null = null
    try {
      db = connect(false)
      // EXCLUSIVE before the first read: SQLite then keeps the WAL index in
      // heap memory and never gives the file lock back, which is what makes
      // this connection the only writer.
      const lockingMode = db.pragma('locking_mode = EXCLUSIVE', { simple: true })
      const journalMode = db.pragma('journal_mode = WAL', { simple: true })
      db.pragma('synchronous = FULL')
      const synchronous = db.pragma('synchronous', { simple: true })
      db.pragma('foreign_keys = ON')
      const foreignKeys = db.pragma('foreign_keys', { simple: true })
      const settings: StoreSettings = {
        journalMode: String(journalMode),
        synchronous: Number(synchronous),
        lockingMode: String(lockingMode),
        foreignKeys: Number(foreignKeys),
      }
      if (settings.lockingMode !== 'exclusive' || settings.journalMode !== 'wal' || settings.synchronous !== 2 || settings.foreignKeys !== 1) {
        throw new OpenProblem(
          'unsupported',
          `The session database at ${options.path} cannot be opened in its safe mode ` +
            `(SQLite reported journal_mode=${settings.journalMode}, synchronous=${settings.synchronous}, ` +
            `locking_mode=${settings.lockingMode}, foreign_keys=${settings.foreignKeys}; Pretext needs wal, 2 (FULL), exclusive, 1). ` +
            'Pretext will not record sessions without it. Keep the database on a local disk, not a network share or in memory.',
        )
      }
      if (!checked) {
        const problem = integrityProblem(db)
        if (problem) throw new OpenProblem('corrupt', corruptMessage(options.path, problem))
      }
      if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`)

      // The write transaction takes the file lock for good (EXCLUSIVE mode).
      const interrupted = db
        .transaction((): string[] => {
          this.migrate(db!)
          const ids = (db!.prepare("SELECT id FROM sessions WHERE status = 'active'").pluck().all() as string[])
          db!.prepare("UPDATE sessions SET status = 'interrupted' WHERE status = 'active'").run()
          return ids
        })
        .immediate()

      // A read-only check may have created a -shm file; in EXCLUSIVE mode
      // SQLite does not use it, and we now hold the only lock on the file.
      if (onDisk) {
        try {
          rmSync(`${options.path}-shm`, { force: true })
        } catch {
          // Tidying only: a stale index file is harmless in EXCLUSIVE mode.
        }
      }

      this.writer = db
      this.prepareStatements(db)
      return {
        health: { ok: true, message: `The session database at ${options.path} is open and healthy.` },
        settings,
        interrupted,
      }
    } catch (error) {
      try {
        db?.close()
      } catch {
        // Already failing; the first error is the one worth reporting.
      }
      if (error instanceof OpenProblem) return refuse(error)
      return refuse(this.classifyOpenError(error, options.path))
    }
  }

  /**
   * Checks that must pass before anything writes to an existing file, made on
   * a read-only connection so a damaged file is left exactly as found (a
   * writing connection would replay or discard the WAL when it closes).
   * Throws OpenProblem; keeps the read-only connection for reads when the
   * file can still be read. Returns false when the check must instead run on
   * the writing connection.
   */
  private checkBeforeWriting(path: string, connect: (readonly: boolean) => Db): boolean {
    const dbSize = fileSize(path)
    const walProblem = inspectWal(`${path}-wal`)
    if (dbSize === null || dbSize === 0) {
      // SQLite deletes a WAL that has no database beside it: keep it as evidence.
      if ((fileSize(`${path}-wal`) ?? 0) > 0) {
        throw new OpenProblem(
          'corrupt',
          corruptMessage(path, `the database file is ${dbSize === null ? 'missing' : 'empty'} but its write-ahead log ${basename(path)}-wal is still there`),
        )
      }
      return true
    }

    const headerProblem = inspectHeader(path)
    if (headerProblem) throw new OpenProblem('corrupt', corruptMessage(path, headerProblem))

    let ro: Db
    try {
      ro = connect(true)
    } catch (error) {
      throw this.classifyOpenError(error, path)
    }
    let keepReader = false
    try {
      let problem: string | null
      try {
        problem = integrityProblem(ro)
      } catch (error) {
        const code = sqliteCode(error)
        // A hot rollback journal (a crash while the file was first set up)
        // needs a writer to roll it back: the writing connection does that,
        // then runs the integrity check itself.
        if (code?.startsWith('SQLITE_READONLY')) return false
        throw this.classifyOpenError(error, path)
      }
      if (problem) {
        keepReader = true
        throw new OpenProblem('corrupt', corruptMessage(path, problem))
      }
      if (walProblem) {
        keepReader = true
        throw new OpenProblem('corrupt', corruptMessage(path, walProblem))
      }
      const userVersion = Number(ro.pragma('user_version', { simple: true }))
      const applicationId = Number(ro.pragma('application_id', { simple: true }))
      const tableCount = Number(ro.prepare('SELECT count(*) FROM sqlite_schema').pluck().get())
      if ((userVersion > 0 || tableCount > 0) && applicationId !== APPLICATION_ID) {
        throw new OpenProblem(
          'unsupported',
          `${path} is a SQLite database, but not a Pretext session database. Pretext will not write to it; choose another file or move this one aside.`,
        )
      }
      // A version no release could have written is a damaged header, not a newer Pretext.
      if (userVersion < 0 || userVersion > SCHEMA_VERSION + 1000) {
        keepReader = true
        throw new OpenProblem('corrupt', corruptMessage(path, `its header gives an impossible schema version (${userVersion})`))
      }
      if (userVersion > SCHEMA_VERSION) {
        keepReader = true
        throw new OpenProblem(
          'unsupported',
          `The session database was written by a newer Pretext (schema ${userVersion}; this version knows up to ${SCHEMA_VERSION}). ` +
            'Pretext will not write to it, so nothing is lost. Update Pretext to record sessions again.',
        )
      }
      return true
    } finally {
      if (keepReader) this.reader = ro
      else ro.close()
    }
  }

  private classifyOpenError(error: unknown, path: string): OpenProblem {
    if (error instanceof OpenProblem) return error
    const code = sqliteCode(error)
    const detail = error instanceof Error ? error.message : String(error)
    const nodeCode = (error as NodeJS.ErrnoException | undefined)?.code
    if (!code && (nodeCode === 'MODULE_NOT_FOUND' || nodeCode === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|self-register/.test(detail))) {
      // The usual cause: a better-sqlite3 binary built for Node loaded by Electron, or the reverse.
      return new OpenProblem(
        'unavailable',
        `Pretext could not load its SQLite module, so it cannot open the session database (${detail.split('\n')[0]}). ` +
          'The installation is incomplete or was built for another runtime: reinstall Pretext, or rebuild the native module for this runtime.',
      )
    }
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code?.startsWith('SQLITE_BUSY_')) {
      return new OpenProblem('locked', lockedMessage(path))
    }
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT') || /unsupported file format|malformed/i.test(detail)) {
      return new OpenProblem('corrupt', corruptMessage(path, detail))
    }
    if (code === 'SQLITE_CANTOPEN' || code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_PERM')) {
      return new OpenProblem(
        'unavailable',
        `Pretext cannot open the session database at ${path} (${detail}). Check that its folder exists and that Pretext may write there.`,
      )
    }
    if (code?.startsWith('SQLITE_IOERR')) {
      return new OpenProblem(
        'unavailable',
        `Pretext could not read the session database at ${path} (${code}: ${detail}). The disk may be failing or disconnected; copy the file somewhere safe before anything else.`,
      )
    }
    if (/directory does not exist/i.test(detail)) {
      return new OpenProblem('unavailable', `Pretext cannot open the session database at ${path}: its folder does not exist. Check the data folder setting.`)
    }
    return new OpenProblem('unavailable', `Pretext could not open the session database at ${path} (${detail.replace(/\.$/, '')}).`)
  }

  private migrate(db: Db): void {
    const from = Number(db.pragma('user_version', { simple: true }))
    if (from < 0) throw new OpenProblem('corrupt', corruptMessage(this.path, `its header gives an impossible schema version (${from})`))
    if (from > SCHEMA_VERSION) {
      throw new OpenProblem('unsupported', `The session database was written by a newer Pretext (schema ${from}; this version knows up to ${SCHEMA_VERSION}).`)
    }
    if (from === 0) {
      const tableCount = Number(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get())
      if (tableCount > 0) {
        throw new OpenProblem('unsupported', `${this.path} is a SQLite database, but not a Pretext session database. Pretext will not write to it.`)
      }
      db.pragma(`application_id = ${APPLICATION_ID}`)
    }
    for (let version = from; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!)
    }
    if (from !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }

  private prepareStatements(db: Db): void {
    const sessionHead = db.prepare('SELECT status, scenario_hash FROM sessions WHERE id = ?')
    const lastEvent = db.prepare('SELECT seq, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1')
    const insertEvent = db.prepare(
      'INSERT INTO events (session_id, seq, at, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    const headOf = (sessionId: string): { seq: number; hash: string } => {
      const cached = this.heads.get(sessionId)
      if (cached) return cached
      const session = sessionHead.get(sessionId) as { status: SessionStatus; scenario_hash: string } | undefined
      if (!session) throw new ApiError('not-found', `There is no session ${sessionId}.`)
      if (session.status !== 'active') {
        throw new ApiError('conflict', `Session ${sessionId} is ${session.status}; no more actions can be recorded in it.`)
      }
      const last = lastEvent.get(sessionId) as { seq: number; hash: string } | undefined
      return last ?? { seq: 0, hash: genesisHash(sessionId, session.scenario_hash) }
    }
    this.appendTx = db.transaction((sessionId: string, events: Iterable<SessionEvent>): AppendAck[] => {
      const head = headOf(sessionId)
      let seq = head.seq
      let prev = head.hash
      const acks: AppendAck[] = []
      // Iterated inside the transaction: a batch is stored whole or not at all.
      for (const input of events) {
        const event = validEvent(input)
        if (event.seq !== seq + 1) {
          throw new ApiError(
            'conflict',
            `Action ${event.seq} is out of order: session ${sessionId} has ${seq} action${seq === 1 ? '' : 's'} and expects action ${seq + 1} next.`,
          )
        }
        const { seq: _seq, at, type, ...payload } = event
        const payloadJson = canonicalJson(payload)
        const hash = sha256(`${prev}\n${canonicalRecord(sessionId, event.seq, at, type, payloadJson)}`)
        insertEvent.run(sessionId, event.seq, at, type, payloadJson, prev, hash)
        acks.push({ seq: event.seq, hash })
        seq = event.seq
        prev = hash
      }
      return acks
    }).immediate
  }

  // -------------------------------------------------------------------------
  // Writing

  createSession(info: NewSession): SessionInfo {
    const db = this.forWriting()
    const parsed = NewSessionSchema.safeParse(info)
    if (!parsed.success) throw new ApiError('invalid-argument', `The new session is not valid: ${describeIssues(parsed.error)}`)
    const s = parsed.data
    try {
      db.prepare(
        `INSERT INTO sessions (id, scenario_id, scenario_title, scenario_hash, engine_version, rubric_version, mode, trainee, seed, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.sessionId, s.scenarioId, s.scenarioTitle, s.scenarioHash, s.engineVersion, s.rubricVersion, s.mode, s.trainee, s.seed, s.startedAt)
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new ApiError('conflict', `A session with id ${s.sessionId} already exists.`)
      }
      throw this.translate(error)
    }
    return {
      sessionId: s.sessionId,
      scenarioId: s.scenarioId,
      scenarioHash: s.scenarioHash,
      engineVersion: s.engineVersion,
      rubricVersion: s.rubricVersion,
      mode: s.mode,
      trainee: s.trainee,
      seed: s.seed,
      startedAt: s.startedAt,
      endedAt: null,
      status: 'active',
    }
  }

  /**
   * Append one event durably. Returns after the commit has reached the disk;
   * the returned ack is what the UI may treat as saved.
   */
  appendEvent(sessionId: string, event: SessionEvent): AppendAck {
    const [ack] = this.appendEvents(sessionId, [event])
    return ack!
  }

  /** Append several events in one transaction: all of them are stored, or none. */
  appendEvents(sessionId: string, events: Iterable<SessionEvent>): AppendAck[] {
    this.forWriting()
    try {
      const acks = this.appendTx!(sessionId, events)
      // Committed: only now does the cache move.
      const last = acks[acks.length - 1]
      if (last) this.heads.set(sessionId, { seq: last.seq, hash: last.hash })
      return acks
    } catch (error) {
      this.heads.delete(sessionId)
      throw this.translate(error)
    }
  }

  /** Close an active session with its score (a cache: the events remain the truth). */
  finishSession(sessionId: string, scoreCache: unknown, score: number, compliance: Compliance, endedAt: number = this.clock()): SessionSummary {
    const db = this.forWriting()
    if (!Number.isInteger(score)) throw new ApiError('invalid-argument', `The score must be a whole number, not ${score}.`)
    if (compliance !== 'pass' && compliance !== 'fail') throw new ApiError('invalid-argument', `Compliance must be 'pass' or 'fail', not ${String(compliance)}.`)
    if (!Number.isInteger(endedAt) || endedAt < 0) throw new ApiError('invalid-argument', `The end time must be epoch milliseconds, not ${endedAt}.`)
    let cache: string
    try {
      cache = canonicalJson(scoreCache ?? null)
    } catch (error) {
      throw new ApiError('invalid-argument', `The score report cannot be stored: ${(error as Error).message}.`)
    }
    this.heads.delete(sessionId)
    try {
      db.transaction(() => {
        const row = db.prepare('SELECT status FROM sessions WHERE id = ?').get(sessionId) as { status: SessionStatus } | undefined
        if (!row) throw new ApiError('not-found', `There is no session ${sessionId}.`)
        if (row.status !== 'active') throw new ApiError('conflict', `Session ${sessionId} is already ${row.status}.`)
        db.prepare(
          "UPDATE sessions SET status = 'finished', ended_at = ?, score_cache = ?, score = ?, compliance = ? WHERE id = ?",
        ).run(endedAt, cache, score, compliance, sessionId)
      }).immediate()
    } catch (error) {
      throw this.translate(error)
    }
    const summary = this.listWhere('s.id = @id', { id: sessionId }, 1)[0]
    return summary!
  }

  // -------------------------------------------------------------------------
  // Reading (also in a refused state, where the file can still be read)

  listSessions(filter: SessionFilter = {}): SessionSummary[] {
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new ApiError('invalid-argument', `The limit must be a positive whole number, not ${limit}.`)
    const clauses: string[] = []
    const params: Record<string, unknown> = {}
    if (filter.scenarioId !== undefined) {
      clauses.push('s.scenario_id = @scenarioId')
      params.scenarioId = filter.scenarioId
    }
    if (filter.trainee !== undefined) {
      clauses.push('s.trainee = @trainee COLLATE NOCASE')
      params.trainee = filter.trainee
    }
    if (filter.status !== undefined) {
      clauses.push('s.status = @status')
      params.status = filter.status
    }
    return this.listWhere(clauses.length ? clauses.join(' AND ') : '1', params, limit)
  }

  private listWhere(where: string, params: Record<string, unknown>, limit: number): SessionSummary[] {
    const db = this.forReading()
    try {
      const rows = db
        .prepare(
          `SELECT s.*, (SELECT count(*) FROM events e WHERE e.session_id = s.id) AS event_count
           FROM sessions s WHERE ${where}
           ORDER BY s.started_at DESC, s.rowid DESC LIMIT @limit`,
        )
        .all({ ...params, limit }) as Array<SessionRow & { event_count: number }>
      return rows.map((row) => ({
        ...infoOf(row),
        scenarioTitle: row.scenario_title,
        eventCount: row.event_count,
        score: row.score,
        compliance: row.compliance,
      }))
    } catch (error) {
      throw this.translate(error)
    }
  }

  getSession(sessionId: string): StoredSession {
    const db = this.forReading()
    try {
      const row = this.sessionRow(db, sessionId)
      const events = (db.prepare('SELECT seq, at, type, payload FROM events WHERE session_id = ? ORDER BY seq').all(sessionId) as EventRow[]).map(
        (e) => ({ seq: e.seq, at: e.at, type: e.type, ...(JSON.parse(e.payload) as object) }) as SessionEvent,
      )
      return {
        info: infoOf(row),
        scenarioTitle: row.scenario_title,
        events,
        scoreCache: row.score_cache === null ? null : (JSON.parse(row.score_cache) as unknown),
        score: row.score,
        compliance: row.compliance,
      }
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** The hash of the last event, or the genesis value when there is none yet. */
  headHash(sessionId: string): string {
    const db = this.forReading()
    try {
      const row = this.sessionRow(db, sessionId)
      const last = db.prepare('SELECT hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').pluck().get(sessionId) as
        | string
        | undefined
      return last ?? genesisHash(sessionId, row.scenario_hash)
    } catch (error) {
      throw this.translate(error)
    }
  }

  /**
   * Recompute the chain and report the first event that does not fit.
   *
   * Catches any single edit, insertion, deletion or reordering of stored rows,
   * and a deletion from the middle, at the first affected seq. What it cannot
   * catch (QUALITY.md is honest about this): events cut off the end, or a tail
   * rewritten with freshly computed hashes. Only a head hash kept elsewhere
   * (a supervisor's imported bundle) catches those.
   */
  verifyChain(sessionId: string): ChainVerification {
    const db = this.forReading()
    let row: SessionRow
    let events: EventRow[]
    try {
      row = this.sessionRow(db, sessionId)
      events = db.prepare('SELECT seq, at, type, payload, prev_hash, hash FROM events WHERE session_id = ? ORDER BY seq').all(sessionId) as EventRow[]
    } catch (error) {
      throw this.translate(error)
    }
    const bad = (seq: number, message: string): ChainVerification => ({ ok: false, firstBadSeq: seq, message })

    let expectedPrev = genesisHash(sessionId, row.scenario_hash)
    let expectedSeq = 1
    for (const event of events) {
      if (event.seq > expectedSeq) {
        return bad(expectedSeq, `Event ${expectedSeq} is missing: the log jumps from event ${expectedSeq - 1} to event ${event.seq}.`)
      }
      if (event.seq < expectedSeq) {
        return bad(event.seq, `Event ${event.seq} should not exist: the log already had ${expectedSeq - 1} events before it.`)
      }
      let payload: unknown
      try {
        payload = JSON.parse(event.payload)
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object')
      } catch {
        return bad(event.seq, `Event ${event.seq} cannot be read: its stored details are not valid.`)
      }
      const hashWith = (prev: string, seq: number): string | null => {
        try {
          return hashOf(prev, sessionId, seq, event.at, event.type, payload)
        } catch {
          return null
        }
      }

      if (hashWith(expectedPrev, event.seq) === event.hash) {
        // The content chains on correctly; only the stored link field can be off.
        if (event.prev_hash !== expectedPrev) {
          return bad(event.seq, `Event ${event.seq} has been altered: its link to the event before it was changed.`)
        }
      } else if (event.prev_hash !== expectedPrev && hashWith(event.prev_hash, event.seq) === event.hash) {
        // This event is intact but was chained to a different predecessor:
        // the event before it (or the session's scenario hash, for event 1)
        // was replaced and given a freshly computed hash.
        const culprit = Math.max(1, event.seq - 1)
        return bad(
          culprit,
          event.seq === 1
            ? 'Event 1 does not belong to this session: the session record or the first event was changed.'
            : `Event ${culprit} has been replaced: event ${event.seq} was recorded after a different event ${culprit}.`,
        )
      } else if (event.seq > 1 && hashWith(event.prev_hash, event.seq - 1) === event.hash) {
        // Intact, but renumbered one place up: something was inserted before it.
        return bad(event.seq - 1, `Event ${event.seq - 1} was inserted: the event now numbered ${event.seq} was recorded as event ${event.seq - 1}.`)
      } else {
        return bad(event.seq, `Event ${event.seq} has been altered: its contents or position do not match what was recorded.`)
      }
      expectedPrev = event.hash
      expectedSeq++
    }
    const count = events.length
    return {
      ok: true,
      firstBadSeq: null,
      message: count === 0 ? 'No events recorded yet.' : `All ${count} event${count === 1 ? '' : 's'} verify.`,
    }
  }

  close(): void {
    for (const db of [this.writer, this.reader]) {
      if (db?.open) db.close()
    }
    this.writer = null
    this.reader = null
    this.appendTx = null
    this.heads.clear()
    this.state = { ok: false, reason: 'closed', message: 'The session database has been closed.' }
  }

  // -------------------------------------------------------------------------

  private sessionRow(db: Db, sessionId: string): SessionRow {
    const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow | undefined
    if (!row) throw new ApiError('not-found', `There is no session ${sessionId}.`)
    return row
  }

  private forWriting(): Db {
    if (this.writer && this.state.ok) return this.writer
    throw new ApiError('storage', this.state.message)
  }

  private forReading(): Db {
    const db = this.writer ?? this.reader
    if (db) return db
    throw new ApiError('storage', this.state.message)
  }

  /** Turn a failure into an ApiError whose message a person can act on. */
  private translate(error: unknown): unknown {
    if (error instanceof ApiError) return error
    const code = sqliteCode(error)
    if (!code) return error
    const detail = (error as Error).message
    if (code === 'SQLITE_FULL') return new ApiError('storage', DISK_FULL_MESSAGE)
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      // Damage found while running: stop writing from here on.
      this.state = { ok: false, reason: 'corrupt', message: corruptMessage(this.path, detail) }
      return new ApiError('storage', this.state.message)
    }
    if (code.startsWith('SQLITE_IOERR')) {
      return new ApiError(
        'storage',
        `The session database could not be written to disk (${code}), so the last action was not saved. ` +
          'Check that the disk is connected and has free space, then try again.',
      )
    }
    if (code.startsWith('SQLITE_READONLY')) {
      return new ApiError('storage', `The session database at ${this.path} has become read-only, so the last action was not saved.`)
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new ApiError('storage', lockedMessage(this.path))
    if (code.startsWith('SQLITE_CONSTRAINT')) return new ApiError('conflict', `The session database refused the change: ${detail}.`)
    return new ApiError('storage', `The session database reported an error (${code}: ${detail}).`)
  }
}

function infoOf(row: SessionRow): SessionInfo {
  return {
    sessionId: row.id,
    scenarioId: row.scenario_id,
    scenarioHash: row.scenario_hash,
    engineVersion: row.engine_version,
    rubricVersion: row.rubric_version,
    mode: row.mode,
    trainee: row.trainee,
    seed: row.seed,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
  }
}

function validEvent(input: unknown): SessionEvent {
  try {
    return parseSessionEvent(input)
  } catch (error) {
    const seq = typeof input === 'object' && input !== null ? (input as { seq?: unknown }).seq : undefined
    const what = typeof seq === 'number' ? `Action ${seq}` : 'The action'
    const detail = error instanceof z.ZodError ? describeIssues(error) : (error as Error).message
    throw new ApiError('invalid-argument', `${what} is not valid: ${detail}`)
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ')
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined
}

/** The first problem integrity_check reports, on one line, or null when it says ok. */
function integrityProblem(db: Db): string | null {
  const lines = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
    .flatMap((row) => row.integrity_check.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'ok' && !line.startsWith('***'))
  if (lines.length === 0) return null
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''})` : ''
  return `${lines[0]}${more}`
}

/**
 * The header fields SQLite would otherwise turn into a misleading error (a
 * damaged write-version byte makes the file look merely read-only).
 */
function inspectHeader(path: string): string | null {
  const header = Buffer.alloc(100)
  const fd = openSync(path, 'r')
  let read: number
  try {
    read = readSync(fd, header, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  if (read < 100) return `the file is ${read} bytes long, shorter than a database header`
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return 'file is not a database (its header is not a SQLite header)'
  const writeVersion = header[18]!
  const readVersion = header[19]!
  if (writeVersion < 1 || writeVersion > 2 || readVersion < 1 || readVersion > 2) {
    return `its header is damaged (file format versions ${writeVersion}/${readVersion})`
  }
  return null
}

/** Size in bytes, or null when the file does not exist. */
function fileSize(path: string): number | null {
  try {
    return statSync(path).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/**
 * Check a -wal file's header without SQLite. SQLite silently ignores a WAL
 * whose header is invalid and overwrites it on the next write, so a damaged
 * log would lose its committed events without a word. Returns what is wrong,
 * or null when there is no log or its header is sound. (Frames after a valid
 * header are SQLite's business: a torn last frame after a crash is normal.)
 */
export function inspectWal(walPath: string): string | null {
  let fd: number
  try {
    fd = openSync(walPath, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    return `its write-ahead log ${basename(walPath)} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
  try {
    const size = fstatSync(fd).size
    if (size === 0) return null
    const name = basename(walPath)
    if (size < 32) return `its write-ahead log ${name} is ${size} bytes long, too short to be a log`
    const header = Buffer.alloc(32)
    readSync(fd, header, 0, 32, 0)
    const magic = header.readUInt32BE(0)
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return `its write-ahead log ${name} is not a SQLite log (bad magic number)`
    if (header.readUInt32BE(4) !== 3007000) return `its write-ahead log ${name} has an unknown format version`
    const pageSize = header.readUInt32BE(8)
    const validPageSize = pageSize === 1 || (pageSize >= 512 && pageSize <= 32768 && (pageSize & (pageSize - 1)) === 0)
    if (!validPageSize) return `its write-ahead log ${name} has an impossible page size`
    // SQLite's WAL checksum over the first 24 header bytes; the low bit of
    // the magic number says whether words are read big- or little-endian.
    const word = (offset: number) => ((magic & 1) === 1 ? header.readUInt32BE(offset) : header.readUInt32LE(offset))
    let s1 = 0
    let s2 = 0
    for (let offset = 0; offset < 24; offset += 8) {
      s1 = (s1 + word(offset) + s2) >>> 0
      s2 = (s2 + word(offset + 4) + s1) >>> 0
    }
    if (s1 !== header.readUInt32BE(24) || s2 !== header.readUInt32BE(28)) return `its write-ahead log ${name} has a damaged header (checksum mismatch)`
    return null
  } finally {
    closeSync(fd)
  }
}
