import { z } from 'zod'
import { ActionPayloads, parseSessionEvent, type SessionEvent } from './events'
import { AGENT_ACTIONS, type AgentActionType } from '../scenario/vocabulary'

/**
 * Golden transcripts (after Yarn Spinner's test plans): a scenario's
 * `<id>.transcripts.yaml` lists named play-throughs, each a list of the
 * trainee's actions and the report it must produce. One runner replays them
 * all (tests/transcripts.test.ts), and the CLI plays one with --transcript.
 *
 * An action is written as its name (`ask-pin`), as `name: value` when it has a
 * single parameter (`send-otp: line-of-record`, `say: protect-and-path`), or
 * as `name: { ... }` with its parameters (`perform-hrt: { kind: sim-change, notify: true, hold: true }`).
 */

export const TRANSCRIPT_START_AT = Date.UTC(2026, 0, 15, 14, 0, 0)
export const TRANSCRIPT_STEP_MS = 4000

/** The actions written `name: value`, and which parameter the value is. */
export const SINGLE_PARAM: Partial<Record<AgentActionType, string>> = {
  'send-otp': 'to',
  'ask-knowledge': 'question',
  'confirm-detail': 'field',
  escalate: 'team',
  'offer-safe-path': 'path',
  'check-id': 'method',
  say: 'choice',
}

const ActionEntry = z.union([
  z.enum(AGENT_ACTIONS),
  z.partialRecord(z.enum(AGENT_ACTIONS), z.union([z.string(), z.record(z.string(), z.unknown())])),
])

export const TranscriptExpectation = z.strictObject({
  compliance: z.enum(['pass', 'fail']),
  score: z.number().min(0).max(100),
  outcome: z.string().optional(),
  criticalFailures: z.array(z.string()).default([]),
  /** Rubric ids that must appear among the deductions (others may too unless `exactDeductions`). */
  deductions: z.array(z.string()).default([]),
  exactDeductions: z.boolean().default(false),
  /** The call as it reads, line by line ("caller: ...", "agent: ...", "system: ..."). */
  transcript: z.array(z.string()).optional(),
})

export const GoldenTranscript = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  description: z.string().min(1),
  kind: z.enum(['good', 'mistake']),
  seed: z.number().int().min(0).default(1),
  actions: z.array(ActionEntry).min(1),
  expect: TranscriptExpectation,
})

export const TranscriptFile = z.strictObject({
  scenario: z.string(),
  transcripts: z.array(GoldenTranscript).min(1),
})

export type GoldenTranscript = z.output<typeof GoldenTranscript>
export type TranscriptFile = z.output<typeof TranscriptFile>

/** Turns a transcript's action list into a numbered, timed event log. Throws with the entry's index on a bad entry. */
export function transcriptEvents(actions: GoldenTranscript['actions']): SessionEvent[] {
  return actions.map((entry, i) => {
    const seq = i + 1
    const at = TRANSCRIPT_START_AT + seq * TRANSCRIPT_STEP_MS
    try {
      if (typeof entry === 'string') return parseSessionEvent({ seq, at, type: entry })
      const keys = Object.keys(entry) as AgentActionType[]
      if (keys.length !== 1) throw new Error('write one action per entry')
      const type = keys[0]!
      const value = entry[type]!
      const payload =
        typeof value === 'string'
          ? SINGLE_PARAM[type]
            ? { [SINGLE_PARAM[type]!]: value }
            : (() => {
                throw new Error(`${type} takes ${Object.keys(ActionPayloads[type].shape).join(', ') || 'no parameters'}, not a single value`)
              })()
          : value
      return parseSessionEvent({ seq, at, type, ...payload })
    } catch (err) {
      throw new Error(`actions[${i}]: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  })
}

/** The inverse of transcriptEvents, for writing transcripts from a played session. */
export function eventToTranscriptEntry(event: SessionEvent): GoldenTranscript['actions'][number] {
  const { seq: _s, at: _a, type, ...payload } = event
  const keys = Object.keys(payload)
  if (keys.length === 0) return type
  const single = SINGLE_PARAM[type]
  if (single && keys.length === 1 && keys[0] === single) return { [type]: String((payload as Record<string, unknown>)[single]) }
  return { [type]: payload as Record<string, unknown> }
}
