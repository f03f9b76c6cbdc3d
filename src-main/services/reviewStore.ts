import { hash as digest, randomUUID } from 'node:crypto'
import type Database from 'better-sqlite3'
import {
  ApiError,
  type Assignment,
  type ChainVerification,
  type Profile,
  type ReviewAction,
  type ReviewEvent,
  type ReviewStateName,
  type Role,
  type SessionMode,
  type SessionQuery,
} from '@core/api/contract'
import type { ScoreReport } from '@core/scoring/report'
import { TACTICS } from '@core/scenario/vocabulary'
import { canonicalJson, canonicalJsonOfShape } from './canonicalJson'
import { reportHashOf, sealHashOf, type SessionRow, type SessionStore } from './sessionStore'

/**
 * Review's own tables in the session database, through the session store's
 * one connection (one writer, EXCLUSIVE lock):
 *
 * - review_events: every review action, append-only (triggers) and
 *   hash-chained per session like the trainee's log. Its first link commits
 *   to the session's seal, so a review belongs to exactly the sealed record it
 *   was made on. Nothing here ever writes to the trainee's events.
 * - review_facts: an index of what lists, the queue and trends filter and
 *   aggregate on, derived from the sealed report and the review events. It
 *   has no authority of its own: its columns carry a signature over them and
 *   the session's seal (factsSignature); every row shown is checked as it is
 *   listed (checkRow over the session's whole record, every event re-hashed),
 *   and trends leave out rows the open-time sweep found tampered (see
 *   ReviewService).
 * - profiles and coaching_assignments.
 *
 * Its schema has its own version table, so the session store's migrations
 * and these evolve independently.
 */

type Db = Database.Database

