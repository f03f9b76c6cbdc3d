import { createHash, hash as digest, randomBytes } from 'node:crypto'
import { closeSync, copyFileSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
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
import { canonicalJson, canonicalJsonOfShape } from './canonicalJson'

/**
 * The durable session log (ARCHITECTURE.md, Storage; QUALITY.md, Promises).
 *
 * One process writes: the connection runs in EXCLUSIVE locking mode and takes
 * the write lock at open, so a second Pretext on the same file is turned away
 * with a message instead of interleaving writes. Every append is its own
 * transaction in WAL mode with synchronous=FULL, and appendEvent returns only
 * after COMMIT has fsynced the log: its return value is the acknowledgement the
 * UI waits for. Events are append-only (triggers) and hash-chained from a
 * first link that commits to every session field; finishing seals the call
 * (count, head, score, compliance, report). verifyChain, and every row of
 * listSessions, reports the first step an edit made behind the app's back
 * affects. A -wal that is not this database's latest log is refused before
 * SQLite can apply it (checkWalBelongs).
 *
 * What this cannot do (QUALITY.md is plain about it): the trainee owns the
 * disk, so a chain rewritten wholesale, a deleted session or a whole file
 * rolled back is caught only by a head kept elsewhere (a supervisor's import).
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
  /** Each time the call was taken up again after an interruption, in order. */
  resumes: Resume[]
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
export const MIGRATIONS: readonly string[] = [
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
  // 2: every session field in the chain, a seal at the end of a finished
  // call, and the store's identity (for refusing a foreign or stale -wal).
  //
  // Existing databases are migrated, not refused: their sessions stay
  // readable and their chains still verify (chain_version 1: the old genesis,
  // sessionId + scenario hash). But those sessions are never given a verdict
  // (no seal, so no score in lists and no report): sealing them now would
  // vouch for whatever the file holds at upgrade time, which may already have
  // been edited, and their first link does not commit to the trainee or mode.
  // Refusing the file would stop the app for data that is still worth reading.
  `
  ALTER TABLE sessions ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE sessions ADD COLUMN genesis_hash TEXT;
  ALTER TABLE sessions ADD COLUMN sealed_count INTEGER;
  ALTER TABLE sessions ADD COLUMN sealed_head TEXT;
  ALTER TABLE sessions ADD COLUMN seal_hash TEXT;

  DROP TRIGGER sessions_fixed_columns;
  CREATE TRIGGER sessions_fixed_columns BEFORE UPDATE ON sessions
  WHEN NEW.id IS NOT OLD.id OR NEW.scenario_id IS NOT OLD.scenario_id
    OR NEW.scenario_title IS NOT OLD.scenario_title OR NEW.scenario_hash IS NOT OLD.scenario_hash
    OR NEW.engine_version IS NOT OLD.engine_version OR NEW.rubric_version IS NOT OLD.rubric_version
    OR NEW.mode IS NOT OLD.mode OR NEW.trainee IS NOT OLD.trainee OR NEW.seed IS NOT OLD.seed
    OR NEW.started_at IS NOT OLD.started_at OR NEW.chain_version IS NOT OLD.chain_version
    OR NEW.genesis_hash IS NOT OLD.genesis_hash
  BEGIN SELECT RAISE(ABORT, 'only the status, end time and score of a session can change'); END;

  -- One row: how many times this store has started a write-ahead log
  -- generation, and whether it was last closed cleanly. Read from the main
  -- file alone and through the -wal, it tells a log of ours from a stale one.
  CREATE TABLE store_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed'))
  ) STRICT;
  INSERT INTO store_state VALUES (1, 0, 'open');
  `,
  // 3: resuming an interrupted call. Each resume is a link of the chain
  // between the last acknowledged event and the next one (the next event
  // chains on it, a seal on the last one), so it cannot be dropped or
  // invented without the record showing it. They are kept as a JSON list on
  // the session row, not in a table of their own: the schema must stay on
  // page 1 with the store's identity (checkWalBelongs), which is also why the
  // fixed-columns trigger is rewritten here with row values (same rule, fewer
  // bytes). An interrupted session may go back to active, and only that way.
  `
  ALTER TABLE sessions ADD COLUMN resumes TEXT;
  DROP TRIGGER sessions_fixed_columns;
  CREATE TRIGGER sessions_fixed_columns BEFORE UPDATE ON sessions
  WHEN (NEW.id, NEW.scenario_id, NEW.scenario_title, NEW.scenario_hash, NEW.engine_version, NEW.rubric_version, NEW.mode,
    NEW.trainee, NEW.seed, NEW.started_at, NEW.chain_version, NEW.genesis_hash) IS NOT (OLD.id, OLD.scenario_id,
    OLD.scenario_title, OLD.scenario_hash, OLD.engine_version, OLD.rubric_version, OLD.mode, OLD.trainee, OLD.seed,
    OLD.started_at, OLD.chain_version, OLD.genesis_hash)
  BEGIN SELECT RAISE(ABORT, 'only the status, end time and score of a session can change'); END;
  DROP TRIGGER sessions_closed;
  CREATE TRIGGER sessions_closed BEFORE UPDATE ON sessions
  WHEN OLD.status <> 'active' AND NOT (OLD.status = 'interrupted' AND NEW.status = 'active' AND NEW.seal_hash IS NULL)
  BEGIN SELECT RAISE(ABORT, 'a finished or interrupted session cannot change'); END;
  `,
  // 4: the seal also commits to the log's digest (logDigestOf): one hash over
  // the exact stored bytes of every event, the first link and the resumes, so
  // a record can be checked whole with one hash instead of one per event.
  // Null for calls sealed before, and for a call whose log did not verify
  // when it was sealed: those are checked link by link, as before.
  `
  ALTER TABLE sessions ADD COLUMN log_digest TEXT;
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length
/** 'PrTx' in the file header, so a stray SQLite file is not mistaken for ours. */
const APPLICATION_ID = 0x50725478
const DEFAULT_LIST_LIMIT = 1000
/**
 * Commits between checkpoints. SQLite's own automatic checkpoint is off, so
 * that every write-ahead log generation begins with the store's identity
 * write (startGeneration): 500 small commits is roughly SQLite's default of
 * 1,000 pages.
 */
const CHECKPOINT_EVERY = 500
/**
 * SQLite's page cache for the connection, in KiB (its default here is
 * 16,000). The operating system caches the file as well; half the default
 * keeps every index's upper pages in memory and main's resident size lower.
 */
const PAGE_CACHE_KIB = 8_000
/** The view whose name is the store's identity (in the schema, rewritten at the start of every log generation). */
const STORE_ID_PREFIX = 'pretext_store_'

// ---------------------------------------------------------------------------
// The hash chain

/** The chain rule new sessions are recorded with (see migration 2). */
export const CHAIN_VERSION = 2

/**
 * prev_hash of event 1 (and the head of a session with no events yet): binds
 * the chain to every field of its session (trainee, mode, scenario id, title
 * and exact file, seed, engine and rubric versions, start time), so editing
 * any of them, or swapping them between sessions, breaks the chain at its start.
 */
export function genesisHash(session: NewSession): string {
  return sha256(`pretext-session-v${CHAIN_VERSION}\n${genesisText(session)}`)
}

/** The session fields the first link commits to. */
const GENESIS_FIELDS = [
  'sessionId', 'scenarioId', 'scenarioTitle', 'scenarioHash', 'engineVersion', 'rubricVersion', 'mode', 'trainee', 'seed', 'startedAt',
] as const satisfies ReadonlyArray<keyof NewSession>
const genesisJson = canonicalJsonOfShape(GENESIS_FIELDS)

/** canonicalJson of the session's fields (every record check takes it, so their keys are sorted once). */
export function genesisText(s: NewSession): string {
  return genesisJson(Object.fromEntries(GENESIS_FIELDS.map((field) => [field, s[field]])) as Pick<NewSession, (typeof GENESIS_FIELDS)[number]>)
}

/** The genesis of chain_version 1 sessions (before migration 2): only the id and the scenario file. */
export function legacyGenesisHash(sessionId: string, scenarioHash: string): string {
  return sha256(`${sessionId}\n${scenarioHash}`)
}

/** What a seal commits to, besides the head it chains on. */
export interface Seal {
  eventCount: number
  endedAt: number
  score: number
  compliance: Compliance
  /** The stored score report, as its canonical JSON text. */
  reportJson: string
  /** The log's digest (logDigestOf), for calls sealed since migration 4 whose log verified; null otherwise. */
  logDigest: string | null
}

/**
 * The seal: the last link of a finished call, hashed like an event record
 * (seq n+1, type 'seal') chained on the head, committing to the event count,
 * the head hash, the end time, the score, the compliance, the whole report
 * and, when there is one, the log's digest (a seal without one is exactly
 * the seal earlier versions wrote).
 */
export function sealHash(headHash: string, sessionId: string, seal: Seal): string {
  const { reportJson, ...rest } = seal
  return sealHashOf(headHash, sessionId, { ...rest, reportHash: reportHashOf(reportJson) })
}

/** The hash of the stored report's text, as the seal commits to it. */
export function reportHashOf(reportJson: string): string {
  return sha256(reportJson)
}

/** The seal from the report's hash rather than its text: for checks that hold the hash (review's index). */
export function sealHashOf(headHash: string, sessionId: string, seal: Omit<Seal, 'reportJson'> & { reportHash: string }): string {
  const { compliance, eventCount, reportHash, score, logDigest } = seal
  // A seal without a digest is the shape earlier versions wrote (canonicalJson writes it, off the fast path).
  const payload = sealJson({ compliance, eventCount, head: headHash, reportHash, score, ...(logDigest === null ? {} : { logDigest }) })
  return sha256(`${headHash}\n${canonicalRecord(sessionId, seal.eventCount + 1, seal.endedAt, 'seal', payload)}`)
}

const sealJson = canonicalJsonOfShape(['compliance', 'eventCount', 'head', 'logDigest', 'reportHash', 'score'])

/** A resume: the call went on after `afterSeq` events, having been cut short after them. */
export interface Resume {
  /** 1 for the first resume of the session, 2 for the next... */
  n: number
  afterSeq: number
  /** When the last acknowledged decision before the interruption was made (the call's start if none). */
  interruptedAt: number
  resumedAt: number
}

/** A resume's link, hashed like an event record (seq = afterSeq, type 'resumed') chained on the head before it. */
export function resumeHash(headHash: string, sessionId: string, resume: Resume): string {
  const payload = canonicalJson({ interruptedAt: resume.interruptedAt, n: resume.n })
  return sha256(`${headHash}\n${canonicalRecord(sessionId, resume.afterSeq, resume.resumedAt, 'resumed', payload)}`)
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
  return `{"at":${numberJson(at)},"payload":${payloadJson},"seq":${numberJson(seq)},"sessionId":${JSON.stringify(sessionId)},"type":${JSON.stringify(type)}}`
}

/**
 * The log's text, for many sessions at once: every stored byte of every
 * event (number, time, type, details, both links), in order. Each field is
 * written as its length in bytes, a colon and the field, so the text reads
 * back one way only and no byte is left out (quote() would stop at a NUL).
 * One definition, here: the seal's digest is taken over what this statement
 * returns, and every check reads the same statement.
 */
export const LOG_TEXT_SQL = `SELECT session_id, count(*) AS events, group_concat(${['seq', 'at', 'type', 'payload', 'prev_hash', 'hash']
  .map((column) => `octet_length(${column}) || ':' || ${column}`)
  .join(' || ')}, char(10) ORDER BY seq) AS log
  FROM events WHERE session_id IN (SELECT value FROM json_each(?)) GROUP BY session_id`

/**
 * The digest a seal commits to: one hash over the session's first link, its
 * resumes as stored and its log's text (LOG_TEXT_SQL). Equal digests mean the
 * record's bytes are the ones sealed; the writer seals a digest only after
 * the log verified link by link, so those bytes were a sound chain.
 */
export function logDigestOf(sessionId: string, genesis: string, resumes: string | null, logText: string | null): string {
  // Fed in parts: the log's text is not copied into one more string first.
  return createHash('sha256').update(`pretext-log-v1\n${sessionId}\n${genesis}\n${resumes ?? ''}\n`).update(logText ?? '').digest('hex')
}

/**
 * A number as canonicalJson writes it: a finite one as String writes it (the
 * same text as JSON.stringify), anything else through canonicalJson, which
 * refuses it. Every event is hashed through here, on append and on every
 * check of a list, so the common case stays a plain conversion.
 */
function numberJson(n: number): string {
  return Number.isFinite(n) ? String(n) : canonicalJson(n)
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

/** A row of the sessions table, as SQLite returns it (the review index reads the same columns). */
export interface SessionRow {
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
  /** Absent when the row comes from a schema-1 file read as it is. */
  chain_version?: number
  genesis_hash: string | null
  sealed_count: number | null
  sealed_head: string | null
  seal_hash: string | null
  /** JSON list of the resumes (migration 3); null when the call was never resumed. */
  resumes: string | null
  /** The digest the seal commits to (migration 4); null before, and for a log that did not verify when sealed. */
  log_digest: string | null
}

interface EventRow {
  seq: number
  at: number
  type: string
  payload: string
  prev_hash: string
  hash: string
}

/** A resume as the session row keeps it (its `resumes` JSON list): the link and what it commits to. */
interface ResumeRow extends Resume {
  prevHash: string
  hash: string
}

/** The session row's resumes, in order; an unreadable list reads as a list that cannot verify. */
function resumesOf(json: string | null | undefined): ResumeRow[] | null {
  if (json === null || json === undefined) return []
  try {
    const list: unknown = JSON.parse(json)
    return Array.isArray(list) ? (list as ResumeRow[]) : null
  } catch {
    return null
  }
}

/** The link the next event chains on after `seq` events: the last resume after them, if any. */
function lastResumeAfter(json: string | null | undefined, seq: number): string | undefined {
  return resumesOf(json)?.filter((r) => r.afterSeq === seq).at(-1)?.hash
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
  /** Commits since the last checkpoint (see CHECKPOINT_EVERY). */
  private commits = 0
  /** The name of this store's identity view (see startGeneration); set at open. */
  private storeId = ''

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
    // One way to connect (the same native module everywhere); `file` only for the WAL check's copy.
    const connect = (readonly: boolean, file: string = options.path): Db =>
      new Database(file, { readonly, fileMustExist: readonly, timeout, nativeBinding: options.nativeBinding })
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
      // Checkpoints are the store's own (checkpointWhenDue), so each log generation starts with its identity.
      db.pragma('wal_autocheckpoint = 0')
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`)
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
      // A log left by a crash (checked above to be ours) is copied in first, so
      // the generation written below starts a new log: every log then holds at
      // most one generation more than the main file (checkWalBelongs relies on it).
      // If the copy stops short, the old log goes on, already carrying its identity.
      const newLog = !onDisk || (fileSize(`${options.path}-wal`) ?? 0) === 0 || checkpointFully(db)

      // The write transaction takes the file lock for good (EXCLUSIVE mode).
      const interrupted = db
        .transaction((): string[] => {
          this.migrate(db!)
          const ids = (db!.prepare("SELECT id FROM sessions WHERE status = 'active'").pluck().all() as string[])
          db!.prepare("UPDATE sessions SET status = 'interrupted' WHERE status = 'active'").run()
          const identity = readIdentity(db!)
          if (identity && identity.storeIds.length > 1) {
            throw new OpenProblem('corrupt', corruptMessage(options.path, 'it holds more than one store identity, as if two databases had been mixed'))
          }
          this.storeId = identity?.storeId ?? newStoreId()
          if (identity?.storeId === null) db!.exec(`CREATE VIEW ${this.storeId} AS SELECT 1`)
          if (newLog) startGeneration(db!, this.storeId)
          else db!.prepare("UPDATE store_state SET state = 'open' WHERE id = 1").run()
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
  private checkBeforeWriting(path: string, connect: (readonly: boolean, file?: string) => Db): boolean {
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
      // Before anything reads through it: a log that is not this database's
      // would show (and, on the writer's close, write) another database's pages.
      if (!walProblem && (fileSize(`${path}-wal`) ?? 0) > 0) checkWalBelongs(path, ro, (copy) => connect(true, copy))
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
    const sessionHead = db.prepare('SELECT status, genesis_hash, resumes FROM sessions WHERE id = ?')
    const lastEvent = db.prepare('SELECT seq, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1')
    const insertEvent = db.prepare(
      'INSERT INTO events (session_id, seq, at, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    const headOf = (sessionId: string): { seq: number; hash: string } => {
      const cached = this.heads.get(sessionId)
      if (cached) return cached
      const session = sessionHead.get(sessionId) as { status: SessionStatus; genesis_hash: string | null; resumes: string | null } | undefined
      if (!session) throw new ApiError('not-found', `There is no session ${sessionId}.`)
      if (session.status !== 'active') {
        throw new ApiError('conflict', `Session ${sessionId} is ${session.status}; no more actions can be recorded in it.`)
      }
      // Only sessions created since migration 2 can be active (opening marks the rest interrupted).
      if (session.genesis_hash === null) throw new ApiError('conflict', `Session ${sessionId} was recorded by an earlier Pretext; no more actions can be recorded in it.`)
      const last = (lastEvent.get(sessionId) as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: session.genesis_hash }
      const resumed = lastResumeAfter(session.resumes, last.seq)
      return resumed === undefined ? last : { seq: last.seq, hash: resumed }
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
        `INSERT INTO sessions (id, scenario_id, scenario_title, scenario_hash, engine_version, rubric_version, mode, trainee, seed, started_at, chain_version, genesis_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.sessionId, s.scenarioId, s.scenarioTitle, s.scenarioHash, s.engineVersion, s.rubricVersion, s.mode, s.trainee, s.seed, s.startedAt, CHAIN_VERSION, genesisHash(s))
      this.commits++
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
      this.commits++
      this.checkpointWhenDue()
      return acks
    } catch (error) {
      this.heads.delete(sessionId)
      throw this.translate(error)
    }
  }

  /**
   * Every CHECKPOINT_EVERY commits: copy the log into the database, and make
   * the identity write the first transaction of the log generation that
   * follows. Best effort: a failed checkpoint loses nothing (the log keeps
   * the data) and is tried again after the next commits.
   */
  private checkpointWhenDue(): void {
    if (this.commits < CHECKPOINT_EVERY || !this.writer) return
    this.commits = 0
    const db = this.writer
    try {
      // Only after a complete copy does the next write start a new log; otherwise keep this one.
      if (checkpointFully(db)) db.transaction(() => startGeneration(db, this.storeId)).immediate()
    } catch {
      // The next due checkpoint tries again; appends report their own failures.
    }
  }

  /**
   * Take up an interrupted call again: it becomes active, and the resume is
   * recorded as a link of its chain after the last acknowledged event.
   */
  resumeSession(sessionId: string, resumedAt: number = this.clock()): SessionInfo {
    const db = this.forWriting()
    if (!Number.isInteger(resumedAt) || resumedAt < 0) throw new ApiError('invalid-argument', `The resume time must be epoch milliseconds, not ${resumedAt}.`)
    this.heads.delete(sessionId)
    try {
      const info = db.transaction((): SessionInfo => {
        const row = this.sessionRow(db, sessionId)
        if (row.status !== 'interrupted') {
          throw new ApiError('conflict', row.status === 'finished' ? `Session ${sessionId} has ended; it cannot be resumed.` : `Session ${sessionId} is not interrupted; there is nothing to resume.`)
        }
        if (row.genesis_hash === null) throw new ApiError('conflict', `Session ${sessionId} was recorded by an earlier Pretext; it cannot be resumed.`)
        const last = db.prepare('SELECT seq, at, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId) as
          | { seq: number; at: number; hash: string }
          | undefined
        const afterSeq = last?.seq ?? 0
        const earlier = resumesOf(row.resumes)
        if (!earlier) throw new ApiError('conflict', `Session ${sessionId} has an unreadable record of its resumes; it cannot be resumed.`)
        const prev = lastResumeAfter(row.resumes, afterSeq) ?? last?.hash ?? row.genesis_hash
        const resume: Resume = { n: earlier.length + 1, afterSeq, interruptedAt: last?.at ?? row.started_at, resumedAt: Math.max(resumedAt, last?.at ?? 0) }
        const hash = resumeHash(prev, sessionId, resume)
        const resumes: ResumeRow[] = [...earlier, { ...resume, prevHash: prev, hash }]
        db.prepare("UPDATE sessions SET status = 'active', resumes = ? WHERE id = ?").run(JSON.stringify(resumes), sessionId)
        this.heads.set(sessionId, { seq: afterSeq, hash })
        return { ...infoOf(row), status: 'active' }
      }).immediate()
      this.commits++
      this.checkpointWhenDue()
      return info
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
        const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(sessionId) as SessionRow | undefined
        if (!row) throw new ApiError('not-found', `There is no session ${sessionId}.`)
        if (row.status !== 'active') throw new ApiError('conflict', `Session ${sessionId} is already ${row.status}.`)
        if (row.genesis_hash === null) throw new ApiError('conflict', `Session ${sessionId} was recorded by an earlier Pretext and cannot be sealed.`)
        const events = db.prepare('SELECT seq, at, type, payload, prev_hash, hash FROM events WHERE session_id = ? ORDER BY seq').all(sessionId) as EventRow[]
        const last = events.at(-1)
        const eventCount = last?.seq ?? 0
        const head = lastResumeAfter(row.resumes, eventCount) ?? last?.hash ?? row.genesis_hash
        // The digest vouches for the stored bytes, so it is sealed only over a log that verifies link by
        // link now. A log changed during the call is sealed without one, and every check of it walks
        // the chain and finds the change where it is.
        const logDigest = verifyRecord(row, events, null).ok ? this.logDigests(db, [row])[0]! : null
        const seal = sealHash(head, sessionId, { eventCount, endedAt, score, compliance, reportJson: cache, logDigest })
        db.prepare(
          `UPDATE sessions SET status = 'finished', ended_at = ?, score_cache = ?, score = ?, compliance = ?,
             sealed_count = ?, sealed_head = ?, seal_hash = ?, log_digest = ? WHERE id = ?`,
        ).run(endedAt, cache, score, compliance, eventCount, head, seal, logDigest, sessionId)
      }).immediate()
      this.commits++
    } catch (error) {
      throw this.translate(error)
    }
    this.checkpointWhenDue()
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
        .prepare(`SELECT s.* FROM sessions s WHERE ${where} ORDER BY s.started_at DESC, s.rowid DESC LIMIT @limit`)
        .all({ ...params, limit }) as SessionRow[]
      // Each row is verified as it is listed (chain, session fields, seal):
      // nothing shown comes from a column the chain does not vouch for.
      const records = this.verifySessions(rows)
      return rows.map((row, i) => {
        const { verification, eventCount } = records[i]!
        const trusted = verification.ok && verification.sealed
        return {
          ...infoOf(row),
          scenarioTitle: row.scenario_title,
          eventCount,
          score: trusted ? row.score : null,
          compliance: trusted ? row.compliance : null,
          verification,
        }
      })
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
      const resumes = (resumesOf(row.resumes) ?? []).map((r) => ({ n: r.n, afterSeq: r.afterSeq, interruptedAt: r.interruptedAt, resumedAt: r.resumedAt }))
      return {
        info: infoOf(row),
        scenarioTitle: row.scenario_title,
        events,
        resumes,
        scoreCache: row.score_cache === null ? null : (JSON.parse(row.score_cache) as unknown),
        score: row.score,
        compliance: row.compliance,
      }
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** Whose session it is (role checks ask before every call action, so one indexed read). */
  traineeOf(sessionId: string): string {
    const db = this.forReading()
    let trainee: string | undefined
    try {
      if (this.traineeStatement?.db !== db) this.traineeStatement = { db, statement: db.prepare('SELECT trainee FROM sessions WHERE id = ?').pluck() }
      trainee = this.traineeStatement.statement.get(sessionId) as string | undefined
    } catch (error) {
      throw this.translate(error)
    }
    if (trainee === undefined) throw new ApiError('not-found', `There is no session ${sessionId}.`)
    return trainee
  }

  private traineeStatement: { db: Db; statement: Database.Statement } | null = null

  /** The hash of the last event, or the genesis value when there is none yet. */
  headHash(sessionId: string): string {
    const db = this.forReading()
    try {
      const row = this.sessionRow(db, sessionId)
      const last = db.prepare('SELECT seq, hash FROM events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId) as
        | { seq: number; hash: string }
        | undefined
      return lastResumeAfter(row.resumes, last?.seq ?? 0) ?? last?.hash ?? expectedGenesis(row)
    } catch (error) {
      throw this.translate(error)
    }
  }

  /**
   * Check a session's whole record: its fields against the first link, every
   * event against the chain, and, for a finished call, the seal against the
   * head, the event count and the stored score. Reports the first affected
   * step. The score itself is recomputed from the events by the sessions
   * service, which compares it with the sealed one.
   */
  verifyChain(sessionId: string): ChainVerification {
    let row: SessionRow
    try {
      row = this.sessionRow(this.forReading(), sessionId)
    } catch (error) {
      throw this.translate(error)
    }
    return this.verifySessions([row])[0]!.verification
  }

  /**
   * verifyChain for many sessions at once, from their session rows (as a
   * list reads them), in the order given. A call sealed with a digest is
   * checked whole: its log's text for all such rows in one read
   * (LOG_TEXT_SQL), one hash per record, and its seal. Any other record,
   * and any whose digest does not match, is walked link by link (its events
   * in one read of the (session_id, seq) index, every event re-hashed), which
   * finds the first affected step.
   */
  verifySessions(rows: readonly SessionRow[]): CheckedRecord[] {
    if (!rows.length) return []
    const db = this.forReading()
    const out = new Map<string, CheckedRecord>()
    try {
      const digested = rows.filter(checkedWhole)
      const texts = digested.length ? this.logTexts(db, digested) : new Map<string, LogText>()
      const walk: SessionRow[] = []
      for (const row of digested) {
        const whole = verifyDigest(row, texts.get(row.id))
        if (whole) out.set(row.id, whole)
        else walk.push(row)
      }
      for (const row of rows) if (!checkedWhole(row)) walk.push(row)
      if (walk.length) {
        const bySession = new Map<string, EventRow[]>()
        for (const e of this.eventsOfMany(db).all(JSON.stringify(walk.map((r) => r.id))) as Array<EventRow & { session_id: string }>) {
          const list = bySession.get(e.session_id)
          if (list) list.push(e)
          else bySession.set(e.session_id, [e])
        }
        for (const row of walk) {
          const own = bySession.get(row.id) ?? []
          out.set(row.id, { verification: verifyRecord(row, own, texts.get(row.id)?.log ?? null), eventCount: own.length, reportHash: null })
        }
      }
    } catch (error) {
      throw this.translate(error)
    }
    return rows.map((row) => out.get(row.id)!)
  }

  /** The events statement behind a walk of many records, exactly as it runs. */
  static readonly EVENTS_OF_MANY_SQL =
    'SELECT session_id, seq, at, type, payload, prev_hash, hash FROM events WHERE session_id IN (SELECT value FROM json_each(?)) ORDER BY session_id, seq'

  private eventsOfManyStatement: { db: Db; statement: Database.Statement } | null = null
  private logTextStatement: { db: Db; statement: Database.Statement } | null = null

  private eventsOfMany(db: Db): Database.Statement {
    if (this.eventsOfManyStatement?.db !== db) this.eventsOfManyStatement = { db, statement: db.prepare(SessionStore.EVENTS_OF_MANY_SQL) }
    return this.eventsOfManyStatement.statement
  }

  /** The log's text (LOG_TEXT_SQL) of these sessions, by id; a session with no events has none. */
  private logTexts(db: Db, rows: readonly SessionRow[]): Map<string, LogText> {
    if (this.logTextStatement?.db !== db) this.logTextStatement = { db, statement: db.prepare(LOG_TEXT_SQL) }
    const texts = new Map<string, LogText>()
    for (const t of this.logTextStatement.statement.all(JSON.stringify(rows.map((r) => r.id))) as Array<LogText & { session_id: string }>) {
      texts.set(t.session_id, t)
    }
    return texts
  }

  /** The digest of each row's record as it now stands (logDigestOf), in order. */
  private logDigests(db: Db, rows: readonly SessionRow[]): string[] {
    const texts = this.logTexts(db, rows)
    return rows.map((row) => logDigestOf(row.id, row.genesis_hash ?? '', row.resumes, texts.get(row.id)?.log ?? null))
  }

  close(): void {
    if (this.writer?.open && this.state.ok) {
      try {
        // Marked closed before the final checkpoint: a -wal found beside a
        // cleanly closed database cannot be this store's (checkWalBelongs).
        this.writer.prepare("UPDATE store_state SET state = 'closed' WHERE id = 1").run()
      } catch {
        // Closing anyway; the next open treats the store as not closed cleanly.
      }
    }
    for (const db of [this.writer, this.reader]) {
      if (db?.open) db.close()
    }
    this.writer = null
    this.reader = null
    this.appendTx = null
    this.eventsOfManyStatement = null
    this.logTextStatement = null
    this.traineeStatement = null
    this.heads.clear()
    this.state = { ok: false, reason: 'closed', message: 'The session database has been closed.' }
  }

  /**
   * The connection other stores keeping their own tables in this database
   * (review) go through, so the file keeps one writer. Throws
   * ApiError('storage') with the reason when the store is refused.
   */
  connection(purpose: 'write' | 'read'): Db {
    return purpose === 'write' ? this.forWriting() : this.forReading()
  }

  /** A failure on that connection in words a person can act on (disk full, read-only, damaged), as the store's own. */
  explainFailure(error: unknown): unknown {
    return this.translate(error)
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

/** The genesis a row's chain must start from, recomputed from its fields. */
function expectedGenesis(row: SessionRow): string {
  if (chainVersionOf(row) === 1) return legacyGenesisHash(row.id, row.scenario_hash)
  return genesisHash({ ...infoOf(row), scenarioTitle: row.scenario_title })
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** A row read from a schema-1 file (a refused store reads files as they are) has no chain_version column. */
function chainVersionOf(row: SessionRow): number {
  return row.chain_version ?? 1
}

/** A record's check, with its event count and, when the seal was checked whole, the report hash it commits to. */
export interface CheckedRecord {
  verification: ChainVerification
  eventCount: number
  /** The report hash the seal commits to, when the record was checked whole by its digest; null otherwise. */
  reportHash: string | null
}

/** A record its seal lets be checked whole, by the digest of its log (verifyDigest); any other is walked link by link. */
export function checkedWhole(row: Pick<SessionRow, 'seal_hash' | 'log_digest'>): boolean {
  return row.seal_hash !== null && row.log_digest !== null
}

/** A session's log as LOG_TEXT_SQL reads it. */
export interface LogText {
  events: number
  log: string
}

/**
 * The whole-record check of a call sealed with a digest: the session fields
 * against the first link, one hash over the stored bytes against the digest,
 * and the seal over the digest, the head, the count and the score. Null when
 * anything differs: the record is then walked link by link, which says where.
 */
export function verifyDigest(row: SessionRow, text: LogText | undefined): CheckedRecord | null {
  const count = text?.events ?? 0
  if (chainVersionOf(row) !== CHAIN_VERSION || row.genesis_hash === null || row.genesis_hash !== expectedGenesis(row)) return null
  if (row.status !== 'finished' || row.sealed_count !== count || row.sealed_head === null || row.log_digest === null) return null
  if (row.ended_at === null || row.score === null || row.compliance === null || row.score_cache === null) return null
  if (logDigestOf(row.id, row.genesis_hash, row.resumes, text?.log ?? null) !== row.log_digest) return null
  const reportHash = reportHashOf(row.score_cache)
  const seal = { eventCount: count, endedAt: row.ended_at, score: row.score, compliance: row.compliance, reportHash, logDigest: row.log_digest }
  if (sealHashOf(row.sealed_head, row.id, seal) !== row.seal_hash) return null
  return {
    verification: { ok: true, sealed: true, firstBadSeq: null, message: `${logsVerify(count)}, and so does the seal on the score.` },
    eventCount: count,
    reportHash,
  }
}

function logsVerify(count: number): string {
  return count === 0 ? 'No events were recorded' : `All ${plural(count, 'event')} verify`
}

/**
 * The record check behind verifyChain and every listed row, link by link.
 * `logText` is the log as LOG_TEXT_SQL reads it: a seal with a digest
 * commits to those bytes.
 */
function verifyRecord(row: SessionRow, events: EventRow[], logText: string | null): ChainVerification {
  const bad = (seq: number, message: string): ChainVerification => ({ ok: false, sealed: false, firstBadSeq: seq, message: `Tampered: ${message}` })
  const sessionId = row.id
  const chainVersion = chainVersionOf(row)
  if (chainVersion !== 1 && chainVersion !== CHAIN_VERSION) {
    return bad(0, `the session record names chain version ${chainVersion}, which no Pretext writes.`)
  }
  const genesis = expectedGenesis(row)
  if (chainVersion === CHAIN_VERSION && row.genesis_hash !== genesis) {
    return bad(0, 'the session record was changed after the call started (its trainee, mode, scenario, seed, versions or start time no longer match its first link).')
  }

  let expectedPrev = genesis
  let expectedSeq = 1
  /** The first event whose stored details are not the text that was hashed (re-spaced, say), though they mean the same. */
  let firstRewritten: number | null = null
  // Resumes are links between events: fold those recorded after `seq` events into the chain.
  const resumes = resumesOf(row.resumes)
  if (!resumes) return bad(1, 'the record of when the call was resumed cannot be read: it was changed.')
  let nextResume = 0
  const foldResumes = (seq: number): ChainVerification | null => {
    for (; nextResume < resumes.length && resumes[nextResume]!.afterSeq === seq; nextResume++) {
      const r = resumes[nextResume]!
      let expected: string | null
      try {
        expected = resumeHash(expectedPrev, sessionId, { n: r.n, afterSeq: r.afterSeq, interruptedAt: r.interruptedAt, resumedAt: r.resumedAt })
      } catch {
        expected = null
      }
      if (r.n !== nextResume + 1 || r.prevHash !== expectedPrev || r.hash !== expected) {
        return bad(seq + 1, `the record of the resume after event ${seq} has been altered: it does not match the call as it was recorded.`)
      }
      expectedPrev = r.hash
    }
    return null
  }
  for (const event of events) {
    const resumeProblem = foldResumes(event.seq - 1)
    if (resumeProblem) return resumeProblem
    if (event.seq > expectedSeq) {
      return bad(expectedSeq, `event ${expectedSeq} is missing: the log jumps from event ${expectedSeq - 1} to event ${event.seq}.`)
    }
    if (event.seq < expectedSeq) {
      return bad(event.seq, `event ${event.seq} should not exist: the log already had ${expectedSeq - 1} events before it.`)
    }
    // The usual case, without parsing: the stored text is the canonical JSON that was hashed, so a
    // matching hash over it proves the event intact. Anything else takes the slow path below, which
    // tells what changed (and accepts a payload re-spaced but equal, as it always has).
    if (event.prev_hash === expectedPrev && sha256(`${expectedPrev}\n${canonicalRecord(sessionId, event.seq, event.at, event.type, event.payload)}`) === event.hash) {
      expectedPrev = event.hash
      expectedSeq++
      continue
    }
    let payload: unknown
    try {
      payload = JSON.parse(event.payload)
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object')
    } catch {
      return bad(event.seq, `event ${event.seq} cannot be read: its stored details are not valid.`)
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
        return bad(event.seq, `event ${event.seq} has been altered: its link to the event before it was changed.`)
      }
      firstRewritten ??= event.seq
    } else if (event.prev_hash !== expectedPrev && hashWith(event.prev_hash, event.seq) === event.hash) {
      // This event is intact but was chained to a different predecessor:
      // the event before it (or the session record, for event 1) was
      // replaced and given a freshly computed hash.
      if (event.seq === 1) return bad(0, 'event 1 does not belong to this session: the session record or the first event was changed.')
      const culprit = event.seq - 1
      return bad(culprit, `event ${culprit} has been replaced: event ${event.seq} was recorded after a different event ${culprit}.`)
    } else if (event.seq > 1 && hashWith(event.prev_hash, event.seq - 1) === event.hash) {
      // Intact, but renumbered one place up: something was inserted before it.
      return bad(event.seq - 1, `event ${event.seq - 1} was inserted: the event now numbered ${event.seq} was recorded as event ${event.seq - 1}.`)
    } else {
      return bad(event.seq, `event ${event.seq} has been altered: its contents or position do not match what was recorded.`)
    }
    expectedPrev = event.hash
    expectedSeq++
  }

  const count = events.length
  const trailing = foldResumes(count)
  if (trailing) return trailing
  if (nextResume < resumes.length) {
    const r = resumes[nextResume]!
    return bad(Math.min(r.afterSeq, count + 1), `a resume is recorded after event ${r.afterSeq}, which ${r.afterSeq > count ? 'is missing' : 'is not where the log continues'}.`)
  }
  const logs = logsVerify(count)
  if (chainVersion === 1) {
    return {
      ok: true,
      sealed: false,
      firstBadSeq: null,
      message: `${logs}. This call was recorded by an earlier Pretext, which did not seal calls, so it has no verdict.`,
    }
  }
  if (row.seal_hash === null) {
    if (row.status === 'finished') return bad(count + 1, 'the call is marked finished but was never sealed, so its score cannot be trusted.')
    if (row.score !== null || row.compliance !== null || row.score_cache !== null) {
      return bad(count + 1, 'a score is stored for a call that was never sealed.')
    }
    const why = row.status === 'active' ? 'The call is still under way' : 'The call did not end (it was interrupted)'
    return { ok: true, sealed: false, firstBadSeq: null, message: `${logs}. ${why}, so it has no verdict.` }
  }
  if (row.status !== 'finished') return bad(count + 1, `the call was sealed at its end but is now marked ${row.status}.`)
  const sealedCount = row.sealed_count ?? -1
  if (sealedCount > count) {
    return bad(count + 1, `event ${count + 1} is missing: the call was sealed with ${plural(sealedCount, 'event')}, and only ${count} ${count === 1 ? 'is' : 'are'} stored.`)
  }
  if (sealedCount < count) return bad(sealedCount + 1, `event ${sealedCount + 1} was added after the call was sealed with ${plural(sealedCount, 'event')}.`)
  if (row.sealed_head !== expectedPrev) {
    return bad(Math.max(count, 1), `the log does not end with the event the call was sealed with: it was rewritten.`)
  }
  const sealOk =
    row.ended_at !== null &&
    row.score !== null &&
    row.compliance !== null &&
    row.score_cache !== null &&
    sealHash(expectedPrev, sessionId, {
      eventCount: count,
      endedAt: row.ended_at,
      score: row.score,
      compliance: row.compliance,
      reportJson: row.score_cache,
      logDigest: row.log_digest,
    }) === row.seal_hash
  if (!sealOk) {
    return bad(count + 1, `the stored score (${row.score ?? 'none'}, ${row.compliance ?? 'no compliance'}), report or end time is not what the call was sealed with.`)
  }
  // Every link holds and the seal names this digest: the stored bytes must still be the ones sealed.
  if (row.log_digest !== null && row.genesis_hash !== null && logDigestOf(sessionId, row.genesis_hash, row.resumes, logText) !== row.log_digest) {
    if (firstRewritten !== null) return bad(firstRewritten, `event ${firstRewritten} has been altered: its stored details were rewritten after the call was sealed.`)
    return bad(count + 1, 'the record was rewritten after the call was sealed: its stored text is not the text the seal commits to.')
  }
  return { ok: true, sealed: true, firstBadSeq: null, message: `${logs}, and so does the seal on the score.` }
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

interface StoreIdentity {
  /** The store's identity: the name of its identity view; null when the store has none yet. */
  storeId: string | null
  /** Every identity view seen: exactly one in a sound store; more when two databases' pages are mixed. */
  storeIds: string[]
  generation: number
  state: 'open' | 'closed'
}

/** The store's identity as a connection sees it; null for a database from before migration 2. */
function readIdentity(db: Db): StoreIdentity | null {
  const hasState = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'store_state'").pluck().get()
  if (!hasState) return null
  const views = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'view' AND substr(name, 1, ?) = ? ORDER BY name")
    .pluck()
    .all(STORE_ID_PREFIX.length, STORE_ID_PREFIX) as string[]
  const row = db.prepare('SELECT generation, state FROM store_state WHERE id = 1').get() as { generation: number; state: 'open' | 'closed' } | undefined
  return { storeId: views.length === 1 ? views[0]! : null, storeIds: views, generation: row?.generation ?? -1, state: row?.state ?? 'open' }
}

/**
 * The first write of every log generation (at open and after each
 * checkpoint): the identity view is dropped and created again, so the
 * schema pages that hold its name (page 1, and its leaf wherever the schema
 * has grown to) are in the log, and the generation is counted in store_state.
 * Every -wal this store writes therefore carries both, whatever the schema's size.
 */
function startGeneration(db: Db, storeId: string): void {
  db.exec(`DROP VIEW IF EXISTS ${storeId}; CREATE VIEW ${storeId} AS SELECT 1`)
  db.prepare("UPDATE store_state SET generation = generation + 1, state = 'open' WHERE id = 1").run()
}

/** A fresh store identity: the identity view's name. */
function newStoreId(): string {
  return `${STORE_ID_PREFIX}${randomBytes(16).toString('hex')}`
}

/** Copy the whole log into the database; true when every frame was copied (the next write starts a new log). */
function checkpointFully(db: Db): boolean {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>
  return result !== undefined && result.busy === 0 && result.log === result.checkpointed
}

/**
 * A -wal beside the database must be this database's latest log: SQLite
 * cannot tell (a log carries no database identity), and would apply another
 * database's log, or an old one of ours, over the file without a word, and
 * copy it in for good on close. The main file alone is read from a copy (so
 * SQLite cannot see the log), the same database through the log is read on
 * the read-only connection, and their identities must agree. Throws an
 * OpenProblem; changes no file.
 */
function checkWalBelongs(path: string, throughWal: Db, openCopy: (file: string) => Db): void {
  const wal = `${basename(path)}-wal`
  const untouched = 'Pretext has not applied it and will not write, so neither this database nor the log has lost anything.'
  let alone: StoreIdentity | null
  let temp: string | null = null
  try {
    temp = mkdtempSync(join(tmpdir(), 'pretext-wal-check-'))
    const copy = join(temp, 'main.sqlite')
    copyFileSync(path, copy)
    const db = openCopy(copy)
    try {
      alone = readIdentity(db)
    } finally {
      db.close()
    }
  } catch (error) {
    // The main file alone is damaged: the integrity check that follows says how.
    if (sqliteCode(error)) return
    // The check itself could not be made (no room for the copy, say): do not guess.
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new OpenProblem(
      'unavailable',
      `Pretext could not check that the write-ahead log ${wal} belongs to the session database (copying the database to the temporary folder failed: ${code}). ${untouched} Free some space in the temporary folder and start Pretext again.`,
    )
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true })
  }
  // A database from before migration 2, or whose first open never reached
  // the main file: nothing to compare the log with.
  if (!alone || alone.storeIds.length === 0) return
  let seen: StoreIdentity | null
  try {
    seen = readIdentity(throughWal)
  } catch (error) {
    // Another process holding the database is a lock, not a foreign log: the caller says so.
    const code = sqliteCode(error)
    if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) throw error
    seen = null
  }
  // Any identity but ours seen through the log (or none at all) means its pages are another database's.
  if (!seen || seen.storeIds.join() !== alone.storeIds.join()) {
    throw new OpenProblem(
      'corrupt',
      `The session database's write-ahead log ${wal} belongs to another database (it was copied or restored here from elsewhere). ${untouched} ` +
        `Move ${path}-wal out of this folder (keep it: it holds the other database's latest changes) and start Pretext again.`,
    )
  }
  // Every log starts one generation after what the main file held when it began (startGeneration
  // follows a complete checkpoint), and the main file can only have caught up since.
  if (seen.generation > alone.generation + 1) {
    throw new OpenProblem(
      'corrupt',
      `The session database file is older than its write-ahead log ${wal} (the file was restored from an earlier copy, or replaced): ` +
        `applying the log to it would mix two states of the database. ${untouched} ` +
        `Put back the database file that goes with this log, or move ${path}-wal aside (keep it) to open the file as it is.`,
    )
  }
  if (seen.generation < alone.generation || (seen.generation === alone.generation && alone.state === 'closed' && seen.state === 'open')) {
    throw new OpenProblem(
      'corrupt',
      `The session database's write-ahead log ${wal} is an older log of this same database: applying it would roll back what was saved after it. ${untouched} ` +
        `Move ${path}-wal out of this folder (keep it as evidence) and start Pretext again.`,
    )
  }
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
