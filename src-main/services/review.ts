import { statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import {
  ApiError,
  parseApiArgs,
  REVIEW_METHOD_NAMES,
  TRAINEE_REVIEW_METHODS,
  type ApiArgs,
  type ApiResults,
  type Assignment,
  type CalibrationReport,
  type CallerContext,
  type ExportProgress,
  type ExportResult,
  type Profile,
  type QueueItem,
  type RecordCheckProgress,
  type ReviewEvent,
  type ReviewMethod,
  type ReviewRecord,
  type ReviewThread,
  type Role,
  type RoleState,
  type SessionRecord,
  type SessionListRow,
  type SessionQuery,
  type TrendBucket,
  type Trends,
  type TrendSeries,
  type ServiceApi,
} from '@core/api/contract'
import {
  AgreementCounter,
  automaticItemScores,
  blindGrades,
  calibrationItems,
  deductedItems,
  disputesOf,
  gradableItems,
  notesOf,
  overallJudgements,
  refusalOfAction,
  reviewScores,
  reviewState,
  reviewSteps,
  viewAfter,
  visibleTo,
} from '@core/api/reviewRules'
import { advance, startCall, type CallSnapshot, type CompiledScenario } from '@core/engine/compile'
import type { ScoreReport } from '@core/scoring/report'
import type { Rubric } from '@core/scoring/rubric'
import type { Tactic } from '@core/scenario/vocabulary'
import { writeFileAtomic } from './atomicWrite'
import { toCsv } from './csv'
import type { ScenarioLibrary } from './library'
import { canonicalJson } from './canonicalJson'
import {
  checkRow,
  failedRules,
  queryWhere,
  sealedReportOf,
  sessionRowOf,
  TACTIC_BITS,
  type ListedRow,
  type ParsedQuery,
  type ReviewFacts,
  type ReviewStore,
  type SessionFacts,
  type StoredReviewEvent,
} from './reviewStore'
import { reportHashOf, type SessionStore } from './sessionStore'
import type { SessionService } from './sessions'
import type { SupervisorLock } from './supervisorLock'

export interface ReviewServiceOptions {
  store: SessionStore
  reviews: ReviewStore
  sessions: SessionService
  library: ScenarioLibrary
  rubric: Rubric
  lock: SupervisorLock
  clock?: () => number
  /** The desktop app's folder dialog; without one (the preview), a typed folder is taken as chosen. */
  chooseFolder?: (caller: CallerContext) => Promise<string | null>
  /** The desktop app prints the caller's window (showing the print view) to PDF; without it, the browser prints. */
  printPdf?: (caller: CallerContext) => Promise<Uint8Array>
  /** Rows the open-time sweep checks per turn of the event loop (100). */
  sweepBatchSize?: number
  /** Rows an export checks and writes per turn of the event loop (EXPORT_CHUNK). */
  exportChunk?: number
}

interface Connection {
  role: Role
  profile: Profile | null
  supervisor: string | null
  /** Folders this connection chose through the dialog (desktop app only). */
  folders: Set<string>
  /** The export this connection is writing, and how far it has got. */
  exporting: (Pick<ExportProgress, 'done' | 'total'> & { cancelled: boolean }) | null
}

/** Rows an export checks and writes per turn of the event loop, so main answers everyone else in between. */
const EXPORT_CHUNK = 200

type ReviewApi = Pick<ServiceApi, ReviewMethod>

const DAY = 86_400_000
/** 1970-01-05, a Monday: weeks start on Mondays, UTC. */
const FIRST_MONDAY = 4 * DAY

/**
 * Supervisor review (issue 9), in main. Roles are held here per transport
 * connection: a trainee sees only the profile chosen on that connection and
 * only published reviews; everything else needs supervisor mode, unlocked
 * with the passphrase (SupervisorLock). Every review action is timestamped by
 * main's clock and appended to the session's review chain (ReviewStore); the
 * trainee's events are never touched.
 */
export class ReviewService {
  private readonly connections = new Map<string, Connection>()
  private readonly clock: () => number
  private readonly items
  private readonly tiers = new Map<string, number | null>()
  /** Sessions whose row failed its check in the open-time sweep (or since), and their index rows: left out of trends. */
  private readonly tampered = new Set<string>()
  private readonly tamperedRows = new Set<number>()
  private sweep: Promise<void> | null = null
  /** Replays kept for stepping, and checked records of finished calls, least recently used first. */
  private readonly replays = new Map<string, Replay>()
  private readonly records = new Map<string, { record: SessionRecord; compiled: CompiledScenario }>()
  /**
   * Rows this process has checked and found sound. This process is the
   * database's only writer (the store holds an EXCLUSIVE lock for its life),
   * so a row changes only through this service, which forgets it then.
   */
  private readonly verified = new Map<string, CheckedRow>()
  /**
   * Records (by the sessions table's rowid) this process has re-hashed whole
   * and found sound, in the sweep or in a list. While the store holds the
   * file, a sealed record never changes, and an interrupted one changes only
   * by being resumed, which lengthens its list of resumes: so lists do not
   * re-read their events. A few bytes per session; a live call is never
   * remembered.
   */
  private readonly sealedVerified = new Set<number>()
  private readonly interruptedVerified = new Map<number, { resumes: number; events: number }>()
  /** Sessions with review actions (few); null until first needed. */
  private reviewed: Set<string> | null = null

  constructor(private readonly options: ReviewServiceOptions) {
    this.clock = options.clock ?? Date.now
    this.items = gradableItems(options.rubric)
  }

  // -------------------------------------------------------------------------
  // The facts index and its open-time sweep

  /**
   * Indexes sessions the index does not hold yet (those recorded since the
   * last run, or finished after they were indexed), then checks every index
   * row as a list would (its whole record re-hashed, its index columns, its
   * review chain) in the background, a batch per turn of the event loop, so
   * trends count only sessions that verify. Trends wait for it; lists do
   * not: a row the sweep has not reached yet is checked in full as it is
   * listed. Opening a session checks everything again and replays it.
   */
  start(): Promise<void> {
    this.sweep ??= (async () => {
      for (const stale of this.options.reviews.staleSessions()) this.indexSession(stale.id)
      this.progress = { checked: 0, total: this.options.reviews.indexedCount(), done: false }
      for (const batch of this.options.reviews.sweepBatches(this.options.sweepBatchSize)) {
        this.checkRows(batch, false)
        this.progress.checked += batch.length
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      this.progress = { checked: this.progress.checked, total: Math.max(this.progress.total, this.progress.checked), done: true }
    })()
    return this.sweep
  }

  /** How far the sweep has got (trends wait for it). Before it starts, nothing is checked and nothing is known to check. */
  private progress: RecordCheckProgress = { checked: 0, total: 0, done: false }

  sweepProgress(): RecordCheckProgress {
    return { ...this.progress }
  }

  private reviewedSessions(): Set<string> {
    return (this.reviewed ??= this.options.reviews.reviewedSessions())
  }

  /** How many events a record this process verified as it now is holds; null when it must be read and re-hashed. */
  private rememberedEvents(row: ListedRow): number | null {
    if (row.seal_hash !== null) return this.sealedVerified.has(row.s_rowid) ? row.sealed_count : null
    const known = row.status === 'interrupted' ? this.interruptedVerified.get(row.s_rowid) : undefined
    return known && known.resumes === (row.resumes?.length ?? 0) ? known.events : null
  }

  private markTampered(row: { id: string; f_rowid: number }): void {
    this.tampered.add(row.id)
    this.tamperedRows.add(row.f_rowid)
    this.verified.delete(row.id)
  }

  /**
   * Index a session after it starts or ends, without failing the call that
   * triggered it: a session left unindexed is picked up at the next start().
   */
  indexLater(sessionId: string): void {
    try {
      this.indexSession(sessionId)
    } catch {
      // The next open's catch-up (staleSessions) indexes it.
    }
  }

  /** (Re)index one session from its checked record: after it starts and after it ends. */
  indexSession(sessionId: string): void {
    let record, compiled
    try {
      ;({ record, compiled } = this.options.sessions.checked(sessionId))
    } catch (error) {
      if (error instanceof ApiError && error.code !== 'storage') return
      throw error
    }
    this.verified.delete(sessionId)
    const tier = compiled?.scenario.tier ?? this.tierOf(record.info.scenarioHash) ?? 1
    const report = record.verification.ok && record.verification.sealed ? record.report : null
    if (!report && record.info.status === 'finished') this.tampered.add(sessionId)
    const stored = this.options.store.getSession(sessionId)
    const sealHash = report ? this.options.reviews.sealOf(sessionId) : null
    const facts: SessionFacts = {
      sessionId,
      trainee: record.info.trainee,
      scenarioId: record.info.scenarioId,
      scenarioTitle: stored.scenarioTitle,
      tier: tier as 1 | 2 | 3,
      mode: record.info.mode,
      startedAt: record.info.startedAt,
      endedAt: record.info.endedAt,
      report,
      sealHash,
      // The sessions service checked that the stored report is canonically this one.
      reportHash: report ? reportHashOf(canonicalJson(report)) : null,
      eventCount: record.events.length,
    }
    const events = report ? this.options.reviews.reviewEvents(sessionId, sealHash).events : []
    this.options.reviews.indexSession(facts, this.reviewFacts(record.info.mode, record.info.endedAt, report, events))
  }

  private reviewFacts(mode: string, endedAt: number | null, report: ScoreReport | null, events: readonly ReviewEvent[]): ReviewFacts {
    const reviewable = mode === 'assessment' && report !== null
    const state = reviewState(events, reviewable)
    const scores = report ? reviewScores(this.options.rubric, report, events) : null
    const open = disputesOf(events).filter((d) => d.ruling === null)
    const waitingSince = state === 'disputed' ? Math.min(...open.map((d) => d.at)) : state === 'awaiting-review' || state === 'in-review' ? endedAt : null
    return {
      state,
      score: scores?.counting ?? null,
      source: scores?.countingSource ?? null,
      compliance: scores?.compliance ?? null,
      waitingSince,
      disputeItems: open.map((d) => d.item),
    }
  }

  private tierOf(hash: string): number | null {
    if (!this.tiers.has(hash)) {
      try {
        this.tiers.set(hash, this.options.library.versionByHash(hash).scenario.tier)
      } catch {
        this.tiers.set(hash, null)
      }
    }
    return this.tiers.get(hash)!
  }

  /**
   * The index row's review columns against its review chain: folded over the
   * sealed report when the session has review actions, the untouched defaults
   * when it has none. Returns the chain and the report it folded over.
   */
  private reviewColumnsHold(row: ListedRow): { ok: true; events: StoredReviewEvent[]; report: () => ScoreReport } | { ok: false; message: string } {
    let parsed: ScoreReport | null | undefined
    // The listed row holds the report's text already: it is parsed only if asked for, and only if the seal names it.
    const load = (): ScoreReport | null => (parsed === undefined ? (parsed = sealedReportOf(row.score_cache, row.report_hash)) : parsed)
    const report = (): ScoreReport => {
      const r = load()
      if (!r) throw new ApiError('conflict', `Tampered: the report stored for session ${row.id} is not the one its call was sealed with.`)
      return r
    }
    if (row.sealed !== 1) return { ok: true, events: [], report }
    const { events, verification } = this.reviewedSessions().has(row.id) ? this.options.reviews.reviewEvents(row.id, row.f_seal_hash) : { events: [], verification: null }
    if (verification && !verification.ok) return { ok: false, message: verification.message }
    let r: ReviewFacts
    if (events.length) {
      const sealed = load()
      if (!sealed) return { ok: false, message: 'Tampered: the stored report is not the one the call was sealed with.' }
      r = this.reviewFacts(row.f_mode, row.f_ended_at, sealed, events)
    } else {
      r = {
        state: row.f_mode === 'assessment' ? 'awaiting-review' : 'none',
        score: row.auto_score,
        source: 'automatic',
        compliance: row.auto_compliance as 'pass' | 'fail',
        waitingSince: row.f_mode === 'assessment' ? row.f_ended_at : null,
        disputeItems: [],
      }
    }
    const same = r.state === row.review_state && r.score === row.score && r.source === row.score_source && r.compliance === row.compliance && r.waitingSince === row.waiting_since
    if (!same) return { ok: false, message: 'Tampered: the listed review state or score is not what its review actions say.' }
    return { ok: true, events, report }
  }

  /**
   * The check of listed rows (reviewStore.checkRow), by session id: the
   * records not verified yet in this process are re-hashed whole, their
   * events read in one statement for all of them; then each row's index
   * columns and review columns. A row that fails is marked tampered (trends
   * leave it out). Sound sealed rows are remembered while they stay as they
   * are (`remember`: lists; the sweep keeps only recordsVerified).
   */
  private checkRows(rows: readonly ListedRow[], remember = true): Map<string, RowCheck> {
    const out = new Map<string, RowCheck>()
    const unverified = rows.filter((row) => {
      const known = this.verified.get(row.id)
      if (known) out.set(row.id, known)
      return !known && this.rememberedEvents(row) === null
    })
    const records = this.options.store.verifySessions(unverified.map(sessionRowOf))
    const recordOf = new Map(unverified.map((row, i) => [row.id, records[i]!]))
    for (const row of rows) {
      if (out.has(row.id)) continue
      const record = recordOf.get(row.id)
      // A record verified earlier has exactly the events it had then.
      const eventCount = record?.eventCount ?? this.rememberedEvents(row) ?? 0
      const check = checkRow(row, record?.verification ?? null, (hash) => this.tierOf(hash), record?.reportHash ?? null)
      const tampered = (message: string) => {
        this.markTampered(row)
        out.set(row.id, { ok: false, message, eventCount })
      }
      if (!check.ok) {
        tampered(check.message)
        continue
      }
      const review = this.reviewColumnsHold(row)
      if (!review.ok) {
        tampered(review.message)
        continue
      }
      if (check.sealed) this.sealedVerified.add(row.s_rowid)
      else if (row.status === 'interrupted') this.interruptedVerified.set(row.s_rowid, { resumes: row.resumes?.length ?? 0, events: eventCount })
      const result: CheckedRow = { ok: true, sealed: check.sealed, events: review.events, report: review.report, message: check.message, eventCount }
      // An unsealed session may still move on (a live call): only sealed rows are remembered.
      if (check.sealed && remember) this.verified.set(row.id, result)
      out.set(row.id, result)
    }
    return out
  }

  // -------------------------------------------------------------------------
  // Roles

  /** Whether this connection has unlocked supervisor mode (the workbench asks too). */
  isSupervisor(caller?: CallerContext): boolean {
    return this.connection(caller).role === 'supervisor'
  }

  private connection(caller?: CallerContext): Connection {
    const id = caller?.connection ?? 'local'
    let c = this.connections.get(id)
    if (!c) {
      c = { role: 'trainee', profile: null, supervisor: null, folders: new Set(), exporting: null }
      this.connections.set(id, c)
    }
    return c
  }

  private state(c: Connection): RoleState {
    return {
      role: c.role,
      profile: c.profile,
      supervisor: c.supervisor,
      passphraseSet: this.options.lock.isSet(),
      capabilities: { pdf: this.options.printPdf !== undefined, folderDialog: this.options.chooseFolder !== undefined },
    }
  }

  /** The trainee name a trainee connection is held to; throws until a profile is picked. */
  private ownName(c: Connection): string {
    if (!c.profile) throw new ApiError('forbidden', 'Pick your profile first: a trainee sees only their own sessions.')
    return c.profile.name
  }

  /**
   * The trainee a call is recorded under: the profile this connection chose,
   * never a name the page sends, so nobody starts a call as someone else.
   */
  profileName(caller?: CallerContext): string {
    const c = this.connection(caller)
    if (!c.profile) throw new ApiError('forbidden', 'Pick your profile first: a call is recorded under the profile you chose.')
    return c.profile.name
  }

  /** A session read (a record, a list): a supervisor reads any session; a trainee only their own. */
  mayRead(caller: CallerContext | undefined, trainee: string): void {
    this.ownSession(this.connection(caller), trainee)
  }

  /** The trainee a session list is held to: the caller's own profile, unless supervisor mode is unlocked (then whoever was asked for). */
  readableTrainee(caller: CallerContext | undefined, asked: string | undefined): string | undefined {
    const c = this.connection(caller)
    return c.role === 'supervisor' ? asked : this.ownName(c)
  }

  /** Taking a call on (acting, viewing, ending, resuming): only on the profile it is recorded under, whatever the role. */
  mayTakeCall(caller: CallerContext | undefined, trainee: string): void {
    if (this.profileName(caller).toLowerCase() !== trainee.toLowerCase())
      throw new ApiError('forbidden', `This call is recorded under ${trainee}, not under your profile; only ${trainee} can go on with it.`)
  }

  private ownSession(c: Connection, trainee: string): void {
    if (c.role === 'supervisor') return
    if (this.ownName(c).toLowerCase() !== trainee.toLowerCase()) throw new ApiError('forbidden', 'This session belongs to another trainee; a trainee sees only their own.')
  }

  // -------------------------------------------------------------------------
  // Lists

  private parseQuery(c: Connection, query: SessionQuery): ParsedQuery {
    const q = parseApiArgs('sessions.query', query) as ParsedQuery
    if (c.role === 'supervisor') return q
    return { ...q, trainee: this.ownName(c) }
  }

  /** Rows as a list shows them, each checked (checkRows) first. */
  private rowsOf(c: Connection, rows: readonly ListedRow[]): SessionListRow[] {
    const checks = this.checkRows(rows)
    return rows.map((row) => this.rowOf(c, row, checks.get(row.id)!))
  }

  private rowOf(c: Connection, row: ListedRow, check: RowCheck): SessionListRow {
    const verdict = check.ok && check.sealed
    const published = verdict && (c.role === 'supervisor' || check.events.some((e) => e.type === 'publish'))
    const visible = published && check.events.length ? visibleTo(c.role, check.events) : []
    const scores = verdict && visible.length ? reviewScores(this.options.rubric, check.report(), visible) : null
    const reviewable = row.mode === 'assessment'
    // One object literal per row (a list page, an export of thousands): a tampered or unsealed row has no figures.
    return {
      sessionId: row.id,
      trainee: row.trainee,
      scenarioId: row.scenario_id,
      scenarioTitle: row.scenario_title,
      tier: row.tier as 1 | 2 | 3,
      mode: row.mode,
      status: row.status,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      durationMs: row.ended_at === null ? null : row.ended_at - row.started_at,
      eventCount: check.eventCount,
      callerType: verdict ? (row.caller_type as SessionListRow['callerType']) : null,
      score: verdict ? (scores?.counting ?? row.auto_score) : null,
      scoreSource: verdict ? (scores?.countingSource ?? 'automatic') : null,
      autoScore: verdict ? row.auto_score : null,
      compliance: verdict ? (scores?.compliance ?? (row.auto_compliance as 'pass' | 'fail')) : null,
      outcome: verdict ? (row.outcome as SessionListRow['outcome']) : null,
      criticalFailures: verdict && row.critical !== 0 ? (JSON.parse(row.critical_ids) as string[]) : [],
      reviewState: !verdict ? 'none' : published ? reviewState(check.events, reviewable) : reviewable ? 'awaiting-review' : 'none',
      verification: { ok: check.ok, sealed: verdict, message: check.message },
    }
  }

  query(c: Connection, query: SessionQuery): ApiResults['sessions.query'] {
    const q = this.parseQuery(c, query)
    const { rows, total } = this.options.reviews.page(q)
    return { rows: this.rowsOf(c, rows), total, offset: q.offset, limit: q.limit }
  }

  private queue(c: Connection, limit: number): ApiResults['review.queue'] {
    const item = (row: ListedRow): QueueItem => ({
      sessionId: row.id,
      trainee: row.trainee,
      scenarioTitle: row.scenario_title,
      startedAt: row.started_at,
      waitingSince: row.waiting_since ?? row.ended_at ?? row.started_at,
      items: row.dispute_items ? (JSON.parse(row.dispute_items) as string[]) : [],
    })
    // A row that fails its check is not queued as if it were sound: lists show it as tampered.
    const sound = (rows: ListedRow[]) => {
      const checks = this.checkRows(rows)
      return rows.filter((r) => checks.get(r.id)!.ok)
    }
    return {
      awaitingReview: sound(this.options.reviews.queue(['awaiting-review', 'in-review'], limit)).map(item),
      awaitingRuling: sound(this.options.reviews.queue(['disputed'], limit)).map(item),
    }
  }

  // -------------------------------------------------------------------------
  // One session

  /** The checked record and the pinned scenario version it was played with, for replay. */
  private loaded(sessionId: string): { record: SessionRecord; compiled: CompiledScenario } {
    const known = this.records.get(sessionId)
    if (known) {
      this.records.delete(sessionId)
      this.records.set(sessionId, known)
      return known
    }
    const { record, compiled } = this.options.sessions.checked(sessionId)
    if (!compiled) throw new ApiError('not-found', `This session cannot be replayed: ${record.verification.message}`)
    // A finished call's record never changes while this process is the only writer: keep the last few checked.
    if (record.info.status === 'finished') {
      this.records.set(sessionId, { record, compiled })
      while (this.records.size > REPLAYS_KEPT) this.records.delete(this.records.keys().next().value!)
    }
    return { record, compiled }
  }

  private open(c: Connection, sessionId: string, blind: boolean): ReviewRecord {
    const { record, compiled } = this.loaded(sessionId)
    this.ownSession(c, record.info.trainee)
    if (blind && c.role !== 'supervisor') throw new ApiError('forbidden', 'Blind grading needs supervisor mode.')
    const seal = this.options.reviews.sealOf(sessionId)
    const { events, verification } = this.options.reviews.reviewEvents(sessionId, record.report ? seal : null)
    const report = record.report
    const thread = report && !blind ? this.thread(c, report, events, verification, record.info.mode === 'assessment', record.info.endedAt) : null
    const mine = blind && c.supervisor ? (blindGrades(events).get(c.supervisor) ?? null) : null
    return {
      info: record.info,
      scenarioTitle: compiled.scenario.title,
      verification: record.verification,
      steps: reviewSteps(compiled, record.info, record.events, blind ? null : report, record.verification.firstBadSeq),
      overall: overallJudgements(blind ? null : report, record.events),
      notes: notesOf(record.events),
      report: blind ? null : report,
      thread,
      blind,
      blindGrade: mine,
      gradable: this.items.map(({ id, title, max, critical }) => ({ id, title, max, critical })),
    }
  }

  private thread(c: Connection, report: ScoreReport, all: readonly ReviewEvent[], verification: ReviewThread['verification'], reviewable: boolean, _endedAt: number | null): ReviewThread {
    const shown = visibleTo(c.role, all).map(({ prevHash: _p, ...e }: ReviewEvent & { prevHash?: string }) => e)
    const published = c.role === 'supervisor' || all.some((e) => e.type === 'publish')
    return {
      state: published ? reviewState(all, reviewable) : reviewable ? 'awaiting-review' : 'none',
      events: shown,
      comments: shown.flatMap((e) => (e.type === 'comment' ? [{ step: e.step, text: e.text, by: e.actor.name, at: e.at, seq: e.seq }] : [])),
      scores: published ? reviewScores(this.options.rubric, report, shown) : null,
      disputes: published ? disputesOf(shown) : [],
      verification,
    }
  }

  private step(c: Connection, sessionId: string, step: number): ApiResults['review.step'] {
    const replay = this.replayOf(sessionId)
    this.ownSession(c, replay.info.trainee)
    if (step > replay.events.length) throw new ApiError('invalid-argument', `This call has ${replay.events.length} steps; there is no step ${step}.`)
    // From the nearest kept snapshot at or before the step: at most CHECKPOINT_EVERY - 1 decisions to replay.
    const from = Math.floor(step / CHECKPOINT_EVERY)
    let snapshot = replay.checkpoints[from]!
    for (let k = from * CHECKPOINT_EVERY; k < step; k++) snapshot = advance(replay.compiled, snapshot, replay.events[k]!)
    return { sessionId, step, view: viewAfter(replay.compiled, replay.info.mode, replay.events, step, snapshot) }
  }

  /**
   * A session's replay for stepping: its checked record and the machine's
   * snapshot every CHECKPOINT_EVERY decisions, kept for the few sessions open
   * last (a sealed or interrupted record never changes; a live one is
   * replayed again once it has moved on).
   */
  private replayOf(sessionId: string): Replay {
    const known = this.replays.get(sessionId)
    const stored = known ? null : this.loaded(sessionId)
    if (known && (known.info.status !== 'active' || known.events.length === this.options.store.getSession(sessionId).events.length)) {
      this.replays.delete(sessionId)
      this.replays.set(sessionId, known)
      return known
    }
    const { record, compiled } = stored ?? this.loaded(sessionId)
    const checkpoints: CallSnapshot[] = []
    let snapshot = startCall(compiled, record.info.seed)
    for (let k = 0; ; k++) {
      if (k % CHECKPOINT_EVERY === 0) checkpoints.push(snapshot)
      if (k === record.events.length) break
      snapshot = advance(compiled, snapshot, record.events[k]!)
    }
    const replay: Replay = { info: record.info, events: record.events, compiled, checkpoints }
    this.replays.set(sessionId, replay)
    while (this.replays.size > REPLAYS_KEPT) this.replays.delete(this.replays.keys().next().value!)
    return replay
  }

  private act(c: Connection, sessionId: string, action: ApiArgs<'review.act'>['action']): ReviewThread {
    const { record } = this.options.sessions.checked(sessionId)
    this.ownSession(c, record.info.trainee)
    if (!record.verification.ok) throw new ApiError('conflict', `This session cannot be reviewed: ${record.verification.message} Nothing was recorded.`)
    if (!record.report) throw new ApiError('conflict', 'This call has no verdict (it did not end with a seal), so it cannot be reviewed. Nothing was recorded.')
    const seal = this.options.reviews.sealOf(sessionId)!
    const { events, verification } = this.options.reviews.reviewEvents(sessionId, seal)
    if (!verification.ok) throw new ApiError('conflict', `${verification.message} Nothing was recorded.`)
    const refusal = refusalOfAction(events, action, c.role, this.items, deductedItems(this.options.rubric, record.report))
    if (refusal) {
      const forbidden = refusal.includes('supervisor mode') || refusal.startsWith('Only the trainee')
      throw new ApiError(forbidden ? 'forbidden' : 'conflict', `${refusal} Nothing was recorded.`)
    }
    if (c.role === 'trainee' && !events.some((e) => e.type === 'publish')) throw new ApiError('forbidden', 'There is no published review of this session yet.')
    const actor = { role: c.role, name: c.role === 'supervisor' ? c.supervisor! : this.ownName(c) }
    const appended = this.options.reviews.appendReviewEvent(sessionId, seal, events.length + 1, actor, action)
    this.reviewedSessions().add(sessionId)
    this.verified.delete(sessionId)
    const all = [...events, appended]
    this.options.reviews.updateReview(sessionId, this.reviewFacts(record.info.mode, record.info.endedAt, record.report, all))
    return this.thread(c, record.report, all, { ...verification, message: `All ${all.length} review action${all.length === 1 ? '' : 's'} verify.` }, record.info.mode === 'assessment', record.info.endedAt)
  }

  // -------------------------------------------------------------------------
  // Calibration

  private calibration(args: ApiArgs<'calibration.report'>): CalibrationReport {
    const threshold = args.threshold ?? 10
    const ids = args.sessionIds ?? this.options.reviews.blindGradedSessions(args.scenarioId)
    const overall = new AgreementCounter(threshold)
    const perItem = new Map(this.items.map((i) => [i.id, new AgreementCounter(threshold)]))
    const sessions: CalibrationReport['sessions'] = []
    for (const id of ids) {
      const { record } = this.options.sessions.checked(id)
      if (!record.report) continue
      const seal = this.options.reviews.sealOf(id)
      const { events, verification } = this.options.reviews.reviewEvents(id, seal)
      if (!verification.ok) continue
      const grades = blindGrades(events)
      if (!grades.size) continue
      const auto = automaticItemScores(this.options.rubric, record.report)
      const cal = calibrationItems(this.items, auto, grades, threshold)
      for (const item of cal) perItem.get(item.id)!.add(item.max, item.auto, Object.values(item.grades))
      const totals: Record<string, number> = {}
      for (const [grader, g] of grades) {
        // A grader's total: the automatic items with theirs in place, by the scorer's arithmetic.
        const asOverrides: ReviewEvent[] = [
          { type: 'sign-off', seq: 0, at: 0, actor: { role: 'supervisor', name: grader }, hash: '' },
          ...Object.entries(g).map(([item, score], i): ReviewEvent => ({ type: 'override', item, score, reason: 'blind grade', seq: i + 1, at: 0, actor: { role: 'supervisor', name: grader }, hash: '' })),
        ]
        totals[grader] = reviewScores(this.options.rubric, record.report, asOverrides).counting
      }
      overall.add(100, record.report.score, Object.values(totals))
      const stored = this.options.store.getSession(id)
      sessions.push({ sessionId: id, trainee: record.info.trainee, scenarioTitle: stored.scenarioTitle, graders: [...grades.keys()], items: cal, overall: { auto: record.report.score, grades: totals } })
    }
    return { threshold, sessions, perItem: this.items.map((i) => ({ id: i.id, title: i.title, agreement: perItem.get(i.id)!.result() })), overall: overall.result() }
  }

  // -------------------------------------------------------------------------
  // Trends

  /**
   * The one statement trends read: every sealed assessment session of the
   * filter, from the covering index alone (never the table), as arrays in
   * TREND_COLUMNS order. The benchmark runs it bare too.
   */
  trendScan(args: ApiArgs<'trends.get'>): { sql: string; params: Record<string, unknown> } {
    const filter = { trainee: args.trainee, scenarioId: args.scenarioId, tier: args.tier, from: args.from, to: args.to }
    const { where, params } = queryWhere({ ...filter, mode: 'assessment' })
    return { sql: `SELECT ${TREND_COLUMNS.map((c) => `f.${c}`).join(', ')} FROM review_facts f WHERE ${where} AND f.sealed = 1`, params }
  }

  /**
   * Trends in one pass over the scan, aggregated here rather than by five
   * GROUP BY statements (each of those sorts its groups; the pass needs no
   * sort). Rows found tampered are skipped by rowid.
   */
  async trends(args: ApiArgs<'trends.get'>): Promise<Trends> {
    await this.start()
    const parsed = parseApiArgs('trends.get', args)
    const scan = this.trendScan(parsed)
    const bucketOf = bucketer(parsed.bucket ?? 'week')
    // Groups by key, then by bucket: one Map lookup per level, no string keys built per row.
    const byScenario = new Map<string, Map<number, { n: number; pass: number; critical: number }>>()
    const byTrainee = new Map<string, Map<number, { n: number; pass: number; critical: number }>>()
    const falsePositive = new Map<string, Map<number, { n: number; hits: number }>>()
    const tacticsOf = new Map<string, { uses: Int32Array; fell: Int32Array }>()
    const rules = new Int32Array(32)
    const skip = this.tamperedRows
    for (const row of this.options.reviews.trendScan(scan.sql, scan.params)) {
      const [rowid, scenario, trainee, startedAt, compliance, critical, callerType, fp, rulesMask, tacticsUsed, tacticsFell] = row as [
        number, string, string, number, string, number, string, number, number, number, number,
      ]
      if (skip.size && skip.has(rowid)) continue
      const at = bucketOf(startedAt)
      const pass = compliance === 'pass' ? 1 : 0
      const crit = critical > 0 ? 1 : 0
      count(byScenario, scenario, at, pass, crit)
      count(byTrainee, trainee, at, pass, crit)
      if (callerType === 'legitimate') {
        let buckets = falsePositive.get(trainee)
        if (!buckets) falsePositive.set(trainee, (buckets = new Map()))
        const g = buckets.get(at)
        if (g) {
          g.n++
          g.hits += fp
        } else buckets.set(at, { n: 1, hits: fp })
      }
      // Both masks fit in 31 bits (R1-R21; 16 tactics), so bitwise operators are exact.
      for (let m = rulesMask >> 1, bit = 1; m; m >>= 1, bit++) if (m & 1) rules[bit]!++
      if (tacticsUsed) {
        let t = tacticsOf.get(trainee)
        if (!t) tacticsOf.set(trainee, (t = { uses: new Int32Array(TACTIC_BITS.length), fell: new Int32Array(TACTIC_BITS.length) }))
        for (let m = tacticsUsed, f = tacticsFell, i = 0; m; m >>= 1, f >>= 1, i++) {
          if (!(m & 1)) continue
          t.uses[i]!++
          if (f & 1) t.fell[i]!++
        }
      }
    }
    const flat = <T>(m: Map<string, Map<number, T>>) =>
      [...m.keys()].sort().flatMap((key) => [...m.get(key)!].sort((x, y) => x[0] - y[0]).map(([at, g]) => ({ key, at, ...g })))
    const tactics: TrendRows['tactics'] = []
    const trainees = [...tacticsOf.keys()].sort()
    for (const [i, tactic] of TACTIC_BITS.entries())
      for (const trainee of trainees) {
        const t = tacticsOf.get(trainee)!
        if (t.uses[i]) tactics.push({ tactic, trainee, uses: t.uses[i]!, fell: t.fell[i]! })
      }
    tactics.sort((x, y) => (x.tactic < y.tactic ? -1 : x.tactic > y.tactic ? 1 : 0))
    return this.trendsFrom(parsed, {
      byScenario: flat(byScenario),
      byTrainee: flat(byTrainee),
      falsePositive: flat(falsePositive),
      tactics,
      rules: [...rules.entries()].filter(([, n]) => n > 0).map(([bit, failures]) => ({ rule: `R${bit}`, failures })),
    })
  }

  /** Shapes the aggregates' rows into series; every point carries the filter that lists its sessions. */
  trendsFrom(args: ApiArgs<'trends.get'>, rows: TrendRows): Trends {
    const bucket = args.bucket ?? 'week'
    const base: SessionQuery = {
      mode: 'assessment',
      ...(args.trainee !== undefined ? { trainee: args.trainee } : {}),
      ...(args.scenarioId !== undefined ? { scenarioId: args.scenarioId } : {}),
      ...(args.tier !== undefined ? { tier: args.tier } : {}),
    }
    const window = (at: number): Pick<SessionQuery, 'from' | 'to'> => ({
      from: Math.max(at, args.from ?? at),
      to: Math.min(bucketEnd(at, bucket), args.to ?? Number.MAX_SAFE_INTEGER),
    })
    // Tens of thousands of points for a large team: each point's filter is its series' filter
    // (built once per series) and its window, with no intermediate rows.
    const seriesOf = <R extends { key: string; at: number; n: number }>(
      list: readonly R[],
      hitsOf: (r: R) => number,
      keyFilter: (key: string) => SessionQuery,
      labelOf: (key: string) => string = (key) => key,
      extra: SessionQuery = {},
    ): TrendSeries[] => {
      const out: TrendSeries[] = []
      let series = null as TrendSeries | null
      let filter: SessionQuery = base
      for (const r of list) {
        // Rows come grouped by key (flat sorts them), so a key's series is the one just built.
        if (series?.key !== r.key) {
          series = { key: r.key, label: labelOf(r.key), points: [] }
          filter = { ...base, ...keyFilter(r.key), ...extra }
          out.push(series)
        }
        series.points.push({ at: r.at, sessions: r.n, rate: r.n ? hitsOf(r) / r.n : 0, filter: { ...filter, ...window(r.at) } })
      }
      return out
    }
    const titles = new Map(this.options.library.list().map((x) => [x.id, x.title]))
    const scenarioKey = (key: string): SessionQuery => ({ scenarioId: key })
    const traineeKey = (key: string): SessionQuery => ({ trainee: key })
    const title = (key: string) => titles.get(key) ?? key
    const passes = (r: TrendRows['byScenario'][number]) => r.pass
    const criticals = (r: TrendRows['byScenario'][number]) => r.critical
    const overall = new Map<number, { n: number; hits: number }>()
    for (const r of rows.falsePositive) {
      const o = overall.get(r.at) ?? { n: 0, hits: 0 }
      o.n += r.n
      o.hits += r.hits
      overall.set(r.at, o)
    }
    const tactics = new Map<string, Trends['tactics'][number]>()
    for (const r of rows.tactics) {
      const tactic = r.tactic as Tactic
      const t = tactics.get(tactic) ?? { tactic, team: { rate: 0, uses: 0, filter: { ...base, fellFor: tactic } }, byTrainee: [] }
      t.byTrainee.push({ trainee: r.trainee, rate: r.uses ? r.fell / r.uses : 0, uses: r.uses, filter: { ...base, fellFor: tactic, trainee: r.trainee } })
      const fellBefore = t.team.rate * t.team.uses
      t.team.uses += r.uses
      t.team.rate = t.team.uses ? (fellBefore + r.fell) / t.team.uses : 0
      tactics.set(tactic, t)
    }
    const sessions = rows.byScenario.reduce((n, r) => n + r.n, 0)
    const assignments = this.assignments(args.trainee !== undefined ? { trainee: args.trainee } : {})
    return {
      bucket,
      sessions,
      tampered: this.tampered.size,
      passRate: { byScenario: seriesOf(rows.byScenario, passes, scenarioKey, title), byTrainee: seriesOf(rows.byTrainee, passes, traineeKey) },
      criticalRate: { byScenario: seriesOf(rows.byScenario, criticals, scenarioKey, title), byTrainee: seriesOf(rows.byTrainee, criticals, traineeKey) },
      falsePositive: {
        overall: {
          key: 'all',
          label: 'Everyone',
          points: [...overall]
            .sort((a, b) => a[0] - b[0])
            .map(([at, o]) => ({ at, sessions: o.n, rate: o.n ? o.hits / o.n : 0, filter: { ...base, callerType: 'legitimate' as const, ...window(at) } })),
        },
        byTrainee: seriesOf(rows.falsePositive, (r) => r.hits, traineeKey, undefined, { callerType: 'legitimate' }),
      },
      tactics: [...tactics.values()],
      failuresPerRule: rows.rules.map((r) => ({ rule: r.rule, failures: r.failures, sessions, filter: { ...base, failedRule: r.rule } })),
      coaching: {
        assigned: assignments.length,
        reattempted: assignments.filter((a) => a.attempt !== null).length,
        passed: assignments.filter((a) => a.status === 'passed').length,
      },
    }
  }

  // -------------------------------------------------------------------------
  // Coaching

  /** Assignments with their re-attempts, each re-attempt's row checked as a list checks it. */
  private assignments(filter: { trainee?: string; ids?: string[] }): Assignment[] {
    return this.options.reviews.assignments(filter, (rows) => {
      const checks = this.checkRows(rows)
      return new Set(rows.filter((r) => checks.get(r.id)!.ok).map((r) => r.id))
    })
  }

  private assign(c: Connection, args: ApiArgs<'coaching.assign'>) {
    const parsed = parseApiArgs('coaching.assign', args)
    const library = this.options.library
    const scenarios = parsed.scenarioId
      ? [library.get(parsed.scenarioId)].map((s) => ({ id: parsed.scenarioId!, title: s.title }))
      : library.scenariosWithTactic(parsed.tactic!)
    if (!scenarios.length) throw new ApiError('not-found', `No scenario in the library uses the tactic “${parsed.tactic}”.`)
    const ids = this.options.reviews.addAssignments(
      scenarios.map((s) => ({
        trainee: parsed.trainee,
        scenarioId: s.id,
        scenarioTitle: s.title,
        tactic: parsed.tactic ?? null,
        fromSessionId: parsed.fromSessionId ?? null,
        note: parsed.note,
        assignedBy: c.supervisor!,
      })),
    )
    return this.assignments({ ids })
  }

  // -------------------------------------------------------------------------
  // Exports

  /** The folder an export may write to: absolute, an existing directory, and (desktop app) one this window chose. */
  private exportFolder(c: Connection, folder: string): string {
    if (!isAbsolute(folder)) throw new ApiError('invalid-argument', `Choose a folder by its full path; “${folder}” is not one. Nothing was written.`)
    if (this.options.chooseFolder && !c.folders.has(folder)) throw new ApiError('forbidden', 'Choose the export folder with the folder dialog first. Nothing was written.')
    let isDir: boolean
    try {
      isDir = statSync(folder).isDirectory()
    } catch {
      isDir = false
    }
    if (!isDir) throw new ApiError('not-found', `The folder ${folder} does not exist. Choose another folder; nothing was written.`)
    return folder
  }

  private async writeExport(c: Connection, folder: string, fileName: string, data: string | Uint8Array, rows: number | null): Promise<ExportResult> {
    const file = join(this.exportFolder(c, folder), fileName)
    try {
      await writeFileAtomic(file, data)
    } catch (error) {
      throw new ApiError('storage', exportFailure(file, folder, error))
    }
    return { file, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength, rows }
  }

  /**
   * Every row a filter matches, in its order, a chunk at a time, each chunk
   * checked as a list checks its rows. Between chunks main goes back to its
   * event loop (calls and other windows are answered), and the connection's
   * progress says how far the export has got.
   */
  private async *exportChunks(c: Connection, query: SessionQuery): AsyncGenerator<ListedRow[]> {
    if (c.exporting) throw new ApiError('conflict', 'An export from this window is still being written. Wait for it to finish, then export again.')
    const q = this.parseQuery(c, query)
    const ids = this.options.reviews.matchIds(q)
    const progress = (c.exporting = { done: 0, total: ids.length, cancelled: false })
    try {
      for (let from = 0; from < ids.length; from += this.exportChunk) {
        const chunk = this.options.reviews.rowsInOrder(ids.slice(from, from + this.exportChunk))
        yield chunk
        progress.done = Math.min(ids.length, from + this.exportChunk)
        await new Promise<void>((resolve) => setImmediate(resolve))
        if (progress.cancelled) throw new ApiError('conflict', `The export was cancelled after ${progress.done.toLocaleString('en')} of ${ids.length.toLocaleString('en')} sessions. Nothing was written.`)
      }
    } finally {
      c.exporting = null
    }
  }

  private get exportChunk(): number {
    return this.options.exportChunk ?? EXPORT_CHUNK
  }

  private async sessionsCsv(c: Connection, query: SessionQuery): Promise<{ csv: string; rows: number }> {
    const rows: SessionListRow[] = []
    for await (const chunk of this.exportChunks(c, query)) rows.push(...this.rowsOf(c, chunk))
    const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString())
    const csv = toCsv<SessionListRow>(
      [
        { header: 'Session', value: (r) => r.sessionId },
        { header: 'Trainee', value: (r) => r.trainee },
        { header: 'Scenario', value: (r) => r.scenarioTitle },
        { header: 'Scenario id', value: (r) => r.scenarioId },
        { header: 'Tier', value: (r) => r.tier },
        { header: 'Caller', value: (r) => r.callerType },
        { header: 'Mode', value: (r) => r.mode },
        { header: 'Status', value: (r) => r.status },
        { header: 'Started (UTC)', value: (r) => iso(r.startedAt) },
        { header: 'Duration (s)', value: (r) => (r.durationMs === null ? null : Math.round(r.durationMs / 1000)) },
        { header: 'Decisions', value: (r) => r.eventCount },
        { header: 'Score', value: (r) => r.score },
        { header: 'Score by', value: (r) => r.scoreSource },
        { header: 'Automatic score', value: (r) => r.autoScore },
        { header: 'Compliance', value: (r) => r.compliance },
        { header: 'Outcome', value: (r) => r.outcome },
        { header: 'Critical failures', value: (r) => r.criticalFailures.join(' ') },
        { header: 'Review', value: (r) => r.reviewState },
        { header: 'Record', value: (r) => (r.verification.ok ? 'verified' : r.verification.message) },
      ],
      rows,
    )
    return { csv, rows: rows.length }
  }

  private async rulesCsv(c: Connection, query: SessionQuery): Promise<{ csv: string; rows: number }> {
    const perRule = new Map<string, { sessions: Set<string>; deductions: number; points: number; critical: number; items: Set<string> }>()
    let sessions = 0
    for await (const page of this.exportChunks(c, query)) {
      const checks = this.checkRows(page)
      for (const row of page) {
      const check = checks.get(row.id)!
      if (!check.ok || !check.sealed) continue
      sessions++
      const report = check.report()
      for (const rule of failedRules(report)) {
        const r = perRule.get(rule) ?? { sessions: new Set(), deductions: 0, points: 0, critical: 0, items: new Set() }
        r.sessions.add(row.id)
        perRule.set(rule, r)
      }
      for (const d of report.deductions) {
        const r = perRule.get(d.rule)!
        r.deductions++
        r.points += d.points
        r.items.add(d.item)
      }
      for (const x of report.criticalFailures) perRule.get(x.rule)!.critical++
      }
    }
    const ruleOrder = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1))
    const csv = toCsv<[string, { sessions: Set<string>; deductions: number; points: number; critical: number; items: Set<string> }]>(
      [
        { header: 'Rule', value: ([rule]) => rule },
        { header: 'Sessions failing it', value: ([, r]) => r.sessions.size },
        { header: 'Sessions in the list', value: () => sessions },
        { header: 'Share failing', value: ([, r]) => (sessions ? Math.round((r.sessions.size / sessions) * 1000) / 1000 : 0) },
        { header: 'Deductions', value: ([, r]) => r.deductions },
        { header: 'Points deducted', value: ([, r]) => Math.round(r.points * 10) / 10 },
        { header: 'Critical failures', value: ([, r]) => r.critical },
        { header: 'Rubric items', value: ([, r]) => [...r.items].sort().join(' ') },
      ],
      [...perRule].sort((a, b) => ruleOrder(a[0], b[0])),
    )
    return { csv, rows: perRule.size }
  }

  // -------------------------------------------------------------------------

  /** The review methods, each refusing with 'forbidden' unless its connection may call it. */
  api(): ReviewApi {
    const o = this.options
    const handlers: { [M in ReviewMethod]: (args: ApiArgs<M>, c: Connection, caller: CallerContext | undefined) => Promise<ApiResults[M]> } = {
      'profiles.list': async () => this.options.reviews.profiles(),
      'profiles.create': async ({ name }) => this.options.reviews.createProfile(name),
      'profiles.select': async ({ profileId }, c) => {
        const profile = this.options.reviews.profile(profileId)
        if (!profile) throw new ApiError('not-found', 'There is no such profile: pick one from the list or create yours.')
        Object.assign(c, { role: 'trainee', supervisor: null, profile })
        return this.state(c)
      },
      'role.get': async (_a, c) => this.state(c),
      'role.unlock': async ({ passphrase, name }, c) => {
        if (!o.lock.isSet()) throw new ApiError('not-found', 'No supervisor passphrase is set yet: set one first.')
        const result = await o.lock.unlock(passphrase)
        if (!result.ok) return { ok: false, retryInMs: result.retryInMs, message: result.message, state: this.state(c) }
        Object.assign(c, { role: 'supervisor', supervisor: name.trim() })
        return { ok: true, state: this.state(c) }
      },
      'role.lock': async (_a, c) => {
        Object.assign(c, { role: 'trainee', supervisor: null })
        c.folders.clear()
        return this.state(c)
      },
      'role.setPassphrase': async ({ passphrase, current, name }, c) => {
        await o.lock.setPassphrase(passphrase, current)
        Object.assign(c, { role: 'supervisor', supervisor: name.trim() })
        return this.state(c)
      },
      'sessions.query': async (args, c) => this.query(c, args),
      'review.queue': async (args, c) => this.queue(c, parseApiArgs('review.queue', args).limit),
      'review.open': async ({ sessionId, blind }, c) => this.open(c, sessionId, blind ?? false),
      'review.step': async ({ sessionId, step }, c) => this.step(c, sessionId, step),
      'review.act': async ({ sessionId, action }, c) => this.act(c, sessionId, action),
      'calibration.report': async (args) => this.calibration(args),
      'trends.get': async (args) => this.trends(args),
      'trends.progress': async () => this.sweepProgress(),
      'coaching.assign': async (args, c) => this.assign(c, args),
      'coaching.list': async ({ trainee, openOnly }, c) => {
        const who = c.role === 'supervisor' ? trainee : this.ownName(c)
        return this.assignments(who !== undefined ? { trainee: who } : {}).filter((a) => !openOnly || a.status === 'open')
      },
      'exports.chooseFolder': async ({ typed }, c, caller) => {
        if (!o.chooseFolder) return { folder: typed ?? null }
        const folder = await o.chooseFolder(caller ?? { connection: 'local' })
        if (folder) c.folders.add(folder)
        return { folder }
      },
      'exports.sessionsCsv': async ({ query, folder, fileName }, c) => {
        this.exportFolder(c, folder)
        const { csv, rows } = await this.sessionsCsv(c, query)
        return this.writeExport(c, folder, fileName, csv, rows)
      },
      'exports.rulesCsv': async ({ query, folder, fileName }, c) => {
        this.exportFolder(c, folder)
        const { csv, rows } = await this.rulesCsv(c, query)
        return this.writeExport(c, folder, fileName, csv, rows)
      },
      'exports.progress': async (_args, c) => (c.exporting ? { active: true, done: c.exporting.done, total: c.exporting.total } : { active: false, done: 0, total: 0 }),
      'exports.cancel': async (_args, c) => {
        if (!c.exporting) return { cancelled: false }
        c.exporting.cancelled = true
        return { cancelled: true }
      },
      'exports.sessionPdf': async ({ sessionId, folder, fileName }, c, caller) => {
        if (!o.printPdf) throw new ApiError('conflict', 'PDF export needs the desktop app. In the browser preview, open the print view and use the browser’s Print (Ctrl+P) to save a PDF.')
        this.open(c, sessionId, false)
        this.exportFolder(c, folder)
        let pdf: Uint8Array
        try {
          pdf = await o.printPdf(caller ?? { connection: 'local' })
        } catch (error) {
          throw new ApiError('internal', `The PDF could not be made (${(error as Error).message}). Nothing was written.`)
        }
        return this.writeExport(c, folder, fileName, pdf, null)
      },
      'exports.printView': async ({ sessionId }, c) => ({ record: this.open(c, sessionId, false), generatedAt: this.clock() }),
    }
    const trainee = new Set<string>(TRAINEE_REVIEW_METHODS)
    return Object.fromEntries(
      REVIEW_METHOD_NAMES.map((method) => [
        method,
        async (args: unknown, caller?: CallerContext) => {
          const c = this.connection(caller)
          if (c.role !== 'supervisor' && !trainee.has(method)) {
            throw new ApiError('forbidden', `${method} needs supervisor mode: unlock it with the supervisor passphrase.`)
          }
          // Parsed here too, not only by the transports: a direct caller gets the same checks and defaults.
          return (handlers[method] as (a: unknown, c: Connection, caller?: CallerContext) => Promise<unknown>)(parseApiArgs(method, args), c, caller)
        },
      ]),
    ) as unknown as ReviewApi
  }
}