export const REVIEW_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE review_events (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    at INTEGER NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('trainee', 'supervisor')),
    actor_name TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body)),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER review_events_no_update BEFORE UPDATE ON review_events
  BEGIN SELECT RAISE(ABORT, 'review events are append-only: a recorded review action cannot be changed'); END;
  CREATE TRIGGER review_events_no_delete BEFORE DELETE ON review_events
  BEGIN SELECT RAISE(ABORT, 'review events are append-only: a recorded review action cannot be deleted'); END;
  CREATE TRIGGER review_events_next BEFORE INSERT ON review_events
  WHEN NEW.seq <> 1 + coalesce((SELECT max(seq) FROM review_events WHERE session_id = NEW.session_id), 0)
  BEGIN SELECT RAISE(ABORT, 'review events can only be appended, in order'); END;

  CREATE TABLE review_facts (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id),
    trainee TEXT NOT NULL COLLATE NOCASE,
    scenario_id TEXT NOT NULL,
    scenario_title TEXT NOT NULL,
    tier INTEGER NOT NULL,
    mode TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    sealed INTEGER NOT NULL,
    caller_type TEXT,
    auto_score REAL,
    auto_compliance TEXT,
    outcome TEXT,
    critical INTEGER NOT NULL,
    critical_ids TEXT NOT NULL,
    false_positive INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    -- Bit n set: rule Rn failed. Bit i: tactic TACTICS[i] used / used and not countered.
    rules_mask INTEGER NOT NULL,
    tactics_used INTEGER NOT NULL,
    tactics_fell INTEGER NOT NULL,
    -- Copies of the session's seal and its report's hash, which the seal commits to.
    seal_hash TEXT,
    report_hash TEXT,
    -- Commits to the columns above (factsSignature).
    facts_sig TEXT NOT NULL,
    review_state TEXT NOT NULL,
    score REAL,
    score_source TEXT,
    compliance TEXT,
    waiting_since INTEGER,
    dispute_items TEXT
  ) STRICT;
  CREATE INDEX review_facts_by_start ON review_facts (started_at);
  CREATE INDEX review_facts_by_trainee ON review_facts (trainee, started_at);
  CREATE INDEX review_facts_by_scenario ON review_facts (scenario_id, started_at);
  CREATE INDEX review_facts_by_state ON review_facts (review_state, waiting_since);
  CREATE INDEX review_facts_by_state_score ON review_facts (review_state, score);
  CREATE INDEX review_facts_by_score ON review_facts (score);
  CREATE INDEX review_facts_false_positive ON review_facts (started_at) WHERE false_positive = 1;
  -- Covers the trend scan and the rule and tactic filters' counts: they read this index, never the table.
  CREATE INDEX review_facts_trend ON review_facts (mode, sealed, started_at, scenario_id, trainee, compliance, critical, caller_type, false_positive, tier, rules_mask, tactics_used, tactics_fell);

  CREATE TABLE profiles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE coaching_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    trainee TEXT NOT NULL COLLATE NOCASE,
    scenario_id TEXT NOT NULL,
    scenario_title TEXT NOT NULL,
    tactic TEXT,
    from_session_id TEXT,
    note TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT NOT NULL
  ) STRICT;
  CREATE INDEX coaching_by_trainee ON coaching_assignments (trainee, assigned_at);
  `,
]

/** What the facts index holds for one session, before review. */
export interface SessionFacts {
  sessionId: string
  trainee: string
  scenarioId: string
  scenarioTitle: string
  tier: 1 | 2 | 3
  mode: SessionMode
  startedAt: number
  endedAt: number | null
  /** A sealed, verified report: everything below comes from it. */
  report: ScoreReport | null
  /** The session's seal, which the facts' signature commits to; null without one. */
  sealHash: string | null
  /** The hash of the sealed report's text (the seal commits to it); null without one. */
  reportHash: string | null
  eventCount: number
}

/** The index columns a list shows or filters on, as one value: what facts_sig commits to. */
export interface FactColumns {
  trainee: string
  scenario_id: string
  scenario_title: string
  tier: number
  mode: string
  started_at: number
  ended_at: number | null
  sealed: number
  caller_type: string | null
  auto_score: number | null
  auto_compliance: string | null
  outcome: string | null
  critical: number
  critical_ids: string
  false_positive: number
  event_count: number
  rules_mask: number
  tactics_used: number
  tactics_fell: number
  seal_hash: string | null
  report_hash: string | null
}

/**
 * The facts' signature: binds the index columns to the session's seal, so an
 * edit of any of them (or a row moved to another session) shows as tampered
 * without re-reading the report. Like the seal it is unkeyed: it catches an
 * edit, not someone who recomputes it (opening the session replays the call
 * and catches that too).
 */
export function factsSignature(sessionId: string, columns: FactColumns): string {
  return sha256(`pretext-review-facts-v1\n${sessionId}\n${factsJson(columns)}`)
}

/** Every fact column, once (the type holds the list complete: a column left out would be signed the slow way). */
const FACT_COLUMN_NAMES = Object.keys({
  trainee: 1, scenario_id: 1, scenario_title: 1, tier: 1, mode: 1, started_at: 1, ended_at: 1, sealed: 1, caller_type: 1, auto_score: 1,
  auto_compliance: 1, outcome: 1, critical: 1, critical_ids: 1, false_positive: 1, event_count: 1, rules_mask: 1, tactics_used: 1,
  tactics_fell: 1, seal_hash: 1, report_hash: 1,
} satisfies Record<keyof FactColumns, 1>) as Array<keyof FactColumns>
/** canonicalJson of the facts (every listed row is signed, so the keys are sorted once). */
const factsJson = canonicalJsonOfShape(FACT_COLUMN_NAMES)

export function factColumns(f: SessionFacts): FactColumns {
  const report = f.report
  return {
    trainee: f.trainee,
    scenario_id: f.scenarioId,
    scenario_title: f.scenarioTitle,
    tier: f.tier,
    mode: f.mode,
    started_at: f.startedAt,
    ended_at: f.endedAt,
    sealed: report ? 1 : 0,
    caller_type: report?.callerType ?? null,
    auto_score: report?.score ?? null,
    auto_compliance: report?.compliance ?? null,
    outcome: report?.outcome.kind ?? null,
    critical: report?.criticalFailures.length ?? 0,
    critical_ids: JSON.stringify(report ? [...new Set(report.criticalFailures.map((c) => c.id))] : []),
    false_positive: report && isFalsePositive(report) ? 1 : 0,
    event_count: f.eventCount,
    rules_mask: report ? rulesMask(failedRules(report)) : 0,
    tactics_used: report ? tacticsMask([...tacticResults(report).keys()]) : 0,
    tactics_fell: report ? tacticsMask([...tacticResults(report)].filter(([, countered]) => !countered).map(([t]) => t)) : 0,
    seal_hash: f.sealHash,
    report_hash: f.reportHash,
  }
}

function columnsOfRow(row: FactRow): FactColumns {
  return {
    trainee: row.f_trainee,
    scenario_id: row.f_scenario_id,
    scenario_title: row.f_scenario_title,
    tier: row.tier,
    mode: row.f_mode,
    started_at: row.f_started_at,
    ended_at: row.f_ended_at,
    sealed: row.sealed,
    caller_type: row.caller_type,
    auto_score: row.auto_score,
    auto_compliance: row.auto_compliance,
    outcome: row.outcome,
    critical: row.critical,
    critical_ids: row.critical_ids,
    false_positive: row.false_positive,
    event_count: row.event_count,
    rules_mask: row.rules_mask,
    tactics_used: row.tactics_used,
    tactics_fell: row.tactics_fell,
    seal_hash: row.f_seal_hash,
    report_hash: row.report_hash,
  }
}

/** The review columns of the index, from folding the session's review events. */
export interface ReviewFacts {
  state: ReviewStateName
  score: number | null
  source: 'automatic' | 'supervisor' | null
  compliance: 'pass' | 'fail' | null
  waitingSince: number | null
  disputeItems: string[]
}

/** Legitimate caller turned away, or asked for non-factors (over-verified). */
export const FALSE_POSITIVE_ITEMS = ['OUT-false-positive', 'OUT-non-factor'] as const

export function isFalsePositive(report: ScoreReport): boolean {
  return report.callerType === 'legitimate' && report.deductions.some((d) => (FALSE_POSITIVE_ITEMS as readonly string[]).includes(d.item))
}

/** Bit n for rule Rn. */
export function ruleBit(rule: string): number {
  return 2 ** Number(rule.slice(1))
}

export function rulesMask(rules: readonly string[]): number {
  return rules.reduce((mask, r) => mask + ruleBit(r), 0)
}

/** The tactic of each bit of tactics_used and tactics_fell. */
export const TACTIC_BITS: readonly string[] = TACTICS

/** Bit i for TACTICS[i]. */
export function tacticBit(tactic: string): number {
  return 2 ** (TACTICS as readonly string[]).indexOf(tactic)
}

export function tacticsMask(tactics: readonly string[]): number {
  return [...new Set(tactics)].reduce((mask, t) => mask + tacticBit(t), 0)
}

/** Rules a call failed: each deduction's and each critical failure's. */
export function failedRules(report: ScoreReport): string[] {
  return [...new Set([...report.deductions.map((d) => d.rule), ...report.criticalFailures.map((c) => c.rule)])].sort()
}

/** Per tactic the caller used: countered only if every use was. */
export function tacticResults(report: ScoreReport): Map<string, boolean> {
  const out = new Map<string, boolean>()
  for (const t of report.tactics) out.set(t.tactic, (out.get(t.tactic) ?? true) && t.countered)
  return out
}

/** The index's columns of one session (FACT_COLUMNS). */
export interface FactRow {
  f_rowid: number
  id: string
  f_trainee: string
  f_scenario_id: string
  f_scenario_title: string
  f_mode: string
  f_started_at: number
  f_ended_at: number | null
  critical_ids: string
  facts_sig: string
  f_seal_hash: string | null
  report_hash: string | null
  rules_mask: number
  tactics_used: number
  tactics_fell: number
  tier: number
  sealed: number
  caller_type: string | null
  auto_score: number | null
  auto_compliance: string | null
  outcome: string | null
  critical: number
  false_positive: number
  event_count: number
  review_state: ReviewStateName
  score: number | null
  score_source: 'automatic' | 'supervisor' | null
  compliance: 'pass' | 'fail' | null
  waiting_since: number | null
  dispute_items: string | null
}

/** A listed session (LIST_COLUMNS): its index row, its session row, its last event. */
type SessionColumns = Pick<
  SessionRow,
  | 'scenario_id'
  | 'scenario_title'
  | 'scenario_hash'
  | 'engine_version'
  | 'rubric_version'
  | 'mode'
  | 'trainee'
  | 'seed'
  | 'started_at'
  | 'ended_at'
  | 'status'
  | 'genesis_hash'
  | 'sealed_count'
  | 'sealed_head'
  | 'seal_hash'
  | 'score_cache'
  | 'resumes'
  | 'log_digest'
>

/** A listed session (LIST_COLUMNS): its index row and its session row (one definition: sessionStore's). */
export interface ListedRow extends FactRow, SessionColumns {
  /** The sessions table's rowid: what the process remembers a verified record by. */
  s_rowid: number
  s_score: number | null
  s_compliance: 'pass' | 'fail' | null
  chain_version: number
}

/** A listed row as the session store's row, for its record check (the index's own score and compliance columns share those names). */
/** A stored report's text as the report, if it is the text the seal commits to (`reportHash`); null otherwise. */
export function sealedReportOf(text: string | null | undefined, reportHash: string | null): ScoreReport | null {
  if (typeof text !== 'string' || reportHash === null || reportHashOf(text) !== reportHash) return null
  return JSON.parse(text) as ScoreReport
}

export function sessionRowOf(row: ListedRow): SessionRow {
  return { ...row, id: row.id, score: row.s_score, compliance: row.s_compliance }
}

export type StoredReviewEvent = ReviewEvent & { prevHash: string }

export function reviewGenesis(sessionId: string, sealHashHex: string): string {
  return sha256(`pretext-review-v1\n${sessionId}\n${sealHashHex}`)
}

export function reviewEventHash(prev: string, sessionId: string, seq: number, at: number, actor: { role: Role; name: string }, action: ReviewAction): string {
  return sha256(`${prev}\n${canonicalJson({ action, actor, at, seq, sessionId })}`)
}

function sha256(text: string): string {
  return digest('sha256', text, 'hex')
}

/**
 * Prepared statements per connection and SQL text, for every review store on
 * that connection: preparing costs more than running most of these.
 */
const STATEMENTS = new WeakMap<Db, Map<string, Database.Statement>>()

/** The index's own columns, as both the list and the sweep select them. */
const FACT_COLUMNS = `
  f.rowid AS f_rowid, f.session_id AS id, f.trainee AS f_trainee, f.scenario_id AS f_scenario_id, f.scenario_title AS f_scenario_title,
  f.mode AS f_mode, f.started_at AS f_started_at, f.ended_at AS f_ended_at, f.critical_ids, f.facts_sig, f.seal_hash AS f_seal_hash,
  f.report_hash, f.rules_mask, f.tactics_used, f.tactics_fell, f.tier, f.sealed, f.caller_type, f.auto_score, f.auto_compliance,
  f.outcome, f.critical, f.false_positive, f.event_count, f.review_state, f.score, f.score_source, f.compliance, f.waiting_since,
  f.dispute_items`

/** A listed row: the index's columns and the session's, everything its record check needs but the events. */
const LIST_COLUMNS = `${FACT_COLUMNS},
  s.rowid AS s_rowid, s.scenario_id, s.scenario_title, s.scenario_hash, s.engine_version, s.rubric_version, s.mode, s.trainee, s.seed,
  s.started_at, s.ended_at, s.status, s.score AS s_score, s.compliance AS s_compliance, s.chain_version,
  s.genesis_hash, s.sealed_count, s.sealed_head, s.seal_hash, s.score_cache, s.resumes, s.log_digest`

/** Listed rows by session id (a JSON list), as rowsByIds runs it (the review benchmark runs it bare too). */
export const ROWS_BY_IDS_SQL = `SELECT ${LIST_COLUMNS} FROM review_facts f JOIN sessions s ON s.id = f.session_id WHERE f.session_id IN (SELECT value FROM json_each(?))`

const SORT_COLUMNS: Record<NonNullable<SessionQuery['sort']>, string> = {
  startedAt: 'f.started_at',
  score: 'f.score',
  trainee: 'f.trainee',
  scenario: 'f.scenario_title',
  duration: '(f.ended_at - f.started_at)',
}

export type ParsedQuery = Required<Pick<SessionQuery, 'sort' | 'direction' | 'offset' | 'limit'>> & Omit<SessionQuery, 'sort' | 'direction' | 'offset' | 'limit'>

/** The WHERE clause and parameters of a session query over review_facts (alias f). */
export function queryWhere(q: Omit<SessionQuery, 'sort' | 'direction' | 'offset' | 'limit'>): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = []
  const params: Record<string, unknown> = {}
  const eq = (column: string, name: string, value: unknown) => {
    if (value === undefined) return
    clauses.push(`${column} = @${name}`)
    params[name] = value
  }
  eq('f.trainee', 'trainee', q.trainee)
  eq('f.scenario_id', 'scenarioId', q.scenarioId)
  eq('f.tier', 'tier', q.tier)
  eq('f.caller_type', 'callerType', q.callerType)
  eq('f.mode', 'mode', q.mode)
  eq('f.outcome', 'outcome', q.outcome)
  eq('f.compliance', 'compliance', q.compliance)
  eq('f.review_state', 'reviewState', q.reviewState)
  if (q.status !== undefined) {
    clauses.push('f.session_id IN (SELECT id FROM sessions WHERE status = @status)')
    params.status = q.status
  }
  if (q.from !== undefined) {
    clauses.push('f.started_at >= @from')
    params.from = q.from
  }
  if (q.to !== undefined) {
    clauses.push('f.started_at < @to')
    params.to = q.to
  }
  if (q.scoreMin !== undefined) {
    clauses.push('f.score >= @scoreMin')
    params.scoreMin = q.scoreMin
  }
  if (q.scoreMax !== undefined) {
    clauses.push('f.score <= @scoreMax')
    params.scoreMax = q.scoreMax
  }
  if (q.failedRule !== undefined) {
    clauses.push('(f.rules_mask & @ruleBit) <> 0')
    params.ruleBit = ruleBit(q.failedRule)
  }
  if (q.fellFor !== undefined) {
    clauses.push('(f.tactics_fell & @tacticBit) <> 0')
    params.tacticBit = tacticBit(q.fellFor)
  }
  if (q.falsePositive) clauses.push('f.false_positive = 1')
  return { where: clauses.length ? clauses.join(' AND ') : '1', params }
}

/** The two statements of a list page (its rows, and how many match in all): the store runs exactly these, and so does the benchmark, bare. */
export function pageSql(q: ParsedQuery): { page: string; count: string; ids: string; params: Record<string, unknown>; pageParams: Record<string, unknown> } {
  const { where, params } = queryWhere(q)
  // SQLite's own order for a missing score (lowest), and rowid to break ties,
  // so that every sort can walk an index instead of sorting the whole match.
  const dir = q.direction === 'asc' ? 'ASC' : 'DESC'
  const order = `${SORT_COLUMNS[q.sort]} ${dir}, f.rowid ${dir}`
  return {
    page: `SELECT ${LIST_COLUMNS} FROM review_facts f JOIN sessions s ON s.id = f.session_id WHERE ${where} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    count: `SELECT count(*) FROM review_facts f WHERE ${where}`,
    ids: `SELECT f.session_id FROM review_facts f WHERE ${where} ORDER BY ${order}`,
    params,
    pageParams: { ...params, limit: q.limit, offset: q.offset },
  }
}

