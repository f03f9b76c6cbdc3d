import { z } from 'zod'
import type { Policy } from '../engine/policy'
import type { TranscriptLine } from '../engine/world'
import type { Scenario } from '../scenario/schema'
import type { ScoreReport } from '../scoring/report'
import type { ConsoleView, SessionMode } from '../session/consoleView'
import type { SessionEvent } from '../session/events'
import { IntentSchema } from './intent'
import { ApiError, type ApiMethod } from './methods'
import { REVIEW_API_METHODS, type ReviewApiResults } from './review'
import { WORKBENCH_API_METHODS, type WorkbenchApiResults } from './workbench'

export { API_ERROR_CODES, API_METHOD_NAMES, ApiError, isApiErrorCode, isApiMethod } from './methods'
export type { ApiErrorCode, ApiMethod } from './methods'
export * from './review'
export { REVIEW_METHOD_NAMES, TRAINEE_REVIEW_METHODS } from './reviewMethods'
export { IntentSchema } from './intent'
export * from './workbench'
export { WORKBENCH_METHOD_NAMES } from './workbenchMethods'
export type { WorkbenchMethod } from './workbenchMethods'
export type { ReviewMethod } from './reviewMethods'

/**
 * The service contract between the renderer and main. Main implements it once
 * (src-main/services); two transports carry it: Electron IPC (preload + ipc.ts)
 * and the loopback HTTP bridge. Both build their surface from API_METHODS, so
 * the page cannot tell them apart and neither can expose more than this.
 */

export type { SessionMode } from '../session/consoleView'
export type SessionStatus = 'active' | 'finished' | 'interrupted'

/**
 * What the picker shows of a scenario before the call: its title, tier and the
 * trainee's briefing. Never the caller type, the tactics, the author's summary
 * or anything else that would give the answer away.
 */
export interface ScenarioSummary {
  id: string
  title: string
  /** What the call is about, as the trainee is briefed; never whether the caller is genuine. */
  briefing: string
  tier: 1 | 2 | 3
}

export interface LibraryProblem {
  file: string
  /** "file:line:col: message" lines, ready to show. */
  errors: string[]
}

export interface SessionInfo {
  sessionId: string
  scenarioId: string
  scenarioHash: string
  engineVersion: number
  rubricVersion: number
  mode: SessionMode
  trainee: string
  seed: number
  startedAt: number
  endedAt: number | null
  status: SessionStatus
}

export interface AppendAck {
  seq: number
  /** Hex sha256 chaining this event to the previous one. */
  hash: string
}

export interface SessionSummary extends SessionInfo {
  scenarioTitle: string
  eventCount: number
  /** The sealed score and compliance; null unless `verification` is ok and the call was sealed. */
  score: number | null
  compliance: 'pass' | 'fail' | null
  /** Checked for this row on every list: a tampered session is listed as tampered, never with a score. */
  verification: ChainVerification
}

export interface ChainVerification {
  /** False when any stored field, event, seal or score disagrees with what was recorded (tampered). */
  ok: boolean
  /**
   * True when the call ended with a seal that verifies (it has a verdict). A
   * call without one (interrupted, still active, or recorded before seals
   * existed) has no verdict, whatever its events would score.
   */
  sealed: boolean
  /**
   * The first affected step: 0 is the session record itself (trainee, mode,
   * scenario, seed, versions, start time), 1..n the events, n+1 the seal.
   * Null when ok.
   */
  firstBadSeq: number | null
  message: string
}

/** What only the report may show, once the call has ended: the answer key and the call as main recorded it. */
export interface PlayedCall {
  /**
   * The exact scenario version and policy the session was played with (by its
   * hash), so a replay shows the call as the trainee had it even after the
   * file was edited.
   */
  scenario: Scenario
  policy: Policy
  /** The shortest path that serves the caller well, as action labels: "what a good agent would have done". */
  goodPath: string[]
  /** Every line of the call, replayed from the stored log (practice coaching included). */
  transcript: TranscriptLine[]
}