/** Snapshots are kept every this many decisions: a step replays at most this many less one. */
const CHECKPOINT_EVERY = 10
/** Sessions whose replay is kept for stepping (a supervisor steps through one, maybe compares a few). */
const REPLAYS_KEPT = 4

interface Replay {
  info: SessionRecord['info']
  events: SessionRecord['events']
  compiled: CompiledScenario
  checkpoints: CallSnapshot[]
}

interface CheckedRow {
  ok: true
  sealed: boolean
  events: StoredReviewEvent[]
  /** The sealed report, parsed on first use (its hash was checked with the seal). */
  report: () => ScoreReport
  message: string
  eventCount: number
}

/** A listed row's check: sound, or why it is tampered. */
type RowCheck = CheckedRow | { ok: false; message: string; eventCount: number }

/** What the trend scan reads of each session, in order (all in the covering index review_facts_trend, rowid included). */
const TREND_COLUMNS = ['rowid', 'scenario_id', 'trainee', 'started_at', 'compliance', 'critical', 'caller_type', 'false_positive', 'rules_mask', 'tactics_used', 'tactics_fell'] as const

function count(groups: Map<string, Map<number, { n: number; pass: number; critical: number }>>, key: string, at: number, pass: number, critical: number): void {
  let buckets = groups.get(key)
  if (!buckets) groups.set(key, (buckets = new Map()))
  const g = buckets.get(at)
  if (g) {
    g.n++
    g.pass += pass
    g.critical += critical
  } else buckets.set(at, { n: 1, pass, critical })
}

