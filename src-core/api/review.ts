import { z } from 'zod'
import { OUTCOME_KINDS, type OutcomeKind, type ScoreReport } from '../scoring/report'
import { CALLER_TYPES, TACTICS, type CallerType, type Tactic } from '../scenario/vocabulary'
import type { ConsoleView, ConsoleLine } from '../session/consoleView'
import type { SessionEvent } from '../session/events'
import type { ChainVerification, SessionInfo, SessionMode, SessionStatus } from './contract'
import type { ReviewMethod } from './reviewMethods'

/**
 * The supervisor-review part of the contract (issue 9): profiles and roles,
 * finding sessions, replaying one as the trainee saw it, the review thread
 * (comments, overrides, sign-off, publication, acknowledgement, disputes,
 * rulings), blind calibration, trends, coaching and exports.
 *
 * Who may call what is decided in main, per transport connection (one
 * Electron window, one page served by the bridge): a trainee sees only the
 * history of the profile chosen on that connection and only published
 * reviews; supervisor-only methods refuse with 'forbidden' until the
 * connection has unlocked supervisor mode. Every time on a review event is
 * main's clock, never the renderer's.
 */

// ---------------------------------------------------------------------------
// Profiles and roles

export type Role = 'trainee' | 'supervisor'

export interface Profile {
  id: string
  /** The name sessions record as their trainee. Unique, compared without case. */
  name: string
  createdAt: number
}

export interface RoleState {
  role: Role
  /** The trainee profile chosen on this connection; null until one is picked. */
  profile: Profile | null
  /** The supervisor's name for attributing review actions; null in trainee mode. */
  supervisor: string | null
  /** False until a supervisor sets the passphrase on first use. */
  passphraseSet: boolean
  /** What this transport can do: the desktop app writes PDFs and shows a folder dialog; the browser preview prints. */
  capabilities: { pdf: boolean; folderDialog: boolean }
}

export type UnlockResult =
  | { ok: true; state: RoleState }
  /** Wrong passphrase, or asked again before the delay after earlier wrong ones ran out. Nothing changed. */
  | { ok: false; retryInMs: number; message: string; state: RoleState }

// ---------------------------------------------------------------------------
// Finding sessions

export { OUTCOME_KINDS }

/**
 * Where a session stands in review. 'none': nothing to review (practice, or a
 * call without a verdict) and nobody has acted on it; 'awaiting-review': a
 * sealed assessment nobody has graded; 'in-review': comments or overrides but
 * no sign-off; then 'signed-off', 'published' (the trainee can see it),
 * 'acknowledged' by the trainee, 'disputed' (a deduction disputed and not yet
 * ruled on) and 'resolved' (every dispute ruled).
 */
export const REVIEW_STATES = ['none', 'awaiting-review', 'in-review', 'signed-off', 'published', 'acknowledged', 'disputed', 'resolved'] as const
export type ReviewStateName = (typeof REVIEW_STATES)[number]

export const SESSION_SORT_KEYS = ['startedAt', 'score', 'trainee', 'scenario', 'duration'] as const
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number]