export class ReviewStore {
  /** Why review's tables cannot be used (a newer Pretext wrote them); null when they can. */
  private problem: string | null = null

  constructor(
    private readonly store: SessionStore,
    private readonly clock: () => number,
  ) {
    try {
      this.migrate()
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error)
    }
  }

  private get writer(): Db {
    if (this.problem) throw new ApiError('storage', this.problem)
    return this.store.connection('write')
  }

  private get reader(): Db {
    if (this.problem) throw new ApiError('storage', this.problem)
    return this.store.connection('read')
  }

  /** Creates or upgrades review's tables; leaves a refused store alone (reads then find what the file has). */
  private migrate(): void {
    let db: Db
    try {
      db = this.writer
    } catch {
      return
    }
    try {
      db.transaction(() => {
        db.exec('CREATE TABLE IF NOT EXISTS review_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT')
        const row = db.prepare('SELECT version FROM review_schema WHERE id = 1').get() as { version: number } | undefined
        const from = row?.version ?? 0
        if (from > REVIEW_MIGRATIONS.length) {
          throw new ApiError('storage', `The review tables were written by a newer Pretext (version ${from}; this one knows up to ${REVIEW_MIGRATIONS.length}). Update Pretext to review sessions.`)
        }
        for (let v = from; v < REVIEW_MIGRATIONS.length; v++) db.exec(REVIEW_MIGRATIONS[v]!)
        db.prepare('INSERT INTO review_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(REVIEW_MIGRATIONS.length)
      }).immediate()
    } catch (error) {
      throw this.store.explainFailure(error)
    }
  }

  private stmt(db: Db, sql: string): Database.Statement {
    let cache = STATEMENTS.get(db)
    if (!cache) STATEMENTS.set(db, (cache = new Map()))
    let statement = cache.get(sql)
    if (!statement) cache.set(sql, (statement = db.prepare(sql)))
    return statement
  }

  private write<T>(fn: (db: Db) => T): T {
    const db = this.writer
    try {
      return db.transaction(() => fn(db)).immediate()
    } catch (error) {
      throw this.store.explainFailure(error)
    }
  }

  private read<T>(fn: (db: Db) => T): T {
    const db = this.reader
    try {
      return fn(db)
    } catch (error) {
      throw this.store.explainFailure(error)
    }
  }

  // -------------------------------------------------------------------------
  // The facts index

  /** How many sessions the index holds (what the sweep has to check). */
  indexedCount(): number {
    return this.read((db) => this.stmt(db, 'SELECT count(*) FROM review_facts').pluck().get() as number)
  }

  /** Sessions the index does not hold yet (new since the last open, or finished since they were indexed unsealed). */
  staleSessions(): Array<{ id: string; sealed: boolean }> {
    return this.read((db) =>
      (
        db
          .prepare(
            `SELECT s.id, s.seal_hash IS NOT NULL AS sealed FROM sessions s LEFT JOIN review_facts f ON f.session_id = s.id
             WHERE f.session_id IS NULL OR (f.sealed = 0 AND s.seal_hash IS NOT NULL)`,
          )
          .all() as Array<{ id: string; sealed: number }>
      ).map((r) => ({ id: r.id, sealed: r.sealed === 1 })),
    )
  }

  /** Writes (or rewrites) a session's facts; the review columns are kept when the row already has them. */
  indexSession(facts: SessionFacts, review: ReviewFacts): void {
    this.indexMany([{ facts, review }])
  }

  indexMany(rows: Iterable<{ facts: SessionFacts; review: ReviewFacts }>): void {
    this.write((db) => {
      const upsert = this.stmt(db, 
        `INSERT OR REPLACE INTO review_facts (session_id, trainee, scenario_id, scenario_title, tier, mode, started_at, ended_at, sealed, caller_type,
           auto_score, auto_compliance, outcome, critical, critical_ids, false_positive, event_count, rules_mask, tactics_used, tactics_fell,
           seal_hash, report_hash, facts_sig,
           review_state, score, score_source, compliance, waiting_since, dispute_items)
         VALUES (@sessionId, @trainee, @scenario_id, @scenario_title, @tier, @mode, @started_at, @ended_at, @sealed, @caller_type,
           @auto_score, @auto_compliance, @outcome, @critical, @critical_ids, @false_positive, @event_count, @rules_mask, @tactics_used, @tactics_fell,
           @seal_hash, @report_hash, @factsSig,
           @state, @score, @source, @compliance, @waitingSince, @disputeItems)`,
      )
      for (const { facts: f, review: r } of rows) {
        const columns = factColumns(f)
        upsert.run({
          sessionId: f.sessionId,
          ...columns,
          factsSig: factsSignature(f.sessionId, columns),
          state: r.state,
          score: r.score,
          source: r.source,
          compliance: r.compliance,
          waitingSince: r.waitingSince,
          disputeItems: r.disputeItems.length ? JSON.stringify(r.disputeItems) : null,
        })
      }
    })
  }

  /** After a review action: the review columns only. */
  updateReview(sessionId: string, r: ReviewFacts): void {
    this.write((db) =>
      db
        .prepare('UPDATE review_facts SET review_state = ?, score = ?, score_source = ?, compliance = ?, waiting_since = ?, dispute_items = ? WHERE session_id = ?')
        .run(r.state, r.score, r.source, r.compliance, r.waitingSince, r.disputeItems.length ? JSON.stringify(r.disputeItems) : null, sessionId),
    )
  }

  // -------------------------------------------------------------------------
  // Lists

  page(q: ParsedQuery): { rows: ListedRow[]; total: number } {
    const sql = pageSql(q)
    return this.read((db) => {
      const rows = this.stmt(db, sql.page).all(sql.pageParams) as ListedRow[]
      const total = Number(this.stmt(db, sql.count).pluck().get(sql.params))
      return { rows, total }
    })
  }

  /**
   * The ids of every session a filter matches, in its order: one walk of the
   * index, without the rows (exports then read the rows a chunk at a time, by
   * id; paging with OFFSET would read every skipped row again for each page).
   */
  matchIds(q: Omit<ParsedQuery, 'offset' | 'limit'>): string[] {
    const sql = pageSql({ ...q, offset: 0, limit: 1 })
    return this.read((db) => this.stmt(db, sql.ids).pluck().all(sql.params) as string[])
  }

  /** The listed rows of these sessions, in the order given (ids no longer indexed are left out). */
  rowsInOrder(ids: readonly string[]): ListedRow[] {
    const byId = new Map(this.rowsByIds(ids).map((row) => [row.id, row]))
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  rowsByIds(ids: readonly string[]): ListedRow[] {
    if (!ids.length) return []
    return this.read((db) => this.stmt(db, ROWS_BY_IDS_SQL).all(JSON.stringify(ids)) as ListedRow[])
  }

  /** Queue candidates in these review states, oldest first (by the time they started waiting). */
  queue(states: readonly ReviewStateName[], limit: number): ListedRow[] {
    return this.read(
      (db) =>
        db
          .prepare(
            `SELECT ${LIST_COLUMNS} FROM review_facts f JOIN sessions s ON s.id = f.session_id
             WHERE f.review_state IN (SELECT value FROM json_each(@states))
             ORDER BY f.waiting_since, f.session_id LIMIT @limit`,
          )
          .all({ states: JSON.stringify(states), limit }) as ListedRow[],
    )
  }

  /** Every index row with its session row, a batch at a time in rowid order, for the open-time sweep (which checks them as a list does). */
  *sweepBatches(size = 100): Generator<ListedRow[]> {
    let after = 0
    for (;;) {
      const rows = this.read(
        (db) => this.stmt(db, `SELECT ${LIST_COLUMNS} FROM review_facts f JOIN sessions s ON s.id = f.session_id WHERE f.rowid > ? ORDER BY f.rowid LIMIT ?`).all(after, size) as ListedRow[],
      )
      if (!rows.length) return
      yield rows
      after = rows[rows.length - 1]!.f_rowid
    }
  }


  /**
   * The trend scan: one pass over the covering index, a row at a time (as an
   * array, see TREND_COLUMNS), so that 100,000 sessions are never all held
   * in memory at once. Nothing else may run on the connection until it ends.
   */
  *trendScan(sql: string, params: Record<string, unknown>): Generator<unknown[]> {
    const rows = this.read((db) => this.stmt(db, sql).raw(true).iterate(params) as IterableIterator<unknown[]>)
    try {
      yield* rows
    } catch (error) {
      throw this.store.explainFailure(error)
    }
  }

  // -------------------------------------------------------------------------
  // Review events

  /** The session's review events as stored, with the check of their chain against the session's seal. */
  reviewEvents(sessionId: string, sealHashHex: string | null): { events: StoredReviewEvent[]; verification: ChainVerification } {
    const rows = this.read(
      (db) =>
        this.stmt(db, 'SELECT seq, at, actor_role, actor_name, type, body, prev_hash, hash FROM review_events WHERE session_id = ? ORDER BY seq').all(sessionId) as Array<{
          seq: number
          at: number
          actor_role: Role
          actor_name: string
          type: string
          body: string
          prev_hash: string
          hash: string
        }>,
    )
    const events: StoredReviewEvent[] = []
    const bad = (seq: number, message: string): { events: StoredReviewEvent[]; verification: ChainVerification } => ({
      events,
      verification: { ok: false, sealed: false, firstBadSeq: seq, message: `Tampered review: ${message}` },
    })
    if (rows.length && sealHashHex === null) return bad(1, 'review actions are stored for a call that has no seal.')
    let prev = sealHashHex === null ? '' : reviewGenesis(sessionId, sealHashHex)
    for (const [i, row] of rows.entries()) {
      if (row.seq !== i + 1) return bad(i + 1, `review action ${i + 1} is missing.`)
      let action: ReviewAction
      try {
        action = JSON.parse(row.body) as ReviewAction
      } catch {
        return bad(row.seq, `review action ${row.seq} cannot be read.`)
      }
      const actor = { role: row.actor_role, name: row.actor_name }
      if (row.prev_hash !== prev || action.type !== row.type || reviewEventHash(prev, sessionId, row.seq, row.at, actor, action) !== row.hash) {
        return bad(row.seq, `review action ${row.seq} has been altered: it does not match what was recorded.`)
      }
      events.push({ ...action, seq: row.seq, at: row.at, actor, hash: row.hash, prevHash: row.prev_hash })
      prev = row.hash
    }
    return { events, verification: { ok: true, sealed: true, firstBadSeq: null, message: rows.length ? `All ${rows.length} review action${rows.length === 1 ? '' : 's'} verify.` : 'No review actions yet.' } }
  }

  /** Appends one review action, stamped with main's clock, chained on the last. */
  appendReviewEvent(sessionId: string, sealHashHex: string, expectedSeq: number, actor: { role: Role; name: string }, action: ReviewAction): StoredReviewEvent {
    return this.write((db) => {
      const last = this.stmt(db, 'SELECT seq, hash FROM review_events WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(sessionId) as { seq: number; hash: string } | undefined
      const seq = (last?.seq ?? 0) + 1
      if (seq !== expectedSeq) throw new ApiError('conflict', 'Someone else acted on this review meanwhile; open it again to see the latest.')
      const prev = last?.hash ?? reviewGenesis(sessionId, sealHashHex)
      const at = this.clock()
      const hash = reviewEventHash(prev, sessionId, seq, at, actor, action)
      this.stmt(db, 'INSERT INTO review_events (session_id, seq, at, actor_role, actor_name, type, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        sessionId,
        seq,
        at,
        actor.role,
        actor.name,
        action.type,
        canonicalJson(action),
        prev,
        hash,
      )
      return { ...action, seq, at, actor, hash, prevHash: prev }
    })
  }

  /** The seal a review chain starts from; null for a call without one. */
  sealOf(sessionId: string): string | null {
    const row = this.read((db) => this.stmt(db, 'SELECT seal_hash FROM sessions WHERE id = ?').get(sessionId) as { seal_hash: string | null } | undefined)
    if (!row) throw new ApiError('not-found', `There is no session ${sessionId}.`)
    return row.seal_hash
  }

  /** Review events of many sessions at once (lists fold them per row). */
  reviewEventsOf(ids: readonly string[], seals: ReadonlyMap<string, string | null>): Map<string, ReturnType<ReviewStore['reviewEvents']>> {
    const out = new Map<string, ReturnType<ReviewStore['reviewEvents']>>()
    for (const id of ids) out.set(id, this.reviewEvents(id, seals.get(id) ?? null))
    return out
  }

  /** Every session with at least one review action (few, next to all sessions): the sweep reads only their chains. */
  reviewedSessions(): Set<string> {
    return new Set(this.read((db) => this.stmt(db, 'SELECT DISTINCT session_id FROM review_events').pluck().all() as string[]))
  }

  /** Sessions with blind grades, for calibration. */
  blindGradedSessions(scenarioId?: string): string[] {
    return this.read(
      (db) =>
        db
          .prepare(
            `SELECT DISTINCT r.session_id FROM review_events r JOIN review_facts f ON f.session_id = r.session_id
             WHERE r.type = 'blind-grade' AND (@scenarioId IS NULL OR f.scenario_id = @scenarioId) ORDER BY r.session_id`,
          )
          .pluck()
          .all({ scenarioId: scenarioId ?? null }) as string[],
    )
  }

  // -------------------------------------------------------------------------
  // Profiles and coaching

  profiles(): Profile[] {
    return this.read((db) => (this.stmt(db, 'SELECT id, name, created_at FROM profiles ORDER BY name COLLATE NOCASE').all() as Array<{ id: string; name: string; created_at: number }>).map(profileOf))
  }

  profile(id: string): Profile | null {
    const row = this.read((db) => this.stmt(db, 'SELECT id, name, created_at FROM profiles WHERE id = ?').get(id) as { id: string; name: string; created_at: number } | undefined)
    return row ? profileOf(row) : null
  }

  createProfile(name: string): Profile {
    const clean = name.trim()
    return this.write((db) => {
      const existing = this.stmt(db, 'SELECT 1 FROM profiles WHERE name = ? COLLATE NOCASE').get(clean)
      if (existing) throw new ApiError('conflict', `There is already a profile named ${clean}: pick it from the list.`)
      const profile = { id: randomUUID(), name: clean, createdAt: this.clock() }
      this.stmt(db, 'INSERT INTO profiles (id, name, created_at) VALUES (?, ?, ?)').run(profile.id, profile.name, profile.createdAt)
      return profile
    })
  }

  addAssignments(rows: Array<Omit<Assignment, 'id' | 'assignedAt' | 'attempt' | 'status'>>): string[] {
    return this.write((db) => {
      const insert = this.stmt(db, 
        'INSERT INTO coaching_assignments (id, trainee, scenario_id, scenario_title, tactic, from_session_id, note, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      const at = this.clock()
      return rows.map((r) => {
        const id = randomUUID()
        insert.run(id, r.trainee, r.scenarioId, r.scenarioTitle, r.tactic, r.fromSessionId, r.note, at, r.assignedBy)
        return id
      })
    })
  }

  /**
   * Assignments with their re-attempt: the trainee's first session of that
   * scenario started at or after the assignment, and whether it passed (by
   * the counting compliance of a sealed call whose row `sound` vouches for:
   * a re-attempt that fails its check counts as neither).
   */
  assignments(filter: { trainee?: string; ids?: string[] }, sound: (rows: ListedRow[]) => ReadonlySet<string>): Assignment[] {
    const rows = this.read(
      (db) =>
        db
          .prepare(
            `SELECT a.*, (SELECT f.session_id FROM review_facts f WHERE f.trainee = a.trainee AND f.scenario_id = a.scenario_id AND f.started_at >= a.assigned_at ORDER BY f.started_at LIMIT 1) AS attempt_id
             FROM coaching_assignments a
             WHERE (@trainee IS NULL OR a.trainee = @trainee) AND (@ids IS NULL OR a.id IN (SELECT value FROM json_each(@ids)))
             ORDER BY a.assigned_at DESC, a.id`,
          )
          .all({ trainee: filter.trainee ?? null, ids: filter.ids ? JSON.stringify(filter.ids) : null }) as Array<{
          id: string
          trainee: string
          scenario_id: string
          scenario_title: string
          tactic: string | null
          from_session_id: string | null
          note: string
          assigned_at: number
          assigned_by: string
          attempt_id: string | null
        }>,
    )
    const listed = this.rowsByIds(rows.flatMap((r) => (r.attempt_id ? [r.attempt_id] : [])))
    const verified = sound(listed)
    const attempts = new Map(listed.map((r) => [r.id, r]))
    return rows.map((r) => {
      const attempt = r.attempt_id ? attempts.get(r.attempt_id) : undefined
      const passed = attempt && attempt.sealed && verified.has(attempt.id) ? attempt.compliance === 'pass' : null
      return {
        id: r.id,
        trainee: r.trainee,
        scenarioId: r.scenario_id,
        scenarioTitle: r.scenario_title,
        tactic: r.tactic as Assignment['tactic'],
        fromSessionId: r.from_session_id,
        note: r.note,
        assignedAt: r.assigned_at,
        assignedBy: r.assigned_by,
        attempt: attempt ? { sessionId: attempt.id, startedAt: attempt.started_at, passed } : null,
        status: passed === true ? 'passed' : passed === false ? 'not-passed' : 'open',
      }
    })
  }

}

function profileOf(row: { id: string; name: string; created_at: number }): Profile {
  return { id: row.id, name: row.name, createdAt: row.created_at }
}

/**
 * The check of one listed row. `record` is the session store's check of its
 * whole record (fields against the first link, every event re-hashed, the
 * seal against the head, the count, the score and the report text), or null
 * when this process verified that sealed record already and it cannot have
 * changed since (the store is the file's only writer). On top of it: the
 * index's columns against their signature, the session they copy and the
 * seal they claim; the tier against the scenario version played.
 * Returns whether the call is sealed, or why the row is tampered.
 */
export function checkRow(
  row: ListedRow,
  record: ChainVerification | null,
  tierOf: (hash: string) => number | null,
  /** The report hash the seal commits to, when the record check just checked the seal whole (verifySessions); null to check it here. */
  sealedReportHash: string | null = null,
): { ok: true; sealed: boolean; message: string } | { ok: false; message: string } {
  const tampered = (message: string) => ({ ok: false as const, message: `Tampered: ${message}` })
  if (record && !record.ok) return { ok: false, message: record.message }
  const tier = tierOf(row.scenario_hash)
  if (tier !== null && tier !== row.tier) return tampered('the listed tier is not the tier of the scenario version played.')
  if (row.seal_hash === null) {
    if (row.sealed !== 0 || row.f_seal_hash !== null) return tampered('a score is stored for a call that was never sealed.')
    if (!sameFacts(row)) return tampered('the listed figures are not those recorded for this session.')
    return { ok: true, sealed: false, message: record?.message ?? 'The call has no verdict.' }
  }
  // The record check found the seal sound; the index must name that seal, and the report hash the seal commits to.
  if (row.ended_at === null || row.s_score === null || row.s_compliance === null || row.report_hash === null || row.sealed_head === null || row.sealed_count === null)
    return tampered('the sealed score is missing.')
  const sealNamed =
    sealedReportHash !== null
      ? row.report_hash === sealedReportHash
      : sealHashOf(row.sealed_head, row.id, {
          eventCount: row.sealed_count,
          endedAt: row.ended_at,
          score: row.s_score,
          compliance: row.s_compliance,
          reportHash: row.report_hash,
          logDigest: row.log_digest,
        }) === row.seal_hash
  if (!sealNamed || row.f_seal_hash !== row.seal_hash) return tampered('the stored score, report or end time is not what the call was sealed with.')
  if (row.sealed !== 1 || row.event_count !== row.sealed_count || !sameFacts(row)) return tampered('the listed figures are not those of the sealed report.')
  return { ok: true, sealed: true, message: record?.message ?? 'The session record, every event and the seal verify.' }
}

function sameFacts(row: ListedRow): boolean {
  return row.f_trainee === row.trainee && row.f_scenario_id === row.scenario_id && row.f_mode === row.mode && row.f_started_at === row.started_at && signed(row)
}

/** The index row's signature holds: nothing in it was edited (the sweep's check; the list's adds the seal and the session). */
export function signed(row: FactRow): boolean {
  return row.facts_sig === factsSignature(row.id, columnsOfRow(row))
}