/** A call taken up again after an interruption: part of its record, chained like its events. */
export interface CallResume {
  /** The decisions acknowledged before the interruption; the call went on from there. */
  afterSeq: number
  /** When the last of them was made (the call's start when there was none). */
  interruptedAt: number
  resumedAt: number
}

export interface SessionRecord {
  info: SessionInfo
  events: SessionEvent[]
  /** Each interruption the call was resumed from, in order (a reviewer sees where the call was cut). */
  resumes: CallResume[]
  /**
   * The score report, recomputed from the events; null unless the record
   * verifies and the call was sealed (a live or interrupted call has no verdict).
   */
  report: ScoreReport | null
  verification: ChainVerification
  /** Null until the call has ended, and when the version it was played with is no longer available. */
  played: PlayedCall | null
}

/** A call main is running: the session and what its console shows now. */
export interface LiveCall {
  session: SessionInfo
  view: ConsoleView
}

const sessionId = z.string().uuid()
const scenarioId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(100)

/** Every method and the schema of its single argument object. */
export const API_METHODS = {
  'library.list': z.strictObject({}),
  'library.problems': z.strictObject({}),
  'library.get': z.strictObject({ scenarioId }),
  // The trainee is the profile this connection chose (profiles.select), never a name sent here.
  'calls.start': z.strictObject({
    scenarioId,
    mode: z.enum(['practice', 'assessment']),
  }),
  'calls.act': z.strictObject({
    sessionId,
    /** The view's step the trainee chose this on: an intent chosen on an older console is refused. */
    step: z.number().int().min(0),
    action: IntentSchema,
  }),
  'calls.view': z.strictObject({ sessionId }),
  'calls.end': z.strictObject({ sessionId }),
  'calls.resume': z.strictObject({ sessionId }),
  'sessions.list': z.strictObject({
    scenarioId: scenarioId.optional(),
    trainee: z.string().max(80).optional(),
    status: z.enum(['active', 'finished', 'interrupted']).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'sessions.get': z.strictObject({ sessionId }),
  ...REVIEW_API_METHODS,
  ...WORKBENCH_API_METHODS,
} as const satisfies Record<ApiMethod, z.ZodType>

export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]>

export interface ApiResults extends ReviewApiResults, WorkbenchApiResults {
  'library.list': ScenarioSummary[]
  'library.problems': LibraryProblem[]
  'library.get': ScenarioSummary
  'calls.start': LiveCall
  'calls.act': ConsoleView
  'calls.view': ConsoleView
  'calls.end': SessionRecord
  'calls.resume': LiveCall
  'sessions.list': SessionSummary[]
  'sessions.get': SessionRecord
}

/** Who is calling, as the transport knows it: one Electron window, or one page of the loopback bridge. */
export interface CallerContext {
  connection: string
}

/**
 * What main implements: each method gets its argument and the caller's
 * connection, which decides its role (trainee or supervisor). Without one
 * (tests, the CLI), a call runs as a trainee with no profile chosen.
 */
export type ServiceApi = {
  [M in ApiMethod]: (args: ApiArgs<M>, caller?: CallerContext) => Promise<ApiResults[M]>
}

/** What window.api offers, method by method. */
export type PretextApi = { [M in ApiMethod]: (args: ApiArgs<M>) => Promise<ApiResults[M]> }

/** Validate a method's argument; throws ApiError('invalid-argument') with a readable message. */
export function parseApiArgs<M extends ApiMethod>(method: M, args: unknown): z.output<(typeof API_METHODS)[M]> {
  const schema = API_METHODS[method]
  if (!schema) throw new ApiError('invalid-argument', `unknown method ${String(method)}`)
  const result = schema.safeParse(args ?? {})
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`).join('; ')
    throw new ApiError('invalid-argument', `${method}: ${detail}`)
  }
  return result.data as z.output<(typeof API_METHODS)[M]>
}
