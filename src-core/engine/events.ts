import { z } from 'zod'
import {
  AGENT_ACTIONS,
  DISCLOSABLE_FIELDS,
  ESCALATION_TEAMS,
  HRT_KINDS,
  ID_CHECK_METHODS,
  KNOWLEDGE_QUESTIONS,
  NOTE_ITEMS,
  OTP_DESTINATIONS,
  SAFE_PATHS,
  type AgentActionType,
} from '../scenario/vocabulary'
import { hrtTargetProblem } from '../scenario/schema'

/** The longest note text an action may carry; the console counts against it. */
export const NOTE_TEXT_MAX = 4000

/**
 * The payload each agent action carries. An action is the only thing a trainee
 * contributes to a session: the log of these, plus the scenario and the seed,
 * determines everything else (caller lines, console state, score).
 */
export const ActionPayloads = {
  'ask-pin': z.strictObject({}),
  'send-otp': z.strictObject({ to: z.enum(OTP_DESTINATIONS) }),
  'use-caller-id': z.strictObject({}),
  'ask-knowledge': z.strictObject({ question: z.enum(KNOWLEDGE_QUESTIONS) }),
  'confirm-detail': z.strictObject({ field: z.enum(DISCLOSABLE_FIELDS) }),
  'check-account': z.strictObject({}),
  'ask-for-holder': z.strictObject({}),
  'check-id': z.strictObject({ method: z.enum(ID_CHECK_METHODS) }),
  'callback-verify': z.strictObject({}),
  'suspend-line': z.strictObject({}),
  'flag-account': z.strictObject({}),
  'notify-customer': z.strictObject({}),
  escalate: z.strictObject({ team: z.enum(ESCALATION_TEAMS) }),
  'offer-safe-path': z.strictObject({ path: z.enum(SAFE_PATHS) }),
  deny: z.strictObject({}),
  'perform-hrt': z
    .strictObject({
      kind: z.enum(HRT_KINDS),
      notify: z.boolean(),
      hold: z.boolean(),
      /**
       * What the change is to, as the trainee confirmed it: the new email or address, the number calls
       * forward to, where the QR or SIM goes. The console sends it for every kind that has one; without
       * it a QR or SIM goes to the contact of record, and a change does what the caller asked (a log
       * recorded before the console sent targets, or a golden transcript's shorthand).
       */
      target: z.string().min(1).max(200).optional(),
    })
    .superRefine((action, ctx) => {
      const problem = action.target === undefined ? null : hrtTargetProblem(action.kind, action.target)
      if (problem) ctx.addIssue({ code: 'custom', path: ['target'], message: problem })
    }),
  'cancel-order': z.strictObject({}),
  'accept-offer': z.strictObject({}),
  say: z.strictObject({ choice: z.string().min(1).max(80) }),
  note: z.strictObject({ items: z.array(z.enum(NOTE_ITEMS)).max(NOTE_ITEMS.length), text: z.string().max(NOTE_TEXT_MAX) }),
  'end-call': z.strictObject({}),
} satisfies Record<AgentActionType, z.ZodType>

/** Drops the `Record<string, never>` index signature zod gives an empty strict object. */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] }
export type ActionPayload<T extends AgentActionType> = KnownKeys<z.output<(typeof ActionPayloads)[T]>>

/** An action as the trainee takes it, before it is numbered and timed. */
export type AgentAction = { [T in AgentActionType]: { type: T } & ActionPayload<T> }[AgentActionType]

/**
 * One entry of a session's append-only log.
 * `seq` starts at 1 and has no gaps; `at` is wall-clock milliseconds since the
 * epoch, stamped when the trainee acted (the only clock the engine ever sees).
 */
export type SessionEvent = { seq: number; at: number } & AgentAction

const eventShape = z.strictObject({
  seq: z.number().int().min(1),
  at: z.number().int().min(0),
  type: z.enum(AGENT_ACTIONS),
})

/** Validate an untrusted event (from IPC, the bridge, a transcript or a bundle). */
export function parseSessionEvent(input: unknown): SessionEvent {
  if (typeof input !== 'object' || input === null) throw new TypeError('an event must be an object')
  const { seq, at, type, ...payload } = input as Record<string, unknown>
  const head = eventShape.parse({ seq, at, type })
  const body = ActionPayloads[head.type].parse(payload)
  return { ...head, ...body } as SessionEvent
}

/** The same check as a schema (for the contract), keeping the reason an event was refused. */
// Typed as taking a SessionEvent: callers must send one; untrusted input is checked all the same.
export const SessionEventSchema = z.unknown().transform((value, ctx): SessionEvent => {
  try {
    return parseSessionEvent(value)
  } catch (error) {
    const reason =
      error instanceof z.ZodError
        ? error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ')
        : error instanceof Error
          ? error.message
          : String(error)
    ctx.addIssue({ code: 'custom', message: `not a valid session event (${reason})` })
    return z.NEVER
  }
}) as unknown as z.ZodType<SessionEvent, SessionEvent>

/** Strip seq and at: what the engine needs to know about the action itself. */
export function actionOf(event: SessionEvent): AgentAction {
  const { seq: _seq, at: _at, ...action } = event
  return action as AgentAction
}