/** Start of the bucket a time falls in (epoch ms, UTC), remembered per day: a year of sessions has only 365 days. */
function bucketer(bucket: TrendBucket): (t: number) => number {
  const days = new Map<number, number>()
  return (t) => {
    const day = Math.floor(t / DAY)
    let at = days.get(day)
    if (at === undefined) {
      if (bucket === 'day') at = day * DAY
      else if (bucket === 'week') at = Math.floor((day * DAY - FIRST_MONDAY) / (7 * DAY)) * 7 * DAY + FIRST_MONDAY
      else {
        const d = new Date(day * DAY)
        at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
      }
      days.set(day, at)
    }
    return at
  }
}

export interface TrendRows {
  byScenario: Array<{ key: string; at: number; n: number; pass: number; critical: number }>
  byTrainee: Array<{ key: string; at: number; n: number; pass: number; critical: number }>
  falsePositive: Array<{ key: string; at: number; n: number; hits: number }>
  tactics: Array<{ tactic: string; trainee: string; uses: number; fell: number }>
  rules: Array<{ rule: string; failures: number }>
}

function bucketEnd(at: number, bucket: TrendBucket): number {
  if (bucket === 'day') return at + DAY
  if (bucket === 'week') return at + 7 * DAY
  const d = new Date(at)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** Why an export failed, for the person who asked: what, where, what to do. Nothing partial is left (writeFileAtomic). */
export function exportFailure(file: string, folder: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const nothing = 'Nothing was written.'
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `Pretext may not write to the folder ${folder} (it is read-only for this user). Choose another folder. ${nothing}`
    case 'ENOSPC':
    case 'EDQUOT':
      return `The disk holding ${folder} is full, so ${file} could not be written. Free some space or choose another folder. ${nothing}`
    case 'ENOENT':
    case 'ENOTDIR':
      return `The folder ${folder} no longer exists. Choose another folder. ${nothing}`
    case 'EISDIR':
      return `${file} is a folder, so the export cannot replace it. Choose another file name. ${nothing}`
    default:
      return `The export to ${file} failed (${code ?? (error as Error)?.message ?? String(error)}). ${nothing}`
  }
}


