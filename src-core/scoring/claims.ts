import type { SessionEvent } from '../engine/events'
import type { AgentActionType, NoteItem } from '../scenario/vocabulary'

/**
 * What a deduction's sentence asserts about the call, in a form checked
 * against the log alone (claimHolds). Every deduction carries the claims its
 * message makes, so a sentence can be tested to be true of the call it is
 * printed for.
 *
 * - took: the trainee took this action at this step (with these parameters, when given).
 * - never: the trainee never took this action (with these parameters), or not before step `before`.
 * - unticked: no note in the call ticked this box.
 */
export type Claim =
  | { took: AgentActionType; seq: number; with?: Record<string, unknown> }
  | { never: AgentActionType; with?: Record<string, unknown>; before?: number }
  | { unticked: NoteItem }

const matches = (event: SessionEvent, action: AgentActionType, params: Record<string, unknown> | undefined) =>
  event.type === action && Object.entries(params ?? {}).every(([k, v]) => (event as unknown as Record<string, unknown>)[k] === v)

/** Is the claim true of this log? */
export function claimHolds(claim: Claim, events: readonly SessionEvent[]): boolean {
  if ('took' in claim) {
    const event = events.find((e) => e.seq === claim.seq)
    return event !== undefined && matches(event, claim.took, claim.with)
  }
  if ('never' in claim) return !events.some((e) => matches(e, claim.never, claim.with) && (claim.before === undefined || e.seq < claim.before))
  return !events.some((e) => e.type === 'note' && e.items.includes(claim.unticked))
}
