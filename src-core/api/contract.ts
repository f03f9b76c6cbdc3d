import { z } from 'zod'
import type { Policy } from '../engine/policy'
import type { Scenario } from '../scenario/schema'
import type { ScoreReport } from '../scoring/report'
import type { SessionEvent } from '../session/events'
import { SessionEventSchema } from '../session/events'
import { ApiError, type ApiMethod } from './methods'

export { API_ERROR_CODES, API_METHOD_NAMES, ApiError, isApiErrorCode, isApiMethod } from './methods'
export type { ApiErrorCode, ApiMethod } from './methods'

/**
 * The service contract between the renderer and main. Main implements it once
 * (src-main/services); two transports carry it: Electron IPC (preload + ipc.ts)
 * and the loopback HTTP bridge. Both build their surface from API_METHODS, so
 * the page cannot tell them apart and neither can expose more than this.
 */

export type SessionMode = 'practice' | 'assessment'
export type SessionStatus = 'active' | 'finished' | 'interrupted'

export interface ScenarioSummary {
  id: string
  title: string
  /** The trainee's briefing: what the call is about, never whether the caller is genuine. */
  summary: string
  tier: 1 | 2 | 3
  caller: Scenario['caller']
  tactics: string[]
  file: string
}

export interface LibraryProblem {
  file: string
  /** "file:line:col: message" lines, ready to show. */
  errors: string[]
}

export interface ScenarioDocument {
  scenario: Scenario
  /** sha256 of the file's bytes: sessions pin the exact version they were played with. */
  hash: string
  file: string
  /** The shortest path that serves the caller well, as action labels, for "what a good agent would have done". */
  goodPath: string[]
  /** The policy numbers main scores with: the console must compile with the same ones, or replay would drift. */
  policy: Policy
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

export interface SessionRecord {
  info: SessionInfo
  events: SessionEvent[]
  /** The score report, recomputed from the events; null unless the record verifies and the call was sealed (no verdict otherwise). */
  report: ScoreReport | null
  verification: ChainVerification
  /**
   * The exact scenario version and policy the session was played with (by its
   * hash), so a replay shows the call as the trainee had it even after the
   * file was edited; null when that version is no longer available.
   */
  played: { scenario: Scenario; policy: Policy } | null
}

const sessionId = z.string().uuid()
const scenarioId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).max(100)

/** Every method and the schema of its single argument object. */
export const API_METHODS = {
  'library.list': z.strictObject({}),
  'library.problems': z.strictObject({}),
  'library.get': z.strictObject({ scenarioId }),
  'sessions.start': z.strictObject({
    scenarioId,
    mode: z.enum(['practice', 'assessment']),
    trainee: z.string().trim().min(1).max(80),
  }),
  'sessions.append': z.strictObject({ sessionId, event: SessionEventSchema }),
  'sessions.finish': z.strictObject({ sessionId }),
  'sessions.list': z.strictObject({
    scenarioId: scenarioId.optional(),
    trainee: z.string().max(80).optional(),
    status: z.enum(['active', 'finished', 'interrupted']).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  'sessions.get': z.strictObject({ sessionId }),
} as const satisfies Record<ApiMethod, z.ZodType>

export type ApiArgs<M extends ApiMethod> = z.input<(typeof API_METHODS)[M]>

export interface ApiResults {
  'library.list': ScenarioSummary[]
  'library.problems': LibraryProblem[]
  'library.get': ScenarioDocument
  'sessions.start': SessionInfo
  'sessions.append': AppendAck
  'sessions.finish': SessionRecord
  'sessions.list': SessionSummary[]
  'sessions.get': SessionRecord
}

/** What main implements and what window.api offers, method by method. */
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