const scenarioId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(100)
const sessionId = z.string().uuid()
const traineeName = z.string().trim().min(1).max(80)
const epochMs = z.number().int().min(0)
const score = z.number().int().min(0).max(100)
const reasonText = z.string().trim().min(1, 'give a reason').max(2000)
const fileName = z
  .string()
  .trim()
  .min(1)
  .max(120)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not hold
  .regex(/^[^/\\:*?"<>|\u0000-\u001f]+$/, 'a file name, without a folder or the characters / \\ : * ? " < > |')
  .refine((n) => !n.startsWith('.'), 'a file name that does not start with a dot')

/**
 * The filter of a session list. Every trend point carries one, so clicking it
 * opens exactly the sessions behind it. For a trainee, main forces `trainee`
 * to the connection's profile.
 */
export const SessionQuerySchema = z.strictObject({
  trainee: traineeName.optional(),
  scenarioId: scenarioId.optional(),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  callerType: z.enum(CALLER_TYPES).optional(),
  mode: z.enum(['practice', 'assessment']).optional(),
  status: z.enum(['active', 'finished', 'interrupted']).optional(),
  /** Started at or after (epoch ms). */
  from: epochMs.optional(),
  /** Started before (epoch ms). */
  to: epochMs.optional(),
  outcome: z.enum(OUTCOME_KINDS).optional(),
  compliance: z.enum(['pass', 'fail']).optional(),
  scoreMin: score.optional(),
  scoreMax: score.optional(),
  reviewState: z.enum(REVIEW_STATES).optional(),
  /** Sessions that failed this policy rule (a deduction or critical failure citing it). */
  failedRule: z.string().regex(/^R\d{1,2}$/).optional(),
  /** Sessions where the caller used this tactic and the trainee did not counter it. */
  fellFor: z.enum(TACTICS).optional(),
  /** Legitimate callers turned away or asked for non-factors. */
  falsePositive: z.literal(true).optional(),
  sort: z.enum(SESSION_SORT_KEYS).default('startedAt'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(50),
})
export type SessionQuery = z.input<typeof SessionQuerySchema>

/** One row of a session list. Every figure on it was checked against the session's seal as it was listed. */
export interface SessionListRow {
  sessionId: string
  trainee: string
  scenarioId: string
  scenarioTitle: string
  tier: 1 | 2 | 3
  /** Null for a call that has not ended with a verdict: the caller type is part of the answer key. */
  callerType: CallerType | null
  mode: SessionMode
  status: SessionStatus
  startedAt: number
  endedAt: number | null
  durationMs: number | null
  eventCount: number
  /** The score that counts: the supervisor's once signed off, the automatic one before. Null without a verdict. */
  score: number | null
  scoreSource: 'automatic' | 'supervisor' | null
  /** The scorer's own figure, kept beside the human one. */
  autoScore: number | null
  compliance: 'pass' | 'fail' | null
  outcome: OutcomeKind | null
  criticalFailures: string[]
  reviewState: ReviewStateName
  /** The list-time check: session fields, seal and review head. A tampered row has no figures. */
  verification: { ok: boolean; sealed: boolean; message: string }
}

export interface SessionPage {
  rows: SessionListRow[]
  /** How many sessions match the filter in all. */
  total: number
  offset: number
  limit: number
}

export interface QueueItem {
  sessionId: string
  trainee: string
  scenarioTitle: string
  startedAt: number
  /** When it entered this queue: the call's end, or the dispute. */
  waitingSince: number
  /** For disputes: the items awaiting a ruling. */
  items: string[]
}

export interface ReviewQueue {
  /** Sealed assessment sessions nobody has signed off, oldest first. */
  awaitingReview: QueueItem[]
  /** Sessions with a disputed deduction not yet ruled on, oldest dispute first. */
  awaitingRuling: QueueItem[]
}

// ---------------------------------------------------------------------------
// One session: replay and the review thread

/** A decision of the call as a reviewer steps through it. */
export interface ReviewStep {
  /** The event's seq (1..n). */
  seq: number
  event: SessionEvent
  /** The decision in words ("Asked for the account PIN"). */
  decision: string
  /** What the call said after it: the caller's reply and the system's lines, as the trainee saw them. */
  linesAfter: ConsoleLine[]
  /** Time into the call when it was made (from the call's start). */
  atMs: number
  /** Time the trainee took over it (since the decision before, or the call's start). */
  tookMs: number
  /** The scorer's judgements tied to this step; empty in a blind review. */
  judgements: Judgement[]
  /** True at the first step the record check found altered, and after it. */
  tampered: boolean
}

export interface Judgement {
  /** Rubric item or critical failure id. */
  item: string
  rule: string
  /** Points deducted (weighted items); null for a critical failure. */
  points: number | null
  critical: boolean
  message: string
}

/** The console at one step, rebuilt by replaying the pinned scenario version up to it. */
export interface ReviewStepView {
  sessionId: string
  /** 0: before the first decision; k: after decision k. */
  step: number
  view: ConsoleView
}

export interface ItemGrade {
  /** Rubric item id (A1...) or critical failure id (CF1...). */
  id: string
  title: string
  max: number
  /** The scorer's score for it; for a critical failure 0 when it occurred, else max. */
  auto: number
  /** The supervisor's, when overridden or ruled on; null otherwise. */
  human: number | null
  /** Which of the two counts for this item. */
  counts: 'automatic' | 'supervisor'
  /** The last override or ruling's reason. */
  reason: string | null
}

export interface ReviewScores {
  items: ItemGrade[]
  auto: number
  /** Recomputed with every override and ruling; null when nothing was overridden. */
  human: number | null
  /** The score that counts and whose it is: the supervisor's from sign-off on, when there is one. */
  counting: number
  countingSource: 'automatic' | 'supervisor'
  autoCompliance: 'pass' | 'fail'
  compliance: 'pass' | 'fail'
}

export interface Dispute {
  item: string
  reason: string
  at: number
  ruling: { decision: 'upheld' | 'overturned'; score: number | null; reason: string; at: number; by: string } | null
}

/** What a review action says; main adds who, when, the seq and the hash. */
export const ReviewActionSchema = z.discriminatedUnion('type', [
  /** A comment on one step (0: the call as a whole). */
  z.strictObject({ type: z.literal('comment'), step: z.number().int().min(0), text: z.string().trim().min(1).max(4000) }),
  /** A supervisor's score for a rubric item, or for a critical failure (0: it stands; its max: waived), with the reason. */
  z.strictObject({ type: z.literal('override'), item: z.string().min(1).max(40), score: z.number().int().min(0).max(100), reason: reasonText }),
  z.strictObject({ type: z.literal('sign-off') }),
  z.strictObject({ type: z.literal('publish') }),
  /** Trainee: seen and accepted. */
  z.strictObject({ type: z.literal('acknowledge') }),
  /** Trainee: disputes one deduction (rubric item or critical failure) with a reason. */
  z.strictObject({ type: z.literal('dispute'), item: z.string().min(1).max(40), reason: reasonText }),
  /** Supervisor: rules on a disputed item; overturning sets the item's score (its max when not given). */
  z.strictObject({
    type: z.literal('rule'),
    item: z.string().min(1).max(40),
    decision: z.enum(['upheld', 'overturned']),
    score: z.number().int().min(0).max(100).optional(),
    reason: reasonText,
  }),
  /** A blind calibration grade: every item's score, given without seeing the automatic score or any other review. */
  z.strictObject({ type: z.literal('blind-grade'), items: z.record(z.string().min(1).max(40), z.number().int().min(0).max(100)) }),
])
export type ReviewAction = z.output<typeof ReviewActionSchema>

/** A review action as recorded: append-only, hash-chained per session, never touching the trainee's events. */
export type ReviewEvent = ReviewAction & {
  seq: number
  /** Main's clock. */
  at: number
  actor: { role: Role; name: string }
  hash: string
}

export interface ReviewThread {
  state: ReviewStateName
  /** Every review event in order. A trainee sees none before publication, and never blind grades. */
  events: ReviewEvent[]
  /** Comments by step, for the replay. */
  comments: Array<{ step: number; text: string; by: string; at: number; seq: number }>
  scores: ReviewScores | null
  disputes: Dispute[]
  /** The review chain's own check. */
  verification: ChainVerification
}

export interface ReviewRecord {
  info: SessionInfo
  scenarioTitle: string
  /** The whole record check (fields, every event, seal, score). */
  verification: ChainVerification
  steps: ReviewStep[]
  /** The scorer's judgements not tied to one decision (something never done, or the call as a whole); empty in a blind review. */
  overall: Judgement[]
  /** Every note the trainee saved, text in full. */
  notes: Array<{ seq: number; items: string[]; text: string }>
  /** The automatic report; null when blind, when the call has no verdict, or when the record does not verify. */
  report: ScoreReport | null
  /** Null when blind (the grader sees only their own blind grade, in `blindGrade`). */
  thread: ReviewThread | null
  blind: boolean
  /** This grader's earlier blind grade of this session, if any. */
  blindGrade: Record<string, number> | null
  /** Items a grader scores: every rubric item and critical failure, with its maximum. */
  gradable: Array<{ id: string; title: string; max: number; critical: boolean }>
}

// ---------------------------------------------------------------------------
// Calibration, trends, coaching

export interface CalibrationItem {
  id: string
  title: string
  max: number
  auto: number
  /** Grader name -> score. */
  grades: Record<string, number>
  /** Largest difference between two human grades, in percent of the item's maximum; null with fewer than two. */
  humanSpread: number | null
  /** Largest difference between a human grade and the automatic one, in percent of the item's maximum. */
  autoSpread: number | null
  flagged: boolean
}

export interface Agreement {
  /** Share (0..1) of human-human pairs within the threshold; null without a pair. */
  humanHuman: number | null
  /** Share (0..1) of human-automatic pairs within the threshold; null without a grade. */
  humanAuto: number | null
  pairs: number
}

export interface CalibrationReport {
  /** In percent of an item's maximum (the overall score is out of 100). */
  threshold: number
  sessions: Array<{ sessionId: string; trainee: string; scenarioTitle: string; graders: string[]; items: CalibrationItem[]; overall: { auto: number; grades: Record<string, number> } }>
  perItem: Array<{ id: string; title: string; agreement: Agreement }>
  overall: Agreement
}

export const TREND_BUCKETS = ['day', 'week', 'month'] as const
export type TrendBucket = (typeof TREND_BUCKETS)[number]

export interface TrendPoint {
  /** Start of the bucket (epoch ms, UTC). */
  at: number
  sessions: number
  /** 0..1 */
  rate: number
  /** Opens the sessions behind this point. */
  filter: SessionQuery
}

export interface TrendSeries {
  key: string
  label: string
  points: TrendPoint[]
}

export interface Trends {
  bucket: TrendBucket
  /** The sessions counted: sealed, verified assessment sessions matching the filter. */
  sessions: number
  /** Sessions left out because their record failed its check (shown as tampered in lists). */
  tampered: number
  passRate: { byScenario: TrendSeries[]; byTrainee: TrendSeries[] }
  criticalRate: { byScenario: TrendSeries[]; byTrainee: TrendSeries[] }
  /** Legitimate callers refused or asked for non-factors, over legitimate calls. */
  falsePositive: { overall: TrendSeries; byTrainee: TrendSeries[] }
  /** Per tactic: how often a caller's use of it went uncountered, for the team and each trainee. */
  tactics: Array<{ tactic: Tactic; team: { rate: number; uses: number; filter: SessionQuery }; byTrainee: Array<{ trainee: string; rate: number; uses: number; filter: SessionQuery }> }>
  failuresPerRule: Array<{ rule: string; failures: number; sessions: number; filter: SessionQuery }>
  coaching: { assigned: number; reattempted: number; passed: number }
}

/**
 * How far the open-time check of every record has got: trends count only
 * records it has checked, so they wait for it, and the screen shows this.
 */
export interface RecordCheckProgress {
  /** Records checked so far. */
  checked: number
  /** Records to check (every indexed session, at the start of the check). */
  total: number
  done: boolean
}

/** How far the CSV export this window asked for has got (exports.progress). */
export interface ExportProgress {
  /** An export from this window is being written. */
  active: boolean
  /** Sessions checked and written so far, of the total the filter matched. */
  done: number
  total: number
}

export interface Assignment {
  id: string
  trainee: string
  scenarioId: string
  scenarioTitle: string
  /** When assigned as one of a tactic's scenarios. */
  tactic: Tactic | null
  fromSessionId: string | null
  note: string
  assignedAt: number
  assignedBy: string
  /** The first call of this scenario by the trainee after the assignment, if any. */
  attempt: { sessionId: string; startedAt: number; passed: boolean | null } | null
  status: 'open' | 'passed' | 'not-passed'
}

// ---------------------------------------------------------------------------
// Exports

export interface ExportResult {
  /** The written file's full path. */
  file: string
  bytes: number
  rows: number | null
}

/** What the print view (the browser's print, in the preview) shows of one session. */
export interface PrintView {
  record: ReviewRecord
  generatedAt: number
}

const folder = z.string().min(1).max(4096)

export const REVIEW_API_METHODS = {
  'profiles.list': z.strictObject({}),
  'profiles.create': z.strictObject({ name: traineeName }),
  'profiles.select': z.strictObject({ profileId: z.string().uuid() }),
  'role.get': z.strictObject({}),
  'role.unlock': z.strictObject({ passphrase: z.string().min(1).max(1024), name: traineeName }),
  'role.lock': z.strictObject({}),
  /** Sets the passphrase on first use (and unlocks), or changes it given the current one. */
  'role.setPassphrase': z.strictObject({ passphrase: z.string().min(1).max(1024), current: z.string().max(1024).optional(), name: traineeName }),
  'sessions.query': SessionQuerySchema,
  'review.queue': z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }),
  'review.open': z.strictObject({ sessionId, blind: z.boolean().default(false) }),
  'review.step': z.strictObject({ sessionId, step: z.number().int().min(0) }),
  'review.act': z.strictObject({ sessionId, action: ReviewActionSchema }),
  'calibration.report': z.strictObject({
    sessionIds: z.array(sessionId).max(500).optional(),
    scenarioId: scenarioId.optional(),
    threshold: z.number().min(0).max(100).default(10),
  }),
  'trends.get': z.strictObject({
    trainee: traineeName.optional(),
    scenarioId: scenarioId.optional(),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    from: epochMs.optional(),
    to: epochMs.optional(),
    bucket: z.enum(TREND_BUCKETS).default('week'),
  }),
  'trends.progress': z.strictObject({}),
  'coaching.assign': z
    .strictObject({
      trainee: traineeName,
      scenarioId: scenarioId.optional(),
      tactic: z.enum(TACTICS).optional(),
      fromSessionId: sessionId.optional(),
      note: z.string().max(2000).default(''),
    })
    .refine((a) => (a.scenarioId === undefined) !== (a.tactic === undefined), 'assign either a scenario or a tactic'),
  /** A trainee gets their own; a supervisor any trainee's (or everyone's). */
  'coaching.list': z.strictObject({ trainee: traineeName.optional(), openOnly: z.boolean().default(false) }),
  /** The desktop app shows a folder dialog; without one (the preview) the typed folder is taken as chosen. */
  'exports.chooseFolder': z.strictObject({ typed: folder.optional() }),
  'exports.sessionsCsv': z.strictObject({ query: SessionQuerySchema, folder, fileName }),
  'exports.rulesCsv': z.strictObject({ query: SessionQuerySchema, folder, fileName }),
  'exports.sessionPdf': z.strictObject({ sessionId, folder, fileName }),
  'exports.printView': z.strictObject({ sessionId }),
  'exports.progress': z.strictObject({}),
  /** Stops this window's CSV export between two chunks: nothing is written. */
  'exports.cancel': z.strictObject({}),
} as const satisfies Record<ReviewMethod, z.ZodType>

export interface ReviewApiResults {
  'profiles.list': Profile[]
  'profiles.create': Profile
  'profiles.select': RoleState
  'role.get': RoleState
  'role.unlock': UnlockResult
  'role.lock': RoleState
  'role.setPassphrase': RoleState
  'sessions.query': SessionPage
  'review.queue': ReviewQueue
  'review.open': ReviewRecord
  'review.step': ReviewStepView
  'review.act': ReviewThread
  'calibration.report': CalibrationReport
  'trends.get': Trends
  'trends.progress': RecordCheckProgress
  'coaching.assign': Assignment[]
  'coaching.list': Assignment[]
  'exports.chooseFolder': { folder: string | null }
  'exports.sessionsCsv': ExportResult
  'exports.rulesCsv': ExportResult
  'exports.sessionPdf': ExportResult
  'exports.printView': PrintView
  'exports.progress': ExportProgress
  'exports.cancel': { cancelled: boolean }
}
